//! Drives the real `btt-wallet` binary in a temporary `BTT_HOME` with a pinned
//! environment and a password file; JSON output is read back into types with
//! `deny_unknown_fields`, so the schema is tested, not just a string.

use crate::support;

use btt::tron::SignedTransaction;
use serde::Deserialize;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::Run;

const KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
const KEY_ADDRESS: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
const OTHER: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

/// The one error record of a refused command.
fn error_of(run: &Run) -> ErrorLine {
    run.one_as()
}

/// A temporary BTT_HOME with a password file, and a way to run the binary in it.
struct Wallet {
    temp: tempfile::TempDir,
}

impl Wallet {
    fn new() -> Wallet {
        let wallet = Wallet {
            temp: tempfile::tempdir().unwrap(),
        };
        wallet.write("password", "correct horse\n");
        wallet.write("wrong-password", "wrong horse\n");
        wallet
    }

    fn path(&self, name: &str) -> PathBuf {
        self.temp.path().join(name)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_btt-wallet"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.temp.path())
            .env("BTT_HOME", self.home())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env("BTT_INSECURE_FAST_KDF", "1")
            .env("BTT_PASSWORD_FILE", self.path("password"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::of("btt-wallet", self.command(args), "")
    }

    fn import_key(&self, name: &str, key: &str) -> WalletLine {
        let file = self.write(&format!("{name}.key"), key);
        let run = self.run(&[
            "import",
            "--name",
            name,
            "--private-key-file",
            file.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.one_as()
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WalletLine {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    #[serde(default)]
    address: String,
    keystore: Option<PathBuf>,
    mnemonic: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddressLine {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    address: String,
    evm_address: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureLine {
    #[serde(rename = "type")]
    kind: String,
    address: String,
    message: String,
    signature: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerificationLine {
    #[serde(rename = "type")]
    kind: String,
    valid: bool,
    address: String,
    signer: Option<String>,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorLine {
    #[serde(rename = "type")]
    kind: String,
    code: String,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransactionLine {
    #[serde(rename = "type")]
    kind: String,
    visible: bool,
    #[serde(rename = "txID")]
    txid: String,
    raw_data: RawData,
    raw_data_hex: String,
    signature: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    contract: Vec<ContractLine>,
    ref_block_bytes: String,
    ref_block_hash: String,
    expiration: i64,
    data: Option<String>,
    fee_limit: Option<i64>,
    timestamp: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractLine {
    parameter: Parameter,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Parameter {
    value: ContractValue,
    type_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractValue {
    amount: Option<i64>,
    asset_name: Option<String>,
    owner_address: String,
    to_address: Option<String>,
    contract_address: Option<String>,
    data: Option<String>,
}

#[test]
fn new_wallet_is_listed_with_private_modes_and_no_mnemonic_on_a_pipe() {
    let wallet = Wallet::new();
    let run = wallet.run(&["new", "--name", "alice"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let created: WalletLine = run.one_as();
    assert_eq!(
        (created.kind.as_str(), created.name.as_str()),
        ("wallet", "alice")
    );
    assert!(created.mnemonic.is_none());
    assert!(
        run.stderr.contains("mnemonic was not shown"),
        "{}",
        run.stderr
    );
    let keystore = created.keystore.unwrap();
    assert_eq!(keystore, wallet.home().join("keystores/alice.json"));
    assert_eq!(mode(&keystore), 0o600);
    assert_eq!(mode(keystore.parent().unwrap()), 0o700);

    let listed: Vec<WalletLine> = wallet.run(&["list"]).lines();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), &listed[0].address),
        ("alice", &created.address)
    );
    let address: AddressLine = wallet.run(&["address", "alice"]).one_as();
    assert_eq!(
        (address.kind.as_str(), address.name.as_str()),
        ("address", "alice")
    );
    assert_eq!(address.address, created.address);
}

#[test]
fn show_mnemonic_prints_24_words_that_import_to_the_same_address() {
    let wallet = Wallet::new();
    let created: WalletLine = wallet
        .run(&["new", "--name", "a", "--show-mnemonic"])
        .one_as();
    let words = created.mnemonic.unwrap();
    assert_eq!(words.split(' ').count(), 24);
    let file = wallet.write("words", &words);
    let run = wallet.run(&[
        "import",
        "--name",
        "b",
        "--mnemonic-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.one_as::<WalletLine>().address, created.address);
}

#[test]
fn import_vectors_give_known_addresses() {
    let wallet = Wallet::new();
    let words = format!("{} about\n", ["abandon"; 11].join(" "));
    let file = wallet.write("words", &words);
    let run = wallet.run(&[
        "import",
        "--name",
        "bob",
        "--mnemonic-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        run.one_as::<WalletLine>().address,
        "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
    );
    assert_eq!(wallet.import_key("carol", KEY).address, KEY_ADDRESS);
    let names: Vec<String> = wallet
        .run(&["list"])
        .lines::<WalletLine>()
        .into_iter()
        .map(|line| line.name)
        .collect();
    assert_eq!(names, ["bob", "carol"]);
}

#[test]
fn an_existing_name_is_never_overwritten() {
    let wallet = Wallet::new();
    wallet.import_key("carol", KEY);
    let file = wallet.write("other.key", &format!("{:064x}", 1));
    let run = wallet.run(&[
        "import",
        "--name",
        "carol",
        "--private-key-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(error_of(&run).message.contains("already exists"));
    let address: AddressLine = wallet.run(&["address", "carol"]).one_as();
    assert_eq!(address.address, KEY_ADDRESS);
    // The same key's EVM address, as eth-account 0.14 derives it.
    assert_eq!(
        address.evm_address,
        "0x928C9af0651632157ef27A2cf17Ca72c575a4d21"
    );
}

#[test]
fn bad_names_and_bad_key_files_are_bad_input() {
    let wallet = Wallet::new();
    for name in ["../evil", "a/b", ".x", "-x"] {
        let run = wallet.run(&["new", &format!("--name={name}")]);
        assert_eq!(run.code, 3, "{name}: {}", run.stderr);
        assert_eq!(error_of(&run).code, "bad_input");
    }
    assert!(!wallet.path("evil.json").exists());
    let file = wallet.write("bad.key", "not a key");
    let run = wallet.run(&[
        "import",
        "--name",
        "x",
        "--private-key-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 3);
    assert!(
        !run.stderr.contains("not a key"),
        "secret echoed: {}",
        run.stderr
    );
    let words = wallet.write("bad.words", &["abandon"; 12].join(" "));
    let run = wallet.run(&[
        "import",
        "--name",
        "x",
        "--mnemonic-file",
        words.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 3);
    assert!(error_of(&run).message.contains("checksum"));
}

#[test]
fn wrong_or_missing_password_exits_wallet_locked() {
    let wallet = Wallet::new();
    wallet.import_key("carol", KEY);
    let wrong = wallet.path("wrong-password");
    let run = wallet.run(&[
        "sign",
        "--from",
        "carol",
        "hi",
        "--password-file",
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    let error = error_of(&run);
    assert_eq!(
        (error.kind.as_str(), error.code.as_str()),
        ("error", "wallet_locked")
    );
    assert!(error.message.contains("wrong password"));

    let mut command = wallet.command(&["sign", "--from", "carol", "hi"]);
    command.env_remove("BTT_PASSWORD_FILE");
    let run = Run::of("btt-wallet", command, "");
    assert_eq!(run.code, 6);
    assert!(run.stderr.contains("--password-file"), "{}", run.stderr);

    let run = wallet.run(&[
        "sign",
        "--from",
        "carol",
        "hi",
        "--unsafe-password",
        "correct horse",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn corrupt_keystore_is_named() {
    let wallet = Wallet::new();
    wallet.import_key("carol", KEY);
    let corrupt = wallet.home().join("keystores/broken.json");
    std::fs::write(&corrupt, "{\"version\": 3").unwrap();
    let run = wallet.run(&["sign", "--from", "broken", "hi"]);
    assert_eq!(run.code, 1);
    assert!(error_of(&run).message.contains("broken.json"));
    let listed: Vec<WalletLine> = wallet.run(&["list"]).lines();
    assert_eq!(listed.len(), 2);
    assert!(listed[0].error.as_deref().unwrap().contains("corrupt"));
    assert!(listed[0].address.is_empty());
    assert_eq!(listed[1].address, KEY_ADDRESS);
}

#[test]
fn sign_then_verify_round_trip() {
    let wallet = Wallet::new();
    wallet.import_key("carol", KEY);
    let signed: SignatureLine = wallet
        .run(&["sign", "--from", "carol", "pay 5 BTT"])
        .one_as();
    assert_eq!(
        (signed.kind.as_str(), signed.address.as_str()),
        ("signature", KEY_ADDRESS)
    );
    assert_eq!(signed.message, "pay 5 BTT");
    assert_eq!(signed.signature.len(), 2 + 130);

    let valid = wallet.run(&["verify", "pay 5 BTT", &signed.signature, KEY_ADDRESS]);
    assert_eq!(valid.code, 0);
    let line: VerificationLine = valid.one_as();
    assert!(line.valid && line.kind == "verification" && line.message == "pay 5 BTT");
    assert_eq!(line.address, KEY_ADDRESS);

    let altered = wallet.run(&["verify", "pay 6 BTT", &signed.signature, KEY_ADDRESS]);
    assert_eq!(altered.code, 1);
    let line: VerificationLine = altered.one_as();
    assert!(!line.valid);
    assert_ne!(line.signer.as_deref(), Some(KEY_ADDRESS));

    let someone_else = wallet.run(&["verify", "pay 5 BTT", &signed.signature, OTHER]);
    assert_eq!(someone_else.code, 1);
    assert_eq!(
        someone_else.one_as::<VerificationLine>().signer.as_deref(),
        Some(KEY_ADDRESS)
    );

    let garbage = wallet.run(&["verify", "pay 5 BTT", "zz", KEY_ADDRESS]);
    assert_eq!(garbage.code, 3);
}

#[test]
fn bad_address_checksum_and_prefix_are_named() {
    let wallet = Wallet::new();
    let signature = format!("0x{}", "00".repeat(65));
    let run = wallet.run(&[
        "verify",
        "m",
        &signature,
        "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZZ",
    ]);
    assert_eq!(run.code, 3);
    assert!(error_of(&run).message.contains("bad checksum"));
    let wrong_prefix = format!("42{}", "00".repeat(20));
    let run = wallet.run(&["verify", "m", &signature, &wrong_prefix]);
    assert_eq!(run.code, 3);
    assert!(error_of(&run).message.contains("prefix 0x42"));
}

fn send(wallet: &Wallet, extra: &[&str]) -> Run {
    let mut args = vec![
        "send",
        "--from",
        "carol",
        "--sign-only",
        "--ref-block-bytes",
        "2927",
        "--ref-block-hash",
        "939ece39d08a7abe",
        "--timestamp",
        "1700000000000",
        "--expiration",
        "1700000060000",
    ];
    args.extend_from_slice(extra);
    wallet.run(&args)
}

#[test]
fn send_sign_only_prints_a_tron_transaction_that_verifies() {
    let wallet = Wallet::new();
    wallet.import_key("carol", KEY);
    let run = send(&wallet, &[OTHER, "2.5BTT", "--memo", "thanks"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line: TransactionLine = run.one_as();
    assert_eq!((line.kind.as_str(), line.visible), ("transaction", false));
    // Cross-checked against tronpy by tests/tron_crosscheck.rs (same key and inputs).
    assert_eq!(
        line.txid,
        "7cb8f060b21ed0cd4b3b06f8e1097f82bc1cab86f68f9305f15e70776d7dd7cf"
    );
    let raw = &line.raw_data;
    assert_eq!(
        (raw.ref_block_bytes.as_str(), raw.ref_block_hash.as_str()),
        ("2927", "939ece39d08a7abe")
    );
    assert_eq!(
        (raw.timestamp, raw.expiration),
        (1_700_000_000_000, 1_700_000_060_000)
    );
    assert_eq!(raw.data.as_deref(), Some(hex::encode("thanks").as_str()));
    assert_eq!(raw.fee_limit, None);
    let contract = &raw.contract[0];
    assert_eq!(contract.kind, "TransferAssetContract");
    assert_eq!(
        contract.parameter.type_url,
        "type.googleapis.com/protocol.TransferAssetContract"
    );
    let value = &contract.parameter.value;
    assert_eq!(value.amount, Some(2_500_000));
    assert_eq!(
        value.asset_name.as_deref(),
        Some(hex::encode("1002000").as_str())
    );
    let owner: btt::tron::Address = KEY_ADDRESS.parse().unwrap();
    assert_eq!(value.owner_address, owner.to_hex());
    assert_eq!(
        value.to_address.as_deref(),
        Some(
            OTHER
                .parse::<btt::tron::Address>()
                .unwrap()
                .to_hex()
                .as_str()
        )
    );
    assert!(value.contract_address.is_none() && value.data.is_none());
    assert_eq!(line.signature.len(), 1);
    assert!(!line.raw_data_hex.is_empty());

    let parsed = SignedTransaction::from_json(run.stdout.trim()).unwrap();
    let facts = parsed.verify().unwrap();
    assert_eq!(facts.owner, owner);
    assert_eq!(facts.memo, b"thanks");
}

#[test]
fn send_builds_trx_and_trc20_transfers() {
    let wallet = Wallet::new();
    wallet.import_key("carol", KEY);
    let trx: TransactionLine = send(&wallet, &[OTHER, "0.1TRX"]).one_as();
    assert_eq!(trx.raw_data.contract[0].kind, "TransferContract");
    assert_eq!(
        trx.raw_data.contract[0].parameter.value.amount,
        Some(100_000)
    );

    let trc20 = send(
        &wallet,
        &[OTHER, "1.5BTT", "--trc20", "--fee-limit", "30000000"],
    );
    let line: TransactionLine = trc20.one_as();
    let value = &line.raw_data.contract[0].parameter.value;
    assert_eq!(line.raw_data.contract[0].kind, "TriggerSmartContract");
    assert_eq!(line.raw_data.fee_limit, Some(30_000_000));
    assert!(value.data.as_deref().unwrap().starts_with("a9059cbb"));
    let facts = SignedTransaction::from_json(trc20.stdout.trim())
        .unwrap()
        .verify()
        .unwrap();
    assert_eq!(facts.amount.base_units, 15 * 10u128.pow(17));
}

#[test]
fn send_rejects_bad_amounts_and_block_references() {
    let wallet = Wallet::new();
    wallet.import_key("carol", KEY);
    for (amount, reason) in [
        ("1.0000001BTT", "decimals"),
        ("0BTT", "zero"),
        ("-1BTT", "negative"),
    ] {
        let run = send(&wallet, &["--", OTHER, amount]);
        assert_eq!(run.code, 3, "{amount}");
        assert!(
            error_of(&run).message.contains(reason),
            "{amount}: {}",
            run.stderr
        );
    }
    let run = wallet.run(&[
        "send",
        OTHER,
        "1BTT",
        "--from",
        "carol",
        "--sign-only",
        "--ref-block-bytes",
        "29",
        "--ref-block-hash",
        "939ece39d08a7abe",
    ]);
    assert_eq!(run.code, 3);
    assert!(error_of(&run).message.contains("ref_block_bytes"));
}

#[test]
fn sign_only_with_no_ledger_reachable_says_to_pass_the_reference_block() {
    let wallet = Wallet::new();
    wallet.import_key("carol", KEY);
    let sign_only = ["send", OTHER, "1BTT", "--from", "carol", "--sign-only"];
    let node_down = [&sign_only[..], &["--ledger", "http://127.0.0.1:1"]].concat();
    for (args, names) in [
        (&sign_only[..], "ledger.sqlite"),
        (&node_down[..], "http://127.0.0.1:1"),
    ] {
        let run = wallet.run(args);
        assert_eq!(run.code, 4, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        let error = error_of(&run);
        assert_eq!(error.code, "unreachable");
        assert!(error.message.contains(names), "{}", error.message);
        assert!(
            error
                .message
                .contains("pass --ref-block-bytes and --ref-block-hash"),
            "{}",
            error.message
        );
    }
    assert!(
        !wallet.home().join("ledger.sqlite").exists(),
        "signing made a ledger"
    );
    let half = wallet.run(&[&sign_only[..], &["--ref-block-bytes", "2927"]].concat());
    assert_eq!(half.code, 2, "{}", half.stderr);
}

#[test]
fn a_foreign_keystore_is_imported_with_its_password() {
    let wallet = Wallet::new();
    let key = btt::wallet::PrivateKey::from_hex(KEY).unwrap();
    let foreign = btt::wallet::Keystore::encrypt(
        &key,
        b"correct horse",
        btt::wallet::KdfStrength::InsecureFast,
    );
    let file = wallet.write("foreign.json", &foreign.to_json());
    let wrong = wallet.path("wrong-password");
    let args = [
        "import",
        "--name",
        "f",
        "--keystore-file",
        file.to_str().unwrap(),
    ];
    let mut with_wrong = args.to_vec();
    with_wrong.extend(["--password-file", wrong.to_str().unwrap()]);
    assert_eq!(wallet.run(&with_wrong).code, 6);
    let run = wallet.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.one_as::<WalletLine>().address, KEY_ADDRESS);
    let both = wallet.run(&[
        "import",
        "--name",
        "g",
        "--keystore-file",
        "x",
        "--private-key-file",
        "y",
    ]);
    assert_eq!(both.code, 2);
}

/// One-value commands print their value bare with `--plain`, in a pipe as
/// on a terminal (as `cast wallet address` does); a failure then prints
/// one line on stderr and nothing on stdout, so `$(...)` is empty.
#[test]
fn plain_prints_one_bare_value_for_scripts() {
    let wallet = Wallet::new();
    let imported = wallet.import_key("carol", KEY);
    let tron = wallet.run(&["address", "carol", "--plain"]).ok();
    assert_eq!(tron.stdout, format!("{KEY_ADDRESS}\n"));
    let record: AddressLine = wallet.run(&["address", "carol"]).ok().one_as();
    assert_eq!(record.address, imported.address);
    let evm = wallet.run(&["address", "carol", "--plain", "--evm"]).ok();
    assert_eq!(evm.stdout, format!("{}\n", record.evm_address));

    let missing = wallet.run(&["address", "nobody", "--plain"]);
    assert_eq!(missing.code, 3, "{}", missing.describe());
    assert!(missing.stdout.is_empty(), "{}", missing.describe());
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.describe());
    wallet
        .run(&["address", "carol", "--evm"])
        .refused(2, "--plain");

    let signature = wallet
        .run(&["sign", "--from", "carol", "hello", "--plain"])
        .ok()
        .stdout;
    let signature = signature.trim_end();
    assert_eq!(signature.len(), 2 + 130, "{signature:?}");
    let verified: VerificationLine = wallet
        .run(&["verify", "hello", signature, "carol"])
        .ok()
        .one_as();
    assert!(verified.valid && verified.address == KEY_ADDRESS);
}
