//! The bandwidth market with real processes on loopback: `btt-seed run
//! --ask` sells its regular slots, `btt-get --bid --budget` buys them, free
//! leechers keep downloading, and the ledger (the embedded one shared by
//! every process, or a `btt-wallet node`) moves exactly what the vouchers
//! say.

mod support;

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use support::{assert_trees_equal, Child, Fixture, Seeder, TestEnv};

/// How long a download of the test's content may take.
const DOWNLOAD: Duration = Duration::from_secs(120);
/// How long a short command may take.
const COMMAND: Duration = Duration::from_secs(30);
/// The content: 24 MiB in 256 KiB pieces, 12 s at the seeder's 2 MiB/s.
const CONTENT: &[(&str, u64)] = &[("album.bin", 24 << 20)];
/// What each payer's wallet starts with, in base units (100 BTT).
const FUNDS: u128 = 100_000_000;

const ALICE_KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
const BOB_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const CAROL_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    /// The embedded ledger of the shared data directory.
    Embedded,
    /// A `btt-wallet node --dev`.
    Node,
}

/// A torrent, wallets for two payers (alice, bob) and a seller (carol),
/// and the ledger they trade on.
struct Market {
    fixture: Fixture,
    node: Option<(Child, String)>,
}

impl Market {
    fn new(backend: Backend) -> Market {
        let env = TestEnv::new();
        std::fs::write(env.path().join("password"), "correct horse\n").unwrap();
        let fixture = Fixture::of(CONTENT)
            .args(&["--piece-length", "256KiB"])
            .env(env)
            .create();
        let mut market = Market {
            fixture,
            node: None,
        };
        if backend == Backend::Node {
            market.start_node();
        }
        for (name, key) in [("alice", ALICE_KEY), ("bob", BOB_KEY), ("carol", CAROL_KEY)] {
            let file = market.env().path().join(format!("{name}.key"));
            std::fs::write(&file, key).unwrap();
            let mut import = market.command("btt-wallet");
            import.args(["import", "--name", name, "--private-key-file"]);
            import.arg(&file);
            market.finish("btt-wallet import", import);
        }
        for payer in ["alice", "bob"] {
            market.wallet(&["faucet", payer, "100BTT"]);
        }
        market
    }

    fn env(&self) -> &TestEnv {
        &self.fixture.env
    }

    fn start_node(&mut self) {
        let mut command = self.env().btt("btt-wallet");
        command
            .args(["node", "--listen", "127.0.0.1:0", "--dev"])
            .env("BTT_HOME", self.env().path().join("node-home"));
        let mut child = self.env().spawn("btt-wallet node", command);
        let record = child.read_record(COMMAND, "listening");
        let url = format!("http://{}", record["addr"].as_str().unwrap_or_default());
        self.node = Some((child, url));
    }

    /// A btt command on this market's ledger, with the wallets' password.
    fn command(&self, program: &str) -> Command {
        let mut command = self.env().btt(program);
        command
            .env("BTT_PASSWORD_FILE", self.env().path().join("password"))
            .env("BTT_INSECURE_FAST_KDF", "1");
        match &self.node {
            Some((_, url)) => command.env("BTT_LEDGER", url),
            None => command.env("BTT_DEV_LEDGER", "1"),
        };
        command
    }

    fn finish(&self, label: &str, command: Command) -> Vec<Value> {
        let mut child = self.env().spawn(label, command);
        child.wait_success(COMMAND);
        child.json_records()
    }

    fn wallet(&self, args: &[&str]) -> Vec<Value> {
        let mut command = self.command("btt-wallet");
        command.args(args);
        self.finish("btt-wallet", command)
    }

    /// A wallet's BTT balance in base units, from the ledger.
    fn balance(&self, name: &str) -> u128 {
        let records = self.wallet(&["balance", name]);
        let record = records.last().expect("a balance record");
        units(&record["btt_base_units"])
    }

    /// `btt-seed run` selling as carol at `ask`, with `extra` flags.
    fn seed(&self, ask: &str, extra: &[&str]) -> Seeder {
        let mut command = self.command("btt-seed");
        command
            .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(&self.fixture.data)
            .args(["--wallet", "carol", "--ask", ask])
            .args(extra)
            .arg(&self.fixture.torrent);
        self.listening("btt-seed run", command)
    }

