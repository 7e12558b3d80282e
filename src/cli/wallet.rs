//! `btt-wallet`: keys, addresses, signed messages, TRON transfers signed
//! offline or sent to a ledger, balances, history, payment channels, and a
//! ledger node (see `ledger_commands` and `channel_commands`). Keystores
//! live under the data directory; every secret stays off a terminal's
//! stdout unless a flag asks for it by name.

mod channel_commands;
mod channel_list;
mod deploy;
mod ledger_commands;
mod transfer_table;

pub use super::keys::PasswordArgs;
pub use channel_commands::{ChannelArgs, ChannelCommand, VoucherArgs};
pub use deploy::{DeployArgs, DeploymentRecord};
pub use ledger_commands::{
    ledger_status, BalanceArgs, BroadcastArgs, FaucetArgs, HistoryArgs, LedgerArgs, LedgerChoice,
    NodeArgs, ReceiptDetails, ReceiptRecord, TxArgs,
};

use super::exit::{with_status, ExitStatus};
use super::keys::{password_error, store_error, wallet_name, Keys};
use super::{AmountArgs, GlobalArgs};
use crate::amount::Token;
use crate::clock::now_ms;
use crate::output::{Output, Record};
use crate::tron::contract::DEFAULT_FEE_LIMIT;
use crate::tron::message::{recover_message_signer, sign_message};
use crate::tron::{
    Address, BlockReference, TransactionJson, TransactionParams, TransferCall, UnsignedTransaction,
};
use crate::wallet::{
    KdfStrength, KeyError, Keystore, Mnemonic, PrivateKey, StoreError, WalletName,
};
use anyhow::Context;
use channel_commands::PaymentCommand;
use clap::{Args, Parser, Subcommand};
use ledger_commands::LedgerCommand;
use serde::Serialize;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// How long a transaction built without `--expiration` stays valid.
const DEFAULT_LIFETIME_MS: i64 = 60_000;

/// Keys, addresses, balances and transfers on a TRON-compatible ledger.
#[derive(Debug, Parser)]
#[command(
    name = "btt-wallet",
    version,
    about = "Keys, addresses, signed messages and transfers of BTT and TRX",
    after_help = after_help()
)]
pub struct WalletCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub amounts: AmountArgs,
    #[command(subcommand)]
    pub command: WalletCommand,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Create a wallet from a new 24-word mnemonic
    New(NewArgs),
    /// Store an existing mnemonic or private key as a wallet
    Import(ImportArgs),
    /// List wallets and their addresses
    List,
    /// Print the TRON address and the EVM (0x, EIP-55) address of a wallet
    Address(AddressArgs),
    /// Sign a message (TRON signMessageV2)
    Sign(SignArgs),
    /// Check that ADDRESS signed MESSAGE (exit 0 if so, 1 if not)
    Verify(VerifyArgs),
    /// Build, sign and send a transfer of BTT or TRX (or only print it with --sign-only)
    Send(SendArgs),
    /// Show the BTT and TRX balance of a wallet or address
    Balance(BalanceArgs),
    /// Mint test funds (development ledgers only)
    Faucet(FaucetArgs),
    /// Submit a signed transaction (from send --sign-only)
    Broadcast(BroadcastArgs),
    /// List the transfers of a wallet or address
    History(HistoryArgs),
    /// Look up transactions by txID; - reads txIDs or receipts (btt-tip's, btt-wallet's) from stdin
    Tx(TxArgs),
    /// Serve the embedded ledger over the TRON HTTP API subset
    Node(NodeArgs),
    /// Open, close and refund payment channels
    Channel(ChannelArgs),
    /// As a channel's payer, sign a voucher for a cumulative amount
    Voucher(VoucherArgs),
    /// Put btt's channels, purchases and campaigns contracts on an EVM chain (with --gas-limit 2000000)
    Deploy(DeployArgs),
}

