//! Cross-checks btt's TRON transactions, txIDs, signatures, signed messages,
//! mnemonic derivation and keystores against independent implementations from
//! PyPI: tronpy (Google's protobuf runtime, libsecp256k1 through coincurve) and
//! eth-keyfile, driven by `tests/tron/crosscheck.py`. Raw bytes, txIDs and JSON
//! must be identical; both sides sign with RFC 6979, so signatures must be
//! identical too (tronpy writes `v` as 0/1, btt as 27/28). Keystores must open
//! in both directions.
//!
//! Needs `pip install 'tronpy[offline,mnemonic]==0.6.2' 'eth-keyfile==0.10.0'`;
//! `BTT_PYTHON` names the interpreter (default `python3`).

use crate::support;

use btt::amount::{Amount, Token};
use btt::tron::{BlockReference, TransactionParams, TransferCall, UnsignedTransaction};
use btt::wallet::{KdfStrength, Keystore, Mnemonic, PrivateKey};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REF_BLOCK_BYTES: &str = "2927";
const REF_BLOCK_HASH: &str = "939ece39d08a7abe";
const TIMESTAMP: i64 = 1_700_000_000_000;
const EXPIRATION: i64 = 1_700_000_060_000;
const FEE_LIMIT: i64 = 100_000_000;

struct Case {
    token: Token,
    to: &'static str,
    base_units: u128,
    memo: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let to = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";
    let other = "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4";
    vec![
        Case {
            token: Token::Trx,
            to,
            base_units: 1,
            memo: None,
        },
        Case {
            token: Token::Trx,
            to: other,
            base_units: 123_456_789,
            memo: Some("rent"),
        },
        Case {
            token: Token::Btt,
            to,
            base_units: 2_500_000,
            memo: Some("thanks"),
        },
        Case {
            token: Token::Btt,
            to: other,
            base_units: i64::MAX as u128,
            memo: None,
        },
        Case {
            token: Token::Btt,
            to,
            base_units: 42,
            memo: Some("ünïcödé ✓ memo"),
        },
        Case {
            token: Token::BttTrc20,
            to,
            base_units: 25 * 10u128.pow(18),
            memo: None,
        },
        Case {
            token: Token::BttTrc20,
            to: other,
            base_units: u128::MAX,
            memo: Some("big"),
        },
    ]
}

fn request(key_hex: &str, mnemonics: &[String]) -> Value {
    let cases: Vec<Value> = cases()
        .iter()
        .map(|case| {
            let kind = match case.token {
                Token::Trx => "trx",
                Token::Btt => "trc10",
                Token::BttTrc20 => "trc20",
                Token::Bttc => unreachable!("the cases are TRON tokens"),
            };
            json!({
                "kind": kind,
                "to": case.to,
                "amount": case.base_units.to_string(),
                "memo": case.memo,
                "fee_limit": FEE_LIMIT,
            })
        })
        .collect();
    json!({
        "key": key_hex,
        "ref_block_bytes": REF_BLOCK_BYTES,
        "ref_block_hash": REF_BLOCK_HASH,
        "timestamp": TIMESTAMP,
        "expiration": EXPIRATION,
        "cases": cases,
        "messages": messages(),
        "mnemonics": mnemonics,
    })
}

fn messages() -> Vec<&'static str> {
    vec!["hello", "", "btt channel 7 voucher 1.25BTT", "ünïcödé ✓"]
}

