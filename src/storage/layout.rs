//! Where each piece lives on disk: the torrent's files laid end to end form
//! one byte stream that is cut into pieces of `piece_length` bytes (the last
//! piece may be shorter).
//!
//! A file is data, a BEP 47 pad (zeros in the stream that never reach the
//! disk) or a symlink (no bytes; a link to another file of the torrent).
//!
//! Invariants kept by [`Layout::with_kinds`]: the piece length is not 0, the
//! piece count fits in a `u32`, the total length fits in a `u64`, a symlink
//! holds 0 bytes, and every path stored on disk (files and symlinks, their
//! targets too; not pads) is relative, made only of normal components (no
//! `..`, `.`, empty or NUL-containing components), unique, and not the parent
//! directory of another file. Metainfo parsing checks paths too; this module
//! checks again because it is the one that turns them into filesystem paths.

use std::collections::HashSet;
use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::StorageError;

/// What one file of the layout is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file holding its bytes, with the executable bits if asked.
    Data {
        /// Whether the file is created executable (BEP 47 `x`).
        executable: bool,
    },
    /// BEP 47 padding: zeros in the byte stream, never stored on disk.
    Pad,
    /// A symlink (0 bytes) to another path of the layout (BEP 47 `l`).
    Symlink {
        /// The target, relative to the download root like every path.
        target: PathBuf,
    },
}

impl FileKind {
    /// A regular, non-executable file.
    pub const DATA: FileKind = FileKind::Data { executable: false };
}

/// One file of the torrent, placed in the byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutFile {
    /// Path relative to the download root; the first component is the
    /// torrent's name.
    pub path: PathBuf,
    /// Length in bytes.
    pub length: u64,
    /// Offset of the file's first byte in the torrent's byte stream.
    pub offset: u64,
    /// Data, pad or symlink.
    pub kind: FileKind,
}

impl LayoutFile {
    /// Whether the file is padding, with no file on disk.
    pub fn is_pad(&self) -> bool {
        self.kind == FileKind::Pad
    }
}

impl LayoutFile {
    /// Offset one past the file's last byte in the byte stream.
    pub fn end(&self) -> u64 {
        self.offset + self.length
    }
}

/// The mapping of pieces onto files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    piece_length: u32,
    total_length: u64,
    piece_count: u32,
    files: Vec<LayoutFile>,
}

/// A contiguous run of bytes inside one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// Index of the file in [`Layout::files`].
    pub file: usize,
    /// Offset inside that file.
    pub file_offset: u64,
    /// Number of bytes.
    pub len: usize,
}

impl Layout {
    /// Builds the layout of `files` (relative paths and lengths, in torrent
    /// order, all regular files) cut into pieces of `piece_length` bytes.
    pub fn new(piece_length: u32, files: Vec<(PathBuf, u64)>) -> Result<Layout, StorageError> {
        let files = files
            .into_iter()
            .map(|(path, length)| (path, length, FileKind::DATA))
            .collect();
        Layout::with_kinds(piece_length, files)
    }

    /// Like [`Layout::new`], with the kind of each file given.
    pub fn with_kinds(
        piece_length: u32,
        files: Vec<(PathBuf, u64, FileKind)>,
    ) -> Result<Layout, StorageError> {
        if piece_length == 0 {
            return Err(StorageError::BadLayout {
                reason: "piece length is 0",
            });
        }
        if files.is_empty() {
            return Err(StorageError::BadLayout {
                reason: "torrent has no files",
            });
        }
        check_paths(&files)?;
        let mut placed = Vec::with_capacity(files.len());
        let mut offset = 0u64;
        for (path, length, kind) in files {
            let end = offset.checked_add(length).ok_or(StorageError::BadLayout {
                reason: "total length overflows 64 bits",
            })?;
            if length > 0 && matches!(kind, FileKind::Symlink { .. }) {
                return Err(bad_path(&path, "a symlink holds bytes"));
            }
            placed.push(LayoutFile {
                path,
                length,
                offset,
                kind,
            });
            offset = end;
        }
        let piece_count =
            u32::try_from(offset.div_ceil(u64::from(piece_length))).map_err(|_| {
                StorageError::BadLayout {
                    reason: "more than 2^32 - 1 pieces",
                }
            })?;
        Ok(Layout {
            piece_length,
            total_length: offset,
            piece_count,
            files: placed,
        })
    }

    /// Number of pieces.
    pub fn piece_count(&self) -> usize {
        self.piece_count as usize
    }

    /// Nominal piece length (every piece but possibly the last).
    pub fn piece_length(&self) -> u32 {
        self.piece_length
    }

    /// Total length of all files.
    pub fn total_length(&self) -> u64 {
        self.total_length
    }

    /// Size of piece `index`: `piece_length` except for a shorter last
    /// piece, and 0 past the last piece.
    pub fn piece_size(&self, index: u32) -> u32 {
        if index >= self.piece_count {
            return 0;
        }
        let remaining = self.total_length - self.piece_offset(index);
        // Fits: it is at most piece_length, a u32.
        remaining.min(u64::from(self.piece_length)) as u32
    }

