//! btt against real clients on 127.0.0.1: aria2, Transmission and libtorrent
//! download from `btt-seed`, and `btt-get` downloads from each of them.
//! Every swarm has btt's embedded tracker; every download is compared byte
//! for byte with the data it came from.
//!
//! Client quirks these tests allow for (see `tests/support`): aria2 cannot be
//! given a peer address, so it finds the seeder through the tracker;
//! Transmission never dials 127.x peers from a tracker, so `btt-seed` must
//! dial it after learning its address from its own announce, and it waits
//! about 10 s before it unchokes; Transmission accepts one connection per IP
//! and creates no 0-byte files. A `btt-get` that announced before a
//! Transmission seeder finds it by announcing again soon while it has no
//! peer, not after the tracker's interval.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(90);

/// A single-file torrent's content: a few MiB, not a whole number of pieces.
const SINGLE_FILE: &[(&str, u64)] = &[("single.bin", 4 * 1024 * 1024 + 12_345)];

/// The test's data directory, filled with `spec`, and the path of the
/// torrent's content inside it (`data/NAME`).
fn data(env: &TestEnv, spec: &[(&str, u64)]) -> (PathBuf, PathBuf) {
    let dir = env.dir("data");
    make_tree(&dir, spec);
    let top = spec
        .first()
        .and_then(|(path, _)| Path::new(path).components().next())
        .expect("a non-empty spec");
    let content = dir.join(top);
    (dir, content)
}

/// btt seeds `spec` with its own tracker; `leech` downloads into `out`.
fn client_downloads_from_btt_seed(
    spec: &[(&str, u64)],
    leech: impl FnOnce(&TestEnv, &Path, &Path) -> Leecher,
) {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let (data, content) = data(&env, spec);
    let torrent = BttSeed::create(
        &env,
        &content,
        &env.path().join("x.torrent"),
        &tracker.announce,
    );
    let _seeder = BttSeed::run(&env, &torrent, &data);
    let out = env.dir("out");
    leech(&env, &torrent, &out).finish(DOWNLOAD);
    assert_trees_equal(&data, &out);
}

/// `seed` seeds `spec` (torrent made by mktorrent, announced to btt's
/// tracker); btt-get downloads it with the seeder given by `--peer`.
fn btt_get_downloads_from(
    spec: &[(&str, u64)],
    seed: impl FnOnce(&TestEnv, &Path, &Path) -> Seeder,
) {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let (data, content) = data(&env, spec);
    let torrent = mktorrent(
        &env,
        &content,
        &env.path().join("x.torrent"),
        &tracker.announce,
        18,
    );
    let seeder = seed(&env, &torrent, &data);
    let out = env.dir("out");
    let mut get = btt_get(&env, &torrent, &out, &["--peer", &seeder.addr()]);
    get.wait_success(DOWNLOAD);
    let records = get.json_records();
    assert_eq!(
        records.last().map(|r| r["type"].clone()),
        Some("summary".into()),
        "{}",
        get.diagnostics()
    );
    assert_trees_equal(&data, &out);
}

#[test]
fn aria2_downloads_a_single_file_from_btt_seed() {
    client_downloads_from_btt_seed(SINGLE_FILE, Aria2::leech);
}

#[test]
fn aria2_downloads_a_multi_file_torrent_from_btt_seed() {
    client_downloads_from_btt_seed(MULTI_FILE, Aria2::leech);
}

#[test]
fn transmission_downloads_a_single_file_from_btt_seed() {
    client_downloads_from_btt_seed(SINGLE_FILE, Transmission::leech);
}

#[test]
fn transmission_downloads_a_multi_file_torrent_from_btt_seed() {
    client_downloads_from_btt_seed(&without_empty_files(MULTI_FILE), Transmission::leech);
}

#[test]
fn btt_get_downloads_a_single_file_from_aria2() {
    btt_get_downloads_from(SINGLE_FILE, Aria2::seed);
}

#[test]
fn btt_get_downloads_a_multi_file_torrent_from_aria2() {
    btt_get_downloads_from(MULTI_FILE, Aria2::seed);
}

#[test]
fn btt_get_downloads_a_single_file_from_transmission() {
    btt_get_downloads_from(SINGLE_FILE, Transmission::seed);
}

#[test]
fn btt_get_downloads_a_multi_file_torrent_from_transmission() {
    btt_get_downloads_from(&without_empty_files(MULTI_FILE), Transmission::seed);
}

#[test]
fn btt_get_downloads_a_transmission_made_torrent_from_transmission() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let (data, content) = data(&env, SINGLE_FILE);
    let torrent = transmission_create(
        &env,
        &content,
        &env.path().join("t.torrent"),
        &tracker.announce,
        256,
    );
    let seeder = Transmission::seed(&env, &torrent, &data);
    let out = env.dir("out");
    btt_get(&env, &torrent, &out, &["--peer", &seeder.addr()]).wait_success(DOWNLOAD);
    assert_trees_equal(&data, &out);
}

#[test]
fn libtorrent_downloads_a_multi_file_torrent_from_btt_seed() {
    client_downloads_from_btt_seed(MULTI_FILE, |env, torrent, out| {
        Libtorrent::leech(env, torrent, out, &[])
    });
}

#[test]
fn btt_get_downloads_a_multi_file_torrent_from_libtorrent() {
    btt_get_downloads_from(MULTI_FILE, Libtorrent::seed);
}

#[test]
fn btt_get_that_announced_before_a_transmission_seeder_finds_it_by_announcing_again_soon() {
    // Transmission never dials the 127.x leecher it hears of: btt-get,
    // which has no peer, must announce again soon, not after the
    // tracker's 30 minutes.
    let env = TestEnv::new();
    let tracker = BttTracker::start_with(&env, "127.0.0.1:0", "30m");
    let (data, content) = data(&env, SINGLE_FILE);
    let torrent = mktorrent(
        &env,
        &content,
        &env.path().join("x.torrent"),
        &tracker.announce,
        18,
    );
    let mut hash = [0; 20];
    hex::decode_to_slice(info_hash(&torrent), &mut hash).expect("a hex info-hash");
    let out = env.dir("out");
    let mut get = btt_get(&env, &torrent, &out, &["--listen", "127.0.0.1:0"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while scrape(&tracker.announce, hash).leechers == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "btt-get never announced\n{}",
            get.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let _seeder = Transmission::seed(&env, &torrent, &data);
    get.wait_success(DOWNLOAD);
    assert_trees_equal(&data, &out);
}
