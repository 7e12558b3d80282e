//! Peer exchange in a running swarm (BEP 11): we tell each peer that
//! supports `ut_pex` where our other peers listen, and dial the peers they
//! tell us about.
//!
//! Invariants:
//! - Private torrents (BEP 27) never offer `ut_pex`, so they neither
//!   advertise it nor route a message to it ([`PeerExchange::offered`]).
//! - We only advertise listen addresses: the address we dialled, or for a
//!   peer that dialled us, its IP with the port from its extended handshake
//!   (`p`); a peer whose listen port we do not know is never advertised, and
//!   no peer is told about itself.
//! - Each peer gets a diff against what we told it before: the first message
//!   [`FIRST_MESSAGE_DELAY`] after its extended handshake (or as soon as there
//!   is something to say), then at most one per [`SEND_INTERVAL`], with at
//!   most [`MAX_ADDED`] added and [`MAX_DROPPED`] dropped peers.
//! - From each peer we take at most [`RECEIVE_BURST`] messages at once, then
//!   one per [`RECEIVE_INTERVAL`] (others are ignored), and at most
//!   [`MAX_LEARNED_PER_PEER`] addresses in all; a seed skips peers flagged
//!   as seeds (two seeds drop each other). Each message used gives one
//!   `peers_found` record (source `pex`), even when nothing in it is new.
//!   Malformed messages are ignored; they never close a connection.
//!
//! [`PeerExchange`] is the session's `ut_pex` extension: its per-peer state
//! is a [`PexPeerState`], and its work runs from the session's
//! once-a-second tick and from the peer tasks, under the swarm lock.

use super::extension::{ExtensionPeer, PeerSummary, SessionExtension};
use super::peer_entry::PeerError;
use super::PeerSource;
use crate::metainfo::Torrent;
use crate::peer::pex::{MAX_ADDED, MAX_DROPPED};
use crate::peer::{ExtendedHandshake, PexFlags, PexMessage, PexPeer, UT_PEX};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long after a peer's extended handshake our first message may go out,
/// so that the peers that connected with it have sent their listen ports.
const FIRST_MESSAGE_DELAY: Duration = Duration::from_secs(1);
/// The shortest time between two messages we send to one peer.
const SEND_INTERVAL: Duration = Duration::from_secs(60);
/// One received message per this long is used, after the first burst.
const RECEIVE_INTERVAL: Duration = Duration::from_secs(45);
/// Messages from one peer used back to back before the interval applies.
const RECEIVE_BURST: u32 = 2;
/// The most addresses one peer can make us learn over its connection.
const MAX_LEARNED_PER_PEER: usize = 250;

/// The `ut_pex` extension of a running session.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PeerExchange;

impl SessionExtension for PeerExchange {
    type Peer = PexPeerState;

    fn name(&self) -> &'static str {
        UT_PEX
    }

    fn offered(&self, torrent: &Torrent) -> bool {
        !torrent.info.private
    }

    fn new_peer(&self, _peer: &ExtensionPeer<'_>, now: Instant) -> PexPeerState {
        PexPeerState::new(now)
    }

    fn on_handshake(
        &self,
        peer: &mut ExtensionPeer<'_>,
        state: &mut PexPeerState,
        _handshake: &ExtendedHandshake,
    ) {
        state.on_handshake(peer.supported(), Instant::now());
    }

    /// The addresses a `ut_pex` message adds go to the dialer, within the
    /// limits (a `peers_found` record for every message not ignored). A
    /// malformed message is ignored.
    fn on_message(
        &self,
        peer: &mut ExtensionPeer<'_>,
        state: &mut PexPeerState,
        payload: &[u8],
    ) -> Result<(), PeerError> {
        let Ok(message) = PexMessage::from_payload(payload) else {
            return Ok(());
        };
        if let Some(addrs) = state.accept(&message, peer.seeding(), Instant::now()) {
            peer.learn(PeerSource::Pex, addrs);
        }
        Ok(())
    }

    /// Sends the peer, when due, the diff of our peers' listen addresses
    /// since our last message to it.
    fn on_tick(&self, peer: &mut ExtensionPeer<'_>, state: &mut PexPeerState, now: Instant) {
        if !peer.supported() || !state.is_due(now) {
            return;
        }
        let swarm: Vec<PexPeer> = peer.swarm_peers().iter().filter_map(advertised).collect();
        let own = [Some(peer.addr()), peer.listen_addr()];
        if let Some(message) = state.due_message(&own, &swarm, now) {
            peer.send(message.to_payload());
        }
    }
}