    /// The files, in torrent order.
    pub fn files(&self) -> &[LayoutFile] {
        &self.files
    }

    /// Whether file `file` is padding (false past the last file).
    pub fn is_pad(&self, file: usize) -> bool {
        self.files.get(file).is_some_and(LayoutFile::is_pad)
    }

    /// The pieces that hold at least one byte of file `file`: an empty range
    /// for a 0-byte file or an index past the last file.
    pub fn pieces_of_file(&self, file: usize) -> Range<u32> {
        let Some(entry) = self.files.get(file) else {
            return 0..0;
        };
        let piece_length = u64::from(self.piece_length);
        // Both fit in u32: they are at most piece_count.
        let first = (entry.offset / piece_length) as u32;
        if entry.length == 0 {
            return first..first;
        }
        let last = ((entry.end() - 1) / piece_length) as u32;
        first..last + 1
    }

    /// The files piece `index` holds bytes of, as a range of indices into
    /// [`Layout::files`] (0-byte files lying between two of them included);
    /// empty past the last piece. With [`Layout::pieces_of_file`] this tells
    /// which files a newly verified piece may have completed.
    pub fn files_of_piece(&self, index: u32) -> Range<usize> {
        let size = self.piece_size(index);
        if size == 0 {
            return 0..0;
        }
        let start = self.piece_offset(index);
        let end = start + u64::from(size);
        let first = self.files.partition_point(|file| file.end() <= start);
        let last = self.files.partition_point(|file| file.offset < end);
        first..last
    }

    /// Offset of piece `index`'s first byte in the byte stream.
    pub(crate) fn piece_offset(&self, index: u32) -> u64 {
        u64::from(index) * u64::from(self.piece_length)
    }

    /// The file runs covering `len` bytes of the byte stream from `offset`,
    /// in order, skipping 0-byte files. Stops at the end of the last file,
    /// so callers check the range against [`Layout::total_length`] first.
    pub(crate) fn spans(&self, offset: u64, len: usize) -> impl Iterator<Item = Span> + '_ {
        let first = self.files.partition_point(|file| file.end() <= offset);
        let mut position = offset;
        let mut remaining = len as u64;
        self.files
            .iter()
            .enumerate()
            .skip(first)
            .map_while(move |(index, file)| {
                if remaining == 0 {
                    return None;
                }
                let len = remaining.min(file.end() - position);
                let span = Span {
                    file: index,
                    file_offset: position - file.offset,
                    len: len as usize,
                };
                position += len;
                remaining -= len;
                Some(span)
            })
            .filter(|span| span.len > 0)
    }
}

/// Rejects unsafe components (symlink targets included), duplicate paths,
/// and a file that is also the parent directory of another file. Pad files
/// are left out: they never reach the disk.
fn check_paths(files: &[(PathBuf, u64, FileKind)]) -> Result<(), StorageError> {
    let mut seen: HashSet<&Path> = HashSet::with_capacity(files.len());
    for (path, _, kind) in files.iter().filter(|(_, _, kind)| *kind != FileKind::Pad) {
        check_components(path)?;
        if let FileKind::Symlink { target } = kind {
            check_components(target)?;
        }
        if !seen.insert(path) {
            return Err(bad_path(path, "two files have this path"));
        }
    }
    for path in &seen {
        if path.ancestors().skip(1).any(|parent| seen.contains(parent)) {
            return Err(bad_path(path, "a parent directory is also a file"));
        }
    }
    Ok(())
}

/// Checks the raw bytes, because [`Path::components`] silently drops `.`
/// and repeated separators.
fn check_components(path: &Path) -> Result<(), StorageError> {
    let bytes = path.as_os_str().as_bytes();
    if bytes.is_empty() {
        return Err(bad_path(path, "empty path"));
    }
    if bytes.first() == Some(&b'/') {
        return Err(bad_path(path, "absolute path"));
    }
    for component in bytes.split(|&byte| byte == b'/') {
        match component {
            b"" => return Err(bad_path(path, "empty component")),
            b"." | b".." => return Err(bad_path(path, "relative component")),
            _ if component.contains(&0) => return Err(bad_path(path, "NUL byte")),
            _ => {}
        }
    }
    Ok(())
}

