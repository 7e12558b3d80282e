//! v2-only (BEP 52) torrents against libtorrent (python3-libtorrent,
//! `lt.create_torrent` with `v2_only`; the version is in each test's
//! failure message): btt shows a libtorrent-made v2-only torrent with
//! libtorrent's v2 info-hash and its piece-aligned layout (libtorrent's pad
//! files), verifies its data by merkle root, and downloads it (and a
//! single-file one) from libtorrent, found through the embedded tracker by
//! the truncated v2 hash;
//! `btt-seed create --v2` makes the torrent libtorrent makes of the same
//! files (equal v2 info-hashes), and libtorrent downloads it from btt-seed,
//! checking every piece against its piece layer, and from the torrent's
//! v2 magnet link alone, fetching the info dictionary (ut_metadata) and
//! asking btt-seed for the piece layers (BEP 52 hash requests), which
//! btt-seed answers with hashes (libtorrent's peer log shows both); btt-get
//! downloads a v2-only magnet from libtorrent and from btt-seed, asking
//! each for the piece layers the metadata lacks. A file of more pieces than
//! one hash request may ask for (8193 of 16 KiB) has its layer asked for in
//! chunks of 512 hashes with their uncle hashes: by btt-get of btt-seed and
//! of libtorrent, and by libtorrent of btt-seed (its log shows the first
//! chunk and the last, of one hash, answered). Every swarm is on
//! 127.0.0.1; every download is compared byte for byte.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use btt::cli::seed::Verified;
use btt::metainfo::{MetaVersion, TorrentSummary};
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(90);

/// 64 KiB pieces: every file but `exact` ends mid-piece.
const PIECE: u32 = 64 * 1024;

/// Small files (one piece each, checked against their root), a file of
/// exactly one piece, files of several pieces, an empty file.
const CONTENT: &[(&str, u64)] = &[
    ("v2/a.txt", 1),
    ("v2/b.txt", 1),
    ("v2/empty", 0),
    ("v2/exact", 65_536),
    ("v2/sub/big.bin", 1_000_003),
    ("v2/sub/mid.bin", 200_000),
];

/// A libtorrent-made v2-only torrent of [`CONTENT`] and its data.
struct V2 {
    env: TestEnv,
    data: PathBuf,
    torrent: PathBuf,
    libtorrent: LtTorrent,
}

impl V2 {
    fn new() -> (V2, BttTracker) {
        let env = TestEnv::new();
        let tracker = BttTracker::start(&env);
        let data = env.dir("data");
        make_tree(&data, CONTENT);
        let torrent = env.path().join("v2.torrent");
        let libtorrent =
            Libtorrent::create_v2(&env, &data.join("v2"), &torrent, &tracker.announce, PIECE);
        assert_eq!(
            (libtorrent.v1.is_none(), libtorrent.v2.is_some()),
            (true, true),
            "v2-only (libtorrent {})",
            libtorrent.version
        );
        let v2 = V2 {
            env,
            data,
            torrent,
            libtorrent,
        };
        (v2, tracker)
    }

    /// `btt-seed SUBCOMMAND TORRENT EXTRA...` run to completion.
    fn btt_seed(&self, subcommand: &str, extra: &[&str]) -> Child {
        let mut command = self.env.btt("btt-seed");
        command.arg(subcommand).arg(&self.torrent).args(extra);
        let mut child = self.env.spawn("btt-seed", command);
        child.wait_success(Duration::from_secs(60));
        child
    }
}

