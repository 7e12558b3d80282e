//! `btt-bid plan` on loopback: a plan from a live quote (or from a quote
//! on standard input) is a `plan` record that bids what its deadline needs
//! (the seller's ask), not its whole budget; `btt-get -` fed it follows it,
//! bidding the plan's price and paying within the plan; the time it
//! expects comes from the seller's slot rate, and a deadline that rate
//! misses is said on stderr; a budget that can't pay for the download at
//! the lowest ask is one line and exit 7.

use crate::support;

use btt::amount::Token;
use btt::market::plan::Plan;
use serde_json::Value;
use std::process::Stdio;
use support::market::*;
use support::{Child, Seeder};

/// `btt-bid` with `args` (and `input` on stdin); its exit code, records and stderr.
fn btt_bid(market: &Market, args: &[&str], input: Option<&str>) -> (Option<i32>, String, String) {
    let mut command = market.command("btt-bid");
    command.args(args);
    let mut child = match input {
        Some(text) => {
            let mut child = Child::spawn_with_input("btt-bid", command, Stdio::piped());
            child.write_stdin(text.as_bytes());
            child
        }
        None => market.env().spawn("btt-bid", command),
    };
    let status = child.wait_timeout(COMMAND);
    assert!(
        status.is_some(),
        "btt-bid {args:?} hung\n{}",
        child.diagnostics()
    );
    (
        status.and_then(|s| s.code()),
        child.stdout(),
        child.stderr(),
    )
}

fn quote_args<'a>(market: &'a Market, seller: &'a Seeder) -> Vec<String> {
    let torrent = market.fixture.torrent.display().to_string();
    let flags = [
        "--no-dht",
        "--no-tracker",
        "--timeout",
        "3s",
        "--peer",
        &seller.addr(),
    ];
    std::iter::once(torrent)
        .chain(flags.iter().map(|f| f.to_string()))
        .collect()
}

fn plan_record(stdout: &str) -> Plan {
    let lines: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let plan = records::<Plan>(&lines).pop();
    plan.unwrap_or_else(|| panic!("no plan in {stdout}"))
}

/// The seller of the plan tests: one slot on a 4 MiB/s line, so a paid
/// slot gets 3.2 MiB/s (the rest is the free share): the 24 MiB take 7.5 s.
const SELLER: &[&str] = &["--slots", "1", "--up-limit", "4MiB"];

/// `btt-bid plan` of the live swarm with a budget of 1BTT and `deadline`.
fn plan_for(market: &Market, seller: &Seeder, deadline: &str) -> (String, String) {
    let quoting = quote_args(market, seller);
    let mut args = vec!["plan", "--budget", "1BTT", "--deadline", deadline];
    args.extend(quoting.iter().map(String::as_str));
    let (code, stdout, stderr) = btt_bid(market, &args, None);
    assert_eq!(code, Some(0), "{stderr}");
    (stdout, stderr)
}

/// A plan bids the ask the deadline needs (0.01BTT/MiB: the one seller's
/// slot meets it), not the 0.0416BTT/MiB that would spend the whole budget;
/// a deadline the slot rate misses is said, and still bids the ask.
#[test]
fn a_plan_bids_what_the_deadline_needs_within_the_budget() {
    let market = Market::new(Backend::Embedded);
    let seller = market.seed("0.01BTT/MiB", SELLER);
    let slot_rate = (4u64 << 20) * 80 / 100;
    let (stdout, stderr) = plan_for(&market, &seller, "60s");
    let plan = plan_record(&stdout);
    assert_eq!(plan.budget_base_units, 1_000_000);
    assert_eq!(plan.price_base_units, 10_000, "the ask, not 1BTT / 24 MiB");
    assert_eq!(plan.most_cost_base_units, 240_000);
    assert_eq!((plan.sellers, plan.expected_rate), (1, Some(slot_rate)));
    assert!(!stderr.contains("deadline"), "{stderr}");

    let (stdout, stderr) = plan_for(&market, &seller, "5s");
    let plan = plan_record(&stdout);
    assert_eq!(
        plan.price_base_units, 10_000,
        "every seller is won at the ask"
    );
    let seconds = (24u64 << 20).div_ceil(slot_rate);
    assert_eq!(plan.expected_seconds, Some(seconds));
    assert!(
        stderr.contains("past the deadline of 5 s"),
        "8 s misses 5 s: {stderr}"
    );
}

