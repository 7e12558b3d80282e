//! Test helpers shared by the storage tests: layouts from string literals,
//! deterministic content, and writing a whole torrent.

use std::path::PathBuf;

use sha1::{Digest, Sha1};

use super::{Layout, Storage};

/// Piece length of [`spanning_layout`].
pub(crate) const PIECE: u32 = 16;

/// A layout from `(path, length)` literals.
pub(crate) fn layout(piece_length: u32, files: &[(&str, u64)]) -> Layout {
    Layout::new(
        piece_length,
        files
            .iter()
            .map(|&(path, length)| (PathBuf::from(path), length))
            .collect(),
    )
    .expect("valid test layout")
}

/// 61 bytes in pieces of 16: piece 0 spans five files around a 0-byte one,
/// several files are smaller than a piece, one spans three pieces, and the
/// last piece is 13 bytes.
pub(crate) fn spanning_layout() -> Layout {
    layout(
        PIECE,
        &[
            ("t/a", 5),
            ("t/empty", 0),
            ("t/b", 3),
            ("t/c", 4),
            ("t/d", 2),
            ("t/sub/e", 40),
            ("t/f", 7),
        ],
    )
}

/// `len` bytes with no short period, so a misplaced byte shows.
pub(crate) fn content(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i * 131 % 251) as u8).collect()
}

/// Writes every piece of `data` (the whole byte stream) to `storage`.
pub(crate) fn write_all(storage: &Storage, data: &[u8]) {
    let layout = storage.layout();
    for (index, piece) in data.chunks(layout.piece_length() as usize).enumerate() {
        storage
            .write_piece(index as u32, piece)
            .expect("write piece");
    }
}

/// The SHA-1 of each piece of `data`.
pub(crate) fn piece_hashes(layout: &Layout, data: &[u8]) -> Vec<[u8; 20]> {
    data.chunks(layout.piece_length() as usize)
        .map(|piece| Sha1::digest(piece).into())
        .collect()
}
