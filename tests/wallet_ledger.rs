//! Drives the real `btt-wallet` binary against ledgers: the embedded one
//! (in a temporary `BTT_HOME`), a `btt-wallet node` child serving it over
//! HTTP on 127.0.0.1 (spawned on port 0, its address read from its first
//! record, stopped by PID), and for payments an EVM chain (anvil with BTTC's
//! chain id, where the payer also pays a fee, asserted to the wei). Every
//! command runs with a password file and the fast test KDF; results are read
//! back as NDJSON records.

use crate::support;

use btt::ledger::node::client::NodeClient;
use btt::tron::{SignedTransaction, TxId};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::{Anvil, Run, TestEnv};

const ALICE_KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
const ALICE: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
const BOB_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const BOB: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

/// A temporary BTT_HOME with alice and bob imported, and a ledger to talk to.
struct Home {
    temp: tempfile::TempDir,
    ledger: Option<String>,
    /// True when the ledger is an EVM chain (18 decimals, fees).
    evm: bool,
}

impl Home {
    fn new() -> Home {
        let home = Home {
            temp: tempfile::tempdir().unwrap(),
            ledger: None,
            evm: false,
        };
        std::fs::write(home.path("password"), "correct horse\n").unwrap();
        std::fs::write(home.path("wrong-password"), "wrong horse\n").unwrap();
        home.import("alice", ALICE_KEY);
        home.import("bob", BOB_KEY);
        home
    }

    fn path(&self, name: &str) -> PathBuf {
        self.temp.path().join(name)
    }

