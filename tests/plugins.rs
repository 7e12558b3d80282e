//! The swarm's seams, used from outside the crate: a choker strategy and a
//! BEP 10 extension written in this file plug into a library `Session`
//! through `SessionOptions`, with no change to `src/swarm/`, and a real
//! `btt-get` on loopback sees what they decide.

use crate::support;

use btt::bencode::Bencode;
use btt::metainfo::Torrent;
use btt::peer::{generate_peer_id, BlockRequest, EncryptionPolicy, ExtendedHandshake};
use btt::rate::{Limits, RateLimiter};
use btt::swarm::listener::{self, Registry};
use btt::swarm::picker::PeerKey;
use btt::swarm::prepare::{prepare, PrepareOptions};
use btt::swarm::{
    ChokeCandidate, Choker, ChokerFactory, Extension, ExtensionPeer, OptimisticSlot, PeerError,
    PricePerMib, SessionExtension, SessionOptions, UnchokePlan, UploadSlot,
};
use btt::swarm::{PeerTransport, Session, SessionStats};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{
    assert_trees_equal, exit_code, get_in, listening_port, make_tree, BttSeed, Home, TestEnv,
};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Semaphore};

/// A strategy that never unchokes anyone and refuses every request, the
/// allowed-fast pieces a choked peer may ask for included.
struct ServeNobody;

impl Choker for ServeNobody {
    fn plan(&mut self, _: &[ChokeCandidate], _: bool, _: Instant) -> UnchokePlan {
        UnchokePlan::default()
    }

    fn unchoke_on_interest(&mut self, _: &ChokeCandidate, _: usize) -> bool {
        false
    }

    fn admit_request(&mut self, _: PeerKey, _: &BlockRequest) -> bool {
        false
    }
}

/// Sells every regular slot at a fixed price to peers that announced the
/// `x_pay` extension, and keeps the shared optimistic slot for the rest.
struct SellToPayers {
    optimistic: OptimisticSlot,
}

impl Choker for SellToPayers {
    fn plan(&mut self, candidates: &[ChokeCandidate], _: bool, now: Instant) -> UnchokePlan {
        let interested = candidates.iter().filter(|c| c.interested);
        let (payers, free): (Vec<_>, Vec<_>) = interested.partition(|c| c.offer.is_some());
        let free: Vec<_> = free.iter().map(|c| c.peer).collect();
        UnchokePlan {
            regular: payers.iter().map(|c| (c.peer, c.offer)).collect(),
            optimistic: self.optimistic.choose(&free, now),
        }
    }

    fn unchoke_on_interest(&mut self, _: &ChokeCandidate, _: usize) -> bool {
        false
    }
}

/// An extension that announces an ask in our handshake, records an offer
/// for peers that announce `x_pay`, and counts the slots it is told of.
struct Pay {
    priced_slots: Arc<AtomicU64>,
}

impl SessionExtension for Pay {
    type Peer = ();

