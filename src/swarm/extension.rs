//! BEP 10 extensions as plug-ins of a session. An extension is one type
//! that implements [`SessionExtension`]: its name in the `m` dictionary,
//! the fields it adds to our extended handshake, a state per connected peer,
//! and what it does with the peer's handshake, its messages, the
//! once-a-second tick, changes of the peer's upload slot, the verified
//! pieces it sent, and its departure. Work that must wait (a ledger call)
//! runs in a task of the extension's own, which reaches the peer later
//! through a [`Messenger`]. `ut_metadata`
//! ([`MetadataServer`](super::metadata_serve::MetadataServer)) and `ut_pex`
//! ([`PeerExchange`](super::pex_exchange::PeerExchange)) are built in; more
//! come in through [`SessionOptions::extensions`](super::SessionOptions).
//!
//! Invariants:
//! - Our local ids are the extensions' positions in the session's
//!   [`ExtensionSet`] plus one, so an incoming id names one extension and
//!   the registry and the dispatch never disagree.
//! - Every hook runs under the swarm lock, from a peer task or the ticker:
//!   it must not block (sending to a peer queues on its outbox).
//! - Each peer's states are made by the same extensions, in the same order,
//!   so the type-erased state given to a hook is always its own.

use super::choker::{PricePerMib, UploadSlot};
use super::peer_entry::{Outgoing, PeerEntry, PeerError};
use super::picker::PeerKey;
use super::{PeerBatch, PeerSource};
use crate::metainfo::Torrent;
use crate::peer::{ExtendedHandshake, ExtensionRegistry, Message};
use bytes::Bytes;
use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

/// One BEP 10 extension a session speaks.
pub trait SessionExtension: Send + Sync + 'static {
    /// What the extension keeps for each connected peer.
    type Peer: Send + 'static;

    /// Its name in the `m` dictionary (for example `ut_pex`).
    fn name(&self) -> &'static str;

    /// Whether a session of `torrent` offers it (`ut_pex`: not for private torrents).
    fn offered(&self, _torrent: &Torrent) -> bool {
        true
    }

    /// The state for a newly connected peer.
    fn new_peer(&self, peer: &ExtensionPeer<'_>, now: Instant) -> Self::Peer;

    /// Adds the extension's fields to our extended handshake.
    fn handshake_fields(&self, _torrent: &Torrent, _handshake: &mut ExtendedHandshake) {}

    /// The peer's extended handshake (later ones carry changes only).
    fn on_handshake(
        &self,
        _peer: &mut ExtensionPeer<'_>,
        _state: &mut Self::Peer,
        _handshake: &ExtendedHandshake,
    ) {
    }

    /// A message of this extension from the peer; an error closes the connection.
    fn on_message(
        &self,
        peer: &mut ExtensionPeer<'_>,
        state: &mut Self::Peer,
        payload: &[u8],
    ) -> Result<(), PeerError>;

    /// Once a second, for each connected peer.
    fn on_tick(&self, _peer: &mut ExtensionPeer<'_>, _state: &mut Self::Peer, _now: Instant) {}

    /// The peer's upload slot changed to `slot`; called before the choke or
    /// unchoke goes out, so what the extension sends arrives first.
    fn on_slot(&self, _peer: &mut ExtensionPeer<'_>, _state: &mut Self::Peer, _slot: UploadSlot) {}

    /// A block of `bytes` of piece `index` we asked the peer for was stored
    /// (a duplicate is not reported); [`ExtensionPeer::choking_us`] says
    /// whether it came while the peer choked us (an allowed-fast block).
    fn on_block(
        &self,
        _peer: &mut ExtensionPeer<'_>,
        _state: &mut Self::Peer,
        _index: u32,
        _bytes: u64,
    ) {
    }

    /// Piece `index`, of which the peer sent some blocks, failed its hash
    /// check: those blocks are thrown away.
    fn on_piece_failed(&self, _peer: &mut ExtensionPeer<'_>, _state: &mut Self::Peer, _index: u32) {
    }

    /// Piece `index` passed its hash check, and `bytes` of it came from this
    /// peer (a piece that fails its check is never reported here).
    fn on_piece_verified(
        &self,
        _peer: &mut ExtensionPeer<'_>,
        _state: &mut Self::Peer,
        _index: u32,
        _bytes: u64,
    ) {
    }

    /// The connection ended; the state is dropped after this.
    fn on_disconnect(&self, _peer: &mut ExtensionPeer<'_>, _state: &mut Self::Peer) {}
}

/// What one connected peer looks like to the rest of the swarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerSummary {
    /// The connection's remote address.
    pub addr: SocketAddr,
    /// Where it accepts connections, when known.
    pub listen_addr: Option<SocketAddr>,
    /// Whether we reached it by dialling.
    pub dialled: bool,
    /// Whether it has every piece.
    pub seed: bool,
}

/// The swarm around a hook call.
pub(super) struct SwarmView<'a> {
    pub(super) torrent: &'a Torrent,
    /// Whether we have every piece of the torrent.
    pub(super) seeding: bool,
    /// Every connected peer (filled for ticks; empty otherwise).
    pub(super) peers: &'a [PeerSummary],
    pub(super) new_peers: &'a mpsc::UnboundedSender<PeerBatch>,
    pub(super) rechoke_soon: &'a std::sync::atomic::AtomicBool,
}

/// One peer, as an extension's hook sees it.
pub struct ExtensionPeer<'a> {
    name: &'static str,
    key: PeerKey,
    entry: &'a mut PeerEntry,
    swarm: &'a SwarmView<'a>,
}

