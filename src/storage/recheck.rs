//! Verifying what is on disk against the torrent's piece hashes (v1 SHA-1
//! or v2 merkle roots, [`PieceHashes`]), in parallel, at disk speed.
//!
//! Workers take pieces in index order from a shared counter, so reads stay
//! close to sequential, and each reuses one piece-sized buffer. A piece
//! whose file is missing or short is simply not in the result; any other
//! I/O error stops every worker and is returned.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use super::{Storage, StorageError};
use crate::bitfield::Bitfield;
use crate::metainfo::PieceHashes;

/// What the workers share.
struct Job<'a> {
    storage: &'a Storage,
    hashes: &'a PieceHashes,
    pieces: Vec<u32>,
    next: AtomicUsize,
    stop: AtomicBool,
    progress: &'a (dyn Fn(u64) + Sync),
}

impl Storage {
    /// Hashes every piece (or every piece in `wanted`) on `threads` threads
    /// and returns the set of pieces that match `hashes`. After each piece,
    /// `progress` is called with that piece's size in bytes (a delta: the
    /// calls sum to the size of the pieces checked).
    pub fn recheck(
        &self,
        hashes: &PieceHashes,
        wanted: Option<&Bitfield>,
        threads: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Bitfield, StorageError> {
        let count = self.layout().piece_count();
        check_count("piece hashes", count, hashes.len())?;
        if let Some(wanted) = wanted {
            check_count("pieces in the wanted set", count, wanted.len())?;
        }
        // Indices fit in u32: the layout caps the piece count.
        let pieces: Vec<u32> = (0..count)
            .filter(|&index| wanted.is_none_or(|wanted| wanted.get(index)))
            .map(|index| index as u32)
            .collect();
        let workers = threads.clamp(1, pieces.len().max(1));
        let job = Job {
            storage: self,
            hashes,
            pieces,
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            progress,
        };
        let mut have = Bitfield::new(count);
        for index in job.run(workers)? {
            have.set(index as usize);
        }
        Ok(have)
    }
}

impl Job<'_> {
    /// Runs up to `workers` threads (fewer if the system refuses to start
    /// more) and returns the pieces they verified, or the first error.
    fn run(&self, workers: usize) -> Result<Vec<u32>, StorageError> {
        thread::scope(|scope| {
            let mut handles = Vec::with_capacity(workers);
            for number in 0..workers {
                let spawned = thread::Builder::new()
                    .name(format!("btt-recheck-{number}"))
                    .spawn_scoped(scope, || self.work());
                match spawned {
                    Ok(handle) => handles.push(handle),
                    Err(source) if handles.is_empty() => {
                        return Err(StorageError::io(self.storage.root(), source));
                    }
                    Err(_) => break,
                }
            }
            let mut verified = Vec::new();
            let mut first_error = None;
            for handle in handles {
                let result = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                match result {
                    Ok(pieces) => verified.extend(pieces),
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
            first_error.map_or(Ok(verified), Err)
        })
    }

    fn work(&self) -> Result<Vec<u32>, StorageError> {
        let mut buf = Vec::new();
        let mut verified = Vec::new();
        while !self.stop.load(Ordering::Relaxed) {
            let Some(&index) = self.pieces.get(self.next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            match self.storage.read_piece_with(index, &mut buf) {
                Ok(()) if self.hashes.matches(index, &buf) => verified.push(index),
                Ok(()) | Err(StorageError::Missing { .. } | StorageError::Short { .. }) => {}
                Err(error) => {
                    self.stop.store(true, Ordering::Relaxed);
                    return Err(error);
                }
            }
            (self.progress)(u64::from(self.storage.layout().piece_size(index)));
        }
        Ok(verified)
    }
}

fn check_count(what: &'static str, expected: usize, got: usize) -> Result<(), StorageError> {
    if expected == got {
        Ok(())
    } else {
        Err(StorageError::WrongCount {
            what,
            expected,
            got,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::FileExt;
    use std::path::Path;
    use std::sync::atomic::AtomicU64;

    use super::*;
    use crate::storage::fixture::{content, piece_hashes, spanning_layout, write_all};
    use crate::storage::Access;

    /// A written torrent and its piece hashes.
    fn written(root: &Path) -> (Storage, PieceHashes) {
        let storage = Storage::open(root, spanning_layout(), Access::ReadWrite).unwrap();
        let data = content(storage.layout().total_length());
        write_all(&storage, &data);
        let hashes = piece_hashes(storage.layout(), &data);
        (storage, PieceHashes::Sha1(hashes))
    }

    fn recheck(storage: &Storage, hashes: &PieceHashes, threads: usize) -> Vec<usize> {
        let have = storage.recheck(hashes, None, threads, &|_| {}).unwrap();
        have.iter_ones().collect()
    }

    #[test]
    fn intact_download_is_complete_with_any_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, hashes) = written(dir.path());
        for threads in [0, 1, 3, 64] {
            assert_eq!(recheck(&storage, &hashes, threads), [0, 1, 2, 3]);
        }
    }

    #[test]
    fn a_corrupted_byte_drops_its_piece() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, hashes) = written(dir.path());
        // Byte 20 of t/sub/e is byte 34 of the stream, in piece 2.
        let file = fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("t/sub/e"))
            .unwrap();
        file.write_all_at(&[!content(35)[34]], 20).unwrap();
        assert_eq!(recheck(&storage, &hashes, 2), [0, 1, 3]);
    }

    #[test]
    fn pieces_of_missing_or_short_files_are_absent() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, hashes) = written(dir.path());
        drop(writer);
        fs::remove_file(dir.path().join("t/a")).unwrap();
        fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join("t/f"))
            .unwrap()
            .set_len(6)
            .unwrap();
        let reader = Storage::open(dir.path(), spanning_layout(), Access::ReadOnly).unwrap();
        assert_eq!(recheck(&reader, &hashes, 2), [1, 2]);
    }

    #[test]
    fn only_wanted_pieces_are_checked_and_progress_adds_up() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, hashes) = written(dir.path());
        let mut wanted = Bitfield::new(4);
        wanted.set(1);
        wanted.set(3);
        let bytes = AtomicU64::new(0);
        let have = storage
            .recheck(&hashes, Some(&wanted), 2, &|delta| {
                bytes.fetch_add(delta, Ordering::Relaxed);
            })
            .unwrap();
        assert_eq!(have.iter_ones().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(bytes.into_inner(), 16 + 13);
    }

    /// All of `hashes` but the last.
    fn truncated(hashes: &PieceHashes) -> PieceHashes {
        let PieceHashes::Sha1(hashes) = hashes else {
            return hashes.clone();
        };
        PieceHashes::Sha1(hashes[..hashes.len() - 1].to_vec())
    }

    #[test]
    fn counts_must_match_the_layout() {
        let dir = tempfile::tempdir().unwrap();
        let (storage, hashes) = written(dir.path());
        assert!(matches!(
            storage.recheck(&truncated(&hashes), None, 1, &|_| {}),
            Err(StorageError::WrongCount {
                expected: 4,
                got: 3,
                ..
            })
        ));
        assert!(matches!(
            storage.recheck(&hashes, Some(&Bitfield::new(5)), 1, &|_| {}),
            Err(StorageError::WrongCount {
                expected: 4,
                got: 5,
                ..
            })
        ));
    }

    #[test]
    fn other_io_errors_stop_the_recheck() {
        let dir = tempfile::tempdir().unwrap();
        let (_, hashes) = written(dir.path());
        // A directory where a file should be: open works, reading fails.
        fs::remove_file(dir.path().join("t/f")).unwrap();
        fs::create_dir(dir.path().join("t/f")).unwrap();
        let reader = Storage::open(dir.path(), spanning_layout(), Access::ReadOnly).unwrap();
        assert!(matches!(
            reader.recheck(&hashes, None, 2, &|_| {}),
            Err(StorageError::Io { .. })
        ));
    }
}
