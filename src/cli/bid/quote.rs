//! `btt-bid quote`: join a torrent's swarm as `btt-get` does (trackers, the
//! DHT, `--peer`, magnet links), hear the market handshake of every peer
//! for `--timeout`, download nothing, and print each seller's ask and a
//! summary. No seller: one line and exit 4.

use crate::bitfield::Bitfield;
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::interrupt;
use crate::cli::magnet_metadata::{self, MetadataPhase};
use crate::cli::torrent_run::{self, PeerArgs};
use crate::cli::values::parse_duration;
use crate::config::Dirs;
use crate::market::quote::{Quote, QuoteSummary, Quoter};
use crate::metainfo::Torrent;
use crate::output::{Output, Record};
use crate::storage::{Access, Storage};
use crate::swarm::prepare::{layout_of, Prepared};
use crate::swarm::{Client, Extension, PeerBatch};
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// `btt-bid quote`.
#[derive(Debug, Args)]
pub struct QuoteArgs {
    /// The .torrent file or magnet link, or - to read a .torrent from standard input
    pub torrent: String,
    /// How long to listen to the swarm's peers (and to fetch a magnet link's metadata)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    pub timeout: Duration,
    #[command(flatten)]
    pub network: PeerArgs,
}

impl Record for Quote {
    const TYPE: &'static str = "quote";

    fn human(&self) -> Option<String> {
        Some(format!("{} asks {} ({})", self.peer, self.ask, self.wallet))
    }
}

impl Record for QuoteSummary {
    const TYPE: &'static str = "summary";

    fn human(&self) -> Option<String> {
        Some(format!(
            "{} selling: lowest ask {}, median ask {}",
            self.sellers, self.lowest_ask, self.median_ask
        ))
    }
}

/// Runs `btt-bid quote`.
pub async fn quote(args: QuoteArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    interrupt::listen_for_interruptions();
    let (total_length, quotes) = listen(&args, output).await?;
    let Some(summary) = QuoteSummary::of(&args.torrent, total_length, &quotes) else {
        return Err(with_status(
            ExitStatus::Unreachable,
            anyhow::anyhow!(
                "no peer of {} sells upload slots (listened {})",
                args.torrent,
                humantime::format_duration(args.timeout)
            ),
        ));
    };
    for quote in &quotes {
        output.record(quote)?;
    }
    output.record(&summary)?;
    Ok(ExitStatus::Success)
}

/// The torrent's size and the asks heard from its swarm within the timeout.
pub async fn listen(args: &QuoteArgs, output: &Output) -> anyhow::Result<(u64, Vec<Quote>)> {
    let dirs = Dirs::from_env();
    let mut client = Client::start(args.network.client_options(None, None)).await?;
    let (torrent, found_peers) = find_torrent(args, &mut client, &dirs, output).await?;
    let scratch = Scratch::create(&dirs)?;
    let prepared = nothing_wanted(&torrent, &scratch.0)?;
    let total_length = torrent.info.total_length;
    let quoter = Quoter::default();
    let mut options = args.network.torrent_options(scratch.0.join("resume.json"));
    options.found_peers = found_peers;
    options.extensions.push(Extension::new(quoter.clone()));
    let added = client.add_torrent(Arc::new(torrent), prepared, options);
    client.accept_peers();
    tokio::select! {
        () = tokio::time::sleep(args.timeout) => {}
        () = interrupt::interrupted() => {}
    }
    // What the session would save lives in the scratch directory, removed next.
    let _ = client.stop().await;
    drop(added);
    Ok((total_length, quoter.quotes()))
}

/// The torrent (a magnet link's fetched from peers) and the peers found on the way.
async fn find_torrent(
    args: &QuoteArgs,
    client: &mut Client,
    dirs: &Dirs,
    output: &Output,
) -> anyhow::Result<(Torrent, Vec<PeerBatch>)> {
    let Some(magnet) = magnet_metadata::parse_if_magnet(&args.torrent)? else {
        let torrent = torrent_run::load_torrent(&args.torrent)?;
        if args.network.dht.enabled_for(&torrent, output) {
            torrent_run::start_dht(client, &args.network.dht, dirs, output).await?;
        }
        return Ok((torrent, Vec::new()));
    };
    if args.network.dht.enabled() {
        torrent_run::start_dht(client, &args.network.dht, dirs, output).await?;
    }
    let phase = MetadataPhase {
        client,
        manual_peers: args.network.peers.clone(),
        use_trackers: !args.network.no_tracker,
        timeout: args.timeout,
    };
    magnet_metadata::resolve(&magnet, dirs, &phase, output).await
}

/// A session's data that wants no piece and has none: it hears peers and
/// downloads nothing. Its (sparse) files live in the scratch directory.
fn nothing_wanted(torrent: &Torrent, root: &Path) -> anyhow::Result<Prepared> {
    let layout = layout_of(torrent)?;
    let storage = Storage::open(root, layout, Access::ReadWrite)
        .with_context(|| format!("could not open {}", root.display()))?;
    let pieces = torrent.info.pieces.len();
    Ok(Prepared {
        storage,
        have: Bitfield::new(pieces),
        wanted: Bitfield::new(pieces),
        resume: None,
        rechecked: false,
    })
}

/// A private directory for one quote, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn create(dirs: &Dirs) -> anyhow::Result<Scratch> {
        let path = dirs.runtime.join(format!("quote-{}", std::process::id()));
        Dirs::create_private(&path)
            .with_context(|| format!("could not create {}", path.display()))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Nothing in it is worth keeping or reporting.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
