//! `btt-wallet`'s ledger commands: balances, the dev faucet, sending and
//! broadcasting signed transfers, history, and `node`, which serves the
//! embedded ledger over HTTP. (Payment channels and vouchers are in
//! `channel_commands`.)
//!
//! Which ledger: see [`crate::cli::ledger_choice`]. Every command is
//! written once, generic over [`Ledger`], and runs against whichever
//! backend was chosen.
//!
//! Exit statuses: too little balance is 7, a refused or malformed input 3,
//! a wrong password 6, an unreachable node 4, a storage failure 1.

use super::transfer_table::{self, TransferLine};
use super::{Session, DEFAULT_LIFETIME_MS};
use crate::amount::{format_units, Amount, Naming, Token};
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::interrupt;
use crate::cli::keys::wallet_name;
use crate::cli::ledger_choice::{ledger_error, run_on_ledger, LedgerTask};
pub use crate::cli::ledger_choice::{ledger_status, LedgerArgs, LedgerChoice};
use crate::config::Dirs;
use crate::ledger::local::Store;
use crate::ledger::node::{serve, NodeConfig};
use crate::ledger::{ErrorKind, Ledger, LedgerError, TransferRecord};
use crate::output::{Output, Record};
use crate::tron::{
    Address, SignedTransaction, TransactionParams, TransferCall, UnsignedTransaction,
};
use anyhow::Context;
use clap::Args;
use serde::Serialize;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The most history records one `history` prints.
const HISTORY_LIMIT: usize = 1_000;

/// `balance`.
#[derive(Debug, Args)]
pub struct BalanceArgs {
    /// Wallet name or address
    pub account: String,
}

/// `faucet`.
#[derive(Debug, Args)]
pub struct FaucetArgs {
    /// Wallet name or address to credit
    pub account: String,
    /// Amount: 1000BTT, 5TRX, or base units with --base-units
    pub amount: String,
}

/// `broadcast`.
#[derive(Debug, Args)]
pub struct BroadcastArgs {
    /// File holding a signed transaction in TRON's JSON (- for stdin)
    pub file: PathBuf,
}

/// `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Wallet name or address
    pub account: String,
}

/// `tx`.
#[derive(Debug, Args)]
pub struct TxArgs {
    /// Transaction ids (64 hex digits), or - to read them from stdin, one a line, bare or as the txID of a JSON record
    #[arg(required = true, value_name = "TXID")]
    pub txids: Vec<String>,
}

/// `node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
}

/// A ledger command, once parsed.
#[derive(Debug)]
pub enum LedgerCommand {
    /// `balance`.
    Balance(BalanceArgs),
    /// `faucet`.
    Faucet(FaucetArgs),
    /// `send`, and `send --sign-only` without the `--ref-block` flags.
    Send(super::SendArgs),
    /// `broadcast`.
    Broadcast(BroadcastArgs),
    /// `history`.
    History(HistoryArgs),
    /// `tx`.
    Tx(TxArgs),
}

/// Runs a ledger command against the chosen ledger.
pub fn run(
    session: &Session<'_>,
    ledger: &LedgerArgs,
    command: LedgerCommand,
) -> anyhow::Result<ExitStatus> {
    if let (LedgerChoice::Tron(_), LedgerCommand::Faucet(_)) = (ledger.choice()?, &command) {
        return Err(with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("TRON has no faucet: minting exists only on dev ledgers"),
        ));
    }
    if let (LedgerChoice::Local, LedgerCommand::Send(args)) = (ledger.choice()?, &command) {
        let file = Store::default_path(&Dirs::from_env());
        if args.sign_only && !file.exists() {
            let missing = format!("there is no embedded ledger ({})", file.display());
            return Err(no_reference_block(&missing));
        }
    }
    let choice = ledger.choice()?;
    run_on_ledger(
        ledger,
        WalletTask {
            session,
            choice,
            command,
        },
    )
}

/// The faucet was refused for want of a dev ledger: what to run instead.
fn no_faucet(choice: &LedgerChoice) -> anyhow::Error {
    let message = match choice {
        LedgerChoice::Node(url) => format!(
            "the faucet mints only on a dev ledger, and the node at {url} was not started with --dev: start it as `btt-wallet node --dev`"
        ),
        _ => "the faucet mints only on a dev ledger: pass --dev (or set BTT_DEV_LEDGER=1) to open the embedded ledger as one".to_string(),
    };
    with_status(ExitStatus::BadInput, anyhow::anyhow!(message))
}