    /// Starts `command` and waits for its `listening` record.
    fn listening(&self, label: &str, command: Command) -> Seeder {
        let mut child = self.env().spawn(label, command);
        let record = child.read_record(COMMAND, "listening");
        let port = record["addr"]
            .as_str()
            .and_then(|addr| addr.parse::<std::net::SocketAddr>().ok())
            .map(|addr| addr.port())
            .expect("a listening record");
        Seeder { child, port }
    }

    /// `btt-seed run` selling nothing.
    fn seed_plain(&self) -> Seeder {
        let mut command = self.command("btt-seed");
        command
            .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(&self.fixture.data)
            .arg(&self.fixture.torrent);
        self.listening("btt-seed run (plain)", command)
    }

    /// `btt-get` of the torrent from `seeder` into `out-NAME`, with `extra` flags.
    fn get(&self, name: &str, seeder: &Seeder, extra: &[&str]) -> (Child, PathBuf) {
        let out = self.env().path().join(format!("out-{name}"));
        let mut command = self.command("btt-get");
        command
            .arg(&self.fixture.torrent)
            .arg("-o")
            .arg(&out)
            .args(["--no-tracker", "--peer", &seeder.addr()])
            .args(extra);
        (self.env().spawn(&format!("btt-get {name}"), command), out)
    }

    /// A payer's `btt-get` bidding `bid` with `budget`.
    fn buy(&self, name: &str, seeder: &Seeder, bid: &str, budget: &str) -> (Child, PathBuf) {
        self.get(
            name,
            seeder,
            &["--wallet", name, "--bid", bid, "--budget", budget],
        )
    }

    fn assert_complete(&self, out: &std::path::Path) {
        assert_trees_equal(&self.fixture.data, out);
    }
}

/// A base-units field (a string of digits).
fn units(value: &Value) -> u128 {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not base units: {value}"))
}

fn records<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

fn summary(child: &Child) -> Value {
    let records = child.json_records();
    let found = records.iter().rev().find(|r| r["type"] == "summary");
    found
        .cloned()
        .unwrap_or_else(|| panic!("no summary\n{}", child.diagnostics()))
}

/// Waits until the seller reports the channel of `payer` closed.
fn wait_closed(seller: &mut Child, payer: &str) -> Value {
    let deadline = std::time::Instant::now() + COMMAND;
    while std::time::Instant::now() < deadline {
        let closed = seller.json_records().into_iter().find(|record| {
            record["type"] == "settlement" && record["payer"] == payer && record["closed"] == true
        });
        if let Some(closed) = closed {
            return closed;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{payer}'s channel was not closed\n{}", seller.diagnostics());
}

const ALICE: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
const BOB: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

/// A payer and a free leecher against a capped seller: the payer wins the
/// one regular slot at the ask, the free one still completes, and the
/// balances move exactly as the vouchers say.
fn a_payer_and_a_free_leecher(backend: Backend) {
    let market = Market::new(backend);
    let mut seller = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "2MiB"]);
    let (mut payer, payer_out) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    let (mut free, free_out) = market.get("free", &seller, &[]);
    payer.wait_success(DOWNLOAD);
    free.wait_success(DOWNLOAD);
    market.assert_complete(&payer_out);
    market.assert_complete(&free_out);

    let paid = payer.json_records();
    let won = records(&paid, "won");
    assert!(
        !won.is_empty(),
        "the payer never won\n{}",
        payer.diagnostics()
    );
    assert!(
        won.iter().all(|w| w["price_base_units"] == 10_000),
        "{won:?}"
    );
    let spent = units(&summary(&payer)["spent_base_units"]);
    let payments = records(&paid, "payment");
    let last = payments.last().expect("payments");
    assert_eq!(units(&last["cumulative_base_units"]), spent);
    assert!(spent > 0 && spent <= 24 * 10_000, "spent {spent}");
    assert!(records(&free.json_records(), "won").is_empty());

    let closed = wait_closed(&mut seller.child, ALICE);
    assert_eq!(units(&closed["redeemed_base_units"]), spent);
    seller.child.terminate();
    let earned = units(&summary(&seller.child)["earned_base_units"]);
    assert_eq!(earned, spent, "{}", seller.child.diagnostics());
    assert_eq!(market.balance("alice"), FUNDS - spent);
    assert_eq!(market.balance("carol"), spent);
}

