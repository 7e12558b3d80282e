//! BEP 52 (v2) hashes of a new torrent's files: each file's `pieces root`
//! and, for a file longer than one piece, its piece layer.
//!
//! A file's merkle tree has the SHA-256 of each 16 KiB block as leaves (the
//! last block may be shorter), padded with zero leaves to a power of two.
//! A piece's hash is the root of its own blocks' subtree (blocks past the
//! end of the file are zero leaves); a file of at most one piece has no
//! piece layer and its root is that of its blocks alone. Workers (scoped
//! threads) claim whole pieces, across files, from one atomic counter and
//! read them with positioned reads into a buffer they reuse.
//!
//! Invariant: the result holds one entry per file in order (`None` for an
//! empty or pad file), or the first error a worker met.

use crate::sync::lock;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::super::merkle_tree::{
    leaves_per_piece, push_block_hashes, root_of, root_of_layer, Hash, BLOCK,
};
use super::error::CreateError;
use super::source_tree::SourceFile;

/// Bytes read at a time: whole blocks.
const CHUNK: usize = 4 * BLOCK as usize;

/// The v2 hashes of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FileHashes {
    /// The root of the file's merkle tree.
    pub(super) root: Hash,
    /// The hash of every piece, for a file longer than one piece; empty otherwise.
    pub(super) layer: Vec<Hash>,
}

/// One piece of one file to hash.
#[derive(Debug, Clone, Copy)]
struct Task {
    file: usize,
    piece: u64,
}

