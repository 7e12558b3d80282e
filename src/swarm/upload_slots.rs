//! What we serve and to whom. The session's [`Choker`](super::Choker)
//! decides every slot: its plan at each rechoke, whether a newly interested
//! peer takes a free slot between rechokes, and whether each request is
//! served. Nothing else unchokes a peer.
//!
//! Invariants:
//! - A peer's slot changes only here, and each change is told to the
//!   extensions ([`SessionExtension::on_slot`](super::SessionExtension))
//!   before the choke or unchoke message is queued, so what they send
//!   (the market's clearing price) reaches the peer first.
//! - A request is served only when it lies inside the torrent, we have the
//!   piece, the peer is unchoked or asks for an allowed-fast piece, and the
//!   choker admits it; anything else is rejected (fast extension) or dropped.

use super::choker::{ChokeCandidate, UnchokePlan, UploadSlot};
use super::peer_entry::{Outgoing, PeerEntry, PeerError};
use super::picker::PeerKey;
use super::shared::{Shared, SwarmState};
use crate::peer::{BlockRequest, Message};
use crate::rate::Share;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The largest block we serve.
pub(super) const MAX_SERVED_BLOCK: u32 = 128 * 1024;

impl Shared {
    /// A peer's interest changed; the choker may give a newly interested
    /// peer a free slot at once rather than at the next rechoke.
    pub(super) fn on_interest(&self, key: PeerKey, interested: bool) {
        let mut state = self.lock();
        let unchoked = state
            .peers
            .values()
            .filter(|peer| !peer.am_choking())
            .count();
        let Some(peer) = state.peers.get_mut(&key) else {
            return;
        };
        peer.peer_interested = interested;
        if !interested || !peer.am_choking() {
            return;
        }
        let candidate = candidate(key, peer);
        if state.choker.unchoke_on_interest(&candidate, unchoked) {
            self.set_slot(&mut state, key, UploadSlot::Regular { price: None });
        }
    }

    /// A request from the peer: queued for upload, or refused.
    pub(super) fn on_request(&self, key: PeerKey, request: BlockRequest) -> Result<(), PeerError> {
        let mut state = self.lock();
        if !in_torrent(&state, &request) {
            return Err(PeerError::Protocol(format!(
                "request beyond the torrent: piece {} offset {} length {}",
                request.index, request.begin, request.length
            )));
        }
        let have_piece = state.picker.have().get(request.index as usize);
        let SwarmState { peers, choker, .. } = &mut *state;
        let Some(peer) = peers.get(&key) else {
            return Ok(());
        };
        let may_serve = !peer.am_choking() || peer.allowed_fast.contains(&request.index);
        if may_serve && have_piece && choker.admit_request(key, &request) {
            peer.queue(Outgoing::Upload(request));
        } else if peer.fast {
            peer.send(Message::Reject(request));
        }
        Ok(())
    }

    /// Asks the choker for the slots from now on, and applies them.
    pub(super) fn rechoke(&self) {
        let mut state = self.lock();
        let seeding = state.picker.is_done();
        let candidates: Vec<ChokeCandidate> = state
            .peers
            .iter()
            .map(|(&key, peer)| candidate(key, peer))
            .collect();
        let plan = state.choker.plan(&candidates, seeding, Instant::now());
        self.apply(&mut state, &plan);
    }

    fn apply(&self, state: &mut SwarmState, plan: &UnchokePlan) {
        let keys: Vec<PeerKey> = state.peers.keys().copied().collect();
        for key in keys {
            self.set_slot(state, key, plan.slot_of(key));
        }
    }

    /// Gives peer `key` its slot: the extensions hear of a change first,
    /// then the peer gets a choke or unchoke if that changed.
    fn set_slot(&self, state: &mut SwarmState, key: PeerKey, slot: UploadSlot) {
        let seed = state.picker.have().is_full();
        let Some(peer) = state.peers.get_mut(&key) else {
            return;
        };
        if peer.slot == slot {
            return;
        }
        let was_choking = peer.am_choking();
        peer.slot = slot;
        let view = self.view(seed, &[]);
        self.extensions.on_slot(key, peer, &view, slot);
        if was_choking != peer.am_choking() {
            peer.send(if was_choking {
                Message::Unchoke
            } else {
                Message::Choke
            });
        }
    }

