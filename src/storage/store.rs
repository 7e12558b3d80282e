//! [`Storage`]: reads, writes and hashes pieces of one torrent on disk.
//!
//! Every method does blocking I/O with positioned reads and writes
//! (`pread`/`pwrite`), so one `Storage` is shared by reference between
//! threads with no lock around the I/O; the bytes of pad files (BEP 47) are
//! zeros that are never written to or read from the disk; async callers run the methods on
//! `spawn_blocking`. Ranges are checked against the layout before any I/O,
//! so a bad request from a peer is an error, never a panic.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use sha1::{Digest, Sha1};

use super::file_set::FileSet;
use super::{Layout, StorageError};

/// Whether a [`Storage`] may create and write files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only read: seeding or checking a finished download.
    ReadOnly,
    /// Read and write: downloading. Creates the root, directories and files.
    ReadWrite,
}

/// One torrent's files under one download root.
#[derive(Debug)]
pub struct Storage {
    layout: Layout,
    files: FileSet,
}

impl Storage {
    /// Opens the torrent described by `layout` under `root`. With
    /// [`Access::ReadWrite`] it creates `root` and every 0-byte file now;
    /// other files and their directories are created by the first write.
    pub fn open(root: &Path, layout: Layout, access: Access) -> Result<Storage, StorageError> {
        let files = FileSet::open(root, &layout, access)?;
        Ok(Storage { layout, files })
    }

    /// The piece-to-file mapping.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The download root, absolute and with symlinks resolved.
    pub fn root(&self) -> &Path {
        self.files.root()
    }

    /// The full path of file `file` (an index into [`Layout::files`]).
    pub fn file_path(&self, file: usize) -> Option<&Path> {
        self.files.path(file)
    }

    /// Writes the whole piece `index` (already verified by the caller),
    /// split across the files it covers.
    pub fn write_piece(&self, index: u32, data: &[u8]) -> Result<(), StorageError> {
        self.check_piece(index, data.len())?;
        let expected = self.layout.piece_size(index);
        if data.len() != expected as usize {
            return Err(StorageError::PieceLength {
                index,
                expected,
                got: data.len(),
            });
        }
        let mut rest = data;
        for span in self
            .layout
            .spans(self.layout.piece_offset(index), data.len())
        {
            let (chunk, tail) = rest.split_at(span.len);
            rest = tail;
            if self.layout.is_pad(span.file) {
                continue;
            }
            let handle = self.files.for_writing(span.file)?;
            handle
                .write_all_at(chunk, span.file_offset)
                .map_err(|source| self.io_error(span.file, source))?;
            self.files.mark_written(span.file);
        }
        Ok(())
    }

    /// Fills `buf` with the bytes of piece `index` from offset `begin`,
    /// reading across file boundaries.
    pub fn read_block(&self, index: u32, begin: u32, buf: &mut [u8]) -> Result<(), StorageError> {
        let end = u64::from(begin) + buf.len() as u64;
        if index as usize >= self.layout.piece_count()
            || end > u64::from(self.layout.piece_size(index))
        {
            return Err(StorageError::OutOfRange {
                index,
                begin,
                length: buf.len(),
            });
        }
        self.read_at(self.layout.piece_offset(index) + u64::from(begin), buf)
    }

    /// SHA-1 of piece `index` as it is on disk.
    pub fn hash_piece(&self, index: u32) -> Result<[u8; 20], StorageError> {
        let mut buf = Vec::new();
        self.hash_piece_with(index, &mut buf)
    }

    /// Flushes every file written since the last sync to the disk.
    pub fn sync_all(&self) -> Result<(), StorageError> {
        self.files.sync_dirty()
    }

    /// [`Storage::hash_piece`] reading through `buf`, which is resized to
    /// the piece and can be reused for the next piece.
    fn hash_piece_with(&self, index: u32, buf: &mut Vec<u8>) -> Result<[u8; 20], StorageError> {
        self.read_piece_with(index, buf)?;
        Ok(Sha1::digest(&buf[..]).into())
    }

