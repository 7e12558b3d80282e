//! The TCP listeners one process shares among all its torrents (one per
//! address family by default) and its uTP socket: each answers
//! each incoming connection's MSE negotiation or plain handshake, as the
//! encryption policy allows, reads the BitTorrent handshake and hands the
//! connection to the torrent it names. An encrypted connection must name
//! the same torrent in both. TCP and uTP connections take the same path
//! from the first byte on. A hybrid torrent is found under both its v1
//! and its truncated v2 info-hash; a magnet whose metadata is being
//! fetched gets the connections that name it ([`Registry::wait_for_peers`]),
//! so a seeder that learns of us first from a tracker can reach us.
//!
//! Accepting never spins and never gives up on an error that may pass: out
//! of descriptors (`EMFILE`, `ENFILE`), of buffers (`ENOBUFS`, `ENOMEM`), or
//! a connection that died before it was accepted, each pauses accepting for
//! [`ACCEPT_PAUSE`] and then tries again, so a process at its descriptor
//! limit waits for descriptors instead of burning a core, and accepts again
//! once some are free. Only a uTP socket whose dispatcher has died stops its
//! loop, since it can never accept again.

use super::connection::HANDSHAKE_TIMEOUT;
use super::session::Session;
use super::transport::{PeerSocket, Utp};
use crate::metainfo::InfoHash;
use crate::peer::mse::{self, keys};
use crate::peer::{read_handshake, EncryptionPolicy, Handshake, PeerStream};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// How long accepting pauses after an accept error.
pub const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// An incoming connection for a torrent whose metadata is still being
/// fetched: the negotiated stream, the peer's address and its handshake,
/// read already (ours is not sent yet).
pub struct IncomingPeer {
    /// The stream, past the encryption negotiation and the peer's handshake.
    pub stream: PeerStream<PeerSocket>,
    /// Where the connection came from.
    pub addr: SocketAddr,
    /// The peer's handshake.
    pub theirs: Handshake,
}

/// Where connections for one info-hash go.
#[derive(Clone)]
enum Route {
    /// A running session.
    Session(Arc<Session>),
    /// A magnet's metadata phase, until its receiver is dropped.
    Metadata(mpsc::UnboundedSender<IncomingPeer>),
}

/// The torrents this process serves, by every info-hash a peer may name
/// them by (both of a hybrid), and the magnets whose metadata it fetches.
#[derive(Default, Clone)]
pub struct Registry {
    routes: Arc<RwLock<HashMap<[u8; 20], Route>>>,
}

impl Registry {
    /// Serves `session`'s torrent to incoming peers, under each of its
    /// swarm hashes; a metadata phase for one of them gives way.
    pub fn insert(&self, session: Arc<Session>) {
        let mut routes = self.write();
        for hash in session.swarm_hashes() {
            routes.insert(hash, Route::Session(Arc::clone(&session)));
        }
    }

    /// Stops serving the torrent whose info-hash is `info_hash`.
    pub fn remove(&self, info_hash: &[u8; 20]) {
        self.write().retain(|_, route| match route {
            Route::Session(session) => session.info_hash() != *info_hash,
            Route::Metadata(_) => true,
        });
    }

    /// Hands incoming connections that name one of `hashes` to the returned
    /// receiver, until it is dropped or a session takes the hash over.
    pub fn wait_for_peers(&self, hashes: &[InfoHash]) -> mpsc::UnboundedReceiver<IncomingPeer> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let mut routes = self.write();
        routes.retain(|_, route| !matches!(route, Route::Metadata(sender) if sender.is_closed()));
        for hash in hashes {
            routes
                .entry(hash.0)
                .or_insert_with(|| Route::Metadata(sender.clone()));
        }
        receiver
    }

    fn get(&self, info_hash: &[u8; 20]) -> Option<Route> {
        self.read().get(info_hash).cloned()
    }

    /// The served info-hash whose `HASH('req2', SKEY)` is `named`.
    fn skey_for(&self, named: &[u8; 20]) -> Option<[u8; 20]> {
        self.read()
            .keys()
            .find(|info_hash| keys::req2(info_hash) == *named)
            .copied()
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<[u8; 20], Route>> {
        self.routes
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<[u8; 20], Route>> {
        self.routes
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Accepts peers on every listener and on the uTP socket until the future is dropped.
pub async fn serve(
    listeners: Vec<TcpListener>,
    utp: Option<Arc<Utp>>,
    registry: Registry,
    encryption: EncryptionPolicy,
) {
    let mut accepting = JoinSet::new();
    for listener in listeners {
        accepting.spawn(accept_tcp(listener, registry.clone(), encryption));
    }
    if let Some(socket) = utp {
        accepting.spawn(accept_utp(socket, registry, encryption));
    }
    accepting.join_all().await;
}

/// Accepts peers on one listener, forever; pauses after each error.
async fn accept_tcp(listener: TcpListener, registry: Registry, encryption: EncryptionPolicy) {
    loop {
        match listener.accept().await {
            Ok((stream, addr)) => {
                let socket = PeerSocket::tcp(stream);
                tokio::spawn(route(socket, addr, registry.clone(), encryption));
            }
            Err(_) => tokio::time::sleep(ACCEPT_PAUSE).await,
        }
    }
}

/// Accepts peers on the uTP socket until its dispatcher dies; pauses after
/// any other error.
async fn accept_utp(socket: Arc<Utp>, registry: Registry, encryption: EncryptionPolicy) {
    loop {
        match socket.accept().await {
            Ok(stream) => {
                let addr = stream.remote_addr();
                let socket = PeerSocket::Utp(stream);
                tokio::spawn(route(socket, addr, registry.clone(), encryption));
            }
            Err(librqbit_utp::Error::DispatcherDead) => return,
            Err(_) => tokio::time::sleep(ACCEPT_PAUSE).await,
        }
    }
}

async fn route(stream: PeerSocket, addr: SocketAddr, registry: Registry, policy: EncryptionPolicy) {
    let opened = tokio::time::timeout(HANDSHAKE_TIMEOUT, open(stream, &registry, policy)).await;
    let Ok(Some((stream, theirs))) = opened else {
        return;
    };
    match registry.get(&theirs.info_hash) {
        Some(Route::Session(session)) => session.accept(stream, addr, theirs),
        Some(Route::Metadata(waiting)) => {
            let _ = waiting.send(IncomingPeer {
                stream,
                addr,
                theirs,
            });
        }
        None => {}
    }
}

/// The negotiated stream and the peer's handshake, if both are acceptable.
async fn open(
    stream: PeerSocket,
    registry: &Registry,
    policy: EncryptionPolicy,
) -> Option<(PeerStream<PeerSocket>, Handshake)> {
    let accepted = mse::respond(stream, policy, |named| registry.skey_for(named))
        .await
        .ok()?;
    let mut stream = accepted.stream;
    let theirs = read_handshake(&mut stream).await.ok()?;
    let consistent = accepted.skey.is_none_or(|skey| skey == theirs.info_hash);
    consistent.then_some((stream, theirs))
}