/// `new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Name of the wallet (letters, digits, '_' and '-')
    #[arg(long)]
    pub name: String,
    /// Print the mnemonic on stdout (otherwise it is shown on stderr only when that is a terminal)
    #[arg(long)]
    pub show_mnemonic: bool,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Name of the wallet (letters, digits, '_' and '-')
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub source: ImportSource,
}

/// What `import` reads: exactly one of these.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ImportSource {
    /// File holding a BIP39 mnemonic (- for stdin); the key is m/44'/195'/0'/0/0
    #[arg(long, value_name = "FILE")]
    pub mnemonic_file: Option<PathBuf>,
    /// File holding a private key as 64 hex digits (- for stdin)
    #[arg(long, value_name = "FILE")]
    pub private_key_file: Option<PathBuf>,
    /// A Web3 v3 keystore made by another wallet; it is opened with the password
    #[arg(long, value_name = "FILE")]
    pub keystore_file: Option<PathBuf>,
}

/// `address`.
#[derive(Debug, Args)]
pub struct AddressArgs {
    /// Wallet name
    pub name: String,
    /// Print only the TRON address, bare, on a terminal and in a pipe (for `$(...)`)
    #[arg(long)]
    pub plain: bool,
    /// With --plain, print the EVM (0x, EIP-55) address instead
    #[arg(long, requires = "plain")]
    pub evm: bool,
}

/// `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Wallet that signs
    #[arg(long)]
    pub from: String,
    /// The message (its UTF-8 bytes are signed)
    pub message: String,
    /// Print only the signature, bare, on a terminal and in a pipe
    #[arg(long)]
    pub plain: bool,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The message that was signed
    pub message: String,
    /// The 65-byte signature, hex (0x optional)
    pub signature: String,
    /// The address that should have signed, or a wallet name
    pub address: String,
}

/// `send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Recipient: an address (T..., 41... hex or 0x...) or a wallet name
    pub to: String,
    /// Amount: 2.5BTT, 0.1TRX, or base units of BTT with --base-units; on TRON, BTT is the TRC-20 and 1000BTTOLD the TRC-10 token 1002000
    pub amount: String,
    /// Wallet that pays
    #[arg(long)]
    pub from: String,
    /// Memo stored in the transaction (raw_data.data)
    #[arg(long)]
    pub memo: Option<String>,
    /// Print only the txID, bare, on a terminal and in a pipe (not with --sign-only)
    #[arg(long, conflicts_with = "sign_only")]
    pub plain: bool,
    /// On btt's ledgers: send the TRC-20 BTT (18 decimals) instead of the ledger's TRC-10-shaped BTT (on TRON, BTT is the TRC-20 already)
    #[arg(long)]
    pub trc20: bool,
    /// Most sun a TRC-20 transfer may burn
    #[arg(long, value_name = "SUN", default_value_t = DEFAULT_FEE_LIMIT)]
    pub fee_limit: i64,
    /// Print the signed transaction instead of sending it; it names the ledger's latest block, or the one the --ref-block flags give
    #[arg(long)]
    pub sign_only: bool,
    /// Bytes 6..8 of a recent block id, 4 hex digits: with --sign-only, to sign with no ledger reachable
    #[arg(long, value_name = "HEX", requires_all = ["sign_only", "ref_block_hash"])]
    pub ref_block_bytes: Option<String>,
    /// Bytes 8..16 of that block id, 16 hex digits (with --ref-block-bytes)
    #[arg(long, value_name = "HEX", requires_all = ["sign_only", "ref_block_bytes"])]
    pub ref_block_hash: Option<String>,
    /// Creation time in milliseconds since the epoch (default: now)
    #[arg(long, value_name = "MS")]
    pub timestamp: Option<i64>,
    /// Expiry time in milliseconds since the epoch (default: 60 s after the timestamp)
    #[arg(long, value_name = "MS")]
    pub expiration: Option<i64>,
}

impl SendArgs {
    /// The token `BTT` means in this transfer, on a ledger whose BTT is `native`.
    fn default_token(&self, native: Token) -> Token {
        if self.trc20 {
            Token::BttTrc20
        } else {
            native
        }
    }
}

