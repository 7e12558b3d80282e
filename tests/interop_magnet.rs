//! Magnet links against real clients on 127.0.0.1: `btt-get` fetches a
//! magnet's metadata (`ut_metadata`, BEP 9) and then its data from
//! Transmission and from aria2 seeding, and aria2 fetches a magnet's
//! metadata from `btt-seed`. Every swarm has btt's embedded tracker.
//!
//! Client quirks these tests allow for (see `tests/support`): btt-get is
//! handed the seeder's address in the magnet's `x.pe` hint, since
//! Transmission never dials 127.x peers from a tracker and waits about 10 s
//! before it unchokes; aria2 cannot be given a peer address, so it finds
//! `btt-seed` through the magnet's tracker.

use crate::support;

use btt::cli::magnet_metadata::MetadataReady;
use btt::swarm::events::Summary;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;

/// The bound on one download, metadata and start-up included.
const DOWNLOAD: Duration = Duration::from_secs(120);

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
    (dir.clone(), dir.join(top))
}

/// `seed` seeds `spec` (torrent made by mktorrent, announced to btt's
/// tracker); btt-get downloads it from a magnet link that names the
/// tracker and hints at the seeder.
fn btt_get_fetches_a_magnet_from(
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
    let magnet = format!(
        "magnet:?xt=urn:btih:{}&tr={}&x.pe={}",
        info_hash(&torrent),
        tracker.announce,
        seeder.addr()
    );
    let out = env.dir("out");
    let mut command = env.btt("btt-get");
    command
        .arg(&magnet)
        .arg("-o")
        .arg(&out)
        .args(["--listen", "127.0.0.1:0"]);
    let mut get = env.spawn("btt-get", command);
    get.wait_success(DOWNLOAD);
    let metadata: Vec<MetadataReady> = records_of(&get, "metadata");
    assert_eq!(
        metadata.first().map(|record| record.source.as_str()),
        Some("peers"),
        "{}",
        get.diagnostics()
    );
    let summary: Summary = last_record(&get, "summary");
    assert!(summary.complete, "{}", get.diagnostics());
    assert_trees_equal(&data, &out);
}

#[test]
fn btt_get_fetches_a_magnet_from_transmission() {
    btt_get_fetches_a_magnet_from(SINGLE_FILE, Transmission::seed);
}

#[test]
fn btt_get_fetches_a_multi_file_magnet_from_transmission() {
    btt_get_fetches_a_magnet_from(&without_empty_files(MULTI_FILE), Transmission::seed);
}

#[test]
fn btt_get_fetches_a_magnet_from_aria2() {
    btt_get_fetches_a_magnet_from(SINGLE_FILE, Aria2::seed);
}

#[test]
fn btt_get_fetches_a_multi_file_magnet_from_aria2() {
    btt_get_fetches_a_magnet_from(MULTI_FILE, Aria2::seed);
}

#[test]
fn aria2_fetches_a_magnets_metadata_from_btt_seed() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let (data, content) = data(&env, MULTI_FILE);
    let torrent = BttSeed::create(
        &env,
        &content,
        &env.path().join("x.torrent"),
        &tracker.announce,
    );
    let _seeder = BttSeed::run(&env, &torrent, &data);
    let hash = info_hash(&torrent);
    let magnet = format!(
        "magnet:?xt=urn:btih:{hash}&dn=album&tr={}",
        tracker.announce
    );
    let saved = env.dir("aria2");
    Aria2::fetch_metadata(&env, &magnet, &saved).wait_success(DOWNLOAD);
    let fetched = saved.join(format!("{hash}.torrent"));
    assert_eq!(info_hash(&fetched), hash);
    let original = std::fs::read(&torrent).expect("read the torrent");
    let original = btt::metainfo::Torrent::from_bytes(&original).expect("parses");
    let copy = std::fs::read(&fetched).expect("read aria2's torrent");
    let copy = btt::metainfo::Torrent::from_bytes(&copy).expect("aria2's torrent parses");
    assert_eq!(copy.info_bytes, original.info_bytes);
}
