//! The metadata phase of a magnet download (BEP 9): before a session can
//! start it needs a [`Torrent`](crate::metainfo::Torrent), and a magnet link
//! only has the info-hash. [`fetch_metadata`] learns peer addresses from a
//! channel of [`PeerBatch`]es, connects to several peers at once, assembles
//! the info dictionary from their `ut_metadata` pieces and returns it once
//! its SHA-1 equals the info-hash, with every address learned on the way.
//!
//! Peer sources plug in by sending batches into the channel (the tracker
//! announcer of [`super::tracker_source`], magnet `x.pe` hints, `--peer`,
//! a DHT lookup): this module never needs to know them. Peers that connect
//! to us arrive on a second channel ([`IncomingPeer`]s from the listener)
//! and are asked as well; the address each says it listens on is learned
//! as a peer of [`PeerSource::Incoming`], so a seeder that found us first
//! is dialled back by the session. It reports what it learns as the same
//! `peers_found` (and `peer_banned`) events a session emits.
//!
//! Invariants: at most `max_connections` peers are connected at once (an
//! incoming peer beyond them is hung up on); a peer
//! that lied or refused is never dialled again in this phase; one that
//! failed is tried again after [`RETRY_DELAY`]; the whole phase ends at
//! `timeout` with [`FetchError::TimedOut`], which says how many peers were
//! tried and where they came from, or earlier with
//! [`FetchError::NoPeersLeft`] once every sender of the channel is gone and
//! every known peer is done with.

use super::events::{PeerBanned, PeersFound, SwarmEvent};
use super::listener::IncomingPeer;
use super::metadata_peer::{answer, fetch_from, FetchContext, PeerEnd};
use super::transport::PeerTransport;
use super::{PeerBatch, PeerSource};
use crate::metainfo::{InfoHash, InfoHashes};
use crate::peer::EncryptionPolicy;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long a peer that failed waits before it is dialled again.
pub const RETRY_DELAY: Duration = Duration::from_secs(10);

/// How to fetch one torrent's metadata.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The torrent's info-hashes, from the magnet link; the metadata must
    /// match each, and peers are found in the swarm they name.
    pub info_hashes: InfoHashes,
    /// Our peer id (the session that follows should use the same one).
    pub peer_id: [u8; 20],
    /// The port we accept peers on, as announced in the extended handshake.
    pub listen_port: u16,
    /// The bound on the whole phase.
    pub timeout: Duration,
    /// The most peers connected at once.
    pub max_connections: usize,
    /// Whether peers are offered encryption, or required to take it.
    pub encryption: EncryptionPolicy,
    /// The transports peers are dialled over.
    pub transport: PeerTransport,
}

/// The metadata and what was learned while fetching it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMetadata {
    /// The info dictionary, exactly as received; its SHA-1 is the info-hash.
    pub info_bytes: Vec<u8>,
    /// Every address learned (but those of peers that lied), by source.
    pub peers: Vec<PeerBatch>,
}

/// Peers tried in a metadata phase, by the source they came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeersTried {
    /// Peers dialled at least once, per source.
    pub by_source: BTreeMap<PeerSource, usize>,
    /// Peers dropped for bad or refused metadata.
    pub banned: usize,
}

impl fmt::Display for PeersTried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: usize = self.by_source.values().sum();
        if total == 0 {
            return f.write_str("no peer was found");
        }
        let sources: Vec<String> = self
            .by_source
            .iter()
            .map(|(source, count)| format!("{count} from {}", source.name()))
            .collect();
        let peers = if total == 1 { "peer" } else { "peers" };
        write!(f, "tried {total} {peers} ({})", sources.join(", "))?;
        if self.banned > 0 {
            write!(f, ", {} dropped for bad metadata", self.banned)?;
        }
        Ok(())
    }
}

/// Why the metadata could not be fetched.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum FetchError {
    /// No peer sent metadata that checks in time.
    #[error("no peer sent the metadata of {info_hash} within {}: {tried}", humantime::format_duration(*.timeout))]
    TimedOut {
        /// The info-hash asked for.
        info_hash: InfoHash,
        /// The bound that elapsed.
        timeout: Duration,
        /// Who was tried.
        tried: PeersTried,
    },
    /// Every peer source is done and no peer known is left to try.
    #[error("no peer can send the metadata of {info_hash}: {tried}, and no peer source is left")]
    NoPeersLeft {
        /// The info-hash asked for.
        info_hash: InfoHash,
        /// Who was tried.
        tried: PeersTried,
    },
}

/// Where one known peer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// To be dialled at this time.
    DueAt(Instant),
    /// Connected now.
    Connected,
    /// Not to be dialled again in this phase.
    Done,
    /// Lied or refused.
    Banned,
}

#[derive(Debug)]
struct KnownPeer {
    source: PeerSource,
    standing: Standing,
    tried: bool,
}

