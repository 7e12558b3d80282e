//! Peer exchange (`ut_pex`, BEP 11) between real btt processes, and with
//! libtorrent and aria2, on 127.0.0.1, and between btt processes on `::1`
//! (`added6`).
//!
//! The swarm tests are built so that only PEX can make them pass: the
//! leecher is told of one peer, S1, which knows the two seeders but is held
//! to a trickle, so it never verifies a piece and has nothing to give. (S1
//! is a leecher because two seeds drop each other.) The leecher can only
//! complete by learning the seeders from S1's PEX message; the seeders
//! cannot learn of the leecher sooner (see [`wait_for_first_pex`]). S1 and
//! the leecher are btt and btt, btt and libtorrent, btt and aria2, then
//! libtorrent and btt, so btt's messages are read by other implementations
//! and the other way round.
//!
//! The private-torrent test talks to `btt-seed` as a hand-made peer: it
//! reads the extended handshake and offers a bait address over `ut_pex`,
//! after malformed messages; a public torrent's seeder dials the bait (so
//! the malformed ones did no harm), a private one neither advertises
//! `ut_pex` nor dials.

use crate::support;

use btt::peer::{
    read_handshake, write_handshake, ExtendedHandshake, Handshake, Message, MessageCodec, PexFlags,
    PexMessage, PexPeer, WireLimits, UT_PEX,
};
use btt::swarm::events::{PeersFound, Summary};
use btt::swarm::PeerSource;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(60);

/// Eight pieces of 256 KiB (16 blocks each): S1, which takes in at most one
/// block per connection, never completes one.
const CONTENT: &[(&str, u64)] = &[("pex.bin", 2 * 1024 * 1024)];
const PIECE_LENGTH: &str = "256KiB";

/// A torrent of [`CONTENT`] under `data/`, `--private` or not, in `env`,
/// with `create_args` for `btt-seed create` (e.g. `--announce URL`).
fn fixture_in(env: TestEnv, private: bool, create_args: &[&str]) -> Fixture {
    Fixture::of(CONTENT)
        .args(&["--piece-length", PIECE_LENGTH])
        .args(create_args)
        .private(private)
        .env(env)
        .create()
}

/// [`fixture_in`] a new environment.
fn fixture(private: bool) -> Fixture {
    fixture_in(TestEnv::new(), private, &[])
}

/// `btt-seed run` of the fixture, without a tracker, in the home `name`.
fn seed(fixture: &Fixture, name: &str) -> Seeder {
    fixture.seed(name, &["--no-tracker"])
}

/// Stops a btt process with SIGTERM and returns its summary.
fn stop(child: &mut Child) -> Summary {
    child.signal(libc::SIGTERM);
    assert_eq!(
        exit_code(child, Duration::from_secs(15)),
        130,
        "{}",
        child.diagnostics()
    );
    last_record(child, "summary")
}

/// Two btt seeders that know nobody: only a peer that dials them, and what
/// they learn through PEX, connects them to anyone.
fn two_seeders(fixture: &Fixture) -> [Seeder; 2] {
    [seed(fixture, "s2"), seed(fixture, "s3")]
}

/// Waits until each seeder has used a PEX message from the middle peer. That
/// first message is spent and the next is a minute away, so the seeders
/// cannot learn of the leecher (and dial it) before the leecher learns of
/// them: the leecher's download depends on the PEX message it receives.
fn wait_for_first_pex(seeders: &mut [Seeder; 2]) {
    for seeder in seeders {
        seeder.child.read_json_line_until(DOWNLOAD, |record| {
            record["type"] == "peers_found" && typed::<PeersFound>(record).source == PeerSource::Pex
        });
    }
}

/// S1 as btt: a `btt-get` that knows the seeders but takes in one byte a
/// second, so it never verifies a piece; returns it and its address.
fn btt_middle(fixture: &Fixture, seeders: &[Seeder; 2]) -> (Child, String) {
    btt_middle_on(
        fixture,
        [&seeders[0].addr(), &seeders[1].addr()],
        "127.0.0.1",
    )
}

