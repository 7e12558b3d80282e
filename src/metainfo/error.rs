//! [`MetainfoError`]: why bytes are not a usable v1, hybrid or v2 torrent. Each variant names
//! the key involved as a dotted path (`info.files[3].path`) so the message fits
//! on one line and points at the culprit.

use std::path::PathBuf;

use crate::bencode::DecodeError;

/// A .torrent file or an info dictionary that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetainfoError {
    /// The bytes are not strict bencode.
    #[error("not valid bencode: {0}")]
    Bencode(#[from] DecodeError),
    /// A required key is absent.
    #[error("missing key {key:?}")]
    MissingKey {
        /// The dotted path of the key.
        key: String,
    },
    /// A key holds the wrong kind of value.
    #[error("{key:?} should be a {expected} but is a {found}")]
    WrongType {
        /// The dotted path of the key.
        key: String,
        /// What the key should hold.
        expected: &'static str,
        /// What it holds.
        found: &'static str,
    },
    /// A text field that is not UTF-8.
    #[error("{key:?} is not valid UTF-8")]
    InvalidUtf8 {
        /// The dotted path of the key.
        key: String,
    },
    /// The piece length is zero, negative or above the supported maximum.
    #[error("piece length {value} is not between 1 and {max} bytes")]
    InvalidPieceLength {
        /// The piece length found.
        value: i64,
        /// The largest piece length accepted.
        max: u32,
    },
    /// `pieces` does not hold a whole number of 20-byte hashes.
    #[error("\"info.pieces\" is {length} bytes long, not a multiple of 20")]
    PiecesNotMultipleOf20 {
        /// The length of `pieces`.
        length: usize,
    },
    /// The number of piece hashes does not cover the total length.
    #[error(
        "{actual} piece hashes but {total_length} bytes in pieces of {piece_length} bytes need {expected}"
    )]
    PieceCountMismatch {
        /// The number of hashes the total length needs.
        expected: u64,
        /// The number of hashes present.
        actual: usize,
        /// The total length of the files.
        total_length: u64,
        /// The piece length.
        piece_length: u32,
    },
    /// A file length below zero.
    #[error("{key:?} is negative: {value}")]
    NegativeLength {
        /// The dotted path of the key.
        key: String,
        /// The length found.
        value: i64,
    },
    /// The file lengths add up to more than 2^64 - 1 bytes.
    #[error("the file lengths add up to more than 2^64 - 1 bytes (at {key:?})")]
    TotalLengthOverflow {
        /// The dotted path of the length that overflowed.
        key: String,
    },
    /// The torrent holds no data at all.
    #[error("the torrent holds no data (total length 0)")]
    Empty,
    /// Both `length` (single file) and `files` (multi-file) are present.
    #[error("\"info\" has both \"length\" and \"files\"")]
    BothLengthAndFiles,
    /// Neither `length` nor `files` is present.
    #[error("\"info\" has neither \"length\" nor \"files\"")]
    NeitherLengthNorFiles,
    /// A multi-file torrent with an empty file list.
    #[error("\"info.files\" is empty")]
    NoFiles,
    /// More files than this implementation accepts.
    #[error("{count} files is more than the limit of {limit}")]
    TooManyFiles {
        /// The number of files in the torrent.
        count: usize,
        /// The limit, [`MAX_FILES`](super::MAX_FILES).
        limit: usize,
    },
    /// A file with an empty path list.
    #[error("{key:?} is an empty path")]
    EmptyPath {
        /// The dotted path of the key.
        key: String,
    },
    /// A name or path component that could escape the download directory or is
    /// not a plain file name.
    #[error("{key:?} holds the path component {component:?}, which {reason}")]
    UnsafePathComponent {
        /// The dotted path of the key.
        key: String,
        /// The component, lossily decoded.
        component: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Two files with the same path, or a file whose path is another file's directory.
    #[error("file paths collide: {first:?} and {second:?}")]
    PathCollision {
        /// The shorter path.
        first: PathBuf,
        /// The path equal to it or under it.
        second: PathBuf,
    },
    /// A v2 piece length that is not a power of two of at least 16 KiB.
    #[error("piece length {value} is not a power of two of at least 16384 bytes, as BEP 52 needs")]
    NotV2PieceLength {
        /// The piece length found.
        value: u32,
    },
    /// A `file tree` node that is a file and a directory at once.
    #[error("{key:?} is both a file (an \"\" key) and a directory")]
    FileAndDirectory {
        /// The dotted path of the node.
        key: String,
    },
    /// A `pieces root` that is not 32 bytes.
    #[error("{key:?} is {length} bytes long, not 32")]
    BadPiecesRoot {
        /// The dotted path of the key.
        key: String,
        /// Its length.
        length: usize,
    },
    /// A file longer than one piece whose piece layer the .torrent lacks.
    #[error("\"piece layers\" has no layer for the file whose pieces root is {root}")]
    MissingPieceLayer {
        /// The file's pieces root, in hex.
        root: String,
    },
    /// A piece layer of the wrong length for its file.
    #[error("the piece layer of pieces root {root} is {length} bytes long, not {expected}")]
    PieceLayerLength {
        /// The file's pieces root, in hex.
        root: String,
        /// The layer's length.
        length: usize,
        /// 32 bytes per piece of the file.
        expected: u64,
    },
    /// A piece layer whose merkle root is not its file's `pieces root`.
    #[error("the piece layer of pieces root {root} does not hash to that root")]
    PieceLayerMismatch {
        /// The file's pieces root, in hex.
        root: String,
    },
    /// A peer's answer to a piece-layer chunk request with the wrong number
    /// of hashes for the chunk and its uncles.
    #[error(
        "the piece-layer hashes from {index} of pieces root {root} are {length} bytes long, not {expected}"
    )]
    PieceLayerChunkLength {
        /// The file's pieces root, in hex.
        root: String,
        /// The chunk's first hash in the piece layer.
        index: u32,
        /// The answer's length.
        length: usize,
        /// 32 bytes per hash of the chunk and per uncle hash.
        expected: usize,
    },
    /// A peer's piece-layer chunk that, with its uncle hashes, does not
    /// hash to its file's `pieces root`.
    #[error(
        "the piece-layer hashes from {index} of pieces root {root} do not hash to that root with their uncles"
    )]
    PieceLayerChunkMismatch {
        /// The file's pieces root, in hex.
        root: String,
        /// The chunk's first hash in the piece layer.
        index: u32,
    },
    /// A piece-layer chunk that is not one the torrent's layers are asked
    /// for in.
    #[error(
        "no file with pieces root {root} has a piece-layer chunk of {length} hashes from {index}"
    )]
    UnknownPieceLayerChunk {
        /// The pieces root named, in hex.
        root: String,
        /// The chunk's first hash in the piece layer.
        index: u32,
        /// The chunk's number of hashes.
        length: u32,
    },
    /// A `meta version` other than 1 or 2.
    #[error("\"info.meta version\" is {value}; only versions 1 and 2 are known")]
    UnknownMetaVersion {
        /// The version found.
        value: i64,
    },
    /// A BEP 47 symlink that claims to hold bytes.
    #[error("{key:?} is {length} but the file is a symlink (attr \"l\"), which holds no data")]
    SymlinkWithData {
        /// The dotted path of the length.
        key: String,
        /// The length found.
        length: u64,
    },
}