/// `btt-get -` fed a plan follows it: every bid it makes and sends is the
/// plan's price, it wins the slot and pays, within the plan's most.
#[test]
fn a_download_fed_a_plan_follows_it() {
    fed_a_plan(Backend::Embedded);
}

/// On btt's contracts on a chain the plan is in wei and sets aside the gas
/// of opening the seller's channel from the budget; `btt-get -` follows it
/// there too.
#[test]
fn on_a_chain_a_plan_sets_aside_the_gas_and_a_download_follows_it() {
    fed_a_plan(Backend::Chain);
}

fn fed_a_plan(backend: Backend) {
    let market = Market::new(backend);
    let seller = market.seed("0.01BTT/MiB", SELLER);
    let (plan, _) = plan_for(&market, &seller, "60s");
    let planned = plan_record(&plan);
    let micro = market.units_per_btt() / 1_000_000;
    let fees = planned.fees_base_units;
    if backend == Backend::Chain {
        assert_eq!(planned.token, Token::Bttc, "{planned:?}");
        assert!(fees > 0, "the gas of one open: {planned:?}");
    } else {
        assert_eq!((planned.token, fees), (Token::Btt, 0));
    }
    let out = market.env().path().join("out-plan");
    let mut get = market.command("btt-get");
    get.arg("-").arg("-o").arg(&out);
    get.args([
        "--wallet",
        "alice",
        "--no-tracker",
        "--peer",
        &seller.addr(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let mut payer = Child::spawn_with_input("btt-get -", get, Stdio::piped());
    payer.write_stdin(plan.as_bytes());
    payer.wait_success(DOWNLOAD);
    market.assert_complete(&out);
    assert!(
        !printed::<Won>(&payer).is_empty(),
        "{}",
        payer.diagnostics()
    );
    let bids = printed::<Bid>(&payer);
    assert!(
        bids.iter().any(|bid| bid.peer.is_some()),
        "{}",
        payer.diagnostics()
    );
    for bid in bids.iter().filter(|bid| bid.price_base_units.is_some()) {
        let price = bid.price_base_units.map(u128::from);
        assert_eq!(price, Some(10_000 * micro), "{bid:?}");
    }
    let spent = summary(&payer).spent();
    assert!(spent > 0 && spent <= 240_000 * micro, "spent {spent}");
}

#[test]
fn a_plan_reads_a_quote_on_standard_input_and_refuses_a_budget_too_small() {
    let market = Market::new(Backend::Embedded);
    let seller = market.seed("0.01BTT/MiB", &[]);
    let quoting = quote_args(&market, &seller);
    let mut args = vec!["quote"];
    args.extend(quoting.iter().map(String::as_str));
    let (code, quote, stderr) = btt_bid(&market, &args, None);
    assert_eq!(code, Some(0), "{stderr}");

    let plan = ["plan", "-", "--budget", "2BTT", "--deadline", "1h"];
    let (code, stdout, stderr) = btt_bid(&market, &plan, Some(&quote));
    assert_eq!(code, Some(0), "{stderr}");
    let planned = plan_record(&stdout);
    assert_eq!(
        planned.torrent,
        market.fixture.torrent.display().to_string()
    );
    assert_eq!(planned.deadline_seconds, 3600);
    assert!(
        planned.expected_rate.is_none(),
        "an unlimited seller gives no rate"
    );
    assert!(!stderr.contains("deadline"), "{stderr}");

    let small = ["plan", "-", "--budget", "0.1BTT", "--deadline", "1h"];
    let (code, stdout, stderr) = btt_bid(&market, &small, Some(&quote));
    assert_eq!(code, Some(7), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("can't meet the deadline"), "{stderr}");
    assert!(!stdout.contains("\"plan\""));

    let (code, _, stderr) = btt_bid(
        &market,
        &["plan", "-", "--budget", "1BTT", "--deadline", "1h"],
        Some("{}\n"),
    );
    assert_eq!(code, Some(3), "{stderr}");
}