fn after_help() -> String {
    format!(
        "{}\nEnvironment:\n  BTT_HOME               directory for keystores and the embedded ledger (default: XDG data directory)\n  BTT_LEDGER             same as --ledger\n  BTT_DEV_LEDGER         when 1, same as --dev\n  BTT_PASSWORD_FILE      same as --password-file\n",
        super::exit_status_help()
    )
}

impl WalletCli {
    /// The output settings of this run: the global flags, and `--plain` of
    /// the one-value commands, which prints their value bare and keeps
    /// error records off stdout.
    fn output(&self) -> Output {
        let output = self.global.output("btt-wallet");
        let plain = match &self.command {
            WalletCommand::Address(args) => args.plain,
            WalletCommand::Sign(args) => args.plain,
            WalletCommand::Send(args) => args.plain,
            _ => false,
        };
        if plain {
            output.plain()
        } else {
            output
        }
    }
}

/// Entry point of the `btt-wallet` binary.
pub fn main() -> std::process::ExitCode {
    let cli = match super::parse_args::<WalletCli>("btt-wallet") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let output = cli.output();
    let result = run(cli, &output);
    super::finish(&output, result)
}

/// Runs one `btt-wallet` command.
fn run(cli: WalletCli, output: &Output) -> anyhow::Result<ExitStatus> {
    let session = Session {
        keys: Keys::from_env(cli.password),
        output,
        amounts: cli.amounts,
    };
    match cli.command {
        WalletCommand::New(args) => session.new_wallet(args),
        WalletCommand::Import(args) => session.import(args),
        WalletCommand::List => session.list(),
        WalletCommand::Address(args) => session.address(args),
        WalletCommand::Sign(args) => session.sign(args),
        WalletCommand::Verify(args) => session.verify(args),
        WalletCommand::Send(args) if args.ref_block_bytes.is_some() => {
            session.send(args, cli.ledger.offline_token()?)
        }
        WalletCommand::Send(args) => {
            ledger_commands::run(&session, &cli.ledger, LedgerCommand::Send(args))
        }
        WalletCommand::Balance(args) => {
            ledger_commands::run(&session, &cli.ledger, LedgerCommand::Balance(args))
        }
        WalletCommand::Faucet(args) => {
            ledger_commands::run(&session, &cli.ledger, LedgerCommand::Faucet(args))
        }
        WalletCommand::Broadcast(args) => {
            ledger_commands::run(&session, &cli.ledger, LedgerCommand::Broadcast(args))
        }
        WalletCommand::History(args) => {
            ledger_commands::run(&session, &cli.ledger, LedgerCommand::History(args))
        }
        WalletCommand::Tx(args) => {
            ledger_commands::run(&session, &cli.ledger, LedgerCommand::Tx(args))
        }
        WalletCommand::Channel(args) => {
            channel_commands::run(&session, &cli.ledger, PaymentCommand::Channel(args))
        }
        WalletCommand::Voucher(args) => {
            channel_commands::run(&session, &cli.ledger, PaymentCommand::Voucher(args))
        }
        WalletCommand::Node(args) => ledger_commands::run_node(output, &cli.ledger, &args),
        WalletCommand::Deploy(args) => deploy::run(&session, &cli.ledger, &args),
    }
}

struct Session<'a> {
    keys: Keys,
    output: &'a Output,
    amounts: AmountArgs,
}

