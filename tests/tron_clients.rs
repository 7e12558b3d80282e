//! TRON's own clients against a real `btt-wallet node --dev` on 127.0.0.1:
//! TronWeb (npm, the exact version in `tests/js/package.json`, installed by
//! `scripts/install-test-deps` into `tests/js/node_modules`) with
//! `fullHost` set to the node, so it also sends its `/walletsolidity/` reads
//! there; and tronpy's HTTP client (PyPI, 0.6.2). Each client's script
//! (`tests/js/tronweb_client.cjs`, `tests/tron/tronpy_client.py`) prints one
//! JSON report of what the node answered; the assertions are here.
//!
//! `BTT_NODE` and `BTT_PYTHON` name the interpreters (default `node` and
//! `python3`).

use crate::support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{BttWalletNode, TestEnv};

const PAYER_KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
const PAYER: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
const RECIPIENT: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

/// How long one client script may take.
const CLIENT_TIME: Duration = Duration::from_secs(60);

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Runs a client script (`interpreter script URL PAYER_KEY RECIPIENT`) to
/// completion and reads its report.
fn report(env: &TestEnv, interpreter: &str, script: &Path, node: &BttWalletNode) -> Value {
    let mut command = env.command(interpreter);
    command
        .arg(script)
        .args([node.url.as_str(), PAYER_KEY, RECIPIENT]);
    let mut client = env.spawn(interpreter, command);
    client.wait_success(CLIENT_TIME);
    let stdout = client.stdout();
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn interpreter(variable: &str, default: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| default.to_string())
}

/// The hex form of a base58 address.
fn hex(address: &str) -> String {
    address.parse::<btt::tron::Address>().unwrap().to_hex()
}

fn btt(units: u64) -> Value {
    json!([{ "key": "1002000", "value": units }])
}

#[test]
fn tronweb_reads_balances_sends_trc10_btt_and_reads_it_back() {
    let env = TestEnv::new();
    let node = BttWalletNode::start_dev(&env);
    node.faucet(&env, PAYER, "10BTT");
    node.faucet(&env, PAYER, "5TRX");
    mint_trc20(&node, PAYER, TRC20_UNITS);
    let script = tests_dir().join("js/tronweb_client.cjs");
    let report = report(&env, &interpreter("BTT_NODE", "node"), &script, &node);

    assert_eq!(report["payer"], PAYER);
    let before = &report["before"];
    assert_eq!(before["trx"], 5_000_000, "{before}");
    assert_eq!(before["assets"], btt(10_000_000), "{before}");
    assert_eq!(before["unconfirmed"], btt(10_000_000), "{before}");

    let sent = &report["sent"];
    assert_eq!(sent["result"], true, "{sent}");
    let txid = sent["txid"].as_str().unwrap();
    let transaction = &report["transaction"];
    assert_eq!(transaction["txID"], txid);
    assert_eq!(transaction["ret"], json!([{ "contractRet": "SUCCESS" }]));
    let contract = &transaction["raw_data"]["contract"][0];
    assert_eq!(contract["type"], "TransferAssetContract");
    let value = &contract["parameter"]["value"];
    assert_eq!(value["amount"], 1_500_000);
    assert_eq!(value["asset_name"], ::hex::encode("1002000"));
    assert_eq!(value["to_address"], hex(RECIPIENT));
    assert_eq!(value["owner_address"], hex(PAYER));
    assert_eq!(report["confirmed"], *transaction);

    let info = &report["info"];
    assert_eq!(info["id"], txid);
    assert_eq!(info["blockNumber"], 4, "three mints, then the transfer");
    assert!(info["blockTimeStamp"].as_i64().unwrap() > 0, "{info}");
    assert_eq!(info["contractResult"], json!([""]));
    assert_eq!(report["unconfirmedInfo"], *info);

    let after = &report["after"];
    assert_eq!(after["payer"], btt(8_500_000), "{after}");
    assert_eq!(after["recipient"], btt(1_500_000), "{after}");
    assert_eq!(after["recipientTrx"], 0);

    for name in ["block", "confirmedBlock", "byNumber", "byHash"] {
        let block = &report[name];
        assert_eq!(block["block_header"]["raw_data"]["number"], 4, "{name}");
        assert!(block["blockID"]
            .as_str()
            .unwrap()
            .starts_with("0000000000000004"));
        assert_eq!(block["transactions"][0]["txID"], txid, "{name}");
    }

    let tapos = &report["tapos"];
    assert_eq!(tapos["result"], Value::Null, "{tapos}");
    assert_eq!(tapos["code"], "TAPOS_ERROR", "{tapos}");
    assert!(
        tapos["message"]
            .as_str()
            .unwrap()
            .contains("not one of this ledger's latest 65536 blocks"),
        "{tapos}"
    );

    // TronWeb's balanceOf (its own ABI encoding of the address) reads the TRC-20 BTT, to the unit.
    let trc20 = &report["trc20"];
    assert_eq!(trc20["result"]["result"], true, "{trc20}");
    assert_eq!(
        trc20["constant_result"],
        json!([format!("{TRC20_UNITS:064x}")]),
        "{trc20}"
    );
}

