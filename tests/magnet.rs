//! Magnet links end to end on 127.0.0.1: `btt-get MAGNET` fetches the info
//! dictionary from `btt-seed` over `ut_metadata` (BEP 9), found through the
//! embedded tracker or an `x.pe` hint, then downloads as usual; a re-run
//! takes the metadata from the cache; `--metadata-only` writes a .torrent
//! that `btt-seed show` and `verify` accept; `so=` selects files unless
//! `--select` is given; a `btt-get` that is still
//! downloading serves metadata too, of a private torrent as well. Also: a magnet nobody has times
//! out with exit 4 (at once when it names no tracker or peer), metadata that does not hash to the info-hash is refused
//! (and fetched from an honest peer when there is one), and malformed magnet
//! links exit 3. A leecher that announced before its seeder is reached by
//! it (and announces again soon), not after the tracker's interval; a
//! hybrid is found and fetched by its v2 magnet, on the tracker and from a
//! peer.
//!
//! Each btt process gets its own `BTT_HOME` ([`Home`]).

use crate::support;

use btt::cli::magnet_metadata::{MetadataReady, TorrentSaved};
use btt::cli::seed::Verified;
use btt::metainfo::TorrentSummary;
use btt::output::ErrorRecord;
use btt::swarm::events::{PeerBanned, PeersFound, Summary};
use btt::swarm::PeerSource;
use std::path::Path;
use std::time::{Duration, Instant};
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(90);

/// 16 KiB pieces of this file make an info dictionary of two metadata
/// pieces (about 18 KB), so assembling from several pieces is exercised.
const TWO_METADATA_PIECES: &[(&str, u64)] = &[("big.bin", 14 * 1024 * 1024 + 5)];

/// Makes `spec` under `data/` in `env` and a torrent of it with 16 KiB
/// pieces and `create_args` (`--announce URL`, `--private`).
fn fixture(env: TestEnv, spec: &[(&str, u64)], create_args: &[&str]) -> Fixture {
    Fixture::of(spec)
        .args(&["--piece-length", "16KiB"])
        .args(create_args)
        .env(env)
        .create()
}

/// A magnet of the fixture's torrent, named `big`, with `extra` parameters.
fn magnet(fixture: &Fixture, extra: &str) -> String {
    format!(
        "magnet:?xt=urn:btih:{}&dn=big{extra}",
        fixture.info_hash_hex()
    )
}

/// Starts `btt-get ARG -o OUT --listen 127.0.0.1:0 EXTRA...` in `home`.
fn get(env: &TestEnv, home: &Home, arg: &str, out: &Path, extra: &[&str]) -> Child {
    let mut command = home.command(env, "btt-get");
    command
        .arg(arg)
        .arg("-o")
        .arg(out)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra);
    env.spawn("btt-get", command)
}

fn metadata_record(child: &Child) -> MetadataReady {
    let mut records: Vec<MetadataReady> = records_of(child, "metadata");
    assert_eq!(records.len(), 1, "{}", child.diagnostics());
    records.remove(0)
}

/// The one error line on stderr, and the exit code.
fn fails_with(child: &mut Child, timeout: Duration) -> (i32, String) {
    let code = exit_code(child, timeout);
    let stderr = child.stderr();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("error"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", child.diagnostics());
    (code, lines[0].to_owned())
}

#[test]
fn magnet_download_from_btt_seed_via_the_embedded_tracker_then_from_the_cache() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let fixture = fixture(env, TWO_METADATA_PIECES, &["--announce", &tracker.announce]);
    let _first = fixture.seed("seeder-1", &[]);
    let _second = fixture.seed("seeder-2", &[]);
    let magnet = magnet(&fixture, &format!("&tr={}", tracker.announce));
    let home = Home::new(&fixture.env, "leecher");
    let out = fixture.env.path().join("out");

    let mut download = get(&fixture.env, &home, &magnet, &out, &[]);
    download.wait_success(DOWNLOAD);
    let summary: Summary = last_record(&download, "summary");
    assert!(summary.complete, "{}", download.diagnostics());
    assert_trees_equal(&fixture.data, &out);
    let metadata = metadata_record(&download);
    assert_eq!(
        (
            metadata.info_hash.as_str(),
            metadata.name.as_str(),
            metadata.source.as_str()
        ),
        (fixture.info_hash_hex().as_str(), "big.bin", "peers")
    );
    assert!(metadata.size > 16 * 1024, "{metadata:?}");
    // The magnet's tracker answered with the seeders (they may have dialled
    // in first, having seen the leecher's announce: then none is new).
    let found: Vec<PeersFound> = records_of(&download, "peers_found");
    assert!(
        found
            .iter()
            .any(|found| found.source == PeerSource::Tracker && found.found > 0),
        "{}",
        download.diagnostics()
    );

    // A re-run needs no peer for the metadata: it is cached by info-hash.
    let mut again = get(&fixture.env, &home, &magnet, &out, &["--no-tracker"]);
    again.wait_success(DOWNLOAD);
    assert_eq!(metadata_record(&again).source, "cache");
    let summary: Summary = last_record(&again, "summary");
    assert!(summary.complete, "{}", again.diagnostics());
}

