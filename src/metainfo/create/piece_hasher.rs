//! Parallel SHA-1 of the pieces of a new torrent.
//!
//! Workers (scoped threads) claim piece indices from one atomic counter, read
//! each piece with positioned reads (`pread`) into a buffer they reuse, crossing
//! file boundaries as needed, and hash it with the `sha1` crate (which uses the
//! CPU's SHA extensions when present). Memory is one piece buffer per worker;
//! no file is ever read whole. Each worker keeps the file it last read open,
//! so a large file is opened once per worker, not once per piece.
//!
//! Invariant: the result holds exactly one hash per piece, in order, or the
//! first error any worker met (the others stop at their next piece).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use sha1::{Digest, Sha1};

use super::error::CreateError;
use super::source_tree::SourceFile;

/// A file of the torrent and its offset in the concatenated data.
struct Placed<'a> {
    file: &'a SourceFile,
    offset: u64,
}

/// The work shared by all workers.
struct Job<'a> {
    files: Vec<Placed<'a>>,
    piece_length: u64,
    total_length: u64,
    piece_count: usize,
    next_piece: AtomicUsize,
    failed: AtomicBool,
    hashed_bytes: AtomicU64,
    progress: &'a (dyn Fn(u64) + Sync),
}

/// The SHA-1 of every piece of `files` laid end to end. `progress` is called
/// from the worker threads with the total number of bytes hashed so far.
pub(super) fn hash_pieces(
    files: &[SourceFile],
    piece_length: u32,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<[u8; 20]>, CreateError> {
    let job = Job::new(files, u64::from(piece_length), progress);
    let workers = threads.clamp(1, job.piece_count.max(1));
    let results = Mutex::new(Vec::with_capacity(job.piece_count));
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| match Worker::new(&job).run() {
                Ok(hashes) => lock(&results).extend(hashes),
                Err(error) => {
                    job.failed.store(true, Ordering::Relaxed);
                    lock(&first_error).get_or_insert(error);
                }
            });
        }
    });
    if let Some(error) = first_error
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner())
    {
        return Err(error);
    }
    let mut results = results
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner());
    results.sort_unstable_by_key(|(index, _)| *index);
    Ok(results.into_iter().map(|(_, hash)| hash).collect())
}

/// Locks a mutex whose data stays valid even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

impl<'a> Job<'a> {
    fn new(
        files: &'a [SourceFile],
        piece_length: u64,
        progress: &'a (dyn Fn(u64) + Sync),
    ) -> Job<'a> {
        let mut offset = 0u64;
        let files: Vec<Placed<'a>> = files
            .iter()
            .map(|file| {
                let placed = Placed { file, offset };
                offset = offset.saturating_add(file.length);
                placed
            })
            .collect();
        let piece_count =
            usize::try_from(offset.div_ceil(piece_length.max(1))).unwrap_or(usize::MAX);
        Job {
            files,
            piece_length,
            total_length: offset,
            piece_count,
            next_piece: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            hashed_bytes: AtomicU64::new(0),
            progress,
        }
    }

    /// The byte range of piece `index`.
    fn piece_range(&self, index: usize) -> (u64, u64) {
        let start = (index as u64).saturating_mul(self.piece_length);
        let end = start
            .saturating_add(self.piece_length)
            .min(self.total_length);
        (start, end)
    }
}

struct Worker<'j, 'a> {
    job: &'j Job<'a>,
    buffer: Vec<u8>,
    open: Option<(usize, File)>,
}

impl<'j, 'a> Worker<'j, 'a> {
    fn new(job: &'j Job<'a>) -> Worker<'j, 'a> {
        Worker {
            job,
            buffer: Vec::new(),
            open: None,
        }
    }

    fn run(mut self) -> Result<Vec<(usize, [u8; 20])>, CreateError> {
        let job = self.job;
        let mut hashes = Vec::new();
        while !job.failed.load(Ordering::Relaxed) {
            let index = job.next_piece.fetch_add(1, Ordering::Relaxed);
            if index >= job.piece_count {
                break;
            }
            let (start, end) = job.piece_range(index);
            let piece = self.read(start, end)?;
            hashes.push((index, Sha1::digest(piece).into()));
            let done = job.hashed_bytes.fetch_add(end - start, Ordering::Relaxed) + (end - start);
            (job.progress)(done);
        }
        Ok(hashes)
    }

    /// Reads bytes `start..end` of the concatenated data into the buffer.
    fn read(&mut self, start: u64, end: u64) -> Result<&[u8], CreateError> {
        let length = usize::try_from(end - start).unwrap_or(usize::MAX);
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.resize(length, 0);
        let first = self
            .job
            .files
            .partition_point(|placed| placed.offset + placed.file.length <= start);
        let mut filled = 0usize;
        let mut file_index = first;
        while filled < length {
            let Some(placed) = self.job.files.get(file_index) else {
                let last = self
                    .job
                    .files
                    .last()
                    .map(|placed| placed.file.disk_path.clone());
                return Err(CreateError::FileChanged {
                    path: last.unwrap_or_default(),
                });
            };
            let position = start + filled as u64 - placed.offset;
            let available = placed.file.length.saturating_sub(position);
            let take = usize::try_from(available)
                .unwrap_or(usize::MAX)
                .min(length - filled);
            if take > 0 {
                let target = buffer.get_mut(filled..filled + take).unwrap_or_default();
                self.read_file(file_index, target, position)?;
            }
            filled += take;
            file_index += 1;
        }
        self.buffer = buffer;
        Ok(self.buffer.get(..length).unwrap_or_default())
    }

    fn read_file(
        &mut self,
        file_index: usize,
        target: &mut [u8],
        position: u64,
    ) -> Result<(), CreateError> {
        let job = self.job;
        let Some(placed) = job.files.get(file_index) else {
            return Ok(());
        };
        let path = placed.file.disk_path.as_path();
        if self
            .open
            .as_ref()
            .is_some_and(|(open_index, _)| *open_index != file_index)
        {
            self.open = None;
        }
        let file = match &mut self.open {
            Some((_, file)) => file,
            empty => {
                &mut empty
                    .insert((file_index, File::open(path).map_err(CreateError::io(path))?))
                    .1
            }
        };
        file.read_exact_at(target, position)
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::UnexpectedEof => CreateError::FileChanged {
                    path: path.to_path_buf(),
                },
                _ => CreateError::Io {
                    path: path.to_path_buf(),
                    source: error,
                },
            })
    }
}