#[test]
fn a_payer_and_a_free_leecher_on_the_embedded_ledger() {
    a_payer_and_a_free_leecher(Backend::Embedded);
}

#[test]
fn a_payer_and_a_free_leecher_on_a_ledger_node() {
    a_payer_and_a_free_leecher(Backend::Node);
}

/// The prices a payer's `won` records name, in base units per MiB.
fn prices_won(payer: &Child) -> Vec<u64> {
    let records = payer.json_records();
    let won = records.iter().filter(|r| r["type"] == "won");
    won.filter_map(|w| w["price_base_units"].as_u64()).collect()
}

/// Two bidders for one slot: the higher wins and pays the lower bid. (A
/// bidder alone, before the other's bid arrives or after it left, pays the ask.)
#[test]
fn two_bidders_for_one_slot_the_higher_pays_the_lower_bid() {
    let market = Market::new(Backend::Embedded);
    let mut seller = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "2MiB"]);
    let (mut alice, _) = market.buy("alice", &seller, "0.05BTT/MiB", "5BTT");
    let (mut bob, _) = market.buy("bob", &seller, "0.03BTT/MiB", "5BTT");
    alice.wait_success(DOWNLOAD);
    bob.wait_success(DOWNLOAD);
    let alice_prices = prices_won(&alice);
    assert!(
        alice_prices.contains(&30_000),
        "{alice_prices:?}\n{}",
        alice.diagnostics()
    );
    assert!(
        alice_prices.iter().all(|p| [10_000, 30_000].contains(p)),
        "{alice_prices:?}"
    );
    let bob_prices = prices_won(&bob);
    assert!(bob_prices.iter().all(|p| *p == 10_000), "{bob_prices:?}");
    let spent = units(&summary(&alice)["spent_base_units"]);
    let bob_spent = units(&summary(&bob)["spent_base_units"]);
    wait_closed(&mut seller.child, ALICE);
    if !bob_prices.is_empty() {
        wait_closed(&mut seller.child, BOB);
    }
    seller.child.terminate();
    let earned = units(&summary(&seller.child)["earned_base_units"]);
    assert_eq!(earned, spent + bob_spent);
    assert_eq!(market.balance("alice"), FUNDS - spent);
    assert_eq!(market.balance("bob"), FUNDS - bob_spent);
    assert_eq!(market.balance("carol"), earned);
}