/// [`btt_middle`] listening on `ip` (`::1` or `127.0.0.1`), dialing `seeders`.
fn btt_middle_on(fixture: &Fixture, seeders: [&str; 2], ip: &str) -> (Child, String) {
    let ip: std::net::IpAddr = ip.parse().unwrap();
    let extra = [
        "--no-tracker",
        "--peer",
        seeders[0],
        "--peer",
        seeders[1],
        "--down-limit",
        "1",
    ];
    let listen = SocketAddr::new(ip, 0).to_string();
    let (mut middle, _) = fixture.get_on("s1", &listen, &extra);
    let addr = SocketAddr::new(ip, listening_port(&mut middle)).to_string();
    (middle, addr)
}

/// libtorrent (`lt_peer.py leech --pex`) downloading into `out-NAME/` with
/// `extra` arguments; returns it, its address and its output directory.
fn libtorrent_pex_leecher(
    fixture: &Fixture,
    name: &str,
    extra: &[&str],
) -> (Child, String, PathBuf) {
    let out = fixture.env.dir(format!("out-{name}"));
    let mut command = fixture.env.command("/usr/bin/python3");
    command
        .arg(Libtorrent::script())
        .arg("leech")
        .arg(&fixture.torrent)
        .arg(&out)
        .arg("--pex")
        .args(extra);
    let mut child = Child::spawn_with_stdin(&format!("libtorrent {name}"), command);
    let addr = format!("127.0.0.1:{}", listening_port(&mut child));
    (child, addr, out)
}

/// Asserts that btt-get `leecher` completed with the right data and learned
/// at least two new peers through PEX.
fn completed_through_pex(fixture: &Fixture, leecher: &mut Child, out: &Path) {
    leecher.wait_success(DOWNLOAD);
    let summary: Summary = last_record(leecher, "summary");
    assert!(summary.complete, "{}", leecher.diagnostics());
    assert_trees_equal(&fixture.data, out);
    let found: Vec<PeersFound> = records_of(leecher, "peers_found");
    let learned: usize = found
        .iter()
        .filter(|record| record.source == PeerSource::Pex)
        .map(|record| record.new)
        .sum();
    assert!(
        learned >= 2,
        "the leecher learned {learned} new peers through PEX\n{}",
        leecher.diagnostics()
    );
}

/// Asserts that S1, a stalled btt-get, had nothing to give.
fn gave_nothing(middle: &mut Child) {
    let summary = stop(middle);
    assert_eq!(
        (summary.downloaded, summary.uploaded),
        (0, 0),
        "S1 had data to give: the test proves nothing\n{}",
        middle.diagnostics()
    );
}

/// Asserts that the seeders sent at least the whole content.
fn seeders_uploaded_everything(seeders: &mut [Seeder; 2]) {
    let uploaded: u64 = seeders
        .iter_mut()
        .map(|seeder| stop(&mut seeder.child).uploaded)
        .sum();
    let total = tree_size(CONTENT);
    assert!(
        uploaded >= total,
        "the seeders uploaded {uploaded} of {total} bytes"
    );
}

#[test]
fn a_leecher_that_knows_one_peer_learns_the_others_through_pex_and_downloads_from_them() {
    let fixture = fixture(false);
    let mut seeders = two_seeders(&fixture);
    let (mut middle, middle_addr) = btt_middle(&fixture, &seeders);
    wait_for_first_pex(&mut seeders);

    let (mut leecher, out) = fixture.get("leecher", &["--no-tracker", "--peer", &middle_addr]);
    completed_through_pex(&fixture, &mut leecher, &out);
    gave_nothing(&mut middle);
    seeders_uploaded_everything(&mut seeders);
}

/// The same swarm on `::1`: S1 knows the seeders only as IPv6 peers, so
/// the leecher can learn them only from `added6`.
#[test]
fn btt_peers_on_ipv6_loopback_learn_each_other_through_added6() {
    let fixture = fixture(false);
    let mut seeders = ["s2", "s3"].map(|home| fixture.seed_on(home, "[::1]:0", &["--no-tracker"]));
    let seeder_addrs = [seeders[0].addr6(), seeders[1].addr6()];
    let (mut middle, middle_addr) =
        btt_middle_on(&fixture, [&seeder_addrs[0], &seeder_addrs[1]], "::1");
    wait_for_first_pex(&mut seeders);

    let extra = ["--no-tracker", "--peer", &middle_addr];
    let (mut leecher, out) = fixture.get_on("leecher", "[::1]:0", &extra);
    completed_through_pex(&fixture, &mut leecher, &out);
    gave_nothing(&mut middle);
    seeders_uploaded_everything(&mut seeders);
}

