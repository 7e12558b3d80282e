//! [`PieceHashes`]: what each piece of a torrent is checked against before
//! it counts, v1 or v2 behind one interface ([`PieceHashes::matches`]), so
//! the swarm, the recheck and `btt-seed verify` never ask which.
//!
//! v1 and hybrid torrents check the SHA-1 of the whole piece. A v2-only
//! torrent (BEP 52) checks the SHA-256 merkle root of the piece's 16 KiB
//! blocks, of the bytes of its one file only (the pad bytes after a file's
//! end take no part), against the file's piece layer, or against the file's
//! `pieces root` for a file of at most one piece. A layer comes from the
//! .torrent's `piece layers`, checked against its file's root before it is
//! kept, or, for a torrent from a magnet link, from peers in chunks
//! ([`LayerChunk`], [`MerklePieces::attach_chunk`]), each checked against
//! the root with its uncle hashes; until a file's whole layer is known its
//! pieces match nothing. The layers known are served to peers that ask for
//! them (BEP 52 hash requests, [`MerklePieces::hashes_for`]): piece-layer
//! hashes and the uncle hashes that prove them against the file's root,
//! from each file's tree, built once on the first request for it.

use std::collections::BTreeMap;

use sha1::{Digest, Sha1};

use super::error::MetainfoError;
use super::layer_chunk::LayerChunk;
use super::merkle_tree::{
    layers_above, leaves_per_piece, piece_root, root_of_layer, zero_piece, Hash, TreeCache,
};

/// The most hashes one hash request may ask for (libtorrent's limit too).
const MAX_HASHES_PER_REQUEST: u32 = 8192;

/// The hashes a torrent's pieces are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PieceHashes {
    /// The SHA-1 of every piece (v1 and hybrid torrents).
    Sha1(Vec<[u8; 20]>),
    /// The merkle roots of a v2-only torrent.
    Merkle(MerklePieces),
}

impl PieceHashes {
    /// The number of pieces.
    pub fn len(&self) -> usize {
        match self {
            PieceHashes::Sha1(hashes) => hashes.len(),
            PieceHashes::Merkle(merkle) => merkle.piece_count,
        }
    }

    /// Whether there are no pieces (never, for a parsed torrent).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `piece` is the data of piece `index`.
    pub fn matches(&self, index: u32, piece: &[u8]) -> bool {
        match self {
            PieceHashes::Sha1(hashes) => {
                hashes.get(index as usize) == Some(&Sha1::digest(piece).into())
            }
            PieceHashes::Merkle(merkle) => merkle.matches(index, piece),
        }
    }

    /// The SHA-1 of piece `index` for a v1 torrent, for callers that hash
    /// several pieces at once.
    pub fn sha1(&self, index: u32) -> Option<&[u8; 20]> {
        match self {
            PieceHashes::Sha1(hashes) => hashes.get(index as usize),
            PieceHashes::Merkle(_) => None,
        }
    }
}

/// The v2 hashes of a v2-only torrent, file by file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerklePieces {
    piece_length: u64,
    piece_count: usize,
    /// The files that hold data, in torrent order.
    files: Vec<MerkleFile>,
}

/// One file of a v2-only torrent that holds data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleFile {
    /// The file's `pieces root`.
    pub root: Hash,
    /// The file's first piece (each file starts on a piece boundary).
    pub first_piece: u32,
    /// The file's length in bytes (more than 0).
    pub length: u64,
    /// The hash of each piece, once known; only for a file longer than one
    /// piece, whose root is checked against it.
    layer: Option<Vec<Hash>>,
    /// The chunks of the layer checked so far, by chunk number, while it
    /// comes from peers; empty once the layer is known.
    chunks: BTreeMap<u32, Vec<Hash>>,
    /// The file's tree above its layer, for answering hash requests.
    tree: TreeCache,
}

impl MerkleFile {
    /// A file of `length` bytes (more than 0) from piece `first_piece`.
    pub fn new(root: Hash, first_piece: u32, length: u64) -> MerkleFile {
        MerkleFile {
            root,
            first_piece,
            length,
            layer: None,
            chunks: BTreeMap::new(),
            tree: TreeCache::default(),
        }
    }

