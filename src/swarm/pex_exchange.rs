//! Peer exchange in a running swarm (BEP 11): we tell each peer that
//! supports `ut_pex` where our other peers listen, and dial the peers they
//! tell us about.
//!
//! Invariants:
//! - Private torrents (BEP 27) never register `ut_pex`, so they neither
//!   advertise it nor route a message to it ([`local_extensions`]).
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
//! The per-peer state lives in the peer's entry under the swarm lock; the
//! work here runs from the session's once-a-second tick and from the peer
//! tasks, like the rest of [`Shared`].

use super::picker::PeerKey;
use super::shared::{PeerError, Shared};
use super::{PeerBatch, PeerSource};
use crate::peer::pex::{MAX_ADDED, MAX_DROPPED};
use crate::peer::{ExtensionRegistry, PexFlags, PexMessage, PexPeer, UT_PEX};
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

/// The extensions a torrent offers: `ut_pex` unless it is private (BEP 27).
pub(super) fn local_extensions(private: bool) -> ExtensionRegistry {
    let mut registry = ExtensionRegistry::new();
    if !private {
        // The first registration of a fresh registry cannot run out of ids.
        let _ = registry.register(UT_PEX);
    }
    registry
}

/// What we know of one peer for peer exchange.
#[derive(Debug)]
pub(super) struct PexPeerState {
    /// Where the peer accepts connections, when known.
    listen_addr: Option<SocketAddr>,
    /// Whether we reached it by dialling.
    dialled: bool,
    /// What the peer has from us: every address added and not dropped since.
    advertised: HashSet<SocketAddr>,
    /// When our next message may go out; `None` until both sides support PEX.
    next_send_at: Option<Instant>,
    receive_limit: ReceiveLimit,
    /// Addresses taken from this peer so far.
    learned: usize,
}

impl PexPeerState {
    /// The state of a peer connected at `addr`, by us (`dialled`) or by it.
    pub(super) fn new(addr: SocketAddr, dialled: bool, now: Instant) -> PexPeerState {
        PexPeerState {
            listen_addr: dialled.then_some(addr),
            dialled,
            advertised: HashSet::new(),
            next_send_at: None,
            receive_limit: ReceiveLimit::new(now),
            learned: 0,
        }
    }

    /// Records the peer's extended handshake: its listen port `p` (for a
    /// peer that dialled us) and whether we may now exchange peers with it.
    pub(super) fn on_handshake(
        &mut self,
        addr: SocketAddr,
        listen_port: Option<u16>,
        exchange: bool,
        now: Instant,
    ) {
        // A later handshake without `p` changes nothing; `p` 0 means none.
        if let Some(port) = listen_port.filter(|_| !self.dialled) {
            self.listen_addr = (port != 0).then(|| SocketAddr::new(addr.ip(), port));
        }
        if exchange && self.next_send_at.is_none() {
            self.next_send_at = Some(now + FIRST_MESSAGE_DELAY);
        }
    }

    /// Where the peer accepts connections, when known.
    pub(super) fn listen_addr(&self) -> Option<SocketAddr> {
        self.listen_addr
    }

    /// How we describe this peer to others.
    pub(super) fn flags(&self, seed: bool) -> PexFlags {
        let mut flags = PexFlags::NONE;
        if seed {
            flags = flags | PexFlags::SEED;
        }
        if self.dialled {
            flags = flags | PexFlags::REACHABLE;
        }
        flags
    }

