//! A process's swarm client: the TCP listeners (one address, or one IPv4
//! and one IPv6 listener on the same port) and the uTP socket on the same
//! port number ([`super::transport`]), the DHT node, the
//! connection slots and the process-wide rate limits that its torrents
//! share, and the sessions it runs. `btt-get`, `btt-seed run` and (later)
//! `btt-bid quote` each build one [`Client`] and add torrents to it. The
//! caller prints: it gets plain values back (the bound address, the DHT
//! node and its warnings, what stopping saved).
//!
//! Invariants:
//! - every session of a client has the same peer id, listen port,
//!   connection slots and process-wide limiters, and [`SessionOptions`] are
//!   built here only;
//! - a torrent is in the listener's registry (under both hashes of a
//!   hybrid), and has DHT lookups (a public torrent added while the node
//!   runs; one per swarm hash), exactly while it is added;
//! - the TCP listeners and the uTP socket share one port number, and the
//!   DHT node shares the uTP socket ([`super::udp_port`]) unless
//!   `--dht-listen` names an address of its own (or uTP is off, or the
//!   socket has no IPv4 side: then it binds the listen port itself);
//! - incoming connections wait in the listen backlog until
//!   [`Client::accept_peers`], so a peer that arrives while a torrent is
//!   still being prepared is served once it is added, not turned away (a
//!   magnet download accepts from the start of its metadata phase, whose
//!   connections go to [`Client::incoming_peers`]);
//! - [`Client::stop`] stops every session and the DHT node at once: saving
//!   the routing table waits on the DHT crate's actor poll, and the
//!   sessions' stopped announces and resume saves need not wait for it.

use super::announce_pacing::AnnouncePacer;
use super::events::SwarmEvent;
use super::listener::{self, IncomingPeer, Registry};
use super::prepare::Prepared;
use super::transport::{PeerTransport, UtpMode};
use super::{ChokerFactory, Extension, PeerBatch, Session, SessionOptions};
use crate::bitfield::Bitfield;
use crate::dht::{DhtError, DhtNode, DhtOptions, LookupRequest};
use crate::metainfo::{InfoHash, Torrent};
use crate::peer::EncryptionPolicy;
use crate::rate::{Limits, RateLimiter};
use crate::storage::StorageError;
use socket2::{Domain, Protocol, Socket, Type};
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::{CancellationToken, DropGuard};

/// The port tried first when no listen address is given, and how many after it.
const DEFAULT_PORT: u16 = 6881;
const DEFAULT_PORT_TRIES: u16 = 9;

/// Connections waiting in each listener's queue until they are accepted.
const LISTEN_BACKLOG: i32 = 1024;

/// Why a client could not start or join the DHT.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The peer listener could not be bound to the address asked for.
    #[error("could not listen on {addr}")]
    Listen {
        /// The requested address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// No port from the default range, nor any other, could be bound.
    #[error("could not listen on any port")]
    ListenAnyPort {
        /// Why the last attempt failed.
        source: std::io::Error,
    },
    /// The bound listener's address could not be read.
    #[error("could not read the peer listener's address")]
    LocalAddr {
        /// Why.
        source: std::io::Error,
    },
    /// The DHT node could not start.
    #[error(transparent)]
    Dht(#[from] DhtError),
}

/// What every torrent of a process shares.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Where to accept peers; `None` takes the first free port from 6881
    /// on every IPv4 and every IPv6 address (IPv4 only on a host without
    /// IPv6), else any free port.
    pub listen: Option<SocketAddr>,
    /// Our peer id, the same for every torrent.
    pub peer_id: [u8; 20],
    /// Upload limit of the whole process, bytes per second.
    pub upload_limit: Option<u64>,
    /// Download limit of the whole process, bytes per second.
    pub download_limit: Option<u64>,
    /// The most peer connections at once, over every torrent.
    pub max_connections: usize,
    /// Threads that hash pieces.
    pub hash_threads: usize,
    /// Encryption of the connections we dial and accept (MSE/PE).
    pub encryption: EncryptionPolicy,
    /// Whether connections run over uTP as well as TCP, or only.
    pub utp: UtpMode,
}

