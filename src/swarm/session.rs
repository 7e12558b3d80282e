//! A running torrent: starts the shared state, the once-a-second ticker
//! (rates, progress, snubbing, extension ticks, rechoke every 10 s, resume saves), the
//! announcer, the dialer and the web seeds' workers, and stops them all cleanly.

use super::announce::announce_loop;
use super::announce_pacing::AnnouncePacer;
use super::choker::{ChokerFactory, RECHOKE_INTERVAL};
use super::connection;
use super::events::{PeersFound, Progress, SwarmEvent};
use super::extension::Extension;
use super::picker::Picker;
use super::shared::Shared;
use super::transport::{PeerSocket, PeerTransport};
use super::web_seed::spawn_web_seeds;
use super::{PeerBatch, PeerSource};
use crate::bitfield::Bitfield;
use crate::dht::PeerSink;
use crate::metainfo::Torrent;
use crate::peer::{EncryptionPolicy, Handshake, PeerStream};
use crate::rate::Limits;
use crate::storage::{ResumeState, Storage, StorageError};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

/// How often progress is reported and rates are updated.
const TICK: Duration = Duration::from_secs(1);
/// How often verified pieces are written to the resume file.
const RESUME_SAVE_INTERVAL: Duration = Duration::from_secs(15);
/// How often known but unconnected peers are dialled again.
const REDIAL_INTERVAL: Duration = Duration::from_secs(15);

/// How a torrent runs.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Our peer id.
    pub peer_id: [u8; 20],
    /// The port we accept peers on, as announced.
    pub listen_port: u16,
    /// Peers to dial besides those the trackers return (`--peer`).
    pub peers: Vec<SocketAddr>,
    /// Whether to announce to the torrent's trackers.
    pub use_trackers: bool,
    /// The most peers connected at once to this torrent.
    pub max_peers: usize,
    /// Connection slots shared by every torrent of the process; a peer
    /// connection holds one from dial or accept to its end.
    pub connection_slots: Arc<Semaphore>,
    /// Upload limits (this torrent's and the process's).
    pub upload_limits: Limits,
    /// Download limits (this torrent's and the process's).
    pub download_limits: Limits,
    /// Threads that hash pieces.
    pub hash_threads: usize,
    /// Where verified pieces are recorded.
    pub resume_path: PathBuf,
    /// Pieces to download.
    pub wanted: Bitfield,
    /// Fetch pieces in order.
    pub sequential: bool,
    /// The unchoke strategy (tit-for-tat unless a market replaces it).
    pub choker: ChokerFactory,
    /// Extensions offered besides the built-in `ut_metadata` and `ut_pex`.
    pub extensions: Vec<Extension>,
    /// Whether peers we dial are offered encryption, or required to take it.
    pub encryption: EncryptionPolicy,
    /// The transports peers are dialled over (TCP, uTP).
    pub transport: PeerTransport,
    /// Spreads the first announces of the process's torrents.
    pub announce_pacer: Arc<AnnouncePacer>,
}

/// Counters of a running torrent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionStats {
    /// Verified bytes received this run.
    pub downloaded: u64,
    /// Bytes sent this run.
    pub uploaded: u64,
    /// Wanted bytes not yet verified.
    pub left: u64,
    /// Whether every wanted piece is verified.
    pub complete: bool,
    /// Peers connected now.
    pub peers: usize,
}

/// A torrent's own rate limits, in bytes per second (`None`: none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TorrentLimits {
    /// Upload.
    pub upload: Option<u64>,
    /// Download.
    pub download: Option<u64>,
}

/// A torrent being downloaded or seeded.
pub struct Session {
    shared: Arc<Shared>,
    tasks: std::sync::Mutex<Option<JoinSet<()>>>,
    previous_upload: u64,
    previous_download: u64,
}

impl Session {
    /// Starts a torrent with the pieces in `have` already verified.
    pub fn start(
        torrent: Arc<Torrent>,
        storage: Arc<Storage>,
        have: Bitfield,
        resume: Option<&ResumeState>,
        options: SessionOptions,
        events: mpsc::UnboundedSender<SwarmEvent>,
    ) -> Session {
        let picker = Picker::new(
            torrent.info.piece_length,
            torrent.info.total_length,
            have,
            options.wanted.clone(),
            options.sequential,
        );
        let (new_peers, new_peers_receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(
            torrent, storage, picker, options, events, new_peers,
        ));
        let mut tasks = JoinSet::new();
        tasks.spawn(tick_loop(Arc::clone(&shared)));
        tasks.spawn(dial_loop(Arc::clone(&shared), new_peers_receiver));
        if shared.options.use_trackers {
            tasks.spawn(announce_loop(Arc::clone(&shared)));
        }
        spawn_web_seeds(&shared, &mut tasks);
        Session {
            shared,
            tasks: std::sync::Mutex::new(Some(tasks)),
            previous_upload: resume.map_or(0, |state| state.uploaded),
            previous_download: resume.map_or(0, |state| state.downloaded),
        }
    }