/// `send --sign-only` found no ledger to take the reference block from.
fn no_reference_block(why: &str) -> anyhow::Error {
    with_status(
        ExitStatus::Unreachable,
        anyhow::anyhow!(
            "--sign-only needs a recent block of the ledger to name, and {why}; to sign with no ledger reachable, pass --ref-block-bytes and --ref-block-hash of a recent block id"
        ),
    )
}

struct WalletTask<'a> {
    session: &'a Session<'a>,
    choice: LedgerChoice,
    command: LedgerCommand,
}

impl LedgerTask for WalletTask<'_> {
    async fn run<L: Ledger>(self, ledger: &L) -> anyhow::Result<ExitStatus> {
        Commands {
            session: self.session,
            choice: &self.choice,
            ledger,
        }
        .run(self.command)
        .await
    }
}

/// `node`: serves the embedded ledger until SIGINT or SIGTERM.
pub fn run_node(
    output: &Output,
    ledger: &LedgerArgs,
    args: &NodeArgs,
) -> anyhow::Result<ExitStatus> {
    if ledger.choice()? != LedgerChoice::Local {
        return Err(with_status(
            ExitStatus::Usage,
            anyhow::anyhow!("node serves the embedded ledger; drop --ledger"),
        ));
    }
    let local = ledger.open_local()?;
    let config = NodeConfig {
        listen: args.listen,
        ..NodeConfig::default()
    };
    crate::cli::runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        output.record(&ListeningRecord {
            addr: listener.local_addr()?,
            ledger_id: local.id().to_string(),
            dev: local.is_dev(),
        })?;
        serve(listener, local, &config, interrupt::interrupted()).await?;
        Ok(ExitStatus::Success)
    })
}

struct Commands<'a, L> {
    session: &'a Session<'a>,
    choice: &'a LedgerChoice,
    ledger: &'a L,
}

