//! `btt-tip purchases --from WALLET`: what a wallet bought, from the ledger
//! (not from a log), oldest deadline first, each with the name and the path
//! of its plain files where this machine's purchase journal knows them.

use super::purchase_records::PurchaseRecord;
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::keys::Keys;
use crate::cli::ledger_choice::{ledger_error, LedgerArgs};
use crate::config::Dirs;
use crate::ledger::PurchaseRole;
use crate::output::Output;
use crate::purchase::order_log::OrderLog;
use clap::Args;
use std::path::PathBuf;

/// `btt-tip purchases`.
#[derive(Debug, Args)]
pub struct PurchasesArgs {
    /// Wallet whose purchases to list
    #[arg(long, value_name = "WALLET")]
    pub from: String,
    /// The purchase journal (default: DATA/purchases.sqlite)
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

/// Runs `btt-tip purchases`.
pub fn run(
    keys: &Keys,
    ledger: &LedgerArgs,
    args: PurchasesArgs,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let buyer = keys.account(&args.from)?;
    let journal_path = args
        .journal
        .unwrap_or_else(|| OrderLog::default_path(&Dirs::from_env().data));
    let journal = OrderLog::open(&journal_path)
        .map_err(|error| with_status(ExitStatus::Failure, anyhow::Error::new(error)))?;
    let ledger = ledger.payment_ledger()?;
    let runtime = crate::cli::runtime()?;
    let (ledger_id, bought) = runtime
        .block_on(async {
            let ledger_id = ledger.ledger_id().await?;
            let bought = ledger.purchases(buyer, PurchaseRole::Buyer).await?;
            Ok::<_, crate::ledger::LedgerError>((ledger_id, bought))
        })
        .map_err(ledger_error)?;
    let entries = journal
        .entries(&ledger_id, &buyer)
        .map_err(|error| with_status(ExitStatus::Failure, anyhow::Error::new(error)))?;
    for state in &bought {
        let entry = entries.iter().find(|entry| entry.purchase == state.id);
        output.record(&PurchaseRecord::of(state, entry))?;
    }
    Ok(ExitStatus::Success)
}
