//! Checking completed pieces before they count, against the torrent's
//! [`PieceHashes`] (SHA-1 for v1 and hybrid torrents, merkle roots for
//! v2-only ones), then the write to storage, on the blocking pool. Completed
//! pieces wait in a queue; a worker takes two of the same length when it can
//! and, for SHA-1, hashes them together with the interleaved SHA-NI pair
//! ([`crate::sha1_pair`]), nearly twice the bytes per core of one stream.

use super::picker::Contribution;
use crate::metainfo::PieceHashes;
use crate::sha1_pair::digest_pair;
use crate::storage::{Storage, StorageError};
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::Semaphore;

/// A piece whose blocks have all arrived.
#[derive(Debug)]
pub(super) struct CompletedPiece {
    /// Piece index.
    pub(super) index: u32,
    /// The whole piece.
    pub(super) data: Vec<u8>,
    /// The peers that sent its blocks.
    pub(super) contributors: Vec<Contribution>,
}

/// Completed pieces waiting to be checked, and the workers that may run at once.
#[derive(Debug)]
pub(super) struct VerifyQueue {
    pending: Mutex<VecDeque<CompletedPiece>>,
    pub(super) workers: Semaphore,
}

impl VerifyQueue {
    /// A queue served by at most `workers` blocking tasks at once.
    pub(super) fn new(workers: usize) -> VerifyQueue {
        VerifyQueue {
            pending: Mutex::new(VecDeque::new()),
            workers: Semaphore::new(workers.max(1)),
        }
    }

    /// Adds a completed piece.
    pub(super) fn push(&self, piece: CompletedPiece) {
        self.lock().push_back(piece);
    }

    /// Takes the next piece, and a second one of the same length if one waits.
    pub(super) fn take_batch(&self) -> Vec<CompletedPiece> {
        let mut pending = self.lock();
        let Some(first) = pending.pop_front() else {
            return Vec::new();
        };
        let partner = pending
            .iter()
            .position(|piece| piece.data.len() == first.data.len());
        match partner.and_then(|position| pending.remove(position)) {
            Some(second) => vec![first, second],
            None => vec![first],
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<CompletedPiece>> {
        crate::sync::lock(&self.pending)
    }
}

/// Hashes a batch and writes the pieces that match; one verdict per piece:
/// `Ok(true)` written, `Ok(false)` hash mismatch, `Err` the write failed.
pub(super) fn check(
    batch: &[CompletedPiece],
    hashes: &PieceHashes,
    storage: &Storage,
) -> Vec<Result<bool, StorageError>> {
    let valid: Vec<bool> = match (hashes, batch) {
        (PieceHashes::Sha1(_), [first, second]) => match digest_pair(&first.data, &second.data) {
            Some(digests) => batch
                .iter()
                .zip(digests)
                .map(|(piece, digest)| hashes.sha1(piece.index) == Some(&digest))
                .collect(),
            None => one_by_one(batch, hashes),
        },
        _ => one_by_one(batch, hashes),
    };
    batch
        .iter()
        .zip(valid)
        .map(|(piece, valid)| match valid {
            true => storage.write_piece(piece.index, &piece.data).map(|()| true),
            false => Ok(false),
        })
        .collect()
}

fn one_by_one(batch: &[CompletedPiece], hashes: &PieceHashes) -> Vec<bool> {
    batch
        .iter()
        .map(|piece| hashes.matches(piece.index, &piece.data))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::{Digest, Sha1};

    fn piece(index: u32, length: usize) -> CompletedPiece {
        CompletedPiece {
            index,
            data: vec![index as u8; length],
            contributors: vec![Contribution { peer: 1, bytes: 1 }],
        }
    }

    #[test]
    fn batches_pair_pieces_of_equal_length() {
        let queue = VerifyQueue::new(2);
        queue.push(piece(0, 64));
        queue.push(piece(9, 32));
        queue.push(piece(1, 64));
        let indices =
            |batch: Vec<CompletedPiece>| batch.iter().map(|piece| piece.index).collect::<Vec<_>>();
        assert_eq!(indices(queue.take_batch()), vec![0, 1]);
        assert_eq!(indices(queue.take_batch()), vec![9]);
        assert!(queue.take_batch().is_empty());
    }

    #[test]
    fn check_writes_matching_pieces_and_refuses_the_rest() {
        use crate::storage::{Access, Layout};
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(64, vec![("t/file".into(), 128)]).unwrap();
        let storage = Storage::open(dir.path(), layout, Access::ReadWrite).unwrap();
        let batch = [piece(0, 64), piece(1, 64)];
        let good: [u8; 20] = Sha1::digest(&batch[0].data).into();
        let verdicts = check(&batch, &PieceHashes::Sha1(vec![good, [0; 20]]), &storage);
        assert!(
            matches!(verdicts[..], [Ok(true), Ok(false)]),
            "{verdicts:?}"
        );
        let on_disk = std::fs::read(dir.path().join("t/file")).unwrap();
        assert_eq!(&on_disk[..64], &batch[0].data[..]);
        assert_eq!(&on_disk[64..], &[0; 64][..], "the bad piece is not written");
    }
}