/// How we describe a peer to others: at its listen address, if known.
fn advertised(peer: &PeerSummary) -> Option<PexPeer> {
    let mut flags = PexFlags::NONE;
    if peer.seed {
        flags = flags | PexFlags::SEED;
    }
    if peer.dialled {
        flags = flags | PexFlags::REACHABLE;
    }
    Some(PexPeer {
        addr: peer.listen_addr?,
        flags,
    })
}

/// What we know of one peer for peer exchange.
#[derive(Debug)]
pub(super) struct PexPeerState {
    /// What the peer has from us: every address added and not dropped since.
    advertised: HashSet<SocketAddr>,
    /// When our next message may go out; `None` until both sides support PEX.
    next_send_at: Option<Instant>,
    receive_limit: ReceiveLimit,
    /// Addresses taken from this peer so far.
    learned: usize,
}

impl PexPeerState {
    /// The state of a peer that connected at `now`.
    pub(super) fn new(now: Instant) -> PexPeerState {
        PexPeerState {
            advertised: HashSet::new(),
            next_send_at: None,
            receive_limit: ReceiveLimit::new(now),
            learned: 0,
        }
    }

    /// Records the peer's extended handshake: whether we may now exchange
    /// peers with it (both sides announced `ut_pex`).
    pub(super) fn on_handshake(&mut self, exchange: bool, now: Instant) {
        if exchange && self.next_send_at.is_none() {
            self.next_send_at = Some(now + FIRST_MESSAGE_DELAY);
        }
    }

    /// Whether a message may go out now.
    fn is_due(&self, now: Instant) -> bool {
        self.next_send_at.is_some_and(|due| now >= due)
    }

    /// The message due to this peer (whose own addresses are `own`) now,
    /// given the swarm's advertisable peers (its own entry is left out),
    /// and records it as sent. `None` when it is not time yet or there is
    /// nothing new to say.
    pub(super) fn due_message(
        &mut self,
        own: &[Option<SocketAddr>],
        swarm: &[PexPeer],
        now: Instant,
    ) -> Option<PexMessage> {
        if !self.is_due(now) {
            return None;
        }
        let itself = |candidate: SocketAddr| own.contains(&Some(candidate));
        let current: Vec<&PexPeer> = swarm.iter().filter(|peer| !itself(peer.addr)).collect();
        let added: Vec<PexPeer> = current
            .iter()
            .filter(|peer| !self.advertised.contains(&peer.addr))
            .take(MAX_ADDED)
            .map(|&&peer| peer)
            .collect();
        let still_there: HashSet<SocketAddr> = current.iter().map(|peer| peer.addr).collect();
        let dropped: Vec<SocketAddr> = self
            .advertised
            .iter()
            .filter(|addr| !still_there.contains(addr))
            .take(MAX_DROPPED)
            .copied()
            .collect();
        let message = PexMessage { added, dropped };
        if message.is_empty() {
            return None;
        }
        for addr in &message.dropped {
            self.advertised.remove(addr);
        }
        self.advertised
            .extend(message.added.iter().map(|peer| peer.addr));
        self.next_send_at = Some(now + SEND_INTERVAL);
        Some(message)
    }