    /// The torrent's info-hash.
    pub fn info_hash(&self) -> [u8; 20] {
        self.shared.info_hash
    }

    /// Every 20-byte hash peers may name this torrent by (both of a hybrid).
    pub fn swarm_hashes(&self) -> Vec<[u8; 20]> {
        let hashes = self.shared.torrent.info_hashes().swarm_hashes();
        hashes.into_iter().map(|hash| hash.0).collect()
    }

    /// Hands over an incoming connection whose handshake named this torrent
    /// (by either hash of a hybrid: the answer names the same one).
    pub fn accept(&self, stream: PeerStream<PeerSocket>, addr: SocketAddr, theirs: Handshake) {
        if !self.shared.may_connect(addr) {
            return;
        }
        let slots = Arc::clone(&self.shared.options.connection_slots);
        if let Ok(slot) = slots.try_acquire_owned() {
            tokio::spawn(connection::accept(
                Arc::clone(&self.shared),
                stream,
                addr,
                theirs,
                slot,
            ));
        }
    }

    /// Adds peer addresses learned outside the session (DHT, magnet hints);
    /// the dialer tries the new ones at once.
    pub fn add_peers(&self, batch: PeerBatch) {
        let _ = self.shared.new_peers.send(batch);
    }

    /// The counters now.
    pub fn stats(&self) -> SessionStats {
        let state = self.shared.lock();
        SessionStats {
            downloaded: self.shared.downloaded.load(Ordering::Relaxed),
            uploaded: self.shared.uploaded.load(Ordering::Relaxed),
            left: state.picker.bytes_left(),
            complete: state.picker.is_done(),
            peers: state.peers.len(),
        }
    }

    /// Changes this torrent's own upload and download limits (bytes per
    /// second, `None`: none) while it runs.
    pub fn set_limits(&self, limits: TorrentLimits) {
        let options = &self.shared.options;
        options.upload_limits.set_torrent_rate(limits.upload);
        options.download_limits.set_torrent_rate(limits.download);
    }

    /// This torrent's own limits now.
    pub fn limits(&self) -> TorrentLimits {
        let options = &self.shared.options;
        TorrentLimits {
            upload: options.upload_limits.torrent_rate(),
            download: options.download_limits.torrent_rate(),
        }
    }

    /// How many pieces are verified.
    pub fn have_pieces(&self) -> usize {
        self.shared.lock().picker.have().count()
    }

    /// Whether piece `index` is verified (and written).
    pub fn has_piece(&self, index: u32) -> bool {
        self.shared.lock().picker.have().get(index as usize)
    }

    /// Upload over download across every run on this data (resume counters included).
    pub fn ratio(&self) -> f64 {
        let stats = self.stats();
        let uploaded = self.previous_upload + stats.uploaded;
        let downloaded =
            (self.previous_download + stats.downloaded).max(self.shared.torrent.info.total_length);
        uploaded as f64 / downloaded.max(1) as f64
    }

    /// Waits until every wanted piece is verified.
    pub async fn wait_complete(&self) {
        let mut complete = self.shared.complete.subscribe();
        let _ = complete.wait_for(|done| *done).await;
    }

    /// Waits until the session fails (a storage error); returns why.
    pub async fn wait_failure(&self) -> String {
        let mut failure = self.shared.failure.subscribe();
        let message = match failure.wait_for(Option::is_some).await {
            Ok(message) => message.clone(),
            Err(_) => None,
        };
        match message {
            Some(message) => message,
            None => std::future::pending().await,
        }
    }

    /// Stops every task, sends the `stopped` announce and saves resume
    /// state. Calling it again only saves again.
    pub async fn stop(&self) -> Result<(), StorageError> {
        self.shared.shutdown.cancel();
        let tasks = crate::sync::lock(&self.tasks).take();
        if let Some(mut tasks) = tasks {
            let deadline = tokio::time::sleep(Duration::from_secs(5));
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    next = tasks.join_next() => if next.is_none() { break },
                    _ = &mut deadline => { tasks.abort_all(); break }
                }
            }
        }
        save_resume(&self.shared, self.previous_upload, self.previous_download).await
    }
}

