//! Fetching the piece layers of a v2-only torrent whose info dictionary came
//! from a magnet link (BEP 52 hash requests): the layers are not part of the
//! metadata, and without them no piece of a file longer than one piece can
//! be checked.
//!
//! Peers are tried one at a time: the handshake in the torrent's swarm (the
//! truncated v2 hash), have-none when the peer speaks the fast extension,
//! then one hash request per missing layer for the whole layer (proof
//! layers 0), each answer checked against its file's `pieces root` before
//! it is kept (see [`MerklePieces::attach_layer`]). A peer that rejects a
//! request, lies, goes silent or closes is left for the next. Every wait is
//! bounded.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::{timeout, Instant};
use tokio_util::codec::Framed;

use super::dialer::{self, Dial};
use super::transport::{PeerSocket, PeerTransport};
use crate::metainfo::{MerklePieces, PieceHashes, Torrent};
use crate::peer::{EncryptionPolicy, HashRange, Message, MessageCodec, PeerStream, WireLimits};

/// How long one peer may take to answer every request.
const PEER_TIMEOUT: Duration = Duration::from_secs(30);

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

/// Asks the peer at `addr` for every missing layer.
async fn ask(
    merkle: &mut MerklePieces,
    addr: SocketAddr,
    info_hash: [u8; 20],
    fetch: &LayerFetch,
) -> Result<(), String> {
    let mut frames = open(addr, info_hash, fetch).await?;
    let requests: Vec<HashRange> = merkle
        .missing_layers()
        .map(|(pieces_root, length)| HashRange {
            pieces_root,
            base_layer: merkle.piece_layer(),
            index: 0,
            length,
            proof_layers: 0,
        })
        .collect();
    for request in &requests {
        send(&mut frames, Message::HashRequest(*request)).await?;
    }
    let deadline = Instant::now() + PEER_TIMEOUT;
    let mut waiting = requests.len();
    while waiting > 0 {
        let message = timeout(
            deadline.saturating_duration_since(Instant::now()),
            frames.next(),
        )
        .await
        .map_err(|_| "did not answer the hash requests in time".to_owned())?;
        match message {
            Some(Ok(Message::Hashes { range, hashes })) if requests.contains(&range) => {
                merkle
                    .attach_layer(&range.pieces_root, &hashes)
                    .map_err(|error| format!("sent a bad piece layer: {error}"))?;
                waiting -= 1;
            }
            Some(Ok(Message::HashReject(range))) if requests.contains(&range) => {
                return Err("rejected a hash request".to_owned());
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.to_string()),
            None => return Err("closed the connection".to_owned()),
        }
    }
    Ok(())
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
