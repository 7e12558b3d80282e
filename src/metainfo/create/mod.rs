//! Creating a .torrent from a file or a directory.
//!
//! The output is deterministic: the same files and options give the same
//! bytes (files sorted by path, dictionary keys sorted, no creation date
//! unless one is given). Hashing runs on all cores (see `piece_hasher`).

mod error;
mod piece_hasher;

mod source_tree;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::bencode::Bencode;

use super::piece_length::{piece_length_for, MAX_PIECE_LENGTH};
use super::trackers::tracker_entries;
use super::web_seeds::web_seed_entry;
pub use error::CreateError;
use source_tree::{SourceFile, SourceTree};

/// What to put in a new torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOptions {
    /// The file or directory to share; its name becomes the torrent name.
    pub source: PathBuf,
    /// Bytes per piece; `None` picks one with [`piece_length_for`].
    pub piece_length: Option<u32>,
    /// Tracker tiers (BEP 12).
    pub trackers: Vec<Vec<String>>,
    /// Web seed URLs (BEP 19 `url-list`).
    pub web_seeds: Vec<String>,
    /// A free-text comment.
    pub comment: Option<String>,
    /// Whether to set the private flag (BEP 27).
    pub private: bool,
    /// The creating program, written as `created by`.
    pub created_by: Option<String>,
    /// Seconds since the Unix epoch, written as `creation date` when given.
    pub creation_date: Option<i64>,
    /// Hashing threads; 0 means one per available core.
    pub threads: usize,
}

