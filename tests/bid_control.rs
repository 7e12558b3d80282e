//! `btt-bid status|set|stop` against running `btt-get --bid` processes on
//! loopback: `set` changes the price a download pays (its `bid` record, the
//! `won` price, the seller's earnings), `stop` makes it free, `status`
//! lists concurrent downloads and skips the socket of a dead process.

use crate::support;

use btt::control::protocol::DownloadStatus;
use serde_json::Value;
use std::path::PathBuf;
use support::market::*;
use support::{Child, Seeder};

/// The seller's flags: one slot, a slow line, so downloads last a while.
const SELLER: &[&str] = &["--slots", "1", "--up-limit", "512KiB"];
/// A leecher's upload limit, so leechers don't just swap the data.
const LEECHER: &[&str] = &["--up-limit", "64KiB"];

/// What one `btt-bid` run printed and how it ended.
struct BidRun {
    code: Option<i32>,
    records: Vec<Value>,
    stderr: String,
}

fn btt_bid(market: &Market, args: &[&str]) -> BidRun {
    let mut command = market.command("btt-bid");
    command.args(args);
    let mut child = market.env().spawn("btt-bid", command);
    let status = child.wait_timeout(COMMAND);
    assert!(
        status.is_some(),
        "btt-bid {args:?} hung\n{}",
        child.diagnostics()
    );
    BidRun {
        code: status.and_then(|status| status.code()),
        records: child.json_records(),
        stderr: child.stderr(),
    }
}

/// The `download` records of a `btt-bid` run that succeeded, read back.
fn downloads(run: &BidRun) -> Vec<DownloadStatus> {
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    records(&run.records)
}

/// A payer bidding `bid` with a 5 BTT budget and a slow upload; its info-hash.
fn buy(market: &Market, name: &str, seeder: &Seeder, bid: &str) -> (Child, String) {
    let flags = [
        &["--wallet", name, "--bid", bid, "--budget", "5BTT"],
        LEECHER,
    ]
    .concat();
    let (mut child, _) = market.get(name, seeder, &flags);
    let started = child.read_record(COMMAND, "started");
    let info_hash = started["info_hash"].as_str().unwrap().to_string();
    (child, info_hash)
}

/// `bid` records of `child` without a peer: changes of its own bid.
fn own_bids(child: &Child) -> Vec<Bid> {
    let bids = printed::<Bid>(child);
    bids.into_iter().filter(|bid| bid.peer.is_none()).collect()
}

fn won_at(won: &[Won], price: u64) -> bool {
    won.iter().any(|won| won.price_base_units == price)
}

fn earned_from(seller: &Child, payer: &str) -> u128 {
    let earnings = printed::<Earning>(seller);
    let from = earnings.iter().filter(|e| e.payer.to_string() == payer);
    let cumulatives = from.map(|earning| earning.cumulative_base_units.0);
    cumulatives.max().unwrap_or(0)
}

/// Alice loses the one slot to bob's higher bid; `set` raises her bid over
/// his, and she wins it at the next rechoke, paying his bid.
#[test]
fn set_raises_the_bid_of_a_running_download_and_it_wins_and_pays_more() {
    let market = Market::new(Backend::Embedded);
    let seller = market.seed("0.01BTT/MiB", SELLER);
    let (alice, hash) = buy(&market, "alice", &seller, "0.02BTT/MiB");
    let (bob, _) = buy(&market, "bob", &seller, "0.03BTT/MiB");
    wait_for(&bob, DOWNLOAD, |won: &[Won]| won_at(won, 20_000));
    let before = earned_from(&seller.child, ALICE);

    let pid = alice.pid().to_string();
    let set = btt_bid(&market, &["set", &hash[..8], "--pid", &pid, "0.05BTT/MiB"]);
    let status = downloads(&set);
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].bid_base_units, Some(50_000));
    assert_eq!(status[0].pid, alice.pid());
    let changed = own_bids(&alice);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].price_base_units, Some(50_000));

    wait_for(&alice, DOWNLOAD, |won: &[Won]| won_at(won, 30_000));
    wait_for(&seller.child, DOWNLOAD, |_: &[Earning]| {
        earned_from(&seller.child, ALICE) > before
    });
}

