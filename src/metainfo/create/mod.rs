//! Creating a .torrent from a file or a directory.
//!
//! The output is deterministic: the same files and options give the same
//! bytes (files sorted by path, dictionary keys sorted, no creation date
//! unless one is given). Hashing runs on all cores (see `piece_hasher`).
//! A hybrid torrent (BEP 52 v1 + v2) adds the v2 `file tree`, `meta version`
//! and `piece layers` (see `merkle`), and in its v1 file list a BEP 47 pad
//! file after every file that does not end on a piece boundary, so that v1
//! and v2 pieces line up; its info-hashes are those libtorrent gives the
//! same files (tests/hybrid_interop.rs). A v2-only torrent has only the v2
//! keys and `piece layers`; its info-hash is libtorrent's too
//! (tests/v2_interop.rs).

mod error;
mod merkle;
mod piece_hasher;

mod source_tree;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::bencode::Bencode;

use super::info::MetaVersion;
use super::merkle_tree::BLOCK;
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
    /// v1, hybrid (BEP 52: v1 and v2 in one) or v2-only.
    pub version: MetaVersion,
}

impl CreateOptions {
    /// A v1 torrent of `source`: piece length chosen from the size, no
    /// trackers, web seeds, comment, creator or date, public, one hashing
    /// thread per core. Change the fields that differ.
    pub fn of(source: impl Into<PathBuf>) -> CreateOptions {
        CreateOptions {
            source: source.into(),
            piece_length: None,
            trackers: Vec::new(),
            web_seeds: Vec::new(),
            comment: None,
            private: false,
            created_by: None,
            creation_date: None,
            threads: 0,
            version: MetaVersion::V1,
        }
    }
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
    let threads = thread_count(options.threads);
    if options.version == MetaVersion::V1 {
        let pieces = piece_hasher::hash_pieces(&tree.files, piece_length, threads, progress)?;
        let info = info_dict(&tree, piece_length, &pieces, options.private);
        return Ok(root_dict(options, info, None).encode());
    }
    if !piece_length.is_power_of_two() || u64::from(piece_length) < BLOCK {
        return Err(CreateError::NotV2PieceLength {
            value: piece_length,
        });
    }
    let info = match options.version {
        MetaVersion::Hybrid => hybrid_info(&tree, piece_length, threads, options, progress)?,
        _ => {
            let v2 = merkle::hash_files(&tree.files, u64::from(piece_length), threads, progress)?;
            (v2_info(&tree, piece_length, &v2, options.private), v2)
        }
    };
    let (info, v2) = info;
    Ok(root_dict(options, info, Some(piece_layers(&v2))).encode())
}

/// The info dictionary of a hybrid: the v1 keys over the files with pad
/// files, then the v2 keys; and the v2 hashes.
fn hybrid_info(
    tree: &SourceTree,
    piece_length: u32,
    threads: usize,
    options: &CreateOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Bencode, Vec<Option<merkle::FileHashes>>), CreateError> {
    let total_length = tree.total_length();
    let laid = with_pad_files(tree, u64::from(piece_length));
    let half = |done: u64| progress(done / 2);
    let pieces = piece_hasher::hash_pieces(&laid, piece_length, threads, &half)?;
    let second_half = |done: u64| progress(total_length / 2 + done / 2);
    let v2 = merkle::hash_files(&tree.files, u64::from(piece_length), threads, &second_half)?;
    let laid_tree = SourceTree {
        name: tree.name.clone(),
        is_directory: tree.is_directory,
        files: laid,
    };
    let mut info = info_dict(&laid_tree, piece_length, &pieces, options.private);
    if let Bencode::Dict(entries) = &mut info {
        entries.insert(key("meta version"), Bencode::Int(2));
        entries.insert(key("file tree"), file_tree(tree, &v2));
    }
    Ok((info, v2))
}

/// The info dictionary of a v2-only torrent: name, piece length, `meta
/// version` 2 and the file tree.
fn v2_info(
    tree: &SourceTree,
    piece_length: u32,
    hashes: &[Option<merkle::FileHashes>],
    private: bool,
) -> Bencode {
    let mut info = BTreeMap::from([
        (key("name"), Bencode::text(&tree.name)),
        (key("piece length"), Bencode::Int(i64::from(piece_length))),
        (key("meta version"), Bencode::Int(2)),
        (key("file tree"), file_tree(tree, hashes)),
    ]);
    if private {
        info.insert(key("private"), Bencode::Int(1));
    }
    Bencode::Dict(info)
}

/// The files of `tree` with a pad file after each one that ends inside a
/// piece, the last one too, as libtorrent lays out hybrids (a single-file
/// torrent has no file list to pad).
fn with_pad_files(tree: &SourceTree, piece_length: u64) -> Vec<SourceFile> {
    if !tree.is_directory {
        return tree.files.clone();
    }
    let mut laid = Vec::with_capacity(tree.files.len() * 2);
    for file in &tree.files {
        laid.push(file.clone());
        let into_piece = file.length % piece_length;
        if into_piece != 0 {
            laid.push(SourceFile::pad(piece_length - into_piece));
        }
    }
    laid
}

