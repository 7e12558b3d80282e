//! Which blocks to request next, and the assembly of blocks into pieces.
//!
//! Piece states: *missing* → *in progress* (some blocks requested or
//! received, its buffer allocated) → *verifying* (every block received; handed
//! to the verifier) → *have* (hash checked) or back to *missing* (hash failed).
//! Selection: the first few pieces at random (so a new peer soon has
//! something to trade), then rarest first, or lowest index first when
//! sequential. Pieces already in progress are finished before new ones are
//! started. When every missing block is already requested, *endgame* lets a
//! block be requested from a second peer; the first copy to arrive wins.
//! A piece that failed its hash check is fetched again from one peer only, so
//! the next failure has a single culprit. Pieces are held in memory from their
//! first block until they are verified and written; no new piece is started
//! while that would exceed the memory budget, so a fast network in front of a
//! slow disk or hasher cannot grow memory without bound.

use crate::bitfield::Bitfield;
use rand::Rng;
use std::collections::{HashMap, HashSet};

/// The size of one requested block (BEP 3's de facto standard).
pub const BLOCK_SIZE: u32 = 16 * 1024;

/// Bytes of piece data held in memory at most (in progress and verifying).
pub const PIECE_MEMORY_BUDGET: u64 = 12 << 20;

/// Identifies a connected peer within one swarm.
pub type PeerKey = u64;

/// One block of one piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Block {
    /// Piece index.
    pub index: u32,
    /// Byte offset within the piece.
    pub begin: u32,
    /// Length in bytes (`BLOCK_SIZE` except at the end of a piece).
    pub length: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockState {
    Free,
    Requested(u8),
    Received,
}

#[derive(Debug)]
struct PieceInProgress {
    blocks: Vec<BlockState>,
    received: usize,
    data: Vec<u8>,
    contributors: Vec<Contribution>,
    owner: Option<PeerKey>,
}

/// What one peer sent of a piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contribution {
    /// The peer.
    pub peer: PeerKey,
    /// The bytes of the piece it sent.
    pub bytes: u64,
}

impl PieceInProgress {
    fn open_to(&self, peer: PeerKey) -> bool {
        self.owner.is_none_or(|owner| owner == peer)
    }
}

/// What happened to a block that arrived.
#[derive(Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Not requested by anyone, or already received: dropped.
    Unexpected,
    /// Stored; the piece still misses blocks.
    Stored,
    /// Stored, and it completed the piece.
    PieceComplete {
        /// The whole piece, for hashing.
        data: Vec<u8>,
        /// Every peer that sent at least one block of it, with how much.
        contributors: Vec<Contribution>,
    },
}

/// One call's parameters to the block-selection helpers.
struct Request<'a> {
    peer: PeerKey,
    count: usize,
    duplicate: bool,
    already_requested: &'a dyn Fn(&Block) -> bool,
}

/// Block bookkeeping and piece selection for one torrent.
#[derive(Debug)]
pub struct Picker {
    piece_length: u32,
    total_length: u64,
    have: Bitfield,
    wanted: Bitfield,
    availability: Vec<u32>,
    in_progress: HashMap<u32, PieceInProgress>,
    verifying: Bitfield,
    retried: HashSet<u32>,
    sequential: bool,
    random_first: usize,
    max_pieces_in_memory: usize,
    /// Wanted pieces not yet verified.
    missing: usize,
    /// Missing pieces that are neither in progress nor verifying.
    untouched: usize,
}

impl Picker {
    /// A picker for pieces of `piece_length` over `total_length` bytes, of
    /// which `have` are verified and `wanted` are to be downloaded.
    pub fn new(
        piece_length: u32,
        total_length: u64,
        have: Bitfield,
        wanted: Bitfield,
        sequential: bool,
    ) -> Picker {
        let piece_count = have.len();
        let missing = (0..piece_count)
            .filter(|&index| wanted.get(index) && !have.get(index))
            .count();
        Picker {
            missing,
            untouched: missing,
            piece_length,
            total_length,
            verifying: Bitfield::new(piece_count),
            availability: vec![0; piece_count],
            in_progress: HashMap::new(),
            retried: HashSet::new(),
            random_first: 4,
            max_pieces_in_memory: (PIECE_MEMORY_BUDGET / u64::from(piece_length.max(1))).max(2)
                as usize,
            have,
            wanted,
            sequential,
        }
    }

    /// The verified pieces.
    pub fn have(&self) -> &Bitfield {
        &self.have
    }

