//! Web seeds (BEP 19) end to end on 127.0.0.1: `btt-seed create --web-seed`
//! writes `url-list` and `show` lists it; `btt-get` downloads single- and
//! multi-file torrents from a real HTTP server that serves byte ranges
//! ([`RangeServer`]), alone and beside a btt peer; a web seed that serves
//! wrong bytes is reported, backed off and dropped while every byte of the
//! download still verifies; a web seed that answers 404 is backed off and
//! the download completes from the peer. A server that serves no byte
//! ranges (Python's `http.server`) serves a single-file torrent from its
//! whole-file answers, and is dropped with one line for a multi-file one.
//! Interop: aria2 downloads a
//! btt-made torrent from its web seed alone, and btt-get one made by
//! mktorrent `-w` (run against Debian 12's aria2 1.36.0 and mktorrent 1.1). Every download is
//! compared byte for byte with its source.

use crate::support;

use btt::metainfo::TorrentSummary;
use btt::swarm::events::{PieceFailed, Summary, WebSeedFailed};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(90);

/// A single file that is not a whole number of pieces.
const SINGLE_FILE: &[(&str, u64)] = &[("single file.bin", 3 * 1024 * 1024 + 12_345)];

/// Small pieces, so that a few MiB make many pieces and many requests.
const PIECES: [&str; 2] = ["--piece-length", "64KiB"];

/// The directory a fixture's content will be made in, to serve it before
/// the torrent (which names the server's URL) is created.
fn data_dir(env: &TestEnv) -> PathBuf {
    env.path().join("data")
}

/// A fixture of `spec` whose torrent names `web_seeds`.
fn fixture_with_web_seeds(env: TestEnv, spec: &[(&str, u64)], web_seeds: &[String]) -> Fixture {
    let mut args: Vec<&str> = PIECES.to_vec();
    for url in web_seeds {
        args.extend(["--web-seed", url.as_str()]);
    }
    Fixture::of(spec).args(&args).env(env).create()
}

/// Waits for a successful exit; the last record must be a complete summary.
fn finishes_complete(get: &mut Child) -> Summary {
    get.wait_success(DOWNLOAD);
    let summary: Summary = last_record(get, "summary");
    assert!(summary.complete, "{summary:?}\n{}", get.diagnostics());
    summary
}

/// A copy of `data` under `root` with one byte of every piece of every
/// file's data flipped: a web seed that lies throughout.
fn corrupted_copy(spec: &[(&str, u64)], root: &Path, piece_length: u64) -> PathBuf {
    make_tree(root, spec);
    for (path, length) in spec {
        let file = root.join(path);
        let mut bytes = std::fs::read(&file).expect("read the copy");
        for offset in (0..*length as usize).step_by(piece_length as usize / 2) {
            bytes[offset] ^= 0x5a;
        }
        std::fs::write(&file, bytes).expect("write the corrupted copy");
    }
    root.to_path_buf()
}

#[test]
fn create_writes_the_web_seeds_and_show_lists_them() {
    let env = TestEnv::new();
    let urls = [
        "http://127.0.0.1:1/seeds/".to_owned(),
        "https://example.invalid/x".to_owned(),
    ];
    let fixture = fixture_with_web_seeds(env, SINGLE_FILE, &urls);
    assert_eq!(fixture.parsed().web_seeds, urls);
    let mut command = fixture.env.btt("btt-seed");
    command.arg("show").arg(&fixture.torrent);
    let mut show = fixture.env.spawn("btt-seed show", command);
    show.wait_success(Duration::from_secs(20));
    let summary: TorrentSummary = last_record(&show, "torrent");
    assert_eq!(summary.web_seeds, urls, "{}", show.diagnostics());
}

