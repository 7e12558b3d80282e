//! An in-process swarm for unit tests: a [`Shared`] over a real 16-piece
//! torrent in a temporary directory, and test peers whose outboxes the test
//! reads, so each message a peer sends can be applied and every message the
//! swarm queues in reply can be checked, without sockets.

use super::choker::ChokerFactory;
use super::events::SwarmEvent;
use super::extension::Extension;
use super::peer_entry::{Outgoing, PeerOrigin};
use super::picker::{PeerKey, Picker};
use super::shared::Shared;
use super::{PeerBatch, SessionOptions};
use crate::bitfield::Bitfield;
use crate::metainfo::{create, CreateOptions, Torrent};
use crate::peer::{BlockRequest, Message};
use crate::rate::{Limits, RateLimiter};
use crate::storage::{Access, Storage};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

/// Bytes per piece of the test torrent.
pub(crate) const PIECE: u32 = 16 * 1024;
/// Pieces of the test torrent: more than a fast peer's allowed set.
pub(crate) const PIECES: usize = 16;
/// How long a test waits for a piece to be checked.
const CHECK_BOUND: Duration = Duration::from_secs(10);

/// How the test swarm starts.
pub(crate) struct SwarmSetup {
    pub(crate) seeding: bool,
    pub(crate) private: bool,
    pub(crate) choker: ChokerFactory,
    pub(crate) extensions: Vec<Extension>,
}

impl Default for SwarmSetup {
    fn default() -> SwarmSetup {
        SwarmSetup {
            seeding: true,
            private: false,
            choker: ChokerFactory::default(),
            extensions: Vec::new(),
        }
    }
}

/// A swarm and what it reports.
pub(crate) struct TestSwarm {
    pub(super) shared: Arc<Shared>,
    pub(crate) events: mpsc::UnboundedReceiver<SwarmEvent>,
    pub(crate) learned: mpsc::UnboundedReceiver<PeerBatch>,
    /// The content, as the torrent describes it.
    pub(crate) content: Vec<u8>,
    _dir: tempfile::TempDir,
}

/// One connected test peer.
pub(crate) struct TestPeer {
    pub(crate) key: PeerKey,
    outbox: mpsc::UnboundedReceiver<Outgoing>,
    /// Every piece the session asked this peer for, first request first.
    requested: Vec<u32>,
}

impl TestSwarm {
    /// A swarm of the test torrent: seeding it (content on disk and
    /// verified) or with nothing yet.
    pub(crate) fn start(setup: SwarmSetup) -> TestSwarm {
        let dir = tempfile::tempdir().unwrap();
        let content: Vec<u8> = (0..PIECE as usize * PIECES)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let source = dir.path().join("album");
        std::fs::write(&source, &content).unwrap();
        let torrent = Arc::new(test_torrent(&source, setup.private));
        let root = if setup.seeding {
            dir.path().to_path_buf()
        } else {
            std::fs::create_dir(dir.path().join("download")).unwrap();
            dir.path().join("download")
        };
        let layout = super::prepare::layout_of(&torrent).unwrap();
        let storage = Arc::new(Storage::open(&root, layout, Access::ReadWrite).unwrap());
        let have = if setup.seeding {
            Bitfield::full(PIECES)
        } else {
            Bitfield::new(PIECES)
        };
        let picker = Picker::new(
            PIECE,
            content.len() as u64,
            have,
            Bitfield::full(PIECES),
            false,
        );
        let options = options(dir.path(), setup.choker, setup.extensions);
        let (events, events_rx) = mpsc::unbounded_channel();
        let (new_peers, learned) = mpsc::unbounded_channel();
        let shared = Shared::new(torrent, storage, picker, options, events, new_peers);
        TestSwarm {
            shared: Arc::new(shared),
            events: events_rx,
            learned,
            content,
            _dir: dir,
        }
    }

    /// Registers a peer connected from `addr` (accepted, not dialled).
    pub(crate) fn connect(&self, addr: &str, id: u8, fast: bool) -> TestPeer {
        let origin = PeerOrigin {
            addr: addr.parse::<SocketAddr>().unwrap(),
            dialled: false,
            peer_id: [id; 20],
            fast,
        };
        let (outbox, outbox_rx) = mpsc::unbounded_channel();
        let (key, _) = self
            .shared
            .register(origin, outbox, CancellationToken::new())
            .expect("the test peer is admitted");
        TestPeer {
            key,
            outbox: outbox_rx,
            requested: Vec::new(),
        }
    }

    /// A piece `peer` may not request while choked (outside its allowed-fast set).
    pub(crate) fn not_allowed_fast(&self, peer: &TestPeer) -> u32 {
        let allowed = self.shared.lock().peers[&peer.key].allowed_fast.clone();
        (0..PIECES as u32)
            .find(|index| !allowed.contains(index))
            .expect("more pieces than the allowed-fast set")
    }

