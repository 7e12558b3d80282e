//! Everything that can go wrong in the storage layer. Each variant carries
//! the path, piece or range involved, so a message names what failed.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// A storage failure.
#[derive(Debug, Error)]
pub enum StorageError {
    /// An operating-system call on `path` failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A file path from the torrent is unsafe or escapes the download root.
    #[error("unsafe path {path:?}: {reason}")]
    BadPath {
        /// The offending path.
        path: PathBuf,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The piece length or file list cannot describe a torrent.
    #[error("bad torrent layout: {reason}")]
    BadLayout {
        /// What is wrong.
        reason: &'static str,
    },
    /// A read asked for bytes outside piece `index`.
    #[error("piece {index}: {length} bytes at {begin} lie outside the piece")]
    OutOfRange {
        /// The piece asked for.
        index: u32,
        /// Offset inside the piece.
        begin: u32,
        /// Number of bytes asked for.
        length: usize,
    },
    /// Data handed to `write_piece` does not have the piece's size.
    #[error("piece {index} is {expected} bytes, got {got}")]
    PieceLength {
        /// The piece.
        index: u32,
        /// Its size in the layout.
        expected: u32,
        /// The size of the data given.
        got: usize,
    },
    /// A file the torrent needs does not exist.
    #[error("{}: file is missing", path.display())]
    Missing {
        /// The missing file.
        path: PathBuf,
    },
    /// A file is shorter than the torrent says.
    #[error("{}: file is shorter than the torrent says", path.display())]
    Short {
        /// The short file.
        path: PathBuf,
    },
    /// A write was attempted on storage opened with `Access::ReadOnly`.
    #[error("{}: storage is open read-only", path.display())]
    ReadOnly {
        /// The download root.
        path: PathBuf,
    },
    /// A list handed in does not match the torrent's piece count.
    #[error("expected {expected} {what}, got {got}")]
    WrongCount {
        /// What was counted.
        what: &'static str,
        /// The count the layout needs.
        expected: usize,
        /// The count given.
        got: usize,
    },
    /// A resume file cannot be used: unreadable, from another version, or
    /// for another torrent. The caller falls back to a full recheck.
    #[error("resume file {}: {reason}", path.display())]
    ResumeCorrupt {
        /// The resume file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl StorageError {
    /// Wraps an I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> StorageError {
        StorageError::Io {
            path: path.into(),
            source,
        }
    }
}
