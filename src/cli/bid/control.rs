//! `btt-bid status`, `set` and `stop`: the running downloads that buy, and
//! changes to one of them, over the control sockets in the runtime directory
//! (a process that does not buy answers `status` with an error: skipped).

use super::{SetArgs, Target};
use crate::cli::exit::{with_status, ExitStatus};
use crate::config::Dirs;
use crate::control::client::{self, ControlClientError, Running};
use crate::control::protocol::{DownloadStatus, Request, Response};
use crate::output::swarm::bytes;
use crate::output::{Format, Output, Record};
use serde::Serialize;

impl Record for DownloadStatus {
    const TYPE: &'static str = "download";

    fn human(&self) -> Option<String> {
        let bid = self.bid.as_deref().unwrap_or("none (free)");
        Some(format!(
            "{} (pid {}): bid {bid}, budget {}, spent {}",
            self.name, self.pid, self.budget, self.spent
        ))
    }
}

/// Every running download, as one table for a person.
#[derive(Debug, Serialize)]
struct StatusTable<'a> {
    downloads: &'a [DownloadStatus],
}

impl Record for StatusTable<'_> {
    const TYPE: &'static str = "downloads";

    fn human(&self) -> Option<String> {
        if self.downloads.is_empty() {
            return Some("no running download buys on this machine".to_string());
        }
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.set_header([
            "info-hash",
            "name",
            "pid",
            "done",
            "speed",
            "bid",
            "price",
            "spent",
            "budget",
            "eta",
        ]);
        for download in self.downloads {
            table.add_row(row(download));
        }
        Some(table.to_string())
    }
}

fn row(download: &DownloadStatus) -> Vec<String> {
    let dash = || "-".to_string();
    vec![
        download.info_hash[..12.min(download.info_hash.len())].to_string(),
        download.name.clone(),
        download.pid.to_string(),
        format!("{:.0}%", download.progress * 100.0),
        format!("{}/s", bytes(download.download_rate)),
        download.bid.clone().unwrap_or_else(|| "free".to_string()),
        download.price.clone().unwrap_or_else(dash),
        download.spent.clone(),
        download.budget.clone(),
        download.eta_seconds.map_or_else(dash, |seconds| {
            humantime::format_duration(std::time::Duration::from_secs(seconds)).to_string()
        }),
    ]
}

/// `btt-bid status`.
pub async fn status(output: &Output) -> anyhow::Result<ExitStatus> {
    let listing = listing(output).await?;
    let downloads: Vec<DownloadStatus> =
        listing.into_iter().map(|running| running.status).collect();
    match output.format() {
        Format::Human => output.record(&StatusTable {
            downloads: &downloads,
        })?,
        Format::Json => {
            for download in &downloads {
                output.record(download)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// `btt-bid set`: the budget first (so a refused one changes nothing), then the bid.
pub async fn set(args: SetArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let running = find(&args.target, output).await?;
    let mut requests = Vec::new();
    if let Some(budget) = args.budget {
        requests.push(Request::SetBudget {
            budget_base_units: budget,
        });
    }
    if let Some(price) = args.price {
        requests.push(Request::SetBid {
            price_base_units: price.0,
        });
    }
    let mut last = None;
    for request in requests {
        last = Some(send(&running, &request).await?);
    }
    if let Some(status) = last {
        output.record(&status)?;
    }
    Ok(ExitStatus::Success)
}

/// `btt-bid stop`.
pub async fn stop(target: Target, output: &Output) -> anyhow::Result<ExitStatus> {
    let running = find(&target, output).await?;
    let status = send(&running, &Request::Stop {}).await?;
    output.record(&status)?;
    Ok(ExitStatus::Success)
}

/// The downloads that answered; a socket that did not answer is a warning.
async fn listing(output: &Output) -> anyhow::Result<Vec<Running>> {
    let listing = client::list(&Dirs::from_env().runtime).await?;
    for error in &listing.unanswered {
        output.warn(format!("skipped a download that did not answer: {error}"));
    }
    Ok(listing.running)
}

async fn find(target: &Target, output: &Output) -> anyhow::Result<Running> {
    let running = listing(output).await?;
    client::select(running, &target.info_hash, target.pid).map_err(|error| {
        let status = match error {
            ControlClientError::NotInfoHash { .. } => ExitStatus::BadInput,
            _ => ExitStatus::Failure,
        };
        with_status(status, error)
    })
}

async fn send(running: &Running, request: &Request) -> anyhow::Result<DownloadStatus> {
    match client::ask(&running.path, request).await? {
        Response::Status(status) => Ok(*status),
        Response::Error(refused) => Err(anyhow::anyhow!(
            "{} (pid {}) refused: {refused}",
            running.status.name,
            running.status.pid
        )),
        Response::Torrents(_) | Response::Process(_) => Err(anyhow::anyhow!(
            "{} (pid {}) answered with torrents, not its download",
            running.status.name,
            running.status.pid
        )),
    }
}