    /// Whether every wanted piece is verified.
    pub fn is_done(&self) -> bool {
        self.missing == 0
    }

    /// Whether piece `index` is wanted and not yet verified.
    pub fn wants(&self, index: u32) -> bool {
        self.wanted.get(index as usize) && !self.have.get(index as usize)
    }

    /// Bytes of wanted pieces not yet verified.
    pub fn bytes_left(&self) -> u64 {
        (0..self.have.len() as u32)
            .filter(|&index| self.wanted.get(index as usize) && !self.have.get(index as usize))
            .map(|index| u64::from(self.piece_size(index)))
            .sum()
    }

    /// The length of piece `index` (the last one may be short).
    pub fn piece_size(&self, index: u32) -> u32 {
        let start = u64::from(index) * u64::from(self.piece_length);
        (self.total_length.saturating_sub(start)).min(u64::from(self.piece_length)) as u32
    }

    /// Whether we would download anything from a peer with these pieces.
    pub fn is_interesting(&self, peer_has: &Bitfield) -> bool {
        peer_has
            .iter_ones()
            .any(|index| self.wanted.get(index) && !self.have.get(index))
    }

    /// Counts a peer's pieces into the availability.
    pub fn add_peer_pieces(&mut self, peer_has: &Bitfield) {
        for index in peer_has.iter_ones() {
            self.availability[index] += 1;
        }
    }

    /// Removes a departed peer's pieces from the availability.
    pub fn remove_peer_pieces(&mut self, peer_has: &Bitfield) {
        for index in peer_has.iter_ones() {
            self.availability[index] = self.availability[index].saturating_sub(1);
        }
    }

    /// Counts one `have` message.
    pub fn add_peer_piece(&mut self, index: u32) {
        if let Some(count) = self.availability.get_mut(index as usize) {
            *count += 1;
        }
    }

    /// Chooses up to `count` blocks to request from `peer`, which has
    /// `peer_has`, skipping blocks in `already_requested` (its outstanding ones).
    pub fn pick(
        &mut self,
        peer: PeerKey,
        peer_has: &Bitfield,
        count: usize,
        already_requested: &dyn Fn(&Block) -> bool,
    ) -> Vec<Block> {
        let mut picked = Vec::new();
        let request = Request {
            peer,
            count,
            duplicate: false,
            already_requested,
        };
        self.pick_from_in_progress(peer_has, &request, &mut picked);
        while picked.len() < count {
            let Some(index) = self.choose_new_piece(peer_has) else {
                break;
            };
            self.start_piece(index, peer);
            self.pick_from_piece(index, &request, &mut picked);
        }
        if picked.is_empty() && self.in_endgame() {
            let duplicate = Request {
                duplicate: true,
                ..request
            };
            self.pick_from_in_progress(peer_has, &duplicate, &mut picked);
        }
        picked
    }

    /// Whether every missing wanted block is requested or received.
    pub fn in_endgame(&self) -> bool {
        self.untouched == 0
            && self
                .in_progress
                .values()
                .all(|piece| piece.blocks.iter().all(|state| *state != BlockState::Free))
    }

    /// Stores a block `peer` sent.
    pub fn block_arrived(&mut self, peer: PeerKey, index: u32, begin: u32, data: &[u8]) -> Arrival {
        let piece_size = self.piece_size(index);
        let Some(piece) = self.in_progress.get_mut(&index) else {
            return Arrival::Unexpected;
        };
        let slot = (begin / BLOCK_SIZE) as usize;
        let expected_length = BLOCK_SIZE.min(piece_size.saturating_sub(begin)) as usize;
        let acceptable = begin.is_multiple_of(BLOCK_SIZE)
            && data.len() == expected_length
            && matches!(piece.blocks.get(slot), Some(BlockState::Requested(_)));
        if !acceptable {
            return Arrival::Unexpected;
        }
        if piece.data.is_empty() {
            piece.data = vec![0; piece_size as usize];
        }
        piece.data[begin as usize..begin as usize + data.len()].copy_from_slice(data);
        piece.blocks[slot] = BlockState::Received;
        piece.received += 1;
        match piece.contributors.iter_mut().find(|c| c.peer == peer) {
            Some(contribution) => contribution.bytes += data.len() as u64,
            None => piece.contributors.push(Contribution {
                peer,
                bytes: data.len() as u64,
            }),
        }
        if piece.received < piece.blocks.len() {
            return Arrival::Stored;
        }
        let Some(piece) = self.in_progress.remove(&index) else {
            return Arrival::Unexpected;
        };
        self.verifying.set(index as usize);
        Arrival::PieceComplete {
            data: piece.data,
            contributors: piece.contributors,
        }
    }

