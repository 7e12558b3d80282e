//! The records of a torrent run's start and end: `listening`, `dht_listening`,
//! `started` and `summary` (with the run's own ratio), and the warnings of a
//! client's stop.

use super::peer_args::DhtArgs;
use super::run_loop::Ran;
use crate::config::Dirs;
use crate::metainfo::Torrent;
use crate::output::{Output, Record};
use crate::swarm::client::Stopped;
use crate::swarm::events::{Started, Summary};
use crate::swarm::{Client, Session};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The first record of a process that accepts peers: where it listens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Listening {
    /// The bound TCP address (the uTP one under `--utp only`).
    pub addr: String,
    /// The bound uTP (UDP) address, unless `--utp off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utp: Option<String>,
}

impl Record for Listening {
    const TYPE: &'static str = "listening";
    fn human(&self) -> Option<String> {
        None
    }
}

/// The record after `listening` when the DHT is on: where its node listens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DhtListening {
    /// The bound UDP address.
    pub addr: String,
}

impl Record for DhtListening {
    const TYPE: &'static str = "dht_listening";
    fn human(&self) -> Option<String> {
        None
    }
}

/// Prints the `listening` record of a started client.
pub fn print_listening(client: &Client, output: &Output) -> std::io::Result<()> {
    output.record(&Listening {
        addr: client.listen_addr().to_string(),
        utp: client.transport().utp_addr().map(|addr| addr.to_string()),
    })
}

/// Starts the client's DHT node, prints its `dht_listening` record and any
/// warnings.
pub async fn start_dht(
    client: &mut Client,
    args: &DhtArgs,
    dirs: &Dirs,
    output: &Output,
) -> anyhow::Result<()> {
    let node = client.start_dht(&args.settings(dirs)).await?;
    for warning in node.warnings() {
        output.warn(warning);
    }
    output.record(&DhtListening {
        addr: node.local_addr().to_string(),
    })?;
    Ok(())
}

/// Prints what stopping the client could not save: a DHT routing table
/// failure as a warning; a resume save failure is the error returned.
pub fn check_stopped(stopped: Stopped, output: &Output) -> anyhow::Result<()> {
    if let Some(error) = stopped.dht {
        output.warn(error);
    }
    stopped
        .resume_saves
        .into_iter()
        .collect::<Result<(), _>>()
        .context("could not save resume state")
}

/// The `started` record of a prepared torrent.
pub fn started_record(torrent: &Torrent, session: &Session, root: &Path) -> Started {
    let stats = session.stats();
    Started {
        name: torrent.info.name.clone(),
        info_hash: torrent.info_hash.to_string(),
        total_length: torrent.info.total_length,
        left: stats.left,
        pieces: torrent.info.pieces.len(),
        have_pieces: session.have_pieces(),
        path: root.join(&torrent.info.name).display().to_string(),
    }
}

/// The `summary` record of a finished run of `seconds`.
pub fn summary_record(torrent: &Torrent, session: &Session, seconds: f64, ran: Ran) -> Summary {
    let stats = session.stats();
    let downloading = ran.downloading.as_secs_f64();
    Summary {
        name: torrent.info.name.clone(),
        info_hash: torrent.info_hash.to_string(),
        complete: stats.complete,
        downloaded: stats.downloaded,
        uploaded: stats.uploaded,
        seconds,
        download_rate: match stats.downloaded {
            0 => 0,
            downloaded => (downloaded as f64 / downloading.max(0.001)) as u64,
        },
        ratio: run_ratio(stats.uploaded, stats.downloaded, torrent.info.total_length),
        lifetime_ratio: session.ratio(),
        stopped_by: ran.reason.name().to_string(),
    }
}

/// The ratio of one run: what it uploaded over what it downloaded, or
/// over the torrent's size when it downloaded less (a seeding run: how
/// many copies it served).
fn run_ratio(uploaded: u64, downloaded: u64, total_length: u64) -> f64 {
    uploaded as f64 / downloaded.max(total_length).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_ratio_counts_only_that_run() {
        assert_eq!(run_ratio(0, 0, 1000), 0.0);
        assert_eq!(run_ratio(500, 0, 1000), 0.5);
        assert_eq!(run_ratio(3000, 1000, 1000), 3.0);
        assert_eq!(run_ratio(10, 0, 0), 10.0);
    }
}
