//! What we download and from whom: the peers' pieces and choke state as
//! they tell us, and the requests we keep in flight at each (its pipeline),
//! picked by the [`Picker`](super::picker::Picker).
//!
//! Invariants:
//! - We request only from a peer we are interested in: while it unchokes
//!   us, up to its pipeline target; while it chokes us, only pieces it
//!   allowed us (BEP 6), at most [`CHOKED_PIPELINE`].
//! - Every block taken back from a peer (choke, reject, snub, departure)
//!   goes back to the picker, so no block is lost or held twice.
//! - We are interested in a peer exactly while it has a piece we want.

use super::peer_entry::{PeerEntry, PeerError};
use super::picker::{Arrival, Block, PeerKey};
use super::shared::{Shared, SwarmState};
use super::verifier::CompletedPiece;
use crate::bitfield::Bitfield;
use crate::peer::{BlockRequest, Message};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A peer that sends nothing we asked for this long loses its requests.
const SNUB_TIMEOUT: Duration = Duration::from_secs(30);
/// The most allowed-fast pieces we remember from one peer; more are ignored.
const MAX_ALLOWED_FAST_FROM_PEER: usize = 32;
/// Requests we keep outstanding at a peer that chokes us, for allowed-fast pieces.
const CHOKED_PIPELINE: usize = 16;

impl Shared {
    pub(super) fn on_unchoke(&self, key: PeerKey) {
        let mut state = self.lock();
        if let Some(peer) = state.peers.get_mut(&key) {
            peer.peer_choking = false;
        }
        fill_requests(&mut state, key);
    }