#[test]
fn libtorrent_learns_btt_seeders_from_btt_pex() {
    let fixture = fixture(false);
    let mut seeders = two_seeders(&fixture);
    let (mut middle, middle_addr) = btt_middle(&fixture, &seeders);
    wait_for_first_pex(&mut seeders);

    let (mut leecher, _, out) = libtorrent_pex_leecher(
        &fixture,
        "libtorrent",
        &["--peer", &middle_addr, "--exit-on-complete"],
    );
    leecher.read_record(DOWNLOAD, "complete");
    leecher.wait_success(Duration::from_secs(15));
    assert_trees_equal(&fixture.data, &out);
    gave_nothing(&mut middle);
    seeders_uploaded_everything(&mut seeders);
}

#[test]
fn btt_learns_btt_seeders_from_libtorrent_pex() {
    let fixture = fixture(false);
    let mut seeders = two_seeders(&fixture);
    // S1 as libtorrent, held to 1 KB/s: a 256 KiB piece takes minutes.
    let (_middle, middle_addr, _) = libtorrent_pex_leecher(
        &fixture,
        "s1",
        &[
            "--peer",
            &seeders[0].addr(),
            "--peer",
            &seeders[1].addr(),
            "--download-limit",
            "1000",
        ],
    );
    wait_for_first_pex(&mut seeders);

    let (mut leecher, out) = fixture.get("leecher", &["--no-tracker", "--peer", &middle_addr]);
    completed_through_pex(&fixture, &mut leecher, &out);
    seeders_uploaded_everything(&mut seeders);
}

#[test]
fn aria2_learns_btt_seeders_from_btt_pex() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let fixture = fixture_in(env, false, &["--announce", &tracker.announce]);
    let mut seeders = two_seeders(&fixture);
    // aria2 needs a tracker: only S1 announces, the seeders do not.
    let (mut middle, _) = fixture.get(
        "s1",
        &[
            "--peer",
            &seeders[0].addr(),
            "--peer",
            &seeders[1].addr(),
            "--down-limit",
            "1",
        ],
    );
    wait_for_first_pex(&mut seeders);

    // The harness's aria2 keeps PEX off; this one exchanges peers.
    let out = fixture.env.dir("out-aria2");
    let mut command = fixture.env.command("aria2c");
    command.args([
        "--no-conf=true",
        "--enable-dht=false",
        "--enable-dht6=false",
        "--bt-enable-lpd=false",
        "--enable-peer-exchange=true",
        "--disable-ipv6=true",
        "--interface=127.0.0.1",
        "--bt-tracker-interval=2",
        "--file-allocation=none",
        "--summary-interval=0",
        "--console-log-level=notice",
        "--enable-color=false",
        "--seed-time=0",
    ]);
    command
        .arg(format!("--listen-port={}", free_port()))
        .arg(format!("--dir={}", out.display()))
        .arg(&fixture.torrent);
    let mut aria2 = Child::spawn("aria2c leech", command);
    aria2.wait_success(DOWNLOAD);
    assert_trees_equal(&fixture.data, &out);
    gave_nothing(&mut middle);
    seeders_uploaded_everything(&mut seeders);
}

/// A peer that connected to btt: the framed stream and btt's extended handshake.
struct HandMadePeer {
    framed: Framed<TcpStream, MessageCodec>,
    theirs: ExtendedHandshake,
}

impl HandMadePeer {
    /// Connects, handshakes with `ut_pex` on our side, and reads btt's
    /// extended handshake.
    async fn connect(to: SocketAddr, info_hash: [u8; 20]) -> HandMadePeer {
        let mut stream = TcpStream::connect(to).await.expect("connect to btt");
        let ours = Handshake::new(info_hash, *b"-XX0001-handmadepeer");
        write_handshake(&mut stream, &ours)
            .await
            .expect("handshake");
        let answer = read_handshake(&mut stream).await.expect("btt's handshake");
        assert!(answer.supports_extensions());
        let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
        let mut handshake = ExtendedHandshake::default();
        handshake.extensions.insert(UT_PEX.to_owned(), 1);
        framed
            .send(handshake.to_message())
            .await
            .expect("send the extended handshake");
        loop {
            match framed.next().await {
                Some(Ok(Message::Extended { id: 0, payload })) => {
                    let theirs = ExtendedHandshake::from_payload(&payload)
                        .expect("btt's extended handshake parses");
                    return HandMadePeer { framed, theirs };
                }
                Some(Ok(_)) => {}
                other => panic!("no extended handshake from btt: {other:?}"),
            }
        }
    }

