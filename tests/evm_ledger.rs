//! The `evm` ledger against a real EVM node: Foundry's anvil (pinned in
//! tests/evm, chain id 199 as BTTC's, on a loopback port it picks, stopped
//! by PID), driven through the real `btt-wallet` binary. Balances are read
//! back from the node itself and asserted to the wei, fees included; one
//! key's nonces stay gapless under concurrent senders; a transaction btt
//! signed decodes with eth-account (Python) to the same fields. The wallet,
//! tip, tip-stream (with its kill -9 rerun) and watch scenarios of the other
//! ledgers run on anvil too, in tests/wallet_ledger.rs and tests/tip_cli.rs.

use crate::support;

use serde_json::{json, Value};
use std::process::Command;
use support::{Anvil, Run, TestEnv};

const ALICE_KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
const ALICE_EVM: &str = "0x928C9af0651632157ef27A2cf17Ca72c575a4d21";
const ALICE_TRON: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
const BOB_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const BOB_EVM: &str = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";

const WEI_PER_BTT: u128 = 1_000_000_000_000_000_000;

/// WBTT's contract on BTTC mainnet, the default of `--ledger bttc`.
const BTTC_WBTT: &str = "0x23181F21DEa5936e24163FFABa4Ea3B316B57f3C";

/// The test contracts as the pinned solc compiles them (tests/evm/compile.cjs).
fn contracts() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/evm/contracts.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A BTT_HOME with alice and bob imported, talking to one anvil.
struct Chain {
    env: TestEnv,
    anvil: Anvil,
}

impl Chain {
    fn start() -> Chain {
        Chain::start_with(&[])
    }

    /// A chain whose anvil gets `extra` flags.
    fn start_with(extra: &[&str]) -> Chain {
        let env = TestEnv::new();
        std::fs::write(env.path().join("password"), "correct horse\n").unwrap();
        let anvil = Anvil::start_with(&env, extra);
        let chain = Chain { env, anvil };
        chain.import("alice", ALICE_KEY);
        chain.import("bob", BOB_KEY);
        chain
    }

    fn import(&self, name: &str, key: &str) {
        let file = self.env.path().join(format!("{name}.key"));
        std::fs::write(&file, key).unwrap();
        let file = file.to_str().unwrap().to_string();
        self.wallet(&["import", "--name", name, "--private-key-file", &file])
            .ok();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.env.btt("btt-wallet");
        command.args(args);
        self.pinned(command)
    }

    /// `command` with this chain as the ledger and the test wallets' password.
    fn pinned(&self, mut command: Command) -> Command {
        command
            .env("BTT_LEDGER", &self.anvil.url)
            .env("BTT_INSECURE_FAST_KDF", "1")
            .env("BTT_PASSWORD_FILE", self.env.path().join("password"));
        command
    }

    fn wallet(&self, args: &[&str]) -> Run {
        Run::of("btt-wallet", self.command(args), "")
    }

    /// Funds `account` from anvil's unlocked dev account with `faucet`.
    fn fund(&self, account: &str, amount: &str) -> Value {
        self.wallet(&["faucet", account, amount]).ok().one()
    }

    fn rpc(&self, method: &str, params: Value) -> Value {
        self.anvil
            .rpc(method, params)
            .unwrap_or_else(|error| panic!("{method}: {error}"))
    }

    fn nonce_of(&self, txid: &str) -> u64 {
        let transaction = self.rpc("eth_getTransactionByHash", json!([format!("0x{txid}")]));
        quantity(&transaction["nonce"]) as u64
    }
}

fn quantity(value: &Value) -> u128 {
    let digits = value.as_str().expect("a hex quantity");
    u128::from_str_radix(digits.trim_start_matches("0x"), 16).expect("hex")
}