/// Runs the Python reference with a 120 s bound; the child is killed past it.
fn reference(request: &Value) -> Value {
    let python = std::env::var("BTT_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tron/crosscheck.py");
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {python}: {error}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{script} took more than 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{script} failed (are the references installed? pip install 'tronpy[offline,mnemonic]==0.6.2' 'eth-keyfile==0.10.0'):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn build(key: &PrivateKey, case: &Case) -> UnsignedTransaction {
    let params = TransactionParams {
        reference: BlockReference::from_hex(REF_BLOCK_BYTES, REF_BLOCK_HASH).unwrap(),
        timestamp: TIMESTAMP,
        expiration: EXPIRATION,
        memo: case.memo.unwrap_or("").as_bytes().to_vec(),
        fee_limit: FEE_LIMIT,
    };
    let transfer = TransferCall {
        owner: key.address(),
        to: case.to.parse().unwrap(),
        amount: Amount {
            token: case.token,
            base_units: case.base_units,
        },
    };
    UnsignedTransaction::new(transfer, &params).unwrap()
}

/// btt's `r ‖ s ‖ v` (v 27/28) against tronpy's (v 0/1).
fn assert_same_signature(ours: &[u8; 65], theirs: &Value, what: &str) {
    let theirs = hex::decode(theirs.as_str().unwrap()).unwrap();
    assert_eq!(
        hex::encode(&ours[..64]),
        hex::encode(&theirs[..64]),
        "{what}: r ‖ s"
    );
    assert_eq!(ours[64] - 27, theirs[64], "{what}: recovery id");
}

fn check_key(key: &PrivateKey, mnemonics: &[Mnemonic]) {
    let phrases: Vec<String> = mnemonics.iter().map(|m| m.phrase().to_string()).collect();
    let answer = reference(&request(&hex::encode(*key.to_bytes()), &phrases));
    assert_eq!(answer["address"], key.address().to_string());
    let transactions = answer["transactions"].as_array().unwrap();
    assert_eq!(transactions.len(), cases().len());
    for (case, theirs) in cases().iter().zip(transactions) {
        let what = format!("{:?} {} memo {:?}", case.token, case.base_units, case.memo);
        let unsigned = build(key, case);
        let txid = unsigned.txid();
        assert_eq!(
            hex::encode(unsigned.raw_bytes()),
            theirs["raw_data_hex"],
            "{what}"
        );
        assert_eq!(txid.to_string(), theirs["txID"], "{what}");
        if !theirs["tronpy_txid"].is_null() {
            assert_eq!(
                txid.to_string(),
                theirs["tronpy_txid"],
                "{what}: tronpy's txID"
            );
        }
        assert_eq!(
            serde_json::to_value(unsigned.raw_data_json()).unwrap(),
            theirs["raw_data"],
            "{what}: raw_data JSON"
        );
        let signed = unsigned.sign(key);
        let signature: [u8; 65] = hex::decode(&signed.to_json().signature[0])
            .unwrap()
            .try_into()
            .unwrap();
        assert_same_signature(&signature, &theirs["signature"], &what);
        assert_eq!(signed.verify().unwrap().owner, key.address());
    }
    for (message, theirs) in messages()
        .iter()
        .zip(answer["messages"].as_array().unwrap())
    {
        let ours = btt::tron::message::sign_message(key, message.as_bytes());
        assert_same_signature(&ours, theirs, &format!("message {message:?}"));
    }
    for (mnemonic, theirs) in mnemonics
        .iter()
        .zip(answer["mnemonics"].as_array().unwrap())
    {
        assert_eq!(
            mnemonic.derive_key("").unwrap().address().to_string(),
            *theirs
        );
    }
}

#[test]
fn transactions_messages_and_mnemonics_match_tronpy() {
    let abandon = format!("{} about", ["abandon"; 11].join(" "));
    let mnemonics = vec![
        Mnemonic::parse(&abandon).unwrap(),
        Mnemonic::generate(),
        Mnemonic::generate(),
    ];
    let keys = [
        PrivateKey::from_hex("da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0")
            .unwrap(),
        PrivateKey::from_hex(&format!("{:064x}", 1)).unwrap(),
        PrivateKey::generate(),
    ];
    for key in &keys {
        check_key(key, &mnemonics);
    }
}

#[test]
fn keystores_open_in_eth_keyfile_and_back() {
    let keys = [PrivateKey::generate(), PrivateKey::generate()];
    let ours: Vec<Value> = keys
        .iter()
        .map(|key| {
            let keystore = Keystore::encrypt(key, b"pass word", KdfStrength::InsecureFast);
            serde_json::from_str(&keystore.to_json()).unwrap()
        })
        .collect();
    let secrets: Vec<String> = keys
        .iter()
        .map(|key| hex::encode(*key.to_bytes()))
        .collect();
    let answer = reference(&json!({
        "keystores": {"password": "pass word", "decrypt": ours, "encrypt": secrets}
    }));
    assert_eq!(
        answer["decrypted"],
        json!(secrets),
        "eth-keyfile opens btt's keystores"
    );
    let made = answer["made"].as_array().unwrap();
    assert_eq!(made.len(), 2 * keys.len());
    for (theirs, key) in made.iter().zip(keys.iter().flat_map(|key| [key, key])) {
        let keystore = Keystore::from_json(&theirs.to_string()).unwrap();
        assert_eq!(keystore.address().unwrap(), Some(key.address()));
        let opened = keystore.decrypt(b"pass word").unwrap();
        assert_eq!(
            *opened.to_bytes(),
            *key.to_bytes(),
            "btt opens {}",
            theirs["crypto"]["kdf"]
        );
        assert!(keystore.decrypt(b"pass wore").is_err());
    }
}

/// What `btt-wallet --ledger tron-mainnet send` signs offline (the
/// reference block given, nothing asked of a node) is byte for byte what
/// tronpy builds: `BTT` is the TRC-20 (`TriggerSmartContract` calling
/// `transfer`), `BTTOLD` the TRC-10 token 1002000.
#[test]
fn the_tron_ledger_signs_trc20_btt_and_bttold_as_tronpy_does() {
    const KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
    let env = support::TestEnv::new();
    let password = env.path().join("password");
    std::fs::write(&password, "correct horse\n").unwrap();
    let key_file = env.path().join("alice.key");
    std::fs::write(&key_file, KEY).unwrap();
    let wallet = |args: &[&str]| {
        let mut command = env.btt("btt-wallet");
        command
            .args(["--ledger", "tron-mainnet"])
            .args(args)
            .env("BTT_INSECURE_FAST_KDF", "1")
            .env("BTT_PASSWORD_FILE", &password);
        support::Run::of("btt-wallet", command, "").ok()
    };
    wallet(&[
        "import",
        "--name",
        "alice",
        "--private-key-file",
        key_file.to_str().unwrap(),
    ]);
    let to = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";
    let (timestamp, expiration, fee_limit) = (
        TIMESTAMP.to_string(),
        EXPIRATION.to_string(),
        FEE_LIMIT.to_string(),
    );
    let signed = |amount: &str, memo: &str| -> Value {
        let run = wallet(&[
            "send",
            to,
            amount,
            "--from",
            "alice",
            "--memo",
            memo,
            "--sign-only",
            "--ref-block-bytes",
            REF_BLOCK_BYTES,
            "--ref-block-hash",
            REF_BLOCK_HASH,
            "--timestamp",
            &timestamp,
            "--expiration",
            &expiration,
            "--fee-limit",
            &fee_limit,
        ]);
        serde_json::from_str(run.stdout.trim()).unwrap()
    };
    let ours = [signed("2.5BTT", "thanks"), signed("1000BTTOLD", "old")];
    let theirs = reference(&json!({
        "key": KEY,
        "ref_block_bytes": REF_BLOCK_BYTES,
        "ref_block_hash": REF_BLOCK_HASH,
        "timestamp": TIMESTAMP,
        "expiration": EXPIRATION,
        "cases": [
            {"kind": "trc20", "to": to, "amount": "2500000000000000000", "memo": "thanks", "fee_limit": FEE_LIMIT},
            {"kind": "trc10", "to": to, "amount": "1000000000", "memo": "old", "fee_limit": FEE_LIMIT},
        ],
        "messages": [],
        "mnemonics": [],
    }));
    let theirs = theirs["transactions"].as_array().unwrap();
    for ((ours, theirs), kind) in ours
        .iter()
        .zip(theirs)
        .zip(["TriggerSmartContract", "TransferAssetContract"])
    {
        assert_eq!(ours["raw_data"]["contract"][0]["type"], kind, "{ours}");
        assert_eq!(ours["raw_data_hex"], theirs["raw_data_hex"], "{kind}");
        assert_eq!(ours["txID"], theirs["txID"], "{kind}");
        assert_eq!(
            ours["raw_data"], theirs["raw_data"],
            "{kind}: raw_data JSON"
        );
        let signature = hex::decode(ours["signature"][0].as_str().unwrap()).unwrap();
        assert_same_signature(&signature.try_into().unwrap(), &theirs["signature"], kind);
    }
}
