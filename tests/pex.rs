//! Peer exchange (`ut_pex`, BEP 11) between real btt processes on 127.0.0.1.
//!
//! The swarm test is built so that only PEX can make it pass: the leecher is
//! told of one peer, S1, a `btt-get` that knows the two seeders but is held
//! to one byte a second, so it never verifies a piece and has nothing to
//! give. (S1 is a leecher because two seeds drop each other.) The leecher
//! can only complete by learning the seeders from S1's PEX message (the
//! seeders cannot learn of it sooner: see the test).
//!
//! The private-torrent test talks to `btt-seed` as a hand-made peer: it
//! reads the extended handshake and offers a bait address over `ut_pex`; a
//! public torrent's seeder dials the bait, a private one neither advertises
//! `ut_pex` nor dials.

mod support;

use btt::peer::{
    read_handshake, write_handshake, ExtendedHandshake, Handshake, Message, MessageCodec, PexFlags,
    PexMessage, PexPeer, WireLimits, UT_PEX,
};
use btt::swarm::events::{PeersFound, Summary};
use btt::swarm::PeerSource;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::path::PathBuf;
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

/// A torrent of [`CONTENT`] under `data/`, `--private` or not.
struct Fixture {
    env: TestEnv,
    data: PathBuf,
    torrent: PathBuf,
}

impl Fixture {
    fn new(private: bool) -> Fixture {
        let env = TestEnv::new();
        let data = env.dir("data");
        make_tree(&data, CONTENT);
        let torrent = env.path().join("pex.torrent");
        let mut command = env.btt("btt-seed");
        command
            .arg("create")
            .arg(data.join("pex.bin"))
            .arg("-o")
            .arg(&torrent)
            .args(["--piece-length", PIECE_LENGTH]);
        if private {
            command.arg("--private");
        }
        env.spawn("btt-seed create", command)
            .wait_success(Duration::from_secs(30));
        Fixture { env, data, torrent }
    }

    fn seed(&self, name: &str) -> Seeder {
        let home = Home::new(&self.env, name);
        seed_in(
            &self.env,
            &home,
            &self.torrent,
            &self.data,
            &["--no-tracker"],
        )
    }

    fn get(&self, name: &str, extra: &[&str]) -> (Child, PathBuf) {
        let out = self.env.path().join(format!("out-{name}"));
        let home = Home::new(&self.env, name);
        (get_in(&self.env, &home, &self.torrent, &out, extra), out)
    }

    fn info_hash(&self) -> [u8; 20] {
        let bytes = std::fs::read(&self.torrent).expect("read the torrent");
        btt::metainfo::Torrent::from_bytes(&bytes)
            .expect("the torrent parses")
            .info_hash
            .0
    }
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

#[test]
fn a_leecher_that_knows_one_peer_learns_the_others_through_pex_and_downloads_from_them() {
    let fixture = Fixture::new(false);
    let mut first_seeder = fixture.seed("s2");
    let mut second_seeder = fixture.seed("s3");
    let (mut middle, _) = fixture.get(
        "s1",
        &[
            "--no-tracker",
            "--peer",
            &first_seeder.addr(),
            "--peer",
            &second_seeder.addr(),
            "--down-limit",
            "1",
        ],
    );
    let middle_addr = format!("127.0.0.1:{}", listening_port(&mut middle));
    // S1 tells each seeder about the other in its first PEX message; the
    // next may only follow a minute later. Waiting for both keeps the
    // seeders from learning the leecher (and dialling it) before the
    // leecher learns them.
    for seeder in [&mut first_seeder, &mut second_seeder] {
        seeder.child.read_json_line_until(DOWNLOAD, |record| {
            record["type"] == "peers_found" && typed::<PeersFound>(record).source == PeerSource::Pex
        });
    }

    let (mut leecher, out) = fixture.get("leecher", &["--no-tracker", "--peer", &middle_addr]);
    leecher.wait_success(DOWNLOAD);
    let summary: Summary = last_record(&leecher, "summary");
    assert!(summary.complete, "{}", leecher.diagnostics());
    assert_trees_equal(&fixture.data, &out);

    let found: Vec<PeersFound> = records_of(&leecher, "peers_found");
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

    let middle_summary = stop(&mut middle);
    assert_eq!(
        (middle_summary.downloaded, middle_summary.uploaded),
        (0, 0),
        "S1 had data to give: the test proves nothing\n{}",
        middle.diagnostics()
    );
    let uploaded = stop(&mut first_seeder.child).uploaded + stop(&mut second_seeder.child).uploaded;
    let total: u64 = tree_size(CONTENT);
    assert!(
        uploaded >= total,
        "the seeders uploaded {uploaded} of {total} bytes"
    );
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

    /// Sends a `ut_pex` message naming `bait` under extension id `id`.
    async fn offer(&mut self, id: u8, bait: SocketAddr) {
        let message = PexMessage {
            added: vec![PexPeer {
                addr: bait,
                flags: PexFlags::REACHABLE,
            }],
            dropped: Vec::new(),
        };
        let payload = message.to_payload();
        self.framed
            .send(Message::Extended { id, payload })
            .await
            .expect("send ut_pex");
    }
}

/// Whether a BitTorrent handshake for `info_hash` arrives at `bait` within `wait`.
async fn dialled_within(bait: &TcpListener, info_hash: [u8; 20], wait: Duration) -> bool {
    let Ok(accepted) = tokio::time::timeout(wait, bait.accept()).await else {
        return false;
    };
    let (mut stream, _) = accepted.expect("accept on the bait");
    let handshake = tokio::time::timeout(Duration::from_secs(10), read_handshake(&mut stream))
        .await
        .expect("a handshake within 10 s")
        .expect("a BitTorrent handshake");
    assert_eq!(handshake.info_hash, info_hash);
    true
}

/// Offers a bait address over `ut_pex` to a seeder of a public or private
/// torrent; returns whether the seeder advertised `ut_pex` and whether it
/// dialled the bait.
fn offer_bait(private: bool, wait: Duration) -> (bool, bool) {
    let fixture = Fixture::new(private);
    let seeder = fixture.seed("seeder");
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
        // Without an advertised id, try the ids another extension might hold.
        let ids = advertised.map_or(vec![1, 2, 3], |id| vec![id]);
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
