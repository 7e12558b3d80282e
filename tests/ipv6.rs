//! IPv6 on `::1`: `btt-seed run` and `btt-get` as peers listening on
//! `[::1]`, and a leecher that finds its seeder only through the embedded
//! tracker on `[::1]`, over HTTP (`peers6`, BEP 7) and UDP (18-byte peers,
//! BEP 15). aria2 1.36 both ways on `::1`, through the same tracker: it
//! leeches from `btt-seed` and seeds to `btt-get`, every socket of either
//! side on `::1` only. PEX `added6` between btt peers on `::1` is in
//! `tests/pex.rs`.

use crate::support;

use btt::swarm::events::{PeersFound, Summary};
use btt::swarm::PeerSource;
use std::time::Duration;
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(60);

const CONTENT: &[(&str, u64)] = &[("six.bin", 1024 * 1024 + 123)];

/// Where every node here listens.
const LOOPBACK6: &str = "[::1]:0";

/// Asserts that `leecher` completed with the fixture's data.
fn downloaded(fixture: &Fixture, leecher: &mut Child, out: &std::path::Path) {
    leecher.wait_success(DOWNLOAD);
    let summary: Summary = last_record(leecher, "summary");
    assert!(summary.complete, "{}", leecher.diagnostics());
    assert_trees_equal(&fixture.data, out);
}

/// The new peers `child` learned from `source`.
fn peers_from(child: &Child, source: PeerSource) -> usize {
    let found: Vec<PeersFound> = records_of(child, "peers_found");
    found
        .iter()
        .filter(|record| record.source == source)
        .map(|record| record.new)
        .sum()
}

#[test]
fn btt_get_downloads_from_a_btt_seeder_on_ipv6_loopback() {
    let fixture = Fixture::new(CONTENT, &["--piece-length", "64KiB"]);
    let seeder = fixture.seed_on("seeder", LOOPBACK6, &["--no-tracker"]);
    let listening = seeder.child.json_records()[0]["addr"].clone();
    assert_eq!(listening, format!("[::1]:{}", seeder.port));
    let peer = seeder.addr6();
    let extra = ["--no-tracker", "--peer", &peer];
    let (mut leecher, out) = fixture.get_on("leecher", LOOPBACK6, &extra);
    downloaded(&fixture, &mut leecher, &out);
}

/// A seeder and a leecher on `[::1]` that know each other only through the
/// embedded tracker (every other peer source is off) on `[::1]` at `announce` (a function of the tracker).
fn found_through_tracker(announce: fn(&BttTracker) -> String) {
    let env = TestEnv::new();
    let tracker = BttTracker::start_on(&env, LOOPBACK6);
    let url = announce(&tracker);
    let fixture = Fixture::of(CONTENT)
        .args(&["--piece-length", "64KiB", "--announce", &url])
        .env(env)
        .create();
    let seeder = fixture.seed_on("seeder", LOOPBACK6, &[]);
    let (mut leecher, out) = fixture.get_on("leecher", LOOPBACK6, &[]);
    downloaded(&fixture, &mut leecher, &out);
    // Whichever announced second was given the other's [::1] address.
    let given =
        peers_from(&leecher, PeerSource::Tracker) + peers_from(&seeder.child, PeerSource::Tracker);
    assert!(
        given >= 1,
        "{url}: the tracker gave no peer\n{}\n{}",
        leecher.diagnostics(),
        seeder.child.diagnostics()
    );
}

#[test]
fn btt_get_finds_a_seeder_through_the_http_tracker_on_ipv6_loopback() {
    found_through_tracker(|tracker| tracker.announce.clone());
}

#[test]
fn btt_get_finds_a_seeder_through_the_udp_tracker_on_ipv6_loopback() {
    found_through_tracker(BttTracker::udp_announce);
}

/// A fixture announcing to an embedded HTTP tracker on `[::1]`.
fn on_ipv6_tracker() -> (Fixture, BttTracker) {
    let env = TestEnv::new();
    let tracker = BttTracker::start_on(&env, LOOPBACK6);
    let fixture = Fixture::of(CONTENT)
        .args(&["--piece-length", "64KiB", "--announce", &tracker.announce])
        .env(env)
        .create();
    (fixture, tracker)
}

#[test]
fn aria2_downloads_from_btt_seed_found_through_the_tracker_on_ipv6_loopback() {
    let (fixture, _tracker) = on_ipv6_tracker();
    let mut seeder = fixture.seed_on("seeder", LOOPBACK6, &[]);
    let out = fixture.out("aria2");
    Aria2::leech_v6(&fixture.env, &fixture.torrent, &out).finish(DOWNLOAD);
    assert_trees_equal(&fixture.data, &out);
    seeder.child.terminate();
}

#[test]
fn btt_get_downloads_from_aria2_found_through_the_tracker_on_ipv6_loopback() {
    let (fixture, _tracker) = on_ipv6_tracker();
    let mut seeder = Aria2::seed_v6(&fixture.env, &fixture.torrent, &fixture.data);
    let (mut leecher, out) = fixture.get_on("leecher", LOOPBACK6, &[]);
    // aria2 is the only seeder and listens on [::1] only; whichever of the
    // two announced second dialled the other.
    downloaded(&fixture, &mut leecher, &out);
    seeder.child.terminate();
}