#[test]
fn btt_seed_shows_libtorrents_v2_hash_and_layout() {
    let (v2, _tracker) = V2::new();
    let libtorrent = &v2.libtorrent;
    let summary: TorrentSummary = last_record(&v2.btt_seed("show", &[]), "torrent");
    assert_eq!(summary.version, MetaVersion::V2);
    let v2_hash = libtorrent.v2.clone().unwrap_or_default();
    assert_eq!(
        summary.info_hash_v2.map(|hash| hash.to_string()),
        Some(v2_hash.clone()),
        "libtorrent {}",
        libtorrent.version
    );
    assert_eq!(summary.info_hash.to_string(), v2_hash[..40], "the swarm");
    assert_eq!(
        summary.magnet,
        format!(
            "magnet:?xt=urn:btmh:1220{v2_hash}&dn=v2&tr={}",
            percent(&summary.trackers[0][0])
        )
    );
    let ours: Vec<(String, u64, bool)> = summary
        .files
        .iter()
        .map(|file| (file.path.clone(), file.length, file.attr == "p"))
        .collect();
    let theirs: Vec<(String, u64, bool)> = libtorrent
        .files
        .iter()
        .map(|file| (file.path.clone(), file.size, file.pad))
        .collect();
    assert_eq!(ours, theirs, "libtorrent {}", libtorrent.version);
}

/// The tracker URL as a magnet's `tr` carries it.
fn percent(url: &str) -> String {
    url.replace(':', "%3A").replace('/', "%2F")
}

#[test]
fn btt_seed_verifies_v2_data_by_merkle_root_and_finds_a_changed_byte() {
    let (v2, _tracker) = V2::new();
    let data = v2.data.to_str().expect("utf-8 path");
    let verified: Verified = last_record(&v2.btt_seed("verify", &["--data", data]), "verified");
    assert_eq!((verified.good, verified.bad.len()), (verified.pieces, 0));
    let big = v2.data.join("v2/sub/big.bin");
    let mut bytes = std::fs::read(&big).expect("read");
    bytes[3 * PIECE as usize + 7] ^= 0xff;
    std::fs::write(&big, bytes).expect("write");
    let mut command = v2.env.btt("btt-seed");
    command
        .arg("verify")
        .arg(&v2.torrent)
        .args(["--data", data]);
    let mut child = v2.env.spawn("btt-seed verify", command);
    let status = child.wait_timeout(Duration::from_secs(60));
    assert_eq!(
        status.and_then(|status| status.code()),
        Some(1),
        "bad pieces"
    );
    let verified: Verified = last_record(&child, "verified");
    // a.txt, b.txt, exact: pieces 0-2; big.bin from piece 3.
    assert_eq!(verified.bad, vec![6]);
}

#[test]
fn btt_get_downloads_a_v2_only_torrent_from_libtorrent_found_by_the_tracker() {
    let (v2, _tracker) = V2::new();
    let _seeder = Libtorrent::seed(&v2.env, &v2.torrent, &v2.data);
    let out = v2.env.dir("out");
    let mut get = btt_get(&v2.env, &v2.torrent, &out, &[]);
    get.wait_success(DOWNLOAD);
    assert_trees_equal(&v2.data, &out);
    assert!(!out.join("v2/.pad").exists(), "pad files are never written");
}

#[test]
fn btt_seed_create_v2_gives_the_info_hash_libtorrent_gives_the_same_files() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    make_tree(&data, &[("single.bin", 300_001), ("tiny", 5)]);
    let shapes = [
        ("v2", PIECE),
        ("v2", 16 * 1024),
        ("single.bin", 32 * 1024),
        ("tiny", 16 * 1024),
    ];
    for (content, piece) in shapes {
        let announce = "http://127.0.0.1:1/announce";
        let theirs_path = env.path().join("lt.torrent");
        let theirs =
            Libtorrent::create_v2(&env, &data.join(content), &theirs_path, announce, piece);
        let ours = Libtorrent::show(
            &env,
            &btt_create(&env, &data.join(content), "--v2", announce, piece),
        );
        assert!(
            theirs.v2.is_some() && theirs.v1.is_none(),
            "{content}: v2-only"
        );
        assert_eq!(
            (ours.v1, ours.v2, ours.files),
            (theirs.v1, theirs.v2, theirs.files),
            "{content}, {piece}-byte pieces (libtorrent {})",
            theirs.version
        );
    }
}

#[test]
fn libtorrent_downloads_a_btt_made_v2_only_torrent_from_btt_seed() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = btt_create(&env, &data.join("v2"), "--v2", &tracker.announce, PIECE);
    let seeder = BttSeed::run(&env, &torrent, &data);
    let out = env.dir("out");
    Libtorrent::leech(&env, &torrent, &out, &[&seeder.addr()]).finish(DOWNLOAD);
    assert_trees_equal(&data, &out);
}