    fn import(&self, name: &str, key: &str) {
        let file = self.path(&format!("{name}.key"));
        std::fs::write(&file, key).unwrap();
        self.run(&[
            "import",
            "--name",
            name,
            "--private-key-file",
            file.to_str().unwrap(),
        ])
        .ok();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_btt-wallet"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.temp.path())
            .env("BTT_HOME", self.path("home"))
            .env("NO_COLOR", "1")
            .env("BTT_INSECURE_FAST_KDF", "1")
            .env("BTT_PASSWORD_FILE", self.path("password"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(ledger) = &self.ledger {
            command.env("BTT_LEDGER", ledger);
        }
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, "", &[])
    }

    fn dev(&self, args: &[&str]) -> Run {
        self.run_with_input(args, "", &[("BTT_DEV_LEDGER", "1")])
    }

    fn run_with_input(&self, args: &[&str], input: &str, env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        command.envs(env.iter().copied());
        Run::of("btt-wallet", command, input)
    }

    fn btt(&self, account: &str) -> String {
        let balance = self.run(&["balance", account]).ok().one();
        assert_eq!(balance["type"], "balance");
        balance["btt"].as_str().unwrap().to_string()
    }

    /// The BTT balance of `account` in base units.
    fn units(&self, account: &str) -> u128 {
        let balance = self.run(&["balance", account]).ok().one();
        balance["btt_base_units"].as_str().unwrap().parse().unwrap()
    }

    /// One BTT in base units on this ledger.
    fn one_btt(&self) -> u128 {
        if self.evm {
            1_000_000_000_000_000_000
        } else {
            1_000_000
        }
    }

    /// The fee a receipt says its payer paid: present on an EVM chain, at
    /// least a plain transfer's 21000 gas; absent on btt's ledgers.
    fn fee_of(&self, receipt: &Value) -> u128 {
        match receipt.get("fee_base_units") {
            Some(fee) => {
                assert!(self.evm, "a fee on btt's ledger: {receipt}");
                let fee: u128 = fee.as_str().unwrap().parse().unwrap();
                assert!(fee >= 21_000, "{receipt}");
                fee
            }
            None => {
                assert!(!self.evm, "no fee in {receipt}");
                0
            }
        }
    }

    /// Starts `btt-wallet node` on a free loopback port.
    fn node(&self, dev: bool) -> NodeChild {
        let mut args = vec!["node", "--listen", "127.0.0.1:0"];
        if dev {
            args.push("--dev");
        }
        let mut command = self.command(&args);
        command.env_remove("BTT_LEDGER").stdin(Stdio::null());
        let mut child = command.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let record: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert_eq!(record["type"], "listening", "{record}");
        assert_eq!(record["dev"], dev);
        NodeChild {
            child,
            url: format!("http://{}", record["addr"].as_str().unwrap()),
        }
    }
}

/// A running node, killed by PID when dropped.
struct NodeChild {
    child: Child,
    url: String,
}

impl NodeChild {
    fn kill9(&mut self) {
        // SAFETY: plain libc call on our own child's PID.
        let pid = i32::try_from(self.child.id()).unwrap();
        unsafe { libc::kill(pid, libc::SIGKILL) };
        self.child.wait().unwrap();
    }
}

impl Drop for NodeChild {
    fn drop(&mut self) {
        if self.child.try_wait().unwrap().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// faucet → balance → send → history → balance, and the refusals; every
/// balance to the base unit, with the fee the payer paid on an EVM chain.
fn pay_and_check(home: &Home) {
    let btt = home.one_btt();
    let minted = home.dev(&["faucet", "alice", "1000BTT"]).ok().one();
    assert_eq!(minted["type"], "receipt");
    assert_eq!(minted["kind"], "mint");
    assert_eq!(home.btt("alice"), "1000");
    assert_eq!(home.units("alice"), 1000 * btt);
    assert_eq!(home.btt(BOB), "0");

    let sent = home
        .run(&["send", BOB, "2.5BTT", "--from", "alice", "--memo", "thanks"])
        .ok()
        .one();
    assert_eq!(sent["type"], "receipt");
    assert_eq!(sent["kind"], "transfer");
    assert_eq!(sent["from"], ALICE);
    assert_eq!(sent["to"], BOB);
    assert_eq!(sent["base_units"], (5 * btt / 2).to_string());
    assert_eq!(sent["memo"], "thanks");
    assert_eq!(sent["txID"].as_str().unwrap().len(), 64);
    let fee = home.fee_of(&sent);

    let history = home.run(&["history", "alice"]).ok().records();
    let kinds: Vec<(&str, &str)> = history
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap(),
                r["direction"].as_str().unwrap(),
            )
        })
        .collect();
    // On a chain the faucet is a transfer from a dev account like any other.
    let minting = if home.evm { "transfer" } else { "mint" };
    assert_eq!(kinds, [(minting, "in"), ("transfer", "out")]);
    assert_eq!(history[1]["txID"], sent["txID"]);
    assert_eq!(home.fee_of(&history[1]), fee);
    assert_eq!(home.units("alice"), 1000 * btt - 5 * btt / 2 - fee);
    assert_eq!(home.btt("bob"), "2.5");
    assert_eq!(home.units("bob"), 5 * btt / 2);

    let poor = home.run(&["send", ALICE, "5BTT", "--from", "bob"]);
    assert_eq!(poor.code, 7, "{}", poor.stderr);
    let locked = home.run(&[
        "send",
        BOB,
        "1BTT",
        "--from",
        "alice",
        "--password-file",
        home.path("wrong-password").to_str().unwrap(),
    ]);
    assert_eq!(locked.code, 6, "{}", locked.stderr);
    assert_eq!(home.units("alice"), 1000 * btt - 5 * btt / 2 - fee);
}

