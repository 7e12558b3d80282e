//! Interoperability of btt's metainfo code with the reference tools installed
//! here: torrents made by `mktorrent` and `transmission-create` parse in btt
//! with the info-hash that `transmission-show` and `aria2c -S` report (and the
//! piece hashes match the files), and torrents made by btt read back in those
//! tools with the same info-hash. Every tool runs with a time bound and is
//! killed by PID when it overruns.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use btt::metainfo::{create, CreateOptions, InfoHash, PieceHashes, Torrent};
use sha1::{Digest, Sha1};

const TRACKER: &str = "http://127.0.0.1:6969/announce";
const TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a tool to completion within [`TOOL_TIMEOUT`] and returns its stdout.
fn run(program: &str, args: &[&str]) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{program} could not start: {error}"));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let deadline = Instant::now() + TOOL_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().expect("kill the tool by PID");
            child.wait().expect("reap");
            panic!("{program} {args:?} ran longer than {TOOL_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("stderr");
    }
    assert!(
        status.success(),
        "{program} {args:?} failed: {status}\n{stderr}"
    );
    reader.join().expect("reader thread").expect("utf-8 stdout")
}

fn hash_after(output: &str, prefixes: &[&str]) -> InfoHash {
    output
        .lines()
        .map(str::trim)
        .find_map(|line| prefixes.iter().find_map(|prefix| line.strip_prefix(prefix)))
        .unwrap_or_else(|| panic!("no {prefixes:?} line in:\n{output}"))
        .trim()
        .parse()
        .expect("a hex info-hash")
}

fn transmission_hash(torrent: &Path) -> InfoHash {
    let output = run(
        "transmission-show",
        &[torrent.to_str().expect("utf-8 path")],
    );
    hash_after(&output, &["Hash v1:", "Hash:"])
}

fn aria2_hash(torrent: &Path) -> InfoHash {
    let output = run("aria2c", &["-S", torrent.to_str().expect("utf-8 path")]);
    hash_after(&output, &["Info Hash:"])
}

fn assert_tools_agree(torrent_path: &Path, torrent: &Torrent) {
    assert_eq!(
        transmission_hash(torrent_path),
        torrent.info_hash,
        "transmission-show"
    );
    assert_eq!(aria2_hash(torrent_path), torrent.info_hash, "aria2c -S");
}

/// Deterministic bytes that differ from file to file.
fn content(seed: u64, length: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// A tree with nested directories, an empty file, a non-ASCII name and files
/// that end mid-piece, under `parent/album`.
fn make_tree(parent: &Path) -> PathBuf {
    let root = parent.join("album");
    fs::create_dir_all(root.join("disc 1/extras")).expect("mkdir");
    let files: [(&str, usize); 5] = [
        ("disc 1/01 - intro.flac", 70_001),
        ("disc 1/extras/notes.txt", 1_234),
        ("disc 1/extras/zero.dat", 0),
        ("cover.jpg", 40_000),
        ("çà et là.txt", 99),
    ];
    for (seed, (name, length)) in files.iter().enumerate() {
        fs::write(root.join(name), content(seed as u64 + 1, *length)).expect("write");
    }
    root
}

/// The piece hashes must be the SHA-1 of the files, read in btt's order.
fn assert_pieces_match_files(torrent: &Torrent, download_dir: &Path) {
    let mut data = Vec::new();
    for file in &torrent.info.files {
        let bytes = fs::read(download_dir.join(&file.path)).expect("read a torrent file");
        assert_eq!(bytes.len() as u64, file.length, "{:?}", file.path);
        assert_eq!(file.offset, data.len() as u64, "{:?}", file.path);
        data.extend_from_slice(&bytes);
    }
    let piece_length = torrent.info.piece_length as usize;
    let pieces: Vec<[u8; 20]> = data
        .chunks(piece_length)
        .map(|piece| Sha1::digest(piece).into())
        .collect();
    assert_eq!(PieceHashes::Sha1(pieces), torrent.info.pieces);
}

fn parse_file(path: &Path) -> Torrent {
    Torrent::from_bytes(&fs::read(path).expect("read torrent")).expect("btt parses it")
}

#[test]
fn mktorrent_torrents_parse_with_the_reference_info_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = make_tree(dir.path());
    for (source, output) in [
        (root.clone(), "multi.torrent"),
        (root.join("cover.jpg"), "single.torrent"),
    ] {
        let torrent_path = dir.path().join(output);
        let args = ["-l", "15", "-a", TRACKER, "-c", "made by mktorrent", "-o"];
        let mut args: Vec<&str> = args.to_vec();
        args.extend([
            torrent_path.to_str().expect("utf-8"),
            source.to_str().expect("utf-8"),
        ]);
        run("mktorrent", &args);
        let torrent = parse_file(&torrent_path);
        assert_tools_agree(&torrent_path, &torrent);
        assert_pieces_match_files(&torrent, source.parent().expect("parent"));
        assert_eq!(torrent.trackers, [vec![TRACKER.to_owned()]]);
        assert_eq!(torrent.comment.as_deref(), Some("made by mktorrent"));
        assert_eq!(torrent.info.piece_length, 1 << 15);
    }
}

