//! The state one torrent's peers share, and what each peer message does to it.
//!
//! Lock order: there is one lock, `Shared::state`; it is never held across an
//! `.await`, and nothing else is locked while it is held (sending on a peer's
//! unbounded outbox does not block). Peer tasks call the `on_*` methods; the
//! session's ticker calls `tick`, `exchange_peers` (peer exchange, in
//! `pex_exchange`) and `rechoke`.

use super::choker::{ChokeCandidate, Choker};
use super::events::{PeerBanned, PieceFailed, SwarmEvent};
use super::metadata_serve;
use super::meter::RateMeter;
use super::pex_exchange::{self, PexPeerState};
use super::picker::{Arrival, Block, PeerKey, Picker, BLOCK_SIZE};
use super::verifier::{self, CompletedPiece, VerifyQueue};
use super::{PeerBatch, SessionOptions};
use crate::bitfield::Bitfield;
use crate::metainfo::Torrent;
use crate::peer::{
    allowed_fast_set, BlockRequest, ExtendedHandshake, ExtensionRegistry, IncomingExtension,
    Message, UT_METADATA, UT_PEX,
};
use crate::storage::Storage;
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Regular upload slots plus the optimistic one.
const UNCHOKE_SLOTS: usize = 4;
/// A peer that sends nothing we asked for this long loses its requests.
const SNUB_TIMEOUT: Duration = Duration::from_secs(30);
/// Failed pieces, each sent by one peer alone, after which that peer is banned.
const STRIKES_TO_BAN: u32 = 2;
/// The most requests we keep outstanding at one peer.
const MAX_PIPELINE: usize = 512;
/// The fewest requests we keep outstanding at one unchoking peer.
const MIN_PIPELINE: usize = 32;
/// Pieces a choked peer with the fast extension may still request (BEP 6).
const ALLOWED_FAST_COUNT: usize = 10;
/// The most allowed-fast pieces we remember from one peer; more are ignored.
const MAX_ALLOWED_FAST_FROM_PEER: usize = 32;
/// Requests we keep outstanding at a peer that chokes us, for allowed-fast pieces.
const CHOKED_PIPELINE: usize = 16;
/// The largest block we serve.
pub(super) const MAX_SERVED_BLOCK: u32 = 128 * 1024;

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
    /// The connection timed out.
    #[error("timed out")]
    Timeout,
}

/// One connected peer.
#[derive(Debug)]
pub(super) struct PeerEntry {
    pub(super) addr: SocketAddr,
    peer_id: [u8; 20],
    outbox: mpsc::UnboundedSender<Outgoing>,
    cancel: CancellationToken,
    has: Bitfield,
    fast: bool,
    allowed_fast: Vec<u32>,
    /// Pieces this peer lets us request while it chokes us (BEP 6).
    allowed_fast_from_peer: Vec<u32>,
    extensions: ExtensionRegistry,
    peer_choking: bool,
    peer_interested: bool,
    am_choking: bool,
    am_interested: bool,
    requested: HashSet<Block>,
    request_queue: usize,
    download: RateMeter,
    pub(super) upload: RateMeter,
    last_block_at: Instant,
    pub(super) pex: PexPeerState,
}

impl PeerEntry {
    pub(super) fn send(&self, message: Message) {
        let _ = self.outbox.send(Outgoing::Message(message));
    }

    /// Our extensions and the peer's.
    pub(super) fn extensions(&self) -> &ExtensionRegistry {
        &self.extensions
    }

    /// Whether the peer has every piece.
    pub(super) fn is_seed(&self) -> bool {
        self.has.is_full() && !self.has.is_empty()
    }

    pub(super) fn download_rate(&self) -> u64 {
        self.download.rate()
    }

    fn pipeline_target(&self) -> usize {
        let per_second = self.download.rate() as usize / BLOCK_SIZE as usize;
        (per_second / 2).clamp(
            MIN_PIPELINE,
            MAX_PIPELINE.min(self.request_queue.max(MIN_PIPELINE)),
        )
    }
}

/// The mutable part of a swarm.
pub(super) struct SwarmState {
    pub(super) picker: Picker,
    pub(super) peers: HashMap<PeerKey, PeerEntry>,
    pub(super) connecting: HashSet<SocketAddr>,
    banned_addrs: HashSet<SocketAddr>,
    banned_ids: HashSet<[u8; 20]>,
    strikes: HashMap<SocketAddr, u32>,
    choker: Box<dyn Choker>,
    next_key: PeerKey,
}