/// Creates a torrent and returns the .torrent bytes. `progress` is called
/// from the hashing threads with the number of bytes hashed so far (calls from
/// different threads may arrive slightly out of order).
pub fn create(
    options: &CreateOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<u8>, CreateError> {
    let tree = SourceTree::scan(&options.source)?;
    let total_length = tree.total_length();
    if total_length == 0 {
        return Err(CreateError::Empty {
            path: options.source.clone(),
        });
    }
    let piece_length = options
        .piece_length
        .unwrap_or_else(|| piece_length_for(total_length));
    if !(1..=MAX_PIECE_LENGTH).contains(&piece_length) {
        return Err(CreateError::InvalidPieceLength {
            value: piece_length,
            max: MAX_PIECE_LENGTH,
        });
    }
    let pieces = piece_hasher::hash_pieces(
        &tree.files,
        piece_length,
        thread_count(options.threads),
        progress,
    )?;
    let info = info_dict(&tree, piece_length, &pieces, options.private);
    Ok(root_dict(options, info).encode())
}

fn thread_count(requested: usize) -> usize {
    match requested {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        threads => threads,
    }
}

fn key(name: &str) -> Vec<u8> {
    name.as_bytes().to_vec()
}

fn info_dict(tree: &SourceTree, piece_length: u32, pieces: &[[u8; 20]], private: bool) -> Bencode {
    let mut info = BTreeMap::new();
    info.insert(key("name"), Bencode::text(&tree.name));
    info.insert(key("piece length"), Bencode::Int(i64::from(piece_length)));
    info.insert(key("pieces"), Bencode::Bytes(pieces.concat()));
    if private {
        info.insert(key("private"), Bencode::Int(1));
    }
    match (tree.is_directory, tree.files.as_slice()) {
        (false, [file]) => info.insert(key("length"), length(file)),
        _ => info.insert(
            key("files"),
            Bencode::List(tree.files.iter().map(file_dict).collect()),
        ),
    };
    Bencode::Dict(info)
}

fn length(file: &SourceFile) -> Bencode {
    Bencode::Int(i64::try_from(file.length).unwrap_or(i64::MAX))
}

fn file_dict(file: &SourceFile) -> Bencode {
    let path = file
        .components
        .iter()
        .map(|component| Bencode::text(component))
        .collect();
    Bencode::Dict(BTreeMap::from([
        (key("length"), length(file)),
        (key("path"), Bencode::List(path)),
    ]))
}

fn root_dict(options: &CreateOptions, info: Bencode) -> Bencode {
    let mut root: BTreeMap<Vec<u8>, Bencode> = tracker_entries(&options.trackers)
        .into_iter()
        .map(|(name, value)| (key(name), value))
        .collect();
    if let Some((name, value)) = web_seed_entry(&options.web_seeds) {
        root.insert(key(name), value);
    }
    if let Some(comment) = &options.comment {
        root.insert(key("comment"), Bencode::text(comment));
    }
    if let Some(created_by) = &options.created_by {
        root.insert(key("created by"), Bencode::text(created_by));
    }
    if let Some(date) = options.creation_date {
        root.insert(key("creation date"), Bencode::Int(date));
    }
    root.insert(key("info"), info);
    Bencode::Dict(root)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;
    use std::sync::atomic::{AtomicU64, Ordering};

    use sha1::{Digest, Sha1};

    use super::*;
    use crate::metainfo::Torrent;

    fn options(source: &Path) -> CreateOptions {
        CreateOptions {
            source: source.to_path_buf(),
            piece_length: Some(16384),
            trackers: vec![vec!["http://127.0.0.1:6969/announce".into()]],
            web_seeds: Vec::new(),
            comment: None,
            private: false,
            created_by: None,
            creation_date: None,
            threads: 2,
        }
    }

    fn create_torrent(options: &CreateOptions) -> Result<Torrent, CreateError> {
        let bytes = create(options, &|_| {})?;
        Ok(Torrent::from_bytes(&bytes).expect("created torrents parse"))
    }

    /// Deterministic, non-repeating content.
    fn content(seed: u8, length: usize) -> Vec<u8> {
        (0..length)
            .map(|index| (index as u64 * 31 + u64::from(seed)) as u8 ^ (index / 251) as u8)
            .collect()
    }

    fn expected_pieces(data: &[u8], piece_length: usize) -> Vec<[u8; 20]> {
        data.chunks(piece_length)
            .map(|piece| Sha1::digest(piece).into())
            .collect()
    }

    #[test]
    fn hashes_pieces_that_span_files_including_empty_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("album");
        fs::create_dir_all(root.join("cd1")).expect("mkdir");
        let files = [
            ("b.bin", content(1, 20_000)),
            ("a.bin", content(2, 5)),
            ("cd1/z.bin", content(3, 30_001)),
        ];
        for (name, data) in &files {
            fs::write(root.join(name), data).expect("write");
        }
        fs::write(root.join(".hidden"), b"").expect("write");
        let torrent = create_torrent(&options(&root)).expect("created");
        let paths: Vec<String> = torrent
            .info
            .files
            .iter()
            .map(|f| f.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            paths,
            [
                "album/.hidden",
                "album/a.bin",
                "album/b.bin",
                "album/cd1/z.bin"
            ]
        );
        let data = [files[1].1.as_slice(), &files[0].1, &files[2].1].concat();
        assert_eq!(torrent.info.pieces, expected_pieces(&data, 16384));
        assert_eq!(torrent.info.total_length, 50_006);
        assert!(torrent.info.is_multi_file());
    }

    #[test]
    fn creates_single_file_torrents_with_metadata() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("movie.mkv");
        let data = content(9, 100_000);
        fs::write(&path, &data).expect("write");
        let mut options = options(&path);
        options.piece_length = None;
        options.private = true;
        options.comment = Some("hello".into());
        options.created_by = Some("btt test".into());
        options.creation_date = Some(1_700_000_000);
        options.trackers = vec![
            vec!["http://a/announce".into(), "http://b/announce".into()],
            vec!["udp://c:1".into()],
        ];
        let torrent = create_torrent(&options).expect("created");
        assert_eq!(torrent.info.name, "movie.mkv");
        assert!(!torrent.info.is_multi_file());
        assert!(torrent.info.private);
        assert_eq!(torrent.info.piece_length, piece_length_for(100_000));
        assert_eq!(torrent.info.pieces, expected_pieces(&data, 16384));
        assert_eq!(torrent.trackers, options.trackers);
        assert_eq!(torrent.comment.as_deref(), Some("hello"));
        assert_eq!(torrent.created_by.as_deref(), Some("btt test"));
        assert_eq!(torrent.creation_date, Some(1_700_000_000));
    }

    #[test]
    fn output_is_deterministic_and_independent_of_thread_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        for index in 0..20u8 {
            fs::write(
                dir.path().join(format!("f{index}")),
                content(index, 3000 * usize::from(index)),
            )
            .expect("write");
        }
        let mut options = options(dir.path());
        let progress = AtomicU64::new(0);
        let first = create(&options, &|done| {
            progress.fetch_max(done, Ordering::Relaxed);
        })
        .expect("created");
        assert_eq!(
            progress.load(Ordering::Relaxed),
            (0..20).map(|i| 3000 * i).sum::<u64>()
        );
        options.threads = 1;
        assert_eq!(create(&options, &|_| {}).expect("created"), first);
        options.threads = 7;
        assert_eq!(create(&options, &|_| {}).expect("created"), first);
    }

    #[test]
    fn piece_lengths_that_are_not_whole_blocks_hash_one_piece_at_a_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (first, second) = (content(5, 2500), content(6, 7001));
        fs::write(dir.path().join("1"), &first).expect("write");
        fs::write(dir.path().join("2"), &second).expect("write");
        let mut options = options(dir.path());
        options.piece_length = Some(1000);
        let progress = AtomicU64::new(0);
        let bytes = create(&options, &|done| {
            progress.fetch_max(done, Ordering::Relaxed);
        })
        .expect("created");
        let torrent = Torrent::from_bytes(&bytes).expect("created torrents parse");
        assert_eq!(
            torrent.info.pieces,
            expected_pieces(&[first, second].concat(), 1000)
        );
        assert_eq!(progress.load(Ordering::Relaxed), 9501);
    }

    #[test]
    fn refuses_empty_sources() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty");
        fs::create_dir_all(empty.join("sub")).expect("mkdir");
        assert!(matches!(
            create(&options(&empty), &|_| {}),
            Err(CreateError::EmptyDirectory { .. })
        ));
        fs::write(empty.join("sub/zero"), b"").expect("write");
        assert!(matches!(
            create(&options(&empty), &|_| {}),
            Err(CreateError::Empty { .. })
        ));
        let missing = dir.path().join("missing");
        assert!(matches!(
            create(&options(&missing), &|_| {}),
            Err(CreateError::Io { .. })
        ));
    }

    #[test]
    fn refuses_bad_piece_lengths() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("f"), b"data").expect("write");
        let mut options = options(&dir.path().join("f"));
        options.piece_length = Some(0);
        assert!(matches!(
            create(&options, &|_| {}),
            Err(CreateError::InvalidPieceLength { value: 0, .. })
        ));
    }

    #[test]
    fn follows_file_symlinks_and_refuses_directory_loops() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("sub")).expect("mkdir");
        fs::write(dir.path().join("outside"), content(4, 1000)).expect("write");
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("link")).expect("symlink");
        let torrent = create_torrent(&options(&root)).expect("created");
        assert_eq!(torrent.info.total_length, 1000);
        std::os::unix::fs::symlink(&root, root.join("sub/loop")).expect("symlink");
        assert!(matches!(
            create(&options(&root), &|_| {}),
            Err(CreateError::SymlinkLoop { .. })
        ));
    }

    #[test]
    fn refuses_what_a_torrent_cannot_hold() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        fs::create_dir_all(&root).expect("mkdir");
        fs::write(root.join("back\\slash"), b"x").expect("write");
        assert!(matches!(
            create(&options(&root), &|_| {}),
            Err(CreateError::UnsafeName { .. })
        ));
        fs::remove_file(root.join("back\\slash")).expect("remove");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), root.join("dangling"))
            .expect("symlink");
        assert!(matches!(
            create(&options(&root), &|_| {}),
            Err(CreateError::Io { .. })
        ));
    }
}