    /// Returns a request that will not be answered (choke, reject, timeout,
    /// disconnect) to the pool.
    pub fn request_dropped(&mut self, block: &Block) {
        if let Some(piece) = self.in_progress.get_mut(&block.index) {
            let slot = (block.begin / BLOCK_SIZE) as usize;
            if let Some(state @ BlockState::Requested(_)) = piece.blocks.get_mut(slot) {
                *state = match *state {
                    BlockState::Requested(n) if n > 1 => BlockState::Requested(n - 1),
                    _ => BlockState::Free,
                };
            }
        }
    }

    /// Forgets a departed peer's claim on pieces it was fetching alone.
    pub fn peer_gone(&mut self, peer: PeerKey) {
        for piece in self.in_progress.values_mut() {
            if piece.owner == Some(peer) {
                piece.owner = None;
            }
        }
    }

    /// Records the verifier's verdict on a complete piece.
    pub fn piece_checked(&mut self, index: u32, valid: bool) {
        if !self.verifying.get(index as usize) {
            return;
        }
        self.verifying.clear(index as usize);
        if valid {
            self.have.set(index as usize);
            self.retried.remove(&index);
            self.missing -= 1;
        } else {
            self.retried.insert(index);
            self.untouched += 1;
        }
    }

    fn pick_from_in_progress(
        &mut self,
        peer_has: &Bitfield,
        request: &Request<'_>,
        picked: &mut Vec<Block>,
    ) {
        let mut indices: Vec<u32> = self
            .in_progress
            .iter()
            .filter(|(&index, piece)| peer_has.get(index as usize) && piece.open_to(request.peer))
            .map(|(&index, _)| index)
            .collect();
        indices.sort_unstable();
        for index in indices {
            if picked.len() >= request.count {
                break;
            }
            self.pick_from_piece(index, request, picked);
        }
    }

    fn pick_from_piece(&mut self, index: u32, request: &Request<'_>, picked: &mut Vec<Block>) {
        let piece_size = self.piece_size(index);
        let Some(piece) = self.in_progress.get_mut(&index) else {
            return;
        };
        for (slot, state) in piece.blocks.iter_mut().enumerate() {
            if picked.len() >= request.count {
                break;
            }
            let begin = slot as u32 * BLOCK_SIZE;
            let block = Block {
                index,
                begin,
                length: BLOCK_SIZE.min(piece_size - begin),
            };
            let take = match *state {
                BlockState::Free => true,
                BlockState::Requested(n) => {
                    request.duplicate && n < 2 && !(request.already_requested)(&block)
                }
                BlockState::Received => false,
            };
            if take {
                *state = match *state {
                    BlockState::Requested(n) => BlockState::Requested(n + 1),
                    _ => BlockState::Requested(1),
                };
                picked.push(block);
            }
        }
    }

    fn start_piece(&mut self, index: u32, peer: PeerKey) {
        let blocks = self.piece_size(index).div_ceil(BLOCK_SIZE) as usize;
        let owner = self.retried.contains(&index).then_some(peer);
        self.untouched -= 1;
        self.in_progress.insert(
            index,
            PieceInProgress {
                blocks: vec![BlockState::Free; blocks],
                received: 0,
                data: Vec::new(),
                contributors: Vec::new(),
                owner,
            },
        );
    }

    fn is_candidate(&self, index: usize, peer_has: &Bitfield) -> bool {
        peer_has.get(index)
            && self.wanted.get(index)
            && !self.have.get(index)
            && !self.verifying.get(index)
            && !self.in_progress.contains_key(&(index as u32))
    }