impl<L: Ledger> Commands<'_, L> {
    async fn run(&self, command: LedgerCommand) -> anyhow::Result<ExitStatus> {
        match command {
            LedgerCommand::Balance(args) => self.balance(&args).await,
            LedgerCommand::Faucet(args) => self.faucet(&args).await,
            LedgerCommand::Send(args) => self.send(args).await,
            LedgerCommand::Broadcast(args) => self.broadcast(&args).await,
            LedgerCommand::History(args) => self.history(&args).await,
            LedgerCommand::Tx(args) => self.lookup(&args).await,
        }
    }

    fn output(&self) -> &Output {
        self.session.output
    }

    /// How this ledger names its BTT tokens (BTTOLD for the TRC-10 on TRON).
    fn naming(&self) -> Naming {
        Naming::of(self.ledger.native_token())
    }

    /// `record` as this ledger names its tokens.
    fn receipt(&self, record: &TransferRecord) -> ReceiptRecord {
        ReceiptRecord::named(record, self.naming())
    }

    /// An amount as `--base-units` says to read it.
    fn amount(&self, text: &str, default: Token) -> anyhow::Result<Amount> {
        self.session.amounts.parse("amount", text, default)
    }

    /// An address given as itself or as a wallet's name.
    fn account(&self, text: &str) -> anyhow::Result<Address> {
        self.session.keys.account(text)
    }

    async fn balance(&self, args: &BalanceArgs) -> anyhow::Result<ExitStatus> {
        let address = self.account(&args.account)?;
        let token = self.ledger.native_token();
        let btt = self.units(address, token).await?;
        let evm = !self.ledger.takes_tron_transactions();
        let tron = self.naming() == Naming::Tron;
        let trx = if evm {
            None
        } else {
            Some(self.units(address, Token::Trx).await?)
        };
        let trc20 = if evm || tron {
            None
        } else {
            self.trc20_balance(address).await?
        };
        let bttold = if tron {
            Some(self.units(address, Token::Btt).await?)
        } else {
            None
        };
        let wbtt = self
            .ledger
            .wrapped_balance(address)
            .await
            .map_err(ledger_error)?;
        self.output().record(&BalanceRecord {
            address,
            evm_address: evm.then(|| address.to_evm()),
            btt: format_units(btt, token),
            btt_base_units: btt.to_string(),
            trx: trx.map(|trx| format_units(trx, Token::Trx)),
            trx_base_units: trx.map(|trx| trx.to_string()),
            btt_trc20: trc20.map(|units| format_units(units, Token::BttTrc20)),
            btt_trc20_base_units: trc20.map(|units| units.to_string()),
            bttold: bttold.map(|units| format_units(units, Token::Btt)),
            bttold_base_units: bttold.map(|units| units.to_string()),
            wbtt: wbtt.map(|units| format_units(units, Token::Bttc)),
            wbtt_base_units: wbtt.map(|units| units.to_string()),
        })?;
        Ok(ExitStatus::Success)
    }

    /// The balance of `token` held by `address`, in base units.
    async fn units(&self, address: Address, token: Token) -> anyhow::Result<u128> {
        self.ledger
            .balance(address, token)
            .await
            .map_err(ledger_error)
    }

    /// The TRC-20 BTT balance, where the ledger has the token.
    async fn trc20_balance(&self, address: Address) -> anyhow::Result<Option<u128>> {
        match self.ledger.balance(address, Token::BttTrc20).await {
            Ok(units) => Ok(Some(units)),
            Err(LedgerError::Unsupported { .. }) => Ok(None),
            Err(error) => Err(ledger_error(error)),
        }
    }

    async fn faucet(&self, args: &FaucetArgs) -> anyhow::Result<ExitStatus> {
        let address = self.account(&args.account)?;
        let amount = self.amount(&args.amount, self.ledger.native_token())?;
        let record =
            self.ledger
                .mint(address, amount)
                .await
                .map_err(|error| match error.kind() {
                    ErrorKind::MintDisabled => no_faucet(self.choice),
                    _ => ledger_error(error),
                })?;
        self.output().record(&self.receipt(&record))?;
        Ok(ExitStatus::Success)
    }

    async fn send(&self, args: super::SendArgs) -> anyhow::Result<ExitStatus> {
        if !self.ledger.takes_tron_transactions() {
            return self.send_evm(args).await;
        }
        let to = self.account(&args.to)?;
        let amount = self.amount(&args.amount, args.default_token(self.ledger.native_token()))?;
        let key = self.session.keys.unlock(&wallet_name(&args.from)?)?;
        let timestamp = args.timestamp.unwrap_or_else(super::now_ms);
        let reference = match self.ledger.reference_block().await {
            Err(error @ LedgerError::Unreachable { .. }) if args.sign_only => {
                return Err(no_reference_block(&error.to_string()))
            }
            reference => reference.map_err(ledger_error)?,
        };
        let params = TransactionParams {
            reference,
            timestamp,
            expiration: args.expiration.unwrap_or(timestamp + DEFAULT_LIFETIME_MS),
            memo: args.memo.clone().unwrap_or_default().into_bytes(),
            fee_limit: args.fee_limit,
        };
        let call = TransferCall {
            owner: key.address(),
            to,
            amount,
        };
        let signed = UnsignedTransaction::new(call, &params)
            .map_err(|error| with_status(ExitStatus::BadInput, error))?
            .sign(&key);
        if args.sign_only {
            self.output()
                .record(&super::TransactionRecord(signed.to_json()))?;
            return Ok(ExitStatus::Success);
        }
        self.submit(signed).await
    }

    /// `send` on a ledger that builds its own transactions (an EVM chain).
    async fn send_evm(&self, args: super::SendArgs) -> anyhow::Result<ExitStatus> {
        if args.sign_only || args.trc20 {
            return Err(with_status(
                ExitStatus::Usage,
                anyhow::anyhow!("--sign-only and --trc20 are for TRON ledgers; this ledger signs and sends its own transactions"),
            ));
        }
        let to = self.account(&args.to)?;
        let amount = self.amount(&args.amount, self.ledger.native_token())?;
        let key = self.session.keys.unlock(&wallet_name(&args.from)?)?;
        let memo = args.memo.unwrap_or_default().into_bytes();
        let record = self
            .ledger
            .send(&key, to, amount, memo)
            .await
            .map_err(ledger_error)?;
        self.output().record(&self.receipt(&record))?;
        Ok(ExitStatus::Success)
    }

    async fn submit(&self, signed: SignedTransaction) -> anyhow::Result<ExitStatus> {
        let record = self.ledger.transfer(signed).await.map_err(ledger_error)?;
        self.output().record(&self.receipt(&record))?;
        Ok(ExitStatus::Success)
    }

    async fn broadcast(&self, args: &BroadcastArgs) -> anyhow::Result<ExitStatus> {
        let text = read_input(&args.file)?;
        let signed = SignedTransaction::from_json(&text).map_err(|error| {
            with_status(
                ExitStatus::BadInput,
                anyhow::anyhow!("{}: {error}", args.file.display()),
            )
        })?;
        self.submit(signed).await
    }

    async fn history(&self, args: &HistoryArgs) -> anyhow::Result<ExitStatus> {
        let address = self.account(&args.account)?;
        let records = self
            .ledger
            .history(address, 0, HISTORY_LIMIT)
            .await
            .map_err(ledger_error)?;
        let lines: Vec<TransferLine> = records
            .iter()
            .map(|record| TransferLine::of_account(record, &address, self.naming()))
            .collect();
        transfer_table::print(self.output(), &lines)?;
        Ok(ExitStatus::Success)
    }

    /// `tx`: one receipt per txID; a txID the ledger does not hold is an
    /// error, after the receipts found before it are printed.
    async fn lookup(&self, args: &TxArgs) -> anyhow::Result<ExitStatus> {
        let texts = if args.txids == ["-"] {
            txids_in(&read_input(Path::new("-"))?)?
        } else {
            args.txids.clone()
        };
        let mut lines = Vec::new();
        let mut failure = None;
        for text in texts {
            match self.transaction(&text).await {
                Ok(record) => lines.push(TransferLine::looked_up(&record, self.naming())),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        transfer_table::print(self.output(), &lines)?;
        failure.map_or(Ok(ExitStatus::Success), Err)
    }

    /// The transfer whose txID is `text`.
    async fn transaction(&self, text: &str) -> anyhow::Result<TransferRecord> {
        let digits = text.trim().trim_start_matches("0x");
        let txid = crate::ledger::id::parse_hex32(digits).map_err(|error| {
            with_status(
                ExitStatus::BadInput,
                anyhow::anyhow!("txID {text:?}: {error}"),
            )
        })?;
        self.ledger
            .transaction(txid)
            .await
            .map_err(ledger_error)?
            .ok_or_else(|| anyhow::anyhow!("transaction {text} is not on this ledger"))
    }
}

/// The txIDs in `text`: one a line, bare or as the `txID` field of a JSON
/// record; JSON records without one (errors, summaries) are skipped.
fn txids_in(text: &str) -> anyhow::Result<Vec<String>> {
    let mut txids = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with('{') {
            txids.push(line.to_string());
            continue;
        }
        let record: serde_json::Value = serde_json::from_str(line).map_err(|error| {
            with_status(
                ExitStatus::BadInput,
                anyhow::anyhow!("stdin line {}: {error}", number + 1),
            )
        })?;
        if let Some(txid) = record.get("txID").and_then(serde_json::Value::as_str) {
            txids.push(txid.to_string());
        }
    }
    Ok(txids)
}

