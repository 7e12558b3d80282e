//! Drives the real `btt-tip` (with `btt-wallet` for wallets, the faucet,
//! balances and history) over the ledgers a user can pick: the embedded
//! SQLite ledger, a `btt-wallet node` child serving it over HTTP on
//! 127.0.0.1 (its address read from its first record, stopped by PID), and
//! an EVM chain (anvil with BTTC's chain id, 18 decimals, stopped by PID).
//! Every scenario runs once per ledger (`embedded::...`, `node::...`,
//! `anvil::...`); campaigns need btt's contracts, so not on anvil yet.
//!
//! Money is checked to the base unit through the ledger itself (balances and
//! history), never only through what btt-tip says it did; on anvil every
//! transfer a wallet sent carries its fee, and balances are asserted with
//! the fees taken off, to the wei.

use crate::support;

use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::{Anvil, Child, Run, TestEnv};

const ALICE_KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
const ALICE: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
const BOB_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const BOB: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";
const CAROL_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";
const DAVE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000003";
/// ALICE with its last character changed: fails the base58 checksum.
const NOT_AN_ADDRESS: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZX";

/// How long one short btt command may take on a busy machine.
const COMMAND: Duration = Duration::from_secs(60);
/// How long a whole stream may take.
const STREAM: Duration = Duration::from_secs(240);
/// Which ledger the commands use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Embedded,
    Node,
    Anvil,
}

impl Backend {
    /// Digits after the point of this ledger's BTT.
    fn decimals(self) -> usize {
        match self {
            Backend::Embedded | Backend::Node => 6,
            Backend::Anvil => 18,
        }
    }

    /// One BTT in base units.
    fn btt(self) -> u128 {
        10u128.pow(self.decimals() as u32)
    }
}

/// What anvil's dev accounts hold, in BTT: the faucet pays from the first.
const ANVIL_DEV_BALANCE: &str = "1000000";

/// A test directory with alice, bob, carol and dave imported, and a ledger.
struct World {
    env: TestEnv,
    backend: Backend,
    node: Option<(Child, String)>,
    anvil: Option<Anvil>,
    /// btt's contracts on the anvil, once deployed (`BTT_CONTRACTS`).
    contracts: Option<String>,
    inputs: u32,
}

impl World {
    fn new(backend: Backend) -> World {
        let env = TestEnv::new();
        std::fs::write(env.path().join("password"), "correct horse\n").unwrap();
        std::fs::write(env.path().join("wrong-password"), "wrong horse\n").unwrap();
        let anvil = (backend == Backend::Anvil)
            .then(|| Anvil::start_with(&env, &["--balance", ANVIL_DEV_BALANCE]));
        let mut world = World {
            env,
            backend,
            node: None,
            anvil,
            contracts: None,
            inputs: 0,
        };
        for (name, key) in [
            ("alice", ALICE_KEY),
            ("bob", BOB_KEY),
            ("carol", CAROL_KEY),
            ("dave", DAVE_KEY),
        ] {
            let file = world.env.path().join(format!("{name}.key"));
            std::fs::write(&file, key).unwrap();
            world
                .run_command("btt-wallet import", {
                    let mut command = world.wallet(&["import", "--name", name]);
                    command.arg("--private-key-file").arg(&file);
                    command
                })
                .ok();
        }
        if backend == Backend::Node {
            world.start_node();
        }
        world
    }

    fn start_node(&mut self) {
        let mut command = self.env.btt("btt-wallet");
        command
            .args(["node", "--listen", "127.0.0.1:0", "--dev"])
            .env("BTT_HOME", self.env.path().join("node-home"));
        let mut child = self.env.spawn("btt-wallet node", command);
        let record = child.read_record(COMMAND, "listening");
        let url = format!("http://{}", record["addr"].as_str().unwrap_or_default());
        self.node = Some((child, url));
    }

    fn configure(&self, command: &mut std::process::Command) {
        command
            .env("BTT_PASSWORD_FILE", self.env.path().join("password"))
            .env("BTT_INSECURE_FAST_KDF", "1");
        match (&self.node, &self.anvil) {
            (Some((_, url)), _) => {
                command.env("BTT_LEDGER", url);
            }
            (None, Some(anvil)) => {
                command.env("BTT_LEDGER", &anvil.url);
                if let Some(contracts) = &self.contracts {
                    command.env("BTT_CONTRACTS", contracts);
                }
            }
            (None, None) => {
                command.env("BTT_DEV_LEDGER", "1");
            }
        }
    }

    /// carol deploys btt's contracts on the anvil; later commands use them.
    fn deploy_contracts(&mut self) {
        self.faucet("carol", "1BTT");
        let deploy = &["deploy", "--from", "carol", "--gas-limit", "2000000"];
        let deployed = self.wallet_run(deploy).ok().one();
        self.contracts = Some(deployed["contracts"].as_str().unwrap().to_string());
    }