/// Everything the tasks of one torrent share.
pub(super) struct Shared {
    pub(super) torrent: Arc<Torrent>,
    pub(super) info_hash: [u8; 20],
    pub(super) info_hash_hex: String,
    pub(super) storage: Arc<Storage>,
    pub(super) options: SessionOptions,
    state: Mutex<SwarmState>,
    pub(super) events: mpsc::UnboundedSender<SwarmEvent>,
    pub(super) downloaded: AtomicU64,
    pub(super) uploaded: AtomicU64,
    pub(super) complete: watch::Sender<bool>,
    pub(super) failure: watch::Sender<Option<String>>,
    pub(super) shutdown: CancellationToken,
    pub(super) resume_dirty: AtomicBool,
    pub(super) new_peers: mpsc::UnboundedSender<PeerBatch>,
    extensions: ExtensionRegistry,
    verify_queue: VerifyQueue,
}

impl Shared {
    pub(super) fn new(
        torrent: Arc<Torrent>,
        storage: Arc<Storage>,
        picker: Picker,
        choker: Box<dyn Choker>,
        options: SessionOptions,
        events: mpsc::UnboundedSender<SwarmEvent>,
        new_peers: mpsc::UnboundedSender<PeerBatch>,
    ) -> Shared {
        let done = picker.is_done();
        let mut extensions = pex_exchange::local_extensions(torrent.info.private);
        // Registering a few names cannot exhaust the 255 ids.
        let _ = extensions.register(UT_METADATA);
        Shared {
            info_hash: torrent.info_hash.0,
            info_hash_hex: torrent.info_hash.to_string(),
            verify_queue: VerifyQueue::new(options.hash_threads.div_ceil(2)),
            state: Mutex::new(SwarmState {
                picker,
                peers: HashMap::new(),
                connecting: HashSet::new(),
                banned_addrs: HashSet::new(),
                banned_ids: HashSet::new(),
                strikes: HashMap::new(),
                choker,
                next_key: 1,
            }),
            complete: watch::channel(done).0,
            failure: watch::channel(None).0,
            shutdown: CancellationToken::new(),
            resume_dirty: AtomicBool::new(false),
            new_peers,
            extensions,
            downloaded: AtomicU64::new(0),
            uploaded: AtomicU64::new(0),
            torrent,
            storage,
            options,
            events,
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, SwarmState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn emit(&self, event: SwarmEvent) {
        let _ = self.events.send(event);
    }

    /// Whether a new connection to or from `addr` may be made now (not to a
    /// peer already connected from another port but listening at `addr`).
    pub(super) fn may_connect(&self, addr: SocketAddr) -> bool {
        let state = self.lock();
        !state.banned_addrs.contains(&addr)
            && !state.connecting.contains(&addr)
            && !state
                .peers
                .values()
                .any(|peer| peer.addr == addr || peer.pex.listen_addr() == Some(addr))
            && state.peers.len() + state.connecting.len() < self.options.max_peers
    }

    /// Adds a handshaken peer (`dialled` by us, or accepted); refuses
    /// banned, duplicate and surplus peers.
    pub(super) fn register(
        &self,
        addr: SocketAddr,
        dialled: bool,
        peer_id: [u8; 20],
        fast: bool,
        outbox: mpsc::UnboundedSender<Outgoing>,
        cancel: CancellationToken,
    ) -> Result<(PeerKey, Vec<u32>), PeerError> {
        let mut state = self.lock();
        if peer_id == self.options.peer_id {
            return Err(PeerError::Refused("connected to ourselves"));
        }
        if state.banned_addrs.contains(&addr) || state.banned_ids.contains(&peer_id) {
            return Err(PeerError::Refused("banned"));
        }
        if state.peers.values().any(|peer| peer.peer_id == peer_id) {
            return Err(PeerError::Refused("already connected"));
        }
        if state.peers.len() >= self.options.max_peers {
            return Err(PeerError::Refused("too many peers"));
        }
        let key = state.next_key;
        state.next_key += 1;
        let now = Instant::now();
        let piece_count = state.picker.have().len();
        let allowed_fast = match (fast, addr.ip().to_canonical()) {
            (true, std::net::IpAddr::V4(ip)) => {
                allowed_fast_set(ALLOWED_FAST_COUNT, ip, &self.info_hash, piece_count as u32)
            }
            _ => Vec::new(),
        };
        state.peers.insert(
            key,
            PeerEntry {
                addr,
                peer_id,
                outbox,
                cancel,
                has: Bitfield::new(piece_count),
                fast,
                allowed_fast: allowed_fast.clone(),
                allowed_fast_from_peer: Vec::new(),
                extensions: self.extensions.clone(),
                peer_choking: true,
                peer_interested: false,
                am_choking: true,
                am_interested: false,
                requested: HashSet::new(),
                request_queue: 250,
                download: RateMeter::new(now),
                upload: RateMeter::new(now),
                last_block_at: now,
                pex: PexPeerState::new(addr, dialled, now),
            },
        );
        Ok((key, allowed_fast))
    }

    /// Sends the first messages: our extended handshake (BEP 10, built by the
    /// extension registry), what we have, and the pieces the peer may request
    /// while choked (BEP 6).
    pub(super) fn send_opening(&self, key: PeerKey, remote_supports_extensions: bool) {
        let state = self.lock();
        let Some(peer) = state.peers.get(&key) else {
            return;
        };
        if remote_supports_extensions {
            let handshake = ExtendedHandshake {
                client: Some(format!("btt {}", env!("CARGO_PKG_VERSION"))),
                listen_port: Some(self.options.listen_port),
                request_queue: Some(MAX_PIPELINE as u32),
                metadata_size: Some(self.torrent.info_bytes.len() as u64),
                ..peer.extensions.handshake()
            };
            peer.send(handshake.to_message());
        }
        let have = state.picker.have();
        match (peer.fast, have.count()) {
            (true, 0) => peer.send(Message::HaveNone),
            (true, count) if count == have.len() => peer.send(Message::HaveAll),
            (_, 0) => {}
            _ => peer.send(Message::bitfield(have)),
        }
        for &index in peer
            .allowed_fast
            .iter()
            .filter(|&&index| have.get(index as usize))
        {
            peer.send(Message::AllowedFast(index));
        }
    }

    /// Removes a departed peer and returns its requests to the pool.
    pub(super) fn unregister(&self, key: PeerKey) {
        let mut state = self.lock();
        let Some(peer) = state.peers.remove(&key) else {
            return;
        };
        for block in &peer.requested {
            state.picker.request_dropped(block);
        }
        state.picker.remove_peer_pieces(&peer.has);
        state.picker.peer_gone(key);
        peer.cancel.cancel();
        let freed_slot = !peer.am_choking;
        drop(state);
        if freed_slot {
            self.rechoke();
        }
    }

    /// Applies one message from peer `key`.
    pub(super) fn on_message(
        self: &Arc<Self>,
        key: PeerKey,
        message: Message,
    ) -> Result<(), PeerError> {
        match message {
            Message::KeepAlive | Message::SuggestPiece(_) | Message::Port(_) => Ok(()),
            Message::AllowedFast(index) => {
                self.on_allowed_fast(key, index);
                Ok(())
            }
            Message::Choke => {
                self.on_choke(key);
                Ok(())
            }
            Message::Unchoke => self.with_peer(key, |state, key| {
                if let Some(peer) = state.peers.get_mut(&key) {
                    peer.peer_choking = false;
                }
                fill_requests(state, key);
            }),
            Message::Interested => {
                self.on_interest(key, true);
                Ok(())
            }
            Message::NotInterested => {
                self.on_interest(key, false);
                Ok(())
            }
            Message::Have(index) => self.on_have(key, index),
            Message::Bitfield(bytes) => self.on_bitfield(key, &bytes),
            Message::HaveAll => {
                let count = self.lock().picker.have().len();
                self.on_pieces(key, Bitfield::full(count))
            }
            Message::HaveNone => {
                let count = self.lock().picker.have().len();
                self.on_pieces(key, Bitfield::new(count))
            }
            Message::Request(request) => self.on_request(key, request),
            Message::Piece { index, begin, data } => {
                self.on_block(key, index, begin, data);
                Ok(())
            }
            Message::Cancel(request) => {
                self.send_to(key, Outgoing::WithdrawUpload(request));
                Ok(())
            }
            Message::Reject(request) => {
                self.on_reject(key, request);
                Ok(())
            }
            Message::Extended { id, payload } => self.on_extension(key, id, &payload),
        }
    }

    /// An extension message, dispatched by the name our registry gives its
    /// id (every peer's registry has our ids, so `self.extensions` names them).
    fn on_extension(&self, key: PeerKey, id: u8, payload: &[u8]) -> Result<(), PeerError> {
        match self.extensions.incoming(id) {
            IncomingExtension::Handshake => self.on_extended_handshake(key, payload),
            IncomingExtension::Named(UT_PEX) => self.on_pex(key, payload),
            IncomingExtension::Named(UT_METADATA) => self.on_metadata_request(key, payload),
            IncomingExtension::Named(_) | IncomingExtension::Unknown(_) => Ok(()),
        }
    }

    /// A `ut_metadata` message: a request is answered with a piece of our
    /// info dictionary or a reject.
    fn on_metadata_request(&self, key: PeerKey, payload: &[u8]) -> Result<(), PeerError> {
        let state = self.lock();
        let Some(peer) = state.peers.get(&key) else {
            return Ok(());
        };
        let info_bytes = &self.torrent.info_bytes;
        if let Some(reply) = metadata_serve::answer(info_bytes, &peer.extensions, payload)? {
            peer.send(reply);
        }
        Ok(())
    }

    fn with_peer(
        &self,
        key: PeerKey,
        action: impl FnOnce(&mut SwarmState, PeerKey),
    ) -> Result<(), PeerError> {
        let mut state = self.lock();
        action(&mut state, key);
        Ok(())
    }

    fn send_to(&self, key: PeerKey, item: Outgoing) {
        if let Some(peer) = self.lock().peers.get(&key) {
            let _ = peer.outbox.send(item);
        }
    }

    /// A choke from a peer with the fast extension rejects only what it
    /// says it rejects, so requests for its allowed-fast pieces stay out;
    /// every other request is given back to the picker.
    fn on_choke(&self, key: PeerKey) {
        let mut state = self.lock();
        let SwarmState { picker, peers, .. } = &mut *state;
        if let Some(peer) = peers.get_mut(&key) {
            peer.peer_choking = true;
            let allowed = &peer.allowed_fast_from_peer;
            let keep_allowed = peer.fast;
            peer.requested.retain(|block| {
                let keep = keep_allowed && allowed.contains(&block.index);
                if !keep {
                    picker.request_dropped(block);
                }
                keep
            });
        }
        fill_requests(&mut state, key);
    }

    /// Records a piece peer `key` lets us request while it chokes us.
    fn on_allowed_fast(&self, key: PeerKey, index: u32) {
        let mut state = self.lock();
        let piece_count = state.picker.have().len();
        let Some(peer) = state.peers.get_mut(&key) else {
            return;
        };
        let allowed = &mut peer.allowed_fast_from_peer;
        if !peer.fast
            || index as usize >= piece_count
            || allowed.contains(&index)
            || allowed.len() >= MAX_ALLOWED_FAST_FROM_PEER
        {
            return;
        }
        allowed.push(index);
        fill_requests(&mut state, key);
    }

    fn on_interest(&self, key: PeerKey, interested: bool) {
        let mut state = self.lock();
        let unchoked = state.peers.values().filter(|peer| !peer.am_choking).count();
        let Some(peer) = state.peers.get_mut(&key) else {
            return;
        };
        peer.peer_interested = interested;
        if interested && peer.am_choking && unchoked < UNCHOKE_SLOTS + 1 {
            peer.am_choking = false;
            peer.send(Message::Unchoke);
        }
    }

    fn on_have(&self, key: PeerKey, index: u32) -> Result<(), PeerError> {
        let mut state = self.lock();
        let piece_count = state.picker.have().len();
        if index as usize >= piece_count {
            return Err(PeerError::Protocol(format!(
                "have for piece {index} of {piece_count}"
            )));
        }
        let SwarmState { picker, peers, .. } = &mut *state;
        let Some(peer) = peers.get_mut(&key) else {
            return Ok(());
        };
        if peer.has.get(index as usize) {
            return Ok(());
        }
        peer.has.set(index as usize);
        picker.add_peer_piece(index);
        if !peer.am_interested && picker.wants(index) {
            peer.am_interested = true;
            peer.send(Message::Interested);
        }
        fill_requests(&mut state, key);
        Ok(())
    }

    fn on_bitfield(&self, key: PeerKey, bytes: &[u8]) -> Result<(), PeerError> {
        let piece_count = self.lock().picker.have().len();
        let has = Bitfield::from_bytes(bytes, piece_count)
            .map_err(|error| PeerError::Protocol(error.to_string()))?;
        self.on_pieces(key, has)
    }

    /// A bitfield, have-all or have-none. Some clients (aria2) send theirs
    /// after `have` messages; a late one is merged rather than refused.
    fn on_pieces(&self, key: PeerKey, has: Bitfield) -> Result<(), PeerError> {
        let mut state = self.lock();
        let we_are_seed = state.picker.have().is_full();
        let SwarmState { picker, peers, .. } = &mut *state;
        let Some(peer) = peers.get_mut(&key) else {
            return Ok(());
        };
        let mut added = Bitfield::new(has.len());
        for index in has.iter_ones().filter(|&index| !peer.has.get(index)) {
            added.set(index);
        }
        for index in added.iter_ones() {
            peer.has.set(index);
        }
        picker.add_peer_pieces(&added);
        if we_are_seed && peer.has.is_full() && !peer.has.is_empty() {
            return Err(PeerError::Refused("both sides are seeds"));
        }
        if !peer.am_interested && picker.is_interesting(&peer.has) {
            peer.am_interested = true;
            peer.send(Message::Interested);
        }
        fill_requests(&mut state, key);
        Ok(())
    }

    fn on_request(&self, key: PeerKey, request: BlockRequest) -> Result<(), PeerError> {
        let state = self.lock();
        let piece_count = state.picker.have().len();
        let in_range = (request.index as usize) < piece_count
            && request.length > 0
            && request.length <= MAX_SERVED_BLOCK
            && u64::from(request.begin) + u64::from(request.length)
                <= u64::from(state.picker.piece_size(request.index));
        if !in_range {
            return Err(PeerError::Protocol(format!(
                "request beyond the torrent: piece {} offset {} length {}",
                request.index, request.begin, request.length
            )));
        }
        let Some(peer) = state.peers.get(&key) else {
            return Ok(());
        };
        let may_serve = !peer.am_choking || peer.allowed_fast.contains(&request.index);
        if !may_serve || !state.picker.have().get(request.index as usize) {
            if peer.fast {
                peer.send(Message::Reject(request));
            }
            return Ok(());
        }
        let _ = peer.outbox.send(Outgoing::Upload(request));
        Ok(())
    }

    fn on_reject(&self, key: PeerKey, request: BlockRequest) {
        let mut state = self.lock();
        let SwarmState { picker, peers, .. } = &mut *state;
        let block = Block {
            index: request.index,
            begin: request.begin,
            length: request.length,
        };
        if let Some(peer) = peers.get_mut(&key) {
            if peer.requested.remove(&block) {
                picker.request_dropped(&block);
            }
        }
    }

    fn on_extended_handshake(&self, key: PeerKey, payload: &[u8]) -> Result<(), PeerError> {
        let handshake = ExtendedHandshake::from_payload(payload)?;
        let mut state = self.lock();
        let Some(peer) = state.peers.get_mut(&key) else {
            return Ok(());
        };
        peer.extensions.record_remote(&handshake);
        let exchange = peer.extensions.local_id(UT_PEX).is_some()
            && peer.extensions.remote_id(UT_PEX).is_some();
        peer.pex
            .on_handshake(peer.addr, handshake.listen_port, exchange, Instant::now());
        if let Some(queue) = handshake.request_queue {
            peer.request_queue = (queue as usize).clamp(1, MAX_PIPELINE);
        }
        Ok(())
    }

    fn on_block(self: &Arc<Self>, key: PeerKey, index: u32, begin: u32, data: Bytes) {
        let block = Block {
            index,
            begin,
            length: data.len() as u32,
        };
        let mut state = self.lock();
        let SwarmState { picker, peers, .. } = &mut *state;
        let Some(peer) = peers.get_mut(&key) else {
            return;
        };
        if !peer.requested.remove(&block) {
            return;
        }
        peer.download.add(data.len() as u64);
        peer.last_block_at = Instant::now();
        let endgame = picker.in_endgame();
        match picker.block_arrived(key, index, begin, &data) {
            Arrival::PieceComplete { data, contributors } => {
                self.verify_queue.push(CompletedPiece {
                    index,
                    data,
                    contributors,
                });
                tokio::spawn(Arc::clone(self).verify_next());
            }
            Arrival::Stored | Arrival::Unexpected => {}
        }
        if endgame {
            cancel_duplicates(peers, key, &block);
        }
        fill_requests(&mut state, key);
    }

    /// Checks the next batch of completed pieces (one task per completed
    /// piece is spawned; a task that finds the queue empty has nothing to do).
    async fn verify_next(self: Arc<Self>) {
        let Ok(_permit) = self.verify_queue.workers.acquire().await else {
            return;
        };
        let batch = self.verify_queue.take_batch();
        if batch.is_empty() {
            return;
        }
        let shared = Arc::clone(&self);
        let outcome = tokio::task::spawn_blocking(move || {
            let verdicts = verifier::check(&batch, &shared.torrent.info.pieces, &shared.storage);
            (batch, verdicts)
        })
        .await;
        let Ok((batch, verdicts)) = outcome else {
            return self.fail("piece verification stopped unexpectedly".to_string());
        };
        for (piece, verdict) in batch.iter().zip(verdicts) {
            match verdict {
                Ok(valid) => self.piece_checked(piece.index, valid, &piece.contributors),
                Err(error) => self.fail(format!("could not write piece {}: {error}", piece.index)),
            }
        }
    }

    /// Stops the swarm because of an error it cannot recover from (a full disk).
    pub(super) fn fail(&self, message: String) {
        self.failure.send_replace(Some(message));
        self.shutdown.cancel();
    }

    fn piece_checked(&self, index: u32, valid: bool, contributors: &[PeerKey]) {
        let mut state = self.lock();
        state.picker.piece_checked(index, valid);
        if valid {
            let size = u64::from(state.picker.piece_size(index));
            self.downloaded.fetch_add(size, Ordering::Relaxed);
            self.resume_dirty.store(true, Ordering::Relaxed);
            announce_piece(&mut state, index);
            if state.picker.is_done() {
                self.complete.send_replace(true);
            }
            fill_all_requests(&mut state);
            return;
        }
        let addrs: Vec<String> = contributors
            .iter()
            .filter_map(|key| state.peers.get(key).map(|peer| peer.addr.to_string()))
            .collect();
        self.emit(SwarmEvent::PieceFailed(PieceFailed {
            info_hash: self.info_hash_hex.clone(),
            index,
            peers: addrs,
        }));
        if let [culprit] = contributors {
            self.strike(&mut state, *culprit);
        }
        fill_all_requests(&mut state);
    }

    fn strike(&self, state: &mut SwarmState, key: PeerKey) {
        let Some(peer) = state.peers.get(&key) else {
            return;
        };
        let (addr, peer_id) = (peer.addr, peer.peer_id);
        let strikes = state.strikes.entry(addr).or_insert(0);
        *strikes += 1;
        if *strikes < STRIKES_TO_BAN {
            return;
        }
        state.banned_addrs.insert(addr);
        state.banned_ids.insert(peer_id);
        peer.cancel.cancel();
        self.emit(SwarmEvent::PeerBanned(PeerBanned {
            info_hash: self.info_hash_hex.clone(),
            peer: addr.to_string(),
            reason: format!("sent {strikes} pieces that failed their hash check"),
        }));
    }

    /// Updates rates and takes requests back from peers that stopped sending.
    pub(super) fn tick(&self, now: Instant) {
        let mut state = self.lock();
        let SwarmState { picker, peers, .. } = &mut *state;
        for peer in peers.values_mut() {
            peer.download.tick(now);
            peer.upload.tick(now);
            let snubbed =
                !peer.requested.is_empty() && now.duration_since(peer.last_block_at) > SNUB_TIMEOUT;
            if snubbed {
                for block in peer.requested.drain() {
                    picker.request_dropped(&block);
                }
                peer.last_block_at = now;
            }
        }
        fill_all_requests(&mut state);
    }

    /// Asks the choker whom to unchoke and tells the peers.
    pub(super) fn rechoke(&self) {
        let mut state = self.lock();
        let seeding = state.picker.is_done();
        let candidates: Vec<ChokeCandidate> = state
            .peers
            .iter()
            .map(|(&peer, entry)| ChokeCandidate {
                peer,
                interested: entry.peer_interested,
                download_rate: entry.download.rate(),
                upload_rate: entry.upload.rate(),
            })
            .collect();
        let unchoke = state
            .choker
            .unchoke_set(&candidates, seeding, Instant::now());
        for (key, peer) in state.peers.iter_mut() {
            let should_choke = !unchoke.contains(key);
            if should_choke != peer.am_choking {
                peer.am_choking = should_choke;
                peer.send(if should_choke {
                    Message::Choke
                } else {
                    Message::Unchoke
                });
            }
        }
    }

    /// Counts bytes sent to a peer.
    pub(super) fn count_upload(&self, key: PeerKey, bytes: u64) {
        self.uploaded.fetch_add(bytes, Ordering::Relaxed);
        if let Some(peer) = self.lock().peers.get_mut(&key) {
            peer.upload.add(bytes);
        }
    }

    /// Whether we still choke peer `key` (uploads queued before a choke are dropped).
    pub(super) fn is_choking(&self, key: PeerKey) -> bool {
        self.lock()
            .peers
            .get(&key)
            .is_none_or(|peer| peer.am_choking)
    }
}

/// Tops up peer `key`'s outstanding requests to its pipeline target; while
/// the peer chokes us, only from the pieces it allowed us (BEP 6).
fn fill_requests(state: &mut SwarmState, key: PeerKey) {
    let SwarmState { picker, peers, .. } = state;
    let Some(peer) = peers.get_mut(&key) else {
        return;
    };
    if !peer.am_interested {
        return;
    }
    let choked_allowed;
    let (offered, target) = if peer.peer_choking {
        if peer.allowed_fast_from_peer.is_empty() {
            return;
        }
        choked_allowed = allowed_while_choked(peer);
        (&choked_allowed, CHOKED_PIPELINE)
    } else {
        (&peer.has, peer.pipeline_target())
    };
    if peer.requested.len() > target * 3 / 4 {
        return;
    }
    let requested = &peer.requested;
    let blocks = picker.pick(key, offered, target - requested.len(), &|block| {
        requested.contains(block)
    });
    for block in blocks {
        peer.requested.insert(block);
        peer.send(Message::Request(BlockRequest {
            index: block.index,
            begin: block.begin,
            length: block.length,
        }));
    }
}

/// The pieces a choking peer has and lets us request.
fn allowed_while_choked(peer: &PeerEntry) -> Bitfield {
    let mut allowed = Bitfield::new(peer.has.len());
    for &index in &peer.allowed_fast_from_peer {
        if peer.has.get(index as usize) {
            allowed.set(index as usize);
        }
    }
    allowed
}

/// Tops up every peer's requests, after something freed pieces or blocks.
fn fill_all_requests(state: &mut SwarmState) {
    for key in state.peers.keys().copied().collect::<Vec<_>>() {
        fill_requests(state, key);
    }
}

/// In endgame, withdraws the copies of `block` requested from other peers.
fn cancel_duplicates(
    peers: &mut HashMap<PeerKey, PeerEntry>,
    arrived_from: PeerKey,
    block: &Block,
) {
    for (key, peer) in peers.iter_mut() {
        if *key != arrived_from && peer.requested.remove(block) {
            peer.send(Message::Cancel(BlockRequest {
                index: block.index,
                begin: block.begin,
                length: block.length,
            }));
        }
    }
}

/// Tells every peer about a new piece, and loses interest in peers with nothing left for us.
fn announce_piece(state: &mut SwarmState, index: u32) {
    let SwarmState { picker, peers, .. } = state;
    for peer in peers.values_mut() {
        peer.send(Message::Have(index));
        // Only a peer that had this piece can have nothing left for us now.
        if peer.am_interested && peer.has.get(index as usize) && !picker.is_interesting(&peer.has) {
            peer.am_interested = false;
            peer.send(Message::NotInterested);
        }
    }
}