    /// Sends malformed `ut_pex` messages, then one naming `bait`, under
    /// extension id `id`. The malformed ones must be dropped without harm:
    /// the connection stays and the good message is still used.
    async fn offer(&mut self, id: u8, bait: SocketAddr) {
        let malformed: [&[u8]; 4] = [b"not bencode", b"le", b"d5:addedi1ee", b"d7:dropped"];
        for payload in malformed {
            self.send_extended(id, Bytes::from_static(payload)).await;
        }
        let message = PexMessage {
            added: vec![PexPeer {
                addr: bait,
                flags: PexFlags::REACHABLE,
            }],
            dropped: Vec::new(),
        };
        self.send_extended(id, message.to_payload()).await;
    }

    async fn send_extended(&mut self, id: u8, payload: Bytes) {
        self.framed
            .send(Message::Extended { id, payload })
            .await
            .expect("send an extension message");
    }
}

/// Whether a BitTorrent handshake for `info_hash` arrives at `bait` within
/// `wait`. The bait speaks plain BitTorrent only: a dial that opens with an
/// encrypted handshake (btt's default) fails on it, and the plain dial that
/// follows is the one that counts.
async fn dialled_within(bait: &TcpListener, info_hash: [u8; 20], wait: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(accepted) = tokio::time::timeout_at(deadline, bait.accept()).await {
        let (mut stream, _) = accepted.expect("accept on the bait");
        let read = tokio::time::timeout(Duration::from_secs(10), read_handshake(&mut stream));
        if let Ok(Ok(handshake)) = read.await {
            assert_eq!(handshake.info_hash, info_hash);
            return true;
        }
    }
    false
}

/// Offers a bait address over `ut_pex` to a seeder of a public or private
/// torrent; returns whether the seeder advertised `ut_pex` and whether it
/// dialled the bait.
fn offer_bait(private: bool, wait: Duration) -> (bool, bool) {
    let fixture = fixture(private);
    let seeder = seed(&fixture, "seeder");
    let info_hash = fixture.info_hash();
    let seeder_addr: SocketAddr = seeder.addr().parse().expect("the seeder's address");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let bait = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the bait");
        let bait_addr = bait.local_addr().expect("the bait's address");
        let mut peer = HandMadePeer::connect(seeder_addr, info_hash).await;
        let advertised = peer.theirs.extensions.get(UT_PEX).copied();
        // Without an advertised id, try the low ids no other extension of
        // the seeder's holds: malformed messages to one it does hold (say
        // ut_metadata) rightly end the connection.
        let taken: Vec<u8> = peer.theirs.extensions.values().copied().collect();
        let ids = advertised.map_or_else(
            || (1..=4).filter(|id| !taken.contains(id)).collect(),
            |id| vec![id],
        );
        for id in ids {
            peer.offer(id, bait_addr).await;
        }
        let dialled = dialled_within(&bait, info_hash, wait).await;
        (advertised.is_some(), dialled)
    })
}

#[test]
fn a_public_torrent_advertises_ut_pex_and_dials_the_peers_it_learns() {
    let (advertised, dialled) = offer_bait(false, Duration::from_secs(20));
    assert!(
        advertised,
        "ut_pex missing from a public torrent's handshake"
    );
    assert!(
        dialled,
        "the seeder never dialled the address offered over PEX"
    );
}

#[test]
fn a_private_torrent_neither_advertises_nor_accepts_ut_pex() {
    let (advertised, dialled) = offer_bait(true, Duration::from_secs(5));
    assert!(!advertised, "a private torrent advertised ut_pex");
    assert!(
        !dialled,
        "a private torrent dialled an address offered over PEX"
    );
}