    /// What `account` paid in gas for every transaction it sent (anvil).
    fn gas_paid(&self, account: &str) -> u128 {
        let anvil = self.anvil.as_ref().expect("an anvil world");
        let record = self.wallet_run(&["balance", account]).ok().one();
        support::market::gas_paid(anvil, record["evm_address"].as_str().unwrap())
    }

    /// One BTT in base units on this world's ledger.
    fn btt(&self) -> u128 {
        self.backend.btt()
    }

    fn wallet(&self, args: &[&str]) -> std::process::Command {
        let mut command = self.env.btt("btt-wallet");
        command.args(args);
        self.configure(&mut command);
        command
    }

    fn tip_command(&self, args: &[&str]) -> std::process::Command {
        let mut command = self.env.btt("btt-tip");
        command.args(args);
        self.configure(&mut command);
        command
    }

    fn run_command(&self, label: &str, command: std::process::Command) -> Run {
        let mut child = self.env.spawn(label, command);
        Run::finish(&mut child, COMMAND)
    }

    fn tip(&self, args: &[&str]) -> Run {
        self.run_command("btt-tip", self.tip_command(args))
    }

    fn wallet_run(&self, args: &[&str]) -> Run {
        self.run_command("btt-wallet", self.wallet(args))
    }

    /// Writes `lines` to a new file and returns its path.
    fn input(&mut self, lines: &[String]) -> PathBuf {
        self.inputs += 1;
        let path = self
            .env
            .path()
            .join(format!("input-{}.ndjson", self.inputs));
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Starts `btt-tip ARGS` with the file `input` as stdin.
    fn spawn_stream(&self, args: &[&str], input: &PathBuf) -> Child {
        let file = std::fs::File::open(input).unwrap();
        Child::spawn_with_input("btt-tip stream", self.tip_command(args), Stdio::from(file))
    }

    fn stream(&self, args: &[&str], input: &PathBuf) -> Run {
        let mut child = self.spawn_stream(args, input);
        Run::finish(&mut child, STREAM)
    }

    fn faucet(&self, account: &str, amount: &str) {
        self.wallet_run(&["faucet", account, amount]).ok();
    }

    /// The BTT balance of `account` (TRC-10 on btt's ledgers, native on
    /// anvil), in base units, from the ledger.
    fn balance(&self, account: &str) -> u128 {
        let record = self.wallet_run(&["balance", account]).ok().one();
        record["btt_base_units"]
            .as_str()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| panic!("bad balance record {record}"))
    }

    /// The transfers `account` received, from the ledger's history.
    fn received(&self, account: &str, address: &str) -> Vec<Value> {
        self.wallet_run(&["history", account])
            .ok()
            .records()
            .into_iter()
            .filter(|record| record["kind"] == "transfer" && record["to"] == address)
            .collect()
    }

    /// What `account` paid the ledger in fees, from its history: on anvil
    /// every transfer it sent names its fee (gas used times the price paid),
    /// on btt's ledgers none does and transfers are free.
    fn fees_paid(&self, account: &str) -> u128 {
        let records = self.wallet_run(&["history", account]).ok().records();
        let sent = records.iter().filter(|record| record["direction"] == "out");
        sent.map(|record| match record.get("fee_base_units") {
            Some(fee) => {
                assert_eq!(
                    self.backend,
                    Backend::Anvil,
                    "a fee on btt's ledger: {record}"
                );
                let fee: u128 = fee.as_str().and_then(|text| text.parse().ok()).unwrap();
                assert!(
                    fee >= 21_000,
                    "a transfer burns at least 21000 gas: {record}"
                );
                fee
            }
            None => {
                assert_ne!(self.backend, Backend::Anvil, "no fee in {record}");
                0
            }
        })
        .sum()
    }

    /// A time to watch from that every later transfer is at or after, and
    /// none before is: a chain's blocks carry whole seconds, so on anvil the
    /// chain's clock is moved on one second and the time is that second.
    fn since_now(&self) -> String {
        let Some(anvil) = &self.anvil else {
            std::thread::sleep(Duration::from_millis(50));
            let since = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
            std::thread::sleep(Duration::from_millis(5));
            return since;
        };
        let latest = anvil
            .rpc("eth_getBlockByNumber", serde_json::json!(["latest", false]))
            .unwrap();
        let digits = latest["timestamp"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x");
        let seconds = u64::from_str_radix(digits, 16).unwrap() + 1;
        anvil
            .rpc("evm_increaseTime", serde_json::json!([1]))
            .unwrap();
        humantime::format_rfc3339(UNIX_EPOCH + Duration::from_secs(seconds)).to_string()
    }

    /// `btt-wallet tx -` with `records` (another command's stdout) as stdin.
    fn lookup(&mut self, records: &str) -> Run {
        let input = self.input(&[records.trim_end().to_string()]);
        let file = std::fs::File::open(input).unwrap();
        let mut child = Child::spawn_with_input(
            "btt-wallet tx",
            self.wallet(&["tx", "-"]),
            Stdio::from(file),
        );
        Run::finish(&mut child, COMMAND).ok()
    }

    fn address(&self, name: &str) -> String {
        let record = self.wallet_run(&["address", name]).ok().one();
        record["address"].as_str().unwrap_or_default().to_string()
    }
}

fn units(record: &Value) -> u128 {
    record["base_units"]
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("no base_units in {record}"))
}