    /// Counts bytes sent to a peer.
    pub(super) fn count_upload(&self, key: PeerKey, bytes: u64) {
        self.uploaded.fetch_add(bytes, Ordering::Relaxed);
        if let Some(peer) = self.lock().peers.get_mut(&key) {
            peer.upload.add(bytes);
        }
    }

    /// The share of the upload limit that bytes to `key` come from: a paid
    /// regular slot's, or the free peers'.
    pub(super) fn upload_share(&self, key: PeerKey) -> Share {
        match self.lock().peers.get(&key).map(|peer| peer.slot) {
            Some(UploadSlot::Regular { price: Some(price) }) => Share::Paid {
                peer: key,
                price: price.0,
            },
            _ => Share::Free,
        }
    }

    /// Whether we still choke peer `key` (uploads queued before a choke are dropped).
    pub(super) fn is_choking(&self, key: PeerKey) -> bool {
        self.lock()
            .peers
            .get(&key)
            .is_none_or(PeerEntry::am_choking)
    }
}

/// What the choker sees of a peer.
fn candidate(key: PeerKey, peer: &PeerEntry) -> ChokeCandidate {
    ChokeCandidate {
        peer: key,
        interested: peer.peer_interested,
        download_rate: peer.download.rate(),
        upload_rate: peer.upload.rate(),
        offer: peer.offer,
    }
}

/// Whether a request names a block inside the torrent that we would serve.
fn in_torrent(state: &SwarmState, request: &BlockRequest) -> bool {
    let piece_count = state.picker.have().len();
    (request.index as usize) < piece_count
        && request.length > 0
        && request.length <= MAX_SERVED_BLOCK
        && u64::from(request.begin) + u64::from(request.length)
            <= u64::from(state.picker.piece_size(request.index))
}

#[cfg(test)]
mod tests {
    use super::super::choker::{Choker, ChokerFactory, PricePerMib, UnchokePlan};
    use super::super::test_swarm::{request, SwarmSetup, TestSwarm, PIECES};
    use super::*;

    /// A strategy that never unchokes anyone.
    struct UnchokeNobody;

    impl Choker for UnchokeNobody {
        fn plan(&mut self, _: &[ChokeCandidate], _: bool, _: Instant) -> UnchokePlan {
            UnchokePlan::default()
        }

        fn unchoke_on_interest(&mut self, _: &ChokeCandidate, _: usize) -> bool {
            false
        }
    }

    /// Unchokes every interested peer at a price, and serves no requests.
    struct SellEverythingServeNothing;

    impl Choker for SellEverythingServeNothing {
        fn plan(&mut self, candidates: &[ChokeCandidate], _: bool, _: Instant) -> UnchokePlan {
            UnchokePlan {
                regular: candidates
                    .iter()
                    .filter(|c| c.interested)
                    .map(|c| (c.peer, Some(PricePerMib(5))))
                    .collect(),
                optimistic: None,
            }
        }

        fn unchoke_on_interest(&mut self, _: &ChokeCandidate, _: usize) -> bool {
            false
        }

        fn admit_request(&mut self, _: PeerKey, _: &BlockRequest) -> bool {
            false
        }
    }

    fn with_choker(choker: ChokerFactory) -> TestSwarm {
        TestSwarm::start(SwarmSetup {
            choker,
            ..SwarmSetup::default()
        })
    }

    #[test]
    fn tit_for_tat_unchokes_interested_peers_at_once_while_slots_are_free() {
        let swarm = TestSwarm::start(SwarmSetup::default());
        let mut peers: Vec<_> = (1..=6)
            .map(|i| swarm.connect(&format!("10.0.0.{i}:6881"), i, false))
            .collect();
        for peer in &peers {
            swarm.receive(peer, Message::Interested).unwrap();
        }
        let unchoked: Vec<bool> = peers
            .iter_mut()
            .map(|peer| peer.messages().contains(&Message::Unchoke))
            .collect();
        assert_eq!(unchoked, [true, true, true, true, true, false]);
    }

