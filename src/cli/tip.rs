//! `btt-tip`: BTT with a memo. One tip (`btt-tip ADDRESS 5BTT --from alice`),
//! a stream of NDJSON tip requests from stdin (`btt-tip - --from alice`),
//! `watch` for the tips an address receives, and `fund` for crowdfunding
//! campaigns held in the ledger's escrow; `buy` for a creator's content
//! (escrow, download, delivered key, decryption) and `purchases` for what a
//! wallet bought.
//!
//! Every tip with a client id (`--id`, or `"id"` in a stream line) goes
//! through the journal (`DATA/tips.sqlite`, see [`crate::tip::tip_log`]),
//! so running the same input again after a crash never pays an id twice.

mod buy;
mod fund;
mod listing_download;
mod pay;
mod purchase_records;
mod purchases;
mod records;
mod watch;
pub mod when;

pub use buy::BuyListingArgs;
pub use fund::{FundArgs, FundCommand};
pub use purchase_records::{PurchaseProof, PurchaseRecord};
pub use purchases::PurchasesArgs;
pub use records::{rfc3339, CampaignRecord, IncomingRecord, LineError, SummaryRecord, TipReceipt};
pub use watch::WatchArgs;

use super::exit::{with_status, ExitStatus};
use super::keys::{Keys, PasswordArgs};
use super::ledger_choice::{ledger_status, LedgerArgs};
use super::{AmountArgs, GlobalArgs};
use crate::output::Output;
use crate::tip::TipError;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Tips, tip streams and crowdfunding in BTT.
#[derive(Debug, Parser)]
#[command(
    name = "btt-tip",
    version,
    about = "Send BTT with a memo: tips, tip streams read from stdin, crowdfunding with escrow, and purchases of content",
    after_help = after_help(),
    override_usage = "btt-tip [OPTIONS] --from <WALLET> <TO> <AMOUNT>\n       btt-tip [OPTIONS] --from <WALLET> -\n       btt-tip [OPTIONS] <watch|fund|buy|purchases> ...",
    args_conflicts_with_subcommands = true
)]
pub struct TipCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub amounts: AmountArgs,
    #[command(flatten)]
    pub tip: TipArgs,
    #[command(subcommand)]
    pub command: Option<TipCommand>,
}

/// A tip, or a stream of them (`-`).
#[derive(Debug, Args)]
pub struct TipArgs {
    /// Recipient address or wallet name, or - to read NDJSON tip requests from stdin
    #[arg(value_name = "TO")]
    pub to: Option<String>,
    /// Amount: 5BTT, 0.25BTT, or base units of BTT with --base-units (not with -)
    #[arg(value_name = "AMOUNT")]
    pub amount: Option<String>,
    /// Wallet that pays
    #[arg(long, value_name = "WALLET")]
    pub from: Option<String>,
    /// Memo stored in the transaction (raw_data.data)
    #[arg(long)]
    pub memo: Option<String>,
    /// Client id: a tip with an id is paid at most once, however often it is run
    #[arg(long)]
    pub id: Option<String>,
    /// The most one tip may be (e.g. 10BTT)
    #[arg(long, value_name = "AMOUNT")]
    pub max_tip: Option<String>,
    /// The most all tips together may be; a stream stops once it is spent
    #[arg(long, value_name = "AMOUNT")]
    pub budget: Option<String>,
    /// The tip journal (default: DATA/tips.sqlite)
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum TipCommand {
    /// Print each transfer ADDRESS receives, once and in order, and follow new ones
    Watch(WatchArgs),
    /// Crowdfunding: create a campaign, pledge, show it, settle it after the deadline
    Fund(FundArgs),
    /// Buy a listing: pay into escrow, download the encrypted file, get the seller's key, decrypt
    Buy(Box<BuyListingArgs>),
    /// What a wallet bought: each purchase from the ledger, with its files where known here
    Purchases(PurchasesArgs),
}

fn after_help() -> String {
    format!(
        "{}\nTip streams:\n  btt-tip - reads one JSON object per line: {{\"to\":ADDRESS,\"amount\":\"5BTT\",\"memo\":TEXT,\"id\":ID}}\n  (memo and id optional) and writes one receipt or one error record per line, in order.\n  Lines with an id are journaled before they are sent: rerunning the same input after a\n  crash pays no id twice. The stream exits 0 when every line was paid, else with the\n  status of the first refused line.\n\nEnvironment:\n  BTT_HOME               directory for keystores, the embedded ledger and the tip journal\n  BTT_LEDGER             same as --ledger\n  BTT_DEV_LEDGER         when 1, same as --dev\n  BTT_PASSWORD_FILE      same as --password-file\n",
        super::exit_status_help()
    )
}

/// Entry point of the `btt-tip` binary.
pub fn main() -> std::process::ExitCode {
    let cli = match super::parse_args::<TipCli>("btt-tip") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let output = cli.global.output("btt-tip");
    let result = run(cli, &output);
    super::finish(&output, result)
}

/// Runs one `btt-tip` command.
fn run(cli: TipCli, output: &Output) -> anyhow::Result<ExitStatus> {
    let keys = Keys::from_env(cli.password);
    match cli.command {
        Some(TipCommand::Watch(args)) => watch::run(&keys, &cli.ledger, &args, output),
        Some(TipCommand::Fund(args)) => fund::run(&keys, &cli.ledger, &cli.amounts, args, output),
        Some(TipCommand::Buy(args)) => buy::run(&keys, &cli.ledger, *args, output),
        Some(TipCommand::Purchases(args)) => purchases::run(&keys, &cli.ledger, args, output),
        None => pay::run(&keys, &cli.ledger, &cli.amounts, cli.tip, output),
    }
}

/// Parses a BTT amount given to `flag`, or a bad-input error naming it.
fn parse_btt(
    amounts: &AmountArgs,
    flag: &str,
    text: &str,
    token: crate::amount::Token,
) -> anyhow::Result<u128> {
    let amount = amounts.parse(flag, text, token)?;
    if amount.token != token {
        return Err(with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("{flag}: {text:?} is not in BTT"),
        ));
    }
    Ok(amount.base_units)
}

/// The exit status a tip error maps to.
pub fn tip_status(error: &TipError) -> ExitStatus {
    match error {
        TipError::Refused { error }
        | TipError::Uncertain { error, .. }
        | TipError::Ledger(error) => ledger_status(error),
        TipError::Request(_)
        | TipError::OverMaxTip { .. }
        | TipError::OverBudget { .. }
        | TipError::IdReused { .. }
        | TipError::Build { .. } => ExitStatus::BadInput,
        TipError::Vanished { .. } | TipError::TipLog(_) => ExitStatus::Failure,
    }
}

/// A tip error carrying its exit status.
pub fn tip_error(error: TipError) -> anyhow::Error {
    with_status(tip_status(&error), error)
}