#[test]
fn libtorrent_downloads_a_v2_magnet_from_btt_seed_which_answers_its_hash_requests() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = btt_create(&env, &data.join("v2"), "--v2", &tracker.announce, PIECE);
    let seeder = BttSeed::run(&env, &torrent, &data);
    let summary = Libtorrent::show(&env, &torrent);
    let magnet = format!(
        "magnet:?xt=urn:btmh:1220{}",
        summary.v2.clone().unwrap_or_default()
    );
    let out = env.dir("out");
    let mut leecher = Libtorrent::leech_magnet(&env, &magnet, &out, &[&seeder.addr()]);
    leecher.finish(DOWNLOAD);
    assert_trees_equal(&data, &out);
    let hash_messages: Vec<String> = leecher
        .child
        .json_records()
        .iter()
        .filter(|record| record["type"] == "hash_message")
        .map(|record| record["log"].as_str().unwrap_or_default().to_owned())
        .collect();
    let answered = |file: &str| {
        hash_messages
            .iter()
            .any(|line| line.contains("<== HASHES") && line.contains(&format!("file: {file} ")))
    };
    // Files 6 (sub/big.bin) and 8 (sub/mid.bin), counting libtorrent's pads.
    assert!(
        answered("6") && answered("8"),
        "libtorrent {} asks for both piece layers and btt-seed answers: {hash_messages:#?}",
        summary.version
    );
}

#[test]
fn btt_get_downloads_a_v2_only_magnet_from_libtorrent_asking_it_for_the_piece_layers() {
    let (v2, tracker) = V2::new();
    let seeder = Libtorrent::seed_with_metadata(&v2.env, &v2.torrent, &v2.data);
    let magnet = format!(
        "magnet:?xt=urn:btmh:1220{}&tr={}&x.pe={}",
        v2.libtorrent.v2.clone().unwrap_or_default(),
        tracker.announce,
        seeder.addr()
    );
    let out = v2.env.dir("out");
    let mut command = v2.env.btt("btt-get");
    command.arg(&magnet).arg("-o").arg(&out);
    let mut get = v2.env.spawn("btt-get", command);
    get.wait_success(DOWNLOAD);
    assert_trees_equal(&v2.data, &out);
    assert!(
        get.stderr().contains("fetching the piece layers of v2"),
        "the layers came from peers (libtorrent {})",
        v2.libtorrent.version
    );
}

#[test]
fn btt_get_downloads_a_v2_only_magnet_from_btt_seed_which_serves_the_piece_layers() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = btt_create(&env, &data.join("v2"), "--v2", &tracker.announce, PIECE);
    let seeder = BttSeed::run(&env, &torrent, &data);
    let v2_hash = Libtorrent::show(&env, &torrent).v2.unwrap_or_default();
    let magnet = format!("magnet:?xt=urn:btmh:1220{v2_hash}&x.pe={}", seeder.addr());
    let out = env.dir("out");
    let mut command = env.btt("btt-get");
    command.arg(&magnet).arg("-o").arg(&out).arg("--no-tracker");
    let mut get = env.spawn("btt-get", command);
    get.wait_success(DOWNLOAD);
    assert_trees_equal(&data, &out);
    assert!(get.stderr().contains("fetching the piece layers of v2"));
}

/// A single file has a pad after it too (libtorrent's layout), under its
/// own name: never on disk, as in a multi-file torrent.
#[test]
fn libtorrent_seeds_a_single_file_v2_torrent_to_btt_get() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let data = env.dir("data");
    make_tree(&data, &[("single.bin", 300_001)]);
    let torrent = env.path().join("single.torrent");
    Libtorrent::create_v2(
        &env,
        &data.join("single.bin"),
        &torrent,
        &tracker.announce,
        PIECE,
    );
    let seeder = Libtorrent::seed(&env, &torrent, &data);
    let out = env.dir("out");
    btt_get(&env, &torrent, &out, &["--peer", &seeder.addr()]).wait_success(DOWNLOAD);
    assert_trees_equal(&data, &out);
}

