//! Who may join a swarm: the peers we are dialling, the addresses and peer
//! ids we banned, and the strikes that lead to a ban.
//!
//! Invariants:
//! - A banned address is never dialled or accepted again, and a banned peer
//!   id is refused from any address, for the life of the session.
//! - A peer is struck only for a piece that failed its hash and that it
//!   alone sent, so blame is exact; [`STRIKES_TO_BAN`] strikes ban it.
//! - At most one connection per peer: by peer id once handshaken, and by
//!   address (its own or its listen address) before dialling.

use super::peer_entry::{PeerEntry, PeerError, PeerOrigin};
use super::picker::PeerKey;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;

/// Failed pieces, each sent by one peer alone, after which that peer is banned.
pub(super) const STRIKES_TO_BAN: u32 = 2;

/// The admission state of one swarm.
#[derive(Debug, Default)]
pub(super) struct Admission {
    connecting: HashSet<SocketAddr>,
    banned_addrs: HashSet<SocketAddr>,
    banned_ids: HashSet<[u8; 20]>,
    strikes: HashMap<SocketAddr, u32>,
}

impl Admission {
    /// Whether a new connection to or from `addr` may be made now, with
    /// `peers` connected and at most `max_peers` allowed.
    pub(super) fn may_connect(
        &self,
        addr: SocketAddr,
        peers: &HashMap<PeerKey, PeerEntry>,
        max_peers: usize,
    ) -> bool {
        !self.banned_addrs.contains(&addr)
            && !self.connecting.contains(&addr)
            && !peers
                .values()
                .any(|peer| peer.addr == addr || peer.listen_addr() == Some(addr))
            && peers.len() + self.connecting.len() < max_peers
    }

    /// Records a dial in progress (it counts against the peer limit).
    pub(super) fn dialling(&mut self, addr: SocketAddr) {
        self.connecting.insert(addr);
    }

    /// Records the end of a dial, connected or not.
    pub(super) fn dialled(&mut self, addr: SocketAddr) {
        self.connecting.remove(&addr);
    }

    /// Whether a handshaken peer may be registered: not ourselves, not
    /// banned, not connected already, and within the limit.
    pub(super) fn admit(
        &self,
        origin: &PeerOrigin,
        own_peer_id: [u8; 20],
        peers: &HashMap<PeerKey, PeerEntry>,
        max_peers: usize,
    ) -> Result<(), PeerError> {
        if origin.peer_id == own_peer_id {
            return Err(PeerError::Refused("connected to ourselves"));
        }
        if self.banned_addrs.contains(&origin.addr) || self.banned_ids.contains(&origin.peer_id) {
            return Err(PeerError::Refused("banned"));
        }
        if peers.values().any(|peer| peer.peer_id == origin.peer_id) {
            return Err(PeerError::Refused("already connected"));
        }
        if peers.len() >= max_peers {
            return Err(PeerError::Refused("too many peers"));
        }
        Ok(())
    }

    /// Strikes the peer at `addr` with id `peer_id`; returns its strike
    /// count when this strike bans it.
    pub(super) fn strike(&mut self, addr: SocketAddr, peer_id: [u8; 20]) -> Option<u32> {
        let strikes = self.strikes.entry(addr).or_insert(0);
        *strikes += 1;
        if *strikes < STRIKES_TO_BAN {
            return None;
        }
        self.banned_addrs.insert(addr);
        self.banned_ids.insert(peer_id);
        Some(*strikes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peer::ExtensionRegistry;
    use std::time::Instant;
    use tokio::sync::mpsc;
    use tokio_util::sync::CancellationToken;

    fn origin(addr: &str, id: u8) -> PeerOrigin {
        PeerOrigin {
            addr: addr.parse().unwrap(),
            dialled: false,
            peer_id: [id; 20],
            fast: false,
        }
    }

    fn connected(origins: &[PeerOrigin]) -> HashMap<PeerKey, PeerEntry> {
        origins
            .iter()
            .zip(1..)
            .map(|(origin, key)| {
                let (outbox, _) = mpsc::unbounded_channel();
                let entry = PeerEntry::new(
                    *origin,
                    4,
                    Vec::new(),
                    ExtensionRegistry::new(),
                    outbox,
                    CancellationToken::new(),
                    Instant::now(),
                );
                (key, entry)
            })
            .collect()
    }

    #[test]
    fn two_strikes_ban_the_address_and_the_peer_id() {
        let mut admission = Admission::default();
        let bad = origin("10.0.0.1:1", 7);
        assert_eq!(admission.strike(bad.addr, bad.peer_id), None);
        assert_eq!(
            admission.strike(bad.addr, bad.peer_id),
            Some(STRIKES_TO_BAN)
        );
        let none = HashMap::new();
        assert!(!admission.may_connect(bad.addr, &none, 10));
        let elsewhere = origin("10.0.0.2:2", 7);
        assert!(matches!(
            admission.admit(&elsewhere, [0; 20], &none, 10),
            Err(PeerError::Refused("banned"))
        ));
        assert!(admission
            .admit(&origin("10.0.0.3:3", 8), [0; 20], &none, 10)
            .is_ok());
    }

    #[test]
    fn ourselves_duplicates_and_surplus_peers_are_refused() {
        let admission = Admission::default();
        let peers = connected(&[origin("10.0.0.1:1", 1), origin("10.0.0.2:2", 2)]);
        let refusal = |candidate: PeerOrigin, max: usize| match admission
            .admit(&candidate, [9; 20], &peers, max)
        {
            Err(PeerError::Refused(reason)) => Some(reason),
            _ => None,
        };
        assert_eq!(
            refusal(origin("10.0.0.5:5", 9), 10),
            Some("connected to ourselves")
        );
        assert_eq!(
            refusal(origin("10.0.0.5:5", 2), 10),
            Some("already connected")
        );
        assert_eq!(refusal(origin("10.0.0.5:5", 3), 2), Some("too many peers"));
        assert_eq!(refusal(origin("10.0.0.5:5", 3), 3), None);
    }

    #[test]
    fn a_dial_is_not_repeated_while_in_progress_or_connected() {
        let mut admission = Admission::default();
        let peers = connected(&[origin("10.0.0.1:1", 1)]);
        let addr: SocketAddr = "10.0.0.4:4".parse().unwrap();
        assert!(admission.may_connect(addr, &peers, 10));
        admission.dialling(addr);
        assert!(!admission.may_connect(addr, &peers, 10));
        assert!(!admission.may_connect("10.0.0.5:5".parse().unwrap(), &peers, 2));
        admission.dialled(addr);
        assert!(admission.may_connect(addr, &peers, 10));
        assert!(!admission.may_connect("10.0.0.1:1".parse().unwrap(), &peers, 10));
    }
}
