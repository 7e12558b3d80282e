//! Putting an info dictionary together from 16 KiB `ut_metadata` pieces sent
//! by several peers, and checking it against the info-hashes (SHA-1 for v1,
//! SHA-256 for v2: every hash the magnet link gave).
//!
//! Pieces are handed out to peers as they ask ([`Assembly::next`]), each
//! piece to one peer at a time; a peer that leaves gives its pieces back
//! ([`Assembly::release`]). When the last piece arrives the whole is hashed.
//! A mismatch throws everything away. If a single peer sent every piece, it
//! is the culprit; if several did, nobody can tell which one lied, so from
//! then on the assembly is *exclusive*: one peer at a time sends every piece,
//! and the next mismatch names its culprit exactly.
//!
//! Invariants: every slot holds either nothing, a request outstanding at one
//! peer, or bytes of exactly the length BEP 9 prescribes for that piece; a
//! peer that announced a different metadata size than the one being
//! assembled is never handed a piece (it waits until the assembly starts
//! over); the size is forgotten whenever no slot holds anything, so a peer
//! that announced a bogus size and left cannot block the others.

use crate::metainfo::InfoHashes;
use crate::peer::ut_metadata::{piece_count, piece_length};
use bytes::Bytes;
use std::net::SocketAddr;

/// One 16 KiB piece of the metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Missing,
    Requested(SocketAddr),
    Have(SocketAddr, Bytes),
}

/// What a peer should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    /// Request this piece.
    Request(u32),
    /// Nothing to ask for now: wait for a change.
    Wait,
}

/// What a received piece did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stored {
    /// More pieces are missing.
    Incomplete,
    /// The metadata is complete and hashes to the info-hash.
    Complete(Vec<u8>),
    /// The metadata is complete but does not hash to the info-hash; it was
    /// thrown away. `culprit` is the peer that sent all of it, if one did.
    Mismatch { culprit: Option<SocketAddr> },
    /// The piece has the wrong length for the announced size: the peer lied.
    WrongLength { expected: usize, got: usize },
    /// A piece this peer was not asked for (or no longer is): ignored.
    Unexpected,
}

/// The metadata being put together.
#[derive(Debug)]
pub(super) struct Assembly {
    info_hashes: InfoHashes,
    size: Option<usize>,
    slots: Vec<Slot>,
    exclusive: bool,
    owner: Option<SocketAddr>,
}

impl Assembly {
    /// An empty assembly for the metadata named by `info_hashes`.
    pub(super) fn new(info_hashes: InfoHashes) -> Assembly {
        Assembly {
            info_hashes,
            size: None,
            slots: Vec::new(),
            exclusive: false,
            owner: None,
        }
    }

    /// The next piece `peer`, which announced metadata of `size` bytes, should request.
    pub(super) fn next(&mut self, peer: SocketAddr, size: usize) -> Next {
        if self.size.is_none() {
            self.size = Some(size);
            self.slots = vec![Slot::Missing; piece_count(size)];
        }
        if self.size != Some(size) {
            return Next::Wait;
        }
        if self.exclusive {
            match self.owner {
                None => self.owner = Some(peer),
                Some(owner) if owner != peer => return Next::Wait,
                Some(_) => {}
            }
        }
        let Some(index) = self.slots.iter().position(|slot| *slot == Slot::Missing) else {
            return Next::Wait;
        };
        self.slots[index] = Slot::Requested(peer);
        u32::try_from(index).map_or(Next::Wait, Next::Request)
    }

    /// Takes piece `piece` from `peer`.
    pub(super) fn store(&mut self, peer: SocketAddr, piece: u32, data: Bytes) -> Stored {
        let index = piece as usize;
        let (Some(size), Some(slot)) = (self.size, self.slots.get_mut(index)) else {
            return Stored::Unexpected;
        };
        if *slot != Slot::Requested(peer) {
            return Stored::Unexpected;
        }
        let expected = piece_length(size, piece).unwrap_or(0);
        if data.len() != expected {
            *slot = Slot::Missing;
            return Stored::WrongLength {
                expected,
                got: data.len(),
            };
        }
        *slot = Slot::Have(peer, data);
        self.check_if_complete(size)
    }

    /// Gives back the pieces `peer` was asked for, when it leaves or fails.
    pub(super) fn release(&mut self, peer: SocketAddr) {
        for slot in &mut self.slots {
            if *slot == Slot::Requested(peer) {
                *slot = Slot::Missing;
            }
        }
        if self.owner == Some(peer) {
            self.owner = None;
            self.start_over();
        }
        if self.slots.iter().all(|slot| *slot == Slot::Missing) {
            self.start_over();
        }
    }

    fn check_if_complete(&mut self, size: usize) -> Stored {
        let mut metadata = Vec::with_capacity(size);
        let mut contributors = Vec::new();
        for slot in &self.slots {
            let Slot::Have(peer, data) = slot else {
                return Stored::Incomplete;
            };
            metadata.extend_from_slice(data);
            if !contributors.contains(peer) {
                contributors.push(*peer);
            }
        }
        if self.info_hashes.matches(&metadata) {
            return Stored::Complete(metadata);
        }
        self.exclusive = true;
        self.owner = None;
        self.start_over();
        Stored::Mismatch {
            culprit: match contributors.as_slice() {
                [only] => Some(*only),
                _ => None,
            },
        }
    }

