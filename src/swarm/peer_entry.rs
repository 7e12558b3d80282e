//! What a session keeps of one connected peer ([`PeerEntry`]): its pieces,
//! both sides' choke and interest, our requests to it, its rates, where it
//! listens, what it offers for a slot and its extensions' states; and the
//! channel to its connection task ([`Outgoing`]); and how many requests to
//! keep outstanding at it ([`Pipeline`]).
//!
//! Invariant: `requested` holds exactly the blocks we asked this peer for
//! and have neither received nor taken back; every block leaving it is
//! either delivered or handed back to the picker.

use super::choker::{PricePerMib, UploadSlot};
use super::extension::PeerSummary;
use super::meter::RateMeter;
use super::picker::{Block, BLOCK_SIZE};
use crate::bitfield::Bitfield;
use crate::peer::{BlockRequest, ExtensionRegistry, Message};
use std::any::Any;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Instant;
use thiserror::Error;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The most requests we keep outstanding at one peer: 16 MiB in flight,
/// 80 MiB/s at 200 ms of round trip (libtorrent keeps at most 500).
pub(super) const MAX_PIPELINE: usize = 1024;
/// The fewest requests we keep outstanding at one unchoking peer.
const MIN_PIPELINE: usize = 32;
/// Once its slow start is over, a peer is asked for this many seconds of
/// its rate: more than the round trip of any peer we expect to be useful
/// (Transmission answers in half-second pulses), so that at a peer limited
/// by latency, where the rate follows the requests in flight, they still
/// grow (libtorrent keeps 3 s).
const QUEUE_SECONDS: u64 = 2;
/// A second's rate counts as a rise when it beats the last by an eighth.
const RISE_FRACTION: u64 = 8;
/// What we assume a peer accepts before its handshake says (`reqq`).
const DEFAULT_REQUEST_QUEUE: usize = 250;

/// Something a peer task must send or do.
#[derive(Debug)]
pub(super) enum Outgoing {
    /// A message to encode and send.
    Message(Message),
    /// A block the peer asked for, to read and send.
    Upload(BlockRequest),
    /// A request the peer withdrew before it was served.
    WithdrawUpload(BlockRequest),
}