    fn piece_count(&self, piece_length: u64) -> u64 {
        self.length.div_ceil(piece_length)
    }

    /// The piece count as a piece index is held (every piece of a parsed
    /// torrent has one).
    fn pieces(&self, piece_length: u64) -> u32 {
        u32::try_from(self.piece_count(piece_length)).unwrap_or(u32::MAX)
    }

    /// The chunks of the layer not yet known.
    fn missing_chunks(&self, piece_length: u64) -> impl Iterator<Item = LayerChunk> + '_ {
        let pieces = self.pieces(piece_length);
        let count = match self.needs_layer(piece_length) && self.layer.is_none() {
            true => LayerChunk::count(pieces),
            false => 0,
        };
        (0..count)
            .filter(|number| !self.chunks.contains_key(number))
            .map(move |number| LayerChunk::new(self.root, pieces, number))
    }

    /// Whether the file needs a piece layer: it is longer than one piece.
    fn needs_layer(&self, piece_length: u64) -> bool {
        self.length > piece_length
    }
}

impl MerklePieces {
    /// The hashes of `files` (in torrent order, each starting on a piece
    /// boundary) in a torrent of `piece_count` pieces.
    pub fn new(piece_length: u32, piece_count: usize, files: Vec<MerkleFile>) -> MerklePieces {
        MerklePieces {
            piece_length: u64::from(piece_length),
            piece_count,
            files,
        }
    }