/// How the client's DHT node starts.
#[derive(Debug, Clone)]
pub struct DhtSettings {
    /// The node's UDP address; `None` takes the peer listener's address and
    /// port (IPv4), or any free port on it, and answers queries only once
    /// the crate sees that it is reachable.
    pub listen: Option<SocketAddr>,
    /// `HOST:PORT` nodes to join through (see [`crate::dht::bootstrap`]).
    pub bootstrap: Vec<String>,
    /// Where the routing table is kept between runs.
    pub routing_table_path: PathBuf,
}

/// How one torrent runs in the client.
#[derive(Debug, Clone)]
pub struct TorrentOptions {
    /// Peers to dial besides those the trackers and the DHT return.
    pub peers: Vec<SocketAddr>,
    /// Peers found before the session existed (a magnet's metadata phase),
    /// handed to it before any DHT lookup starts.
    pub found_peers: Vec<PeerBatch>,
    /// Whether to announce to the torrent's trackers.
    pub use_trackers: bool,
    /// The most peers connected at once to this torrent.
    pub max_peers: usize,
    /// This torrent's upload limit, bytes per second, under the process's.
    pub upload_limit: Option<u64>,
    /// This torrent's download limit, bytes per second, under the process's.
    pub download_limit: Option<u64>,
    /// Where verified pieces are recorded.
    pub resume_path: PathBuf,
    /// Fetch pieces in order.
    pub sequential: bool,
    /// The unchoke strategy (tit-for-tat unless a market replaces it).
    pub choker: ChokerFactory,
    /// The percentage of the upload limit free peers keep while paid slots
    /// send (100: no split).
    pub free_share: u8,
    /// Extensions offered besides the built-in `ut_metadata` and `ut_pex`.
    pub extensions: Vec<Extension>,
}

/// A torrent just added: its session and the events it reports.
pub struct AddedTorrent {
    /// The running session.
    pub session: Arc<Session>,
    /// Its events, for the caller to print.
    pub events: mpsc::UnboundedReceiver<SwarmEvent>,
}

/// What [`Client::stop`] did.
#[derive(Debug)]
pub struct Stopped {
    /// The resume save of each torrent still added at the stop.
    pub resume_saves: Vec<Result<(), StorageError>>,
    /// Why the DHT routing table was not saved, if it was not.
    pub dht: Option<DhtError>,
}

/// One added torrent: its session, and its DHT lookups (one per swarm
/// hash: two for a hybrid) while the guards live.
struct Entry {
    session: Arc<Session>,
    dht_lookups: Vec<DropGuard>,
}

/// The listener, the DHT node, the shared limits and the sessions of one process.
pub struct Client {
    options: ClientOptions,
    listen_addr: SocketAddr,
    listeners: Vec<TcpListener>,
    transport: PeerTransport,
    server: Option<JoinHandle<()>>,
    registry: Registry,
    torrents: HashMap<[u8; 20], Entry>,
    dht: Option<DhtNode>,
    connection_slots: Arc<Semaphore>,
    upload: Arc<RateLimiter>,
    download: Arc<RateLimiter>,
    announce_pacer: Arc<AnnouncePacer>,
}

impl Client {
    /// Binds the peer listeners and the uTP socket; peers are accepted
    /// from [`Client::accept_peers`] on.
    pub async fn start(options: ClientOptions) -> Result<Client, ClientError> {
        let (listeners, transport) = bind_peer_sockets(options.listen, options.utp).await?;
        let listen_addr = match (listeners.first(), transport.utp_addr()) {
            (Some(listener), _) => listener.local_addr(),
            (None, Some(utp)) => Ok(as_ipv4_if_every_address(utp)),
            (None, None) => Err(std::io::ErrorKind::NotConnected.into()),
        }
        .map_err(|source| ClientError::LocalAddr { source })?;
        Ok(Client {
            listen_addr,
            listeners,
            transport,
            server: None,
            registry: Registry::default(),
            torrents: HashMap::new(),
            dht: None,
            connection_slots: Arc::new(Semaphore::new(options.max_connections)),
            upload: Arc::new(RateLimiter::new(options.upload_limit)),
            download: Arc::new(RateLimiter::new(options.download_limit)),
            announce_pacer: Arc::default(),
            options,
        })
    }

