//! The download of a listing's encrypted file for `btt-tip buy`: one
//! torrent through the library's [`Client`], fetched as `btt-get` would (a
//! magnet's metadata from peers, or the `--torrent` file), with no market
//! and no seeding after it. Its records are the caller's to nest.

use super::buy::BuyListingArgs;
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::interrupt;
use crate::cli::magnet_metadata::{self, MetadataPhase};
use crate::cli::stop_policy::SeedPolicy;
use crate::cli::torrent_run::{self, RunControl, StatePaths};
use crate::config::{worker_threads, Dirs};
use crate::magnet::Magnet;
use crate::metainfo::Torrent;
use crate::output::Output;
use crate::swarm::client::{AddedTorrent, TorrentOptions};
use crate::swarm::prepare::{prepare_in_background, PrepareOptions};
use crate::swarm::{Client, PeerBatch};
use anyhow::Context;
use std::sync::Arc;
use std::time::Instant;

/// What a finished download fetched.
pub struct Fetched {
    /// How the run ended.
    pub status: ExitStatus,
    /// The torrent it ran (a magnet's, once its metadata arrived).
    pub torrent: Arc<Torrent>,
}

/// Downloads `source` (the listing's magnet, or `--torrent`) into `-o`;
/// with `recheck`, what is on disk is hashed again first.
pub async fn download(
    args: &BuyListingArgs,
    source: &str,
    recheck: bool,
    output: &Output,
) -> anyhow::Result<Fetched> {
    interrupt::listen_for_interruptions();
    let dirs = Dirs::from_env();
    let mut client = Client::start(args.network.client_options(None, None)).await?;
    torrent_run::print_listening(&client, output)?;
    let (torrent, found_peers) = find_torrent(args, source, &mut client, &dirs, output).await?;
    let torrent = Arc::new(torrent);
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("could not create {}", args.output.display()))?;
    let state = StatePaths::new(&dirs, &torrent, &args.output)?;
    let _lock = state.lock(&torrent)?;
    let options = PrepareOptions {
        root: args.output.clone(),
        resume_path: state.resume.clone(),
        selection: None,
        force_recheck: recheck,
        threads: worker_threads(),
    };
    let prepared = prepare_in_background(Arc::clone(&torrent), options)
        .await
        .context("could not open the download")?;
    let options = TorrentOptions {
        found_peers,
        upload_limit: args.up_limit,
        download_limit: args.down_limit,
        ..args.network.torrent_options(state.resume)
    };
    let added = client.add_torrent(Arc::clone(&torrent), prepared, options);
    client.accept_peers();
    output.record(&torrent_run::started_record(
        &torrent,
        &added.session,
        &args.output,
    ))?;
    let status = run(args, &torrent, client, added, output).await?;
    Ok(Fetched { status, torrent })
}

/// The torrent `source` names, with the peers found while fetching a
/// magnet's metadata; starts the DHT when the torrent may use it.
async fn find_torrent(
    args: &BuyListingArgs,
    source: &str,
    client: &mut Client,
    dirs: &Dirs,
    output: &Output,
) -> anyhow::Result<(Torrent, Vec<PeerBatch>)> {
    let Some(magnet) = magnet_metadata::parse_if_magnet(source)? else {
        let torrent = torrent_run::load_torrent(source)?;
        if args.network.dht.enabled_for(&torrent, output) {
            torrent_run::start_dht(client, &args.network.dht, dirs, output).await?;
        }
        return Ok((torrent, Vec::new()));
    };
    if args.network.dht.enabled() {
        torrent_run::start_dht(client, &args.network.dht, dirs, output).await?;
    }
    fetch_metadata(args, &magnet, client, dirs, output).await
}

/// A magnet link's torrent, and the peers found while fetching it.
async fn fetch_metadata(
    args: &BuyListingArgs,
    magnet: &Magnet,
    client: &mut Client,
    dirs: &Dirs,
    output: &Output,
) -> anyhow::Result<(Torrent, Vec<PeerBatch>)> {
    // A seeder that learns of us from a tracker dials us: take it.
    client.accept_peers();
    let phase = MetadataPhase {
        client,
        manual_peers: args.network.peers.clone(),
        use_trackers: !args.network.no_tracker,
        timeout: args.metadata_timeout,
    };
    magnet_metadata::resolve(magnet, dirs, &phase, output).await
}

/// Runs the added torrent until it completes or stalls, stops the client
/// and prints the summary.
async fn run(
    args: &BuyListingArgs,
    torrent: &Torrent,
    client: Client,
    AddedTorrent { session, events }: AddedTorrent,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let control = RunControl {
        output,
        seed: SeedPolicy::Stop,
        deadline: None,
        stall_timeout: Some(args.stall_timeout).filter(|timeout| !timeout.is_zero()),
        on_complete: None,
        market: None,
        label: None,
    };
    let outcome = torrent_run::drive(torrent, &args.output, &session, events, &control).await;
    torrent_run::check_stopped(client.stop().await, output)?;
    let ran = outcome?;
    let summary =
        torrent_run::summary_record(torrent, &session, started.elapsed().as_secs_f64(), ran);
    let complete = summary.complete;
    output.record(&summary)?;
    let status = torrent_run::exit_status(ran.reason, complete);
    if status == ExitStatus::Unreachable {
        let error = anyhow::anyhow!("no data arrived for the stall timeout");
        return Err(with_status(status, error));
    }
    Ok(status)
}
