//! Deterministic test data and byte-for-byte tree comparison.
//!
//! The content of a file depends only on its relative path and size, so a
//! tree made twice is identical and two files of one tree differ.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A multi-file tree with nested directories, 0-byte files and sizes that
/// do not line up with pieces (about 3.6 MiB in all).
pub const MULTI_FILE: &[(&str, u64)] = &[
    ("album/01 intro.flac", 1_000_003),
    ("album/02 empty.txt", 0),
    ("album/art/cover.jpg", 262_144),
    ("album/art/deep/nested/notes.txt", 17),
    ("album/03 outro.flac", 2_500_000),
    ("album/z.bin", 1),
];

/// `spec` without its 0-byte files, for Transmission, which neither creates
/// them nor puts them in the torrents it makes.
pub fn without_empty_files<'a>(spec: &[(&'a str, u64)]) -> Vec<(&'a str, u64)> {
    spec.iter().copied().filter(|(_, size)| *size > 0).collect()
}

/// Creates the files of `spec` (paths relative to `dir`, sizes in bytes)
/// with pseudo-random content derived from each path.
pub fn make_tree(dir: &Path, spec: &[(&str, u64)]) {
    for (relative, size) in spec {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create data directory");
        }
        write_pseudo_random(&path, relative, *size);
    }
}

/// The total number of bytes in `spec`.
pub fn tree_size(spec: &[(&str, u64)]) -> u64 {
    spec.iter().map(|(_, size)| size).sum()
}

/// Panics with the first difference between the trees `expected` and `actual`.
pub fn assert_trees_equal(expected: &Path, actual: &Path) {
    if let Some(difference) = tree_diff(expected, actual) {
        panic!(
            "trees differ: {} vs {}: {difference}",
            expected.display(),
            actual.display()
        );
    }
}

/// The first difference between two trees (file names, kinds, lengths or
/// bytes), or `None` when they are identical. Directories count, so a
/// missing empty directory or 0-byte file is a difference.
pub fn tree_diff(expected: &Path, actual: &Path) -> Option<String> {
    let left = list(expected);
    let right = list(actual);
    let left_names: Vec<_> = left.keys().collect();
    let right_names: Vec<_> = right.keys().collect();
    if left_names != right_names {
        return Some(format!("entries {left_names:?} vs {right_names:?}"));
    }
    for (relative, is_dir) in &left {
        if *is_dir != right[relative] {
            return Some(format!(
                "{} is a directory on one side only",
                relative.display()
            ));
        }
        if !is_dir {
            if let Some(difference) = file_diff(&expected.join(relative), &actual.join(relative)) {
                return Some(format!("{}: {difference}", relative.display()));
            }
        }
    }
    None
}

/// Relative path -> is a directory, for everything under `root`.
fn list(root: &Path) -> BTreeMap<PathBuf, bool> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let read =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in read {
            let path = entry.expect("directory entry").path();
            let is_dir = path.is_dir();
            let relative = path.strip_prefix(root).expect("under root").to_path_buf();
            entries.insert(relative, is_dir);
            if is_dir {
                pending.push(path);
            }
        }
    }
    entries
}

fn file_diff(expected: &Path, actual: &Path) -> Option<String> {
    let (left_len, right_len) = (len(expected), len(actual));
    if left_len != right_len {
        return Some(format!("length {left_len} vs {right_len}"));
    }
    let mut left = File::open(expected).expect("open expected file");
    let mut right = File::open(actual).expect("open actual file");
    let (mut a, mut b) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    let mut offset = 0u64;
    loop {
        let n = read_full(&mut left, &mut a);
        let m = read_full(&mut right, &mut b);
        if a[..n] != b[..m] {
            let at = a
                .iter()
                .zip(&b)
                .position(|(x, y)| x != y)
                .unwrap_or(n.min(m));
            return Some(format!(
                "first differing byte at offset {}",
                offset + at as u64
            ));
        }
        if n == 0 {
            return None;
        }
        offset += n as u64;
    }
}

fn len(path: &Path) -> u64 {
    path.metadata()
        .map(|m| m.len())
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
}

fn read_full(file: &mut File, buffer: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]).expect("read file") {
            0 => break,
            n => filled += n,
        }
    }
    filled
}

fn write_pseudo_random(path: &Path, seed_text: &str, size: u64) {
    let file = File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut state = fnv1a(seed_text.as_bytes());
    let mut left = size;
    while left > 0 {
        let word = splitmix64(&mut state).to_le_bytes();
        let take = left.min(8) as usize;
        out.write_all(&word[..take]).expect("write test data");
        left -= take as u64;
    }
    out.flush().expect("flush test data");
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