#[test]
fn metadata_only_writes_a_torrent_that_btt_seed_accepts() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let fixture = fixture(env, TWO_METADATA_PIECES, &["--announce", &tracker.announce]);
    let seeder = fixture.seed("seeder", &[]);

    // `btt-seed show` prints a magnet with the name and the tracker.
    let mut show = fixture.env.btt("btt-seed");
    show.arg("show").arg(&fixture.torrent);
    let mut show = fixture.env.spawn("btt-seed show", show);
    show.wait_success(Duration::from_secs(30));
    let summary: TorrentSummary = last_record(&show, "torrent");
    let shown = summary.magnet;
    assert!(shown.contains("&dn=big.bin"), "{shown}");
    assert!(shown.contains("&tr=http%3A%2F%2F127.0.0.1%3A"), "{shown}");

    let magnet = format!("{shown}&x.pe=127.0.0.1:{}", seeder.port);
    let saved = fixture.env.path().join("saved.torrent");
    let home = Home::new(&fixture.env, "fetcher");
    let mut fetch = get(&fixture.env, &home, &magnet, &saved, &["--metadata-only"]);
    fetch.wait_success(DOWNLOAD);
    let record: TorrentSaved = last_record(&fetch, "torrent_saved");
    assert_eq!(record.path, saved.display().to_string());
    assert_eq!(info_hash(&saved), fixture.info_hash_hex());
    assert_eq!(record.torrent.trackers, [vec![tracker.announce.clone()]]);
    assert!(!fixture.env.path().join("big.bin").exists());

    let mut show = fixture.env.btt("btt-seed");
    show.arg("show").arg(&saved);
    let mut show = fixture.env.spawn("btt-seed show", show);
    show.wait_success(Duration::from_secs(30));
    let summary: TorrentSummary = last_record(&show, "torrent");
    assert_eq!(summary.info_hash.to_string(), fixture.info_hash_hex());

    let mut verify = fixture.env.btt("btt-seed");
    verify
        .arg("verify")
        .arg(&saved)
        .arg("--data")
        .arg(&fixture.data);
    let mut verify = fixture.env.spawn("btt-seed verify", verify);
    verify.wait_success(Duration::from_secs(60));
    let verified: Verified = last_record(&verify, "verified");
    assert_eq!(verified.good, verified.pieces);
}

/// Downloads `MULTI_FILE` from a magnet with `so=` (0-based) and `extra`
/// arguments; checks that exactly the file named `wanted` arrived whole and
/// that less than everything was downloaded.
fn magnet_selects(so: impl Fn(usize) -> String, extra: impl Fn(usize) -> Vec<String>) {
    let fixture = fixture(TestEnv::new(), MULTI_FILE, &[]);
    let bytes = std::fs::read(&fixture.torrent).expect("read the torrent");
    let torrent = btt::metainfo::Torrent::from_bytes(&bytes).expect("the torrent parses");
    let wanted = "03 outro.flac";
    let position = torrent
        .info
        .files
        .iter()
        .position(|file| file.path.ends_with(wanted))
        .expect("the torrent lists the file");
    let seeder = fixture.seed("seeder", &[]);
    let magnet = magnet(
        &fixture,
        &format!("&x.pe={}&so={}", seeder.addr(), so(position)),
    );
    let out = fixture.env.path().join("out");
    let home = Home::new(&fixture.env, "leecher");
    let extra = extra(position);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut get = get(&fixture.env, &home, &magnet, &out, &extra);
    get.wait_success(DOWNLOAD);
    let summary: Summary = last_record(&get, "summary");
    assert!(summary.complete, "{}", get.diagnostics());
    assert!(summary.downloaded < tree_size(MULTI_FILE), "{summary:?}");
    let relative = Path::new("album").join(wanted);
    let expected = std::fs::read(fixture.data.join(&relative)).expect("read source file");
    let actual = std::fs::read(out.join(&relative)).expect("read downloaded file");
    assert!(expected == actual, "{} differs", relative.display());
}

#[test]
fn a_magnets_so_selects_the_files_to_download() {
    magnet_selects(|position| position.to_string(), |_| Vec::new());
}

#[test]
fn select_wins_over_a_magnets_so() {
    magnet_selects(
        |position| if position == 0 { "1" } else { "0" }.to_owned(),
        |position| vec!["--select".to_owned(), (position + 1).to_string()],
    );
}