    /// The first bound peer listener's address (the IPv4 one when there
    /// are two; the uTP socket's under `--utp only`); every listener and
    /// the uTP socket have its port.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen_addr
    }

    /// How connections are dialled and accepted: the uTP mode and socket.
    pub fn transport(&self) -> &PeerTransport {
        &self.transport
    }

    /// Our peer id.
    pub fn peer_id(&self) -> [u8; 20] {
        self.options.peer_id
    }

    /// The encryption policy of every connection.
    pub fn encryption(&self) -> EncryptionPolicy {
        self.options.encryption
    }

    /// The DHT node, once started.
    pub fn dht(&self) -> Option<&DhtNode> {
        self.dht.as_ref()
    }

    /// Starts the DHT node unless it runs already, and returns it. Public
    /// torrents added from now on look their peers up on it.
    pub async fn start_dht(&mut self, settings: &DhtSettings) -> Result<&DhtNode, ClientError> {
        let node = match self.dht.take() {
            Some(node) => node,
            None => start_dht_node(settings, self.listen_addr, &self.transport).await?,
        };
        Ok(self.dht.insert(node))
    }

    /// Starts a session for a prepared torrent, serves it to incoming peers
    /// and, when it is public and the DHT node runs, looks its peers up and
    /// announces our port there until it is removed. A torrent is added
    /// once: the caller's state lock keeps a second run of the same data out.
    pub fn add_torrent(
        &mut self,
        torrent: Arc<Torrent>,
        prepared: Prepared,
        mut options: TorrentOptions,
    ) -> AddedTorrent {
        let (events, events_receiver) = mpsc::unbounded_channel();
        let private = torrent.info.private;
        let found_peers = std::mem::take(&mut options.found_peers);
        let session = Arc::new(Session::start(
            torrent,
            Arc::new(prepared.storage),
            prepared.have,
            prepared.resume.as_ref(),
            self.session_options(options, prepared.wanted),
            events,
        ));
        for batch in found_peers {
            session.add_peers(batch);
        }
        self.register(&session, private);
        AddedTorrent {
            session,
            events: events_receiver,
        }
    }

    /// Puts a new session in the listener's registry and starts its DHT lookup.
    fn register(&mut self, session: &Arc<Session>, private: bool) {
        self.registry.insert(Arc::clone(session));
        let dht_lookups = match self.dht.as_ref().filter(|_| !private) {
            Some(dht) => session
                .swarm_hashes()
                .into_iter()
                .map(|hash| look_up(dht, session, hash, self.listen_addr.port()))
                .collect(),
            None => Vec::new(),
        };
        let entry = Entry {
            session: Arc::clone(session),
            dht_lookups,
        };
        self.torrents.insert(session.info_hash(), entry);
    }

    /// Starts handing incoming connections to the added torrents (a second
    /// call does nothing).
    pub fn accept_peers(&mut self) {
        if self.server.is_none() {
            let listeners = std::mem::take(&mut self.listeners);
            let registry = self.registry.clone();
            let encryption = self.options.encryption;
            let utp = self.transport.utp_socket();
            self.server = Some(tokio::spawn(listener::serve(
                listeners, utp, registry, encryption,
            )));
        }
    }

    /// Hands incoming connections that name one of `hashes` (a magnet's,
    /// while its metadata is fetched) to the returned receiver, once
    /// [`Client::accept_peers`] runs, until it is dropped or the torrent is added.
    pub fn incoming_peers(&self, hashes: &[InfoHash]) -> mpsc::UnboundedReceiver<IncomingPeer> {
        self.registry.wait_for_peers(hashes)
    }

    /// Stops serving a torrent to incoming peers and ends its DHT lookups;
    /// the caller stops its session. Returns it, if it was added.
    pub fn remove_torrent(&mut self, info_hash: &[u8; 20]) -> Option<Arc<Session>> {
        self.registry.remove(info_hash);
        self.torrents.remove(info_hash).map(|entry| entry.session)
    }

    /// Stops accepting peers, then stops every added torrent's session and
    /// the DHT node together.
    pub async fn stop(mut self) -> Stopped {
        if let Some(server) = self.server.take() {
            server.abort();
        }
        let mut sessions = JoinSet::new();
        for (info_hash, entry) in self.torrents.drain() {
            drop(entry.dht_lookups);
            self.registry.remove(&info_hash);
            sessions.spawn(async move { entry.session.stop().await });
        }
        let dht = self.dht.take();
        let stop_dht = async move {
            match dht {
                Some(dht) => dht.stop().await.err(),
                None => None,
            }
        };
        let (resume_saves, dht) = tokio::join!(sessions.join_all(), stop_dht);
        Stopped { resume_saves, dht }
    }

    fn session_options(&self, options: TorrentOptions, wanted: Bitfield) -> SessionOptions {
        SessionOptions {
            peer_id: self.options.peer_id,
            listen_port: self.listen_addr.port(),
            peers: options.peers,
            use_trackers: options.use_trackers,
            max_peers: options.max_peers,
            connection_slots: Arc::clone(&self.connection_slots),
            upload_limits: Limits::new(options.upload_limit, Arc::clone(&self.upload))
                .with_free_share(options.free_share),
            download_limits: Limits::new(options.download_limit, Arc::clone(&self.download)),
            hash_threads: self.options.hash_threads,
            resume_path: options.resume_path,
            wanted,
            sequential: options.sequential,
            choker: options.choker,
            extensions: options.extensions,
            encryption: self.options.encryption,
            transport: self.transport.clone(),
            announce_pacer: Arc::clone(&self.announce_pacer),
        }
    }
}