fn now_ms() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(elapsed.as_millis()).unwrap()
}

/// A receipt as btt-tip prints it: every field, and no others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Receipt {
    #[serde(rename = "type")]
    kind_of_record: String,
    line: Option<u64>,
    id: Option<String>,
    #[serde(rename = "txID")]
    txid: String,
    kind: String,
    from: String,
    to: String,
    amount: String,
    base_units: String,
    memo: Option<String>,
    sequence: u64,
    time: String,
    replayed: bool,
    from_evm: Option<String>,
    to_evm: Option<String>,
    fee: Option<String>,
    fee_base_units: Option<String>,
}

/// A stream's error record: every field, and no others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineError {
    #[serde(rename = "type")]
    kind_of_record: String,
    line: u64,
    id: Option<String>,
    code: String,
    reason: String,
    message: String,
}

/// What a line of the big stream should get.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Paid {
        to: String,
        units: u128,
        memo: String,
        id: String,
    },
    Refused(&'static str),
    Unread,
}

/// 1,000 lines: good tips to three recipients in several amount forms, with
/// malformed JSON, missing fields, unknown addresses and tips over
/// `--max-tip` scattered through, then a tip over what is left of the
/// budget, a tip that spends the budget exactly, and a line never read.
fn big_stream(recipients: &[String; 3], backend: Backend) -> (Vec<String>, Vec<Expect>, u128) {
    let btt = backend.btt();
    let mut lines = Vec::new();
    let mut expect = Vec::new();
    let mut total = 0u128;
    for i in 0..997u32 {
        let to = &recipients[(i % 3) as usize];
        let (line, outcome) = match i {
            _ if i % 97 == 5 => (
                format!("{{\"to\":\"{to}\",\"amount\":"),
                Expect::Refused("malformed_json"),
            ),
            _ if i % 89 == 7 => (
                format!("{{\"to\":\"{to}\",\"id\":\"m{i}\"}}"),
                Expect::Refused("missing_field"),
            ),
            _ if i % 83 == 11 => (
                format!("{{\"to\":\"{NOT_AN_ADDRESS}\",\"amount\":\"1BTT\",\"id\":{i}}}"),
                Expect::Refused("unknown_address"),
            ),
            _ if i % 79 == 13 => (
                format!("{{\"to\":\"{to}\",\"amount\":\"10.000001BTT\",\"id\":{i}}}"),
                Expect::Refused("over_max_tip"),
            ),
            _ => {
                let (amount, units) = if i % 10 == 0 {
                    (format!("{}.5BTT", i % 4), u128::from(i % 4) * btt + btt / 2)
                } else {
                    (format!("{}", 1_000 + i), u128::from(1_000 + i))
                };
                let id = if i % 2 == 0 {
                    format!("{i}")
                } else {
                    format!("tip-{i}")
                };
                let id_json = if i % 2 == 0 {
                    id.clone()
                } else {
                    format!("\"{id}\"")
                };
                let memo = format!("great set #{i}");
                total += units;
                (
                    format!("{{\"to\":\"{to}\",\"amount\":\"{amount}\",\"memo\":\"{memo}\",\"id\":{id_json}}}"),
                    Expect::Paid { to: to.clone(), units, memo, id },
                )
            }
        };
        lines.push(line);
        expect.push(outcome);
    }
    let budget = total + 5 * btt;
    let to = &recipients[0];
    lines.push(format!(
        "{{\"to\":\"{to}\",\"amount\":\"5.000001BTT\",\"id\":\"over\"}}"
    ));
    expect.push(Expect::Refused("over_budget"));
    lines.push(format!(
        "{{\"to\":\"{to}\",\"amount\":\"5BTT\",\"memo\":\"last\",\"id\":\"last\"}}"
    ));
    expect.push(Expect::Paid {
        to: to.clone(),
        units: 5 * btt,
        memo: "last".into(),
        id: "last".into(),
    });
    lines.push(format!(
        "{{\"to\":\"{to}\",\"amount\":\"1BTT\",\"id\":\"unread\"}}"
    ));
    expect.push(Expect::Unread);
    (lines, expect, budget)
}

