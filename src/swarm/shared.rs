//! The state one torrent's peers share ([`Shared`]), peers joining and
//! leaving, and the routing of each peer message to the part of the swarm
//! that handles it: [`requests`](super::requests) for what we download,
//! [`upload_slots`](super::upload_slots) for what we serve and to whom,
//! [`extension`](super::extension) for BEP 10 extensions, and here for
//! verification of completed pieces.
//!
//! Peer tasks call the `on_*` methods; the session's ticker calls `tick`
//! and `rechoke`.
//!
//! Lock order, for the whole crate (this is the one place it is written):
//! 1. `Shared::state`, the swarm lock of one torrent. Never held across an
//!    `.await`; sending on a peer's unbounded outbox does not block.
//! 2. An extension's own locks, taken inside its hooks and by the choker
//!    while the swarm lock is held: the market seller's
//!    [`SellerBook`](crate::market::seller_book::SellerBook) (one per
//!    torrent), then inside it the process's
//!    [`PayerAccounts`](crate::market::payer_accounts::PayerAccounts); the
//!    market payer's state; the other extensions' per-session state. An
//!    extension never takes a swarm lock (it reaches the swarm only through
//!    [`ExtensionPeer`](super::ExtensionPeer) and [`Messenger`](super::Messenger),
//!    which queue messages), takes no second extension's lock, and holds
//!    its lock across no `.await`, ledger call or disk write.
//! 3. Leaf locks (the voucher journal's connection, a ledger's own), taken
//!    by tasks that hold none of the above.

use super::admission::Admission;
use super::choker::Choker;
use super::connection::MAX_QUEUED_UPLOADS;
use super::events::{PeerBanned, PieceFailed, SwarmEvent};
use super::extension::{Extension, ExtensionSet, PeerSummary, SwarmView};
use super::peer_entry::{Outgoing, PeerEntry, PeerError, PeerOrigin, MAX_PIPELINE};
use super::picker::{Contribution, PeerKey, Picker};
use super::requests::{announce_piece, fill_all_requests, take_back_snubbed};
use super::verifier::{self, CompletedPiece, VerifyQueue};
use super::web_seed::WebSeed;
use super::{PeerBatch, SessionOptions};
use crate::bitfield::Bitfield;
use crate::metainfo::{PieceHashes, Torrent};
use crate::peer::{allowed_fast_set, ExtendedHandshake, HashRange, Message, EXTENDED_HANDSHAKE_ID};
use crate::storage::Storage;
use bytes::Bytes;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Pieces a choked peer with the fast extension may still request (BEP 6).
const ALLOWED_FAST_COUNT: usize = 10;

/// The mutable part of a swarm.
pub(super) struct SwarmState {
    pub(super) picker: Picker,
    pub(super) peers: HashMap<PeerKey, PeerEntry>,
    pub(super) admission: Admission,
    pub(super) choker: Box<dyn Choker>,
    /// The web seeds, each under a key of its own (never one of a peer).
    pub(super) web_seeds: HashMap<PeerKey, WebSeed>,
    /// The key the next peer or web seed gets.
    pub(super) next_key: PeerKey,
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
    /// An extension asked for a rechoke before the period is over (a new bid).
    pub(super) rechoke_soon: AtomicBool,
    pub(super) new_peers: mpsc::UnboundedSender<PeerBatch>,
    pub(super) extensions: ExtensionSet,
    verify_queue: VerifyQueue,
}