/// `send --sign-only` (the reference block from the ledger) then
/// `broadcast`; a replay, a forged signature and a forged reference block
/// (signed offline) are refused.
fn broadcast_and_refusals(home: &Home) {
    let built = home
        .run(&["send", BOB, "1BTT", "--from", "alice", "--sign-only"])
        .ok()
        .stdout;
    let file = home.path("tx.json");
    std::fs::write(&file, &built).unwrap();
    let applied = home.run(&["broadcast", file.to_str().unwrap()]).ok().one();
    let signed = SignedTransaction::from_json(built.trim()).unwrap();
    assert_eq!(applied["txID"], signed.txid().to_string());
    let replay = home.run_with_input(&["broadcast", "-"], &built, &[]);
    assert_eq!(replay.code, 3, "{}", replay.stderr);
    assert!(
        replay.stderr.contains("already applied"),
        "{}",
        replay.stderr
    );

    let forged_tx = btt::wallet::PrivateKey::from_hex(BOB_KEY)
        .unwrap()
        .sign_digest(&signed.txid().0);
    let mut forged: Value = serde_json::from_str(built.trim()).unwrap();
    forged["signature"] = json!([hex::encode(forged_tx)]);
    let refused = home.run_with_input(&["broadcast", "-"], &forged.to_string(), &[]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);

    let raw = &signed.unsigned().raw_data_json();
    let mut wrong_hash = hex::decode(&raw.ref_block_hash).unwrap();
    wrong_hash[0] ^= 1;
    let offline = home
        .run(&[
            "send",
            BOB,
            "1BTT",
            "--from",
            "alice",
            "--sign-only",
            "--ref-block-bytes",
            &raw.ref_block_bytes,
            "--ref-block-hash",
            &hex::encode(wrong_hash),
        ])
        .ok()
        .stdout;
    let tapos = home.run_with_input(&["broadcast", "-"], &offline, &[]);
    assert_eq!(tapos.code, 3, "{}", tapos.stderr);
    assert!(
        tapos
            .stderr
            .contains("not one of this ledger's latest 65536 blocks"),
        "{}",
        tapos.stderr
    );
    assert_eq!(home.btt("bob"), "3.5");
}

/// open → vouchers → close; refund before the timeout is refused.
fn channel_round(home: &Home) {
    let before_alice = home.btt("alice");
    assert_eq!(before_alice, "996.5");
    let opened = home
        .run(&[
            "channel",
            "open",
            BOB,
            "50BTT",
            "--from",
            "alice",
            "--timeout",
            "24h",
        ])
        .ok()
        .one();
    assert_eq!(opened["type"], "channel");
    let id = opened["id"].as_str().unwrap().to_string();
    assert_eq!(home.btt("alice"), "946.5");
    let mut vouchers = String::new();
    for amount in ["10BTT", "30BTT", "20BTT"] {
        let voucher = home.run(&["voucher", &id, amount, "--from", "alice"]).ok();
        assert_eq!(voucher.one()["type"], "voucher");
        vouchers.push_str(&voucher.stdout);
    }
    let early = home.run(&["channel", "refund", &id, "--from", "alice"]);
    assert_eq!(early.code, 3, "{}", early.stderr);
    assert!(early.stderr.contains("refunded"), "{}", early.stderr);
    let stranger = home.run(&["voucher", &id, "5BTT", "--from", "bob"]);
    assert_eq!(stranger.code, 3, "{}", stranger.stderr);
    let not_payer = format!("wallet bob is not the payer {ALICE} of channel {id}");
    assert!(stranger.stderr.contains(&not_payer), "{}", stranger.stderr);
    let elsewhere = "ab".repeat(32);
    let other = vouchers.lines().next().unwrap().replace(&id, &elsewhere);
    let mixed = home.run_with_input(
        &["channel", "close", "-"],
        &format!("{vouchers}{other}\n"),
        &[],
    );
    assert_eq!(mixed.code, 3, "{}", mixed.stderr);
    let mixed_message = format!("-: vouchers name channels {id} and {elsewhere}");
    assert!(mixed.stderr.contains(&mixed_message), "{}", mixed.stderr);
    let closed = home
        .run_with_input(&["channel", "close", "-"], &vouchers, &[])
        .ok()
        .one();
    assert_eq!(closed["redeemed"], "30BTT");
    assert_eq!(closed["redeemed_base_units"], "30000000");
    assert_eq!(home.btt("alice"), "966.5");
    assert_eq!(home.btt("bob"), "33.5");
}

