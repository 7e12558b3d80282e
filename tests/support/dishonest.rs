//! A dishonest BitTorrent peer inside the test process: it accepts
//! connections on 127.0.0.1, answers the handshake for one torrent, claims
//! every piece (have-all, or a full bitfield to a peer without the fast
//! extension), unchokes, and answers every request with random bytes. It is
//! built on `btt::peer`, so by default only its payload lies, never its
//! framing; [`Behaviour`] picks other ways to break the protocol: an
//! oversized message, or a bitfield of the wrong length.
//!
//! It runs as a [`ScriptedPeer`]; dropping the [`DishonestPeer`] stops it.

use super::scripted_peer::{Counters, ScriptedPeer};
use btt::bitfield::Bitfield;
use btt::peer::{
    read_handshake, write_handshake, Handshake, Message, MessageCodec, WireError, WireLimits,
};
use futures_util::{SinkExt, StreamExt};
use rand::RngCore;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// The peer id it handshakes with.
const PEER_ID: [u8; 20] = *b"-XX0001-dishonest123";

/// How long a connection may wait for the other side's handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How the peer misbehaves once handshaken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Claims every piece and answers every request with random bytes.
    RandomBlocks,
    /// Sends a length prefix of 2^31 - 1 bytes, then waits to be dropped.
    OversizedMessage,
    /// Sends a bitfield one byte too long, then behaves as `RandomBlocks`.
    WrongLengthBitfield,
}

/// A running dishonest peer; stopped when dropped.
#[derive(Debug)]
pub struct DishonestPeer {
    peer: ScriptedPeer,
}

impl DishonestPeer {
    /// Starts serving random blocks for the torrent `info_hash` with
    /// `piece_count` pieces.
    pub fn start(info_hash: [u8; 20], piece_count: usize) -> DishonestPeer {
        DishonestPeer::start_with(info_hash, piece_count, Behaviour::RandomBlocks)
    }

    /// Starts a peer for the torrent that misbehaves as `behaviour` says.
    pub fn start_with(
        info_hash: [u8; 20],
        piece_count: usize,
        behaviour: Behaviour,
    ) -> DishonestPeer {
        let torrent = TorrentFacts {
            info_hash,
            piece_count,
        };
        let peer = ScriptedPeer::start(move |stream, counters| {
            answer(stream, torrent, behaviour, counters)
        });
        DishonestPeer { peer }
    }

    /// `127.0.0.1:PORT`, for `btt-get --peer`.
    pub fn addr(&self) -> String {
        self.peer.addr()
    }

    /// How many garbage blocks it has sent so far.
    pub fn blocks_served(&self) -> u64 {
        self.peer.served()
    }

    /// How many connections it has handshaken so far.
    pub fn connections(&self) -> u64 {
        self.peer.connections()
    }
}

/// What every connection needs to know about the torrent.
#[derive(Debug, Clone, Copy)]
struct TorrentFacts {
    info_hash: [u8; 20],
    piece_count: usize,
}

/// Runs one connection: handshake, claim everything, unchoke, lie.
async fn answer(
    mut stream: TcpStream,
    torrent: TorrentFacts,
    behaviour: Behaviour,
    counters: Arc<Counters>,
) -> Result<(), WireError> {
    let theirs = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_handshake(&mut stream))
        .await
        .map_err(|_| WireError::Io(std::io::ErrorKind::TimedOut.into()))??;
    if theirs.info_hash != torrent.info_hash {
        return Ok(());
    }
    let mut ours = Handshake::new(torrent.info_hash, PEER_ID);
    if !theirs.supports_fast() {
        ours.reserved = [0; 8];
    }
    write_handshake(&mut stream, &ours).await?;
    counters.connections.fetch_add(1, Ordering::Relaxed);
    if behaviour == Behaviour::OversizedMessage {
        stream.write_all(&[0x7f, 0xff, 0xff, 0xff, 7]).await?;
        // Wait for the other side to close; what it sends is ignored.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        return Ok(());
    }
    let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
    let claim = match behaviour {
        Behaviour::WrongLengthBitfield => {
            let mut bytes = Bitfield::full(torrent.piece_count).as_bytes().to_vec();
            bytes.push(0xff);
            Message::Bitfield(bytes.into())
        }
        _ if theirs.supports_fast() => Message::HaveAll,
        _ => Message::bitfield(&Bitfield::full(torrent.piece_count)),
    };
    framed.send(claim).await?;
    framed.send(Message::Unchoke).await?;
    while let Some(message) = framed.next().await {
        if let Message::Request(request) = message? {
            let mut data = vec![0u8; request.length as usize];
            rand::thread_rng().fill_bytes(&mut data);
            framed
                .send(Message::Piece {
                    index: request.index,
                    begin: request.begin,
                    data: data.into(),
                })
                .await?;
            counters.served.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}