#[test]
fn transmission_create_torrents_parse_with_the_reference_info_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = make_tree(dir.path());
    for (source, output) in [
        (root.clone(), "multi.torrent"),
        (root.join("cover.jpg"), "single.torrent"),
    ] {
        let torrent_path = dir.path().join(output);
        let args = [
            "-p",
            "-t",
            TRACKER,
            "-o",
            torrent_path.to_str().expect("utf-8"),
            source.to_str().expect("utf-8"),
        ];
        run("transmission-create", &args);
        let torrent = parse_file(&torrent_path);
        assert_tools_agree(&torrent_path, &torrent);
        assert_pieces_match_files(&torrent, source.parent().expect("parent"));
        assert!(torrent.info.private);
        assert_eq!(torrent.info.is_multi_file(), source.is_dir());
    }
}

#[test]
fn btt_created_torrents_read_back_in_the_reference_tools() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = make_tree(dir.path());
    for (source, output) in [
        (root.clone(), "multi.torrent"),
        (root.join("cover.jpg"), "single.torrent"),
    ] {
        let options = CreateOptions {
            piece_length: Some(16384),
            trackers: vec![vec![TRACKER.to_owned()]],
            comment: Some("made by btt".to_owned()),
            created_by: Some("btt test".to_owned()),
            threads: 2,
            ..CreateOptions::of(source)
        };
        let torrent_path = dir.path().join(output);
        fs::write(&torrent_path, create(&options, &|_| {}).expect("created")).expect("write");
        let torrent = parse_file(&torrent_path);
        assert_tools_agree(&torrent_path, &torrent);
        assert_pieces_match_files(&torrent, options.source.parent().expect("parent"));
        let files = run("aria2c", &["-S", torrent_path.to_str().expect("utf-8")]);
        assert!(
            files.contains("zero.dat") == options.source.is_dir(),
            "{files}"
        );
    }
}

/// Writes `data.bin` and a torrent whose info dictionary is `info_head`, the
/// piece hash, `info_tail`; returns the torrent path, its bytes and the raw info.
fn write_crafted(dir: &Path, info_head: &[u8], info_tail: &[u8]) -> (PathBuf, Vec<u8>, Vec<u8>) {
    let data = content(42, 20_000);
    fs::write(dir.join("data.bin"), &data).expect("write");
    let mut info = info_head.to_vec();
    info.extend_from_slice(&Sha1::digest(&data));
    info.extend_from_slice(info_tail);
    let mut file = format!("d8:announce{}:{TRACKER}4:info", TRACKER.len()).into_bytes();
    file.extend_from_slice(&info);
    file.push(b'e');
    let torrent_path = dir.join("crafted.torrent");
    fs::write(&torrent_path, &file).expect("write");
    (torrent_path, file, info)
}

fn parse_crafted(dir: &Path, file: &[u8], info: &[u8]) -> Torrent {
    let torrent = Torrent::from_bytes(file).expect("btt parses it");
    assert_eq!(torrent.info_hash, InfoHash(Sha1::digest(info).into()));
    assert_eq!(torrent.info_bytes, info);
    assert_pieces_match_files(&torrent, dir);
    let rewritten = Torrent::from_bytes(&torrent.to_bytes()).expect("re-emitted torrent parses");
    assert_eq!(rewritten.info_hash, torrent.info_hash);
    torrent
}

#[test]
fn hand_crafted_info_with_unknown_keys_keeps_its_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = b"d6:lengthi20000e4:name8:data.bin12:piece lengthi32768e6:pieces20:";
    let tail = b"6:sourcei7e9:x-unknownd1:ai2e1:zli1eeee";
    let (torrent_path, file, info) = write_crafted(dir.path(), head, tail);
    let torrent = parse_crafted(dir.path(), &file, &info);
    assert_tools_agree(&torrent_path, &torrent);
}

#[test]
fn hand_crafted_unsorted_info_keeps_its_file_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = b"d4:name8:data.bin6:lengthi20000e9:x-unknownd1:zi1e1:ai2ee12:piece lengthi32768e6:pieces20:";
    let (torrent_path, file, info) = write_crafted(dir.path(), head, b"e");
    let torrent = parse_crafted(dir.path(), &file, &info);
    // btt hashes the bytes in the file, as BEP 3 and libtorrent do. Transmission
    // 3.00 and aria2 1.36 hash their own sorted re-encoding of the dictionary
    // instead; check that this is the only difference.
    let sorted = btt::bencode::decode(&info)
        .expect("valid")
        .to_bencode()
        .encode();
    assert_ne!(sorted, info);
    let reencoded_hash = InfoHash(Sha1::digest(&sorted).into());
    assert_ne!(torrent.info_hash, reencoded_hash);
    assert_eq!(
        transmission_hash(&torrent_path),
        reencoded_hash,
        "transmission-show"
    );
    assert_eq!(aria2_hash(&torrent_path), reencoded_hash, "aria2c -S");
}