    fn name(&self) -> &'static str {
        "x_pay"
    }

    fn new_peer(&self, _: &ExtensionPeer<'_>, _: Instant) {}

    fn handshake_fields(&self, _: &Torrent, handshake: &mut ExtendedHandshake) {
        handshake.extra.insert("x_ask".into(), Bencode::Int(3));
    }

    fn on_handshake(&self, peer: &mut ExtensionPeer<'_>, _: &mut (), _: &ExtendedHandshake) {
        if peer.supported() {
            peer.set_offer(Some(PricePerMib(3)));
        }
    }

    fn on_message(&self, _: &mut ExtensionPeer<'_>, _: &mut (), _: &[u8]) -> Result<(), PeerError> {
        Ok(())
    }

    fn on_slot(&self, _: &mut ExtensionPeer<'_>, _: &mut (), slot: UploadSlot) {
        if let UploadSlot::Regular { price: Some(_) } = slot {
            self.priced_slots.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A library session of `torrent` with its content under `data` (all of
/// it, or none for a leecher), which dials `peer`.
fn seeding_session(
    torrent: &Path,
    data: &Path,
    home: &Path,
    peer: SocketAddr,
    choker: ChokerFactory,
    extensions: Vec<Extension>,
) -> Session {
    let torrent = Arc::new(Torrent::from_bytes(&std::fs::read(torrent).unwrap()).unwrap());
    let resume_path = home.join("library-session.resume");
    let prepared = prepare(
        &torrent,
        &PrepareOptions {
            root: data.to_path_buf(),
            resume_path: resume_path.clone(),
            selection: None,
            force_recheck: true,
            threads: 1,
        },
        &|_| {},
    )
    .unwrap();
    let unlimited = || Limits::new(None, Arc::new(RateLimiter::new(None)));
    let options = SessionOptions {
        peer_id: generate_peer_id(),
        listen_port: 1,
        peers: vec![peer],
        use_trackers: false,
        max_peers: 10,
        connection_slots: Arc::new(Semaphore::new(10)),
        upload_limits: unlimited(),
        download_limits: unlimited(),
        hash_threads: 1,
        resume_path,
        wanted: prepared.wanted,
        sequential: false,
        choker,
        extensions,
        encryption: EncryptionPolicy::Prefer,
        transport: PeerTransport::tcp(),
    };
    let (events, _) = mpsc::unbounded_channel();
    Session::start(
        torrent,
        Arc::new(prepared.storage),
        prepared.have,
        None,
        options,
        events,
    )
}

/// A seeded 2 MiB album and its torrent.
fn album(env: &TestEnv) -> (std::path::PathBuf, std::path::PathBuf) {
    let data = env.dir("data");
    make_tree(
        &data,
        &[("album/a.flac", 1 << 20), ("album/b.flac", 1 << 20)],
    );
    let torrent = env.path().join("album.torrent");
    BttSeed::create(
        env,
        &data.join("album"),
        &torrent,
        "http://127.0.0.1:1/announce",
    );
    (data, torrent)
}

/// Runs `btt-get` (which gives up after `stall_timeout` without data)
/// against a library session with `choker` and `extensions`; returns btt-get's exit status, the session's counters and the output dir.
fn leech_from_library_session(
    env: &TestEnv,
    choker: ChokerFactory,
    extensions: Vec<Extension>,
    stall_timeout: &str,
) -> (i32, SessionStats, std::path::PathBuf) {
    let (data, torrent) = album(env);
    let out = env.dir("out");
    let home = Home::new(env, "leecher");
    let flags = ["--no-tracker", "--stall-timeout", stall_timeout];
    let mut leecher = get_in(env, &home, &torrent, &out, &flags);
    let port = listening_port(&mut leecher);
    let leecher_addr = SocketAddr::from(([127, 0, 0, 1], port));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seeder_home = env.dir("seeder");
    let session = runtime.block_on(async {
        seeding_session(
            &torrent,
            &data,
            &seeder_home,
            leecher_addr,
            choker,
            extensions,
        )
    });
    let status = exit_code(&mut leecher, Duration::from_secs(60));
    let stats = session.stats();
    runtime.block_on(session.stop()).unwrap();
    (status, stats, data.join("album"))
}

#[test]
fn a_choker_written_outside_the_swarm_that_serves_nobody_is_obeyed() {
    let env = TestEnv::new();
    let nobody = ChokerFactory::new(|| Box::new(ServeNobody));
    let (status, stats, _) = leech_from_library_session(&env, nobody, Vec::new(), "4s");
    assert_eq!(status, 4, "btt-get stalls and gives up");
    assert_eq!(stats.uploaded, 0);
}

fn seller() -> ChokerFactory {
    ChokerFactory::new(|| {
        Box::new(SellToPayers {
            optimistic: OptimisticSlot::default(),
        })
    })
}

#[test]
fn a_plain_client_downloads_on_the_optimistic_slot_of_a_choker_that_sells_the_rest() {
    let env = TestEnv::new();
    let priced_slots = Arc::new(AtomicU64::new(0));
    let pay = Extension::new(Pay {
        priced_slots: Arc::clone(&priced_slots),
    });
    let (status, stats, content) = leech_from_library_session(&env, seller(), vec![pay], "40s");
    assert_eq!(status, 0, "btt-get completes");
    assert_eq!(stats.uploaded, 2 << 20);
    assert_trees_equal(&content, &env.path().join("out/album"));
    assert_eq!(
        priced_slots.load(Ordering::Relaxed),
        0,
        "btt-get does not speak x_pay, so it downloads on the free optimistic slot"
    );
}

#[test]
fn a_peer_that_speaks_the_extension_gets_a_priced_regular_slot() {
    let env = TestEnv::new();
    let (data, torrent) = album(&env);
    let out = env.dir("out");
    let priced_slots = Arc::new(AtomicU64::new(0));
    let pay = || {
        Extension::new(Pay {
            priced_slots: Arc::clone(&priced_slots),
        })
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (leecher, seeder) = runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let leecher_addr = listener.local_addr().unwrap();
        let leecher = Arc::new(seeding_session(
            &torrent,
            &out,
            &env.dir("leecher"),
            leecher_addr,
            ChokerFactory::default(),
            vec![pay()],
        ));
        let registry = Registry::default();
        registry.insert(Arc::clone(&leecher));
        tokio::spawn(listener::serve(
            vec![listener],
            None,
            registry,
            EncryptionPolicy::Prefer,
        ));
        let seeder = seeding_session(
            &torrent,
            &data,
            &env.dir("seeder"),
            leecher_addr,
            seller(),
            vec![pay()],
        );
        (leecher, seeder)
    });
    let completed = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), leecher.wait_complete()).await
    });
    let uploaded = seeder.stats().uploaded;
    runtime.block_on(async {
        seeder.stop().await.unwrap();
        leecher.stop().await.unwrap();
    });
    assert!(
        completed.is_ok(),
        "the paying leecher completes within 60 s"
    );
    assert_eq!(uploaded, 2 << 20);
    assert_trees_equal(&data.join("album"), &out.join("album"));
    assert!(
        priced_slots.load(Ordering::Relaxed) >= 1,
        "the seller's extension hears of the priced slot before the unchoke"
    );
}