impl Drop for Client {
    /// A client dropped without [`Client::stop`] stops accepting peers.
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// How many times a port the kernel picked for TCP is tried again when its
/// UDP twin is taken.
const ANY_PORT_TRIES: usize = 5;

/// Binds the peer listeners and the uTP socket `mode` asks for: at `addr`
/// alone if given, else at the first port from 6881 free on both families
/// (TCP and UDP), else at any free port.
async fn bind_peer_sockets(
    addr: Option<SocketAddr>,
    mode: UtpMode,
) -> Result<(Vec<TcpListener>, PeerTransport), ClientError> {
    if let Some(addr) = addr {
        return bind_any_port_at(addr, mode, false)
            .await
            .map_err(|source| ClientError::Listen { addr, source });
    }
    for port in DEFAULT_PORT..DEFAULT_PORT + DEFAULT_PORT_TRIES {
        let every_address = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
        if let Ok(bound) = bind_peer_sockets_at(every_address, mode, true).await {
            return Ok(bound);
        }
    }
    let any_port = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0));
    bind_any_port_at(any_port, mode, true)
        .await
        .map_err(|source| ClientError::ListenAnyPort { source })
}

/// [`bind_peer_sockets_at`], tried again for port 0 while the UDP port of
/// the TCP port the kernel picked is taken.
async fn bind_any_port_at(
    addr: SocketAddr,
    mode: UtpMode,
    both_families: bool,
) -> std::io::Result<(Vec<TcpListener>, PeerTransport)> {
    let tries = if addr.port() == 0 { ANY_PORT_TRIES } else { 1 };
    let mut outcome = bind_peer_sockets_at(addr, mode, both_families).await;
    for _ in 1..tries {
        match &outcome {
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
                outcome = bind_peer_sockets_at(addr, mode, both_families).await;
            }
            _ => break,
        }
    }
    outcome
}

/// The TCP listeners (at `addr`, or on both families) and the uTP socket on
/// the same port.
async fn bind_peer_sockets_at(
    addr: SocketAddr,
    mode: UtpMode,
    both_families: bool,
) -> std::io::Result<(Vec<TcpListener>, PeerTransport)> {
    let listeners = match (mode.uses_tcp(), both_families) {
        (false, _) => Vec::new(),
        (true, true) => bind_both_families(addr.port()).await?,
        (true, false) => vec![TcpListener::bind(addr).await?],
    };
    let port = match listeners.first() {
        Some(listener) => listener.local_addr()?.port(),
        None => addr.port(),
    };
    let transport = PeerTransport::bind(mode, SocketAddr::new(addr.ip(), port)).await?;
    Ok((listeners, transport))
}

/// A dual-stack socket's address as the IPv4 address every peer can use.
fn as_ipv4_if_every_address(addr: SocketAddr) -> SocketAddr {
    match addr.ip().is_unspecified() {
        true => SocketAddr::from((Ipv4Addr::UNSPECIFIED, addr.port())),
        false => addr,
    }
}

/// An IPv4 listener on `port` (any free one for 0) and an IPv6 listener on
/// the same port. Without IPv6 on the host, the IPv4 listener alone; with
/// the IPv6 port taken, an error.
async fn bind_both_families(port: u16) -> std::io::Result<Vec<TcpListener>> {
    let ipv4 = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).await?;
    let port = ipv4.local_addr()?.port();
    match bind_ipv6_only(port) {
        Ok(ipv6) => Ok(vec![ipv4, ipv6]),
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => Err(error),
        Err(_) => Ok(vec![ipv4]),
    }
}