    /// Reads piece `index` as it is on disk into `buf`, which is resized to
    /// the piece and can be reused for the next piece.
    pub(crate) fn read_piece_with(
        &self,
        index: u32,
        buf: &mut Vec<u8>,
    ) -> Result<(), StorageError> {
        let size = self.layout.piece_size(index);
        self.check_piece(index, size as usize)?;
        buf.resize(size as usize, 0);
        self.read_at(self.layout.piece_offset(index), buf)
    }

    fn check_piece(&self, index: u32, length: usize) -> Result<(), StorageError> {
        if index as usize >= self.layout.piece_count() {
            return Err(StorageError::OutOfRange {
                index,
                begin: 0,
                length,
            });
        }
        Ok(())
    }

    /// Reads `buf.len()` bytes of the byte stream from `offset`; the range
    /// has been checked against the layout.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        let mut rest = buf;
        for span in self.layout.spans(offset, rest.len()) {
            let (chunk, tail) = rest.split_at_mut(span.len);
            rest = tail;
            if self.layout.is_pad(span.file) {
                chunk.fill(0);
                continue;
            }
            let handle = self.files.for_reading(span.file)?;
            self.read_span(&handle, span.file, span.file_offset, chunk)?;
        }
        Ok(())
    }

    fn read_span(
        &self,
        handle: &File,
        file: usize,
        offset: u64,
        chunk: &mut [u8],
    ) -> Result<(), StorageError> {
        handle.read_exact_at(chunk, offset).map_err(|source| {
            if source.kind() == io::ErrorKind::UnexpectedEof {
                StorageError::Short {
                    path: self.path_of(file),
                }
            } else {
                self.io_error(file, source)
            }
        })
    }

    fn io_error(&self, file: usize, source: io::Error) -> StorageError {
        StorageError::io(self.path_of(file), source)
    }

    fn path_of(&self, file: usize) -> std::path::PathBuf {
        self.files
            .path(file)
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::symlink;

    use proptest::prelude::*;

    use std::path::PathBuf;

    use super::*;
    use crate::metainfo::PieceHashes;
    use crate::storage::fixture::{
        content, layout, piece_hashes, spanning_layout, write_all, PIECE,
    };
    use crate::storage::FileKind;

    fn written(root: &Path) -> (Storage, Vec<u8>) {
        let storage = Storage::open(root, spanning_layout(), Access::ReadWrite).unwrap();
        let data = content(storage.layout().total_length());
        write_all(&storage, &data);
        (storage, data)
    }

    #[test]
    fn storage_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Storage>();
    }

    #[test]
    fn every_block_reads_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, data) = written(dir.path());
        for index in 0..storage.layout().piece_count() as u32 {
            let size = storage.layout().piece_size(index);
            let start = (index * PIECE) as usize;
            for begin in 0..size {
                for len in 0..=size - begin {
                    let mut buf = vec![0; len as usize];
                    storage.read_block(index, begin, &mut buf).unwrap();
                    let from = start + begin as usize;
                    assert_eq!(
                        buf,
                        data[from..from + len as usize],
                        "piece {index} at {begin}+{len}"
                    );
                }
            }
        }
    }

    #[test]
    fn files_on_disk_hold_their_slice_of_the_stream() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, data) = written(dir.path());
        for file in storage.layout().files() {
            let on_disk = fs::read(dir.path().join(&file.path)).unwrap();
            let start = file.offset as usize;
            assert_eq!(
                on_disk,
                data[start..start + file.length as usize],
                "{:?}",
                file.path
            );
        }
        storage.sync_all().unwrap();
    }

    #[test]
    fn read_write_creates_empty_files_now_and_others_sparse_on_first_write() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(
            &dir.path().join("new"),
            spanning_layout(),
            Access::ReadWrite,
        )
        .unwrap();
        assert_eq!(
            fs::metadata(dir.path().join("new/t/empty")).unwrap().len(),
            0
        );
        assert!(!dir.path().join("new/t/sub").exists());
        storage.write_piece(1, &content(16)).unwrap();
        // Piece 1 touches only t/sub/e, which is created at its full length.
        assert_eq!(
            fs::metadata(dir.path().join("new/t/sub/e")).unwrap().len(),
            40
        );
        assert!(!dir.path().join("new/t/a").exists());
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, _) = written(dir.path());
        let mut buf = [0; 4];
        for (index, begin, len) in [
            (4, 0, 1),
            (3, 10, 4),
            (3, 13, 1),
            (0, u32::MAX, 1),
            (0, 0, 17),
            (u32::MAX, 0, 0),
        ] {
            assert!(
                matches!(
                    storage.read_block(index, begin, &mut vec![0; len]),
                    Err(StorageError::OutOfRange { .. })
                ),
                "piece {index} at {begin}+{len}"
            );
        }
        storage.read_block(3, 9, &mut buf).unwrap();
        assert!(matches!(
            storage.hash_piece(4),
            Err(StorageError::OutOfRange { .. })
        ));
        assert!(matches!(
            storage.write_piece(4, &[]),
            Err(StorageError::OutOfRange { .. })
        ));
        assert!(matches!(
            storage.write_piece(3, &[0; 16]),
            Err(StorageError::PieceLength {
                index: 3,
                expected: 13,
                got: 16
            })
        ));
    }

    #[test]
    fn hash_piece_sees_a_corrupted_byte() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, data) = written(dir.path());
        let hashes = piece_hashes(storage.layout(), &data);
        for (index, hash) in hashes.iter().enumerate() {
            assert_eq!(&storage.hash_piece(index as u32).unwrap(), hash);
        }
        // Byte 1 of t/c is byte 9 of the stream, in piece 0.
        let file = fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("t/c"))
            .unwrap();
        file.write_all_at(&[data[9] ^ 1], 1).unwrap();
        assert_ne!(storage.hash_piece(0).unwrap(), hashes[0]);
        assert_eq!(storage.hash_piece(1).unwrap(), hashes[1]);
    }

    #[test]
    fn missing_and_short_files_are_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, _) = written(dir.path());
        fs::remove_file(dir.path().join("t/f")).unwrap();
        let reopened = Storage::open(dir.path(), spanning_layout(), Access::ReadOnly).unwrap();
        assert!(matches!(
            reopened.hash_piece(3),
            Err(StorageError::Missing { .. })
        ));
        fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("t/sub/e"))
            .unwrap()
            .set_len(30)
            .unwrap();
        assert!(matches!(
            reopened.hash_piece(2),
            Err(StorageError::Short { .. })
        ));
        drop(storage);
    }

    #[test]
    fn read_only_never_writes_or_creates() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("absent");
        let storage = Storage::open(&root, spanning_layout(), Access::ReadOnly).unwrap();
        assert!(!root.exists());
        assert!(matches!(
            storage.hash_piece(0),
            Err(StorageError::Missing { .. })
        ));
        assert!(matches!(
            storage.write_piece(0, &[0; 16]),
            Err(StorageError::ReadOnly { .. })
        ));
        assert!(!root.exists());
    }

    #[test]
    fn symlinks_leading_outside_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        let root = dir.path().join("root");
        fs::create_dir_all(&outside).unwrap();
        fs::create_dir_all(&root).unwrap();
        symlink(&outside, root.join("t")).unwrap();
        let refused = Storage::open(&root, spanning_layout(), Access::ReadWrite);
        assert!(
            matches!(refused, Err(StorageError::BadPath { .. })),
            "{refused:?}"
        );

        let single = || layout(4, &[("t", 4)]);
        let storage = Storage::open(&root, layout(4, &[("t/x", 4)]), Access::ReadWrite).unwrap();
        assert!(matches!(
            storage.write_piece(0, &[1; 4]),
            Err(StorageError::BadPath { .. })
        ));
        fs::remove_file(root.join("t")).unwrap();
        symlink(dir.path().join("nowhere"), root.join("t")).unwrap();
        let dangling = Storage::open(&root, single(), Access::ReadWrite).unwrap();
        assert!(matches!(
            dangling.write_piece(0, &[1; 4]),
            Err(StorageError::BadPath { .. })
        ));
        let reader = Storage::open(&root, single(), Access::ReadOnly).unwrap();
        assert!(matches!(
            reader.hash_piece(0),
            Err(StorageError::BadPath { .. })
        ));
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn symlinks_inside_the_root_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("real")).unwrap();
        symlink(dir.path().join("real"), dir.path().join("t")).unwrap();
        let storage =
            Storage::open(dir.path(), layout(4, &[("t/x", 4)]), Access::ReadWrite).unwrap();
        storage.write_piece(0, &[7; 4]).unwrap();
        assert_eq!(fs::read(dir.path().join("real/x")).unwrap(), [7; 4]);
    }

    #[test]
    fn more_files_than_cached_handles_still_read_and_sync() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..super::super::handle_pool::MAX_OPEN_FILES + 20)
            .map(|i| format!("t/{i}"))
            .collect();
        let files: Vec<(&str, u64)> = names.iter().map(|name| (name.as_str(), 3)).collect();
        let storage = Storage::open(dir.path(), layout(2, &files), Access::ReadWrite).unwrap();
        let data = content(storage.layout().total_length());
        write_all(&storage, &data);
        storage.sync_all().unwrap();
        let mut buf = vec![0; 2];
        for index in (0..storage.layout().piece_count() as u32).rev() {
            storage.read_block(index, 0, &mut buf).unwrap();
            assert_eq!(buf, data[index as usize * 2..index as usize * 2 + 2]);
        }
    }

    #[test]
    fn threads_write_and_read_concurrently_across_evictions() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..300).map(|i| format!("t/{}/{i}", i % 7)).collect();
        let files: Vec<(&str, u64)> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), (i % 13) as u64))
            .collect();
        let storage = Storage::open(dir.path(), layout(10, &files), Access::ReadWrite).unwrap();
        let data = content(storage.layout().total_length());
        let pieces: Vec<&[u8]> = data.chunks(10).collect();
        std::thread::scope(|scope| {
            for worker in 0..4 {
                let (storage, pieces) = (&storage, &pieces);
                scope.spawn(move || {
                    for (index, piece) in pieces.iter().enumerate().skip(worker).step_by(4) {
                        storage.write_piece(index as u32, piece).unwrap();
                        let mut back = vec![0; piece.len()];
                        storage.read_block(index as u32, 0, &mut back).unwrap();
                        assert_eq!(&back, piece);
                    }
                });
            }
        });
        storage.sync_all().unwrap();
        let hashes = piece_hashes(storage.layout(), &data);
        let have = storage
            .recheck(&PieceHashes::Sha1(hashes), None, 2, &|_| {})
            .unwrap();
        assert!(have.is_full());
    }

    /// `t/a` (5 bytes), a pad to the piece boundary, `t/b` (6 bytes), a
    /// pad, an executable `t/x` (3 bytes), and a symlink to `t/a`.
    fn padded_layout() -> Layout {
        let data = |path: &str, length| (PathBuf::from(path), length, FileKind::DATA);
        Layout::with_kinds(
            8,
            vec![
                data("t/a", 5),
                (PathBuf::from("t/.pad/3"), 3, FileKind::Pad),
                data("t/b", 6),
                (PathBuf::from("t/.pad/2"), 2, FileKind::Pad),
                (PathBuf::from("t/x"), 3, FileKind::Data { executable: true }),
                (
                    PathBuf::from("t/sub/link"),
                    0,
                    FileKind::Symlink {
                        target: PathBuf::from("t/a"),
                    },
                ),
            ],
        )
        .unwrap()
    }

    /// The byte stream of [`padded_layout`]: data, with zeros for the pads.
    fn padded_stream() -> Vec<u8> {
        [&b"aaaaa"[..], &[0; 3], b"bbbbbb", &[0; 2], b"xxx"].concat()
    }

    #[test]
    fn pad_files_are_zeros_that_never_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path(), padded_layout(), Access::ReadWrite).unwrap();
        let stream = padded_stream();
        write_all(&storage, &stream);
        storage.sync_all().unwrap();
        assert!(!dir.path().join("t/.pad").exists());
        assert_eq!(fs::read(dir.path().join("t/a")).unwrap(), b"aaaaa");
        assert_eq!(fs::read(dir.path().join("t/b")).unwrap(), b"bbbbbb");
        assert_eq!(storage.file_path(1), None);
        let reader = Storage::open(dir.path(), padded_layout(), Access::ReadOnly).unwrap();
        let hashes = piece_hashes(reader.layout(), &stream);
        let have = reader
            .recheck(&PieceHashes::Sha1(hashes), None, 2, &|_| {})
            .unwrap();
        assert!(have.is_full(), "the pads read back as zeros");
        let mut block = [9; 4];
        reader.read_block(0, 4, &mut block).unwrap();
        assert_eq!(block, [b'a', 0, 0, 0]);
    }

    #[test]
    fn executables_get_execute_bits_and_symlinks_point_inside_the_torrent() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path(), padded_layout(), Access::ReadWrite).unwrap();
        let link = dir.path().join("t/sub/link");
        assert_eq!(
            fs::read_link(&link).unwrap(),
            PathBuf::from("../../t/a"),
            "a relative link"
        );
        write_all(&storage, &padded_stream());
        assert_eq!(fs::read(&link).unwrap(), b"aaaaa");
        let mode = |path: &str| {
            fs::metadata(dir.path().join(path))
                .unwrap()
                .permissions()
                .mode()
        };
        assert_eq!(mode("t/x") & 0o111, (mode("t/x") & 0o444) >> 2);
        assert_ne!(mode("t/x") & 0o100, 0);
        assert_eq!(mode("t/a") & 0o111, 0);
        drop(storage);
        Storage::open(dir.path(), padded_layout(), Access::ReadWrite).unwrap();
        assert_eq!(fs::read_link(&link).unwrap(), PathBuf::from("../../t/a"));
    }

    /// Random file lengths (zeros included) and piece length.
    fn random_layout() -> impl Strategy<Value = Layout> {
        (1u32..40, prop::collection::vec(0u64..100, 1..7)).prop_map(|(piece_length, lengths)| {
            let names: Vec<String> = (0..lengths.len()).map(|i| format!("t/{i}")).collect();
            let files: Vec<(&str, u64)> = names.iter().map(String::as_str).zip(lengths).collect();
            layout(piece_length, &files)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn reads_match_a_flat_buffer(
            layout in random_layout(),
            reads in prop::collection::vec((0u32..30, 0u32..50, 0usize..50), 1..30),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let storage = Storage::open(dir.path(), layout, Access::ReadWrite).unwrap();
            let data = content(storage.layout().total_length());
            write_all(&storage, &data);
            let piece_length = storage.layout().piece_length();
            for (index, begin, len) in reads {
                let mut buf = vec![0; len];
                let result = storage.read_block(index, begin, &mut buf);
                let size = u64::from(storage.layout().piece_size(index));
                // piece_size is 0 past the last piece, so this covers the index too.
                if u64::from(begin) + len as u64 <= size && size > 0 {
                    prop_assert!(result.is_ok(), "{:?}", result);
                    let from = (index * piece_length + begin) as usize;
                    prop_assert_eq!(&buf[..], &data[from..from + len]);
                } else {
                    let is_out_of_range = matches!(result, Err(StorageError::OutOfRange { .. }));
                    prop_assert!(is_out_of_range);
                }
            }
        }
    }
}