impl Shared {
    /// The shared state of a torrent about to start; the choker and the
    /// extensions come from `options`, after the built-in extensions.
    pub(super) fn new(
        torrent: Arc<Torrent>,
        storage: Arc<Storage>,
        picker: Picker,
        options: SessionOptions,
        events: mpsc::UnboundedSender<SwarmEvent>,
        new_peers: mpsc::UnboundedSender<PeerBatch>,
    ) -> Shared {
        let done = picker.is_done();
        let mut offered: Vec<Extension> = super::built_in_extensions();
        offered.extend(options.extensions.iter().cloned());
        Shared {
            info_hash: torrent.info_hash.0,
            info_hash_hex: torrent.info_hash.to_string(),
            verify_queue: VerifyQueue::new(options.hash_threads.div_ceil(2)),
            state: Mutex::new(SwarmState {
                picker,
                peers: HashMap::new(),
                admission: Admission::default(),
                choker: options.choker.build(),
                web_seeds: HashMap::new(),
                next_key: 1,
            }),
            complete: watch::channel(done).0,
            failure: watch::channel(None).0,
            shutdown: CancellationToken::new(),
            resume_dirty: AtomicBool::new(false),
            rechoke_soon: AtomicBool::new(false),
            new_peers,
            extensions: ExtensionSet::for_torrent(&torrent, &offered),
            downloaded: AtomicU64::new(0),
            uploaded: AtomicU64::new(0),
            torrent,
            storage,
            options,
            events,
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, SwarmState> {
        crate::sync::lock(&self.state)
    }

    /// The torrent's number of pieces.
    pub(super) fn piece_count(&self) -> usize {
        self.lock().picker.have().len()
    }

    pub(super) fn emit(&self, event: SwarmEvent) {
        let _ = self.events.send(event);
    }

    /// The swarm as extension hooks see it; `peers` is filled for ticks.
    pub(super) fn view<'a>(&'a self, seeding: bool, peers: &'a [PeerSummary]) -> SwarmView<'a> {
        SwarmView {
            torrent: &self.torrent,
            seeding,
            peers,
            new_peers: &self.new_peers,
            rechoke_soon: &self.rechoke_soon,
        }
    }

    /// Whether a new connection to or from `addr` may be made now (not to a
    /// peer already connected from another port but listening at `addr`).
    pub(super) fn may_connect(&self, addr: SocketAddr) -> bool {
        let state = self.lock();
        state
            .admission
            .may_connect(addr, &state.peers, self.options.max_peers)
    }

    /// Records a dial to `addr` starting or (`done`) ending.
    pub(super) fn dialling(&self, addr: SocketAddr, done: bool) {
        let mut state = self.lock();
        if done {
            state.admission.dialled(addr);
        } else {
            state.admission.dialling(addr);
        }
    }

    /// Adds a handshaken peer; refuses banned, duplicate and surplus peers.
    /// Returns its key and the pieces it may request while choked.
    pub(super) fn register(
        &self,
        origin: PeerOrigin,
        outbox: mpsc::UnboundedSender<Outgoing>,
        cancel: CancellationToken,
    ) -> Result<(PeerKey, Vec<u32>), PeerError> {
        let mut state = self.lock();
        let own_id = self.options.peer_id;
        (state.admission).admit(&origin, own_id, &state.peers, self.options.max_peers)?;
        let key = state.next_key;
        state.next_key += 1;
        let piece_count = state.picker.have().len();
        let allowed_fast = match (origin.fast, origin.addr.ip().to_canonical()) {
            (true, std::net::IpAddr::V4(ip)) => {
                allowed_fast_set(ALLOWED_FAST_COUNT, ip, &self.info_hash, piece_count as u32)
            }
            _ => Vec::new(),
        };
        let registry = self.extensions.registry();
        let now = Instant::now();
        let mut entry = PeerEntry::new(
            origin,
            piece_count,
            allowed_fast.clone(),
            registry,
            outbox,
            cancel,
            now,
        );
        let view = self.view(state.picker.have().is_full(), &[]);
        self.extensions.attach(key, &mut entry, &view);
        state.peers.insert(key, entry);
        Ok((key, allowed_fast))
    }

    /// Sends the first messages: our extended handshake (BEP 10: `m`, the
    /// `reqq` our upload queue holds, and each extension's fields), what we have, and the pieces the peer may
    /// request while choked (BEP 6).
    pub(super) fn send_opening(&self, key: PeerKey, remote_supports_extensions: bool) {
        let state = self.lock();
        let Some(peer) = state.peers.get(&key) else {
            return;
        };
        if remote_supports_extensions {
            let handshake = ExtendedHandshake {
                client: Some(format!("btt {}", env!("CARGO_PKG_VERSION"))),
                listen_port: Some(self.options.listen_port),
                request_queue: Some(MAX_QUEUED_UPLOADS as u32),
                ..self.extensions.handshake(&self.torrent)
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

    /// Removes a departed peer (its extensions hear of it first) and
    /// returns its requests to the pool.
    pub(super) fn unregister(&self, key: PeerKey) {
        let mut state = self.lock();
        let Some(mut peer) = state.peers.remove(&key) else {
            return;
        };
        let view = self.view(state.picker.have().is_full(), &[]);
        self.extensions.on_disconnect(key, &mut peer, &view);
        for block in &peer.requested {
            state.picker.request_dropped(block);
        }
        state.picker.remove_peer_pieces(&peer.has);
        state.picker.peer_gone(key);
        peer.cancel.cancel();
        let freed_slot = !peer.am_choking();
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
            Message::KeepAlive | Message::SuggestPiece(_) | Message::Port(_) => {}
            Message::AllowedFast(index) => self.on_allowed_fast(key, index),
            Message::Choke => self.on_choke(key),
            Message::Unchoke => self.on_unchoke(key),
            Message::Interested => self.on_interest(key, true),
            Message::NotInterested => self.on_interest(key, false),
            Message::Have(index) => return self.on_have(key, index),
            Message::Bitfield(bytes) => return self.on_bitfield(key, &bytes),
            Message::HaveAll => return self.on_pieces(key, Bitfield::full(self.piece_count())),
            Message::HaveNone => return self.on_pieces(key, Bitfield::new(self.piece_count())),
            Message::Request(request) => return self.on_request(key, request),
            Message::Piece { index, begin, data } => self.on_block(key, index, begin, data),
            Message::Cancel(request) => self.send_to(key, Outgoing::WithdrawUpload(request)),
            Message::Reject(request) => self.on_reject(key, request),
            Message::Extended { id, payload } => return self.on_extension(key, id, &payload),
            Message::HashRequest(range) => self.on_hash_request(key, range),
            // btt asks for no hashes (a .torrent carries every piece layer).
            Message::Hashes { .. } | Message::HashReject(_) => {}
        }
        Ok(())
    }

    /// A BEP 52 hash request: the hashes from the torrent's piece layers,
    /// or a reject when they are not known here (or the torrent is not v2).
    fn on_hash_request(&self, key: PeerKey, range: HashRange) {
        let hashes = match &self.torrent.info.pieces {
            PieceHashes::Merkle(merkle) => merkle.hashes_for(
                &range.pieces_root,
                range.base_layer,
                range.index,
                range.length,
                range.proof_layers,
            ),
            PieceHashes::Sha1(_) => None,
        };
        let reply = match hashes {
            Some(hashes) => Message::Hashes {
                range,
                hashes: Bytes::from(hashes.concat()),
            },
            None => Message::HashReject(range),
        };
        self.send_to(key, Outgoing::Message(reply));
    }

    /// An extension message, dispatched by the extension our id names.
    fn on_extension(&self, key: PeerKey, id: u8, payload: &[u8]) -> Result<(), PeerError> {
        if id == EXTENDED_HANDSHAKE_ID {
            return self.on_extended_handshake(key, payload);
        }
        let mut state = self.lock();
        let view = self.view(state.picker.have().is_full(), &[]);
        let Some(peer) = state.peers.get_mut(&key) else {
            return Ok(());
        };
        self.extensions.on_message(id, key, peer, &view, payload)
    }

    /// The peer's extended handshake: its extension ids, listen port and
    /// request queue, then each extension's view of it.
    fn on_extended_handshake(&self, key: PeerKey, payload: &[u8]) -> Result<(), PeerError> {
        let handshake = ExtendedHandshake::from_payload(payload)?;
        let mut state = self.lock();
        let view = self.view(state.picker.have().is_full(), &[]);
        let Some(peer) = state.peers.get_mut(&key) else {
            return Ok(());
        };
        peer.extensions.record_remote(&handshake);
        peer.record_listen_port(handshake.listen_port);
        if let Some(queue) = handshake.request_queue {
            peer.request_queue = (queue as usize).clamp(1, MAX_PIPELINE);
        }
        self.extensions.on_handshake(key, peer, &view, &handshake);
        Ok(())
    }

    pub(super) fn send_to(&self, key: PeerKey, item: Outgoing) {
        if let Some(peer) = self.lock().peers.get(&key) {
            peer.queue(item);
        }
    }

    /// Queues a completed piece for verification.
    pub(super) fn verify(self: &Arc<Self>, piece: CompletedPiece) {
        self.verify_queue.push(piece);
        tokio::spawn(Arc::clone(self).verify_next());
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

    fn piece_checked(&self, index: u32, valid: bool, contributors: &[Contribution]) {
        let mut state = self.lock();
        state.picker.piece_checked(index, valid);
        if valid {
            let size = u64::from(state.picker.piece_size(index));
            self.downloaded.fetch_add(size, Ordering::Relaxed);
            self.resume_dirty.store(true, Ordering::Relaxed);
            self.tell_contributors(&mut state, index, true, contributors);
            announce_piece(&mut state, index);
            if state.picker.is_done() {
                self.complete.send_replace(true);
            }
            fill_all_requests(&mut state);
            return;
        }
        self.tell_contributors(&mut state, index, false, contributors);
        let addrs: Vec<String> = contributors
            .iter()
            .filter_map(|c| match state.peers.get(&c.peer) {
                Some(peer) => Some(peer.addr.to_string()),
                None => state
                    .web_seeds
                    .get(&c.peer)
                    .map(|seed| seed.url().to_owned()),
            })
            .collect();
        self.emit(SwarmEvent::PieceFailed(PieceFailed {
            info_hash: self.info_hash_hex.clone(),
            index,
            peers: addrs,
        }));
        if let [culprit] = contributors {
            self.strike(&mut state, culprit.peer, index);
        }
        fill_all_requests(&mut state);
    }

    /// Tells each contributor's extensions how piece `index` checked: what
    /// it sent of it when `valid`, that it failed otherwise.
    fn tell_contributors(
        &self,
        state: &mut SwarmState,
        index: u32,
        valid: bool,
        contributors: &[Contribution],
    ) {
        let view = self.view(state.picker.have().is_full(), &[]);
        for contribution in contributors {
            let key = contribution.peer;
            let Some(peer) = state.peers.get_mut(&key) else {
                continue;
            };
            if valid {
                let bytes = contribution.bytes;
                (self.extensions).on_piece_verified(key, peer, &view, index, bytes);
            } else {
                (self.extensions).on_piece_failed(key, peer, &view, index);
            }
        }
    }

    /// Strikes the peer or web seed that alone sent bad piece `index`; a
    /// peer's ban ends its connection.
    fn strike(&self, state: &mut SwarmState, key: PeerKey, index: u32) {
        let Some(peer) = state.peers.get(&key) else {
            return self.web_seed_sent_bad_piece(state, key, index);
        };
        let Some(strikes) = state.admission.strike(peer.addr, peer.peer_id) else {
            return;
        };
        peer.cancel.cancel();
        self.emit(SwarmEvent::PeerBanned(PeerBanned {
            info_hash: self.info_hash_hex.clone(),
            peer: peer.addr.to_string(),
            reason: format!("sent {strikes} pieces that failed their hash check"),
        }));
    }

    /// Once a second: updates rates and pipelines, takes requests back from peers that
    /// stopped sending, and runs the extensions' ticks.
    pub(super) fn tick(&self, now: Instant) {
        let mut state = self.lock();
        for peer in state.peers.values_mut() {
            peer.tick(now);
        }
        for seed in state.web_seeds.values_mut() {
            seed.download.tick(now);
        }
        take_back_snubbed(&mut state, now);
        fill_all_requests(&mut state);
        self.tick_extensions(&mut state, now);
    }

    fn tick_extensions(&self, state: &mut SwarmState, now: Instant) {
        let summaries: Vec<PeerSummary> = state.peers.values().map(PeerEntry::summary).collect();
        let view = self.view(state.picker.have().is_full(), &summaries);
        for (&key, peer) in state.peers.iter_mut() {
            self.extensions.on_tick(key, peer, &view, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_swarm::{SwarmSetup, TestSwarm};
    use super::*;

    #[test]
    fn the_opening_handshake_advertises_the_upload_queue_we_accept() {
        let swarm = TestSwarm::start(SwarmSetup::default());
        let mut peer = swarm.connect("10.0.0.1:6881", 1, true);
        swarm.shared.send_opening(peer.key, true);
        let handshake = peer
            .messages()
            .into_iter()
            .find_map(|message| match message {
                Message::Extended { id, payload } if id == EXTENDED_HANDSHAKE_ID => {
                    Some(ExtendedHandshake::from_payload(&payload).unwrap())
                }
                _ => None,
            })
            .expect("an extended handshake");
        assert_eq!(handshake.request_queue, Some(MAX_QUEUED_UPLOADS as u32));
    }
}