impl ExtensionPeer<'_> {
    /// The peer's key in this session.
    pub fn key(&self) -> PeerKey {
        self.key
    }

    /// The connection's remote address.
    pub fn addr(&self) -> SocketAddr {
        self.entry.addr
    }

    /// Where the peer accepts connections, when known.
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.entry.listen_addr()
    }

    /// Whether the peer chokes us now.
    pub fn choking_us(&self) -> bool {
        self.entry.peer_choking
    }

    /// Whether the peer has every piece.
    pub fn is_seed(&self) -> bool {
        self.entry.is_seed()
    }

    /// Whether the peer announced this extension in its handshake.
    pub fn supported(&self) -> bool {
        self.entry.extensions.remote_id(self.name).is_some()
    }

    /// Sends a message of this extension; false if the peer does not support it.
    pub fn send(&self, payload: Bytes) -> bool {
        match self.entry.extensions.outgoing(self.name, payload) {
            Some(message) => {
                self.entry.send(message);
                true
            }
            None => false,
        }
    }

    /// The torrent of the session.
    pub fn torrent(&self) -> &Torrent {
        self.swarm.torrent
    }

    /// Whether we have every piece of the torrent.
    pub fn seeding(&self) -> bool {
        self.swarm.seeding
    }

    /// Every connected peer, this one included (filled only during ticks).
    pub fn swarm_peers(&self) -> &[PeerSummary] {
        self.swarm.peers
    }

    /// A handle that sends this extension's messages to the peer later,
    /// from outside a hook; `None` if the peer does not support it.
    pub fn messenger(&self) -> Option<Messenger> {
        let id = self.entry.extensions.remote_id(self.name)?;
        Some(Messenger {
            id,
            outbox: self.entry.outbox(),
        })
    }

    /// Hands peer addresses to the session's dialer.
    pub fn learn(&self, source: PeerSource, addrs: Vec<SocketAddr>) {
        let _ = self.swarm.new_peers.send(PeerBatch::new(source, addrs));
    }

    /// Asks for a rechoke at the next tick (within a second) rather than at
    /// the end of the period, because what the choker decides on changed (a
    /// new bid, a payer that stopped).
    pub fn request_rechoke(&self) {
        self.swarm
            .rechoke_soon
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Keeps at most `blocks` of our requests outstanding at the peer (at
    /// least one), or lifts the limit with `None`: a seller serves a paid
    /// slot only within its credit window and refuses what is asked beyond.
    pub fn limit_requests(&mut self, blocks: Option<usize>) {
        self.entry.request_limit = blocks;
    }

    /// Records what the peer offers for a regular upload slot; the choker
    /// sees it at the next rechoke ([`ChokeCandidate::offer`](super::ChokeCandidate)).
    pub fn set_offer(&mut self, offer: Option<PricePerMib>) {
        self.entry.offer = offer;
    }
}

/// Sends one extension's messages to one peer from outside a hook (a task
/// that waited on the ledger), under the id the peer chose when the
/// messenger was made.
#[derive(Debug, Clone)]
pub struct Messenger {
    id: u8,
    outbox: mpsc::UnboundedSender<Outgoing>,
}

impl Messenger {
    /// Queues a message; false once the connection has ended.
    pub fn send(&self, payload: Bytes) -> bool {
        let message = Message::Extended {
            id: self.id,
            payload,
        };
        self.outbox.send(Outgoing::Message(message)).is_ok()
    }

    /// Tells an unchoked peer again that it is unchoked, so it sends the
    /// requests it held back after some were refused (a seller whose credit
    /// window reopened). The caller must know the peer holds a slot; the
    /// slot itself does not change. False once the connection has ended.
    pub fn resume_requests(&self) -> bool {
        let message = Message::Unchoke;
        self.outbox.send(Outgoing::Message(message)).is_ok()
    }
}

/// [`SessionExtension`] with its per-peer state type erased, so that one
/// session can hold extensions of different state types.
trait ErasedExtension: Send + Sync {
    fn name(&self) -> &'static str;
    fn offered(&self, torrent: &Torrent) -> bool;
    fn new_peer(&self, peer: &ExtensionPeer<'_>, now: Instant) -> Box<dyn Any + Send>;
    fn handshake_fields(&self, torrent: &Torrent, handshake: &mut ExtendedHandshake);
    fn call(&self, peer: &mut ExtensionPeer<'_>, state: &mut dyn Any, hook: Hook<'_>)
        -> HookResult;
}

/// A hook call, with its argument.
#[derive(Clone, Copy)]
enum Hook<'a> {
    Handshake(&'a ExtendedHandshake),
    Message(&'a [u8]),
    Tick(Instant),
    Slot(UploadSlot),
    Block { index: u32, bytes: u64 },
    PieceFailed { index: u32 },
    PieceVerified { index: u32, bytes: u64 },
    Disconnect,
}

type HookResult = Result<(), PeerError>;

impl<E: SessionExtension> ErasedExtension for E {
    fn name(&self) -> &'static str {
        SessionExtension::name(self)
    }

    fn offered(&self, torrent: &Torrent) -> bool {
        SessionExtension::offered(self, torrent)
    }

    fn new_peer(&self, peer: &ExtensionPeer<'_>, now: Instant) -> Box<dyn Any + Send> {
        Box::new(SessionExtension::new_peer(self, peer, now))
    }

    fn handshake_fields(&self, torrent: &Torrent, handshake: &mut ExtendedHandshake) {
        SessionExtension::handshake_fields(self, torrent, handshake);
    }

    fn call(
        &self,
        peer: &mut ExtensionPeer<'_>,
        state: &mut dyn Any,
        hook: Hook<'_>,
    ) -> HookResult {
        let Some(state) = state.downcast_mut::<E::Peer>() else {
            return Ok(());
        };
        match hook {
            Hook::Handshake(handshake) => self.on_handshake(peer, state, handshake),
            Hook::Message(payload) => return self.on_message(peer, state, payload),
            Hook::Tick(now) => self.on_tick(peer, state, now),
            Hook::Slot(slot) => self.on_slot(peer, state, slot),
            Hook::Block { index, bytes } => self.on_block(peer, state, index, bytes),
            Hook::PieceFailed { index } => self.on_piece_failed(peer, state, index),
            Hook::PieceVerified { index, bytes } => {
                self.on_piece_verified(peer, state, index, bytes)
            }
            Hook::Disconnect => self.on_disconnect(peer, state),
        }
        Ok(())
    }
}

/// One extension, ready to be offered by sessions.
#[derive(Clone)]
pub struct Extension(Arc<dyn ErasedExtension>);

impl Extension {
    /// Wraps an extension.
    pub fn new(extension: impl SessionExtension) -> Extension {
        Extension(Arc::new(extension))
    }

    /// Its name in the `m` dictionary.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Debug for Extension {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Extension({})", self.name())
    }
}

/// The extensions one session offers, in local-id order.
pub(super) struct ExtensionSet {
    extensions: Vec<Extension>,
    registry: ExtensionRegistry,
}

impl ExtensionSet {
    /// The extensions of `candidates` that a session of `torrent` offers
    /// (the first of each name).
    pub(super) fn for_torrent(torrent: &Torrent, candidates: &[Extension]) -> ExtensionSet {
        let mut registry = ExtensionRegistry::new();
        let mut extensions = Vec::new();
        for extension in candidates {
            let fresh = registry.local_id(extension.name()).is_none();
            // 255 ids are far more than a session registers; past them, an
            // extension is simply not offered.
            if fresh && extension.0.offered(torrent) && registry.register(extension.name()).is_ok()
            {
                extensions.push(extension.clone());
            }
        }
        ExtensionSet {
            extensions,
            registry,
        }
    }

    /// A registry with our ids, for a new peer to record its own in.
    pub(super) fn registry(&self) -> ExtensionRegistry {
        self.registry.clone()
    }

    /// Our extended handshake: `m`, then each extension's fields.
    pub(super) fn handshake(&self, torrent: &Torrent) -> ExtendedHandshake {
        let mut handshake = self.registry.handshake();
        for extension in &self.extensions {
            extension.0.handshake_fields(torrent, &mut handshake);
        }
        handshake
    }

    /// Gives a newly registered peer one state per extension.
    pub(super) fn attach(&self, key: PeerKey, entry: &mut PeerEntry, swarm: &SwarmView<'_>) {
        let now = Instant::now();
        let states = self
            .extensions
            .iter()
            .map(|extension| {
                let peer = ExtensionPeer {
                    name: extension.name(),
                    key,
                    entry: &mut *entry,
                    swarm,
                };
                extension.0.new_peer(&peer, now)
            })
            .collect();
        entry.extension_states = states;
    }

    /// A message for the extension with local id `id`; ids we never gave out are ignored.
    pub(super) fn on_message(
        &self,
        id: u8,
        key: PeerKey,
        entry: &mut PeerEntry,
        swarm: &SwarmView<'_>,
        payload: &[u8],
    ) -> Result<(), PeerError> {
        let Some(index) = usize::from(id).checked_sub(1) else {
            return Ok(());
        };
        if index >= self.extensions.len() {
            return Ok(());
        }
        self.call_one(index, key, entry, swarm, Hook::Message(payload))
    }

    /// The peer's extended handshake, for every extension.
    pub(super) fn on_handshake(
        &self,
        key: PeerKey,
        entry: &mut PeerEntry,
        swarm: &SwarmView<'_>,
        handshake: &ExtendedHandshake,
    ) {
        self.call_all(key, entry, swarm, Hook::Handshake(handshake));
    }

    /// The tick, for every extension.
    pub(super) fn on_tick(
        &self,
        key: PeerKey,
        entry: &mut PeerEntry,
        swarm: &SwarmView<'_>,
        now: Instant,
    ) {
        self.call_all(key, entry, swarm, Hook::Tick(now));
    }

    /// A change of the peer's upload slot, for every extension.
    pub(super) fn on_slot(
        &self,
        key: PeerKey,
        entry: &mut PeerEntry,
        swarm: &SwarmView<'_>,
        slot: UploadSlot,
    ) {
        self.call_all(key, entry, swarm, Hook::Slot(slot));
    }

    /// A stored block of piece `index` from the peer, for every extension.
    pub(super) fn on_block(
        &self,
        key: PeerKey,
        entry: &mut PeerEntry,
        swarm: &SwarmView<'_>,
        index: u32,
        bytes: u64,
    ) {
        self.call_all(key, entry, swarm, Hook::Block { index, bytes });
    }

    /// A failed piece `index` the peer sent some of, for every extension.
    pub(super) fn on_piece_failed(
        &self,
        key: PeerKey,
        entry: &mut PeerEntry,
        swarm: &SwarmView<'_>,
        index: u32,
    ) {
        self.call_all(key, entry, swarm, Hook::PieceFailed { index });
    }

    /// A verified piece `index`, of which the peer sent `bytes`, for every extension.
    pub(super) fn on_piece_verified(
        &self,
        key: PeerKey,
        entry: &mut PeerEntry,
        swarm: &SwarmView<'_>,
        index: u32,
        bytes: u64,
    ) {
        self.call_all(key, entry, swarm, Hook::PieceVerified { index, bytes });
    }

    /// The peer's departure, for every extension.
    pub(super) fn on_disconnect(&self, key: PeerKey, entry: &mut PeerEntry, swarm: &SwarmView<'_>) {
        self.call_all(key, entry, swarm, Hook::Disconnect);
    }

    fn call_all(&self, key: PeerKey, entry: &mut PeerEntry, swarm: &SwarmView<'_>, hook: Hook<'_>) {
        for index in 0..self.extensions.len() {
            // Only message hooks can fail.
            let _ = self.call_one(index, key, entry, swarm, hook);
        }
    }

    fn call_one(
        &self,
        index: usize,
        key: PeerKey,
        entry: &mut PeerEntry,
        swarm: &SwarmView<'_>,
        hook: Hook<'_>,
    ) -> HookResult {
        let extension = &self.extensions[index];
        let mut states = std::mem::take(&mut entry.extension_states);
        let result = match states.get_mut(index) {
            Some(state) => {
                let mut peer = ExtensionPeer {
                    name: extension.name(),
                    key,
                    entry: &mut *entry,
                    swarm,
                };
                extension.0.call(&mut peer, state.as_mut(), hook)
            }
            None => Ok(()),
        };
        entry.extension_states = states;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::super::choker::{ChokeCandidate, Choker, ChokerFactory, UnchokePlan};
    use super::super::test_swarm::{SwarmSetup, TestSwarm};
    use super::*;
    use crate::bencode::Bencode;
    use crate::peer::{Message, MetadataMessage, UT_METADATA, UT_PEX};
    use std::sync::atomic::Ordering;
    use std::sync::Mutex;

    /// A test extension: announces a `price` handshake field, counts each
    /// peer's messages in its state, records an offer from the payload's
    /// first byte and asks for a rechoke, echoes each message back, and
    /// refuses an empty one.
    struct Counter;

    impl SessionExtension for Counter {
        type Peer = u32;

        fn name(&self) -> &'static str {
            "x_counter"
        }

        fn new_peer(&self, _peer: &ExtensionPeer<'_>, _now: Instant) -> u32 {
            0
        }

        fn handshake_fields(&self, _torrent: &Torrent, handshake: &mut ExtendedHandshake) {
            handshake.extra.insert("x_price".into(), Bencode::Int(7));
        }

        fn on_message(
            &self,
            peer: &mut ExtensionPeer<'_>,
            count: &mut u32,
            payload: &[u8],
        ) -> Result<(), PeerError> {
            let Some(&first) = payload.first() else {
                return Err(PeerError::Protocol("empty x_counter message".into()));
            };
            *count += 1;
            peer.set_offer(Some(PricePerMib(u64::from(first))));
            peer.request_rechoke();
            peer.send(Bytes::from(count.to_be_bytes().to_vec()));
            Ok(())
        }
    }

    /// Records the candidates of each rechoke and unchokes nobody.
    struct Recorder(Arc<Mutex<Vec<ChokeCandidate>>>);

    impl Choker for Recorder {
        fn plan(&mut self, candidates: &[ChokeCandidate], _: bool, _: Instant) -> UnchokePlan {
            *self.0.lock().unwrap() = candidates.to_vec();
            UnchokePlan::default()
        }

        fn unchoke_on_interest(&mut self, _: &ChokeCandidate, _: usize) -> bool {
            false
        }
    }

    fn handshake_of(messages: &[Message]) -> ExtendedHandshake {
        messages
            .iter()
            .find_map(|message| match message {
                Message::Extended { id: 0, payload } => {
                    Some(ExtendedHandshake::from_payload(payload).unwrap())
                }
                _ => None,
            })
            .expect("an extended handshake")
    }

    fn peer_handshake(names: &[(&str, u8)]) -> Message {
        ExtendedHandshake {
            extensions: names
                .iter()
                .map(|(name, id)| (name.to_string(), *id))
                .collect(),
            ..ExtendedHandshake::default()
        }
        .to_message()
    }

    #[test]
    fn built_ins_and_plug_ins_share_one_handshake_in_registration_order() {
        let swarm = TestSwarm::start(SwarmSetup {
            extensions: vec![Extension::new(Counter)],
            ..SwarmSetup::default()
        });
        let mut peer = swarm.connect("10.0.0.1:6881", 1, false);
        swarm.shared.send_opening(peer.key, true);
        let ours = handshake_of(&peer.messages());
        let ids: Vec<(&str, u8)> = ours
            .extensions
            .iter()
            .map(|(n, &i)| (n.as_str(), i))
            .collect();
        assert_eq!(ids, [(UT_METADATA, 2), (UT_PEX, 1), ("x_counter", 3)]);
        assert_eq!(ours.extra.get("x_price"), Some(&Bencode::Int(7)));
        assert_eq!(
            ours.metadata_size,
            Some(swarm.shared.torrent.info_bytes.len() as u64)
        );
    }

    #[test]
    fn a_private_torrent_offers_no_peer_exchange() {
        let swarm = TestSwarm::start(SwarmSetup {
            private: true,
            ..SwarmSetup::default()
        });
        let mut peer = swarm.connect("10.0.0.1:6881", 1, false);
        swarm.shared.send_opening(peer.key, true);
        let names: Vec<String> = handshake_of(&peer.messages())
            .extensions
            .into_keys()
            .collect();
        assert_eq!(names, [UT_METADATA]);
    }

    #[test]
    fn messages_reach_the_plug_in_with_its_own_state_per_peer() {
        let candidates = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&candidates);
        let swarm = TestSwarm::start(SwarmSetup {
            extensions: vec![Extension::new(Counter)],
            choker: ChokerFactory::new(move || Box::new(Recorder(Arc::clone(&recorded)))),
            ..SwarmSetup::default()
        });
        let mut first = swarm.connect("10.0.0.1:6881", 1, false);
        let second = swarm.connect("10.0.0.2:6881", 2, false);
        swarm
            .receive(&first, peer_handshake(&[("x_counter", 9)]))
            .unwrap();
        let asked = || swarm.shared.rechoke_soon.load(Ordering::Relaxed);
        assert!(!asked());
        for _ in 0..2 {
            let message = Message::Extended {
                id: 3,
                payload: Bytes::from_static(&[40]),
            };
            swarm.receive(&first, message).unwrap();
        }
        assert!(asked(), "a new offer asks for an early rechoke");
        let echoes: Vec<Message> = first.messages();
        assert_eq!(
            echoes.last(),
            Some(&Message::Extended {
                id: 9,
                payload: Bytes::from(2u32.to_be_bytes().to_vec())
            }),
            "sent under the id the peer chose, counting this peer's messages"
        );
        let empty = Message::Extended {
            id: 3,
            payload: Bytes::new(),
        };
        assert!(
            swarm.receive(&second, empty).is_err(),
            "the plug-in's error closes"
        );
        let unknown = Message::Extended {
            id: 77,
            payload: Bytes::from_static(b"x"),
        };
        assert!(
            swarm.receive(&second, unknown).is_ok(),
            "ids we never gave out are ignored"
        );
        swarm.shared.rechoke();
        let offers: HashMap<PeerKey, Option<PricePerMib>> = candidates
            .lock()
            .unwrap()
            .iter()
            .map(|candidate| (candidate.peer, candidate.offer))
            .collect();
        assert_eq!(offers[&first.key], Some(PricePerMib(40)));
        assert_eq!(offers[&second.key], None);
    }

    #[test]
    fn metadata_requests_are_answered_under_the_peers_id() {
        let swarm = TestSwarm::start(SwarmSetup::default());
        let mut peer = swarm.connect("10.0.0.1:6881", 1, false);
        swarm
            .receive(&peer, peer_handshake(&[(UT_METADATA, 4)]))
            .unwrap();
        let request = MetadataMessage::Request { piece: 0 }.to_payload();
        swarm
            .receive(
                &peer,
                Message::Extended {
                    id: 2,
                    payload: request,
                },
            )
            .unwrap();
        let Some(Message::Extended { id: 4, payload }) = peer.messages().pop() else {
            panic!("a ut_metadata reply");
        };
        let info = &swarm.shared.torrent.info_bytes;
        assert_eq!(
            MetadataMessage::from_payload(&payload).unwrap(),
            MetadataMessage::Data {
                piece: 0,
                total_size: info.len() as u64,
                data: Bytes::copy_from_slice(info),
            }
        );
    }

    #[test]
    fn peer_exchange_tells_a_peer_where_the_others_listen_and_learns_from_it() {
        let mut swarm = TestSwarm::start(SwarmSetup::default());
        let mut first = swarm.connect("10.0.0.1:50000", 1, false);
        let second = swarm.connect("10.0.0.2:50000", 2, false);
        let with_port = |port| ExtendedHandshake {
            extensions: [(UT_PEX.to_string(), 5)].into(),
            listen_port: Some(port),
            ..ExtendedHandshake::default()
        };
        swarm.receive(&first, with_port(6001).to_message()).unwrap();
        swarm
            .receive(&second, with_port(6002).to_message())
            .unwrap();
        swarm
            .shared
            .tick(Instant::now() + std::time::Duration::from_secs(2));
        let Some(Message::Extended { id: 5, payload }) = first.messages().pop() else {
            panic!("a ut_pex message");
        };
        let told = crate::peer::PexMessage::from_payload(&payload).unwrap();
        let addrs: Vec<SocketAddr> = told.added.iter().map(|peer| peer.addr).collect();
        assert_eq!(addrs, ["10.0.0.2:6002".parse().unwrap()]);
        swarm
            .receive(&first, Message::Extended { id: 1, payload })
            .unwrap();
        let batch = swarm.learned.try_recv().expect("a batch for the dialer");
        assert_eq!((batch.source, batch.addrs), (PeerSource::Pex, addrs));
    }

    use std::collections::HashMap;

    /// Records what it hears into a shared log, and keeps a messenger.
    struct Recorder2 {
        log: Arc<Mutex<Vec<String>>>,
        messengers: Arc<Mutex<Vec<Messenger>>>,
    }

    impl SessionExtension for Recorder2 {
        type Peer = ();

        fn name(&self) -> &'static str {
            "x_record"
        }

        fn new_peer(&self, _: &ExtensionPeer<'_>, _: Instant) {}

        fn on_handshake(&self, peer: &mut ExtensionPeer<'_>, _: &mut (), _: &ExtendedHandshake) {
            self.messengers.lock().unwrap().extend(peer.messenger());
        }

        fn on_message(&self, _: &mut ExtensionPeer<'_>, _: &mut (), _: &[u8]) -> HookResult {
            Ok(())
        }

        fn on_piece_verified(&self, _: &mut ExtensionPeer<'_>, _: &mut (), index: u32, bytes: u64) {
            self.log
                .lock()
                .unwrap()
                .push(format!("piece {index}: {bytes}"));
        }

        fn on_disconnect(&self, peer: &mut ExtensionPeer<'_>, _: &mut ()) {
            self.log
                .lock()
                .unwrap()
                .push(format!("gone {}", peer.addr()));
        }
    }

    #[tokio::test]
    async fn verified_pieces_and_departures_reach_extensions_and_a_messenger_sends_later() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let messengers = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder2 {
            log: Arc::clone(&log),
            messengers: Arc::clone(&messengers),
        };
        let mut swarm = TestSwarm::start(SwarmSetup {
            seeding: false,
            extensions: vec![Extension::new(recorder)],
            ..SwarmSetup::default()
        });
        let mut peer = swarm.connect("10.0.0.1:6881", 1, false);
        swarm
            .receive(&peer, peer_handshake(&[("x_record", 12)]))
            .unwrap();
        swarm.receive(&peer, Message::HaveAll).unwrap();
        swarm.receive(&peer, Message::Unchoke).unwrap();
        let asked: Vec<_> = peer
            .messages()
            .into_iter()
            .filter_map(|message| match message {
                Message::Request(request) => Some(request),
                _ => None,
            })
            .collect();
        for (n, request) in asked.iter().take(2).enumerate() {
            let start = (request.index * super::super::test_swarm::PIECE) as usize;
            let mut data = swarm.content[start..start + request.length as usize].to_vec();
            if n == 1 {
                data[0] ^= 1;
            }
            let block = Message::Piece {
                index: request.index,
                begin: 0,
                data: Bytes::from(data),
            };
            swarm.receive(&peer, block).unwrap();
        }
        let failed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            loop {
                if let Some(super::super::events::SwarmEvent::PieceFailed(_)) =
                    swarm.events.recv().await
                {
                    break;
                }
            }
        });
        failed.await.expect("the bad piece's verdict within 10 s");
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while log.lock().unwrap().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let good = format!("piece {}: {}", asked[0].index, asked[0].length);
        assert_eq!(
            log.lock().unwrap().as_slice(),
            std::slice::from_ref(&good),
            "the bad piece is never reported"
        );
        let messenger = messengers.lock().unwrap().pop().expect("a messenger");
        assert!(messenger.send(Bytes::from_static(b"later")));
        let sent = peer.messages();
        assert_eq!(
            sent.last(),
            Some(&Message::Extended {
                id: 12,
                payload: Bytes::from_static(b"later")
            })
        );
        swarm.shared.unregister(peer.key);
        assert_eq!(
            *log.lock().unwrap(),
            [good, "gone 10.0.0.1:6881".to_string()]
        );
        drop(peer);
        assert!(
            !messenger.send(Bytes::from_static(b"too late")),
            "the connection is gone"
        );
    }
}