/// The v2 hashes of `files` with pieces of `piece_length` bytes (a power of
/// two, at least [`BLOCK`]). `progress` is called from the workers with the
/// bytes hashed so far.
pub(super) fn hash_files(
    files: &[SourceFile],
    piece_length: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Option<FileHashes>>, CreateError> {
    let tasks = tasks(files, piece_length);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let hashed = AtomicU64::new(0);
    let results: Mutex<Vec<(usize, Hash)>> = Mutex::new(Vec::with_capacity(tasks.len()));
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, tasks.len().max(1)) {
            scope.spawn(|| {
                let mut buffer = vec![0; CHUNK];
                while !failed.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&task) = tasks.get(index) else { break };
                    let file = &files[task.file];
                    match piece_hash(file, task.piece, piece_length, &mut buffer) {
                        Ok((hash, length)) => {
                            lock(&results).push((index, hash));
                            progress(hashed.fetch_add(length, Ordering::Relaxed) + length);
                        }
                        Err(error) => {
                            failed.store(true, Ordering::Relaxed);
                            lock(&first_error).get_or_insert(error);
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = into_inner(first_error) {
        return Err(error);
    }
    let mut hashes = into_inner(results);
    hashes.sort_unstable_by_key(|(index, _)| *index);
    Ok(assemble(files, piece_length, &tasks, &hashes))
}

/// Every piece of every file that has data, in file order.
fn tasks(files: &[SourceFile], piece_length: u64) -> Vec<Task> {
    files
        .iter()
        .enumerate()
        .filter(|(_, file)| !file.pad)
        .flat_map(|(index, file)| {
            (0..file.length.div_ceil(piece_length)).map(move |piece| Task { file: index, piece })
        })
        .collect()
}

/// Each file's root and layer from its pieces' hashes.
fn assemble(
    files: &[SourceFile],
    piece_length: u64,
    tasks: &[Task],
    hashes: &[(usize, Hash)],
) -> Vec<Option<FileHashes>> {
    let mut per_file: Vec<Vec<Hash>> = vec![Vec::new(); files.len()];
    for (index, hash) in hashes {
        per_file[tasks[*index].file].push(*hash);
    }
    files
        .iter()
        .zip(per_file)
        .map(|(file, layer)| match layer.as_slice() {
            [] => None,
            [only] if file.length <= piece_length => Some(FileHashes {
                root: *only,
                layer: Vec::new(),
            }),
            _ => Some(FileHashes {
                root: root_of_layer(&layer, piece_length),
                layer,
            }),
        })
        .collect()
}

/// The hash of piece `piece` of `file` and the bytes it covers: the root
/// of its blocks, padded with zero leaves to a whole piece, or, for a file
/// of at most one piece, to the next power of two of its blocks.
fn piece_hash(
    file: &SourceFile,
    piece: u64,
    piece_length: u64,
    buffer: &mut [u8],
) -> Result<(Hash, u64), CreateError> {
    let start = piece * piece_length;
    let end = (start + piece_length).min(file.length);
    let leaves = block_hashes(file, start, end, buffer)?;
    let width = if file.length <= piece_length {
        leaves.len().next_power_of_two()
    } else {
        leaves_per_piece(piece_length)
    };
    Ok((root_of(leaves, width, [0; 32]), end - start))
}

/// SHA-256 of each block of `file` in `start..end`, read chunk by chunk.
fn block_hashes(
    file: &SourceFile,
    start: u64,
    end: u64,
    buffer: &mut [u8],
) -> Result<Vec<Hash>, CreateError> {
    let path = file.disk_path.as_path();
    let open = File::open(path).map_err(CreateError::io(path))?;
    let mut leaves = Vec::new();
    let mut position = start;
    while position < end {
        let take =
            usize::try_from(end - position).map_or(buffer.len(), |left| left.min(buffer.len()));
        let chunk = &mut buffer[..take];
        open.read_exact_at(chunk, position)
            .map_err(|error| CreateError::read_at(path, error))?;
        push_block_hashes(chunk, &mut leaves);
        position += take as u64;
    }
    Ok(leaves)
}

/// Locks a mutex whose data stays valid even if a holder panicked.
fn into_inner<T>(mutex: Mutex<T>) -> T {
    mutex
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    use std::path::Path;

    fn sha256(data: &[u8]) -> Hash {
        Sha256::digest(data).into()
    }

    fn pair(left: Hash, right: Hash) -> Hash {
        sha256(&[left, right].concat())
    }

    fn source(path: &Path, data: &[u8]) -> SourceFile {
        std::fs::write(path, data).expect("write");
        SourceFile {
            disk_path: path.to_path_buf(),
            components: vec!["f".into()],
            length: data.len() as u64,
            executable: false,
            pad: false,
        }
    }

    fn hashes(files: &[SourceFile], piece_length: u64) -> Vec<Option<FileHashes>> {
        hash_files(files, piece_length, 2, &|_| {}).expect("hash")
    }

    #[test]
    fn a_file_of_one_partial_block_has_its_hash_as_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = source(&dir.path().join("a"), b"hello");
        let [Some(hashes)] = &hashes(&[file], 4 * BLOCK)[..] else {
            panic!("one file")
        };
        assert_eq!(hashes.root, sha256(b"hello"));
        assert!(hashes.layer.is_empty());
    }

    #[test]
    fn three_blocks_in_one_piece_pad_to_four_leaves() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data: Vec<u8> = (0..2 * BLOCK + 7).map(|index| index as u8).collect();
        let file = source(&dir.path().join("a"), &data);
        let [Some(hashes)] = &hashes(&[file], 8 * BLOCK)[..] else {
            panic!("one file")
        };
        let block = |index: u64| {
            let start = (index * BLOCK) as usize;
            sha256(&data[start..(start + BLOCK as usize).min(data.len())])
        };
        let expected = pair(pair(block(0), block(1)), pair(block(2), [0; 32]));
        assert_eq!(
            hashes.root, expected,
            "padded to 4 leaves, not to the piece's 8"
        );
    }

    #[test]
    fn a_file_of_three_pieces_has_a_layer_and_pads_the_tree_with_zero_pieces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data: Vec<u8> = (0..4 * BLOCK + 1)
            .map(|index| (index % 251) as u8)
            .collect();
        let file = source(&dir.path().join("a"), &data);
        let [Some(hashes)] = &hashes(&[file], 2 * BLOCK)[..] else {
            panic!("one file")
        };
        let block = |index: u64| {
            let start = (index * BLOCK) as usize;
            sha256(&data[start..(start + BLOCK as usize).min(data.len())])
        };
        let pieces = [
            pair(block(0), block(1)),
            pair(block(2), block(3)),
            pair(block(4), [0; 32]),
        ];
        assert_eq!(hashes.layer, pieces);
        let zero_piece = pair([0; 32], [0; 32]);
        let expected = pair(pair(pieces[0], pieces[1]), pair(pieces[2], zero_piece));
        assert_eq!(hashes.root, expected);
    }

    #[test]
    fn empty_and_pad_files_have_no_hashes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = source(&dir.path().join("e"), b"");
        let data = source(&dir.path().join("d"), b"x");
        let result = hashes(&[empty, SourceFile::pad(BLOCK - 1), data], BLOCK);
        assert_eq!(result[0], None);
        assert_eq!(result[1], None);
        assert_eq!(
            result[2].as_ref().map(|hashes| hashes.root),
            Some(sha256(b"x"))
        );
    }
}
