//! The loop that runs one session until a stop condition (complete, a seed
//! ratio or time, `--for`, a stall, an interrupt, a wallet that did not
//! unlock), with the progress bar's words, and the exit status of how it ended.

use super::completion_hook::on_completed;
use super::event_printing::print_event;
use crate::cli::exit::ExitStatus;
use crate::cli::interrupt;
use crate::cli::stop_policy::{SeedPolicy, StopReason};
use crate::metainfo::Torrent;
use crate::output::{BarMode, Output};
use crate::swarm::events::SwarmEvent;
use crate::swarm::{Session, SessionStats};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What a torrent's run loop is told.
pub struct RunControl<'a> {
    /// Where records go.
    pub output: &'a Output,
    /// When to stop seeding.
    pub seed: SeedPolicy,
    /// The deadline for the whole run (`--for`).
    pub deadline: Option<Instant>,
    /// Give up when nothing arrives for this long while downloading.
    pub stall_timeout: Option<Duration>,
    /// A shell command to run on completion.
    pub on_complete: Option<&'a str>,
    /// The torrent's market, whose price and spend the progress bar shows.
    pub market: Option<&'a crate::cli::market_run::Market>,
    /// The name its row shows, when not the torrent's own (two torrents
    /// of one process named alike).
    pub label: Option<&'a str>,
}

/// How a torrent's run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ran {
    /// Why it stopped.
    pub reason: StopReason,
    /// How long it downloaded: from its start to its completion, or to its
    /// stop when it did not complete; zero when it started complete.
    pub downloading: Duration,
}

/// A download that has had no data for this long shows as stalled.
const STALLED_AFTER: Duration = Duration::from_secs(5);

/// Runs `session` until a stop condition, printing its events; returns how it ended.
pub async fn drive(
    torrent: &Torrent,
    root: &Path,
    session: &Session,
    mut events: mpsc::UnboundedReceiver<SwarmEvent>,
    control: &RunControl<'_>,
) -> anyhow::Result<Ran> {
    let started = Instant::now();
    let label = control.label.unwrap_or(&torrent.info.name);
    let bar = control.output.progress(torrent.info.total_length, label);
    // A seeder that starts complete is not "completing"; a download that
    // finds its data already complete reports completion once and stops.
    let mut completed_at = (session.stats().complete && control.seed.seeds()).then(Instant::now);
    let started_complete = completed_at.is_some();
    let mut last_received = (Instant::now(), session.stats().downloaded);
    let mut upload_rate = 0;
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    let reason = loop {
        tokio::select! {
            Some(event) = events.recv() => {
                if let SwarmEvent::Progress(progress) = &event {
                    upload_rate = progress.upload_rate;
                }
                print_event(control.output, &bar, torrent, event)?;
            }
            () = session.wait_complete(), if completed_at.is_none() => {
                completed_at = Some(Instant::now());
                on_completed(control, torrent, root, session, started).await?;
                if !control.seed.seeds() {
                    break StopReason::Complete;
                }
            }
            message = session.wait_failure() => return Err(anyhow::anyhow!(message)),
            error = unlock_failure(control.market) => return Err(error),
            () = interrupt::interrupted() => break StopReason::Interrupted,
            _ = ticker.tick() => {
                if let Some(status) = control.market.and_then(|market| market.status()) {
                    bar.set_message(format!("{label} ({status})"));
                }
                let stats = session.stats();
                if stats.downloaded != last_received.1 {
                    last_received = (Instant::now(), stats.downloaded);
                }
                let quiet = completed_at.is_none().then(|| last_received.0.elapsed());
                match quiet {
                    Some(quiet) => {
                        let mode = if is_stalled(Some(quiet)) { BarMode::Stalled } else { BarMode::Downloading };
                        bar.set_status(&swarm_status(stats.peers, Some(quiet)), mode);
                    }
                    None => bar.set_status(&seeding_status(&stats, upload_rate), BarMode::Seeding),
                }
                if let Some(reason) = check_limits(control, session, completed_at, quiet) {
                    break reason;
                }
            }
        }
    };
    bar.finish();
    let downloading = match (started_complete, completed_at) {
        (true, _) => Duration::ZERO,
        (false, Some(completed)) => completed.duration_since(started),
        (false, None) => started.elapsed(),
    };
    Ok(Ran {
        reason,
        downloading,
    })
}

/// Why the market's paying wallet did not unlock; pending while it may.
async fn unlock_failure(market: Option<&crate::cli::market_run::Market>) -> anyhow::Error {
    match market {
        Some(market) => market.unlock_failure().await,
        None => std::future::pending().await,
    }
}

/// Whether a download that has had no data for `quiet` (`None`: complete)
/// shows as stalled.
fn is_stalled(quiet: Option<Duration>) -> bool {
    quiet.is_some_and(|quiet| quiet >= STALLED_AFTER)
}

/// The words after the bar: the peers, and for a stalled download how long
/// it has had no data and what it waits for.
pub fn swarm_status(peers: usize, quiet: Option<Duration>) -> String {
    let connected = match peers {
        1 => "1 peer".to_owned(),
        count => format!("{count} peers"),
    };
    match quiet.filter(|_| is_stalled(quiet)) {
        Some(quiet) => {
            let waiting = match peers {
                0 => "waiting for peers",
                _ => "waiting for data",
            };
            format!("stalled {}s, {connected}, {waiting}", quiet.as_secs())
        }
        None => connected,
    }
}

/// The row of a complete torrent: its peers, upload rate and what it
/// uploaded this run.
pub fn seeding_status(stats: &SessionStats, upload_rate: u64) -> String {
    let peers = match stats.peers {
        1 => "1 peer".to_owned(),
        count => format!("{count} peers"),
    };
    format!(
        "seeding to {peers}, up {}/s, {} up",
        crate::output::swarm::bytes(upload_rate),
        crate::output::swarm::bytes(stats.uploaded)
    )
}

/// Why the run should stop now, if it should; `quiet` is how long a
/// download has had no data (`None` once complete).
fn check_limits(
    control: &RunControl<'_>,
    session: &Session,
    completed_at: Option<Instant>,
    quiet: Option<Duration>,
) -> Option<StopReason> {
    if control
        .deadline
        .is_some_and(|deadline| Instant::now() >= deadline)
    {
        return Some(StopReason::TimeLimit);
    }
    if let Some(since) = completed_at {
        return control.seed.reached(session.ratio(), since.elapsed());
    }
    control
        .stall_timeout
        .zip(quiet)
        .filter(|(timeout, quiet)| quiet >= timeout)
        .map(|_| StopReason::Stalled)
}

/// The exit status of a run that ended for `reason`.
pub fn exit_status(reason: StopReason, complete: bool) -> ExitStatus {
    match reason {
        StopReason::Stalled => ExitStatus::Unreachable,
        _ if complete => ExitStatus::Success,
        StopReason::Interrupted => ExitStatus::Interrupted,
        _ => ExitStatus::Failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_says_peers_and_what_a_stalled_download_waits_for() {
        let second = Duration::from_secs(1);
        assert_eq!(swarm_status(3, None), "3 peers");
        assert_eq!(swarm_status(1, Some(second)), "1 peer");
        assert_eq!(
            swarm_status(0, Some(40 * second)),
            "stalled 40s, 0 peers, waiting for peers"
        );
        assert_eq!(
            swarm_status(2, Some(STALLED_AFTER)),
            "stalled 5s, 2 peers, waiting for data"
        );
    }
}