    fn start_over(&mut self) {
        self.size = None;
        self.slots.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metainfo::InfoHash;
    use crate::peer::ut_metadata::METADATA_PIECE_SIZE;

    const SIZE: usize = 2 * METADATA_PIECE_SIZE + 100;

    fn metadata() -> Vec<u8> {
        (0..SIZE).map(|n| (n % 251) as u8).collect()
    }

    fn assembly() -> Assembly {
        Assembly::new(InfoHashes::from_v1(
            InfoHash::of_info_bytes(&metadata()),
            None,
        ))
    }

    fn peer(n: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], n))
    }

    fn piece(bytes: &[u8], index: u32) -> Bytes {
        let start = index as usize * METADATA_PIECE_SIZE;
        let end = (start + METADATA_PIECE_SIZE).min(bytes.len());
        Bytes::copy_from_slice(&bytes[start..end])
    }

    #[test]
    fn pieces_from_several_peers_assemble_and_check() {
        let good = metadata();
        let mut assembly = assembly();
        assert_eq!(assembly.next(peer(1), SIZE), Next::Request(0));
        assert_eq!(assembly.next(peer(2), SIZE), Next::Request(1));
        assert_eq!(assembly.next(peer(3), SIZE), Next::Request(2));
        assert_eq!(assembly.next(peer(4), SIZE), Next::Wait);
        assert_eq!(
            assembly.store(peer(2), 1, piece(&good, 1)),
            Stored::Incomplete
        );
        assert_eq!(
            assembly.store(peer(2), 0, piece(&good, 0)),
            Stored::Unexpected
        );
        assert_eq!(
            assembly.store(peer(1), 0, piece(&good, 0)),
            Stored::Incomplete
        );
        assert_eq!(
            assembly.store(peer(3), 2, piece(&good, 2)),
            Stored::Complete(good)
        );
    }

    #[test]
    fn a_departed_peers_pieces_go_to_others() {
        let mut assembly = assembly();
        assert_eq!(assembly.next(peer(1), SIZE), Next::Request(0));
        assert_eq!(assembly.next(peer(2), SIZE), Next::Request(1));
        assembly.release(peer(1));
        assert_eq!(assembly.next(peer(3), SIZE), Next::Request(0));
        assert_eq!(
            assembly.store(peer(1), 0, piece(&metadata(), 0)),
            Stored::Unexpected
        );
    }

    #[test]
    fn a_wrong_length_is_refused() {
        let mut assembly = assembly();
        assert_eq!(assembly.next(peer(1), SIZE), Next::Request(0));
        assert_eq!(
            assembly.store(peer(1), 0, Bytes::from_static(b"short")),
            Stored::WrongLength {
                expected: METADATA_PIECE_SIZE,
                got: 5
            }
        );
        assert_eq!(assembly.next(peer(2), SIZE), Next::Request(0));
    }

    #[test]
    fn a_lone_liar_is_named_and_a_mixed_mismatch_turns_exclusive() {
        let good = metadata();
        let mut bad = good.clone();
        bad[5] ^= 1;
        let mut assembly = assembly();
        for index in 0..3 {
            assert_eq!(assembly.next(peer(9), SIZE), Next::Request(index));
        }
        assembly.store(peer(9), 0, piece(&bad, 0));
        assembly.store(peer(9), 1, piece(&bad, 1));
        assert_eq!(
            assembly.store(peer(9), 2, piece(&bad, 2)),
            Stored::Mismatch {
                culprit: Some(peer(9))
            }
        );

        // Now one peer at a time: a second peer waits for the owner.
        assert_eq!(assembly.next(peer(1), SIZE), Next::Request(0));
        assert_eq!(assembly.next(peer(2), SIZE), Next::Wait);
        assembly.release(peer(1));
        assert_eq!(assembly.next(peer(2), SIZE), Next::Request(0));
        assert_eq!(assembly.next(peer(2), SIZE), Next::Request(1));
        assert_eq!(assembly.next(peer(2), SIZE), Next::Request(2));
        for index in 0..2 {
            assert_eq!(
                assembly.store(peer(2), index, piece(&good, index)),
                Stored::Incomplete
            );
        }
        assert_eq!(
            assembly.store(peer(2), 2, piece(&good, 2)),
            Stored::Complete(good)
        );
    }

    #[test]
    fn mixed_contributors_name_no_culprit() {
        let mut bad = metadata();
        bad[0] ^= 1;
        let mut assembly = assembly();
        for (n, index) in [(1, 0), (2, 1), (3, 2)] {
            assert_eq!(assembly.next(peer(n), SIZE), Next::Request(index));
        }
        assembly.store(peer(1), 0, piece(&bad, 0));
        assembly.store(peer(2), 1, piece(&bad, 1));
        assert_eq!(
            assembly.store(peer(3), 2, piece(&bad, 2)),
            Stored::Mismatch { culprit: None }
        );
    }

    #[test]
    fn a_bogus_size_blocks_nobody_once_its_peer_leaves() {
        let mut assembly = assembly();
        assert_eq!(assembly.next(peer(9), 5), Next::Request(0));
        assert_eq!(assembly.next(peer(1), SIZE), Next::Wait);
        assembly.release(peer(9));
        assert_eq!(assembly.next(peer(1), SIZE), Next::Request(0));
    }
}
