//! [`LayerChunk`]: a run of one file's piece layer as btt asks a peer for
//! it with a BEP 52 hash request, when the layers did not come with the
//! metadata (a v2-only torrent from a magnet link).
//!
//! A layer is asked for in chunks of [`CHUNK_HASHES`] hashes (as libtorrent
//! does; one request may carry at most 8192), the last one shortened to the
//! next power of two that holds the rest (at least 2), so every chunk is a
//! whole subtree of the file's tree. Each is asked for with every proof
//! layer up to the root's children, so the peer's answer carries the uncle
//! hashes that prove it against the file's `pieces root` on its own:
//! chunks are checked as they come, in any order, and a bad one is refused
//! without spoiling the others.

use super::error::MetainfoError;
use super::merkle_tree::{root_of, root_with_uncles, Hash};

/// Piece-layer hashes asked for in one request.
const CHUNK_HASHES: u32 = 512;

/// One hash request's worth of a file's piece layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerChunk {
    /// The file's `pieces root`.
    pub root: Hash,
    /// The first hash's index in the piece layer (a multiple of `length`).
    pub index: u32,
    /// The number of hashes, pad hashes past the file's end included (a
    /// power of two).
    pub length: u32,
    /// How many layers above the piece layer the uncle hashes reach: to a
    /// child of the root.
    pub proof_layers: u32,
}

impl LayerChunk {
    /// Chunk `number` of the layer of a file of `pieces` pieces (more than
    /// one) whose root is `root`.
    pub(super) fn new(root: Hash, pieces: u32, number: u32) -> LayerChunk {
        let index = number * CHUNK_HASHES;
        let length = (pieces - index).next_power_of_two().clamp(2, CHUNK_HASHES);
        let height = pieces.next_power_of_two().trailing_zeros();
        LayerChunk {
            root,
            index,
            length,
            proof_layers: height - 1,
        }
    }

    /// The number of chunks in a layer of `pieces` hashes.
    pub(super) fn count(pieces: u32) -> u32 {
        pieces.div_ceil(CHUNK_HASHES)
    }

    /// Which chunk of its layer this is.
    pub(super) fn number(&self) -> u32 {
        self.index / CHUNK_HASHES
    }

    /// The piece hashes a peer answered this chunk with (`bytes`: the
    /// chunk's hashes, then its uncle hashes from the bottom up), once they
    /// prove to the file's root; the pad hashes past the file's `pieces`
    /// are dropped.
    pub(super) fn checked_hashes(
        &self,
        bytes: &[u8],
        pieces: u32,
    ) -> Result<Vec<Hash>, MetainfoError> {
        let (hashes, rest) = bytes.as_chunks::<32>();
        let uncles = self.proof_layers + 1 - self.length.trailing_zeros();
        let expected = (self.length + uncles) as usize;
        if !rest.is_empty() || hashes.len() != expected {
            return Err(MetainfoError::PieceLayerChunkLength {
                root: hex::encode(self.root),
                index: self.index,
                length: bytes.len(),
                expected: expected * 32,
            });
        }
        let (layer, uncles) = hashes.split_at(self.length as usize);
        let subtree = root_of(layer.to_vec(), layer.len(), [0; 32]);
        let position = (self.index / self.length) as usize;
        if root_with_uncles(subtree, position, uncles) != self.root {
            return Err(MetainfoError::PieceLayerChunkMismatch {
                root: hex::encode(self.root),
                index: self.index,
            });
        }
        let in_file = (pieces - self.index).min(self.length) as usize;
        Ok(layer[..in_file].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_whole_subtrees_proved_up_to_the_root() {
        // 1029 pieces: a tree 2048 wide, 11 layers above the pieces.
        let chunks: Vec<(u32, u32, u32)> = (0..LayerChunk::count(1029))
            .map(|number| LayerChunk::new([1; 32], 1029, number))
            .map(|chunk| (chunk.index, chunk.length, chunk.proof_layers))
            .collect();
        assert_eq!(chunks, [(0, 512, 10), (512, 512, 10), (1024, 8, 10)]);
        let last = LayerChunk::new([1; 32], 1025, 2);
        assert_eq!((last.index, last.length), (1024, 2), "never one hash");
        let whole = LayerChunk::new([1; 32], 3, 0);
        assert_eq!((whole.index, whole.length, whole.proof_layers), (0, 4, 1));
        assert_eq!(LayerChunk::count(512), 1);
    }
}
