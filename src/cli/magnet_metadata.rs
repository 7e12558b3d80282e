//! `btt-get MAGNET`: turning a magnet link into a torrent. The info
//! dictionary comes from the metadata cache in the data directory when an
//! earlier run fetched it, else from peers ([`fetch_metadata`]) found
//! through the magnet's trackers, its `x.pe` hints and `--peer`, and from
//! peers that connect to us (the client accepts peers from the start of
//! the phase). A hybrid's magnet is looked up under both its hashes. Its
//! `peers_found` records show where peers came from while it runs.
//!
//! The cache holds info dictionaries verbatim, one file per info-hash, and
//! is checked against the info-hash on every read: a damaged entry is
//! fetched again, never used.

use super::exit::{with_status, ExitStatus};
use super::interrupt;
use super::torrent_run;
use crate::config::Dirs;
use crate::dht::LookupRequest;
use crate::magnet::Magnet;
use crate::metainfo::{InfoHash, InfoHashes, PieceHashes, Torrent, TorrentSummary};
use crate::output::{Output, Record};
use crate::swarm::metadata_fetch::{fetch_metadata, FetchOptions};
use crate::swarm::piece_layer_fetch::{fetch_piece_layers, LayerFetch};
use crate::swarm::tracker_source::TrackerSource;
use crate::swarm::Client;
use crate::swarm::{PeerBatch, PeerSource};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The most peers the metadata phase connects to at once.
const MAX_METADATA_CONNECTIONS: usize = 8;
/// How long resolving one `x.pe` host name may take.
const HINT_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// The record printed when a magnet's metadata is known.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MetadataReady {
    /// Hex info-hash.
    pub info_hash: String,
    /// The torrent's name, from the info dictionary.
    pub name: String,
    /// Bytes of the info dictionary.
    pub size: usize,
    /// Where it came from: `peers` or `cache`.
    pub source: String,
}

impl Record for MetadataReady {
    const TYPE: &'static str = "metadata";
    fn human(&self) -> Option<String> {
        None
    }
}

/// The record `btt-get --metadata-only` prints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TorrentSaved {
    /// Where the .torrent was written.
    pub path: String,
    /// The torrent.
    pub torrent: TorrentSummary,
}

impl Record for TorrentSaved {
    const TYPE: &'static str = "torrent_saved";
    fn human(&self) -> Option<String> {
        Some(format!(
            "{}  {}  {}",
            self.path, self.torrent.info_hash, self.torrent.name
        ))
    }
}

/// How the metadata phase finds peers and how long it may take.
#[derive(Clone)]
pub struct MetadataPhase<'a> {
    /// The process's client: our peer id, listen port and DHT node (when on).
    pub client: &'a Client,
    /// `--peer` addresses.
    pub manual_peers: Vec<SocketAddr>,
    /// Whether to announce to the magnet's trackers.
    pub use_trackers: bool,
    /// `--metadata-timeout`.
    pub timeout: Duration,
}

/// The magnet link in `input`, if it is one (`magnet:` in any case); a
/// malformed link is bad input.
pub fn parse_if_magnet(input: &str) -> anyhow::Result<Option<Magnet>> {
    let is_magnet = input
        .get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("magnet:"));
    if !is_magnet {
        return Ok(None);
    }
    input
        .parse::<Magnet>()
        .map(Some)
        .map_err(|error| with_status(ExitStatus::BadInput, error))
}

/// The tracker tiers of a magnet link: each `tr` its own tier, in order.
pub fn magnet_trackers(magnet: &Magnet) -> Vec<Vec<String>> {
    magnet
        .trackers
        .iter()
        .map(|url| vec![url.clone()])
        .collect()
}

/// The torrent of `magnet`, from the cache or from peers, and the peers
/// known so far: those found while fetching, or the magnet's hints when the
/// cache had the metadata. `--peer` addresses are left out: the session
/// has them already.
pub async fn resolve(
    magnet: &Magnet,
    dirs: &Dirs,
    phase: &MetadataPhase<'_>,
    output: &Output,
) -> anyhow::Result<(Torrent, Vec<PeerBatch>)> {
    let trackers = magnet_trackers(magnet);
    let hints = PeerBatch::new(
        PeerSource::MagnetHint,
        hint_addrs(&magnet.peers, output).await,
    );
    let cache = cache_path(dirs, magnet.info_hashes.swarm());
    let (info_bytes, source, mut peers) = match read_cache(&cache, magnet.info_hashes) {
        Some(info_bytes) => (info_bytes, "cache", vec![hints]),
        None => {
            let (info_bytes, peers) = fetch(magnet, &trackers, hints, phase, output).await?;
            if let Err(error) = write_cache(&cache, &info_bytes) {
                output.warn(format!("could not cache the metadata: {error:#}"));
            }
            (info_bytes, "peers", peers)
        }
    };
    let mut torrent = Torrent::from_info_bytes(&info_bytes, trackers).map_err(|error| {
        with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!(
                "the metadata of {} is not a valid torrent: {error}",
                magnet.info_hashes.swarm()
            ),
        )
    })?;
    if !has_every_piece_layer(&torrent) {
        fetch_layers(&mut torrent, &peers, phase, output).await?;
    }
    peers.retain(|batch| batch.source != PeerSource::Manual && !batch.addrs.is_empty());
    output.info(format!(
        "metadata of {} ({} bytes) from {source}",
        torrent.info.name,
        info_bytes.len()
    ));
    output.record(&MetadataReady {
        info_hash: torrent.info_hash.to_string(),
        name: torrent.info.name.clone(),
        size: info_bytes.len(),
        source: source.to_owned(),
    })?;
    Ok((torrent, peers))
}