#[test]
fn the_embedded_ledger_pays_broadcasts_and_runs_channels() {
    let home = Home::new();
    home.run(&["faucet", "alice", "1BTT"]).refused(
        3,
        "the faucet mints only on a dev ledger: pass --dev (or set BTT_DEV_LEDGER=1) to open the embedded ledger as one",
    );
    assert_eq!(home.btt("alice"), "0");
    pay_and_check(&home);
    broadcast_and_refusals(&home);
    channel_round(&home);
}

#[test]
fn a_node_serves_the_same_commands_and_a_plain_node_refuses_the_faucet() {
    let mut home = Home::new();
    {
        let plain = home.node(false);
        home.ledger = Some(plain.url.clone());
        let said = format!(
            "the faucet mints only on a dev ledger, and the node at {} was not started with --dev: start it as `btt-wallet node --dev`",
            plain.url
        );
        home.run(&["faucet", "alice", "1BTT"]).refused(3, &said);
        home.dev(&["faucet", "alice", "1BTT"]).refused(3, &said);
        assert_eq!(home.btt("alice"), "0");
    }
    let node = home.node(true);
    home.ledger = Some(node.url.clone());
    pay_and_check(&home);
    broadcast_and_refusals(&home);
    channel_round(&home);
    drop(node);
    let down = home.run(&["balance", "alice"]);
    assert_eq!(down.code, 4, "{}", down.stderr);
}

/// The payments of the other ledgers on an EVM chain: anvil with BTTC's
/// chain id, 18 decimals, the fee of each transfer taken from its payer.
#[test]
fn an_evm_chain_pays_the_same_way_with_fees() {
    let env = TestEnv::new();
    let anvil = Anvil::start(&env);
    let mut home = Home::new();
    home.ledger = Some(anvil.url.clone());
    home.evm = true;
    pay_and_check(&home);
}

/// Signs with alice's key a BTT transfer of 1 base unit tagged `tag`, naming `reference`.
fn signed_transfer(reference: btt::tron::BlockReference, tag: u64) -> SignedTransaction {
    use btt::amount::{Amount, Token};
    use btt::tron::{TransactionParams, TransferCall, UnsignedTransaction};
    let key = btt::wallet::PrivateKey::from_hex(ALICE_KEY).unwrap();
    let call = TransferCall {
        owner: key.address(),
        to: BOB.parse().unwrap(),
        amount: Amount {
            token: Token::Btt,
            base_units: 1,
        },
    };
    let params = TransactionParams {
        reference,
        timestamp: now_ms(),
        expiration: now_ms() + 600_000,
        memo: format!("burst {tag}").into_bytes(),
        fee_limit: 0,
    };
    UnsignedTransaction::new(call, &params).unwrap().sign(&key)
}