fn stream_of_1000_tips(backend: Backend) {
    let mut world = World::new(backend);
    world.faucet("alice", "100000BTT");
    let recipients = [
        world.address("bob"),
        world.address("carol"),
        world.address("dave"),
    ];
    let (lines, expect, budget) = big_stream(&recipients, backend);
    assert_eq!(lines.len(), 1_000);
    let input = world.input(&lines);
    let budget_arg = format!("{budget}");
    let run = world.stream(
        &[
            "-",
            "--from",
            "alice",
            "--max-tip",
            "10BTT",
            "--budget",
            &budget_arg,
            "--base-units",
        ],
        &input,
    );
    assert_eq!(
        run.code,
        3,
        "the first refusal is bad input\n{}",
        run.describe()
    );
    let records = run.records();
    let (summary, answers) = records.split_last().expect("records");
    assert_eq!(summary["type"], "summary", "{summary}");
    assert_eq!(summary["stopped"], "budget_spent");
    assert_eq!(summary["budget_left"], "0BTT");

    let mut paid_to: BTreeMap<String, u128> = BTreeMap::new();
    let mut txids = BTreeSet::new();
    let mut answered = answers.iter();
    for (index, expected) in expect.iter().enumerate() {
        let line = index as u64 + 1;
        if *expected == Expect::Unread {
            continue;
        }
        let record = answered
            .next()
            .unwrap_or_else(|| panic!("no answer for line {line}"));
        match expected {
            Expect::Paid {
                to,
                units,
                memo,
                id,
            } => {
                let receipt: Receipt = serde_json::from_value(record.clone())
                    .unwrap_or_else(|e| panic!("line {line}: {e}: {record}"));
                assert_eq!(receipt.kind_of_record, "receipt");
                assert_eq!(receipt.line, Some(line), "{record}");
                assert_eq!(receipt.id.as_deref(), Some(id.as_str()));
                assert_eq!((&receipt.to, &receipt.from), (to, &ALICE.to_string()));
                assert_eq!(receipt.base_units, units.to_string());
                assert_eq!(receipt.memo.as_deref(), Some(memo.as_str()));
                assert!(!receipt.replayed);
                assert_eq!(receipt.fee_base_units.is_some(), backend == Backend::Anvil);
                assert!(txids.insert(receipt.txid), "txID repeated at line {line}");
                *paid_to.entry(to.clone()).or_default() += units;
            }
            Expect::Refused(reason) => {
                let error: LineError = serde_json::from_value(record.clone())
                    .unwrap_or_else(|e| panic!("line {line}: {e}: {record}"));
                assert_eq!(error.kind_of_record, "error");
                assert_eq!(error.line, line);
                assert_eq!(error.reason, *reason, "{record}");
                assert_eq!(error.code, "bad_input");
                assert!(run.stderr.contains(&format!("line {line}: ")));
                assert!(run.stderr.contains(&error.message), "{record}");
                let unread = *reason == "malformed_json";
                assert_eq!(error.id.is_none(), unread, "an id once read: {record}");
            }
            Expect::Unread => {}
        }
    }
    assert!(answered.next().is_none(), "more answers than lines");
    let paid = expect
        .iter()
        .filter(|e| matches!(e, Expect::Paid { .. }))
        .count();
    let refused = expect
        .iter()
        .filter(|e| matches!(e, Expect::Refused(_)))
        .count();
    assert_eq!(summary["paid"], paid);
    assert_eq!(summary["refused"], refused);
    assert!(refused >= 40, "{refused} bad lines");

    let spent: u128 = paid_to.values().sum();
    assert_eq!(spent, budget);
    let fees = world.fees_paid("alice");
    assert_eq!(world.balance("alice"), 100_000 * world.btt() - spent - fees);
    for (name, address) in ["bob", "carol", "dave"].iter().zip(&recipients) {
        assert_eq!(world.balance(name), paid_to[address], "{name}");
        let received = world.received(name, address);
        let expected_count = expect
            .iter()
            .filter(|e| matches!(e, Expect::Paid { to, .. } if to == address))
            .count();
        assert_eq!(
            received.len(),
            expected_count,
            "{name} paid exactly once per line"
        );
        let total: u128 = received.iter().map(units).sum();
        assert_eq!(total, paid_to[address]);
    }
}

