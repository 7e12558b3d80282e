//! [`FileEntry`]: one file of a torrent, where it goes, where its bytes sit
//! in the torrent's concatenated data, and its BEP 47 attributes.
//!
//! Invariants (kept by the parser): `path` is relative and its first component
//! is the torrent name; entries are in torrent order and each `offset` is the
//! sum of the lengths before it; a symlink's length is 0.

use std::path::PathBuf;

use super::file_attributes::FileAttributes;

/// One file of a torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative path under the download directory; the first component is the
    /// torrent name (a single-file torrent's path is just its name).
    pub path: PathBuf,
    /// Length in bytes.
    pub length: u64,
    /// Byte offset of the file in the torrent's concatenated data.
    pub offset: u64,
    /// Pad, executable, hidden, symlink (BEP 47).
    pub attributes: FileAttributes,
}

impl FileEntry {
    /// The offset just past the file's last byte.
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.length)
    }

    /// Whether the file is BEP 47 padding (zeros never stored on disk).
    pub fn is_pad(&self) -> bool {
        self.attributes.pad
    }
}
