//! BEP 52 merkle trees of SHA-256 hashes, shared by torrent creation and
//! piece verification.
//!
//! The leaves are the SHA-256 of each 16 KiB block of a file (the last
//! block may be shorter); a tree is padded to a power of two with zero
//! hashes (all 32 bytes 0, not the hash of anything). A piece's hash is the
//! root of its own blocks padded to a whole piece; a file's root is the root
//! of its piece hashes padded with the hash of an all-zero-leaf piece.

use std::fmt;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The v2 block: the leaves of every merkle tree hash 16 KiB each.
pub const BLOCK: u64 = 16 * 1024;

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The SHA-256 of each 16 KiB block of `data`, appended to `leaves`.
pub fn push_block_hashes(data: &[u8], leaves: &mut Vec<Hash>) {
    leaves.extend(
        data.chunks(BLOCK as usize)
            .map(|block| Hash::from(Sha256::digest(block))),
    );
}

/// The root of a tree of `width` leaves (a power of two, widened to one
/// that holds every leaf): `layer`, then `pad` for the rest.
pub fn root_of(mut layer: Vec<Hash>, width: usize, pad: Hash) -> Hash {
    layer.resize(width.max(layer.len()).next_power_of_two(), pad);
    while layer.len() > 1 {
        layer = layer
            .chunks(2)
            .map(|pair| parent(&pair[0], &pair[1]))
            .collect();
    }
    layer[0]
}

/// Every layer of the tree over `layer` padded with `pad` to `width` (a
/// power of two at least as wide), from that layer up to the root.
pub fn layers_above(layer: &[Hash], width: usize, pad: Hash) -> Vec<Vec<Hash>> {
    let mut current = layer.to_vec();
    current.resize(width.max(layer.len()).next_power_of_two(), pad);
    let mut layers = vec![current];
    while let Some(below) = layers.last().filter(|below| below.len() > 1) {
        let above = below
            .chunks(2)
            .map(|pair| parent(&pair[0], &pair[1]))
            .collect();
        layers.push(above);
    }
    layers
}

/// The hash of a node from its two children.
fn parent(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root that `node`, at `position` in its layer, proves with `uncles`:
/// the sibling of `node`, then of its parent, and so on up to a child of
/// the root.
pub fn root_with_uncles(node: Hash, position: usize, uncles: &[Hash]) -> Hash {
    let (root, _) = uncles
        .iter()
        .fold((node, position), |(node, position), uncle| {
            let above = match position % 2 {
                0 => parent(&node, uncle),
                _ => parent(uncle, &node),
            };
            (above, position / 2)
        });
    root
}

/// Every layer of one file's tree above its piece layer ([`layers_above`]),
/// built on first use and kept: what hash requests are answered from. A
/// cache, so it takes no part in comparisons.
#[derive(Clone, Default)]
pub struct TreeCache(OnceLock<Vec<Vec<Hash>>>);

impl TreeCache {
    /// The layers, built by `build` if this is the first use.
    pub fn get_or_build(&self, build: impl FnOnce() -> Vec<Vec<Hash>>) -> &[Vec<Hash>] {
        self.0.get_or_init(build)
    }

    /// Whether the layers have been built.
    pub fn is_built(&self) -> bool {
        self.0.get().is_some()
    }
}

impl PartialEq for TreeCache {
    fn eq(&self, _: &TreeCache) -> bool {
        true
    }
}

impl Eq for TreeCache {}

impl fmt::Debug for TreeCache {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_built() {
            "built"
        } else {
            "not built"
        };
        write!(formatter, "TreeCache({state})")
    }
}

/// Leaves under one piece of `piece_length` bytes (at least one).
pub fn leaves_per_piece(piece_length: u64) -> usize {
    usize::try_from(piece_length / BLOCK)
        .unwrap_or(usize::MAX)
        .max(1)
}

/// The hash of a piece whose leaves are all zero: what pads a file's tree
/// of piece hashes.
pub fn zero_piece(piece_length: u64) -> Hash {
    root_of(Vec::new(), leaves_per_piece(piece_length), [0; 32])
}

/// The hash of one piece of a file: the root of its blocks padded with zero
/// leaves to a whole piece or, for a file of at most one piece, to the next
/// power of two of its blocks (which is then the file's root).
pub fn piece_root(data: &[u8], piece_length: u64, file_is_one_piece: bool) -> Hash {
    let mut leaves = Vec::with_capacity(data.len().div_ceil(BLOCK as usize));
    push_block_hashes(data, &mut leaves);
    let width = if file_is_one_piece {
        leaves.len().next_power_of_two()
    } else {
        leaves_per_piece(piece_length)
    };
    root_of(leaves, width, [0; 32])
}

/// The root of a file's tree from its piece layer.
pub fn root_of_layer(layer: &[Hash], piece_length: u64) -> Hash {
    root_of(
        layer.to_vec(),
        layer.len().next_power_of_two(),
        zero_piece(piece_length),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256(data: &[u8]) -> Hash {
        Sha256::digest(data).into()
    }

    fn pair(left: Hash, right: Hash) -> Hash {
        sha256(&[left, right].concat())
    }

    #[test]
    fn a_piece_pads_its_blocks_with_zero_leaves() {
        let data = vec![9u8; BLOCK as usize + 5];
        let blocks = (
            sha256(&data[..BLOCK as usize]),
            sha256(&data[BLOCK as usize..]),
        );
        let whole_piece = pair(pair(blocks.0, blocks.1), pair([0; 32], [0; 32]));
        assert_eq!(piece_root(&data, 4 * BLOCK, false), whole_piece);
        assert_eq!(piece_root(&data, 4 * BLOCK, true), pair(blocks.0, blocks.1));
        assert_eq!(piece_root(b"x", BLOCK, true), sha256(b"x"));
    }

    #[test]
    fn layers_above_end_at_the_root() {
        let layers = layers_above(&[[1; 32], [2; 32], [3; 32]], 4, [0; 32]);
        let widths: Vec<usize> = layers.iter().map(Vec::len).collect();
        assert_eq!(widths, [4, 2, 1]);
        assert_eq!(layers[2][0], root_of(layers[0].clone(), 4, [0; 32]));
    }

    #[test]
    fn uncles_prove_a_node_to_the_root() {
        let leaves = [[1; 32], [2; 32], [3; 32], [4; 32]];
        let layers = layers_above(&leaves, 4, [0; 32]);
        let root = layers[2][0];
        assert_eq!(
            root_with_uncles(leaves[2], 2, &[leaves[3], layers[1][0]]),
            root
        );
        assert_eq!(root_with_uncles(layers[1][0], 0, &[layers[1][1]]), root);
        assert_ne!(
            root_with_uncles(leaves[2], 3, &[leaves[3], layers[1][0]]),
            root
        );
        assert_eq!(root_with_uncles(root, 0, &[]), root);
    }

    #[test]
    fn a_layer_is_padded_with_zero_pieces() {
        let pieces = [[1; 32], [2; 32], [3; 32]];
        let zero = pair([0; 32], [0; 32]);
        assert_eq!(zero_piece(2 * BLOCK), zero);
        assert_eq!(
            root_of_layer(&pieces, 2 * BLOCK),
            pair(pair(pieces[0], pieces[1]), pair(pieces[2], zero))
        );
    }
}