fn kill_9_mid_stream_then_rerun(backend: Backend) {
    let mut world = World::new(backend);
    world.faucet("alice", "1000BTT");
    const TIPS: u64 = 300;
    let lines: Vec<String> = (1..=TIPS)
        .map(|i| {
            format!(
                "{{\"to\":\"{BOB}\",\"amount\":\"{}\",\"memo\":\"k{i}\",\"id\":\"k{i}\"}}",
                1_000 + i
            )
        })
        .collect();
    let input = world.input(&lines);
    let args = ["-", "--from", "alice", "--base-units"];

    let mut first = world.spawn_stream(&args, &input);
    let seen = first.read_json_line_until(STREAM, |record| record["line"] == 100);
    assert_eq!(seen["type"], "receipt", "{seen}");
    first.signal(libc::SIGKILL);
    assert!(first.wait_timeout(COMMAND).is_some());
    assert!(first.killed_by(libc::SIGKILL));
    let before_rerun = world.received("bob", BOB).len();
    assert!(
        (100..TIPS as usize).contains(&before_rerun),
        "{before_rerun} paid before the kill"
    );

    let second = world.stream(&args, &input).ok();
    let records = second.records();
    let (summary, receipts) = records.split_last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(receipts.len(), TIPS as usize, "{}", second.describe());
    let mut ids = BTreeSet::new();
    for (index, record) in receipts.iter().enumerate() {
        let receipt: Receipt = serde_json::from_value(record.clone()).unwrap();
        assert_eq!(receipt.line, Some(index as u64 + 1));
        assert!(ids.insert(receipt.id.unwrap_or_default()));
    }
    let replayed = receipts.iter().filter(|r| r["replayed"] == true).count();
    assert!(replayed >= 100, "{replayed} replayed");
    assert_eq!(
        summary["paid"].as_u64().unwrap() as usize + replayed,
        TIPS as usize
    );

    let received = world.received("bob", BOB);
    let memos: BTreeSet<String> = received
        .iter()
        .map(|record| record["memo"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(received.len(), TIPS as usize, "no id paid twice");
    assert_eq!(memos.len(), TIPS as usize, "none lost");
    let expected: u128 = (1..=TIPS).map(|i| u128::from(1_000 + i)).sum();
    assert_eq!(world.balance("bob"), expected);
    let fees = world.fees_paid("alice");
    assert_eq!(
        world.balance("alice"),
        1_000 * world.btt() - expected - fees
    );

    let third = world.stream(&args, &input).ok();
    let summary = third.records().pop().unwrap();
    assert_eq!(
        (summary["paid"].as_u64(), summary["replayed"].as_u64()),
        (Some(0), Some(TIPS))
    );
    assert_eq!(world.balance("bob"), expected);
}

fn campaigns_release_or_refund(backend: Backend) {
    let world = World::new(backend);
    let btt = world.btt();
    world.faucet("alice", "1000BTT");
    world.faucet("bob", "50BTT");
    let create = |title: &str, goal: &str, beneficiary: &str| {
        world
            .tip(&[
                "fund",
                "create",
                "--title",
                title,
                "--goal",
                goal,
                "--deadline",
                "20s",
                "--beneficiary",
                beneficiary,
            ])
            .ok()
    };
    let hit = create("Album 2", "10BTT", "carol");
    let signer = "signing as the creator with the beneficiary's wallet carol; --from names another";
    assert!(hit.stderr.contains(signer), "{}", hit.describe());
    let (hit, miss) = (hit.one(), create("Tour", "100BTT", "dave").one());
    let hit_id = hit["id"].as_str().unwrap().to_string();
    let miss_id = miss["id"].as_str().unwrap().to_string();
    assert_eq!(hit["status"], "open");
    let deadline = hit["deadline_ms"]
        .as_i64()
        .unwrap()
        .max(miss["deadline_ms"].as_i64().unwrap());

    // Before the deadline (20 s from creation; seven commands on a busy
    // machine fit): settling is refused, pledges are taken.
    let early = world.tip(&["fund", "settle", &hit_id]);
    early.refused(3, "can be settled from 20");
    let message = early.one()["message"].as_str().unwrap().to_string();
    let (_, rest) = message.split_once("settled from ").unwrap();
    assert!(
        rest.contains("Z (in ") && rest.ends_with("s) on"),
        "{message}"
    );
    let outlook = world.tip(&["fund", "status", &hit_id]).ok().one()["outlook"].clone();
    assert!(
        outlook
            .as_str()
            .unwrap()
            .starts_with("pledging open until 20"),
        "{outlook}"
    );
    let pledge = |id: &str, amount: &str, from: &str| {
        world.tip(&["fund", "pledge", id, amount, "--from", from])
    };
    pledge(&hit_id, "6BTT", "alice").ok();
    pledge(&hit_id, "4BTT", "bob").ok();
    pledge(&miss_id, "3.5BTT", "alice").ok();
    pledge(&miss_id, "1", "bob").refused(2, "no unit; write 1BTT");
    let last = pledge(&miss_id, "0.000001BTT", "bob").ok().one();
    assert_eq!(last["raised_base_units"], "3500001");
    assert_eq!(world.balance("alice"), 1_000 * btt - 9 * btt - btt / 2);
    assert_eq!(world.balance("bob"), 46 * btt - 1);
    let unknown = "00".repeat(32);
    world
        .tip(&["fund", "status", &unknown])
        .refused(3, "unknown campaign");
    world
        .tip(&["fund", "settle", &unknown])
        .refused(3, "unknown campaign");
    world
        .tip(&["fund", "pledge", &unknown, "1BTT", "--from", "alice"])
        .refused(3, "unknown campaign");
    world
        .tip(&["fund", "status", "not-an-id"])
        .refused(3, "campaign id");
    world
        .tip(&["fund", "pledge", &hit_id, "1000000BTT", "--from", "bob"])
        .refused(7, "insufficient");

    let wait = deadline - now_ms() + 300;
    if wait > 0 {
        std::thread::sleep(Duration::from_millis(wait.unsigned_abs()));
    }
    pledge(&hit_id, "1BTT", "alice").refused(3, "closed for pledges");
    let outlook = |id: &str| {
        let status = world.tip(&["fund", "status", id]).ok().one();
        assert_eq!(status["status"], "open");
        status["outlook"].as_str().unwrap().to_string()
    };
    let ended = outlook(&hit_id);
    assert!(ended.starts_with("pledging ended 20"), "{ended}");
    let will = format!(
        "not settled yet: `btt-tip fund settle {hit_id}` pays the beneficiary 10BTT (goal met)"
    );
    assert!(ended.ends_with(&will), "{ended}");
    let will = "refunds every pledge (3.500001BTT of 100BTT raised)";
    assert!(outlook(&miss_id).ends_with(will));

    let released = world.tip(&["fund", "settle", &hit_id]).ok().one();
    assert_eq!(released["status"], "released");
    assert_eq!(world.balance("carol"), 10 * btt);
    let refunded = world.tip(&["fund", "settle", &miss_id]).ok().one();
    assert_eq!(refunded["status"], "refunded");
    assert_eq!(world.balance("dave"), 0);
    assert_eq!(world.balance("alice"), 1_000 * btt - 6 * btt);
    assert_eq!(world.balance("bob"), 46 * btt);

    world
        .tip(&["fund", "settle", &hit_id])
        .refused(3, "already settled");
    world
        .tip(&["fund", "settle", &miss_id])
        .refused(3, "already settled");
    pledge(&miss_id, "1BTT", "alice").refused(3, "already settled");
    let status = world.tip(&["fund", "status", &hit_id]).ok().one();
    assert_eq!(status["raised"], "10BTT");
    assert_eq!(status["outlook"], "settled: the beneficiary was paid 10BTT");
    assert_eq!(status["pledgers"].as_array().map(Vec::len), Some(2));
}

/// Crowdfunding on btt's campaigns contract on anvil: each step is a
/// transaction from its own wallet (`settle` needs `--from`); a campaign
/// that met its goal pays its beneficiary once, and one that missed it is
/// refunded pledger by pledger (pulled: `settle --from W` gives back W's
/// pledge, once). Every wei is accounted for with each wallet's gas.
#[test]
fn campaigns_on_a_chain_release_or_refund_pledger_by_pledger() {
    let mut world = World::new(Backend::Anvil);
    world.deploy_contracts();
    let btt = world.btt();
    world.faucet("alice", "1000BTT");
    world.faucet("bob", "50BTT");
    world.faucet("dave", "1BTT");
    let create = |title: &str, goal: &str, beneficiary: &str| {
        let args = ["fund", "create", "--title", title, "--goal", goal];
        let until = ["--deadline", "20s", "--beneficiary", beneficiary];
        world.tip(&[&args[..], &until[..]].concat()).ok().one()
    };
    let (hit, miss) = (
        create("Album 2", "10BTT", "carol"),
        create("Tour", "100BTT", "dave"),
    );
    let hit_id = hit["id"].as_str().unwrap().to_string();
    let miss_id = miss["id"].as_str().unwrap().to_string();
    let deadline = miss["deadline_ms"].as_i64().unwrap();
    assert_eq!(
        (hit["status"].as_str(), hit["title"].as_str()),
        (Some("open"), Some("Album 2"))
    );
    let settle = |id: &str, from: &str| world.tip(&["fund", "settle", id, "--from", from]);
    settle(&hit_id, "alice").refused(3, "can be settled from");
    world.tip(&["fund", "settle", &hit_id]).refused(2, "--from");
    let pledge = |id: &str, amount: &str, from: &str| {
        world.tip(&["fund", "pledge", id, amount, "--from", from])
    };
    pledge(&hit_id, "6BTT", "alice").ok();
    pledge(&hit_id, "4BTT", "bob").ok();
    pledge(&miss_id, "3.5BTT", "alice").ok();
    let last = pledge(&miss_id, "0.000001BTT", "bob").ok().one();
    assert_eq!(
        last["raised_base_units"],
        (7 * btt / 2 + btt / 1_000_000).to_string()
    );
    let status = world.tip(&["fund", "status", &miss_id]).ok().one();
    assert_eq!(status["pledgers"].as_array().map(Vec::len), Some(2));

    let wait = deadline - now_ms() + 300;
    if wait > 0 {
        std::thread::sleep(Duration::from_millis(wait.unsigned_abs()));
    }
    pledge(&hit_id, "1BTT", "alice").refused(3, "closed for pledges");
    let released = settle(&hit_id, "bob").ok().one();
    assert_eq!(released["status"], "released");
    settle(&hit_id, "alice").refused(3, "already settled");
    let missed = world.tip(&["fund", "status", &miss_id]).ok().one();
    assert_eq!(missed["status"], "refunded", "{missed}");
    let pull = format!(
        "each pledger takes its pledge back with `btt-tip fund settle {miss_id} --from WALLET`"
    );
    assert!(
        missed["outlook"].as_str().unwrap().ends_with(&pull),
        "{missed}"
    );
    assert_eq!(settle(&miss_id, "alice").ok().one()["status"], "refunded");
    settle(&miss_id, "alice").refused(3, "no pledge");
    settle(&miss_id, "bob").ok();
    settle(&miss_id, "carol").refused(3, "no pledge");

    let spent = |name: &str| world.balance(name) + world.gas_paid(name);
    assert_eq!(spent("alice"), 1_000 * btt - 6 * btt);
    assert_eq!(spent("bob"), 50 * btt - 4 * btt);
    assert_eq!(spent("carol"), btt + 10 * btt, "the beneficiary, paid once");
    assert_eq!(
        spent("dave"),
        btt,
        "a missed goal pays its beneficiary nothing"
    );
    let contracts = world.contracts.as_deref().unwrap();
    let campaigns = contracts.split(',').nth(2).unwrap();
    let anvil = world.anvil.as_ref().unwrap();
    assert_eq!(anvil.balance(campaigns), 0, "nothing stays in the contract");
}

fn watch_prints_incoming_tips_once_in_order(backend: Backend) {
    let world = World::new(backend);
    world.faucet("alice", "100BTT");
    world.faucet("bob", "100BTT");
    world
        .tip(&[BOB, "1BTT", "--from", "alice", "--memo", "before"])
        .ok();

    // From a time taken here, not when the watcher gets going: a slow start
    // must not miss the first tip.
    let since = world.since_now();
    let mut watch = world.env.spawn(
        "btt-tip watch",
        world.tip_command(&["watch", "bob", "--since", &since, "--interval", "100ms"]),
    );
    let carol = world.address("carol");
    for i in 0..5 {
        let amount = format!("{}BTT", i + 1);
        let memo = format!("w{i}");
        world
            .tip(&[BOB, &amount, "--from", "alice", "--memo", &memo])
            .ok();
        if i == 2 {
            world
                .tip(&[&carol, "1BTT", "--from", "alice", "--memo", "not bob"])
                .ok();
            world
                .tip(&[ALICE, "1BTT", "--from", "bob", "--memo", "out"])
                .ok();
        }
    }
    let last = watch.read_json_line_until(COMMAND, |record| record["memo"] == "w4");
    assert_eq!(last["type"], "incoming");
    // A tip after the last one: the watcher has polled again once it shows,
    // and printed none of the earlier tips twice meanwhile.
    world
        .tip(&[BOB, "6BTT", "--from", "alice", "--memo", "w5"])
        .ok();
    watch.read_json_line_until(COMMAND, |record| record["memo"] == "w5");
    let status = watch.terminate().expect("watch stops");
    assert!(status.success(), "{}", watch.diagnostics());
    let records = watch.json_records();
    let memos: Vec<&str> = records
        .iter()
        .map(|r| r["memo"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        memos,
        ["w0", "w1", "w2", "w3", "w4", "w5"],
        "{}",
        watch.diagnostics()
    );
    let sequences: Vec<u64> = records
        .iter()
        .map(|r| r["sequence"].as_u64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|pair| pair[0] < pair[1]));
    assert!(records.iter().all(|r| r["to"] == BOB && r["from"] == ALICE));

    let past = world
        .tip(&["watch", "bob", "--since", "1h", "--no-follow"])
        .ok()
        .records();
    let memos: Vec<&str> = past
        .iter()
        .map(|r| r["memo"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        memos,
        ["", "before", "w0", "w1", "w2", "w3", "w4", "w5"],
        "mint, then the tips"
    );
}

fn one_tip_and_its_refusals(backend: Backend) {
    let mut world = World::new(backend);
    let btt = world.btt();
    world.faucet("alice", "20BTT");
    let run = world
        .tip(&[
            BOB,
            "5BTT",
            "--from",
            "alice",
            "--memo",
            "great set",
            "--id",
            "t1",
        ])
        .ok();
    let receipt: Receipt = serde_json::from_value(run.one()).unwrap();
    let looked_up = world.lookup(&run.stdout).one();
    assert_eq!(
        looked_up["txID"],
        receipt.txid.as_str(),
        "btt-wallet tx reads it"
    );
    assert_eq!(looked_up["memo"], "great set");
    assert_eq!(looked_up["to"], BOB);
    assert_eq!(
        (receipt.kind.as_str(), receipt.amount.as_str()),
        ("transfer", "5BTT")
    );
    assert_eq!(receipt.memo.as_deref(), Some("great set"));
    assert!(!receipt.replayed);
    assert!(
        receipt.sequence > 0 && !receipt.time.is_empty(),
        "{receipt:?}"
    );
    assert_eq!(receipt.fee.is_some(), receipt.fee_base_units.is_some());
    assert_eq!(receipt.from_evm.is_some(), receipt.to_evm.is_some());
    let again = world
        .tip(&[
            BOB,
            "5BTT",
            "--from",
            "alice",
            "--memo",
            "great set",
            "--id",
            "t1",
        ])
        .ok()
        .one();
    assert_eq!(again["replayed"], true);
    assert_eq!(again["txID"], receipt.txid.as_str());
    world
        .tip(&[BOB, "6BTT", "--from", "alice", "--id", "t1"])
        .refused(3, "already used");
    assert_eq!(world.balance("bob"), 5 * btt);

    world.tip(&["bob", "1", "--from", "alice"]).refused(
        2,
        "amount: invalid amount \"1\": no unit; write 1BTT, or pass --base-units",
    );
    let by_name = world
        .tip(&["bob", "1", "--from", "alice", "--base-units"])
        .ok()
        .one();
    assert_eq!(by_name["to"], BOB);
    let one_unit = format!("0.{}1BTT", "0".repeat(backend.decimals() - 1));
    assert_eq!(by_name["amount"], one_unit);
    world
        .tip(&[NOT_AN_ADDRESS, "1BTT", "--from", "alice"])
        .refused(3, "not a TRON address");
    let too_fine = format!("1.{}1BTT", "0".repeat(backend.decimals()));
    world
        .tip(&[BOB, &too_fine, "--from", "alice"])
        .refused(3, "decimals");
    let no_trx = match backend {
        Backend::Anvil => "unknown unit",
        Backend::Embedded | Backend::Node => "not in BTT",
    };
    world
        .tip(&[BOB, "1TRX", "--from", "alice"])
        .refused(3, no_trx);
    world
        .tip(&[BOB, "11BTT", "--from", "alice", "--max-tip", "10BTT"])
        .refused(3, "over the most");
    world
        .tip(&[BOB, "100BTT", "--from", "alice"])
        .refused(7, "insufficient");
    world
        .tip(&[BOB, "1BTT", "--from", "nobody"])
        .refused(3, "nobody");
    let mut locked = world.tip_command(&[BOB, "1BTT", "--from", "alice"]);
    locked.env("BTT_PASSWORD_FILE", world.env.path().join("wrong-password"));
    world
        .run_command("btt-tip", locked)
        .refused(6, "wrong password");
    world.tip(&[BOB, "--from", "alice"]).refused(2, "amount");
    assert_eq!(world.balance("bob"), 5 * btt + 1);
    let fees = world.fees_paid("alice");
    assert_eq!(world.balance("alice"), 20 * btt - 5 * btt - 1 - fees);
}

/// The ledger node dies (`kill -9`) under a stream: btt-tip stops with
/// "unreachable" and keeps the tip it could not confirm as being sent; with
/// the node back (same ledger file, new port) a rerun settles it by txid and
/// pays the rest, each id once.
#[test]
fn node_killed_mid_stream_then_rerun() {
    let mut world = World::new(Backend::Node);
    world.faucet("alice", "1000BTT");
    const TIPS: u64 = 200;
    let lines: Vec<String> = (1..=TIPS)
        .map(|i| format!("{{\"to\":\"{BOB}\",\"amount\":\"{i}\",\"memo\":\"n{i}\",\"id\":{i}}}"))
        .collect();
    let input = world.input(&lines);
    let args = ["-", "--from", "alice", "--base-units"];
    let mut stream = world.spawn_stream(&args, &input);
    stream.read_json_line_until(STREAM, |record| record["line"] == 50);
    if let Some((node, _)) = world.node.as_mut() {
        node.signal(libc::SIGKILL);
        assert!(node.wait_timeout(COMMAND).is_some());
    }
    let stopped = Run::finish(&mut stream, STREAM);
    assert_eq!(stopped.code, 4, "unreachable\n{}", stopped.describe());
    assert!(
        stopped.stderr.contains("rerun the same input"),
        "{}",
        stopped.describe()
    );

    world.start_node();
    let rerun = world.stream(&args, &input).ok();
    let records = rerun.records();
    assert_eq!(records.len(), TIPS as usize + 1, "{}", rerun.describe());
    let received = world.received("bob", BOB);
    let memos: BTreeSet<&str> = received
        .iter()
        .map(|record| record["memo"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        (received.len(), memos.len()),
        (TIPS as usize, TIPS as usize)
    );
    let expected: u128 = (1..=TIPS).map(u128::from).sum();
    assert_eq!(world.balance("bob"), expected);
}

/// Runs each scenario on one ledger backend, in a module named after it.
macro_rules! on_ledger {
    ($module:ident, $backend:ident, [$($scenario:ident),* $(,)?]) => {
        mod $module {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario(super::Backend::$backend);
                }
            )*
        }
    };
}

on_ledger!(
    embedded,
    Embedded,
    [
        stream_of_1000_tips,
        kill_9_mid_stream_then_rerun,
        campaigns_release_or_refund,
        watch_prints_incoming_tips_once_in_order,
        one_tip_and_its_refusals,
    ]
);

on_ledger!(
    node,
    Node,
    [
        stream_of_1000_tips,
        kill_9_mid_stream_then_rerun,
        campaigns_release_or_refund,
        watch_prints_incoming_tips_once_in_order,
        one_tip_and_its_refusals,
    ]
);

// Campaigns on anvil run through btt's contracts, pledger by pledger:
// campaigns_on_a_chain_release_or_refund_pledger_by_pledger.
on_ledger!(
    anvil,
    Anvil,
    [
        stream_of_1000_tips,
        kill_9_mid_stream_then_rerun,
        watch_prints_incoming_tips_once_in_order,
        one_tip_and_its_refusals,
    ]
);