#[test]
fn a_downloading_btt_get_serves_the_metadata_of_a_private_torrent() {
    let fixture = fixture(TestEnv::new(), TWO_METADATA_PIECES, &["--private"]);
    let seeder = fixture.seed("seeder", &[]);
    let slow_home = Home::new(&fixture.env, "slow");
    let mut slow = get(
        &fixture.env,
        &slow_home,
        fixture.torrent.to_str().expect("UTF-8 path"),
        &fixture.env.path().join("slow"),
        &["--peer", &seeder.addr(), "--down-limit", "256KiB"],
    );
    let port = listening_port(&mut slow);

    let magnet = magnet(&fixture, &format!("&x.pe=127.0.0.1:{port}"));
    let saved = fixture.env.path().join("saved.torrent");
    let home = Home::new(&fixture.env, "fetcher");
    let mut fetch = get(&fixture.env, &home, &magnet, &saved, &["--metadata-only"]);
    fetch.wait_success(DOWNLOAD);
    assert_eq!(info_hash(&saved), fixture.info_hash_hex());
    let record: TorrentSaved = last_record(&fetch, "torrent_saved");
    assert!(record.torrent.private);
    assert!(
        slow.try_wait().is_none(),
        "the slow download should still run\n{}",
        slow.diagnostics()
    );
}

/// The bound on a download whose leecher announced before its seeder: a
/// real tracker's interval (30 minutes here) must not be waited out.
const RACE: Duration = Duration::from_secs(25);

#[test]
fn a_magnet_leecher_that_announced_before_its_seeder_gets_the_metadata_at_once() {
    let env = TestEnv::new();
    let tracker = BttTracker::start_with(&env, "127.0.0.1:0", "30m");
    let fixture = fixture(env, TWO_METADATA_PIECES, &["--announce", &tracker.announce]);
    let magnet = magnet(&fixture, &format!("&tr={}", tracker.announce));
    let home = Home::new(&fixture.env, "leecher");
    let out = fixture.env.path().join("out");
    let mut download = get(&fixture.env, &home, &magnet, &out, &[]);
    // The tracker has answered the leecher with no peer.
    download.read_json_line_until(DOWNLOAD, |record| {
        record["type"] == "peers_found" && record["source"] == "tracker"
    });
    let _seeder = fixture.seed("seeder", &[]);
    download.wait_success(RACE);
    assert_trees_equal(&fixture.data, &out);
    assert_eq!(metadata_record(&download).source, "peers");
}

/// A hybrid torrent's magnet by its v2 info-hash alone.
fn v2_magnet(fixture: &Fixture, extra: &str) -> String {
    let v2 = fixture.parsed().info_hash_v2.expect("a hybrid");
    format!("magnet:?xt=urn:btmh:1220{v2}&dn=big{extra}")
}

#[test]
fn a_hybrid_is_fetched_by_its_v2_magnet_through_the_tracker_and_from_a_peer() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let create = ["--announce", tracker.announce.as_str(), "--hybrid"];
    let fixture = fixture(env, TWO_METADATA_PIECES, &create);
    let seeder = fixture.seed("seeder", &[]);
    let through_tracker = v2_magnet(&fixture, &format!("&tr={}", tracker.announce));
    let from_peer = v2_magnet(&fixture, "");
    let peer = seeder.addr();
    for (name, magnet, extra) in [
        ("tracker", through_tracker, vec![]),
        (
            "peer",
            from_peer,
            vec!["--no-tracker", "--peer", peer.as_str()],
        ),
    ] {
        let home = Home::new(&fixture.env, name);
        let out = fixture.env.path().join(name);
        let mut download = get(&fixture.env, &home, &magnet, &out, &extra);
        download.wait_success(DOWNLOAD);
        assert_trees_equal(&fixture.data, &out);
        let summary: Summary = last_record(&download, "summary");
        assert!(summary.complete, "{}", download.diagnostics());
    }
}

#[test]
fn a_magnet_nobody_has_times_out_with_exit_4() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let home = Home::new(&env, "leecher");
    let magnet = format!(
        "magnet:?xt=urn:btih:{}&tr={}",
        "5a".repeat(20),
        tracker.announce
    );
    let started = Instant::now();
    let mut get = get(
        &env,
        &home,
        &magnet,
        &env.path().join("out"),
        &["--metadata-timeout", "3s"],
    );
    let (code, line) = fails_with(&mut get, Duration::from_secs(60));
    assert_eq!(code, 4, "{}", get.diagnostics());
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        line.contains("no peer sent the metadata") && line.contains("within 3s"),
        "{line}"
    );
    let error: ErrorRecord = last_record(&get, "error");
    assert_eq!(error.code, "unreachable");
}

