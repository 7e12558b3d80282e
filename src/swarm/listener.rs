//! The TCP listener one process shares among all its torrents: it reads each
//! incoming handshake and hands the connection to the torrent it names.

use super::connection::HANDSHAKE_TIMEOUT;
use super::session::Session;
use crate::peer::read_handshake;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tokio::net::{TcpListener, TcpStream};

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
}

/// Accepts peers until the future is dropped.
pub async fn serve(listener: TcpListener, registry: Registry) {
    loop {
        let Ok((stream, addr)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(route(stream, addr, registry.clone()));
    }
}

async fn route(mut stream: TcpStream, addr: SocketAddr, registry: Registry) {
    let Ok(Ok(theirs)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_handshake(&mut stream)).await
    else {
        return;
    };
    if let Some(session) = registry.get(&theirs.info_hash) {
        session.accept(stream, addr, theirs);
    }
}