    /// Takes the `piece layers` of a .torrent: every file longer than one
    /// piece must have its layer there, and each layer must hash to its
    /// file's root. Layers of roots no file has are ignored.
    pub fn attach_layers<'a>(
        &mut self,
        layers: impl Fn(&Hash) -> Option<&'a [u8]>,
    ) -> Result<(), MetainfoError> {
        let piece_length = self.piece_length;
        for file in self
            .files
            .iter_mut()
            .filter(|file| file.needs_layer(piece_length))
        {
            let bytes = layers(&file.root).ok_or_else(|| MetainfoError::MissingPieceLayer {
                root: hex::encode(file.root),
            })?;
            file.layer = Some(checked_layer(file, bytes, piece_length)?);
        }
        Ok(())
    }

    /// The chunks of the piece layers still missing, file by file: what to
    /// ask peers for.
    pub fn missing_chunks(&self) -> impl Iterator<Item = LayerChunk> + '_ {
        self.files
            .iter()
            .flat_map(|file| file.missing_chunks(self.piece_length))
    }

    /// Takes `bytes`, a peer's answer to `chunk` (one of
    /// [`MerklePieces::missing_chunks`]): the chunk's hashes are kept once
    /// they hash to their file's root with the uncle hashes after them, and
    /// the file's layer is known once every chunk of it is.
    pub fn attach_chunk(&mut self, chunk: &LayerChunk, bytes: &[u8]) -> Result<(), MetainfoError> {
        let piece_length = self.piece_length;
        let file = self
            .files
            .iter_mut()
            .find(|file| file.root == chunk.root && file.needs_layer(piece_length))
            .filter(|file| {
                let pieces = file.pieces(piece_length);
                chunk.number() < LayerChunk::count(pieces)
                    && LayerChunk::new(file.root, pieces, chunk.number()) == *chunk
            })
            .ok_or_else(|| MetainfoError::UnknownPieceLayerChunk {
                root: hex::encode(chunk.root),
                index: chunk.index,
                length: chunk.length,
            })?;
        let pieces = file.pieces(piece_length);
        let hashes = chunk.checked_hashes(bytes, pieces)?;
        if file.layer.is_some() {
            return Ok(());
        }
        file.chunks.insert(chunk.number(), hashes);
        if file.chunks.len() as u32 == LayerChunk::count(pieces) {
            let chunks = std::mem::take(&mut file.chunks);
            file.layer = Some(chunks.into_values().flatten().collect());
        }
        Ok(())
    }

    /// The piece layer's height above the 16 KiB blocks.
    pub fn piece_layer(&self) -> u32 {
        leaves_per_piece(self.piece_length).trailing_zeros()
    }

    /// Whether every file's layer is known, so every piece can be checked.
    pub fn is_complete(&self) -> bool {
        self.files
            .iter()
            .all(|file| !file.needs_layer(self.piece_length) || file.layer.is_some())
    }

    /// The piece layers, by root, for a .torrent file's `piece layers`.
    pub fn layers(&self) -> impl Iterator<Item = (&Hash, &[Hash])> {
        self.files
            .iter()
            .filter_map(|file| file.layer.as_deref().map(|layer| (&file.root, layer)))
    }

    /// The answer to a BEP 52 hash request for the file whose root is
    /// `root`: `length` hashes of layer `base_layer` from `index`, then the
    /// uncle hashes from the range's own subtree up to `proof_layers`
    /// layers above the base (never the root itself). Only the piece layer
    /// is known here (no block hashes); `None` for anything else, which the
    /// caller rejects.
    pub fn hashes_for(
        &self,
        root: &Hash,
        base_layer: u32,
        index: u32,
        length: u32,
        proof_layers: u32,
    ) -> Option<Vec<Hash>> {
        let file = self.files.iter().find(|file| &file.root == root)?;
        let layer = file.layer.as_deref()?;
        let piece_layer = self.piece_layer();
        let width = layer.len().next_power_of_two();
        let tree = file
            .tree
            .get_or_build(|| layers_above(layer, width, zero_piece(self.piece_length)));
        let above_base = u32::try_from(tree.len() - 1).ok()?;
        let in_range = base_layer == piece_layer
            && (1..=MAX_HASHES_PER_REQUEST).contains(&length)
            && index.checked_add(length)? as usize <= width
            && proof_layers < above_base;
        if !in_range {
            return None;
        }
        let (start, end) = (index as usize, (index + length) as usize);
        let mut hashes = tree[0][start..end].to_vec();
        let mut layer_index = length.next_power_of_two().trailing_zeros();
        let mut position = start >> layer_index;
        while layer_index <= proof_layers {
            hashes.push(*tree.get(layer_index as usize)?.get(position ^ 1)?);
            layer_index += 1;
            position /= 2;
        }
        Some(hashes)
    }

    fn matches(&self, index: u32, piece: &[u8]) -> bool {
        let Some(file) = self.file_of(index) else {
            return false;
        };
        let start = u64::from(index - file.first_piece) * self.piece_length;
        let in_file = (file.length - start).min(self.piece_length);
        let Some(data) = usize::try_from(in_file)
            .ok()
            .and_then(|length| piece.get(..length))
        else {
            return false;
        };
        if !file.needs_layer(self.piece_length) {
            return piece_root(data, self.piece_length, true) == file.root;
        }
        let expected = file
            .layer
            .as_ref()
            .and_then(|layer| layer.get((index - file.first_piece) as usize));
        expected == Some(&piece_root(data, self.piece_length, false))
    }

    /// The file that holds piece `index`, if any (pieces of pad bytes only
    /// belong to none).
    fn file_of(&self, index: u32) -> Option<&MerkleFile> {
        let after = self.files.partition_point(|file| file.first_piece <= index);
        let file = self.files.get(after.checked_sub(1)?)?;
        let end = u64::from(file.first_piece) + file.piece_count(self.piece_length);
        (u64::from(index) < end).then_some(file)
    }
}

