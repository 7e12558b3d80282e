//! `btt-tip watch ADDRESS`: prints each transfer the address receives as an
//! `incoming` record, once and in order, from `--since` on, and keeps
//! following the ledger until SIGINT or SIGTERM (exit 0), or until the
//! movements so far are printed with `--no-follow`.

use super::records::IncomingRecord;
use super::when::{now_ms, parse_when, Direction};
use crate::cli::exit::ExitStatus;
use crate::cli::interrupt;
use crate::cli::keys::Keys;
use crate::cli::ledger_choice::{ledger_error, run_on_ledger, LedgerArgs, LedgerTask};
use crate::cli::values::parse_duration;
use crate::ledger::Ledger;
use crate::output::Output;
use crate::tip::Follower;
use crate::tron::Address;
use clap::Args;
use std::time::Duration;

/// `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Address (or wallet name) whose incoming transfers to print
    pub address: String,
    /// Start from this long ago (1h, 30m) or this time (2026-05-01T12:00:00Z); default: now
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// How often to ask the ledger for new transfers
    #[arg(long, value_parser = parse_duration, default_value = "1s", value_name = "DURATION")]
    pub interval: Duration,
    /// Print the transfers so far and exit instead of following
    #[arg(long)]
    pub no_follow: bool,
}

/// Runs `watch`.
pub fn run(
    keys: &Keys,
    ledger: &LedgerArgs,
    args: &WatchArgs,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let address = keys.account(&args.address)?;
    let since_ms = match &args.since {
        Some(text) => parse_when(text, Direction::Past)?,
        None => now_ms(),
    };
    run_on_ledger(
        ledger,
        WatchTask {
            address,
            since_ms,
            args,
            output,
        },
    )
}

struct WatchTask<'a> {
    address: Address,
    since_ms: i64,
    args: &'a WatchArgs,
    output: &'a Output,
}

impl LedgerTask for WatchTask<'_> {
    async fn run<L: Ledger>(self, ledger: &L) -> anyhow::Result<ExitStatus> {
        let mut follower = Follower::new(ledger, self.address, self.since_ms);
        let stop = interrupt::interrupted();
        tokio::pin!(stop);
        loop {
            let batch = tokio::select! {
                batch = follower.poll() => batch.map_err(ledger_error)?,
                () = &mut stop => return Ok(ExitStatus::Success),
            };
            for record in &batch.incoming {
                self.output.record(&IncomingRecord::from(record))?;
            }
            if batch.more {
                continue;
            }
            if self.args.no_follow {
                return Ok(ExitStatus::Success);
            }
            tokio::select! {
                () = tokio::time::sleep(self.args.interval) => {}
                () = &mut stop => return Ok(ExitStatus::Success),
            }
        }
    }
}