fn units(record: &Value, field: &str) -> u128 {
    record[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {record}"))
        .parse()
        .unwrap()
}

#[test]
fn address_prints_both_forms_of_one_key() {
    let chain = Chain::start();
    let record = chain.wallet(&["address", "alice"]).ok().one();
    assert_eq!(record["address"], ALICE_TRON);
    assert_eq!(record["evm_address"], ALICE_EVM);
    // Either form, or the name, names the same account.
    for account in [ALICE_EVM, ALICE_TRON, "alice", &ALICE_EVM.to_lowercase()] {
        let balance = chain.wallet(&["balance", account]).ok().one();
        assert_eq!(balance["address"], ALICE_TRON, "{account}");
        assert_eq!(balance["evm_address"], ALICE_EVM, "{account}");
    }
    let typo = ALICE_EVM.replace("4d21", "4D21");
    chain.wallet(&["balance", &typo]).refused(3, "EIP-55");
}

#[test]
fn a_transfer_moves_exact_wei_and_the_payer_pays_its_fee() {
    let chain = Chain::start();
    let minted = chain.fund("alice", "100BTT");
    assert_eq!(minted["kind"], "mint");
    assert_eq!(chain.anvil.balance(ALICE_EVM), 100 * WEI_PER_BTT);

    let amount = "1.000000000000000001BTT";
    let receipt = chain
        .wallet(&[
            "send", BOB_EVM, amount, "--from", "alice", "--memo", "thanks",
        ])
        .ok()
        .one();
    assert_eq!(receipt["type"], "receipt");
    assert_eq!(receipt["amount"], amount);
    assert_eq!(receipt["memo"], "thanks");
    assert_eq!(receipt["from_evm"], ALICE_EVM);
    assert_eq!(receipt["to_evm"], BOB_EVM);
    assert_eq!(receipt["from"], ALICE_TRON);
    let sent = units(&receipt, "base_units");
    assert_eq!(sent, WEI_PER_BTT + 1);
    let fee = units(&receipt, "fee_base_units");
    assert!(fee >= 21_000, "fee {fee}");

    // The node agrees, to the wei: alice paid the amount and the fee.
    assert_eq!(chain.anvil.balance(BOB_EVM), sent);
    assert_eq!(
        chain.anvil.balance(ALICE_EVM),
        100 * WEI_PER_BTT - sent - fee
    );
    // The fee is gas used times the effective price, as the node's receipt says.
    let txid = receipt["txID"].as_str().unwrap();
    let node_receipt = chain.rpc("eth_getTransactionReceipt", json!([format!("0x{txid}")]));
    assert_eq!(
        quantity(&node_receipt["gasUsed"]) * quantity(&node_receipt["effectiveGasPrice"]),
        fee
    );
    let balance = chain.wallet(&["balance", "bob"]).ok().one();
    assert_eq!(balance["btt"], "1.000000000000000001");
    assert_eq!(units(&balance, "btt_base_units"), sent);
    assert!(balance.get("trx").is_none());

    // history and tx read the transfer back from the chain, memo included.
    let history = chain.wallet(&["history", "bob"]).ok().records();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["direction"], "in");
    assert_eq!(history[0]["txID"], txid);
    assert_eq!(history[0]["memo"], "thanks");
    let mut looked_up = chain.wallet(&["tx", &format!("0x{txid}")]).ok().one();
    // The lookup also says when its block was made.
    let time = looked_up.as_object_mut().unwrap().remove("time");
    assert!(time.is_some_and(|time| time.is_string()), "{looked_up}");
    assert_eq!(looked_up, receipt);
}

#[test]
fn refusals_are_one_line_with_their_status() {
    let chain = Chain::start();
    chain
        .wallet(&["send", BOB_EVM, "1BTT", "--from", "alice"])
        .refused(7, "insufficient balance");
    chain.fund("alice", "1BTT");
    chain
        .wallet(&[
            "send",
            BOB_EVM,
            "1.0000000000000000001BTT",
            "--from",
            "alice",
        ])
        .refused(3, "18 decimals");
    chain
        .wallet(&["send", BOB_EVM, "1TRX", "--from", "alice"])
        .refused(3, "unknown unit");
    chain
        .wallet(&[
            "--gas-limit",
            "21000",
            "send",
            BOB_EVM,
            "0.1BTT",
            "--from",
            "alice",
            "--memo",
            "too long for the cap",
        ])
        .refused(3, "above the cap");
    chain
        .wallet(&["channel", "open", "bob", "1BTT", "--from", "alice"])
        .refused(2, "needs btt's contracts");
    let campaign = "00".repeat(32);
    chain
        .tip(&["fund", "status", &campaign], "")
        .refused(2, "btt-tip fund on an EVM chain needs btt's contracts");
    chain
        .tip(&["buy", "album.listing", "--from", "alice", "-o", "dl"], "")
        .refused(2, "btt-tip buy on an EVM chain needs btt's contracts");
    // Nothing of the above moved a wei.
    assert_eq!(chain.anvil.balance(ALICE_EVM), WEI_PER_BTT);
}