    /// The message due to this peer (connected at `addr`) now, given the
    /// swarm's advertisable peers (this one's own entry is left out), and
    /// records it as sent. `None` when it is not time yet or there is
    /// nothing new to say.
    pub(super) fn due_message(
        &mut self,
        addr: SocketAddr,
        swarm: &[PexPeer],
        now: Instant,
    ) -> Option<PexMessage> {
        if self.next_send_at.is_none_or(|due| now < due) {
            return None;
        }
        let itself =
            |candidate: SocketAddr| candidate == addr || Some(candidate) == self.listen_addr;
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

impl Shared {
    /// Sends each peer that is due a message the diff of our peers' listen
    /// addresses since our last message to it.
    pub(super) fn exchange_peers(&self, now: Instant) {
        let mut state = self.lock();
        let swarm: Vec<PexPeer> = state
            .peers
            .values()
            .filter_map(|peer| {
                let addr = peer.pex.listen_addr()?;
                let flags = peer.pex.flags(peer.is_seed());
                Some(PexPeer { addr, flags })
            })
            .collect();
        for peer in state.peers.values_mut() {
            if peer.extensions().remote_id(UT_PEX).is_none() {
                continue;
            }
            let Some(message) = peer.pex.due_message(peer.addr, &swarm, now) else {
                continue;
            };
            if let Some(wire) = peer.extensions().outgoing(UT_PEX, message.to_payload()) {
                peer.send(wire);
            }
        }
    }

    /// Applies a `ut_pex` message from peer `key`: the addresses it adds go
    /// to the dialer, within the limits (a `peers_found` record for every
    /// message not ignored). A malformed message is ignored.
    pub(super) fn on_pex(&self, key: PeerKey, payload: &[u8]) -> Result<(), PeerError> {
        let Ok(message) = PexMessage::from_payload(payload) else {
            return Ok(());
        };
        let addrs = {
            let mut state = self.lock();
            let seeding = state.picker.have().is_full();
            let Some(peer) = state.peers.get_mut(&key) else {
                return Ok(());
            };
            peer.pex.accept(&message, seeding, Instant::now())
        };
        if let Some(addrs) = addrs {
            let _ = self.new_peers.send(PeerBatch::new(PeerSource::Pex, addrs));
        }
        Ok(())
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
    fn private_torrents_do_not_register_ut_pex() {
        assert_eq!(local_extensions(true).local_id(UT_PEX), None);
        assert!(!local_extensions(true)
            .handshake()
            .extensions
            .contains_key(UT_PEX));
        assert!(local_extensions(false).local_id(UT_PEX).is_some());
        assert!(local_extensions(false)
            .handshake()
            .extensions
            .contains_key(UT_PEX));
    }

    #[test]
    fn an_accepted_peer_is_advertised_at_its_handshake_port() {
        let start = Instant::now();
        let mut accepted = PexPeerState::new(addr("10.0.0.1:50000"), false, start);
        assert_eq!(accepted.listen_addr(), None);
        accepted.on_handshake(addr("10.0.0.1:50000"), Some(6881), true, start);
        assert_eq!(accepted.listen_addr(), Some(addr("10.0.0.1:6881")));
        assert_eq!(accepted.flags(true), PexFlags::SEED);

        accepted.on_handshake(addr("10.0.0.1:50000"), None, true, start);
        assert_eq!(
            accepted.listen_addr(),
            Some(addr("10.0.0.1:6881")),
            "an update without p"
        );

        let mut no_port = PexPeerState::new(addr("10.0.0.2:50000"), false, start);
        no_port.on_handshake(addr("10.0.0.2:50000"), Some(0), true, start);
        assert_eq!(no_port.listen_addr(), None);

        let mut dialled = PexPeerState::new(addr("10.0.0.3:6881"), true, start);
        dialled.on_handshake(addr("10.0.0.3:6881"), Some(7000), true, start);
        assert_eq!(dialled.listen_addr(), Some(addr("10.0.0.3:6881")));
        assert_eq!(dialled.flags(false), PexFlags::REACHABLE);
    }

    #[test]
    fn the_first_message_goes_soon_after_the_handshake_then_diffs_once_a_minute() {
        let start = Instant::now();
        let me = addr("10.0.0.9:6881");
        let mut state = PexPeerState::new(me, true, start);
        let swarm = [
            pex_peer("10.0.0.1:1"),
            pex_peer("10.0.0.2:2"),
            pex_peer("10.0.0.9:6881"),
        ];
        assert_eq!(
            state.due_message(me, &swarm, start + SEND_INTERVAL),
            None,
            "no handshake yet"
        );

        state.on_handshake(me, None, true, start);
        assert_eq!(state.due_message(me, &swarm, start), None, "too soon");
        let first = state
            .due_message(me, &swarm, start + FIRST_MESSAGE_DELAY)
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
            state.due_message(me, &later, sent_at + SEND_INTERVAL / 2),
            None
        );
        let diff = state
            .due_message(me, &later, sent_at + SEND_INTERVAL)
            .unwrap();
        assert_eq!(addrs(&diff), [addr("10.0.0.3:3")]);
        assert_eq!(diff.dropped, [addr("10.0.0.1:1")]);
        assert_eq!(
            state.due_message(me, &later, sent_at + 3 * SEND_INTERVAL),
            None,
            "nothing new"
        );
    }

    #[test]
    fn no_messages_without_pex_on_both_sides() {
        let start = Instant::now();
        let me = addr("10.0.0.9:6881");
        let mut state = PexPeerState::new(me, true, start);
        state.on_handshake(me, None, false, start);
        let swarm = [pex_peer("10.0.0.1:1")];
        assert_eq!(state.due_message(me, &swarm, start + SEND_INTERVAL), None);
    }

    #[test]
    fn a_message_carries_at_most_the_caps() {
        let start = Instant::now();
        let me = addr("10.0.0.9:6881");
        let mut state = PexPeerState::new(me, true, start);
        state.on_handshake(me, None, true, start);
        let swarm: Vec<PexPeer> = (1..=120u16)
            .map(|port| pex_peer(&format!("10.0.1.1:{port}")))
            .collect();
        let mut now = start + FIRST_MESSAGE_DELAY;
        let mut told = HashSet::new();
        while let Some(message) = state.due_message(me, &swarm, now) {
            assert!(message.added.len() <= MAX_ADDED);
            told.extend(message.added.iter().map(|peer| peer.addr));
            now += SEND_INTERVAL;
        }
        assert_eq!(told.len(), swarm.len());
        let message = state.due_message(me, &[], now).unwrap();
        assert_eq!(message.dropped.len(), MAX_DROPPED);
    }

    #[test]
    fn messages_beyond_the_burst_wait_for_the_interval() {
        let start = Instant::now();
        let mut state = PexPeerState::new(addr("10.0.0.9:6881"), true, start);
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
        let mut state = PexPeerState::new(addr("10.0.0.9:6881"), true, start);
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
        let mut state = PexPeerState::new(addr("10.0.0.9:6881"), true, start);
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