/// The v2 `file tree`: nested dictionaries of path components, each file a
/// dictionary under the empty key with its length, root and attributes.
fn file_tree(tree: &SourceTree, hashes: &[Option<merkle::FileHashes>]) -> Bencode {
    let mut root = BTreeMap::new();
    for (file, hashes) in tree.files.iter().zip(hashes) {
        let mut leaf = BTreeMap::from([(key("length"), length(file))]);
        if let Some(hashes) = hashes {
            leaf.insert(key("pieces root"), Bencode::Bytes(hashes.root.to_vec()));
        }
        if file.executable {
            leaf.insert(key("attr"), Bencode::text("x"));
        }
        let path: Vec<&str> = match tree.is_directory {
            true => file.components.iter().map(String::as_str).collect(),
            false => vec![tree.name.as_str()],
        };
        insert_leaf(&mut root, &path, Bencode::Dict(leaf));
    }
    Bencode::Dict(root)
}

fn insert_leaf(directory: &mut BTreeMap<Vec<u8>, Bencode>, path: &[&str], leaf: Bencode) {
    let Some((first, rest)) = path.split_first() else {
        directory.insert(Vec::new(), leaf);
        return;
    };
    let entry = directory
        .entry(key(first))
        .or_insert_with(|| Bencode::Dict(BTreeMap::new()));
    if let Bencode::Dict(child) = entry {
        insert_leaf(child, rest, leaf);
    }
}

/// The root's `piece layers`: each file longer than a piece, by its root.
fn piece_layers(hashes: &[Option<merkle::FileHashes>]) -> Bencode {
    let layers = hashes
        .iter()
        .flatten()
        .filter(|hashes| !hashes.layer.is_empty())
        .map(|hashes| (hashes.root.to_vec(), Bencode::Bytes(hashes.layer.concat())))
        .collect();
    Bencode::Dict(layers)
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
    let mut entry = BTreeMap::from([
        (key("length"), length(file)),
        (key("path"), Bencode::List(path)),
    ]);
    match (file.pad, file.executable) {
        (true, _) => entry.insert(key("attr"), Bencode::text("p")),
        (false, true) => entry.insert(key("attr"), Bencode::text("x")),
        (false, false) => None,
    };
    Bencode::Dict(entry)
}

fn root_dict(options: &CreateOptions, info: Bencode, piece_layers: Option<Bencode>) -> Bencode {
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
    if let Some(layers) = piece_layers {
        root.insert(key("piece layers"), layers);
    }
    Bencode::Dict(root)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;
    use std::sync::atomic::{AtomicU64, Ordering};

    use sha1::{Digest, Sha1};

    use super::*;
    use crate::metainfo::{PieceHashes, Torrent};

    fn options(source: &Path) -> CreateOptions {
        CreateOptions {
            piece_length: Some(16384),
            trackers: vec![vec!["http://127.0.0.1:6969/announce".into()]],
            threads: 2,
            ..CreateOptions::of(source)
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

    fn expected_pieces(data: &[u8], piece_length: usize) -> PieceHashes {
        PieceHashes::Sha1(
            data.chunks(piece_length)
                .map(|piece| Sha1::digest(piece).into())
                .collect(),
        )
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
    fn creates_v2_only_torrents_whose_pieces_check_by_merkle_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("album");
        fs::create_dir_all(&root).expect("mkdir");
        let big = content(1, 3 * 16384 + 10);
        let small = content(2, 7);
        fs::write(root.join("big.bin"), &big).expect("write");
        fs::write(root.join("small"), &small).expect("write");
        let mut options = options(&root);
        options.version = MetaVersion::V2;
        options.piece_length = Some(32768);
        let torrent = create_torrent(&options).expect("created");
        assert_eq!(torrent.info.version, MetaVersion::V2);
        assert_eq!(torrent.info_hashes().v1(), None);
        let v2 = torrent.info_hash_v2.expect("a v2 hash");
        assert_eq!(torrent.info_hash, v2.truncated());
        let mut stream = big.clone();
        stream.resize(2 * 32768, 0);
        stream.extend_from_slice(&small);
        stream.resize(3 * 32768, 0);
        assert_eq!(torrent.info.total_length, stream.len() as u64);
        let hashes = &torrent.info.pieces;
        for (index, piece) in stream.chunks(32768).enumerate() {
            assert!(hashes.matches(index as u32, piece), "piece {index}");
        }
        let mut bad = stream[..32768].to_vec();
        bad[5] ^= 1;
        assert!(!hashes.matches(0, &bad));
        let back = Torrent::from_bytes(&torrent.to_bytes()).expect("round trip");
        assert_eq!(back, torrent, "the piece layers are written back");
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
