//! [`CreateError`]: why a torrent could not be created from a path. Every
//! variant carries the path involved.

use std::io;
use std::path::PathBuf;

/// A failure to create a torrent.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// Reading the file system failed.
    #[error("could not read {path:?}: {source}")]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Something that is neither a regular file nor a directory (a socket, a
    /// FIFO, a device), which a torrent cannot hold.
    #[error("{path:?} is neither a regular file nor a directory")]
    UnsupportedFileType {
        /// The offending path.
        path: PathBuf,
    },
    /// A symbolic link to a directory that contains it.
    #[error("{path:?} is a symbolic link to one of its own parent directories")]
    SymlinkLoop {
        /// The link.
        path: PathBuf,
    },
    /// A directory (tree) without a single file.
    #[error("{path:?} contains no files")]
    EmptyDirectory {
        /// The source directory.
        path: PathBuf,
    },
    /// Files that hold no bytes at all.
    #[error("{path:?} holds no data (every file is empty)")]
    Empty {
        /// The source path.
        path: PathBuf,
    },
    /// A file or directory name that is not UTF-8.
    #[error("{path:?} has a name that is not valid UTF-8")]
    NonUtf8Name {
        /// The offending path.
        path: PathBuf,
    },
    /// A name that a torrent cannot carry safely (for example one with a backslash).
    #[error("{path:?} has a name that {reason}")]
    UnsafeName {
        /// The offending path.
        path: PathBuf,
        /// Why it is refused.
        reason: &'static str,
    },
    /// More files than a torrent may hold.
    #[error("{path:?} holds more than {limit} files")]
    TooManyFiles {
        /// The source directory.
        path: PathBuf,
        /// The limit, [`MAX_FILES`](crate::metainfo::MAX_FILES).
        limit: usize,
    },
    /// A piece length of 0 or above the maximum.
    #[error("piece length {value} is not between 1 and {max} bytes")]
    InvalidPieceLength {
        /// The requested piece length.
        value: u32,
        /// The largest piece length accepted.
        max: u32,
    },
    /// A hybrid or v2-only torrent's piece length must be a power of two of at least 16 KiB.
    #[error(
        "piece length {value} is not a power of two of at least 16 KiB, as v2 (--hybrid, --v2) needs"
    )]
    NotV2PieceLength {
        /// The requested piece length.
        value: u32,
    },
    /// A file that became shorter while it was being hashed.
    #[error("{path:?} changed while it was being hashed")]
    FileChanged {
        /// The file.
        path: PathBuf,
    },
}

impl CreateError {
    /// An I/O error while reading `path`.
    pub(super) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> CreateError {
        let path = path.into();
        move |source| CreateError::Io { path, source }
    }

    /// A failed positioned read of `path`: running out of file means it
    /// shrank after it was walked.
    pub(super) fn read_at(path: &std::path::Path, error: io::Error) -> CreateError {
        match error.kind() {
            io::ErrorKind::UnexpectedEof => CreateError::FileChanged {
                path: path.to_path_buf(),
            },
            _ => CreateError::Io {
                path: path.to_path_buf(),
                source: error,
            },
        }
    }
}