impl Session<'_> {
    /// The addresses of the wallets here whose keystores name one.
    fn wallet_addresses(&self) -> anyhow::Result<Vec<crate::tron::Address>> {
        let entries = self.keys.store.list().map_err(store_error)?;
        Ok(entries
            .into_iter()
            .filter_map(|entry| entry.address.ok().flatten())
            .collect())
    }

    fn new_wallet(&self, args: NewArgs) -> anyhow::Result<ExitStatus> {
        let name = wallet_name(&args.name)?;
        let mnemonic = Mnemonic::generate();
        let key = mnemonic.derive_key("").context("cannot derive the key")?;
        let path = self.store_key(&name, &key)?;
        let shown_on_stdout = args.show_mnemonic.then(|| mnemonic.phrase());
        if !args.show_mnemonic {
            self.show_mnemonic_on_terminal(&mnemonic)?;
        }
        self.output.record(&WalletRecord {
            name,
            address: key.address(),
            keystore: path,
            mnemonic: shown_on_stdout.map(|phrase| phrase.to_string()),
        })?;
        Ok(ExitStatus::Success)
    }

    fn show_mnemonic_on_terminal(&self, mnemonic: &Mnemonic) -> anyhow::Result<()> {
        if !std::io::stderr().is_terminal() {
            self.output.warn(
                "the mnemonic was not shown (stderr is not a terminal); the keystore is the only copy of the key",
            );
            return Ok(());
        }
        let mut stderr = std::io::stderr().lock();
        writeln!(
            stderr,
            "Write down these {} words; they restore the wallet:\n\n  {}\n",
            mnemonic.word_count(),
            mnemonic.phrase().as_str()
        )?;
        Ok(())
    }

    fn import(&self, args: ImportArgs) -> anyhow::Result<ExitStatus> {
        let name = wallet_name(&args.name)?;
        let source = &args.source;
        let key = if let Some(file) = &source.mnemonic_file {
            let text = read_secret_file(file)?;
            let mnemonic = Mnemonic::parse(&text).map_err(|e| bad_input(e, file))?;
            mnemonic.derive_key("").context("cannot derive the key")?
        } else if let Some(file) = &source.private_key_file {
            let text = read_secret_file(file)?;
            PrivateKey::from_hex(&text).map_err(|e: KeyError| bad_input(e, file))?
        } else if let Some(file) = &source.keystore_file {
            self.open_foreign_keystore(file)?
        } else {
            anyhow::bail!("give --mnemonic-file, --private-key-file or --keystore-file")
        };
        let path = self.store_key(&name, &key)?;
        self.output.record(&WalletRecord {
            name,
            address: key.address(),
            keystore: path,
            mnemonic: None,
        })?;
        Ok(ExitStatus::Success)
    }

    fn open_foreign_keystore(&self, file: &Path) -> anyhow::Result<PrivateKey> {
        let text = read_secret_file(file)?;
        let keystore = Keystore::from_json(&text).map_err(|e| bad_input(e, file))?;
        self.keys.decrypt(
            &keystore,
            &format!("Password of {}: ", file.display()),
            &format!("open {}", file.display()),
            |other| bad_input(other, file),
        )
    }

    fn list(&self) -> anyhow::Result<ExitStatus> {
        for entry in self.keys.store.list().map_err(store_error)? {
            let (address, error) = match entry.address {
                Ok(address) => (address, None),
                Err(error) => (None, Some(error.to_string())),
            };
            self.output.record(&WalletListEntry {
                name: entry.name,
                address,
                error,
            })?;
        }
        Ok(ExitStatus::Success)
    }

    fn address(&self, args: AddressArgs) -> anyhow::Result<ExitStatus> {
        let name = wallet_name(&args.name)?;
        let address = self.keys.wallet_address(&name)?;
        self.output.record(&AddressRecord {
            name,
            address,
            evm_address: address.to_evm(),
            plain_evm: args.evm,
        })?;
        Ok(ExitStatus::Success)
    }

    fn sign(&self, args: SignArgs) -> anyhow::Result<ExitStatus> {
        let name = wallet_name(&args.from)?;
        let key = self.keys.unlock(&name)?;
        let signature = sign_message(&key, args.message.as_bytes());
        self.output.record(&SignatureRecord {
            address: key.address(),
            message: args.message,
            signature: format!("0x{}", hex::encode(signature)),
        })?;
        Ok(ExitStatus::Success)
    }

    fn verify(&self, args: VerifyArgs) -> anyhow::Result<ExitStatus> {
        let address = self.keys.account(&args.address)?;
        let digits = args.signature.trim();
        let digits = digits.strip_prefix("0x").unwrap_or(digits);
        let signature = hex::decode(digits).map_err(|_| {
            with_status(
                ExitStatus::BadInput,
                anyhow::anyhow!("signature {:?} is not hex", args.signature),
            )
        })?;
        let signer = recover_message_signer(args.message.as_bytes(), &signature).ok();
        let valid = signer == Some(address);
        self.output.record(&VerificationRecord {
            valid,
            address,
            signer,
            message: args.message,
        })?;
        Ok(if valid {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        })
    }

    fn send(&self, args: SendArgs, native: Token) -> anyhow::Result<ExitStatus> {
        let to = self.keys.account(&args.to)?;
        let amount = self
            .amounts
            .parse("amount", &args.amount, args.default_token(native))?;
        let reference = BlockReference::from_hex(
            args.ref_block_bytes.as_deref().unwrap_or_default(),
            args.ref_block_hash.as_deref().unwrap_or_default(),
        )
        .map_err(|error| with_status(ExitStatus::BadInput, error))?;
        let timestamp = args.timestamp.unwrap_or_else(now_ms);
        let params = TransactionParams {
            reference,
            timestamp,
            expiration: args.expiration.unwrap_or(timestamp + DEFAULT_LIFETIME_MS),
            memo: args.memo.unwrap_or_default().into_bytes(),
            fee_limit: args.fee_limit,
        };
        let name = wallet_name(&args.from)?;
        let key = self.keys.unlock(&name)?;
        let transfer = TransferCall {
            owner: key.address(),
            to,
            amount,
        };
        let unsigned = UnsignedTransaction::new(transfer, &params)
            .map_err(|error| with_status(ExitStatus::BadInput, error))?;
        let signed = unsigned.sign(&key);
        self.output.record(&TransactionRecord(signed.to_json()))?;
        Ok(ExitStatus::Success)
    }

    fn store_key(&self, name: &WalletName, key: &PrivateKey) -> anyhow::Result<PathBuf> {
        if self.keys.store.file(name).exists() {
            return Err(store_error(StoreError::AlreadyExists {
                name: name.to_string(),
                path: self.keys.store.file(name),
            }));
        }
        let password = self
            .keys
            .password
            .read_new(&format!("New password for wallet {name}: "))
            .map_err(password_error)?;
        let keystore = Keystore::encrypt(key, password.as_bytes(), kdf_strength());
        self.keys.store.create(name, &keystore).map_err(store_error)
    }
}

