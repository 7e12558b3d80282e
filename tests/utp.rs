//! uTP (BEP 29): btt against btt over uTP only, on 127.0.0.1 and ::1, and
//! against libtorrent 2.0.8 (Debian's python3-libtorrent) with TCP off on
//! its side (`enable_outgoing_tcp` and `enable_incoming_tcp` false, uTP on),
//! in both directions. libtorrent with TCP off takes TCP connections and
//! closes them at once, so a completed download proves that the bytes went
//! over uTP; btt on its default `--utp on` reaches it by falling back from
//! TCP to uTP. Every download is compared byte for byte with its data.

use crate::support;

use btt::cli::torrent_run::Listening;
use btt::swarm::events::Summary;
use std::net::TcpListener;
use std::time::{Duration, Instant};
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(90);

/// The bound on a leecher's second dial of a peer it could not reach: it
/// redials every 15 s, at the first tick of its dial loop after that.
const REDIAL: Duration = Duration::from_secs(60);

/// A few MiB, not a whole number of pieces, in two files.
const CONTENT: &[(&str, u64)] = &[
    ("album/one.bin", 3 * 1024 * 1024 + 4321),
    ("album/two.bin", 700_000),
];

/// Asserts that `leecher` completed with the fixture's data.
fn downloaded(fixture: &Fixture, leecher: &mut Child, out: &std::path::Path) {
    leecher.wait_success(DOWNLOAD);
    let summary: Summary = last_record(leecher, "summary");
    assert!(summary.complete, "{}", leecher.diagnostics());
    assert_trees_equal(&fixture.data, out);
}

/// btt-get with `--utp only` downloads from btt-seed with `--utp only`,
/// both listening on `listen`; `peer` makes the seeder's address from its port.
fn btt_to_btt_over_utp_only(listen: &str, peer: fn(&Seeder) -> String) {
    let fixture = Fixture::new(CONTENT, &["--piece-length", "64KiB"]);
    let seeder = fixture.seed_on("seeder", listen, &["--no-tracker", "--utp", "only"]);
    let listening: Listening = typed(&seeder.child.json_records()[0]);
    assert_eq!(listening.utp.as_deref(), Some(listening.addr.as_str()));
    let peer = peer(&seeder);
    let extra = ["--no-tracker", "--utp", "only", "--peer", &peer];
    let (mut leecher, out) = fixture.get_on("leecher", listen, &extra);
    downloaded(&fixture, &mut leecher, &out);
}

#[test]
fn btt_get_downloads_from_btt_seed_over_utp_only_on_ipv4_loopback() {
    btt_to_btt_over_utp_only("127.0.0.1:0", Seeder::addr);
}

#[test]
fn btt_get_downloads_from_btt_seed_over_utp_only_on_ipv6_loopback() {
    btt_to_btt_over_utp_only("[::1]:0", Seeder::addr6);
}

#[test]
fn the_listening_record_names_the_utp_port_beside_tcp_and_none_with_utp_off() {
    let fixture = Fixture::new(CONTENT, &[]);
    let on = fixture.seed("on", &["--no-tracker"]);
    let listening: Listening = typed(&on.child.json_records()[0]);
    assert_eq!(listening.addr, on.addr());
    assert_eq!(listening.utp, Some(on.addr()));
    let off = fixture.seed("off", &["--no-tracker", "--utp", "off"]);
    let listening: Listening = typed(&off.child.json_records()[0]);
    assert_eq!(listening.utp, None);
}