/// 1.000000000000000001 TRC-20 BTT (18 decimals).
const TRC20_UNITS: u128 = 1_000_000_000_000_000_001;

/// Credits `units` of the TRC-20 BTT to `address` through the dev node's faucet.
fn mint_trc20(node: &BttWalletNode, address: &str, units: u128) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = btt::ledger::node::client::NodeClient::new(&node.url).unwrap();
    let amount = btt::amount::Amount {
        token: btt::amount::Token::BttTrc20,
        base_units: units,
    };
    runtime
        .block_on(client.mint(address.parse().unwrap(), amount))
        .unwrap();
}

#[test]
fn tronpy_reads_balances_and_assets_and_sends_btt_as_its_docs_do() {
    let env = TestEnv::new();
    let node = BttWalletNode::start_dev(&env);
    node.faucet(&env, PAYER, "7BTT");
    node.faucet(&env, PAYER, "10TRX");
    let script = tests_dir().join("tron/tronpy_client.py");
    let report = report(&env, &interpreter("BTT_PYTHON", "python3"), &script, &node);

    let before = &report["before"];
    assert_eq!(before["trx"], "10", "{before}");
    assert_eq!(before["btt"], 7_000_000, "{before}");
    assert_eq!(before["assets"], json!({ "1002000": 7_000_000 }));

    let txid = report["txid"].as_str().unwrap();
    assert_eq!(report["sent"], json!({ "result": true, "txid": txid }));
    let transaction = &report["transaction"];
    assert_eq!(transaction["ret"], json!([{ "contractRet": "SUCCESS" }]));
    assert_eq!(transaction["raw_data"]["data"], ::hex::encode("tronpy"));
    let contract = &transaction["raw_data"]["contract"][0];
    assert_eq!(contract["type"], "TransferAssetContract");
    assert_eq!(contract["parameter"]["value"]["amount"], 2_000_000);

    let info = &report["info"];
    assert_eq!(info["id"], txid, "{info}");
    assert_eq!(info["blockNumber"], 3, "two mints, then the transfer");
    assert_eq!(report["solid_info"], *info);
    for name in ["block", "latest", "solid_latest", "by_id"] {
        let block = &report[name];
        assert_eq!(block["block_header"]["raw_data"]["number"], 3, "{name}");
        assert_eq!(block["transactions"][0]["txID"], txid, "{name}");
    }
    assert_eq!(report["block"]["blockID"], report["by_id"]["blockID"]);

    let after = &report["after"];
    assert_eq!(after["payer"], 5_000_000, "{after}");
    assert_eq!(after["recipient"], 2_000_000, "{after}");

    let foreign = &report["foreign"];
    assert_eq!(foreign["code"], "TAPOS_ERROR", "{foreign}");
    assert_eq!(foreign["btt_code"], "tapos", "{foreign}");
}