/// How one connection of the phase ended: the peer's address (for a peer
/// that connected to us, the one it listens on, if it said), whether it
/// connected to us, and how.
struct Ended {
    addr: Option<SocketAddr>,
    incoming: bool,
    end: PeerEnd,
}

/// Fetches the metadata of `options.info_hash` from the peers that arrive on
/// `peers` and those that connect on `incoming`, reporting on `events`.
pub async fn fetch_metadata(
    options: FetchOptions,
    mut peers: mpsc::UnboundedReceiver<PeerBatch>,
    mut incoming: mpsc::UnboundedReceiver<IncomingPeer>,
    events: mpsc::UnboundedSender<SwarmEvent>,
) -> Result<FetchedMetadata, FetchError> {
    let info_hash = options.info_hashes.swarm();
    let context = Arc::new(FetchContext::new(
        options.info_hashes,
        options.peer_id,
        options.listen_port,
        options.encryption,
        options.transport,
    ));
    let mut phase = Phase {
        info_hash,
        known: HashMap::new(),
        order: Vec::new(),
        events,
    };
    let mut connections: JoinSet<Ended> = JoinSet::new();
    let deadline = tokio::time::sleep(options.timeout);
    tokio::pin!(deadline);
    let mut retry = tokio::time::interval(RETRY_DELAY);
    let mut sources_open = true;
    loop {
        phase.dial_due(&context, &mut connections, options.max_connections);
        if !sources_open && connections.is_empty() && phase.all_done() {
            return Err(FetchError::NoPeersLeft {
                info_hash,
                tried: phase.tried(),
            });
        }
        tokio::select! {
            () = &mut deadline => {
                return Err(FetchError::TimedOut {
                    info_hash,
                    timeout: options.timeout,
                    tried: phase.tried(),
                });
            }
            batch = peers.recv(), if sources_open => match batch {
                Some(batch) => phase.learn(batch),
                None => sources_open = false,
            },
            Some(peer) = incoming.recv() => {
                if connections.len() < options.max_connections {
                    let context = Arc::clone(&context);
                    connections.spawn(async move {
                        let (end, addr) = answer(&context, peer).await;
                        Ended { addr, incoming: true, end }
                    });
                }
            }
            Some(Ok(ended)) = connections.join_next() => {
                if let Some(info_bytes) = phase.ended(ended) {
                    return Ok(FetchedMetadata { info_bytes, peers: phase.batches() });
                }
            }
            _ = retry.tick() => {}
        }
    }
}

/// The coordinator's view of the peers.
struct Phase {
    info_hash: InfoHash,
    known: HashMap<SocketAddr, KnownPeer>,
    order: Vec<SocketAddr>,
    events: mpsc::UnboundedSender<SwarmEvent>,
}

impl Phase {
    fn learn(&mut self, batch: PeerBatch) {
        let found = batch.addrs.len();
        let mut new = 0;
        for addr in batch.addrs {
            if addr.port() == 0 || addr.ip().is_unspecified() || self.known.contains_key(&addr) {
                continue;
            }
            self.known.insert(
                addr,
                KnownPeer {
                    source: batch.source,
                    standing: Standing::DueAt(Instant::now()),
                    tried: false,
                },
            );
            self.order.push(addr);
            new += 1;
        }
        let _ = self.events.send(SwarmEvent::PeersFound(PeersFound {
            info_hash: self.info_hash.to_string(),
            source: batch.source,
            found,
            new,
            known: self.known.len(),
        }));
    }

    fn dial_due(
        &mut self,
        context: &Arc<FetchContext>,
        connections: &mut JoinSet<Ended>,
        max_connections: usize,
    ) {
        let now = Instant::now();
        for addr in &self.order {
            if connections.len() >= max_connections {
                return;
            }
            let Some(peer) = self.known.get_mut(addr) else {
                continue;
            };
            if !matches!(peer.standing, Standing::DueAt(due) if due <= now) {
                continue;
            }
            peer.standing = Standing::Connected;
            peer.tried = true;
            let (context, addr) = (Arc::clone(context), *addr);
            connections.spawn(async move {
                let end = fetch_from(&context, addr).await;
                Ended {
                    addr: Some(addr),
                    incoming: false,
                    end,
                }
            });
        }
    }

    /// Records how a connection ended; the metadata if it brought the last
    /// piece. A peer that connected to us is known from now on at the
    /// address it listens on.
    fn ended(
        &mut self,
        Ended {
            addr,
            incoming,
            end,
        }: Ended,
    ) -> Option<Vec<u8>> {
        if let Some(addr) = addr.filter(|_| incoming) {
            self.met(addr);
        }
        let standing = match end {
            PeerEnd::Fetched(info_bytes) => return Some(info_bytes),
            PeerEnd::Failed(_) => Standing::DueAt(Instant::now() + RETRY_DELAY),
            PeerEnd::Unusable(_) => Standing::Done,
            PeerEnd::Banned(reason) => {
                let peer =
                    addr.map_or_else(|| "a peer that connected".to_owned(), |a| a.to_string());
                let _ = self.events.send(SwarmEvent::PeerBanned(PeerBanned {
                    info_hash: self.info_hash.to_string(),
                    peer,
                    reason,
                }));
                Standing::Banned
            }
        };
        let peer = addr.and_then(|addr| self.known.get_mut(&addr));
        // A dial of the same peer may still run: it decides when it ends.
        if let Some(peer) = peer.filter(|peer| !(incoming && peer.standing == Standing::Connected))
        {
            peer.standing = standing;
        }
        None
    }