    /// The addresses to learn from a message the peer sent at `now`, or
    /// `None` if it sends too often (the message is ignored). None are left
    /// once it has told us [`MAX_LEARNED_PER_PEER`]; a seed skips peers
    /// flagged as seeds (two seeds drop each other).
    pub(super) fn accept(
        &mut self,
        message: &PexMessage,
        seeding: bool,
        now: Instant,
    ) -> Option<Vec<SocketAddr>> {
        if !self.receive_limit.allow(now) {
            return None;
        }
        let room = MAX_LEARNED_PER_PEER.saturating_sub(self.learned);
        let addrs: Vec<SocketAddr> = message
            .added
            .iter()
            .filter(|peer| !(seeding && peer.flags.contains(PexFlags::SEED)))
            .map(|peer| peer.addr)
            .take(room)
            .collect();
        self.learned += addrs.len();
        Some(addrs)
    }
}

/// A token bucket of received messages: [`RECEIVE_BURST`] tokens, one more
/// per [`RECEIVE_INTERVAL`].
#[derive(Debug)]
struct ReceiveLimit {
    tokens: u32,
    refilled_at: Instant,
}

impl ReceiveLimit {
    fn new(now: Instant) -> ReceiveLimit {
        ReceiveLimit {
            tokens: RECEIVE_BURST,
            refilled_at: now,
        }
    }