fn bad_path(path: &Path, reason: &'static str) -> StorageError {
    StorageError::BadPath {
        path: path.to_path_buf(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn layout(piece_length: u32, files: &[(&str, u64)]) -> Result<Layout, StorageError> {
        Layout::new(
            piece_length,
            files
                .iter()
                .map(|&(path, length)| (PathBuf::from(path), length))
                .collect(),
        )
    }

    #[test]
    fn pieces_and_sizes() {
        let layout = layout(4, &[("t/a", 3), ("t/empty", 0), ("t/b", 6)]).unwrap();
        assert_eq!(layout.total_length(), 9);
        assert_eq!(layout.piece_count(), 3);
        assert_eq!(
            (0..4).map(|i| layout.piece_size(i)).collect::<Vec<_>>(),
            [4, 4, 1, 0]
        );
        assert_eq!(layout.files()[2].offset, 3);
        assert_eq!(layout.pieces_of_file(0), 0..1);
        assert_eq!(layout.pieces_of_file(1), 0..0);
        assert_eq!(layout.pieces_of_file(2), 0..3);
        assert_eq!(layout.pieces_of_file(3), 0..0);
        assert_eq!(layout.files_of_piece(0), 0..3);
        assert_eq!(layout.files_of_piece(1), 2..3);
        assert_eq!(layout.files_of_piece(2), 2..3);
        assert_eq!(layout.files_of_piece(3), 0..0);
    }

    #[test]
    fn empty_files_at_piece_edges_belong_to_no_piece() {
        let layout = layout(4, &[("t/a", 4), ("t/b", 0), ("t/c", 4), ("t/d", 0)]).unwrap();
        assert_eq!(layout.files_of_piece(0), 0..1);
        assert_eq!(layout.files_of_piece(1), 2..3);
        assert_eq!(layout.pieces_of_file(1), 1..1);
        assert_eq!(layout.pieces_of_file(3), 2..2);
    }

    #[test]
    fn exact_multiple_has_no_short_piece() {
        let layout = layout(4, &[("t", 8)]).unwrap();
        assert_eq!(layout.piece_count(), 2);
        assert_eq!(layout.piece_size(1), 4);
    }

    #[test]
    fn spans_cross_files_and_skip_empty_ones() {
        let layout = layout(8, &[("t/a", 2), ("t/b", 0), ("t/c", 3), ("t/d", 5)]).unwrap();
        let spans: Vec<Span> = layout.spans(1, 8).collect();
        assert_eq!(
            spans,
            [
                Span {
                    file: 0,
                    file_offset: 1,
                    len: 1
                },
                Span {
                    file: 2,
                    file_offset: 0,
                    len: 3
                },
                Span {
                    file: 3,
                    file_offset: 0,
                    len: 4
                },
            ]
        );
        assert_eq!(
            layout.spans(2, 1).collect::<Vec<_>>(),
            [Span {
                file: 2,
                file_offset: 0,
                len: 1
            }]
        );
        assert_eq!(layout.spans(5, 0).count(), 0);
    }

    #[test]
    fn rejects_unsafe_paths() {
        for path in [
            "",
            "/etc/passwd",
            "t/../x",
            "../x",
            "t/./x",
            "./t",
            "t//x",
            "t/",
            "t/a\0b",
            "..",
        ] {
            let result = layout(4, &[(path, 1)]);
            assert!(
                matches!(result, Err(StorageError::BadPath { .. })),
                "{path:?} was accepted"
            );
        }
        assert!(layout(4, &[("t/..x/y...", 1)]).is_ok());
    }

    #[test]
    fn rejects_duplicate_and_nested_files() {
        assert!(matches!(
            layout(4, &[("t/a", 1), ("t/a", 1)]),
            Err(StorageError::BadPath { .. })
        ));
        assert!(matches!(
            layout(4, &[("t/a", 1), ("t/a/b", 1)]),
            Err(StorageError::BadPath { .. })
        ));
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(matches!(
            layout(0, &[("t", 1)]),
            Err(StorageError::BadLayout { .. })
        ));
        assert!(matches!(
            layout(4, &[]),
            Err(StorageError::BadLayout { .. })
        ));
        assert!(matches!(
            layout(1, &[("t", u64::from(u32::MAX) + 1)]),
            Err(StorageError::BadLayout { .. })
        ));
        assert!(matches!(
            layout(1 << 20, &[("t/a", u64::MAX), ("t/b", 1)]),
            Err(StorageError::BadLayout { .. })
        ));
    }

    proptest! {
        #[test]
        fn pieces_and_files_agree(
            piece_length in 1u32..50,
            lengths in prop::collection::vec(0u64..120, 1..8),
        ) {
            let files: Vec<(PathBuf, u64)> = lengths
                .iter()
                .enumerate()
                .map(|(i, &length)| (PathBuf::from(format!("t/{i}")), length))
                .collect();
            let layout = Layout::new(piece_length, files).unwrap();
            let mut covered = 0u64;
            for index in 0..layout.piece_count() as u32 {
                let size = layout.piece_size(index);
                let offset = layout.piece_offset(index);
                let spans: Vec<Span> = layout.spans(offset, size as usize).collect();
                let spanned: u64 = spans.iter().map(|span| span.len as u64).sum();
                prop_assert_eq!(spanned, u64::from(size));
                for span in &spans {
                    prop_assert!(layout.files_of_piece(index).contains(&span.file));
                    prop_assert!(layout.pieces_of_file(span.file).contains(&index));
                    let file = &layout.files()[span.file];
                    prop_assert_eq!(file.offset + span.file_offset, covered, "not contiguous");
                    prop_assert!(span.file_offset + span.len as u64 <= file.length);
                    covered += span.len as u64;
                }
            }
            prop_assert_eq!(covered, layout.total_length());
        }
    }
}