    /// Knows `addr`, where a peer that connected to us listens, as tried.
    fn met(&mut self, addr: SocketAddr) {
        self.learn(PeerBatch::new(PeerSource::Incoming, vec![addr]));
        if let Some(peer) = self.known.get_mut(&addr) {
            peer.tried = true;
        }
    }

    /// Whether no known peer will ever be dialled again.
    fn all_done(&self) -> bool {
        self.known
            .values()
            .all(|peer| matches!(peer.standing, Standing::Done | Standing::Banned))
    }

    fn tried(&self) -> PeersTried {
        let mut tried = PeersTried::default();
        for peer in self.known.values().filter(|peer| peer.tried) {
            *tried.by_source.entry(peer.source).or_insert(0) += 1;
            if peer.standing == Standing::Banned {
                tried.banned += 1;
            }
        }
        tried
    }

    /// The addresses learned, grouped by source in the order first learned.
    fn batches(&self) -> Vec<PeerBatch> {
        let mut batches: Vec<PeerBatch> = Vec::new();
        for addr in &self.order {
            let Some(peer) = self.known.get(addr) else {
                continue;
            };
            if peer.standing == Standing::Banned {
                continue;
            }
            match batches.iter_mut().find(|batch| batch.source == peer.source) {
                Some(batch) => batch.addrs.push(*addr),
                None => batches.push(PeerBatch::new(peer.source, vec![*addr])),
            }
        }
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A channel of incoming peers on which none arrives.
    fn no_incoming() -> mpsc::UnboundedReceiver<IncomingPeer> {
        mpsc::unbounded_channel().1
    }

    #[test]
    fn the_timeout_message_says_who_was_tried() {
        let mut tried = PeersTried::default();
        assert_eq!(tried.to_string(), "no peer was found");
        tried.by_source.insert(PeerSource::Tracker, 2);
        tried.by_source.insert(PeerSource::MagnetHint, 1);
        tried.banned = 1;
        assert_eq!(
            tried.to_string(),
            "tried 3 peers (2 from tracker, 1 from magnet_hint), 1 dropped for bad metadata"
        );
        let error = FetchError::TimedOut {
            info_hash: InfoHash([0xab; 20]),
            timeout: Duration::from_secs(90),
            tried,
        };
        assert!(error.to_string().starts_with(&format!(
            "no peer sent the metadata of {} within 1m 30s: tried 3",
            "ab".repeat(20)
        )));
    }

    #[tokio::test]
    async fn ends_early_when_no_peer_source_is_left() {
        let (sender, receiver) = mpsc::unbounded_channel::<PeerBatch>();
        drop(sender);
        let (events, _reports) = mpsc::unbounded_channel();
        let options = FetchOptions {
            info_hashes: InfoHashes::from_v1(InfoHash([7; 20]), None),
            peer_id: [1; 20],
            listen_port: 1,
            timeout: Duration::from_secs(600),
            max_connections: 4,
            encryption: EncryptionPolicy::Prefer,
            transport: PeerTransport::tcp(),
        };
        let outcome = tokio::time::timeout(
            Duration::from_secs(10),
            fetch_metadata(options, receiver, no_incoming(), events),
        )
        .await;
        assert!(
            matches!(outcome, Ok(Err(FetchError::NoPeersLeft { .. }))),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn times_out_when_no_peer_answers() {
        let (sender, receiver) = mpsc::unbounded_channel();
        let (events, mut reports) = mpsc::unbounded_channel();
        // A port nothing listens on: the dial fails at once.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead = listener.local_addr().unwrap();
        drop(listener);
        sender
            .send(PeerBatch::new(PeerSource::Manual, vec![dead]))
            .unwrap();
        let options = FetchOptions {
            info_hashes: InfoHashes::from_v1(InfoHash([7; 20]), None),
            peer_id: [1; 20],
            listen_port: 1,
            timeout: Duration::from_millis(500),
            max_connections: 4,
            encryption: EncryptionPolicy::Prefer,
            transport: PeerTransport::tcp(),
        };
        let outcome = fetch_metadata(options, receiver, no_incoming(), events).await;
        let Err(FetchError::TimedOut { tried, .. }) = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(tried.by_source.get(&PeerSource::Manual), Some(&1));
        assert!(matches!(
            reports.recv().await,
            Some(SwarmEvent::PeersFound(PeersFound {
                found: 1,
                new: 1,
                ..
            }))
        ));
    }
}
