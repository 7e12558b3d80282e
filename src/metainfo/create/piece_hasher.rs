//! Parallel SHA-1 of the pieces of a new torrent.
//!
//! Workers (scoped threads) claim pieces from one atomic counter, two at a
//! time when the CPU has SHA extensions so that [`Sha1Pair`] can hash both at
//! once (the last, shorter piece and odd piece lengths go through the `sha1`
//! crate alone). A piece is read with positioned reads (`pread`) of 64 KiB
//! chunks into buffers the worker reuses, crossing file boundaries as needed,
//! and each chunk is hashed while it is still in cache. Memory is two chunks
//! per worker whatever the piece length; no file is ever read whole. Each
//! of a worker's two streams keeps the file it read last open, so a large file
//! is opened once per stream, not once per chunk.
//!
//! Invariant: the result holds exactly one hash per piece, in order, or the
//! first error any worker met (the others stop at their next piece).

use crate::sync::lock;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use sha1::{Digest, Sha1};

use super::error::CreateError;
use super::source_tree::SourceFile;
use crate::sha1_pair::{self, Sha1Pair};

/// Bytes read and hashed at a time.
const CHUNK: usize = 64 * 1024;

/// A file of the torrent and its offset in the concatenated data.
struct Placed<'a> {
    file: &'a SourceFile,
    offset: u64,
}

impl Placed<'_> {
    /// The offset just past the file's last byte.
    fn end(&self) -> u64 {
        self.offset.saturating_add(self.file.length)
    }
}

/// The work shared by all workers.
struct Job<'a> {
    files: Vec<Placed<'a>>,
    piece_length: u64,
    total_length: u64,
    piece_count: usize,
    /// Whether workers claim pieces two at a time for [`Sha1Pair`]: the CPU
    /// supports it and pieces are whole 64-byte blocks.
    pairs: bool,
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
            pairs: piece_length.is_multiple_of(64) && sha1_pair::accelerated(),
            next_piece: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            hashed_bytes: AtomicU64::new(0),
            progress,
        }
    }

    /// Whether piece `index` exists and has the full piece length.
    fn is_full(&self, index: usize) -> bool {
        let (start, end) = self.piece_range(index);
        index < self.piece_count && end - start == self.piece_length
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
    /// One reader per piece of a pair (the first alone for single pieces).
    streams: [Stream; 2],
}

impl<'j, 'a> Worker<'j, 'a> {
    fn new(job: &'j Job<'a>) -> Worker<'j, 'a> {
        Worker {
            job,
            streams: [Stream::new(), Stream::new()],
        }
    }

    fn run(mut self) -> Result<Vec<(usize, [u8; 20])>, CreateError> {
        let job = self.job;
        let step = if job.pairs { 2 } else { 1 };
        let mut hashes = Vec::new();
        while !job.failed.load(Ordering::Relaxed) {
            let first = job.next_piece.fetch_add(step, Ordering::Relaxed);
            if first >= job.piece_count {
                break;
            }
            let claimed = first..(first + step).min(job.piece_count);
            let pair = (claimed.len() == 2 && job.is_full(first + 1)).then(Sha1Pair::new);
            match pair {
                Some(pair) => {
                    let [hash_a, hash_b] = self.hash_pair(pair, first, first + 1)?;
                    hashes.extend([(first, hash_a), (first + 1, hash_b)]);
                }
                None => {
                    for index in claimed.clone() {
                        hashes.push((index, self.hash_piece(index)?));
                    }
                }
            }
            let (start, _) = job.piece_range(claimed.start);
            let (_, end) = job.piece_range(claimed.end - 1);
            let done = job.hashed_bytes.fetch_add(end - start, Ordering::Relaxed) + (end - start);
            (job.progress)(done);
        }
        Ok(hashes)
    }

    /// SHA-1 of one piece, read chunk by chunk.
    fn hash_piece(&mut self, index: usize) -> Result<[u8; 20], CreateError> {
        let (start, end) = self.job.piece_range(index);
        let [stream, _] = &mut self.streams;
        let mut hasher = Sha1::new();
        let mut position = start;
        while position < end {
            let take = chunk_length(end - position);
            hasher.update(stream.read(&self.job.files, position, take)?);
            position += take as u64;
        }
        Ok(hasher.finalize().into())
    }

