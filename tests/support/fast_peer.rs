//! Both sides of the fast extension's allowed-fast rule (BEP 6), scripted on
//! `btt::peer` inside the test process:
//!
//! - [`ChokingSeeder`] has the whole torrent, never unchokes, and serves only
//!   the pieces it named in `AllowedFast` messages; it rejects every other
//!   request. A downloader can finish from it only by requesting allowed-fast
//!   pieces while choked.
//! - [`probe_allowed_fast`] connects to a seeder as a peer that never says it
//!   is interested (so it stays choked), collects the allowed-fast set it is
//!   given, asks for one block of an allowed piece and one of a piece outside
//!   the set, and reports what came back.
//!
//! The seeder runs as a [`ScriptedPeer`]; dropping it stops it.

use super::scripted_peer::{Counters, ScriptedPeer};
use btt::peer::{
    read_handshake, write_handshake, BlockRequest, Handshake, Message, MessageCodec, WireError,
    WireLimits,
};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// The peer id both scripted sides handshake with.
const PEER_ID: [u8; 20] = *b"-XX0001-fastpeer1234";
/// How long a scripted side waits for any one message.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(20);
/// The block length the probe asks for.
const PROBE_BLOCK: u32 = 16 * 1024;

/// The torrent a [`ChokingSeeder`] serves: a single file's bytes.
#[derive(Debug, Clone)]
pub struct SeededContent {
    /// The info-hash.
    pub info_hash: [u8; 20],
    /// The whole content.
    pub bytes: Bytes,
    /// The piece length.
    pub piece_length: u32,
    /// The pieces named in `AllowedFast` and served while choking.
    pub allowed: Vec<u32>,
}

/// A seeder that chokes forever and serves only allowed-fast pieces.
#[derive(Debug)]
pub struct ChokingSeeder {
    peer: ScriptedPeer,
}

impl ChokingSeeder {
    /// Starts listening on 127.0.0.1.
    pub fn start(content: SeededContent) -> ChokingSeeder {
        let peer = ScriptedPeer::start(move |stream, counters| {
            serve_choked(stream, content.clone(), counters)
        });
        ChokingSeeder { peer }
    }

    /// `127.0.0.1:PORT`, for `btt-get --peer`.
    pub fn addr(&self) -> String {
        self.peer.addr()
    }

    /// Blocks sent so far.
    pub fn blocks_served(&self) -> u64 {
        self.peer.served()
    }
}

/// One connection: have-all, the allowed-fast set, then serve or reject.
async fn serve_choked(
    mut stream: TcpStream,
    content: SeededContent,
    counters: Arc<Counters>,
) -> Result<(), WireError> {
    let theirs = read_handshake(&mut stream).await?;
    if theirs.info_hash != content.info_hash || !theirs.supports_fast() {
        return Ok(());
    }
    write_handshake(&mut stream, &Handshake::new(content.info_hash, PEER_ID)).await?;
    let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
    framed.send(Message::HaveAll).await?;
    for &index in &content.allowed {
        framed.send(Message::AllowedFast(index)).await?;
    }
    while let Some(message) = framed.next().await {
        let Message::Request(request) = message? else {
            continue;
        };
        match block_of(&content, &request) {
            Some(data) if content.allowed.contains(&request.index) => {
                framed
                    .send(Message::Piece {
                        index: request.index,
                        begin: request.begin,
                        data,
                    })
                    .await?;
                counters.served.fetch_add(1, Ordering::Relaxed);
            }
            _ => framed.send(Message::Reject(request)).await?,
        }
    }
    Ok(())
}

/// The bytes a request names, if they lie inside the content.
pub(super) fn block_of(content: &SeededContent, request: &BlockRequest) -> Option<Bytes> {
    let start =
        u64::from(request.index) * u64::from(content.piece_length) + u64::from(request.begin);
    let end = start + u64::from(request.length);
    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
    (end <= content.bytes.len()).then(|| content.bytes.slice(start..end))
}

/// What a choked, uninterested peer got from a seeder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedFastProbe {
    /// The pieces the seeder allowed.
    pub allowed: Vec<u32>,
    /// Whether the seeder ever unchoked the probe.
    pub unchoked: bool,
    /// The first block of the first allowed piece, as served.
    pub allowed_block: Option<Bytes>,
    /// Whether a request outside the set was rejected.
    pub outside_rejected: bool,
}

/// Probes the seeder at `addr` for the torrent `info_hash` of `piece_count`
/// pieces; there must be more pieces than the seeder allows, so that one
/// lies outside the set.
pub fn probe_allowed_fast(addr: &str, info_hash: [u8; 20], piece_count: u32) -> AllowedFastProbe {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime
        .block_on(probe(addr, info_hash, piece_count))
        .expect("the allowed-fast probe")
}

async fn probe(
    addr: &str,
    info_hash: [u8; 20],
    piece_count: u32,
) -> Result<AllowedFastProbe, WireError> {
    let mut stream = TcpStream::connect(addr).await?;
    write_handshake(&mut stream, &Handshake::new(info_hash, PEER_ID)).await?;
    let theirs = read_handshake(&mut stream).await?;
    assert!(theirs.supports_fast(), "the seeder has no fast extension");
    let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
    let mut result = AllowedFastProbe {
        allowed: Vec::new(),
        unchoked: false,
        allowed_block: None,
        outside_rejected: false,
    };
    // The opening messages come back to back; a quiet second ends them.
    while let Ok(Some(message)) = tokio::time::timeout(Duration::from_secs(1), framed.next()).await
    {
        match message? {
            Message::AllowedFast(index) => result.allowed.push(index),
            Message::Unchoke => result.unchoked = true,
            _ => {}
        }
    }
    let Some(&allowed) = result.allowed.first() else {
        return Ok(result);
    };
    let outside = (0..piece_count)
        .find(|index| !result.allowed.contains(index))
        .expect("a piece outside the allowed-fast set");
    framed.send(Message::Request(block(allowed))).await?;
    framed.send(Message::Request(block(outside))).await?;
    while result.allowed_block.is_none() || !result.outside_rejected {
        let message = tokio::time::timeout(MESSAGE_TIMEOUT, framed.next())
            .await
            .map_err(|_| WireError::Io(std::io::ErrorKind::TimedOut.into()))?;
        match message.transpose()? {
            Some(Message::Piece {
                index,
                begin: 0,
                data,
            }) if index == allowed => {
                result.allowed_block = Some(data);
            }
            Some(Message::Reject(request)) if request.index == outside => {
                result.outside_rejected = true;
            }
            Some(Message::Unchoke) => result.unchoked = true,
            Some(_) => {}
            None => break,
        }
    }
    Ok(result)
}

fn block(index: u32) -> BlockRequest {
    BlockRequest {
        index,
        begin: 0,
        length: PROBE_BLOCK,
    }
}