/// The smallest v2 piece: the piece layer is the block layer.
const SMALLEST_PIECE: u32 = 16 * 1024;

/// One piece more than one hash request may ask for (8192): the layer is
/// asked for in chunks, 16 of 512 hashes and one of a single piece (about
/// 128 MiB).
const LONG_FILE: u64 = 8192 * SMALLEST_PIECE as u64 + 1;

/// A btt-made v2-only torrent of one file of [`LONG_FILE`] bytes in `data`,
/// and what libtorrent loads from it.
fn long_layer(env: &TestEnv, data: &Path) -> (PathBuf, LtTorrent) {
    make_tree(data, &[("long.bin", LONG_FILE)]);
    let announce = "http://127.0.0.1:1/announce";
    let torrent = btt_create(
        env,
        &data.join("long.bin"),
        "--v2",
        announce,
        SMALLEST_PIECE,
    );
    let libtorrent = Libtorrent::show(env, &torrent);
    (torrent, libtorrent)
}

/// `btt-get MAGNET -o OUT --no-tracker` run to completion; whether it
/// fetched the piece layers from the magnet's peer.
fn btt_get_magnet(env: &TestEnv, magnet: &str, out: &Path) -> bool {
    let mut command = env.btt("btt-get");
    command.arg(magnet).arg("-o").arg(out).arg("--no-tracker");
    let mut get = env.spawn("btt-get", command);
    get.wait_success(LONG_DOWNLOAD);
    get.stderr()
        .contains("fetching the piece layers of long.bin from peers")
}

/// The bound on one download of [`LONG_FILE`], start-up included.
const LONG_DOWNLOAD: Duration = Duration::from_secs(300);

#[test]
fn btt_seed_answers_btt_get_and_libtorrent_asking_for_a_long_piece_layer_in_chunks() {
    let env = TestEnv::new();
    let data = env.dir("data");
    let (torrent, libtorrent) = long_layer(&env, &data);
    let seeder = BttSeed::run(&env, &torrent, &data);
    let v2_hash = libtorrent.v2.clone().unwrap_or_default();
    let magnet = format!("magnet:?xt=urn:btmh:1220{v2_hash}");
    let from_btt = env.dir("from-btt");
    let from_peer = btt_get_magnet(&env, &format!("{magnet}&x.pe={}", seeder.addr()), &from_btt);
    assert!(from_peer, "the layers came from btt-seed");
    assert_trees_equal(&data, &from_btt);
    let from_libtorrent = env.dir("from-libtorrent");
    let mut leecher = Libtorrent::leech_magnet(&env, &magnet, &from_libtorrent, &[&seeder.addr()]);
    leecher.finish(LONG_DOWNLOAD);
    assert_trees_equal(&data, &from_libtorrent);
    let answers: Vec<String> = leecher
        .child
        .json_records()
        .iter()
        .filter(|record| record["type"] == "hash_message")
        .filter_map(|record| record["log"].as_str())
        .filter(|line| line.contains("<== HASHES"))
        .map(str::to_owned)
        .collect();
    let answered = |chunk: &str| answers.iter().any(|line| line.contains(chunk));
    assert!(
        answered("idx: 0 cnt: 512 ") && answered("idx: 8192 cnt: 1 "),
        "libtorrent {} asks for the layer in chunks and btt-seed answers: {answers:#?}",
        libtorrent.version
    );
}

#[test]
fn btt_get_asks_libtorrent_for_a_long_piece_layer_in_chunks() {
    let env = TestEnv::new();
    let data = env.dir("data");
    let (torrent, libtorrent) = long_layer(&env, &data);
    let seeder = Libtorrent::seed_with_metadata(&env, &torrent, &data);
    let magnet = format!(
        "magnet:?xt=urn:btmh:1220{}&x.pe={}",
        libtorrent.v2.clone().unwrap_or_default(),
        seeder.addr()
    );
    let out = env.dir("out");
    let from_peer = btt_get_magnet(&env, &magnet, &out);
    assert!(
        from_peer,
        "the layers came from libtorrent {}",
        libtorrent.version
    );
    assert_trees_equal(&data, &out);
}