    /// SHA-1 of two full pieces at once, chunk by chunk.
    fn hash_pair(
        &mut self,
        mut pair: Sha1Pair,
        first: usize,
        second: usize,
    ) -> Result<[[u8; 20]; 2], CreateError> {
        let (start_a, end_a) = self.job.piece_range(first);
        let (start_b, _) = self.job.piece_range(second);
        let [stream_a, stream_b] = &mut self.streams;
        let mut done = 0u64;
        while start_a + done < end_a {
            let take = chunk_length(end_a - start_a - done);
            let chunk_a = stream_a.read(&self.job.files, start_a + done, take)?;
            let chunk_b = stream_b.read(&self.job.files, start_b + done, take)?;
            pair.update(chunk_a.as_chunks::<64>().0, chunk_b.as_chunks::<64>().0);
            done += take as u64;
        }
        Ok(pair.finalize())
    }
}

/// A chunk buffer and the file read last: small enough to stay in cache
/// between the copy and the hash, and no reopening within a file.
struct Stream {
    buffer: Vec<u8>,
    open: OpenFile,
}

impl Stream {
    fn new() -> Stream {
        Stream {
            buffer: vec![0; CHUNK],
            open: OpenFile(None),
        }
    }

    /// Reads `length` (at most [`CHUNK`]) bytes of the concatenated data at `start`.
    fn read(
        &mut self,
        files: &[Placed<'_>],
        start: u64,
        length: usize,
    ) -> Result<&[u8], CreateError> {
        let chunk = self.buffer.get_mut(..length).unwrap_or_default();
        self.open.read_data(files, start, chunk)?;
        Ok(chunk)
    }
}

/// The length of the next chunk when `left` bytes remain.
fn chunk_length(left: u64) -> usize {
    usize::try_from(left).map_or(CHUNK, |left| left.min(CHUNK))
}

/// The file a worker read last, kept open for its next read.
struct OpenFile(Option<(usize, File)>);

impl OpenFile {
    /// Fills `target` from the concatenated data at `start`, crossing file boundaries.
    fn read_data(
        &mut self,
        files: &[Placed<'_>],
        start: u64,
        target: &mut [u8],
    ) -> Result<(), CreateError> {
        let mut file_index = files.partition_point(|placed| placed.end() <= start);
        let mut filled = 0usize;
        while filled < target.len() {
            let Some(placed) = files.get(file_index) else {
                let last = files.last().map(|placed| placed.file.disk_path.clone());
                return Err(CreateError::FileChanged {
                    path: last.unwrap_or_default(),
                });
            };
            let position = start + filled as u64 - placed.offset;
            let take = usize::try_from(placed.end() - start - filled as u64)
                .map_or(target.len() - filled, |left| {
                    left.min(target.len() - filled)
                });
            let part = target.get_mut(filled..filled + take).unwrap_or_default();
            if take > 0 {
                self.read(file_index, placed, part, position)?;
            }
            filled += take;
            file_index += 1;
        }
        Ok(())
    }

    /// Fills `target` from `placed`, at `position` within the file.
    fn read(
        &mut self,
        file_index: usize,
        placed: &Placed<'_>,
        target: &mut [u8],
        position: u64,
    ) -> Result<(), CreateError> {
        if placed.file.pad {
            target.fill(0);
            return Ok(());
        }
        let path = placed.file.disk_path.as_path();
        if self
            .0
            .as_ref()
            .is_some_and(|(open_index, _)| *open_index != file_index)
        {
            self.0 = None;
        }
        let file = match &mut self.0 {
            Some((_, file)) => file,
            empty => {
                &mut empty
                    .insert((file_index, File::open(path).map_err(CreateError::io(path))?))
                    .1
            }
        };
        file.read_exact_at(target, position)
            .map_err(|error| CreateError::read_at(path, error))
    }
}