/// Polls until `child` printed `count` records of `kind`; returns them.
fn wait_records(child: &Child, kind: &str, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + DOWNLOAD;
    while std::time::Instant::now() < deadline {
        let found: Vec<Value> = child
            .json_records()
            .into_iter()
            .filter(|record| record["type"] == kind)
            .collect();
        if found.len() >= count {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("fewer than {count} {kind} records\n{}", child.diagnostics());
}

/// Kills `child` with SIGKILL and reaps it.
fn kill_9(child: &mut Child) {
    child.signal(libc::SIGKILL);
    child.wait_timeout(COMMAND);
    assert!(child.killed_by(libc::SIGKILL), "{}", child.label());
}

/// The highest `field` of the `kind` records of `child`.
fn max_units(child: &Child, kind: &str, field: &str) -> u128 {
    let records = child.json_records();
    let of_kind = records.iter().filter(|record| record["type"] == kind);
    of_kind
        .map(|record| units(&record[field]))
        .max()
        .unwrap_or(0)
}

/// `kill -9` of the seller while a payer pays: a restart closes the
/// channel with the best voucher it had journaled, so every voucher it
/// accepted is paid, once; a second restart pays nothing more.
#[test]
fn a_seller_killed_mid_download_is_paid_what_it_accepted_when_it_restarts() {
    a_seller_killed_mid_download(Backend::Embedded);
}

#[test]
fn a_seller_on_a_ledger_node_killed_mid_download_is_paid_what_it_accepted_when_it_restarts() {
    a_seller_killed_mid_download(Backend::Node);
}

fn a_seller_killed_mid_download(backend: Backend) {
    let market = Market::new(backend);
    let flags = ["--slots", "1", "--up-limit", "2MiB"];
    let mut seller = market.seed("0.01BTT/MiB", &flags);
    let (mut payer, _) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    wait_records(&seller.child, "earning", 2);
    kill_9(&mut seller.child);
    let printed = max_units(&seller.child, "earning", "cumulative_base_units");
    payer.terminate();
    let signed = max_units(&payer, "payment", "cumulative_base_units");

    let mut restarted = market.seed("0.01BTT/MiB", &flags);
    let closed = wait_closed(&mut restarted.child, ALICE);
    restarted.child.terminate();
    let paid = units(&closed["redeemed_base_units"]);
    assert!(
        paid >= printed && paid <= signed,
        "{printed} <= {paid} <= {signed}"
    );
    assert_eq!(market.balance("carol"), paid);
    assert_eq!(market.balance("alice"), FUNDS - paid);

    let mut again = market.seed("0.01BTT/MiB", &flags);
    std::thread::sleep(Duration::from_secs(2));
    again.child.terminate();
    assert!(records(&again.child.json_records(), "settlement").is_empty());
    assert_eq!(market.balance("carol"), paid, "nothing is paid twice");
}

/// `kill -9` of a payer: the seller closes its channel when the connection
/// drops, so the payer gets the rest back at once and its next run has
/// nothing to refund.
#[test]
fn a_payer_killed_mid_download_gets_the_rest_back_when_the_seller_closes() {
    a_payer_killed_mid_download(Backend::Embedded);
}

#[test]
fn a_payer_on_a_ledger_node_killed_mid_download_gets_the_rest_back_when_the_seller_closes() {
    a_payer_killed_mid_download(Backend::Node);
}

fn a_payer_killed_mid_download(backend: Backend) {
    let market = Market::new(backend);
    let mut seller = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "2MiB"]);
    let (mut payer, _) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    wait_records(&seller.child, "earning", 2);
    kill_9(&mut payer);
    let closed = wait_closed(&mut seller.child, ALICE);
    let paid = units(&closed["redeemed_base_units"]);
    let accepted = max_units(&seller.child, "earning", "cumulative_base_units");
    assert_eq!(paid, accepted, "closed with the last voucher accepted");
    assert_eq!(market.balance("alice"), FUNDS - paid);
    assert_eq!(market.balance("carol"), paid);
    let (mut again, out) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    again.wait_success(DOWNLOAD);
    market.assert_complete(&out);
    assert!(records(&again.json_records(), "refund").is_empty());
    seller.child.terminate();
}

/// `kill -9` of a payer and its seller together, so nobody closes the
/// channel: after its timeout the payer's next run takes the deposit back.
#[test]
fn a_channel_nobody_closed_is_refunded_to_the_payer_after_its_timeout() {
    let market = Market::new(Backend::Embedded);
    let mut seller = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "2MiB"]);
    let bid = [
        "--wallet",
        "alice",
        "--bid",
        "0.02BTT/MiB",
        "--budget",
        "5BTT",
    ];
    let timeout = ["--channel-timeout", "3s"];
    let (mut payer, _) = market.get("alice", &seller, &[&bid[..], &timeout[..]].concat());
    wait_records(&payer, "payment", 1);
    kill_9(&mut seller.child);
    kill_9(&mut payer);
    let locked = FUNDS - market.balance("alice");
    assert!(locked > 0, "the deposit is locked");
    std::thread::sleep(Duration::from_secs(4));

    let mut plain = market.seed_plain();
    let (mut again, out) = market.get("alice", &plain, &bid);
    again.wait_success(DOWNLOAD);
    market.assert_complete(&out);
    let refunds = records(&again.json_records(), "refund")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(refunds.len(), 1, "{}", again.diagnostics());
    assert_eq!(units(&refunds[0]["refunded_base_units"]), locked);
    assert_eq!(market.balance("alice"), FUNDS);
    plain.child.terminate();
}