#[test]
fn a_single_file_downloads_from_a_web_seed_alone() {
    let env = TestEnv::new();
    let server = RangeServer::serve(&data_dir(&env));
    let fixture = fixture_with_web_seeds(env, SINGLE_FILE, &[server.url("")]);
    let (mut get, out) = fixture.get("leecher", &["--no-tracker"]);
    let summary = finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    assert_eq!(summary.downloaded, SINGLE_FILE[0].1);
    assert!(server.partial_answers() > 0, "no range was served");
    let failed: Vec<WebSeedFailed> = records_of(&get, "web_seed_failed");
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn a_multi_file_torrent_downloads_from_a_web_seed_alone() {
    let env = TestEnv::new();
    let server = RangeServer::serve(&data_dir(&env));
    // The directory form without its trailing slash: BEP 19 adds it.
    let base = server.url("");
    let base = base.trim_end_matches('/').to_owned();
    let fixture = fixture_with_web_seeds(env, MULTI_FILE, &[base]);
    let (mut get, out) = fixture.get("leecher", &["--no-tracker"]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    let served = server.served();
    let ranged = served.ranged.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        served.other.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "every request got 206 (paths with spaces included)"
    );
    assert!(
        ranged >= 5,
        "one range at least per non-empty file: {ranged}"
    );
}

#[test]
fn a_web_seed_and_a_btt_peer_share_a_download() {
    let env = TestEnv::new();
    let server = RangeServer::serve(&data_dir(&env));
    let spec: &[(&str, u64)] = &[("shared.bin", 8 * 1024 * 1024 + 3)];
    let fixture = fixture_with_web_seeds(env, spec, &[server.url("shared.bin")]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let (mut get, out) = fixture.get("leecher", &["--no-tracker", "--peer", &seeder.addr()]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    assert!(server.partial_answers() > 0, "the web seed was never asked");
    assert!(records_of::<WebSeedFailed>(&get, "web_seed_failed").is_empty());
}

#[test]
fn a_lying_web_seed_is_reported_backed_off_and_dropped_and_the_peer_completes() {
    let env = TestEnv::new();
    let liar_root = env.path().join("liar");
    let server = RangeServer::serve(&liar_root);
    let spec: &[(&str, u64)] = &[("lied.bin", 2 * 1024 * 1024)];
    let fixture = fixture_with_web_seeds(env, spec, &[server.url("lied.bin")]);
    corrupted_copy(spec, &liar_root, 64 * 1024);
    let seeder = fixture.seed("seeder", &["--no-tracker", "--up-limit", "1MiB"]);
    let (mut get, out) = fixture.get("leecher", &["--no-tracker", "--peer", &seeder.addr()]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    let url = server.url("lied.bin");
    let failed: Vec<PieceFailed> = records_of(&get, "piece_failed");
    assert!(
        failed.iter().any(|piece| piece.peers == [url.clone()]),
        "{}",
        get.diagnostics()
    );
    let setbacks: Vec<WebSeedFailed> = records_of(&get, "web_seed_failed");
    assert!(
        setbacks
            .iter()
            .all(|s| s.url == url && s.message.contains("hash check")),
        "{setbacks:?}"
    );
    let (backed_off, dropped): (Vec<_>, Vec<_>) = setbacks.iter().partition(|s| !s.dropped);
    assert!(
        !backed_off.is_empty() && backed_off.iter().all(|s| s.retry_in_ms >= 1000),
        "{setbacks:?}"
    );
    assert_eq!(
        dropped.len(),
        1,
        "dropped once, after three bad pieces: {setbacks:?}"
    );
    assert!(
        get.stderr().contains(&format!("web seed {url}")),
        "{}",
        get.diagnostics()
    );
}

#[test]
fn a_web_seed_that_answers_404_is_backed_off_and_the_peer_completes() {
    let env = TestEnv::new();
    let empty = env.dir("empty");
    let server = RangeServer::serve(&empty);
    let fixture = fixture_with_web_seeds(env, SINGLE_FILE, &[server.url("missing/")]);
    let seeder = fixture.seed("seeder", &["--no-tracker", "--up-limit", "1MiB"]);
    let (mut get, out) = fixture.get("leecher", &["--no-tracker", "--peer", &seeder.addr()]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    let setbacks: Vec<WebSeedFailed> = records_of(&get, "web_seed_failed");
    let first = setbacks
        .first()
        .unwrap_or_else(|| panic!("{}", get.diagnostics()));
    assert!(first.message.contains("HTTP 404"), "{first:?}");
    assert!(first.url.ends_with("/missing/"), "{first:?}");
    assert_eq!(
        (first.retry_in_ms, first.dropped),
        (1000, false),
        "{first:?}"
    );
    let pauses: Vec<u64> = setbacks.iter().map(|s| s.retry_in_ms).collect();
    assert!(
        pauses
            .windows(2)
            .all(|pair| pair[1] == (pair[0] * 2).min(60_000)),
        "each backoff doubles: {pauses:?}"
    );
}

#[test]
fn a_single_file_downloads_from_a_web_seed_that_serves_no_ranges() {
    let env = TestEnv::new();
    let server = PlainHttpServer::serve(&env, &env.dir("data"));
    let fixture = fixture_with_web_seeds(env, SINGLE_FILE, &[server.url("")]);
    let (mut get, out) = fixture.get("leecher", &["--no-tracker"]);
    let summary = finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    assert_eq!(summary.downloaded, SINGLE_FILE[0].1);
    let failed: Vec<WebSeedFailed> = records_of(&get, "web_seed_failed");
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn a_web_seed_that_serves_no_ranges_to_a_multi_file_torrent_is_dropped_once() {
    let env = TestEnv::new();
    let server = PlainHttpServer::serve(&env, &env.dir("data"));
    let fixture = fixture_with_web_seeds(env, MULTI_FILE, &[server.url("")]);
    let seeder = fixture.seed("seeder", &["--no-tracker", "--up-limit", "1MiB"]);
    let (mut get, out) = fixture.get("leecher", &["--no-tracker", "--peer", &seeder.addr()]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    let setbacks: Vec<WebSeedFailed> = records_of(&get, "web_seed_failed");
    assert_eq!(setbacks.len(), 1, "{setbacks:?}");
    assert!(setbacks[0].dropped, "{setbacks:?}");
    assert!(
        setbacks[0].message.contains("can't serve byte ranges"),
        "{setbacks:?}"
    );
    let said: Vec<String> = get
        .stderr()
        .lines()
        .filter(|line| line.contains("byte ranges"))
        .map(str::to_owned)
        .collect();
    assert_eq!(said.len(), 1, "{}", get.stderr());
}

#[test]
fn aria2_downloads_a_btt_made_torrent_from_its_web_seed_alone() {
    let env = TestEnv::new();
    let server = RangeServer::serve(&data_dir(&env));
    let fixture = fixture_with_web_seeds(env, MULTI_FILE, &[server.url("")]);
    let out = fixture.env.dir("aria2-out");
    Aria2::leech(&fixture.env, &fixture.torrent, &out).finish(DOWNLOAD);
    assert_trees_equal(&fixture.data, &out);
    assert!(
        server.partial_answers() > 0,
        "aria2 asked the web seed for no range"
    );
}

#[test]
fn btt_get_downloads_a_mktorrent_torrent_from_its_web_seed_alone() {
    let env = TestEnv::new();
    let data = data_dir(&env);
    let server = RangeServer::serve(&data);
    make_tree(&data, MULTI_FILE);
    let top = MULTI_FILE[0].0.split('/').next().expect("a top directory");
    let torrent = env.path().join("mktorrent.torrent");
    let url = server.url("");
    mktorrent_with(&env, &data.join(top), &torrent, 16, &["-w", &url]);
    let out = env.dir("out");
    let mut get = btt_get(&env, &torrent, &out, &["--no-tracker"]);
    finishes_complete(&mut get);
    assert_trees_equal(&data, &out);
    assert!(server.partial_answers() > 0, "no range was served");
}