/// Whether every piece of `torrent` can be checked: always for v1 and
/// hybrids, for a v2-only torrent once its piece layers are known.
fn has_every_piece_layer(torrent: &Torrent) -> bool {
    match &torrent.info.pieces {
        PieceHashes::Merkle(merkle) => merkle.is_complete(),
        PieceHashes::Sha1(_) => true,
    }
}

/// Asks the peers found (and `--peer`) for the piece layers of a v2-only
/// torrent (BEP 52 hash requests), which its metadata lacks.
async fn fetch_layers(
    torrent: &mut Torrent,
    peers: &[PeerBatch],
    phase: &MetadataPhase<'_>,
    output: &Output,
) -> anyhow::Result<()> {
    output.info(format!(
        "fetching the piece layers of {} from peers",
        torrent.info.name
    ));
    let mut addrs: Vec<SocketAddr> = peers.iter().flat_map(|batch| batch.addrs.clone()).collect();
    addrs.extend(&phase.manual_peers);
    addrs.sort_unstable();
    addrs.dedup();
    let fetch = LayerFetch {
        peer_id: phase.client.peer_id(),
        encryption: phase.client.encryption(),
        transport: phase.client.transport().clone(),
    };
    fetch_piece_layers(torrent, &addrs, fetch)
        .await
        .map_err(|why| {
            with_status(
                ExitStatus::Unreachable,
                anyhow::anyhow!(
                    "no peer sent the piece layers of {} (v2-only): {why}",
                    torrent.info.name
                ),
            )
        })
}

/// Writes `torrent` as a .torrent file: to `destination`, or into it as
/// `NAME.torrent` when it is a directory.
pub fn save_torrent(torrent: &Torrent, destination: &Path, output: &Output) -> anyhow::Result<()> {
    let path = if destination.is_dir() {
        destination.join(format!("{}.torrent", torrent.info.name))
    } else {
        destination.to_path_buf()
    };
    write_atomically(&path, &torrent.to_bytes())?;
    output.record(&TorrentSaved {
        path: path.display().to_string(),
        torrent: torrent.summary(),
    })?;
    Ok(())
}

/// Runs the metadata phase, printing what it reports.
async fn fetch(
    magnet: &Magnet,
    trackers: &[Vec<String>],
    hints: PeerBatch,
    phase: &MetadataPhase<'_>,
    output: &Output,
) -> anyhow::Result<(Vec<u8>, Vec<PeerBatch>)> {
    output.info(format!(
        "fetching the metadata of {} from peers",
        magnet
            .name
            .as_deref()
            .unwrap_or(&magnet.info_hashes.swarm().to_string())
    ));
    let (peers, peers_receiver) = mpsc::unbounded_channel();
    let (events, mut events_receiver) = mpsc::unbounded_channel();
    let manual = PeerBatch::new(PeerSource::Manual, phase.manual_peers.clone());
    for batch in [hints, manual] {
        if !batch.addrs.is_empty() {
            let _ = peers.send(batch);
        }
    }
    let swarm_hashes = magnet.info_hashes.swarm_hashes();
    let incoming = phase.client.incoming_peers(&swarm_hashes);
    let announcer = phase.use_trackers.then(|| {
        let source = TrackerSource {
            info_hashes: swarm_hashes.clone(),
            peer_id: phase.client.peer_id(),
            port: phase.client.listen_addr().port(),
            trackers: trackers.to_vec(),
        };
        tokio::spawn(source.run(peers.clone(), events.clone()))
    });
    // Nothing to announce yet: the session announces once it has the metadata.
    let dht_lookup = CancellationToken::new();
    if let Some(dht) = phase.client.dht() {
        for hash in &swarm_hashes {
            let request = LookupRequest {
                info_hash: hash.0,
                announce_port: None,
            };
            dht.lookup(request, peers.clone(), dht_lookup.clone());
        }
    }
    let _stop_dht_lookup = dht_lookup.drop_guard();
    // The phase ends early, as unreachable, once every peer source is gone
    // and no known peer is left to try.
    drop(peers);
    let options = FetchOptions {
        info_hashes: magnet.info_hashes,
        peer_id: phase.client.peer_id(),
        listen_port: phase.client.listen_addr().port(),
        timeout: phase.timeout,
        max_connections: MAX_METADATA_CONNECTIONS,
        encryption: phase.client.encryption(),
        transport: phase.client.transport().clone(),
    };
    let fetching = fetch_metadata(options, peers_receiver, incoming, events);
    tokio::pin!(fetching);
    let outcome = loop {
        tokio::select! {
            outcome = &mut fetching => {
                break outcome.map_err(|error| with_status(ExitStatus::Unreachable, error));
            }
            Some(event) = events_receiver.recv() => torrent_run::print_notice(output, event)?,
            () = interrupt::interrupted() => {
                let error = anyhow::anyhow!("interrupted while fetching the metadata");
                break Err(with_status(ExitStatus::Interrupted, error));
            }
        }
    };
    if let Some(announcer) = announcer {
        announcer.abort();
    }
    while let Ok(event) = events_receiver.try_recv() {
        torrent_run::print_notice(output, event)?;
    }
    let fetched = outcome?;
    Ok((fetched.info_bytes, fetched.peers))
}

