//! Torrent metainfo (BEP 3, v1; BEP 52 hybrids through their v1 keys and
//! v2-only torrents; BEP 47 file attributes; BEP 19 web seeds): parsing .torrent files and info
//! dictionaries fetched from peers, and creating new torrents with parallel
//! hashing.
//!
//! The info-hash is always SHA-1 of the info dictionary's exact original bytes
//! (see [`crate::bencode`]), and a hybrid's or v2-only torrent's v2
//! info-hash the SHA-256 of the same bytes; the info dictionary is read with the raw bencode parser rather
//! than serde so unknown keys never matter. Everything a
//! download relies on is validated on parse (see [`Info`]), with one-line
//! errors ([`MetainfoError`]) that name the key involved.

mod create;
mod error;
mod fields;
mod file_attributes;
mod file_entry;
mod file_tree;
mod info;
mod layer_chunk;
mod merkle_tree;
mod path_component;
mod piece_hashes;
mod piece_length;
mod summary;
mod torrent;
mod trackers;
mod web_seeds;

pub use crate::info_hash::{
    InfoHash, InfoHashParseError, InfoHashV2, InfoHashV2ParseError, InfoHashes,
};
pub use create::{create, CreateError, CreateOptions};
pub use error::MetainfoError;
pub use file_attributes::FileAttributes;
pub use file_entry::FileEntry;
pub use info::{Info, MetaVersion, MAX_FILES};
pub use layer_chunk::LayerChunk;
pub use piece_hashes::{MerklePieces, PieceHashes};
pub use piece_length::{
    piece_length_for, MAX_AUTO_PIECE_LENGTH, MAX_PIECE_LENGTH, MIN_AUTO_PIECE_LENGTH,
};
pub use summary::{SummaryFile, TorrentSummary};
pub use torrent::Torrent;