/// The scrypt parameters of new keystores. `BTT_INSECURE_FAST_KDF=1` asks
/// for weak ones so that the tests, which drive debug binaries, do not spend
/// seconds per keystore; a release build ignores it (and its help does not
/// name it), so no environment can weaken a real user's keystore.
fn kdf_strength() -> KdfStrength {
    let asked = std::env::var_os("BTT_INSECURE_FAST_KDF").is_some_and(|value| value == "1");
    strength(cfg!(debug_assertions), asked)
}

/// Weak parameters only when asked for, and only in a debug build.
fn strength(debug_build: bool, fast_asked: bool) -> KdfStrength {
    if debug_build && fast_asked {
        KdfStrength::InsecureFast
    } else {
        KdfStrength::Standard
    }
}

fn bad_input(error: impl std::fmt::Display, file: &Path) -> anyhow::Error {
    with_status(
        ExitStatus::BadInput,
        anyhow::anyhow!("{}: {error}", file.display()),
    )
}

/// Reads a file holding a secret (`-` for stdin) into memory that is wiped after use.
fn read_secret_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let mut text = Zeroizing::new(String::new());
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
    } else {
        let mut file =
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        file.read_to_string(&mut text)
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    Ok(text)
}

/// A wallet that was created or imported.
#[derive(Debug, Serialize)]
pub struct WalletRecord {
    /// Its name.
    pub name: WalletName,
    /// Its TRON address.
    pub address: Address,
    /// The keystore file.
    pub keystore: PathBuf,
    /// The mnemonic, only with `--show-mnemonic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mnemonic: Option<String>,
}

