//! Which blocks to request next, and the assembly of blocks into pieces.
//!
//! Piece states: *missing* → *in progress* (some blocks requested or
//! received, its buffer allocated) → *complete* (every block received; handed
//! to the verifier) → *have* (hash checked) or back to *missing* (hash failed).
//! Selection: the first few pieces at random (so a new peer soon has
//! something to trade), then rarest first, or lowest index first when
//! sequential. Pieces already in progress are finished before new ones are
//! started. When every missing block is already requested, *endgame* lets a
//! block be requested from a second peer; the first copy to arrive wins.

use crate::bitfield::Bitfield;
use rand::Rng;
use std::collections::HashMap;

/// The size of one requested block (BEP 3's de facto standard).
pub const BLOCK_SIZE: u32 = 16 * 1024;

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
}

/// What happened to a block that arrived.
#[derive(Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Not requested by anyone, or already received: dropped.
    Unexpected,
    /// Stored; the piece still misses blocks.
    Stored,
    /// Stored, and it completed the piece, whose bytes are returned for hashing.
    PieceComplete(Vec<u8>),
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
    sequential: bool,
    random_first: usize,
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
        Picker {
            piece_length,
            total_length,
            verifying: Bitfield::new(piece_count),
            availability: vec![0; piece_count],
            in_progress: HashMap::new(),
            random_first: 4,
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
        (0..self.have.len()).all(|index| self.have.get(index) || !self.wanted.get(index))
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

    /// Chooses up to `count` blocks to request from a peer with `peer_has`,
    /// skipping blocks in `already_requested` (this peer's outstanding ones).
    pub fn pick(
        &mut self,
        peer_has: &Bitfield,
        count: usize,
        already_requested: &dyn Fn(&Block) -> bool,
    ) -> Vec<Block> {
        let mut picked = Vec::new();
        self.pick_from_in_progress(peer_has, count, &mut picked, false, already_requested);
        while picked.len() < count {
            let Some(index) = self.choose_new_piece(peer_has) else {
                break;
            };
            self.start_piece(index);
            self.pick_from_piece(index, count, &mut picked, false, already_requested);
        }
        if picked.is_empty() && self.in_endgame() {
            self.pick_from_in_progress(peer_has, count, &mut picked, true, already_requested);
        }
        picked
    }

    /// Whether every missing wanted block is requested or received.
    pub fn in_endgame(&self) -> bool {
        let untouched = (0..self.have.len()).any(|index| {
            self.wanted.get(index)
                && !self.have.get(index)
                && !self.verifying.get(index)
                && !self.in_progress.contains_key(&(index as u32))
        });
        !untouched
            && self
                .in_progress
                .values()
                .all(|piece| piece.blocks.iter().all(|state| *state != BlockState::Free))
    }

    /// Stores an arriving block.
    pub fn block_arrived(&mut self, index: u32, begin: u32, data: &[u8]) -> Arrival {
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
        if piece.received < piece.blocks.len() {
            return Arrival::Stored;
        }
        let piece = self
            .in_progress
            .remove(&index)
            .expect("piece present above");
        self.verifying.set(index as usize);
        Arrival::PieceComplete(piece.data)
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

    /// Records the verifier's verdict on a complete piece.
    pub fn piece_checked(&mut self, index: u32, valid: bool) {
        self.verifying.clear(index as usize);
        if valid {
            self.have.set(index as usize);
        }
    }

    fn pick_from_in_progress(
        &mut self,
        peer_has: &Bitfield,
        count: usize,
        picked: &mut Vec<Block>,
        duplicate: bool,
        already_requested: &dyn Fn(&Block) -> bool,
    ) {
        let mut indices: Vec<u32> = self
            .in_progress
            .keys()
            .copied()
            .filter(|&index| peer_has.get(index as usize))
            .collect();
        indices.sort_unstable();
        for index in indices {
            if picked.len() >= count {
                break;
            }
            self.pick_from_piece(index, count, picked, duplicate, already_requested);
        }
    }

    fn pick_from_piece(
        &mut self,
        index: u32,
        count: usize,
        picked: &mut Vec<Block>,
        duplicate: bool,
        already_requested: &dyn Fn(&Block) -> bool,
    ) {
        let piece_size = self.piece_size(index);
        let Some(piece) = self.in_progress.get_mut(&index) else {
            return;
        };
        for (slot, state) in piece.blocks.iter_mut().enumerate() {
            if picked.len() >= count {
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
                BlockState::Requested(n) => duplicate && n < 2 && !already_requested(&block),
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

    fn start_piece(&mut self, index: u32) {
        let blocks = self.piece_size(index).div_ceil(BLOCK_SIZE) as usize;
        self.in_progress.insert(
            index,
            PieceInProgress {
                blocks: vec![BlockState::Free; blocks],
                received: 0,
                data: Vec::new(),
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
        if piece_count == 0 {
            return None;
        }
        if self.sequential {
            return (0..piece_count)
                .find(|&index| self.is_candidate(index, peer_has))
                .map(|i| i as u32);
        }
        let start = rand::thread_rng().gen_range(0..piece_count);
        let rotated = (start..piece_count).chain(0..start);
        if self.have.count() < self.random_first {
            return rotated
                .clone()
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

    #[test]
    fn short_last_piece_has_short_last_block() {
        let mut picker = picker(2, u64::from(PIECE) + 100);
        let seeder = Bitfield::full(2);
        let blocks = picker.pick(&seeder, 10, &none);
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
        let blocks = picker.pick(&Bitfield::full(1), 10, &none);
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            picker.block_arrived(0, 0, &[1; BLOCK_SIZE as usize]),
            Arrival::Stored
        );
        assert_eq!(
            picker.block_arrived(0, 0, &[1; BLOCK_SIZE as usize]),
            Arrival::Unexpected
        );
        let Arrival::PieceComplete(data) =
            picker.block_arrived(0, BLOCK_SIZE, &[2; BLOCK_SIZE as usize])
        else {
            panic!("piece should be complete");
        };
        assert_eq!(data[0], 1);
        assert_eq!(data[PIECE as usize - 1], 2);
        assert!(!picker.is_done());
        picker.piece_checked(0, true);
        assert!(picker.is_done());
    }

    #[test]
    fn wrong_length_or_unrequested_blocks_are_unexpected() {
        let mut picker = picker(2, u64::from(PIECE) * 2);
        assert_eq!(picker.block_arrived(0, 0, &[0; 16]), Arrival::Unexpected);
        picker.pick(&Bitfield::full(2), 1, &none);
        let index = if picker.in_progress.contains_key(&0) {
            0
        } else {
            1
        };
        assert_eq!(
            picker.block_arrived(index, 0, &[0; 16]),
            Arrival::Unexpected
        );
        assert_eq!(
            picker.block_arrived(index, 7, &[0; BLOCK_SIZE as usize]),
            Arrival::Unexpected
        );
    }

    #[test]
    fn failed_piece_is_fetched_again() {
        let mut picker = picker(1, u64::from(BLOCK_SIZE));
        picker.pick(&Bitfield::full(1), 10, &none);
        assert!(matches!(
            picker.block_arrived(0, 0, &[0; BLOCK_SIZE as usize]),
            Arrival::PieceComplete(_)
        ));
        assert!(picker.pick(&Bitfield::full(1), 10, &none).is_empty());
        picker.piece_checked(0, false);
        assert_eq!(picker.pick(&Bitfield::full(1), 10, &none).len(), 1);
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
        let blocks = picker.pick(&everyone, 1, &none);
        assert_eq!(blocks[0].index, 5);
    }

    #[test]
    fn sequential_picks_in_order_and_respects_wanted() {
        let mut wanted = Bitfield::new(4);
        wanted.set(2);
        wanted.set(3);
        let mut picker = Picker::new(PIECE, u64::from(PIECE) * 4, Bitfield::new(4), wanted, true);
        let blocks = picker.pick(&Bitfield::full(4), 3, &none);
        let indices: Vec<u32> = blocks.iter().map(|block| block.index).collect();
        assert_eq!(indices, vec![2, 2, 3]);
        let mut only_first = Bitfield::new(4);
        only_first.set(0);
        assert!(!picker.is_interesting(&only_first));
    }

    #[test]
    fn endgame_duplicates_requests_to_another_peer() {
        let mut picker = picker(1, u64::from(PIECE));
        let first = picker.pick(&Bitfield::full(1), 10, &none);
        assert_eq!(first.len(), 2);
        assert!(picker.in_endgame());
        let mine = |block: &Block| first.contains(block);
        assert!(picker.pick(&Bitfield::full(1), 10, &mine).is_empty());
        let second = picker.pick(&Bitfield::full(1), 10, &none);
        assert_eq!(second, first);
    }

    #[test]
    fn dropped_request_becomes_free_again() {
        let mut picker = picker(1, u64::from(BLOCK_SIZE));
        let blocks = picker.pick(&Bitfield::full(1), 10, &none);
        picker.request_dropped(&blocks[0]);
        assert!(!picker.in_endgame());
        assert_eq!(picker.pick(&Bitfield::full(1), 10, &none), blocks);
    }
}