#[test]
fn a_magnet_without_trackers_or_peers_fails_at_once() {
    let env = TestEnv::new();
    let home = Home::new(&env, "leecher");
    let magnet = format!("magnet:?xt=urn:btih:{}&dn=nothing", "5a".repeat(20));
    let mut get = get(&env, &home, &magnet, &env.path().join("out"), &[]);
    let (code, line) = fails_with(&mut get, Duration::from_secs(30));
    assert_eq!(code, 4, "{}", get.diagnostics());
    assert!(
        line.contains("no peer was found, and no peer source is left"),
        "{line}"
    );
}

#[test]
fn metadata_that_does_not_hash_is_refused() {
    let fixture = fixture(TestEnv::new(), TWO_METADATA_PIECES, &[]);
    let mut lie = info_bytes(&fixture.torrent);
    let middle = lie.len() / 2;
    lie[middle] ^= 0x01;
    let liar = MetadataLiar::start(fixture.info_hash(), lie);
    let home = Home::new(&fixture.env, "leecher");
    let magnet = magnet(&fixture, &format!("&x.pe={}", liar.addr()));
    let mut get = get(
        &fixture.env,
        &home,
        &magnet,
        &fixture.env.path().join("out"),
        &["--metadata-timeout", "5s"],
    );
    let (code, line) = fails_with(&mut get, Duration::from_secs(60));
    assert_eq!(code, 4, "{}", get.diagnostics());
    assert!(
        line.contains(
            "tried 1 peer (1 from magnet_hint), 1 dropped for bad metadata, \
             and no peer source is left"
        ),
        "{line}"
    );
    let banned: Vec<PeerBanned> = records_of(&get, "peer_banned");
    assert_eq!(banned.len(), 1, "{}", get.diagnostics());
    assert_eq!(banned[0].peer, liar.addr());
    assert!(liar.pieces_served() >= 2);
}

#[test]
fn metadata_that_does_not_hash_is_fetched_again_from_an_honest_peer() {
    let fixture = fixture(TestEnv::new(), TWO_METADATA_PIECES, &[]);
    let mut lie = info_bytes(&fixture.torrent);
    lie[0] = b'l';
    let liar = MetadataLiar::start(fixture.info_hash(), lie);
    // The honest seeder starts only once the liar has been caught, so the
    // liar surely sends metadata first.
    let honest = format!("127.0.0.1:{}", free_port());
    let home = Home::new(&fixture.env, "leecher");
    let out = fixture.env.path().join("out");
    let magnet = magnet(&fixture, "");
    let mut get = get(
        &fixture.env,
        &home,
        &magnet,
        &out,
        &["--peer", &liar.addr(), "--peer", &honest],
    );
    let banned = get.read_record(DOWNLOAD, "peer_banned");
    assert_eq!(typed::<PeerBanned>(&banned).peer, liar.addr());

    let mut seed = Home::new(&fixture.env, "seeder").command(&fixture.env, "btt-seed");
    seed.args(["run", "--no-dht"])
        .arg("--data")
        .arg(&fixture.data)
        .args(["--listen", &honest])
        .arg(&fixture.torrent);
    let _seeder = fixture.env.spawn("btt-seed run", seed);
    get.wait_success(DOWNLOAD);
    assert_eq!(metadata_record(&get).source, "peers");
    let summary: Summary = last_record(&get, "summary");
    assert!(summary.complete, "{}", get.diagnostics());
    assert_trees_equal(&fixture.data, &out);
}

#[test]
fn malformed_magnets_exit_3_with_one_line() {
    let env = TestEnv::new();
    let home = Home::new(&env, "leecher");
    let out = env.path().join("out");
    for (magnet, says) in [
        ("magnet:?xt=urn:btih:1234", "1234"),
        ("magnet:?dn=x&tr=http://t/a", "no info-hash"),
        ("magnet:?xt=urn:btmh:1220abcd", "invalid v2 info-hash"),
        (
            "magnet:xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056",
            "not a magnet link",
        ),
        (
            "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d5305",
            "c9e15763f722f23e98a29decdfae341b98d5305",
        ),
        (
            "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&so=3-1",
            "so",
        ),
    ] {
        let mut get = get(&env, &home, magnet, &out, &[]);
        let (code, line) = fails_with(&mut get, Duration::from_secs(30));
        assert_eq!(code, 3, "{magnet}\n{}", get.diagnostics());
        assert!(line.contains(says), "{magnet}: {line}");
        assert!(!out.exists());
    }
}

/// The info dictionary of a .torrent, verbatim.
fn info_bytes(torrent: &Path) -> Vec<u8> {
    let bytes = std::fs::read(torrent).expect("read the torrent");
    btt::metainfo::Torrent::from_bytes(&bytes)
        .expect("the torrent parses")
        .info_bytes
}