/// Runs btt-get with `--utp off` against `peer` until its TCP connections
/// to it (`connections` counts those seen so far) show that its first dial
/// ended, and asserts that nothing arrived. A dial makes at most two TCP
/// connections (encrypted, then plain), and a peer is not dialled again
/// while a dial to it is under way: a third connection is a second dial,
/// so the first one had tried all it would, uTP included had it been on.
fn nothing_arrives_over_tcp_from(
    fixture: &Fixture,
    peer: &str,
    mut connections: impl FnMut() -> usize,
) {
    let extra = ["--no-tracker", "--utp", "off", "--peer", peer];
    let (mut leecher, _out) = fixture.get("tcp-only", &extra);
    let deadline = Instant::now() + REDIAL;
    while connections() < 3 {
        assert!(
            Instant::now() < deadline,
            "no second dial of {peer} within {REDIAL:?}\n{}",
            leecher.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    leecher.terminate();
    let summary: Summary = last_record(&leecher, "summary");
    assert!(!summary.complete);
    assert_eq!(summary.downloaded, 0, "{}", leecher.diagnostics());
}

#[test]
fn btt_get_with_utp_off_does_not_reach_a_utp_only_seeder() {
    let fixture = Fixture::new(CONTENT, &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker", "--utp", "only"]);
    // The seeder takes no TCP: the test listens on its port to see the
    // leecher's dials, and closes each connection at once.
    let witness = TcpListener::bind(("127.0.0.1", seeder.port)).expect("no TCP on the port");
    witness.set_nonblocking(true).unwrap();
    let mut accepted = 0;
    let dials = || {
        while witness.accept().is_ok() {
            accepted += 1;
        }
        accepted
    };
    nothing_arrives_over_tcp_from(&fixture, &seeder.addr(), dials);
}

/// The control for the libtorrent tests: with TCP off, libtorrent serves
/// nothing over TCP, so what btt gets from it came over uTP.
#[test]
fn btt_get_with_utp_off_gets_nothing_from_libtorrent_with_tcp_off() {
    let fixture = Fixture::new(CONTENT, &["--piece-length", "64KiB"]);
    let seeder = Libtorrent::seed_over_utp(&fixture.env, &fixture.torrent, &fixture.data);
    let blocked = || {
        let records = seeder.child.json_records();
        let blocked = records.iter().filter(|r| r["type"] == "peer_blocked");
        blocked.count()
    };
    nothing_arrives_over_tcp_from(&fixture, &seeder.addr(), blocked);
}

/// The control the other way: libtorrent with TCP off gets nothing from a
/// btt-seed that has uTP off.
#[test]
fn libtorrent_with_tcp_off_gets_nothing_from_btt_seed_with_utp_off() {
    let fixture = Fixture::new(CONTENT, &["--piece-length", "64KiB"]);
    let seeder = fixture.seed("seeder", &["--no-tracker", "--utp", "off"]);
    let out = fixture.out("libtorrent");
    let mut leecher =
        Libtorrent::leech_over_utp(&fixture.env, &fixture.torrent, &out, &[&seeder.addr()]);
    // Its uTP connection to the seeder failing is as far as it gets.
    leecher.child.read_record(REDIAL, "peer_disconnected");
    leecher.child.terminate();
    let got: u64 = std::fs::read_dir(&out)
        .map(|entries| entries.count() as u64)
        .unwrap_or(0);
    assert_eq!(got, 0, "libtorrent wrote into {}", out.display());
}

#[test]
fn libtorrent_over_utp_only_downloads_from_btt_seed() {
    let fixture = Fixture::new(CONTENT, &["--piece-length", "64KiB"]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let out = fixture.out("libtorrent");
    let mut leecher =
        Libtorrent::leech_over_utp(&fixture.env, &fixture.torrent, &out, &[&seeder.addr()]);
    leecher.finish(DOWNLOAD);
    assert_trees_equal(&fixture.data, &out);
}

#[test]
fn btt_get_downloads_from_libtorrent_over_utp_only() {
    let fixture = Fixture::new(CONTENT, &["--piece-length", "64KiB"]);
    let seeder = Libtorrent::seed_over_utp(&fixture.env, &fixture.torrent, &fixture.data);
    let peer = seeder.addr();
    let (mut leecher, out) = fixture.get("leecher", &["--no-tracker", "--peer", &peer]);
    downloaded(&fixture, &mut leecher, &out);
}

#[test]
fn btt_get_with_utp_only_downloads_from_libtorrent_over_utp_only() {
    let fixture = Fixture::new(CONTENT, &["--piece-length", "64KiB"]);
    let seeder = Libtorrent::seed_over_utp(&fixture.env, &fixture.torrent, &fixture.data);
    let peer = seeder.addr();
    let extra = ["--no-tracker", "--utp", "only", "--peer", &peer];
    let (mut leecher, out) = fixture.get("leecher", &extra);
    downloaded(&fixture, &mut leecher, &out);
}