/// The hashes in `bytes`, if they are the piece layer of `file`.
fn checked_layer(
    file: &MerkleFile,
    bytes: &[u8],
    piece_length: u64,
) -> Result<Vec<Hash>, MetainfoError> {
    let (hashes, rest) = bytes.as_chunks::<32>();
    let expected = file.piece_count(piece_length);
    if !rest.is_empty() || hashes.len() as u64 != expected {
        return Err(MetainfoError::PieceLayerLength {
            root: hex::encode(file.root),
            length: bytes.len(),
            expected: expected.saturating_mul(32),
        });
    }
    if root_of_layer(hashes, piece_length) != file.root {
        return Err(MetainfoError::PieceLayerMismatch {
            root: hex::encode(file.root),
        });
    }
    Ok(hashes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::super::merkle_tree::BLOCK;
    use super::*;

    const PIECE: u32 = 2 * BLOCK as u32;

    /// Two files: 5 bytes in piece 0, 2 pieces and 1 byte in pieces 1-3.
    fn two_files() -> (Vec<u8>, Vec<u8>, MerklePieces) {
        let small = b"hello".to_vec();
        let big: Vec<u8> = (0..2 * u64::from(PIECE) + 1)
            .map(|index| (index % 253) as u8)
            .collect();
        let piece = u64::from(PIECE);
        let layer: Vec<Hash> = big
            .chunks(PIECE as usize)
            .map(|chunk| piece_root(chunk, piece, false))
            .collect();
        let files = vec![
            MerkleFile::new(piece_root(&small, piece, true), 0, 5),
            MerkleFile::new(root_of_layer(&layer, piece), 1, big.len() as u64),
        ];
        (small, big, MerklePieces::new(PIECE, 4, files))
    }

    #[test]
    fn checks_small_files_by_root_and_large_ones_by_layer() {
        let (small, big, mut merkle) = two_files();
        let layer: Vec<u8> = big
            .chunks(PIECE as usize)
            .flat_map(|chunk| piece_root(chunk, u64::from(PIECE), false))
            .collect();
        let mut padded_small = small.clone();
        padded_small.resize(PIECE as usize, 0);
        let hashes = PieceHashes::Merkle(merkle.clone());
        assert!(hashes.matches(0, &padded_small), "pad bytes take no part");
        assert!(!hashes.matches(1, &big[..PIECE as usize]), "no layer yet");
        assert!(!merkle.is_complete());
        let root = merkle.files[1].root;
        merkle
            .attach_layers(|wanted| (*wanted == root).then_some(&layer[..]))
            .expect("the layer hashes to the root");
        assert!(merkle.is_complete());
        let hashes = PieceHashes::Merkle(merkle);
        let last = &big[2 * PIECE as usize..];
        assert!(hashes.matches(1, &big[..PIECE as usize]));
        assert!(hashes.matches(3, last));
        assert!(!hashes.matches(2, &big[..PIECE as usize]), "wrong piece");
        assert!(!hashes.matches(4, last), "past the end");
        assert!(!hashes.matches(0, b"hellO"));
        assert_eq!(hashes.len(), 4);
    }

    #[test]
    fn refuses_missing_short_and_wrong_layers() {
        let (_, _, mut merkle) = two_files();
        let root = hex::encode(merkle.files[1].root);
        assert_eq!(
            merkle.attach_layers(|_| None),
            Err(MetainfoError::MissingPieceLayer { root: root.clone() })
        );
        assert_eq!(
            merkle.attach_layers(|_| Some(&[0; 64][..])),
            Err(MetainfoError::PieceLayerLength {
                root: root.clone(),
                length: 64,
                expected: 96
            })
        );
        assert_eq!(
            merkle.attach_layers(|_| Some(&[0; 96][..])),
            Err(MetainfoError::PieceLayerMismatch { root })
        );
    }

    /// Hash of two children.
    fn parent(left: Hash, right: Hash) -> Hash {
        use sha2::{Digest as _, Sha256};
        Sha256::digest([left, right].concat()).into()
    }

    #[test]
    fn serves_piece_layer_hashes_with_their_uncles() {
        let (_, big, mut merkle) = two_files();
        let piece = u64::from(PIECE);
        let layer: Vec<Hash> = big
            .chunks(PIECE as usize)
            .map(|chunk| piece_root(chunk, piece, false))
            .collect();
        let root = merkle.files[1].root;
        let bytes = layer.concat();
        merkle
            .attach_layers(|_| Some(&bytes[..]))
            .expect("valid layer");
        // 3 pieces, padded to 4: [p0 p1 | p2 zero], then two parents, the root.
        let zero = zero_piece(piece);
        let right = parent(layer[2], zero);
        assert_eq!(
            merkle.hashes_for(&root, 1, 0, 4, 0),
            Some(vec![layer[0], layer[1], layer[2], zero])
        );
        assert_eq!(
            merkle.hashes_for(&root, 1, 0, 2, 1),
            Some(vec![layer[0], layer[1], right])
        );
        assert_eq!(
            merkle.hashes_for(&root, 1, 2, 1, 1),
            Some(vec![layer[2], zero, parent(layer[0], layer[1])])
        );
        assert_eq!(
            merkle.hashes_for(&root, 1, 0, 2, 2),
            None,
            "the root is never sent"
        );
        assert_eq!(
            merkle.hashes_for(&root, 0, 0, 2, 0),
            None,
            "no block hashes here"
        );
        assert_eq!(merkle.hashes_for(&root, 1, 3, 2, 0), None, "past the layer");
        assert_eq!(merkle.hashes_for(&root, 1, 0, 0, 0), None);
        assert_eq!(
            merkle.hashes_for(&[9; 32], 1, 0, 1, 0),
            None,
            "no such file"
        );
    }

    #[test]
    fn takes_a_short_layer_from_a_peer_as_one_chunk() {
        let (_, big, mut merkle) = two_files();
        let piece = u64::from(PIECE);
        let root = merkle.files[1].root;
        assert_eq!(merkle.piece_layer(), 1);
        let whole = LayerChunk {
            root,
            index: 0,
            length: 4,
            proof_layers: 1,
        };
        assert_eq!(merkle.missing_chunks().collect::<Vec<_>>(), [whole]);
        let mut padded: Vec<u8> = big
            .chunks(PIECE as usize)
            .flat_map(|chunk| piece_root(chunk, piece, false))
            .collect();
        padded.extend_from_slice(&zero_piece(piece));
        let mut wrong = padded.clone();
        wrong[0] ^= 1;
        assert_eq!(
            merkle.attach_chunk(&whole, &wrong),
            Err(MetainfoError::PieceLayerChunkMismatch {
                root: hex::encode(root),
                index: 0
            })
        );
        assert!(!merkle.is_complete());
        merkle
            .attach_chunk(&whole, &padded)
            .expect("the layer checks out");
        assert!(merkle.is_complete());
        assert_eq!(merkle.missing_chunks().count(), 0);
        assert!(PieceHashes::Merkle(merkle).matches(1, &big[..PIECE as usize]));
    }

    /// Pieces in the long file of [`long_file`]: three chunks, the last of
    /// 8 hashes (5 pieces, 3 pad hashes).
    const LONG: u32 = 1029;

    /// A one-piece file, then a file of [`LONG`] pieces: as a .torrent
    /// gives them, with every layer, and as a magnet link does, without.
    fn long_file() -> (MerklePieces, MerklePieces) {
        let piece = u64::from(PIECE);
        let layer: Vec<Hash> = (0..LONG)
            .map(|index| {
                let mut hash = [7; 32];
                hash[..4].copy_from_slice(&index.to_le_bytes());
                hash
            })
            .collect();
        let files = vec![
            MerkleFile::new(piece_root(b"hello", piece, true), 0, 5),
            MerkleFile::new(
                root_of_layer(&layer, piece),
                1,
                u64::from(LONG) * piece - 100,
            ),
        ];
        let magnet = MerklePieces::new(PIECE, 1 + LONG as usize, files);
        let mut torrent = magnet.clone();
        let bytes = layer.concat();
        torrent
            .attach_layers(|_| Some(&bytes[..]))
            .expect("the layer hashes to the root");
        (torrent, magnet)
    }

    /// What `seeder` answers to the hash request for `chunk`.
    fn answer(seeder: &MerklePieces, chunk: &LayerChunk) -> Vec<u8> {
        seeder
            .hashes_for(
                &chunk.root,
                seeder.piece_layer(),
                chunk.index,
                chunk.length,
                chunk.proof_layers,
            )
            .expect("the seeder has the layer")
            .concat()
    }

    #[test]
    fn chunks_in_any_order_assemble_the_layer_the_torrent_has() {
        let (torrent, mut magnet) = long_file();
        let chunks: Vec<LayerChunk> = magnet.missing_chunks().collect();
        let shapes: Vec<(u32, u32)> = chunks.iter().map(|c| (c.index, c.length)).collect();
        assert_eq!(shapes, [(0, 512), (512, 512), (1024, 8)]);
        assert!(!torrent.files[1].tree.is_built());
        for chunk in [chunks[2], chunks[0], chunks[1]] {
            assert!(!magnet.is_complete());
            let bytes = answer(&torrent, &chunk);
            magnet.attach_chunk(&chunk, &bytes).expect("a true chunk");
        }
        assert!(torrent.files[1].tree.is_built(), "built once, then kept");
        assert!(magnet.is_complete());
        assert_eq!(magnet.missing_chunks().count(), 0);
        assert!(magnet.layers().eq(torrent.layers()));
        assert_eq!(magnet, torrent);
    }

    #[test]
    fn refuses_a_chunk_with_a_forged_hash_or_uncle() {
        let (torrent, mut magnet) = long_file();
        let chunks: Vec<LayerChunk> = magnet.missing_chunks().collect();
        let (middle, last) = (chunks[1], chunks[2]);
        let root = hex::encode(middle.root);
        let true_middle = answer(&torrent, &middle);
        // 512 hashes, then the uncles at layers 9 and 10 above the pieces.
        assert_eq!(true_middle.len(), (512 + 2) * 32);
        let mismatch = |index| {
            Err(MetainfoError::PieceLayerChunkMismatch {
                root: root.clone(),
                index,
            })
        };
        let forged = |bytes: &[u8], hash: usize| {
            let mut forged = bytes.to_vec();
            forged[hash * 32 + 5] ^= 1;
            forged
        };
        let forged_hash = forged(&true_middle, 3);
        assert_eq!(magnet.attach_chunk(&middle, &forged_hash), mismatch(512));
        let forged_uncle = forged(&true_middle, 513);
        assert_eq!(magnet.attach_chunk(&middle, &forged_uncle), mismatch(512));
        let true_last = answer(&torrent, &last);
        let forged_pad = forged(&true_last, 6);
        assert_eq!(magnet.attach_chunk(&last, &forged_pad), mismatch(1024));
        assert_eq!(
            magnet.attach_chunk(&middle, &true_middle[32..]),
            Err(MetainfoError::PieceLayerChunkLength {
                root: root.clone(),
                index: 512,
                length: 513 * 32,
                expected: 514 * 32
            })
        );
        let unasked = [
            LayerChunk {
                proof_layers: 0,
                ..middle
            },
            LayerChunk {
                root: [9; 32],
                ..middle
            },
            LayerChunk {
                index: 1536,
                ..middle
            },
        ];
        for chunk in unasked {
            assert_eq!(
                magnet.attach_chunk(&chunk, &true_middle),
                Err(MetainfoError::UnknownPieceLayerChunk {
                    root: hex::encode(chunk.root),
                    index: chunk.index,
                    length: chunk.length
                })
            );
        }
        assert_eq!(magnet.missing_chunks().count(), 3, "nothing kept");
        magnet
            .attach_chunk(&middle, &true_middle)
            .expect("the true chunk");
        assert_eq!(
            magnet.missing_chunks().collect::<Vec<_>>(),
            [chunks[0], last]
        );
    }

    #[test]
    fn v1_pieces_check_their_sha1() {
        let hashes = PieceHashes::Sha1(vec![Sha1::digest(b"abc").into()]);
        assert!(hashes.matches(0, b"abc"));
        assert!(!hashes.matches(0, b"abd"));
        assert!(!hashes.matches(1, b"abc"));
        assert_eq!(hashes.sha1(0), Some(&Sha1::digest(b"abc").into()));
    }
}