    fn choose_new_piece(&self, peer_has: &Bitfield) -> Option<u32> {
        let piece_count = self.have.len();
        let in_memory = self.in_progress.len() + self.verifying.count();
        if piece_count == 0 || in_memory >= self.max_pieces_in_memory {
            return None;
        }
        if self.sequential {
            return (0..piece_count)
                .find(|&index| self.is_candidate(index, peer_has))
                .map(|index| index as u32);
        }
        let start = rand::thread_rng().gen_range(0..piece_count);
        let mut rotated = (start..piece_count).chain(0..start);
        if self.have.count() < self.random_first {
            return rotated
                .find(|&index| self.is_candidate(index, peer_has))
                .map(|i| i as u32);
        }
        rotated
            .filter(|&index| self.is_candidate(index, peer_has))
            .min_by_key(|&index| self.availability[index])
            .map(|index| index as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIECE: u32 = 2 * BLOCK_SIZE;
    const FULL_BLOCK: [u8; BLOCK_SIZE as usize] = [0; BLOCK_SIZE as usize];

    fn picker(pieces: usize, total: u64) -> Picker {
        Picker::new(
            PIECE,
            total,
            Bitfield::new(pieces),
            Bitfield::full(pieces),
            false,
        )
    }

    fn none(_: &Block) -> bool {
        false
    }

    fn complete(arrival: Arrival) -> (Vec<u8>, Vec<Contribution>) {
        match arrival {
            Arrival::PieceComplete { data, contributors } => (data, contributors),
            other => panic!("piece should be complete, got {other:?}"),
        }
    }

    #[test]
    fn short_last_piece_has_short_last_block() {
        let mut picker = picker(2, u64::from(PIECE) + 100);
        let blocks = picker.pick(1, &Bitfield::full(2), 10, &none);
        assert_eq!(blocks.len(), 3);
        assert!(blocks.contains(&Block {
            index: 1,
            begin: 0,
            length: 100
        }));
    }

    #[test]
    fn blocks_assemble_into_a_piece() {
        let mut picker = picker(1, u64::from(PIECE));
        assert_eq!(picker.pick(1, &Bitfield::full(1), 10, &none).len(), 2);
        assert_eq!(
            picker.block_arrived(1, 0, 0, &[1; BLOCK_SIZE as usize]),
            Arrival::Stored
        );
        assert_eq!(
            picker.block_arrived(1, 0, 0, &[1; BLOCK_SIZE as usize]),
            Arrival::Unexpected
        );
        let (data, contributors) =
            complete(picker.block_arrived(2, 0, BLOCK_SIZE, &[2; BLOCK_SIZE as usize]));
        let half = u64::from(BLOCK_SIZE);
        assert_eq!(
            contributors,
            [
                Contribution {
                    peer: 1,
                    bytes: half
                },
                Contribution {
                    peer: 2,
                    bytes: half
                }
            ],
            "each peer with the bytes it sent"
        );
        assert_eq!((data[0], data[PIECE as usize - 1]), (1, 2));
        assert!(!picker.is_done());
        picker.piece_checked(0, true);
        assert!(picker.is_done());
        assert_eq!(picker.bytes_left(), 0);
    }

    #[test]
    fn wrong_length_or_unrequested_blocks_are_unexpected() {
        let mut picker = picker(2, u64::from(PIECE) * 2);
        assert_eq!(
            picker.block_arrived(1, 0, 0, &FULL_BLOCK),
            Arrival::Unexpected
        );
        let index = picker.pick(1, &Bitfield::full(2), 1, &none)[0].index;
        assert_eq!(
            picker.block_arrived(1, index, 0, &[0; 16]),
            Arrival::Unexpected
        );
        assert_eq!(
            picker.block_arrived(1, index, 7, &FULL_BLOCK),
            Arrival::Unexpected
        );
        assert_eq!(
            picker.block_arrived(1, index, BLOCK_SIZE, &FULL_BLOCK),
            Arrival::Unexpected
        );
        assert_eq!(
            picker.block_arrived(1, index, 0, &FULL_BLOCK),
            Arrival::Stored
        );
    }

    #[test]
    fn failed_piece_is_retried_by_one_peer_only() {
        let mut picker = picker(1, u64::from(PIECE));
        picker.pick(1, &Bitfield::full(1), 1, &none);
        picker.pick(2, &Bitfield::full(1), 1, &none);
        picker.block_arrived(1, 0, 0, &FULL_BLOCK);
        let (_, contributors) = complete(picker.block_arrived(2, 0, BLOCK_SIZE, &FULL_BLOCK));
        let peers: Vec<PeerKey> = contributors.iter().map(|c| c.peer).collect();
        assert_eq!(peers, [1, 2]);
        assert!(
            picker.pick(3, &Bitfield::full(1), 10, &none).is_empty(),
            "verifying"
        );
        picker.piece_checked(0, false);
        assert_eq!(picker.pick(3, &Bitfield::full(1), 1, &none).len(), 1);
        assert!(
            picker.pick(4, &Bitfield::full(1), 10, &none).is_empty(),
            "owned by peer 3"
        );
        picker.peer_gone(3);
        assert_eq!(picker.pick(4, &Bitfield::full(1), 10, &none).len(), 1);
    }

    #[test]
    fn done_and_endgame_follow_failures_and_verdicts() {
        let two_pieces = u64::from(BLOCK_SIZE) * 2;
        let mut nothing_wanted = Picker::new(
            BLOCK_SIZE,
            two_pieces,
            Bitfield::new(2),
            Bitfield::new(2),
            false,
        );
        assert!(nothing_wanted.is_done());
        assert!(nothing_wanted
            .pick(1, &Bitfield::full(2), 10, &none)
            .is_empty());
        let mut picker = Picker::new(
            BLOCK_SIZE,
            two_pieces,
            Bitfield::new(2),
            Bitfield::full(2),
            false,
        );
        let index = picker.pick(1, &Bitfield::full(2), 1, &none)[0].index;
        assert!(!picker.in_endgame(), "one piece untouched");
        complete(picker.block_arrived(1, index, 0, &FULL_BLOCK));
        picker.piece_checked(index, false);
        assert!(!picker.in_endgame() && !picker.is_done() && picker.wants(index));
        picker.piece_checked(index, true);
        assert!(
            !picker.is_done(),
            "a verdict for a piece not verifying is ignored"
        );
        for block in picker.pick(1, &Bitfield::full(2), 10, &none) {
            assert!(picker.in_endgame(), "every missing block requested");
            complete(picker.block_arrived(1, block.index, 0, &FULL_BLOCK));
            picker.piece_checked(block.index, true);
        }
        assert!(picker.is_done() && !picker.wants(index));
    }

    #[test]
    fn rarest_piece_is_chosen_after_the_random_start() {
        let mut picker = picker(8, u64::from(PIECE) * 8);
        picker.random_first = 0;
        let everyone = Bitfield::full(8);
        picker.add_peer_pieces(&everyone);
        picker.add_peer_pieces(&everyone);
        let mut rare = Bitfield::new(8);
        rare.set(5);
        picker.remove_peer_pieces(&rare);
        assert_eq!(picker.pick(1, &everyone, 1, &none)[0].index, 5);
    }

    #[test]
    fn sequential_picks_in_order_and_respects_wanted() {
        let mut wanted = Bitfield::new(4);
        wanted.set(2);
        wanted.set(3);
        let mut picker = Picker::new(PIECE, u64::from(PIECE) * 4, Bitfield::new(4), wanted, true);
        let indices: Vec<u32> = picker
            .pick(1, &Bitfield::full(4), 3, &none)
            .iter()
            .map(|block| block.index)
            .collect();
        assert_eq!(indices, vec![2, 2, 3]);
        let mut only_first = Bitfield::new(4);
        only_first.set(0);
        assert!(!picker.is_interesting(&only_first));
    }

    #[test]
    fn endgame_duplicates_requests_to_another_peer() {
        let mut picker = picker(1, u64::from(PIECE));
        let first = picker.pick(1, &Bitfield::full(1), 10, &none);
        assert_eq!(first.len(), 2);
        assert!(picker.in_endgame());
        let mine = |block: &Block| first.contains(block);
        assert!(picker.pick(1, &Bitfield::full(1), 10, &mine).is_empty());
        assert_eq!(picker.pick(2, &Bitfield::full(1), 10, &none), first);
    }

    #[test]
    fn no_new_piece_starts_beyond_the_memory_budget() {
        let pieces = 100;
        let mut picker = picker(pieces, u64::from(PIECE) * pieces as u64);
        picker.max_pieces_in_memory = 3;
        let blocks = picker.pick(1, &Bitfield::full(pieces), 1000, &none);
        assert_eq!(blocks.len(), 6, "3 pieces of 2 blocks");
        let index = blocks[0].index;
        picker.block_arrived(1, index, 0, &FULL_BLOCK);
        complete(picker.block_arrived(1, index, BLOCK_SIZE, &FULL_BLOCK));
        assert!(
            picker
                .pick(1, &Bitfield::full(pieces), 1000, &none)
                .is_empty(),
            "still verifying"
        );
        picker.piece_checked(index, true);
        assert_eq!(
            picker.pick(1, &Bitfield::full(pieces), 1000, &none).len(),
            2
        );
    }

    #[test]
    fn dropped_request_becomes_free_again() {
        let mut picker = picker(1, u64::from(BLOCK_SIZE));
        let blocks = picker.pick(1, &Bitfield::full(1), 10, &none);
        picker.request_dropped(&blocks[0]);
        assert!(!picker.in_endgame());
        assert_eq!(picker.pick(2, &Bitfield::full(1), 10, &none), blocks);
    }
}