impl Record for WalletRecord {
    const TYPE: &'static str = "wallet";

    fn human(&self) -> Option<String> {
        let mut text = format!("{}  {}", self.name, self.address);
        if let Some(mnemonic) = &self.mnemonic {
            text.push_str(&format!("\n{mnemonic}"));
        }
        Some(text)
    }
}

/// One line of `list`.
#[derive(Debug, Serialize)]
pub struct WalletListEntry {
    /// The wallet's name.
    pub name: WalletName,
    /// Its address, when the keystore names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Why the keystore could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Record for WalletListEntry {
    const TYPE: &'static str = "wallet";

    fn human(&self) -> Option<String> {
        let address = match (&self.address, &self.error) {
            (Some(address), _) => address.to_string(),
            (None, Some(error)) => format!("unreadable: {error}"),
            (None, None) => "(address known once unlocked)".to_string(),
        };
        Some(format!("{:<20} {address}", self.name.as_str()))
    }
}

/// The answer to `address`.
#[derive(Debug, Serialize)]
pub struct AddressRecord {
    /// The wallet's name.
    pub name: WalletName,
    /// Its TRON address.
    pub address: Address,
    /// The same key's EVM address (EIP-55), for BTTC and other EVM ledgers.
    pub evm_address: String,
    /// Whether `--plain` prints the EVM address (`--evm`) rather than the TRON one.
    #[serde(skip)]
    pub plain_evm: bool,
}

impl Record for AddressRecord {
    const TYPE: &'static str = "address";

    fn human(&self) -> Option<String> {
        Some(format!("{}\n{}", self.address, self.evm_address))
    }

    fn plain(&self) -> Option<String> {
        Some(match self.plain_evm {
            true => self.evm_address.clone(),
            false => self.address.to_string(),
        })
    }
}

/// A signed message.
#[derive(Debug, Serialize)]
pub struct SignatureRecord {
    /// The signer.
    pub address: Address,
    /// The message.
    pub message: String,
    /// `0x` and 65 bytes of hex, as TronWeb's `signMessageV2` returns.
    pub signature: String,
}

impl Record for SignatureRecord {
    const TYPE: &'static str = "signature";

    fn human(&self) -> Option<String> {
        Some(self.signature.clone())
    }

    fn plain(&self) -> Option<String> {
        Some(self.signature.clone())
    }
}

/// The answer to `verify`.
#[derive(Debug, Serialize)]
pub struct VerificationRecord {
    /// Whether `address` signed the message.
    pub valid: bool,
    /// The address that should have signed.
    pub address: Address,
    /// The address that did sign, when the signature is well formed.
    pub signer: Option<Address>,
    /// The message.
    pub message: String,
}

impl Record for VerificationRecord {
    const TYPE: &'static str = "verification";

    fn human(&self) -> Option<String> {
        Some(match (self.valid, &self.signer) {
            (true, _) => format!("valid: signed by {}", self.address),
            (false, Some(signer)) => format!("invalid: signed by {signer}, not {}", self.address),
            (false, None) => "invalid: the signature does not verify".to_string(),
        })
    }
}

/// A signed transaction in TRON's JSON.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct TransactionRecord(pub TransactionJson);

impl Record for TransactionRecord {
    const TYPE: &'static str = "transaction";

    fn human(&self) -> Option<String> {
        serde_json::to_string_pretty(&self.0).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_debug_build_weakens_the_kdf_and_only_when_asked() {
        assert_eq!(strength(true, true), KdfStrength::InsecureFast);
        assert_eq!(strength(false, true), KdfStrength::Standard);
        assert_eq!(strength(true, false), KdfStrength::Standard);
        assert_eq!(strength(false, false), KdfStrength::Standard);
    }

    #[test]
    fn help_does_not_name_the_test_switch() {
        assert!(!after_help().contains("BTT_INSECURE_FAST_KDF"));
    }
}