#[test]
fn kill_9_during_a_burst_loses_no_acknowledged_transfer() {
    let home = Home::new();
    let mut node = home.node(true);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = NodeClient::new(&node.url).unwrap();
    let minted = 1_000_000u128;
    let alice = ALICE.parse().unwrap();
    let bob = BOB.parse().unwrap();
    runtime
        .block_on(client.mint(
            alice,
            btt::amount::Amount {
                token: btt::amount::Token::Btt,
                base_units: minted,
            },
        ))
        .unwrap();
    let reference = runtime.block_on(client.reference_block()).unwrap();
    let transactions: Vec<SignedTransaction> = (0..4_000)
        .map(|tag| signed_transfer(reference, tag))
        .collect();
    let (acknowledged, sent) = std::sync::mpsc::channel::<TxId>();
    let senders: Vec<_> = transactions
        .chunks(500)
        .map(|chunk| {
            let client = client.clone();
            let chunk = chunk.to_vec();
            let acknowledged = acknowledged.clone();
            runtime.spawn(async move {
                for transaction in chunk {
                    match client.broadcast(&transaction).await {
                        Ok(txid) => {
                            let _ = acknowledged.send(txid);
                        }
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    drop(acknowledged);
    let mut acked = Vec::new();
    while acked.len() < 300 {
        acked.push(sent.recv_timeout(Duration::from_secs(30)).unwrap());
    }
    node.kill9();
    for sender in senders {
        runtime.block_on(sender).unwrap();
    }
    acked.extend(sent.try_iter());
    assert!(
        acked.len() < transactions.len(),
        "the burst ended before the kill"
    );

    let node = home.node(false);
    let client = NodeClient::new(&node.url).unwrap();
    for txid in &acked {
        let found = runtime.block_on(client.transaction(txid.0)).unwrap();
        assert!(found.is_some(), "acknowledged {txid} was lost");
    }
    let token = btt::amount::Token::Btt;
    let a = runtime.block_on(client.balance(alice, token)).unwrap();
    let b = runtime.block_on(client.balance(bob, token)).unwrap();
    assert_eq!(a + b, minted, "supply not conserved");
    assert!(b >= acked.len() as u128);
}

/// tronpy signs what the node's builder returns; the node accepts it.
#[test]
fn a_tronpy_signed_transaction_from_the_builder_is_accepted() {
    let mut home = Home::new();
    let node = home.node(true);
    home.ledger = Some(node.url.clone());
    home.dev(&["faucet", "alice", "10BTT"]).ok();
    let script = r#"
import json, sys, urllib.request
from tronpy.keys import PrivateKey
url, key, owner, to = sys.argv[1:5]
def post(path, body):
    request = urllib.request.Request(url + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request, timeout=30))
tx = post("/wallet/transferasset", {"owner_address": owner, "to_address": to,
    "asset_name": "1002000".encode().hex(), "amount": 1500000, "visible": True})
assert tx["txID"] == __import__("hashlib").sha256(bytes.fromhex(tx["raw_data_hex"])).hexdigest()
tx["signature"] = [PrivateKey(bytes.fromhex(key)).sign_msg_hash(bytes.fromhex(tx["txID"])).hex()]
print(json.dumps(post("/wallet/broadcasttransaction", tx)))
"#;
    let python = std::env::var("BTT_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let output = Command::new(python)
        .args(["-c", script, &node.url, ALICE_KEY, ALICE, BOB])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["result"], true, "{answer}");
    assert_eq!(home.btt("bob"), "1.5");
    assert_eq!(home.btt("alice"), "8.5");
}

/// The `tron` backend speaks TRON's full-node API; `btt-wallet node` serves it.
/// On TRON, BTT is the TRC-20 token (sent with `TriggerSmartContract`), and
/// the TRC-10 token 1002000 is BTTOLD in what is typed and what is shown.
#[test]
fn the_tron_backend_sends_trc20_btt_and_names_the_trc10_bttold() {
    let mut home = Home::new();
    let node = home.node(true);
    home.ledger = Some(node.url.clone());
    home.dev(&["faucet", "alice", "10BTT"]).ok();
    home.ledger = Some(format!("tron+{}", node.url));
    let balance = home.run(&["balance", "alice"]).ok().one();
    assert_eq!(balance["btt"], "0", "{balance}");
    assert_eq!(balance["bttold"], "10", "{balance}");
    assert_eq!(balance["bttold_base_units"], "10000000", "{balance}");
    assert!(balance.get("btt_trc20").is_none(), "{balance}");
    let sent = home
        .run(&[
            "send", BOB, "2BTTOLD", "--from", "alice", "--memo", "via tron",
        ])
        .ok()
        .one();
    assert_eq!(sent["sequence"], 0, "{sent}");
    assert_eq!(sent["amount"], "2BTTOLD", "{sent}");
    assert_eq!(home.run(&["balance", "bob"]).ok().one()["bttold"], "2");
    let poor = home.run(&["send", ALICE, "5BTTOLD", "--from", "bob"]);
    assert_eq!(poor.code, 7, "{}", poor.stderr);
    let faucet = home.run(&["faucet", "alice", "1BTT"]);
    assert_eq!(faucet.code, 3, "{}", faucet.stderr);
    let history = home.run(&["history", "alice"]);
    assert_eq!(history.code, 1, "{}", history.stderr);
    assert!(
        history.stderr.contains("does not support"),
        "{}",
        history.stderr
    );

    // The TRC-20 BTT is asked of its contract (triggerconstantcontract balanceOf), 18 decimals exact.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = NodeClient::new(&node.url).unwrap();
    let trc20 = btt::amount::Amount {
        token: btt::amount::Token::BttTrc20,
        base_units: 1_000_000_000_000_000_001,
    };
    runtime
        .block_on(client.mint(ALICE.parse().unwrap(), trc20))
        .unwrap();
    let balance = home.run(&["balance", "alice"]).ok().one();
    assert_eq!(balance["btt"], "1.000000000000000001", "{balance}");
    assert_eq!(balance["btt_base_units"], "1000000000000000001");
    assert_eq!(balance["bttold"], "8", "the TRC-10 is apart");

    // `BTT` sends the TRC-20: a TriggerSmartContract calling transfer(address,uint256).
    let built = home
        .run(&["send", BOB, "0.5BTT", "--from", "alice", "--sign-only"])
        .ok()
        .stdout;
    let signed = SignedTransaction::from_json(built.trim()).unwrap();
    let call = signed.unsigned().transfer();
    assert_eq!(call.amount.token, btt::amount::Token::BttTrc20);
    assert_eq!(call.amount.base_units, 500_000_000_000_000_000);
    let json: Value = serde_json::from_str(built.trim()).unwrap();
    let contract = &json["raw_data"]["contract"][0];
    assert_eq!(contract["type"], "TriggerSmartContract", "{contract}");
    let applied = home
        .run_with_input(&["broadcast", "-"], &built, &[])
        .ok()
        .one();
    assert_eq!(applied["amount"], "0.5BTT", "{applied}");
    let alice = home.run(&["balance", "alice"]).ok().one();
    assert_eq!(alice["btt_base_units"], "500000000000000001", "{alice}");
    assert_eq!(alice["bttold"], "8");
    let bob = home.run(&["balance", "bob"]).ok().one();
    assert_eq!(bob["btt"], "0.5", "{bob}");
    assert_eq!(bob["bttold"], "2", "{bob}");
}

/// A bare number is refused (exit 2, one line, nothing moved) by every
/// command that takes an amount; `--base-units` says it is base units.
#[test]
fn a_bare_number_needs_a_unit_or_base_units() {
    let home = Home::new();
    home.dev(&["faucet", "alice", "5"]).refused(
        2,
        "amount: invalid amount \"5\": no unit; write 5BTT, or pass --base-units",
    );
    home.dev(&["faucet", "alice", "10BTT"]).ok();
    for args in [
        &["send", BOB, "5", "--from", "alice"][..],
        &["send", "bob", "5", "--from", "alice", "--sign-only"],
        &["channel", "open", BOB, "5", "--from", "alice"],
    ] {
        home.run(args).refused(2, "no unit; write 5BTT");
    }
    assert_eq!(home.btt("alice"), "10");
    assert_eq!(home.btt("bob"), "0");
    let opened = home
        .run(&["channel", "open", BOB, "1BTT", "--from", "alice"])
        .ok()
        .one();
    let id = opened["id"].as_str().unwrap();
    home.run(&["voucher", id, "5", "--from", "alice"])
        .refused(2, "no unit");
    let sent = home
        .run(&["send", BOB, "5", "--from", "alice", "--base-units"])
        .ok()
        .one();
    assert_eq!(sent["base_units"], "5");
    assert_eq!(sent["amount"], "0.000005BTT");
    assert_eq!(home.btt("bob"), "0.000005");
}

/// One line of `channel list` in a pipe; unknown fields fail the test.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ListedChannel {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    payer: String,
    payee: String,
    locked: String,
    locked_base_units: String,
    redeemed: String,
    redeemed_base_units: String,
    token: String,
    status: String,
    expires: String,
    expires_at_ms: i64,
}

/// `channel list` shows the channels a wallet pays into and is paid
/// through, on the embedded ledger and through a node.
fn channels_are_listed(home: &Home) {
    home.dev(&["faucet", "alice", "100BTT"]).ok();
    let before = now_ms();
    let open = |amount: &str| {
        let record = home
            .run(&[
                "channel",
                "open",
                BOB,
                amount,
                "--from",
                "alice",
                "--timeout",
                "24h",
            ])
            .ok()
            .one();
        record["id"].as_str().unwrap().to_string()
    };
    let first = open("50BTT");
    let second = open("2.5BTT");
    let voucher = home
        .run(&["voucher", &first, "20BTT", "--from", "alice"])
        .ok();
    home.run_with_input(&["channel", "close", "-"], &voucher.stdout, &[])
        .ok();
    for who in ["alice", "bob", BOB] {
        let listed: Vec<ListedChannel> = home.run(&["channel", "list", "--from", who]).ok().lines();
        let ids: Vec<&str> = listed.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), 2, "{who}: {listed:?}");
        assert!(ids.contains(&first.as_str()) && ids.contains(&second.as_str()));
        let closed = listed.iter().find(|c| c.id == first).unwrap();
        assert_eq!(closed.kind, "channel");
        assert_eq!((closed.payer.as_str(), closed.payee.as_str()), (ALICE, BOB));
        assert_eq!(
            (closed.locked.as_str(), closed.locked_base_units.as_str()),
            ("50BTT", "50000000")
        );
        assert_eq!(
            (
                closed.redeemed.as_str(),
                closed.redeemed_base_units.as_str()
            ),
            ("20BTT", "20000000")
        );
        assert_eq!(
            (closed.status.as_str(), closed.token.as_str()),
            ("closed", "btt")
        );
        let open = listed.iter().find(|c| c.id == second).unwrap();
        assert_eq!(
            (open.status.as_str(), open.locked.as_str()),
            ("open", "2.5BTT")
        );
        let day = 24 * 3600 * 1000;
        assert!(open.expires_at_ms >= before + day && open.expires_at_ms < now_ms() + day + 1000);
        assert!(
            open.expires.ends_with('Z') && open.expires.starts_with("20"),
            "{}",
            open.expires
        );
    }
    let all: Vec<ListedChannel> = home.run(&["channel", "list"]).ok().lines();
    assert_eq!(all.len(), 2, "each channel once across wallets: {all:?}");
    let nobody = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
    assert!(home
        .run(&["channel", "list", "--from", nobody])
        .ok()
        .stdout
        .is_empty());
    home.run(&["channel", "list", "--from", "carol"])
        .refused(3, "carol");
}

#[test]
fn channel_list_on_the_embedded_ledger_and_a_node() {
    let home = Home::new();
    channels_are_listed(&home);
    let mut home = Home::new();
    let node = home.node(true);
    home.ledger = Some(node.url.clone());
    channels_are_listed(&home);
}

/// `command` run with its stdout on a terminal (a pty from `script`), as
/// a person sees it; carriage returns dropped.
fn on_terminal(command: &Command) -> String {
    let quote =
        |text: &std::ffi::OsStr| format!("'{}'", text.to_str().unwrap().replace('\'', "'\\''"));
    let mut line = quote(command.get_program());
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    let mut script = Command::new("script");
    script.args(["-qec", &line, "/dev/null"]).env_clear();
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            script.env(key, value);
        }
    }
    script.stdin(Stdio::null());
    Run::of("script", script, "").ok().stdout.replace('\r', "")
}