    #[test]
    fn a_choker_that_unchokes_nobody_is_obeyed_everywhere() {
        let swarm = with_choker(ChokerFactory::new(|| Box::new(UnchokeNobody)));
        let mut plain = swarm.connect("10.0.0.1:6881", 1, false);
        let mut fast = swarm.connect("10.0.0.2:6881", 2, true);
        for peer in [&plain, &fast] {
            swarm.receive(peer, Message::Interested).unwrap();
        }
        swarm.shared.rechoke();
        swarm
            .receive(&plain, Message::Request(request(0, 0)))
            .unwrap();
        let refused = swarm.not_allowed_fast(&fast);
        swarm
            .receive(&fast, Message::Request(request(refused, 0)))
            .unwrap();
        assert!(!plain.messages().contains(&Message::Unchoke));
        assert!(plain.uploads().is_empty(), "a choked peer is not served");
        let to_fast = fast.messages();
        assert!(!to_fast.contains(&Message::Unchoke));
        assert!(to_fast.contains(&Message::Reject(request(refused, 0))));
    }

    #[test]
    fn the_plan_decides_slots_and_admit_request_can_refuse_an_unchoked_peer() {
        let factory = ChokerFactory::new(|| Box::new(SellEverythingServeNothing));
        let swarm = with_choker(factory);
        let mut peer = swarm.connect("10.0.0.1:6881", 1, true);
        swarm.receive(&peer, Message::Interested).unwrap();
        assert!(
            !peer.messages().contains(&Message::Unchoke),
            "not before the plan"
        );
        swarm.shared.rechoke();
        assert!(peer.messages().contains(&Message::Unchoke));
        let slot = swarm.shared.lock().peers[&peer.key].slot;
        assert_eq!(
            slot,
            UploadSlot::Regular {
                price: Some(PricePerMib(5))
            }
        );
        swarm
            .receive(&peer, Message::Request(request(0, 0)))
            .unwrap();
        assert_eq!(peer.messages(), [Message::Reject(request(0, 0))]);
        assert!(peer.uploads().is_empty());
    }

    #[test]
    fn a_peer_that_loses_its_slot_is_choked_and_its_requests_refused() {
        let swarm = TestSwarm::start(SwarmSetup::default());
        let mut peer = swarm.connect("10.0.0.1:6881", 1, true);
        swarm.receive(&peer, Message::Interested).unwrap();
        swarm
            .receive(&peer, Message::Request(request(0, 0)))
            .unwrap();
        assert_eq!(peer.uploads(), [request(0, 0)]);
        swarm.receive(&peer, Message::NotInterested).unwrap();
        swarm.shared.rechoke();
        assert!(peer.messages().contains(&Message::Choke));
        assert!(swarm.shared.is_choking(peer.key));
        let refused = swarm.not_allowed_fast(&peer);
        swarm
            .receive(&peer, Message::Request(request(refused, 0)))
            .unwrap();
        assert_eq!(peer.messages(), [Message::Reject(request(refused, 0))]);
    }

    #[test]
    fn requests_outside_the_torrent_close_the_connection() {
        let swarm = TestSwarm::start(SwarmSetup::default());
        let peer = swarm.connect("10.0.0.1:6881", 1, false);
        swarm.receive(&peer, Message::Interested).unwrap();
        let past_the_end = request(PIECES as u32, 0);
        let too_long = BlockRequest {
            length: MAX_SERVED_BLOCK + 1,
            ..request(0, 0)
        };
        let beyond_the_piece = request(0, 1);
        for bad in [past_the_end, too_long, beyond_the_piece] {
            assert!(matches!(
                swarm.receive(&peer, Message::Request(bad)),
                Err(PeerError::Protocol(_))
            ));
        }
    }
}