/// Reads a file, or stdin for `-`.
pub(super) fn read_input(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// `node`'s first record.
#[derive(Debug, Serialize)]
pub struct ListeningRecord {
    /// The bound address (the real port when asked for port 0).
    pub addr: SocketAddr,
    /// The served ledger's id.
    pub ledger_id: String,
    /// Whether the faucet mints.
    pub dev: bool,
}

impl Record for ListeningRecord {
    const TYPE: &'static str = "listening";

    fn human(&self) -> Option<String> {
        let dev = if self.dev { " (dev: faucet open)" } else { "" };
        Some(format!(
            "serving ledger {} on http://{}{dev}",
            self.ledger_id, self.addr
        ))
    }
}

/// `balance`.
#[derive(Debug, Serialize)]
pub struct BalanceRecord {
    /// The account.
    pub address: Address,
    /// The account's 0x form, on an EVM ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evm_address: Option<String>,
    /// The ledger's BTT (TRC-10-shaped on btt's ledgers, TRC-20 on TRON, native on BTTC), in BTT.
    pub btt: String,
    /// The same, in base units (wei on BTTC).
    pub btt_base_units: String,
    /// TRX, in TRX (TRON-style ledgers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trx: Option<String>,
    /// TRX, in sun.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trx_base_units: Option<String>,
    /// The TRC-20 BTT (18 decimals), on btt's TRON-style ledgers (a node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub btt_trc20: Option<String>,
    /// The same, in base units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub btt_trc20_base_units: Option<String>,
    /// The TRC-10 token 1002000, BTTOLD since the redenomination (TRON only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bttold: Option<String>,
    /// The same, in base units (6 decimals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bttold_base_units: Option<String>,
    /// Wrapped BTT (WBTT, an ERC-20, 18 decimals), on an EVM ledger that knows its contract.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wbtt: Option<String>,
    /// The same, in wei.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wbtt_base_units: Option<String>,
}

impl Record for BalanceRecord {
    const TYPE: &'static str = "balance";

    fn human(&self) -> Option<String> {
        let address = self.evm_address.clone().unwrap_or(self.address.to_string());
        let mut text = format!("{address}\n  BTT  {}", self.btt);
        if let Some(trx) = &self.trx {
            text.push_str(&format!("\n  TRX  {trx}"));
        }
        if let Some(trc20) = &self.btt_trc20 {
            text.push_str(&format!("\n  BTT (TRC-20)  {trc20}"));
        }
        if let Some(old) = &self.bttold {
            text.push_str(&format!("\n  BTTOLD (TRC-10 1002000)  {old}"));
        }
        if let Some(wbtt) = &self.wbtt {
            text.push_str(&format!("\n  WBTT  {wbtt}"));
        }
        Some(text)
    }
}

/// An applied change: what `send`, `broadcast` and `faucet` print.
#[derive(Debug, Serialize)]
pub struct ReceiptRecord {
    /// The transaction id.
    #[serde(rename = "txID")]
    pub txid: String,
    /// The change itself.
    #[serde(flatten)]
    pub details: ReceiptDetails,
}

/// The fields of a receipt (amounts as text: u128 does not fit JSON numbers).
#[derive(Debug, Serialize)]
pub struct ReceiptDetails {
    /// What kind of change.
    pub kind: crate::ledger::MovementKind,
    /// Who paid.
    pub from: Address,
    /// Who received.
    pub to: Address,
    /// `from` as an EVM (EIP-55) address, on an EVM ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_evm: Option<String>,
    /// `to` as an EVM (EIP-55) address, on an EVM ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_evm: Option<String>,
    /// The amount with its token, e.g. `2.5BTT`.
    pub amount: String,
    /// The amount in base units.
    pub base_units: String,
    /// The memo, when UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// The ledger's sequence number (block).
    pub sequence: u64,
    /// What the payer paid the chain for it, e.g. `0.000021BTT` (EVM ledgers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<String>,
    /// The fee in base units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_base_units: Option<String>,
}

impl From<&TransferRecord> for ReceiptRecord {
    fn from(record: &TransferRecord) -> ReceiptRecord {
        ReceiptRecord::named(record, Naming::BttLedger)
    }
}

impl ReceiptRecord {
    /// `record` with its tokens named as `naming` says.
    pub fn named(record: &TransferRecord, naming: Naming) -> ReceiptRecord {
        let evm = record.amount.token == Token::Bttc;
        let symbol = record.amount.token.symbol_on(naming);
        ReceiptRecord {
            txid: hex::encode(record.txid),
            details: ReceiptDetails {
                kind: record.kind,
                from: record.from,
                to: record.to,
                from_evm: evm.then(|| record.from.to_evm()),
                to_evm: evm.then(|| record.to.to_evm()),
                amount: format!(
                    "{}{symbol}",
                    format_units(record.amount.base_units, record.amount.token)
                ),
                base_units: record.amount.base_units.to_string(),
                memo: record
                    .memo_text()
                    .filter(|text| !text.is_empty())
                    .map(str::to_string),
                sequence: record.sequence,
                fee: record
                    .fee
                    .map(|fee| format!("{}{symbol}", format_units(fee, record.amount.token))),
                fee_base_units: record.fee.map(|fee| fee.to_string()),
            },
        }
    }
}

impl ReceiptDetails {
    /// The payer as a person reads it on this ledger (0x on an EVM chain).
    pub fn shown_from(&self) -> String {
        self.from_evm
            .clone()
            .unwrap_or_else(|| self.from.to_string())
    }

    /// The recipient as a person reads it on this ledger.
    pub fn shown_to(&self) -> String {
        self.to_evm.clone().unwrap_or_else(|| self.to.to_string())
    }
}

impl Record for ReceiptRecord {
    const TYPE: &'static str = "receipt";

    fn human(&self) -> Option<String> {
        let details = &self.details;
        Some(format!(
            "{}  {} -> {}  {}  (block {})",
            self.txid,
            details.shown_from(),
            details.shown_to(),
            details.amount,
            details.sequence
        ))
    }

    fn plain(&self) -> Option<String> {
        Some(self.txid.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txids_come_bare_or_from_records() {
        let text = "abc\n\n{\"type\":\"receipt\",\"txID\":\"def\"}\n{\"type\":\"summary\"}\n";
        assert_eq!(txids_in(text).unwrap(), ["abc", "def"]);
        let error = txids_in("{oops").unwrap_err();
        assert_eq!(crate::cli::exit::classify(&error), ExitStatus::BadInput);
    }
}
