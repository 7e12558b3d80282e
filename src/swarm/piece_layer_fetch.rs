//! Fetching the piece layers of a v2-only torrent whose info dictionary came
//! from a magnet link (BEP 52 hash requests): the layers are not part of the
//! metadata, and without them no piece of a file longer than one piece can
//! be checked.
//!
//! Peers are tried one at a time: the handshake in the torrent's swarm (the
//! truncated v2 hash), have-none when the peer speaks the fast extension,
//! then one hash request per missing chunk of a layer ([`LayerChunk`]: 512
//! hashes, with the uncle hashes up to the file's root), a few at a time.
//! Each answer is checked against its file's `pieces root` before it is
//! kept (see [`MerklePieces::attach_chunk`]), so the chunks a peer sent
//! before it failed are not asked of the next. A peer that rejects a
//! request, lies, goes silent or closes is left for the next. Every wait is
//! bounded.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::time::{timeout, Instant};
use tokio_util::codec::Framed;

use super::dialer::{self, Dial};
use super::transport::{PeerSocket, PeerTransport};
use crate::metainfo::{LayerChunk, MerklePieces, PieceHashes, Torrent};
use crate::peer::{EncryptionPolicy, HashRange, Message, MessageCodec, PeerStream, WireLimits};

/// How long a peer may take to answer one chunk.
const CHUNK_TIMEOUT: Duration = Duration::from_secs(30);

/// Hash requests outstanding at once on one connection.
const IN_FLIGHT: usize = 4;

/// Who we are to the peers asked, and how they are dialled.
#[derive(Clone)]
pub struct LayerFetch {
    /// Our peer id.
    pub peer_id: [u8; 20],
    /// Whether peers are offered encryption, or required to take it.
    pub encryption: EncryptionPolicy,
    /// The transports peers are dialled over.
    pub transport: PeerTransport,
}

/// Asks `peers` in turn for the piece layers `torrent` lacks, until it has
/// them all. The error lists what each peer did.
pub async fn fetch_piece_layers(
    torrent: &mut Torrent,
    peers: &[SocketAddr],
    fetch: LayerFetch,
) -> Result<(), String> {
    let info_hash = torrent.info_hash.0;
    let PieceHashes::Merkle(merkle) = &mut torrent.info.pieces else {
        return Ok(());
    };
    let mut tried = Vec::new();
    for &addr in peers {
        if merkle.is_complete() {
            break;
        }
        if let Err(why) = ask(merkle, addr, info_hash, &fetch).await {
            tried.push(format!("{addr}: {why}"));
        }
    }
    match merkle.is_complete() {
        true => Ok(()),
        false if tried.is_empty() => Err("no peer to ask".to_owned()),
        false => Err(tried.join("; ")),
    }
}

/// Asks the peer at `addr` for every missing chunk.
async fn ask(
    merkle: &mut MerklePieces,
    addr: SocketAddr,
    info_hash: [u8; 20],
    fetch: &LayerFetch,
) -> Result<(), String> {
    let mut frames = open(addr, info_hash, fetch).await?;
    let base_layer = merkle.piece_layer();
    let mut to_ask = merkle.missing_chunks().collect::<Vec<_>>().into_iter();
    let mut asked = Vec::new();
    loop {
        while asked.len() < IN_FLIGHT {
            let Some(chunk) = to_ask.next() else { break };
            send(
                &mut frames,
                Message::HashRequest(request_for(&chunk, base_layer)),
            )
            .await?;
            asked.push(chunk);
        }
        if asked.is_empty() {
            return Ok(());
        }
        let (chunk, hashes) = answer(&mut frames, &asked, base_layer).await?;
        asked.retain(|asked| asked != &chunk);
        merkle
            .attach_chunk(&chunk, &hashes)
            .map_err(|error| format!("sent bad piece-layer hashes: {error}"))?;
    }
}

/// The hash request for `chunk`, whose hashes are of layer `base_layer`.
fn request_for(chunk: &LayerChunk, base_layer: u32) -> HashRange {
    HashRange {
        pieces_root: chunk.root,
        base_layer,
        index: chunk.index,
        length: chunk.length,
        proof_layers: chunk.proof_layers,
    }
}

/// The next answer to one of the chunks `asked` (of layer `base_layer`),
/// skipping other messages, within [`CHUNK_TIMEOUT`].
async fn answer(
    frames: &mut Framed<PeerStream<PeerSocket>, MessageCodec>,
    asked: &[LayerChunk],
    base_layer: u32,
) -> Result<(LayerChunk, Bytes), String> {
    let deadline = Instant::now() + CHUNK_TIMEOUT;
    let asked_for = |range: &HashRange| {
        asked
            .iter()
            .find(|chunk| request_for(chunk, base_layer) == *range)
            .copied()
    };
    loop {
        let message = timeout(
            deadline.saturating_duration_since(Instant::now()),
            frames.next(),
        )
        .await
        .map_err(|_| "did not answer the hash requests in time".to_owned())?;
        match message {
            Some(Ok(Message::Hashes { range, hashes })) => {
                if let Some(chunk) = asked_for(&range) {
                    return Ok((chunk, hashes));
                }
            }
            Some(Ok(Message::HashReject(range))) if asked_for(&range).is_some() => {
                return Err("rejected a hash request".to_owned());
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.to_string()),
            None => return Err("closed the connection".to_owned()),
        }
    }
}

/// A handshaken connection to `addr` in the swarm `info_hash`.
async fn open(
    addr: SocketAddr,
    info_hash: [u8; 20],
    fetch: &LayerFetch,
) -> Result<Framed<PeerStream<PeerSocket>, MessageCodec>, String> {
    let dial = Dial {
        info_hash,
        peer_id: fetch.peer_id,
        policy: fetch.encryption,
        transport: &fetch.transport,
    };
    let (stream, theirs) = dialer::open(addr, &dial)
        .await
        .map_err(|error| format!("connect: {error}"))?;
    let mut frames = Framed::new(stream, MessageCodec::new(WireLimits::default()));
    if theirs.supports_fast() {
        send(&mut frames, Message::HaveNone).await?;
    }
    Ok(frames)
}

async fn send(
    frames: &mut Framed<PeerStream<PeerSocket>, MessageCodec>,
    message: Message,
) -> Result<(), String> {
    frames
        .send(message)
        .await
        .map_err(|error| format!("send: {error}"))
}