/// Names where addresses go, one-value commands' `--plain`, and the
/// `time` of `tx` and `history` records, on any ledger.
fn names_plain_and_times(home: &Home) {
    home.dev(&["faucet", "alice", "10BTT"]).ok();
    let before = home.units("bob");
    let sent = home.run(&[
        "send", "bob", "1BTT", "--from", "alice", "--memo", "by-name", "--plain",
    ]);
    let txid = sent.ok().stdout;
    let txid = txid.strip_suffix('\n').expect("one line");
    assert!(
        txid.len() == 64 && txid.bytes().all(|b| b.is_ascii_hexdigit()),
        "{txid:?}"
    );
    assert_eq!(home.units("bob"), before + home.one_btt());
    let looked_up = home.run(&["tx", txid]).ok().one();
    assert_eq!(looked_up["type"], "receipt");
    assert_eq!(looked_up["to"], BOB);
    assert_eq!(looked_up["memo"], "by-name");
    let time = looked_up["time"].as_str().unwrap();
    assert!(time.starts_with("20") && time.ends_with('Z'), "{time}");
    let history = home.run(&["history", "bob"]).ok().records();
    let line = history
        .iter()
        .find(|r| r["txID"] == txid)
        .expect("in history");
    assert_eq!(
        (line["type"].as_str(), line["direction"].as_str()),
        (Some("history"), Some("in"))
    );
    assert_eq!(line["time"], time);

    let table = on_terminal(&home.command(&["history", "bob"]));
    let rows: Vec<&str> = table.lines().collect();
    for header in ["time", "dir", "amount", "from", "to", "memo", "txID"] {
        assert!(rows[0].contains(header), "{table}");
    }
    let row = rows.iter().find(|row| row.contains(txid)).expect("the row");
    for cell in ["in", "1BTT", "by-name", &time[..19]] {
        assert!(row.contains(cell), "{cell} not in {row}\n{table}");
    }
    let tx_table = on_terminal(&home.command(&["tx", txid]));
    assert!(
        tx_table.lines().next().unwrap().contains("txID"),
        "{tx_table}"
    );
    assert!(tx_table.contains("by-name"), "{tx_table}");
}