/// Why a connection was closed by us.
#[derive(Debug, Error)]
pub enum PeerError {
    /// The peer broke the protocol.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The peer is banned, connected twice, or the swarm is full.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// The wire codec failed.
    #[error(transparent)]
    Wire(#[from] crate::peer::WireError),
    /// The encryption negotiation failed.
    #[error(transparent)]
    Encryption(#[from] crate::peer::MseError),
    /// The connection timed out.
    #[error("timed out")]
    Timeout,
}

/// How a peer was connected, and so where it listens.
#[derive(Debug, Clone, Copy)]
pub(super) struct PeerOrigin {
    /// The connection's remote address.
    pub(super) addr: SocketAddr,
    /// Whether we dialled it (else it dialled us).
    pub(super) dialled: bool,
    /// Its id from the BitTorrent handshake.
    pub(super) peer_id: [u8; 20],
    /// Whether it supports the fast extension (BEP 6).
    pub(super) fast: bool,
}

/// One connected peer.
#[derive(Debug)]
pub(super) struct PeerEntry {
    pub(super) addr: SocketAddr,
    pub(super) peer_id: [u8; 20],
    pub(super) dialled: bool,
    /// Where it accepts connections: the address we dialled, or for a peer
    /// that dialled us, its IP with the port from its extended handshake.
    listen_addr: Option<SocketAddr>,
    outbox: mpsc::UnboundedSender<Outgoing>,
    pub(super) cancel: CancellationToken,
    pub(super) has: Bitfield,
    pub(super) fast: bool,
    /// Pieces we let it request while we choke it (BEP 6).
    pub(super) allowed_fast: Vec<u32>,
    /// Pieces it lets us request while it chokes us (BEP 6).
    pub(super) allowed_fast_from_peer: Vec<u32>,
    pub(super) extensions: ExtensionRegistry,
    pub(super) peer_choking: bool,
    pub(super) peer_interested: bool,
    /// The upload slot the choker gave it.
    pub(super) slot: UploadSlot,
    pub(super) am_interested: bool,
    pub(super) requested: HashSet<Block>,
    /// How many requests it accepts (`reqq`).
    pub(super) request_queue: usize,
    /// The most requests an extension lets us keep outstanding at it (a
    /// seller serves a paid slot only within its credit window).
    pub(super) request_limit: Option<usize>,
    pipeline: Pipeline,
    pub(super) download: RateMeter,
    pub(super) upload: RateMeter,
    pub(super) last_block_at: Instant,
    /// What it offers for a regular slot, as an extension recorded.
    pub(super) offer: Option<PricePerMib>,
    /// One state per extension of the session, in local-id order.
    pub(super) extension_states: Vec<Box<dyn Any + Send>>,
}

impl PeerEntry {
    /// A peer just handshaken, choked and not interested either way.
    pub(super) fn new(
        origin: PeerOrigin,
        piece_count: usize,
        allowed_fast: Vec<u32>,
        extensions: ExtensionRegistry,
        outbox: mpsc::UnboundedSender<Outgoing>,
        cancel: CancellationToken,
        now: Instant,
    ) -> PeerEntry {
        PeerEntry {
            addr: origin.addr,
            peer_id: origin.peer_id,
            dialled: origin.dialled,
            listen_addr: origin.dialled.then_some(origin.addr),
            outbox,
            cancel,
            has: Bitfield::new(piece_count),
            fast: origin.fast,
            allowed_fast,
            allowed_fast_from_peer: Vec::new(),
            extensions,
            peer_choking: true,
            peer_interested: false,
            slot: UploadSlot::Choked,
            am_interested: false,
            requested: HashSet::new(),
            request_queue: DEFAULT_REQUEST_QUEUE,
            request_limit: None,
            pipeline: Pipeline::new(),
            download: RateMeter::new(now),
            upload: RateMeter::new(now),
            last_block_at: now,
            offer: None,
            extension_states: Vec::new(),
        }
    }

    /// Queues a message to the peer.
    pub(super) fn send(&self, message: Message) {
        let _ = self.outbox.send(Outgoing::Message(message));
    }

    /// Another sender of the connection task's outbox.
    pub(super) fn outbox(&self) -> mpsc::UnboundedSender<Outgoing> {
        self.outbox.clone()
    }

    /// Queues something else for the connection task.
    pub(super) fn queue(&self, item: Outgoing) {
        let _ = self.outbox.send(item);
    }

    /// Whether we choke it.
    pub(super) fn am_choking(&self) -> bool {
        !self.slot.is_unchoked()
    }

    /// Whether the peer has every piece.
    pub(super) fn is_seed(&self) -> bool {
        self.has.is_full() && !self.has.is_empty()
    }

    /// Where the peer accepts connections, when known.
    pub(super) fn listen_addr(&self) -> Option<SocketAddr> {
        self.listen_addr
    }

    /// Records the listen port `p` of the peer's extended handshake. It
    /// counts only for a peer that dialled us; a later handshake without
    /// `p` changes nothing, and `p` 0 means it does not listen.
    pub(super) fn record_listen_port(&mut self, listen_port: Option<u16>) {
        if let Some(port) = listen_port.filter(|_| !self.dialled) {
            self.listen_addr = (port != 0).then(|| SocketAddr::new(self.addr.ip(), port));
        }
    }

    /// What the rest of the swarm sees of it.
    pub(super) fn summary(&self) -> PeerSummary {
        PeerSummary {
            addr: self.addr,
            listen_addr: self.listen_addr,
            dialled: self.dialled,
            seed: self.is_seed(),
        }
    }

    /// Counts a block we asked for and just took out of `requested`.
    pub(super) fn block_received(&mut self, bytes: u64, now: Instant) {
        let full = self.requested.len() + 1 > self.pipeline_target() * 3 / 4;
        self.pipeline.block_arrived(full && !self.peer_choking);
        self.download.add(bytes);
        self.last_block_at = now;
    }

    /// Once a second: folds the bytes counted into its rates and resizes
    /// its pipeline.
    pub(super) fn tick(&mut self, now: Instant) {
        self.download.tick(now);
        self.upload.tick(now);
        self.pipeline
            .tick(self.download.latest(), self.download.rate());
    }

    /// How many requests to keep outstanding: its [`Pipeline`], within
    /// the pipeline bounds and what the peer accepts, and never above an
    /// extension's limit (at least one).
    pub(super) fn pipeline_target(&self) -> usize {
        let accepted = MAX_PIPELINE.min(self.request_queue.max(MIN_PIPELINE));
        let most = self
            .request_limit
            .map_or(accepted, |limit| accepted.min(limit.max(1)));
        self.pipeline.size.clamp(MIN_PIPELINE.min(most), most)
    }
}

/// How many requests to keep outstanding at one peer: a slow start, then
/// [`QUEUE_SECONDS`] of its rate.
///
/// Slow start: from [`MIN_PIPELINE`], each block that arrives while the
/// pipeline is full (three quarters or more of it still outstanding: the
/// picker had blocks to ask for) adds one, so the pipeline doubles every
/// round trip, for as long as each second's rate beats the last by an
/// eighth ([`RISE_FRACTION`]). A peer limited by latency sends more as it
/// is asked for more, and so is asked for more.
///
/// When a second's rate does not rise, more requests did not help: the
/// pipeline shrinks to [`QUEUE_SECONDS`] of the rate (the faster of the
/// last second's and the smoothed one, so it follows a rise at once and a
/// fall slowly), and follows it from then on. A peer limited by its
/// bandwidth keeps two seconds of it requested; a peer limited by latency
/// below two seconds still grows, since its rate follows its pipeline.
#[derive(Debug, Clone)]
struct Pipeline {
    size: usize,
    slow_start: bool,
    last_second: u64,
}

impl Pipeline {
    fn new() -> Pipeline {
        Pipeline {
            size: MIN_PIPELINE,
            slow_start: true,
            last_second: 0,
        }
    }

    /// A block arrived; `full` if the pipeline was what limited the peer.
    fn block_arrived(&mut self, full: bool) {
        if self.slow_start && full {
            self.size = (self.size + 1).min(MAX_PIPELINE);
        }
    }

    /// Once a second, with the rate of the last second and the smoothed
    /// rate, in bytes per second.
    fn tick(&mut self, last_second: u64, smoothed: u64) {
        let rose = last_second > self.last_second + self.last_second / RISE_FRACTION;
        if self.slow_start && last_second > 0 && !rose {
            self.slow_start = false;
        }
        if !self.slow_start {
            let blocks = last_second.max(smoothed) * QUEUE_SECONDS / u64::from(BLOCK_SIZE);
            self.size = (blocks as usize).clamp(MIN_PIPELINE, MAX_PIPELINE);
        }
        self.last_second = last_second;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn entry(addr: &str, dialled: bool) -> PeerEntry {
        let origin = PeerOrigin {
            addr: addr.parse().unwrap(),
            dialled,
            peer_id: [1; 20],
            fast: true,
        };
        let (outbox, _) = mpsc::unbounded_channel();
        let registry = ExtensionRegistry::new();
        let cancel = CancellationToken::new();
        PeerEntry::new(
            origin,
            8,
            Vec::new(),
            registry,
            outbox,
            cancel,
            Instant::now(),
        )
    }

    #[test]
    fn an_accepted_peer_listens_at_its_handshake_port() {
        let mut accepted = entry("10.0.0.1:50000", false);
        assert_eq!(accepted.listen_addr(), None);
        accepted.record_listen_port(Some(6881));
        assert_eq!(
            accepted.listen_addr(),
            Some("10.0.0.1:6881".parse().unwrap())
        );
        accepted.record_listen_port(None);
        assert_eq!(
            accepted.listen_addr(),
            Some("10.0.0.1:6881".parse().unwrap()),
            "an update without p"
        );
        accepted.record_listen_port(Some(0));
        assert_eq!(accepted.listen_addr(), None, "p 0: it does not listen");
    }

    #[test]
    fn a_dialled_peer_listens_where_we_dialled_it() {
        let mut dialled = entry("10.0.0.3:6881", true);
        dialled.record_listen_port(Some(7000));
        assert_eq!(
            dialled.listen_addr(),
            Some("10.0.0.3:6881".parse().unwrap())
        );
    }

    /// A peer that answers in pulses every half second, as Transmission
    /// does, sending at most `per_pulse` of the requests it holds; we top
    /// its requests up as `fill_requests` does. Returns the pipeline
    /// target after `seconds`.
    fn run_pulsed_peer(peer: &mut PeerEntry, per_pulse: usize, seconds: u64) -> usize {
        let start = Instant::now();
        peer.download = RateMeter::new(start);
        peer.peer_choking = false;
        let mut next_block = 0u32;
        top_up(peer, &mut next_block);
        for half_second in 1..=seconds * 2 {
            let now = start + Duration::from_millis(500 * half_second);
            let due = peer.requested.len().min(per_pulse);
            for _ in 0..due {
                let block = *peer.requested.iter().next().unwrap();
                peer.requested.remove(&block);
                peer.block_received(u64::from(BLOCK_SIZE), now);
                top_up(peer, &mut next_block);
            }
            if half_second % 2 == 0 {
                peer.tick(now);
            }
        }
        peer.pipeline_target()
    }

    /// Tops up as `fill_requests` does: to the target, once a quarter is gone.
    fn top_up(peer: &mut PeerEntry, next_block: &mut u32) {
        let target = peer.pipeline_target();
        if peer.requested.len() > target * 3 / 4 {
            return;
        }
        while peer.requested.len() < target {
            peer.requested.insert(Block {
                index: *next_block / 16,
                begin: *next_block % 16 * BLOCK_SIZE,
                length: BLOCK_SIZE,
            });
            *next_block += 1;
        }
    }

    #[test]
    fn a_peer_limited_by_latency_is_asked_for_up_to_the_cap() {
        let mut peer = entry("10.0.0.1:1", true);
        peer.request_queue = 100_000;
        let target = run_pulsed_peer(&mut peer, usize::MAX, 10);
        assert_eq!(target, MAX_PIPELINE, "32 a pulse would cap it at 1 MiB/s");
    }

    #[test]
    fn a_peer_limited_by_bandwidth_keeps_two_seconds_of_its_rate() {
        let mut peer = entry("10.0.0.1:1", true);
        peer.request_queue = 100_000;
        let target = run_pulsed_peer(&mut peer, 40, 10);
        assert_eq!(target, 2 * 80, "80 blocks a second, two seconds of them");
    }

    #[test]
    fn the_pipeline_keeps_within_the_floor_the_cap_and_the_peers_queue() {
        let mut peer = entry("10.0.0.1:1", true);
        assert_eq!(peer.pipeline_target(), MIN_PIPELINE);
        peer.request_queue = 1;
        assert_eq!(run_pulsed_peer(&mut peer, usize::MAX, 5), MIN_PIPELINE);
        let mut peer = entry("10.0.0.1:1", true);
        peer.request_queue = 100;
        assert_eq!(run_pulsed_peer(&mut peer, usize::MAX, 5), 100, "its reqq");
        let mut peer = entry("10.0.0.1:1", true);
        peer.request_queue = 100_000;
        let start = Instant::now();
        peer.download = RateMeter::new(start);
        for second in 1..=5 {
            peer.download.add(1 << 30);
            peer.tick(start + Duration::from_secs(second));
        }
        assert_eq!(peer.pipeline_target(), MAX_PIPELINE, "never above the cap");
        peer.request_limit = Some(512);
        assert_eq!(peer.pipeline_target(), 512, "an extension's limit");
        peer.request_limit = Some(8);
        assert_eq!(
            peer.pipeline_target(),
            8,
            "an extension's limit below the floor"
        );
        peer.request_limit = Some(0);
        assert_eq!(peer.pipeline_target(), 1, "one request at least");
        peer.request_limit = None;
        assert_eq!(peer.pipeline_target(), MAX_PIPELINE);
    }
}