/// The addresses of a magnet's `x.pe` hints; a hint that is not an address
/// (or a host name that resolves) is skipped with a warning.
async fn hint_addrs(hints: &[String], output: &Output) -> Vec<SocketAddr> {
    let mut addrs = Vec::new();
    for hint in hints {
        if let Ok(addr) = hint.parse::<SocketAddr>() {
            addrs.push(addr);
            continue;
        }
        match tokio::time::timeout(HINT_LOOKUP_TIMEOUT, tokio::net::lookup_host(hint.as_str()))
            .await
        {
            Ok(Ok(resolved)) => addrs.extend(resolved),
            Ok(Err(error)) => output.warn(format!("ignoring peer hint {hint:?}: {error}")),
            Err(_) => output.warn(format!("ignoring peer hint {hint:?}: lookup timed out")),
        }
    }
    addrs
}

/// Where the info dictionary of `info_hash` is cached.
fn cache_path(dirs: &Dirs, info_hash: InfoHash) -> PathBuf {
    dirs.data.join("metadata").join(format!("{info_hash}.info"))
}

/// The cached info dictionary of `info_hash`, if present and intact.
fn read_cache(path: &Path, info_hashes: InfoHashes) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok()?;
    info_hashes.matches(&bytes).then_some(bytes)
}

fn write_cache(path: &Path, info_bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(directory) = path.parent() {
        Dirs::create_private(directory)
            .with_context(|| format!("could not create {}", directory.display()))?;
    }
    write_atomically(path, info_bytes)
}

/// Writes a file so that a crash leaves either no file or the whole one.
fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    crate::atomic_file::write(path, contents)
        .with_context(|| format!("could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "c9e15763f722f23e98a29decdfae341b98d53056";

    #[test]
    fn only_magnet_links_are_taken_as_magnets() {
        assert_eq!(parse_if_magnet("x.torrent").ok(), Some(None));
        assert_eq!(parse_if_magnet("-").ok(), Some(None));
        let magnet = parse_if_magnet(&format!(
            "MAGNET:?xt=urn:btih:{HASH}&tr=http://t/a&tr=udp://u:1"
        ));
        let magnet = magnet.ok().flatten().expect("a magnet");
        assert_eq!(
            magnet_trackers(&magnet),
            [vec!["http://t/a".to_owned()], vec!["udp://u:1".to_owned()]]
        );
    }

    #[test]
    fn bad_magnets_are_bad_input() {
        for input in [
            "magnet:?xt=urn:btih:1234",
            "magnet:?dn=x",
            "magnet:xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056",
            &format!("magnet:?xt=urn:btih:{HASH}00"),
        ] {
            let error = parse_if_magnet(input).expect_err(input);
            assert_eq!(
                super::super::exit::classify(&error),
                ExitStatus::BadInput,
                "{input}"
            );
        }
    }

    #[test]
    fn the_cache_returns_only_intact_metadata() {
        let directory = tempfile::tempdir().expect("temp dir");
        let dirs = Dirs {
            config: directory.path().into(),
            data: directory.path().into(),
            runtime: directory.path().join("run"),
        };
        let info = b"d4:name1:xe".to_vec();
        let hash = InfoHash::of_info_bytes(&info);
        let path = cache_path(&dirs, hash);
        assert_eq!(read_cache(&path, InfoHashes::from_v1(hash, None)), None);
        write_cache(&path, &info).expect("cache written");
        assert_eq!(
            read_cache(&path, InfoHashes::from_v1(hash, None)),
            Some(info)
        );
        std::fs::write(&path, b"d4:name1:ye").expect("damage the cache");
        assert_eq!(read_cache(&path, InfoHashes::from_v1(hash, None)), None);
    }
}