    /// A choke from a peer with the fast extension rejects only what it
    /// says it rejects, so requests for its allowed-fast pieces stay out;
    /// every other request is given back to the picker.
    pub(super) fn on_choke(&self, key: PeerKey) {
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
    pub(super) fn on_allowed_fast(&self, key: PeerKey, index: u32) {
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

    pub(super) fn on_have(&self, key: PeerKey, index: u32) -> Result<(), PeerError> {
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

    pub(super) fn on_bitfield(&self, key: PeerKey, bytes: &[u8]) -> Result<(), PeerError> {
        let has = Bitfield::from_bytes(bytes, self.piece_count())
            .map_err(|error| PeerError::Protocol(error.to_string()))?;
        self.on_pieces(key, has)
    }

    /// A bitfield, have-all or have-none. Some clients (aria2) send theirs
    /// after `have` messages; a late one is merged rather than refused.
    pub(super) fn on_pieces(&self, key: PeerKey, has: Bitfield) -> Result<(), PeerError> {
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
        if we_are_seed && peer.is_seed() {
            return Err(PeerError::Refused("both sides are seeds"));
        }
        if !peer.am_interested && picker.is_interesting(&peer.has) {
            peer.am_interested = true;
            peer.send(Message::Interested);
        }
        fill_requests(&mut state, key);
        Ok(())
    }

    pub(super) fn on_reject(&self, key: PeerKey, request: BlockRequest) {
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

    /// A block we asked for: stored, and a completed piece goes to the verifier.
    pub(super) fn on_block(self: &Arc<Self>, key: PeerKey, index: u32, begin: u32, data: Bytes) {
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
        peer.block_received(data.len() as u64, Instant::now());
        let endgame = picker.in_endgame();
        let arrival = picker.block_arrived(key, index, begin, &data);
        if !matches!(arrival, Arrival::Unexpected) {
            let view = self.view(picker.have().is_full(), &[]);
            (self.extensions).on_block(key, peer, &view, index, data.len() as u64);
        }
        match arrival {
            Arrival::PieceComplete { data, contributors } => self.verify(CompletedPiece {
                index,
                data,
                contributors,
            }),
            Arrival::Stored | Arrival::Unexpected => {}
        }
        if endgame {
            cancel_duplicates(peers, key, &block);
        }
        fill_requests(&mut state, key);
    }
}

/// Tops up peer `key`'s outstanding requests to its pipeline target; while
/// the peer chokes us, only from the pieces it allowed us (BEP 6).
pub(super) fn fill_requests(state: &mut SwarmState, key: PeerKey) {
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
pub(super) fn fill_all_requests(state: &mut SwarmState) {
    for key in state.peers.keys().copied().collect::<Vec<_>>() {
        fill_requests(state, key);
    }
}

/// Takes back the requests of peers that sent nothing for [`SNUB_TIMEOUT`].
pub(super) fn take_back_snubbed(state: &mut SwarmState, now: Instant) {
    let SwarmState { picker, peers, .. } = state;
    for peer in peers.values_mut() {
        let snubbed =
            !peer.requested.is_empty() && now.duration_since(peer.last_block_at) > SNUB_TIMEOUT;
        if snubbed {
            for block in peer.requested.drain() {
                picker.request_dropped(&block);
            }
            peer.last_block_at = now;
        }
    }
}

/// In endgame, withdraws the copies of `block` requested from other peers.
pub(super) fn cancel_duplicates(
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
pub(super) fn announce_piece(state: &mut SwarmState, index: u32) {
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

#[cfg(test)]
mod tests {
    use super::super::test_swarm::{request, SwarmSetup, TestPeer, TestSwarm, PIECE, PIECES};
    use super::*;
    use crate::peer::BlockRequest;

    fn leeching() -> TestSwarm {
        TestSwarm::start(SwarmSetup {
            seeding: false,
            ..SwarmSetup::default()
        })
    }

    fn requests(peer: &mut TestPeer) -> Vec<BlockRequest> {
        peer.messages()
            .into_iter()
            .filter_map(|message| match message {
                Message::Request(request) => Some(request),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_seed_that_unchokes_us_gets_requests_and_a_choke_takes_them_back() {
        let swarm = leeching();
        let mut seed = swarm.connect("10.0.0.1:6881", 1, false);
        swarm.receive(&seed, Message::HaveAll).unwrap();
        assert_eq!(seed.messages(), [Message::Interested]);
        swarm.receive(&seed, Message::Unchoke).unwrap();
        let first = requests(&mut seed);
        assert_eq!(first.len(), PIECES, "one block per piece, all of them");
        swarm.receive(&seed, Message::Choke).unwrap();
        assert!(swarm.shared.lock().peers[&seed.key].requested.is_empty());
        swarm.receive(&seed, Message::Unchoke).unwrap();
        let mut again = requests(&mut seed);
        again.sort_by_key(|request| request.index);
        let mut first_sorted = first;
        first_sorted.sort_by_key(|request| request.index);
        assert_eq!(again, first_sorted, "the picker got every block back");
    }

    #[test]
    fn interest_follows_the_pieces_a_peer_has() {
        let swarm = leeching();
        let mut peer = swarm.connect("10.0.0.1:6881", 1, true);
        swarm.receive(&peer, Message::HaveNone).unwrap();
        assert!(peer.messages().is_empty());
        swarm.receive(&peer, Message::Have(3)).unwrap();
        assert_eq!(peer.messages(), [Message::Interested]);
        assert!(matches!(
            swarm.receive(&peer, Message::Have(PIECES as u32)),
            Err(PeerError::Protocol(_))
        ));
    }

    #[test]
    fn a_choking_peer_is_asked_only_for_the_pieces_it_allows() {
        let swarm = leeching();
        let mut peer = swarm.connect("10.0.0.1:6881", 1, true);
        swarm.receive(&peer, Message::HaveAll).unwrap();
        swarm.receive(&peer, Message::AllowedFast(5)).unwrap();
        let asked = requests(&mut peer);
        assert_eq!(asked, [request(5, 0)]);
        swarm.receive(&peer, Message::Choke).unwrap();
        let held = swarm.shared.lock().peers[&peer.key].requested.len();
        assert_eq!(held, 1, "a fast peer's choke keeps allowed-fast requests");
    }

    #[test]
    fn blocks_we_did_not_ask_for_are_ignored_and_a_reject_frees_the_block() {
        let swarm = leeching();
        let mut peer = swarm.connect("10.0.0.1:6881", 1, true);
        swarm.receive(&peer, Message::HaveAll).unwrap();
        swarm.receive(&peer, Message::Unchoke).unwrap();
        let asked = requests(&mut peer);
        let unasked = Message::Piece {
            index: 0,
            begin: 4,
            data: Bytes::from(vec![0; 16]),
        };
        swarm.receive(&peer, unasked).unwrap();
        assert_eq!(
            swarm.shared.lock().peers[&peer.key].requested.len(),
            asked.len()
        );
        swarm.receive(&peer, Message::Reject(asked[0])).unwrap();
        assert_eq!(
            swarm.shared.lock().peers[&peer.key].requested.len(),
            asked.len() - 1
        );
    }

    #[tokio::test]
    async fn a_peer_that_alone_sends_two_bad_pieces_is_banned_and_good_pieces_count() {
        let mut swarm = leeching();
        let mut peer = swarm.connect("10.0.0.1:6881", 1, false);
        swarm.receive(&peer, Message::HaveAll).unwrap();
        swarm.receive(&peer, Message::Unchoke).unwrap();
        let asked = requests(&mut peer);
        let piece = |request: &BlockRequest, good: bool| {
            let start = (request.index * PIECE) as usize;
            let mut data = swarm.content[start..start + PIECE as usize].to_vec();
            if !good {
                data[0] ^= 0xff;
            }
            Message::Piece {
                index: request.index,
                begin: 0,
                data: Bytes::from(data),
            }
        };
        swarm.receive(&peer, piece(&asked[0], true)).unwrap();
        swarm.receive(&peer, piece(&asked[1], false)).unwrap();
        swarm.receive(&peer, piece(&asked[2], false)).unwrap();
        let mut failed = 0;
        let banned = loop {
            let event = tokio::time::timeout(Duration::from_secs(10), swarm.events.recv())
                .await
                .expect("verdicts within 10 s")
                .unwrap();
            match event {
                SwarmEventKind::PieceFailed(_) => failed += 1,
                SwarmEventKind::PeerBanned(banned) => break banned,
                _ => {}
            }
        };
        assert_eq!((failed, banned.peer.as_str()), (2, "10.0.0.1:6881"));
        assert_eq!(
            swarm
                .shared
                .downloaded
                .load(std::sync::atomic::Ordering::Relaxed),
            u64::from(PIECE)
        );
        assert!(!swarm.shared.may_connect("10.0.0.1:6881".parse().unwrap()));
    }

    use super::super::events::SwarmEvent as SwarmEventKind;
}