#[test]
fn names_plain_values_and_transfer_tables_on_every_ledger() {
    let home = Home::new();
    names_plain_and_times(&home);
    let mut home = Home::new();
    let node = home.node(true);
    home.ledger = Some(node.url.clone());
    names_plain_and_times(&home);
    drop(node);
    let env = TestEnv::new();
    let anvil = Anvil::start(&env);
    let mut home = Home::new();
    home.ledger = Some(anvil.url.clone());
    home.evm = true;
    names_plain_and_times(&home);
}

/// The payee closes a channel; the payer, or a home without the payee's
/// wallet, is told so in one line, and nothing moves.
#[test]
fn only_the_payees_wallet_closes_a_channel() {
    let home = Home::new();
    home.dev(&["faucet", "alice", "100BTT"]).ok();
    let nobody = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
    for payee in ["bob", nobody] {
        let opened = home
            .run(&["channel", "open", payee, "10BTT", "--from", "alice"])
            .ok()
            .one();
        let id = opened["id"].as_str().unwrap();
        let voucher = home
            .run(&["voucher", id, "4BTT", "--from", "alice"])
            .ok()
            .stdout;
        let closed_by = format!("channel {id} is closed by its payee");
        if payee == "bob" {
            home.run_with_input(&["channel", "close", "-", "--from", "alice"], &voucher, &[])
                .refused(
                    3,
                    &format!("{closed_by} {BOB}, and wallet alice is not the payee"),
                );
            let closed = home
                .run_with_input(&["channel", "close", "-"], &voucher, &[])
                .ok()
                .one();
            assert_eq!(closed["redeemed"], "4BTT");
        } else {
            home.run_with_input(&["channel", "close", "-"], &voucher, &[])
                .refused(
                    3,
                    &format!("{closed_by} {nobody}, and no wallet here has that address"),
                );
        }
    }
    assert_eq!(home.btt("bob"), "4");
    assert_eq!(home.btt("alice"), "86");
}