/// A listener on every IPv6 address at `port` that takes IPv6 connections
/// only, so that it shares the port with the IPv4 listener and IPv4 peers
/// keep their plain addresses.
fn bind_ipv6_only(port: u16) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV6, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_only_v6(true)?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)).into())?;
    socket.listen(LISTEN_BACKLOG)?;
    TcpListener::from_std(socket.into())
}

/// Starts a DHT node. Without a listen address of its own it shares the
/// uTP socket, or else takes the peer listener's address and port, or any
/// free port on that address.
async fn start_dht_node(
    settings: &DhtSettings,
    peer_listen: SocketAddr,
    transport: &PeerTransport,
) -> Result<DhtNode, DhtError> {
    let shared_socket = match settings.listen {
        None => transport.udp_port().and_then(|port| port.share_with_dht()),
        Some(_) => None,
    };
    let listen = match (&shared_socket, settings.listen) {
        (Some(shared), _) => SocketAddr::V4(shared.local_addr),
        (None, Some(listen)) => listen,
        (None, None) => match peer_listen {
            SocketAddr::V4(_) => peer_listen,
            SocketAddr::V6(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, peer_listen.port())),
        },
    };
    let options = DhtOptions {
        listen,
        bootstrap: settings.bootstrap.clone(),
        routing_table_path: Some(settings.routing_table_path.clone()),
        server_mode: settings.listen.is_some(),
        shared_socket,
    };
    match DhtNode::start(options.clone()).await {
        Err(DhtError::Bind { .. }) if settings.listen.is_none() => {
            let any_port = SocketAddr::new(listen.ip(), 0);
            DhtNode::start(DhtOptions {
                listen: any_port,
                ..options
            })
            .await
        }
        started => started,
    }
}