async fn tick_loop(shared: Arc<Shared>) {
    let mut ticker = tokio::time::interval(TICK);
    let mut last_rechoke = Instant::now();
    let mut last_save = Instant::now();
    let mut last_progress = None;
    loop {
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let now = Instant::now();
        shared.tick(now);
        let asked = shared.rechoke_soon.swap(false, Ordering::Relaxed);
        if asked || now.duration_since(last_rechoke) >= RECHOKE_INTERVAL {
            shared.rechoke();
            last_rechoke = now;
        }
        let progress = progress_of(&shared);
        if last_progress.as_ref() != Some(&progress) {
            shared.emit(SwarmEvent::Progress(progress.clone()));
            last_progress = Some(progress);
        }
        if now.duration_since(last_save) >= RESUME_SAVE_INTERVAL
            && shared.resume_dirty.swap(false, Ordering::Relaxed)
        {
            if let Err(error) = save_resume(&shared, 0, 0).await {
                shared.fail(format!("could not save resume state: {error}"));
            }
            last_save = now;
        }
    }
}

fn progress_of(shared: &Shared) -> Progress {
    let state = shared.lock();
    let (peer_rate, upload_rate) = state.peers.values().fold((0, 0), |(down, up), peer| {
        (down + peer.download.rate(), up + peer.upload.rate())
    });
    let web_seed_rate: u64 = state.web_seeds.values().map(|s| s.download.rate()).sum();
    let download_rate = peer_rate + web_seed_rate;
    Progress {
        info_hash: shared.info_hash_hex.clone(),
        downloaded: shared.downloaded.load(Ordering::Relaxed),
        uploaded: shared.uploaded.load(Ordering::Relaxed),
        left: state.picker.bytes_left(),
        have_pieces: state.picker.have().count(),
        peers: state.peers.len(),
        download_rate,
        upload_rate,
    }
}

/// Flushes written pieces and records them, with lifetime counters.
async fn save_resume(
    shared: &Arc<Shared>,
    previous_upload: u64,
    previous_download: u64,
) -> Result<(), StorageError> {
    let have = shared.lock().picker.have().clone();
    let storage = Arc::clone(&shared.storage);
    let info_hash = shared.info_hash;
    let path = shared.options.resume_path.clone();
    let uploaded = previous_upload + shared.uploaded.load(Ordering::Relaxed);
    let downloaded = previous_download + shared.downloaded.load(Ordering::Relaxed);
    tokio::task::spawn_blocking(move || {
        storage.sync_all()?;
        ResumeState::capture(&storage, info_hash, have, uploaded, downloaded)?.save(&path)
    })
    .await
    .unwrap_or(Ok(()))
}

/// Peers we know of and when each may be dialled next.
pub(super) type KnownPeers = HashMap<SocketAddr, Instant>;

async fn dial_loop(shared: Arc<Shared>, mut new_peers: mpsc::UnboundedReceiver<PeerBatch>) {
    let mut known = KnownPeers::new();
    if !shared.options.peers.is_empty() {
        let manual = PeerBatch::new(PeerSource::Manual, shared.options.peers.clone());
        learn(&shared, &mut known, manual);
    }
    let mut redial = tokio::time::interval(REDIAL_INTERVAL);
    loop {
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = redial.tick() => {}
            Some(batch) = new_peers.recv() => learn(&shared, &mut known, batch),
        }
        dial_due(&shared, &mut known);
    }
}

/// Adds a batch to the known peers and reports it.
fn learn(shared: &Shared, known: &mut KnownPeers, batch: PeerBatch) {
    let found = batch.addrs.len();
    let mut new = 0;
    for addr in batch.addrs {
        if let std::collections::hash_map::Entry::Vacant(entry) = known.entry(addr) {
            entry.insert(Instant::now());
            new += 1;
        }
    }
    shared.emit(SwarmEvent::PeersFound(PeersFound {
        info_hash: shared.info_hash_hex.clone(),
        source: batch.source,
        found,
        new,
        known: known.len(),
    }));
}

fn dial_due(shared: &Arc<Shared>, known: &mut KnownPeers) {
    let now = Instant::now();
    for (addr, next_attempt) in known.iter_mut() {
        if *next_attempt > now || !shared.may_connect(*addr) {
            continue;
        }
        let slots = Arc::clone(&shared.options.connection_slots);
        let Ok(slot) = slots.try_acquire_owned() else {
            return;
        };
        *next_attempt = now + REDIAL_INTERVAL;
        shared.dialling(*addr, false);
        tokio::spawn(connection::dial(Arc::clone(shared), *addr, slot));
    }
}

/// A session takes the peers its DHT lookups find.
impl PeerSink for Arc<Session> {
    fn deliver(&self, batch: PeerBatch) -> bool {
        self.add_peers(batch);
        true
    }
}