#[test]
fn two_senders_of_one_key_use_each_nonce_once() {
    let chain = Chain::start();
    chain.fund("alice", "10BTT");
    const EACH: usize = 4;
    let wallet = support::bin("btt-wallet");
    // Two processes at once, each sending EACH transfers (in wei) one after another.
    let senders: Vec<_> = (0..2)
        .map(|sender| {
            let script = (0..EACH)
                .map(|n| {
                    format!(
                        "{} send {BOB_EVM} {} --base-units --from alice --memo s{sender}n{n} || exit 1",
                        wallet.display(),
                        1_000 + 10 * sender + n
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            let mut shell = chain.pinned(chain.env.command("sh"));
            shell.args(["-c", &script]);
            chain.env.spawn(&format!("sender {sender}"), shell)
        })
        .collect();
    let mut txids = Vec::new();
    for mut sender in senders {
        let run = Run::finish(&mut sender, support::COMMAND_TIMEOUT * 2);
        assert_eq!(run.code, 0, "{}", run.describe());
        for record in run.records() {
            txids.push(record["txID"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(txids.len(), 2 * EACH);
    let mut nonces: Vec<u64> = txids.iter().map(|txid| chain.nonce_of(txid)).collect();
    nonces.sort_unstable();
    assert_eq!(nonces, (0..2 * EACH as u64).collect::<Vec<_>>());
    let count = chain.rpc("eth_getTransactionCount", json!([ALICE_EVM, "latest"]));
    assert_eq!(quantity(&count), 2 * EACH as u128);
}

/// What eth-account reads in the raw transaction `txid` of `chain`.
fn decoded_by_eth_account(chain: &Chain, txid: &str) -> Value {
    let raw = chain.rpc("eth_getRawTransactionByHash", json!([txid]));
    let script = r#"
import json, sys
import rlp
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes
raw = HexBytes(sys.argv[1])
if raw[0] < 0x80:
    tx = TypedTransaction.from_bytes(raw).as_dict()
    kind, chain_id = raw[0], tx["chainId"]
    fields = (tx["nonce"], tx["to"], tx["value"], tx["data"], tx["gas"])
else:
    # Legacy: RLP [nonce, gasPrice, gas, to, value, data, v, r, s]; EIP-155 v = 35 + 2 * chainId + parity.
    nonce, price, gas, to, value, data, v, r, s = rlp.decode(bytes(raw))
    as_int = lambda b: int.from_bytes(b, "big")
    kind, chain_id = 0, (as_int(v) - 35) // 2
    fields = (as_int(nonce), to, as_int(value), data, as_int(gas))
nonce, to, value, data, gas = fields
print(json.dumps({
    "signer": Account.recover_transaction(raw),
    "chain_id": chain_id, "nonce": nonce, "to": HexBytes(to).hex(),
    "value": str(value), "data": HexBytes(data).hex(), "gas": gas, "type": kind,
}))
"#;
    // The interpreter eth-account was installed into (as tests/tron_crosscheck.rs finds tronpy's).
    let python = std::env::var("BTT_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut command = Command::new(python);
    command.args(["-c", script, raw.as_str().unwrap()]);
    Run::of("eth-account", command, "").ok().one()
}

/// Sends 0.5BTT with memo "gm" from alice to bob and checks what
/// eth-account decodes from the chain's raw bytes; returns its type.
fn send_and_decode(chain: &Chain) -> u64 {
    chain.fund("alice", "2BTT");
    let receipt = chain
        .wallet(&["send", "bob", "0.5BTT", "--from", "alice", "--memo", "gm"])
        .ok()
        .one();
    let txid = format!("0x{}", receipt["txID"].as_str().unwrap());
    let decoded = decoded_by_eth_account(chain, &txid);
    assert_eq!(decoded["signer"], ALICE_EVM);
    assert_eq!(decoded["chain_id"], 199);
    assert_eq!(decoded["nonce"], 0);
    assert_eq!(
        decoded["to"].as_str().unwrap().trim_start_matches("0x"),
        BOB_EVM[2..].to_lowercase()
    );
    assert_eq!(decoded["value"], (WEI_PER_BTT / 2).to_string());
    assert_eq!(
        decoded["data"].as_str().unwrap().trim_start_matches("0x"),
        hex_of("gm")
    );
    let node_tx = chain.rpc("eth_getTransactionByHash", json!([txid]));
    assert_eq!(
        quantity(&node_tx["gas"]),
        decoded["gas"].as_u64().unwrap() as u128
    );
    // Every wei is accounted for: alice paid the amount and the fee.
    let fee = units(&receipt, "fee_base_units");
    assert_eq!(chain.anvil.balance(BOB_EVM), WEI_PER_BTT / 2);
    assert_eq!(
        chain.anvil.balance(ALICE_EVM),
        2 * WEI_PER_BTT - WEI_PER_BTT / 2 - fee
    );
    decoded["type"].as_u64().unwrap()
}

#[test]
fn a_signed_transaction_decodes_with_eth_account_to_the_same_fields() {
    // anvil's blocks have a base fee: btt signs EIP-1559 (type 2).
    assert_eq!(send_and_decode(&Chain::start()), 2);
}

#[test]
fn a_chain_without_a_base_fee_gets_a_legacy_eip155_transaction() {
    let chain = Chain::start_with(&["--hardfork", "berlin"]);
    assert_eq!(send_and_decode(&chain), 0);
}

#[test]
fn a_transfer_is_reported_after_the_confirmations_asked_for() {
    let chain = Chain::start();
    chain.fund("alice", "1BTT");
    let mut send = chain.env.spawn(
        "btt-wallet send",
        chain.command(&[
            "--confirmations",
            "2",
            "--base-units",
            "send",
            "bob",
            "1000",
            "--from",
            "alice",
        ]),
    );
    // Mined at once (anvil automines), but not reported before two blocks on top.
    let deadline = std::time::Instant::now() + support::COMMAND_TIMEOUT;
    while chain.anvil.balance(BOB_EVM) == 0 {
        assert!(std::time::Instant::now() < deadline, "never mined");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mined_at = quantity(&chain.rpc("eth_blockNumber", json!([])));
    // The sender polls the receipt, then (once mined) the head: a second
    // receipt asked after a block shows it saw too few confirmations on
    // top of it and went on waiting.
    let mut polled_twice = || {
        let receipts = "eth_getTransactionReceipt";
        let polls = chain.anvil.calls(receipts);
        chain
            .anvil
            .wait_calls(receipts, polls + 2, support::COMMAND_TIMEOUT);
        assert!(send.try_wait().is_none(), "{}", send.diagnostics());
    };
    polled_twice();
    chain.rpc("evm_mine", json!([]));
    polled_twice();
    chain.rpc("evm_mine", json!([]));
    let run = Run::finish(&mut send, support::COMMAND_TIMEOUT);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(run.one()["sequence"].as_u64().unwrap() as u128, mined_at);
}

fn hex_of(text: &str) -> String {
    text.bytes().map(|byte| format!("{byte:02x}")).collect()
}

impl Chain {
    fn tip_command(&self, args: &[&str]) -> Command {
        let mut command = self.env.btt("btt-tip");
        command.args(args);
        self.pinned(command)
    }

    fn tip(&self, args: &[&str], input: &str) -> Run {
        Run::of("btt-tip", self.tip_command(args), input)
    }
}

#[test]
fn tips_carry_their_memo_in_the_input_data_and_watch_reads_them_back() {
    let chain = Chain::start();
    chain.fund("alice", "20BTT");
    let mut watch = chain.env.spawn(
        "btt-tip watch",
        chain.tip_command(&["watch", BOB_EVM, "--since", "1h", "--interval", "100ms"]),
    );
    let tip = chain
        .tip(
            &[BOB_EVM, "5BTT", "--from", "alice", "--memo", "great set"],
            "",
        )
        .ok()
        .one();
    assert_eq!(tip["type"], "receipt");
    assert_eq!(tip["memo"], "great set");
    assert_eq!(tip["replayed"], false);
    let txid = format!("0x{}", tip["txID"].as_str().unwrap());
    let node_tx = chain.rpc("eth_getTransactionByHash", json!([txid]));
    assert_eq!(node_tx["input"], format!("0x{}", hex_of("great set")));

    // A stream from stdin: two tips, then the summary in the chain's BTT.
    let lines = "{\"to\":\"bob\",\"amount\":\"1.5BTT\",\"memo\":\"a\"}\n\
                 {\"to\":\"bob\",\"amount\":\"0.000000000000000001BTT\",\"memo\":\"b\"}\n";
    let records = chain.tip(&["-", "--from", "alice"], lines).ok().records();
    assert_eq!(records.len(), 3, "{records:?}");
    assert_eq!(records[2]["type"], "summary");
    assert_eq!(records[2]["spent"], "1.500000000000000001BTT");

    let fees: u128 = [&tip, &records[0], &records[1]]
        .iter()
        .map(|record| units(record, "fee_base_units"))
        .sum();
    let tipped = 5 * WEI_PER_BTT + 3 * WEI_PER_BTT / 2 + 1;
    assert_eq!(chain.anvil.balance(BOB_EVM), tipped);
    assert_eq!(
        chain.anvil.balance(ALICE_EVM),
        20 * WEI_PER_BTT - tipped - fees
    );

    let last = watch.read_json_line_until(support::COMMAND_TIMEOUT, |record| record["memo"] == "b");
    assert_eq!(last["type"], "incoming");
    watch.terminate().expect("watch stops");
    let memos: Vec<String> = watch
        .json_records()
        .iter()
        .map(|record| record["memo"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(memos, ["great set", "a", "b"]);
}

#[test]
fn a_named_chain_checks_the_chain_id_its_endpoint_reports() {
    let chain = Chain::start();
    let named = |name: &str| {
        let mut command = chain.command(&["--ledger", name, "--rpc-url", &chain.anvil.url]);
        command.args(["balance", "alice"]);
        Run::of("btt-wallet", command, "")
    };
    // anvil runs with BTTC's chain id: it stands in for BTTC's endpoint,
    // with the test WBTT's code at BTTC's WBTT address...
    chain.set_wbtt_code(BTTC_WBTT);
    let balance = named("bttc").ok().one();
    assert_eq!(balance["btt"], "0");
    assert_eq!(balance["wbtt"], "0", "{balance}");
    // ...and never for Donau's (1029): nothing is read or signed there.
    named("bttc-donau").refused(3, "is chain 199, not chain 1029");
}

/// The EVM side of the tip journal's rule: a journaled transaction whose
/// nonce went to another transaction can never be mined, so the id is paid
/// by a replacement, once. (The library directly, against the same anvil:
/// the window between journaling and sending cannot be hit from outside.)
#[test]
fn a_journaled_tip_whose_nonce_went_elsewhere_is_replaced_and_paid_once() {
    use btt::amount::{Amount, Token};
    use btt::ledger::evm::{EvmClient, EvmOptions};
    use btt::ledger::Ledger;
    use btt::tip::tip_log::{Intent, LoggedTransaction, Scope};
    use btt::tip::{TipLog, TipRequest, Tipper};

    let chain = Chain::start();
    chain.fund("alice", "1BTT");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = EvmClient::new(EvmOptions {
        url: chain.anvil.url.clone(),
        expected_chain_id: Some(199),
        confirmations: 0,
        gas_cap: 200_000,
        lock_directory: None,
        wbtt: None,
    })
    .unwrap();
    let alice = btt::wallet::PrivateKey::from_hex(ALICE_KEY).unwrap();
    let bob: btt::tron::Address = BOB_EVM.parse().unwrap();
    let journal = TipLog::open(&chain.env.path().join("tips.sqlite")).unwrap();
    let tip = |units| Amount {
        token: Token::Bttc,
        base_units: units,
    };
    runtime.block_on(async {
        // A run signed and journaled T (nonce 0), and died before sending it.
        let (stale, lock) = client
            .sign_kept(&alice, bob, tip(7), b"t".to_vec())
            .await
            .unwrap();
        drop(lock);
        let scope = Scope {
            ledger: client.ledger_id().await.unwrap(),
            sender: alice.address(),
        };
        let intent = Intent {
            recipient: bob,
            base_units: 7,
            memo: "t".into(),
        };
        journal
            .write_sending(&scope, "t", &intent, &LoggedTransaction::Evm(stale.clone()))
            .unwrap();
        // Another sender of the key took nonce 0.
        client
            .send(&alice, bob, tip(1_000), Vec::new())
            .await
            .unwrap();

        let tipper = Tipper::new(&client, &alice, &journal).await.unwrap();
        let settled = tipper.reconcile().await.unwrap();
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].outcome.as_ref().unwrap_err().reason(), "expired");
        let request = TipRequest {
            to: bob,
            amount: tip(7),
            memo: "t".into(),
            id: Some("t".into()),
        };
        let paid = tipper.pay(&request).await.unwrap();
        assert!(!paid.replayed);
        assert_ne!(paid.record.txid, stale.hash());
        assert!(tipper.pay(&request).await.unwrap().replayed);
    });
    assert_eq!(chain.anvil.balance(BOB_EVM), 1_007);
    let sent = chain.rpc("eth_getTransactionCount", json!([ALICE_EVM, "latest"]));
    assert_eq!(quantity(&sent), 2, "the stale transaction was never mined");
}

#[test]
fn a_node_without_dev_accounts_has_no_faucet() {
    let chain = Chain::start_with(&["--accounts", "0"]);
    chain
        .wallet(&["faucet", "alice", "1BTT"])
        .refused(1, "no unlocked dev account");
}

impl Chain {
    /// Deploys the test WBTT from anvil's first dev account; its address.
    fn deploy_wbtt(&self) -> String {
        let accounts = self.rpc("eth_accounts", json!([]));
        let bytecode = contracts()["contracts"]["WBTT"]["bytecode"].clone();
        let deploy =
            json!({"from": accounts[0], "data": format!("0x{}", bytecode.as_str().unwrap())});
        let hash = self.rpc("eth_sendTransaction", json!([deploy]));
        let receipt = self.rpc("eth_getTransactionReceipt", json!([hash]));
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        receipt["contractAddress"].as_str().unwrap().to_string()
    }

    /// Puts the test WBTT's runtime code at `address`.
    fn set_wbtt_code(&self, address: &str) {
        let runtime = contracts()["contracts"]["WBTT"]["runtime"].clone();
        let code = format!("0x{}", runtime.as_str().unwrap());
        self.rpc("anvil_setCode", json!([address, code]));
    }
}

/// The checked-in bytecode is what the pinned solc (npm's solcjs, offline)
/// compiles from the checked-in source; a change to either without the other fails.
#[test]
fn the_checked_in_contracts_are_what_the_pinned_solc_compiles() {
    let compiled = support::compile_contracts(&TestEnv::new(), "tests/evm/contracts");
    assert_eq!(
        compiled,
        contracts(),
        "tests/evm/contracts.json is stale: run node tests/evm/compile.cjs > tests/evm/contracts.json"
    );
}

/// `balance` shows WBTT, to the wei, from the contract `--wbtt` names (or the
/// chain's); a `--wbtt` that is not an ERC-20 is one line and exit 4.
#[test]
fn balance_shows_wbtt_from_its_contract() {
    let chain = Chain::start();
    chain.fund("alice", "10BTT");
    let wbtt = chain.deploy_wbtt();
    // WBTT's receive() wraps what it is sent.
    let wrapped = chain
        .wallet(&["send", &wbtt, "2.000000000000000001BTT", "--from", "alice"])
        .ok()
        .one();
    let fee = units(&wrapped, "fee_base_units");
    assert!(
        fee > 21_000,
        "a deposit costs more than a plain transfer: {fee}"
    );
    let balance = chain
        .wallet(&["--wbtt", &wbtt, "balance", "alice"])
        .ok()
        .one();
    assert_eq!(balance["wbtt"], "2.000000000000000001", "{balance}");
    assert_eq!(balance["wbtt_base_units"], "2000000000000000001");
    assert_eq!(
        units(&balance, "btt_base_units"),
        10 * WEI_PER_BTT - (2 * WEI_PER_BTT + 1) - fee
    );
    assert_eq!(chain.anvil.balance(&wbtt), 2 * WEI_PER_BTT + 1);
    let bob = chain
        .wallet(&["--wbtt", &wbtt, "balance", "bob"])
        .ok()
        .one();
    assert_eq!(bob["wbtt"], "0");

    // An EVM node by URL knows no WBTT unless told.
    let plain = chain.wallet(&["balance", "alice"]).ok().one();
    assert!(plain.get("wbtt").is_none(), "{plain}");

    // Not an ERC-20: no code there, so eth_call answers no word.
    chain
        .wallet(&["--wbtt", BOB_EVM, "balance", "alice"])
        .refused(4, "not one 32-byte word");
    // A contract that reverts every call: the node's refusal, naming the contract.
    let reverts = "0x000000000000000000000000000000000000bEEF";
    chain.rpc("anvil_setCode", json!([reverts, "0x60006000fd"]));
    chain
        .wallet(&["--wbtt", reverts, "balance", "alice"])
        .refused(
            3,
            &format!("WBTT contract {reverts}: balanceOf: execution reverted"),
        );
    chain
        .wallet(&["--wbtt", "0x1234", "balance", "alice"])
        .refused(2, "--wbtt");
}

/// `btt-wallet channel` and `voucher` on btt's channels contract: alice
/// deploys the contracts and opens a channel to bob, signs two EIP-712
/// vouchers, and bob closes with the higher one; the chain pays bob 3 BTT
/// and returns the rest to alice, and the contract keeps nothing. The wrong
/// wallet is refused each step before anything is sent, and without
/// `--contracts` the commands say how to name them.
#[test]
fn channel_commands_pay_through_the_deployed_contracts() {
    let chain = Chain::start();
    chain.fund("alice", "50BTT");
    chain.fund("bob", "5BTT");
    let deployment = chain
        .wallet(&["deploy", "--from", "alice", "--gas-limit", "2000000"])
        .ok()
        .one();
    let contracts = deployment["contracts"].as_str().unwrap().to_string();
    let channels = deployment["channels"].as_str().unwrap().to_string();
    let on_contracts = |args: &[&str]| {
        let mut all = vec!["--contracts", &contracts];
        all.extend_from_slice(args);
        chain.wallet(&all)
    };
    chain
        .wallet(&["channel", "open", "bob", "10BTT", "--from", "alice"])
        .refused(
            2,
            "channel open on an EVM chain needs btt's contracts: pass --contracts",
        );

    let opened = on_contracts(&["channel", "open", "bob", "10BTT", "--from", "alice"])
        .ok()
        .one();
    assert_eq!(opened["token"], "bttc");
    assert_eq!(units(&opened, "locked_base_units"), 10 * WEI_PER_BTT);
    assert_eq!(opened["status"], "open");
    let id = opened["id"].as_str().unwrap();
    assert_eq!(chain.anvil.balance(&channels), 10 * WEI_PER_BTT);

    on_contracts(&["voucher", id, "1BTT", "--from", "bob"]).refused(3, "not the payer");
    let mut vouchers = String::new();
    for amount in ["3BTT", "2BTT"] {
        vouchers += &on_contracts(&["voucher", id, amount, "--from", "alice"])
            .ok()
            .stdout;
    }
    let file = chain.env.path().join("vouchers");
    std::fs::write(&file, vouchers).unwrap();
    let file = file.to_str().unwrap();
    on_contracts(&["channel", "close", file, "--from", "alice"]).refused(3, "is not the payee");

    let bob_before = chain.anvil.balance(BOB_EVM);
    let closed = on_contracts(&["channel", "close", file]).ok().one();
    assert_eq!(closed["status"], "closed");
    assert_eq!(units(&closed, "redeemed_base_units"), 3 * WEI_PER_BTT);
    assert_eq!(chain.anvil.balance(&channels), 0);
    assert_eq!(
        chain.anvil.balance(BOB_EVM),
        bob_before + 3 * WEI_PER_BTT - close_fee(&chain, BOB_EVM),
        "bob is paid the higher voucher and pays the gas of his close"
    );
    let listed = on_contracts(&["channel", "list", "--from", "alice"])
        .ok()
        .records();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "closed");
}

/// The fee of `account`'s latest transaction, in wei.
fn close_fee(chain: &Chain, account: &str) -> u128 {
    let block = chain.rpc("eth_getBlockByNumber", json!(["latest", true]));
    let transaction = block["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|transaction| {
            transaction["from"].as_str().unwrap().to_lowercase() == account.to_lowercase()
        })
        .expect("the close is in the latest block");
    let receipt = chain.rpc("eth_getTransactionReceipt", json!([transaction["hash"]]));
    quantity(&receipt["gasUsed"]) * quantity(&receipt["effectiveGasPrice"])
}