/// Looks up `session`'s peers on the DHT under `info_hash` (one of its
/// swarm hashes) and announces `port` until the returned guard is dropped.
fn look_up(dht: &DhtNode, session: &Arc<Session>, info_hash: [u8; 20], port: u16) -> DropGuard {
    let cancel = CancellationToken::new();
    let request = LookupRequest {
        info_hash,
        announce_port: Some(port),
    };
    dht.lookup(request, Arc::clone(session), cancel.clone());
    cancel.drop_guard()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dht::bootstrap::NO_BOOTSTRAP;
    use crate::metainfo::{create, CreateOptions};
    use crate::peer::BlockRequest;
    use crate::peer::{generate_peer_id, read_handshake, write_handshake, Handshake};
    use crate::swarm::picker::PeerKey;
    use crate::swarm::prepare::{prepare, PrepareOptions};
    use crate::swarm::{ChokeCandidate, Choker, UnchokePlan};
    use std::path::Path;
    use std::time::{Duration, Instant};
    use tokio::net::TcpStream;

    const PATIENCE: Duration = Duration::from_secs(30);

    fn loopback_client_options() -> ClientOptions {
        ClientOptions {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            peer_id: generate_peer_id(),
            upload_limit: None,
            download_limit: None,
            max_connections: 10,
            hash_threads: 1,
            encryption: EncryptionPolicy::Prefer,
            utp: UtpMode::On,
        }
    }

    /// A public torrent of one 100 KiB file written under `root`.
    fn torrent_in(root: &Path) -> Arc<Torrent> {
        let source = root.join("data.bin");
        let bytes: Vec<u8> = (0..100 * 1024u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&source, bytes).unwrap();
        let options = CreateOptions {
            piece_length: Some(16 * 1024),
            threads: 1,
            ..CreateOptions::of(source)
        };
        Arc::new(Torrent::from_bytes(&create(&options, &|_| {}).unwrap()).unwrap())
    }

    fn add(
        client: &mut Client,
        torrent: &Arc<Torrent>,
        root: &Path,
        peers: Vec<SocketAddr>,
    ) -> AddedTorrent {
        add_with_choker(client, torrent, root, peers, ChokerFactory::default())
    }

    fn add_with_choker(
        client: &mut Client,
        torrent: &Arc<Torrent>,
        root: &Path,
        peers: Vec<SocketAddr>,
        choker: ChokerFactory,
    ) -> AddedTorrent {
        let resume_path = root.join("resume.json");
        let options = PrepareOptions {
            root: root.to_path_buf(),
            resume_path: resume_path.clone(),
            selection: None,
            force_recheck: false,
            threads: 1,
        };
        let prepared = prepare(torrent, &options, &|_| {}).unwrap();
        let options = TorrentOptions {
            peers,
            found_peers: Vec::new(),
            use_trackers: false,
            max_peers: 10,
            upload_limit: None,
            download_limit: None,
            resume_path,
            sequential: false,
            choker,
            free_share: 100,
            extensions: Vec::new(),
        };
        client.add_torrent(Arc::clone(torrent), prepared, options)
    }

    /// Whether a peer that says hello for `torrent` gets a handshake back.
    async fn answers_handshake(client: &Client, torrent: &Torrent) -> bool {
        answers_handshake_at(client.listen_addr(), torrent).await
    }

    /// Whether a peer that says hello for `torrent` at `addr` gets a handshake back.
    async fn answers_handshake_at(addr: SocketAddr, torrent: &Torrent) -> bool {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let ours = Handshake::new(torrent.info_hash.0, generate_peer_id());
        write_handshake(&mut stream, &ours).await.unwrap();
        let theirs = tokio::time::timeout(PATIENCE, read_handshake(&mut stream))
            .await
            .expect("neither an answer nor a hang-up");
        theirs.is_ok_and(|theirs| theirs.info_hash == torrent.info_hash.0)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_leecher_client_downloads_from_a_seeder_client_and_both_stop() {
        let seeder_root = tempfile::tempdir().unwrap();
        let leecher_root = tempfile::tempdir().unwrap();
        let torrent = torrent_in(seeder_root.path());
        let mut seeder = Client::start(loopback_client_options()).await.unwrap();
        let seeding = add(&mut seeder, &torrent, seeder_root.path(), Vec::new());
        assert!(seeding.session.stats().complete);
        seeder.accept_peers();
        let mut leecher = Client::start(loopback_client_options()).await.unwrap();
        let settings = DhtSettings {
            listen: None,
            bootstrap: vec![NO_BOOTSTRAP.to_string()],
            routing_table_path: leecher_root.path().join("dht-nodes.json"),
        };
        let dht_addr = leecher.start_dht(&settings).await.unwrap().local_addr();
        assert_eq!(
            dht_addr,
            leecher.listen_addr(),
            "the DHT does not share the uTP port"
        );
        let again = leecher.start_dht(&settings).await.unwrap().local_addr();
        assert_eq!(again, dht_addr, "a second start_dht started another node");
        let peers = vec![seeder.listen_addr()];
        let leeching = add(&mut leecher, &torrent, leecher_root.path(), peers);
        assert!(!leeching.session.stats().complete);
        tokio::time::timeout(PATIENCE, leeching.session.wait_complete())
            .await
            .expect("the download did not complete");
        for client in [leecher, seeder] {
            let stopped = client.stop().await;
            assert!(stopped.dht.is_none(), "{:?}", stopped.dht);
            assert_eq!(stopped.resume_saves.len(), 1);
            assert!(stopped.resume_saves.iter().all(Result::is_ok));
        }
        assert!(leecher_root.path().join("resume.json").exists());
        let downloaded = std::fs::read(leecher_root.path().join("data.bin")).unwrap();
        assert_eq!(
            downloaded,
            std::fs::read(seeder_root.path().join("data.bin")).unwrap()
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_removed_torrent_is_no_longer_served() {
        let root = tempfile::tempdir().unwrap();
        let torrent = torrent_in(root.path());
        let mut client = Client::start(loopback_client_options()).await.unwrap();
        let added = add(&mut client, &torrent, root.path(), Vec::new());
        client.accept_peers();
        assert!(answers_handshake(&client, &torrent).await);
        let removed = client.remove_torrent(&torrent.info_hash.0).unwrap();
        assert!(Arc::ptr_eq(&removed, &added.session));
        assert!(!answers_handshake(&client, &torrent).await);
        removed.stop().await.unwrap();
        assert!(client.stop().await.resume_saves.is_empty());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn by_default_a_client_accepts_peers_on_ipv4_and_ipv6_at_one_port() {
        let root = tempfile::tempdir().unwrap();
        let torrent = torrent_in(root.path());
        let options = ClientOptions {
            listen: None,
            ..loopback_client_options()
        };
        let mut client = Client::start(options).await.unwrap();
        let port = client.listen_addr().port();
        add(&mut client, &torrent, root.path(), Vec::new());
        client.accept_peers();
        for ip in ["127.0.0.1", "::1"] {
            let addr = SocketAddr::new(ip.parse().unwrap(), port);
            assert!(answers_handshake_at(addr, &torrent).await, "{addr}");
        }
        client.stop().await;
    }

    #[tokio::test]
    async fn a_taken_listen_address_is_an_error_naming_it() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let options = ClientOptions {
            listen: Some(addr),
            ..loopback_client_options()
        };
        let error = Client::start(options).await.err().expect("bound twice");
        assert!(matches!(error, ClientError::Listen { .. }), "{error:?}");
        assert_eq!(error.to_string(), format!("could not listen on {addr}"));
    }

    #[tokio::test]
    async fn a_taken_utp_port_is_an_error_naming_the_listen_address() {
        // A loopback address of its own, so that no other test's TCP socket can hold the same
        // port number when the uTP-less client binds it.
        let taken = std::net::UdpSocket::bind("127.0.0.42:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let options = ClientOptions {
            listen: Some(addr),
            ..loopback_client_options()
        };
        let error = Client::start(options).await.err().expect("bound twice");
        assert!(matches!(error, ClientError::Listen { .. }), "{error:?}");
        let off = ClientOptions {
            listen: Some(addr),
            utp: UtpMode::Off,
            ..loopback_client_options()
        };
        let client = Client::start(off).await.unwrap();
        assert_eq!(client.listen_addr(), addr);
        assert_eq!(client.transport().utp_addr(), None);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_utp_only_client_downloads_from_a_utp_only_seeder() {
        let seeder_root = tempfile::tempdir().unwrap();
        let leecher_root = tempfile::tempdir().unwrap();
        let torrent = torrent_in(seeder_root.path());
        let utp_only = || ClientOptions {
            utp: UtpMode::Only,
            ..loopback_client_options()
        };
        let mut seeder = Client::start(utp_only()).await.unwrap();
        add(&mut seeder, &torrent, seeder_root.path(), Vec::new());
        seeder.accept_peers();
        assert_eq!(seeder.transport().utp_addr(), Some(seeder.listen_addr()));
        let tcp = TcpStream::connect(seeder.listen_addr()).await;
        assert!(tcp.is_err(), "a uTP-only client listens on TCP");
        let mut leecher = Client::start(utp_only()).await.unwrap();
        let peers = vec![seeder.listen_addr()];
        let leeching = add(&mut leecher, &torrent, leecher_root.path(), peers);
        tokio::time::timeout(PATIENCE, leeching.session.wait_complete())
            .await
            .expect("the download over uTP did not complete");
        leecher.stop().await;
        seeder.stop().await;
        let downloaded = std::fs::read(leecher_root.path().join("data.bin")).unwrap();
        assert_eq!(
            downloaded,
            std::fs::read(seeder_root.path().join("data.bin")).unwrap()
        );
    }

    /// Unchokes nobody and serves no request, allowed-fast pieces included.
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

    #[tokio::test(flavor = "multi_thread")]
    async fn a_torrents_choker_decides_what_its_client_serves() {
        let seeder_root = tempfile::tempdir().unwrap();
        let leecher_root = tempfile::tempdir().unwrap();
        let torrent = torrent_in(seeder_root.path());
        let mut seeder = Client::start(loopback_client_options()).await.unwrap();
        let nobody = ChokerFactory::new(|| Box::new(ServeNobody));
        add_with_choker(
            &mut seeder,
            &torrent,
            seeder_root.path(),
            Vec::new(),
            nobody,
        );
        seeder.accept_peers();
        let mut leecher = Client::start(loopback_client_options()).await.unwrap();
        let peers = vec![seeder.listen_addr()];
        let mut leeching = add(&mut leecher, &torrent, leecher_root.path(), peers);
        let connected = async {
            while let Some(event) = leeching.events.recv().await {
                if matches!(event, SwarmEvent::Progress(progress) if progress.peers > 0) {
                    return;
                }
            }
        };
        tokio::time::timeout(PATIENCE, connected)
            .await
            .expect("the leecher never connected to the seeder");
        // Unserved, a 100 KiB download on loopback would be done long before.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(leeching.session.stats().downloaded, 0);
        leecher.stop().await;
        seeder.stop().await;
    }
}