    /// Whether a message arriving at `now` may be used (takes a token).
    fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled_at);
        let earned = elapsed.as_millis() / RECEIVE_INTERVAL.as_millis();
        if u128::from(self.tokens) + earned >= u128::from(RECEIVE_BURST) {
            self.tokens = RECEIVE_BURST;
            self.refilled_at = now;
        } else {
            // Below the burst, so it fits.
            let earned = u32::try_from(earned).unwrap_or(0);
            self.tokens += earned;
            self.refilled_at += RECEIVE_INTERVAL * earned;
        }
        if self.tokens == 0 {
            return false;
        }
        self.tokens -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn pex_peer(text: &str) -> PexPeer {
        PexPeer {
            addr: addr(text),
            flags: PexFlags::NONE,
        }
    }

    fn addrs(message: &PexMessage) -> Vec<SocketAddr> {
        let mut addrs: Vec<SocketAddr> = message.added.iter().map(|peer| peer.addr).collect();
        addrs.sort();
        addrs
    }

    #[test]
    fn peers_are_advertised_at_their_listen_address_with_their_flags() {
        let summary = |listen: Option<&str>, dialled, seed| PeerSummary {
            addr: addr("10.0.0.1:50000"),
            listen_addr: listen.map(addr),
            dialled,
            seed,
        };
        assert_eq!(advertised(&summary(None, false, true)), None);
        let seed = advertised(&summary(Some("10.0.0.1:6881"), false, true)).unwrap();
        assert_eq!(
            (seed.addr, seed.flags),
            (addr("10.0.0.1:6881"), PexFlags::SEED)
        );
        let reachable = advertised(&summary(Some("10.0.0.1:6881"), true, false)).unwrap();
        assert_eq!(reachable.flags, PexFlags::REACHABLE);
    }

    #[test]
    fn the_first_message_goes_soon_after_the_handshake_then_diffs_once_a_minute() {
        let start = Instant::now();
        let me = [Some(addr("10.0.0.9:6881"))];
        let mut state = PexPeerState::new(start);
        let swarm = [
            pex_peer("10.0.0.1:1"),
            pex_peer("10.0.0.2:2"),
            pex_peer("10.0.0.9:6881"),
        ];
        assert_eq!(
            state.due_message(&me, &swarm, start + SEND_INTERVAL),
            None,
            "no handshake yet"
        );

        state.on_handshake(true, start);
        assert_eq!(state.due_message(&me, &swarm, start), None, "too soon");
        let first = state
            .due_message(&me, &swarm, start + FIRST_MESSAGE_DELAY)
            .unwrap();
        assert_eq!(
            addrs(&first),
            [addr("10.0.0.1:1"), addr("10.0.0.2:2")],
            "never itself"
        );
        assert!(first.dropped.is_empty());

        let later = [pex_peer("10.0.0.2:2"), pex_peer("10.0.0.3:3")];
        let sent_at = start + FIRST_MESSAGE_DELAY;
        assert_eq!(
            state.due_message(&me, &later, sent_at + SEND_INTERVAL / 2),
            None
        );
        let diff = state
            .due_message(&me, &later, sent_at + SEND_INTERVAL)
            .unwrap();
        assert_eq!(addrs(&diff), [addr("10.0.0.3:3")]);
        assert_eq!(diff.dropped, [addr("10.0.0.1:1")]);
        assert_eq!(
            state.due_message(&me, &later, sent_at + 3 * SEND_INTERVAL),
            None,
            "nothing new"
        );
    }

    #[test]
    fn no_messages_without_pex_on_both_sides() {
        let start = Instant::now();
        let me = [Some(addr("10.0.0.9:6881"))];
        let mut state = PexPeerState::new(start);
        state.on_handshake(false, start);
        let swarm = [pex_peer("10.0.0.1:1")];
        assert_eq!(state.due_message(&me, &swarm, start + SEND_INTERVAL), None);
    }

    #[test]
    fn a_message_carries_at_most_the_caps() {
        let start = Instant::now();
        let me = [Some(addr("10.0.0.9:6881"))];
        let mut state = PexPeerState::new(start);
        state.on_handshake(true, start);
        let swarm: Vec<PexPeer> = (1..=120u16)
            .map(|port| pex_peer(&format!("10.0.1.1:{port}")))
            .collect();
        let mut now = start + FIRST_MESSAGE_DELAY;
        let mut told = HashSet::new();
        while let Some(message) = state.due_message(&me, &swarm, now) {
            assert!(message.added.len() <= MAX_ADDED);
            told.extend(message.added.iter().map(|peer| peer.addr));
            now += SEND_INTERVAL;
        }
        assert_eq!(told.len(), swarm.len());
        let message = state.due_message(&me, &[], now).unwrap();
        assert_eq!(message.dropped.len(), MAX_DROPPED);
    }

    #[test]
    fn messages_beyond_the_burst_wait_for_the_interval() {
        let start = Instant::now();
        let mut state = PexPeerState::new(start);
        let message = PexMessage {
            added: vec![pex_peer("10.0.0.1:1")],
            dropped: vec![],
        };
        let mut accepted_at = |now: Instant| state.accept(&message, false, now).is_some();
        for _ in 0..RECEIVE_BURST {
            assert!(accepted_at(start));
        }
        assert!(!accepted_at(start));
        assert!(!accepted_at(start + RECEIVE_INTERVAL / 2));
        assert!(accepted_at(start + RECEIVE_INTERVAL));
        assert!(!accepted_at(start + RECEIVE_INTERVAL));
        assert!(accepted_at(start + 2 * RECEIVE_INTERVAL));
    }

    #[test]
    fn a_seed_skips_peers_flagged_as_seeds() {
        let start = Instant::now();
        let mut state = PexPeerState::new(start);
        let message = PexMessage {
            added: vec![
                pex_peer("10.0.0.1:1"),
                PexPeer {
                    addr: addr("10.0.0.2:2"),
                    flags: PexFlags::SEED | PexFlags::REACHABLE,
                },
            ],
            dropped: vec![],
        };
        let skipped = state.accept(&message, true, start);
        assert_eq!(skipped, Some(vec![addr("10.0.0.1:1")]));
        let all = state.accept(&message, false, start);
        assert_eq!(all.map(|addrs| addrs.len()), Some(2));
    }

    #[test]
    fn one_peer_teaches_at_most_the_cap() {
        let start = Instant::now();
        let mut state = PexPeerState::new(start);
        let message = PexMessage {
            added: (1..=MAX_ADDED as u16)
                .map(|port| pex_peer(&format!("10.0.2.1:{port}")))
                .collect(),
            dropped: vec![],
        };
        let mut learned = 0;
        let mut now = start;
        for _ in 0..20 {
            learned += state
                .accept(&message, false, now)
                .map_or(0, |addrs| addrs.len());
            now += RECEIVE_INTERVAL;
        }
        assert_eq!(learned, MAX_LEARNED_PER_PEER);
    }
}
