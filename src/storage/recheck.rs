//! Verifying what is on disk against the torrent's piece hashes, in
//! parallel, at disk speed.
//!
//! Workers take pieces in index order from a shared counter, so reads stay
//! close to sequential, and each reuses one piece-sized buffer. A piece
//! whose file is missing or short is simply not in the result; any other
//! I/O error stops every worker and is returned.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use super::{Storage, StorageError};
use crate::bitfield::Bitfield;

/// What the workers share.
struct Job<'a> {
    storage: &'a Storage,
    hashes: &'a [[u8; 20]],
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
        hashes: &[[u8; 20]],
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
        for verified in job.run(workers) {
            for index in verified? {
                have.set(index as usize);
            }
        }
        Ok(have)
    }
}

impl Job<'_> {
    /// Runs `workers` threads; each returns the pieces it verified.
    fn run(&self, workers: usize) -> Vec<Result<Vec<u32>, StorageError>> {
        thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(|| self.work())).collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    }

    fn work(&self) -> Result<Vec<u32>, StorageError> {
        let mut buf = Vec::new();
        let mut verified = Vec::new();
        while !self.stop.load(Ordering::Relaxed) {
            let Some(&index) = self.pieces.get(self.next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            match self.storage.hash_piece_with(index, &mut buf) {
                Ok(hash) if self.hashes.get(index as usize) == Some(&hash) => verified.push(index),
                Ok(_) | Err(StorageError::Missing { .. } | StorageError::Short { .. }) => {}
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