    /// Runs a rechoke now.
    pub(crate) fn rechoke(&self) {
        self.shared.rechoke();
    }

    /// Runs the once-a-second tick now.
    pub(crate) fn tick(&self) {
        self.shared.tick(std::time::Instant::now());
    }

    /// The peer's connection ends.
    pub(crate) fn disconnect(&self, peer: &TestPeer) {
        self.shared.unregister(peer.key);
    }

    /// Waits, up to 10 s, until piece `index` is verified. The swarm marks
    /// a piece had and tells its contributors' extensions in one hold of
    /// its lock, so once this sees the piece, they have been told.
    pub(crate) async fn until_verified(&self, index: u32) {
        let verified = async {
            while !self.shared.lock().picker.have().get(index as usize) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        if tokio::time::timeout(CHECK_BOUND, verified).await.is_err() {
            panic!("piece {index} was not verified within {CHECK_BOUND:?}");
        }
    }

    /// Waits, up to 10 s, until piece `index` fails its check (reading the
    /// swarm's events up to its `PieceFailed`). The swarm tells the
    /// contributors' extensions before it sends that event.
    pub(crate) async fn until_failed(&mut self, index: u32) {
        let failed = async {
            while let Some(event) = self.events.recv().await {
                if matches!(event, SwarmEvent::PieceFailed(ref failed) if failed.index == index) {
                    return true;
                }
            }
            false
        };
        let outcome = tokio::time::timeout(CHECK_BOUND, failed).await;
        assert!(
            outcome == Ok(true),
            "piece {index} did not fail within {CHECK_BOUND:?}"
        );
    }

    /// Applies a message from `peer`.
    pub(crate) fn receive(
        &self,
        peer: &TestPeer,
        message: Message,
    ) -> Result<(), super::PeerError> {
        self.shared.on_message(peer.key, message)
    }
}

impl TestPeer {
    /// The messages queued for this peer since the last call.
    pub(crate) fn messages(&mut self) -> Vec<Message> {
        self.drain()
            .into_iter()
            .filter_map(|item| match item {
                Outgoing::Message(message) => Some(message),
                _ => None,
            })
            .collect()
    }

    /// The uploads queued for this peer since the last call.
    pub(crate) fn uploads(&mut self) -> Vec<BlockRequest> {
        self.drain()
            .into_iter()
            .filter_map(|item| match item {
                Outgoing::Upload(request) => Some(request),
                _ => None,
            })
            .collect()
    }

    /// The uploads and the messages queued for this peer since the last call.
    pub(crate) fn uploads_and_messages(&mut self) -> (Vec<BlockRequest>, Vec<Message>) {
        let mut uploads = Vec::new();
        let mut messages = Vec::new();
        for item in self.drain() {
            match item {
                Outgoing::Upload(request) => uploads.push(request),
                Outgoing::Message(message) => messages.push(message),
                _ => {}
            }
        }
        (uploads, messages)
    }

    fn drain(&mut self) -> Vec<Outgoing> {
        let mut items = Vec::new();
        while let Ok(item) = self.outbox.try_recv() {
            if let Outgoing::Message(Message::Request(request)) = &item {
                if !self.requested.contains(&request.index) {
                    self.requested.push(request.index);
                }
            }
            items.push(item);
        }
        items
    }

    /// Every piece asked of this peer so far, in the order first asked
    /// (as far as its messages were read).
    pub(crate) fn requested(&self) -> Vec<u32> {
        self.requested.clone()
    }
}

fn test_torrent(source: &std::path::Path, private: bool) -> Torrent {
    let options = CreateOptions {
        piece_length: Some(PIECE),
        private,
        threads: 1,
        ..CreateOptions::of(source)
    };
    Torrent::from_bytes(&create(&options, &|_| {}).unwrap()).unwrap()
}

fn options(
    dir: &std::path::Path,
    choker: ChokerFactory,
    extensions: Vec<Extension>,
) -> SessionOptions {
    let unlimited = || Limits::new(None, Arc::new(RateLimiter::new(None)));
    SessionOptions {
        peer_id: [0xbb; 20],
        listen_port: 6881,
        peers: Vec::new(),
        use_trackers: false,
        max_peers: 50,
        connection_slots: Arc::new(Semaphore::new(50)),
        upload_limits: unlimited(),
        download_limits: unlimited(),
        hash_threads: 1,
        resume_path: dir.join("resume"),
        wanted: Bitfield::full(PIECES),
        sequential: false,
        choker,
        extensions,
        encryption: crate::peer::EncryptionPolicy::Prefer,
        transport: super::PeerTransport::tcp(),
        announce_pacer: Arc::default(),
    }
}

/// A request for block `begin` of piece `index`.
pub(crate) fn request(index: u32, begin: u32) -> BlockRequest {
    BlockRequest {
        index,
        begin,
        length: 16 * 1024,
    }
}