/// `stop` withdraws the bid: the seller closes alice's channel while she
/// still downloads, and she completes free, having paid what it redeemed.
/// A budget below what she paid is refused with one line.
#[test]
fn stop_makes_a_running_download_free_and_a_budget_below_spent_is_refused() {
    let market = Market::new(Backend::Embedded);
    let seller = market.seed("0.01BTT/MiB", SELLER);
    let (mut alice, hash) = buy(&market, "alice", &seller, "0.02BTT/MiB");
    wait_records::<Payment>(&alice, 1, DOWNLOAD);

    let refused = btt_bid(&market, &["set", &hash, "--budget", "0.000001BTT"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("is below the"),
        "{}",
        refused.stderr
    );

    let stopped = downloads(&btt_bid(&market, &["stop", &hash]));
    assert_eq!(stopped[0].bid, None);
    let changed = own_bids(&alice);
    assert!(changed.iter().any(|bid| bid.price.is_none()), "{changed:?}");
    let closed = wait_closed(&seller.child, ALICE);
    assert!(alice.try_wait().is_none(), "closed while still downloading");
    alice.wait_success(DOWNLOAD);
    let spent = summary(&alice).spent();
    assert_eq!(closed.redeemed_base_units.0, spent);
}

/// `set` after `stop` pays again, through a new channel to the same seller;
/// the two channels' redeemed amounts add up to what the payer spent.
#[test]
fn set_after_stop_pays_again_through_a_new_channel() {
    let market = Market::new(Backend::Embedded);
    let seller = market.seed("0.01BTT/MiB", SELLER);
    let (mut alice, hash) = buy(&market, "alice", &seller, "0.02BTT/MiB");
    wait_records::<Payment>(&alice, 1, DOWNLOAD);
    downloads(&btt_bid(&market, &["stop", &hash]));
    let first = closed_channels(&seller.child, 1).remove(0);
    let resumed = downloads(&btt_bid(&market, &["set", &hash, "0.02BTT/MiB"]));
    assert_eq!(resumed[0].bid_base_units, Some(20_000));
    let paid_before = wait_records::<Payment>(&alice, 1, DOWNLOAD).len();
    wait_records::<Payment>(&alice, paid_before + 1, DOWNLOAD);
    alice.wait_success(DOWNLOAD);
    let closed = closed_channels(&seller.child, 2);
    assert_ne!(closed[0].channel, closed[1].channel, "a new channel");
    let redeemed: u128 = closed.iter().map(|c| c.redeemed_base_units.0).sum();
    assert!(closed[1].redeemed_base_units.0 > 0, "paid again");
    assert_eq!(redeemed, summary(&alice).spent());
    assert_eq!(first.channel, closed[0].channel);
    assert_eq!(first.redeemed_base_units, closed[0].redeemed_base_units);
}

/// Polls until the seller printed `count` closed settlements of alice's channels.
fn closed_channels(seller: &Child, count: usize) -> Vec<Settlement> {
    let alices = |s: &Settlement| s.closed && s.payer.to_string() == ALICE;
    let settlements = wait_for(seller, DOWNLOAD, |found: &[Settlement]| {
        found.iter().filter(|s| alices(s)).count() >= count
    });
    settlements.into_iter().filter(alices).collect()
}

/// `status` lists both running downloads of one torrent with their bids,
/// and removes the socket a killed process left; an ambiguous prefix and
/// a bad one are one-line errors.
#[test]
fn status_lists_two_concurrent_downloads_and_skips_a_stale_socket() {
    let market = Market::new(Backend::Embedded);
    let seller = market.seed("0.01BTT/MiB", SELLER);
    let (alice, hash) = buy(&market, "alice", &seller, "0.02BTT/MiB");
    let (bob, _) = buy(&market, "bob", &seller, "0.03BTT/MiB");
    let stale = stale_socket(&market);

    let mut listed = downloads(&btt_bid(&market, &["status"]));
    listed.sort_by_key(|download| download.bid_base_units);
    let seen: Vec<(u32, Option<u64>)> = listed.iter().map(|d| (d.pid, d.bid_base_units)).collect();
    assert_eq!(
        seen,
        [(alice.pid(), Some(20_000)), (bob.pid(), Some(30_000))]
    );
    assert!(listed
        .iter()
        .all(|d| d.info_hash == hash && d.budget == "5BTT"));
    assert!(!stale.exists(), "the stale socket is removed");
    assert_private(&stale, &[alice.pid(), bob.pid()]);

    let ambiguous = btt_bid(&market, &["set", &hash[..6], "0.05BTT/MiB"]);
    assert_eq!(ambiguous.code, Some(1));
    assert!(
        ambiguous.stderr.contains("matches 2 running downloads"),
        "{}",
        ambiguous.stderr
    );
    let bad = btt_bid(&market, &["stop", "not-a-hash"]);
    assert_eq!(bad.code, Some(3));
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
}

/// The sockets of `pids` beside `stale` are the owner's only, in a 0700 directory.
fn assert_private(stale: &std::path::Path, pids: &[u32]) {
    use std::os::unix::fs::PermissionsExt;
    let runtime = stale.parent().unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(runtime), 0o700);
    for pid in pids {
        assert_eq!(mode(&runtime.join(format!("btt-{pid}.sock"))), 0o600);
    }
}

/// The socket a `kill -9`ed download would have left.
fn stale_socket(market: &Market) -> PathBuf {
    let path = market.env().path().join("btt-home/run/btt-4000000.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    path
}

#[test]
fn nothing_running_is_an_empty_list_and_nothing_to_stop() {
    let market = Market::new(Backend::Embedded);
    assert!(downloads(&btt_bid(&market, &["status"])).is_empty());
    let stop = btt_bid(&market, &["stop", "abcd"]);
    assert_eq!(stop.code, Some(1));
    assert!(
        stop.stderr.contains("no running download"),
        "{}",
        stop.stderr
    );
}

/// On a chain the amounts `btt-bid set` sends are BTT, and the download
/// takes them in wei: the new bid and budget read back as what was typed.
#[test]
fn set_on_a_chain_download_takes_its_amounts_in_the_chains_units() {
    let market = Market::new(Backend::Chain);
    let mut seller = market.seed("0.01BTT/MiB", SELLER);
    let (mut alice, hash) = buy(&market, "alice", &seller, "0.02BTT/MiB");
    wait_records::<Payment>(&alice, 1, DOWNLOAD);
    let set = |args: &[&str]| downloads(&btt_bid(&market, args)).remove(0);
    let raised = set(&["set", &hash, "0.03BTT/MiB"]);
    assert_eq!(raised.bid.as_deref(), Some("0.03BTT/MiB"));
    assert_eq!(raised.bid_base_units, Some(30_000_000_000_000_000));
    let budget = set(&["set", &hash, "--budget", "30BTT"]);
    assert_eq!(budget.budget, "30BTT");
    assert_eq!(budget.budget_base_units, 30 * WEI_PER_BTT);
    alice.terminate();
    seller.child.terminate();
}
