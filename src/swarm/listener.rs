//! The TCP listeners one process shares among all its torrents (one per
//! address family by default) and its uTP socket: each answers
//! each incoming connection's MSE negotiation or plain handshake, as the
//! encryption policy allows, reads the BitTorrent handshake and hands the
//! connection to the torrent it names. An encrypted connection must name
//! the same torrent in both. TCP and uTP connections take the same path
//! from the first byte on.
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
use crate::peer::mse::{self, keys};
use crate::peer::{read_handshake, EncryptionPolicy, Handshake, PeerStream};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// How long accepting pauses after an accept error.
pub const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// The torrents this process serves, by info-hash.
#[derive(Default, Clone)]
pub struct Registry {
    sessions: Arc<RwLock<HashMap<[u8; 20], Arc<Session>>>>,
}

impl Registry {
    /// Serves `session`'s torrent to incoming peers.
    pub fn insert(&self, session: Arc<Session>) {
        self.sessions
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(session.info_hash(), session);
    }

    /// Stops serving a torrent to incoming peers.
    pub fn remove(&self, info_hash: &[u8; 20]) -> Option<Arc<Session>> {
        self.sessions
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(info_hash)
    }

    fn get(&self, info_hash: &[u8; 20]) -> Option<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(info_hash)
            .cloned()
    }

    /// The served info-hash whose `HASH('req2', SKEY)` is `named`.
    fn skey_for(&self, named: &[u8; 20]) -> Option<[u8; 20]> {
        self.sessions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .keys()
            .find(|info_hash| keys::req2(info_hash) == *named)
            .copied()
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
    if let Some(session) = registry.get(&theirs.info_hash) {
        session.accept(stream, addr, theirs);
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
