//! One peer connection of the metadata phase, dialled by us or accepted
//! from a peer that connected to us: the BEP 3 handshake with the
//! extension bit, the BEP 10 extended handshake, then `ut_metadata` requests
//! for the pieces the shared [`Assembly`] hands this peer, one at a time.
//!
//! The connection only asks: it claims no pieces (have-none when the fast
//! extension is on), never unchokes, and rejects metadata requests. Every
//! wait is bounded, so a silent peer ends in [`PeerEnd::Failed`] and gives
//! its pieces back to the others.

use super::connection::HANDSHAKE_TIMEOUT;
use super::dialer::{self, Dial};
use super::listener::IncomingPeer;
use super::metadata_assembly::{Assembly, Next, Stored};
use super::peer_entry::PeerError;
use super::transport::{PeerSocket, PeerTransport};
use crate::metainfo::{InfoHash, InfoHashes};
use crate::peer::ut_metadata::{MetadataMessage, MAX_METADATA_SIZE};
use crate::peer::{
    write_handshake, EncryptionPolicy, ExtendedHandshake, ExtensionRegistry, Handshake,
    IncomingExtension, Message, MessageCodec, PeerStream, WireLimits, UT_METADATA,
};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::timeout;
use tokio_util::codec::Framed;

/// How long a peer may take to send its extended handshake.
const EXTENDED_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a peer may take to answer one metadata request.
const PIECE_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a waiting connection looks at the assembly again.
const WAIT_POLL: Duration = Duration::from_secs(1);

/// How a metadata connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PeerEnd {
    /// This connection put in the last piece and the metadata checked.
    Fetched(Vec<u8>),
    /// The connection failed or went silent; the peer may be tried again.
    Failed(String),
    /// The peer cannot serve metadata (no `ut_metadata`, no size, another
    /// torrent); it is not tried again in this phase.
    Unusable(String),
    /// The peer sent bad metadata or refused a piece; it is not tried again
    /// in this phase.
    Banned(String),
}

/// What the connections of one metadata phase share.
#[derive(Debug)]
pub(super) struct FetchContext {
    /// The torrent asked for.
    pub(super) info_hash: InfoHash,
    /// Our peer id.
    pub(super) peer_id: [u8; 20],
    /// The port we accept peers on, as announced.
    pub(super) listen_port: u16,
    /// Whether peers are offered encryption, or required to take it.
    pub(super) encryption: EncryptionPolicy,
    /// The transports peers are dialled over.
    pub(super) transport: PeerTransport,
    assembly: Mutex<Assembly>,
    /// Peers found to have lied, with why; their connections end.
    bans: Mutex<HashMap<SocketAddr, String>>,
    changed: Notify,
}

impl FetchContext {
    /// A fresh context for the metadata named by `info_hashes`; peers are
    /// asked for it in the swarm [`InfoHashes::swarm`] names.
    pub(super) fn new(
        info_hashes: InfoHashes,
        peer_id: [u8; 20],
        listen_port: u16,
        encryption: EncryptionPolicy,
        transport: PeerTransport,
    ) -> FetchContext {
        FetchContext {
            info_hash: info_hashes.swarm(),
            peer_id,
            listen_port,
            encryption,
            transport,
            assembly: Mutex::new(Assembly::new(info_hashes)),
            bans: Mutex::new(HashMap::new()),
            changed: Notify::new(),
        }
    }

    fn assembly(&self) -> MutexGuard<'_, Assembly> {
        crate::sync::lock(&self.assembly)
    }

    fn bans(&self) -> MutexGuard<'_, HashMap<SocketAddr, String>> {
        crate::sync::lock(&self.bans)
    }

    fn ban(&self, peer: SocketAddr, reason: String) {
        self.bans().insert(peer, reason);
        self.changed.notify_waiters();
    }
}

/// A handshaken connection that can ask for metadata.
struct MetadataPeer {
    addr: SocketAddr,
    frames: Framed<PeerStream<PeerSocket>, MessageCodec>,
    extensions: ExtensionRegistry,
    size: usize,
}

/// Fetches metadata pieces from `addr` until the metadata is complete, the
/// peer fails, or it is banned. Its outstanding pieces are given back.
pub(super) async fn fetch_from(context: &FetchContext, addr: SocketAddr) -> PeerEnd {
    let end = match dial(context, addr).await {
        Ok((stream, theirs)) => fetch_over(context, addr, stream, theirs).await.0,
        Err(end) => end,
    };
    context.assembly().release(addr);
    context.changed.notify_waiters();
    end
}

/// Answers a peer that connected to us and fetches metadata pieces from it
/// as [`fetch_from`] does. Returns how it ended and the address the peer
/// listens on, when its extended handshake said.
pub(super) async fn answer(
    context: &FetchContext,
    incoming: IncomingPeer,
) -> (PeerEnd, Option<SocketAddr>) {
    let IncomingPeer {
        mut stream,
        addr,
        theirs,
    } = incoming;
    // The listener routed the hash they named here: answer with the same.
    let ours = Handshake::new(theirs.info_hash, context.peer_id);
    let sent = timeout(HANDSHAKE_TIMEOUT, write_handshake(&mut stream, &ours)).await;
    let ended = match sent {
        Ok(Ok(())) => fetch_over(context, addr, stream, theirs).await,
        _ => (
            PeerEnd::Failed("could not answer the handshake".into()),
            None,
        ),
    };
    context.assembly().release(addr);
    context.changed.notify_waiters();
    ended
}

/// Fetches over a handshaken connection; how it ended and the address the
/// peer says it listens on.
async fn fetch_over(
    context: &FetchContext,
    addr: SocketAddr,
    stream: PeerStream<PeerSocket>,
    theirs: Handshake,
) -> (PeerEnd, Option<SocketAddr>) {
    match open(context, addr, stream, theirs).await {
        Ok((mut peer, listen)) => (peer.fetch(context).await, listen),
        Err(end) => (end, None),
    }
}

async fn dial(
    context: &FetchContext,
    addr: SocketAddr,
) -> Result<(PeerStream<PeerSocket>, Handshake), PeerEnd> {
    let dial = Dial {
        info_hash: context.info_hash.0,
        peer_id: context.peer_id,
        policy: context.encryption,
        transport: &context.transport,
    };
    dialer::open(addr, &dial)
        .await
        .map_err(|error| match error {
            PeerError::Protocol(reason) => PeerEnd::Unusable(reason),
            error => PeerEnd::Failed(format!("connect: {error}")),
        })
}

/// The extended handshakes over a handshaken connection; the peer, and
/// the address it says it listens on.
async fn open(
    context: &FetchContext,
    addr: SocketAddr,
    stream: PeerStream<PeerSocket>,
    theirs: Handshake,
) -> Result<(MetadataPeer, Option<SocketAddr>), PeerEnd> {
    let failed = |what: &str| PeerEnd::Failed(what.to_owned());
    if !theirs.supports_extensions() {
        return Err(PeerEnd::Unusable(
            "does not support the extension protocol".into(),
        ));
    }
    let mut frames = Framed::new(stream, MessageCodec::new(WireLimits::default()));
    let mut extensions = ExtensionRegistry::new();
    // One name cannot exhaust the 255 ids.
    let _ = extensions.register(UT_METADATA);
    send_opening(&mut frames, &extensions, context.listen_port, theirs).await?;
    let remote = timeout(EXTENDED_HANDSHAKE_TIMEOUT, extended_handshake(&mut frames))
        .await
        .map_err(|_| failed("sent no extended handshake"))??;
    extensions.record_remote(&remote);
    let size = metadata_size(&extensions, &remote)?;
    let listen = remote
        .listen_port
        .filter(|port| *port != 0)
        .map(|port| SocketAddr::new(addr.ip(), port));
    let peer = MetadataPeer {
        addr,
        frames,
        extensions,
        size,
    };
    Ok((peer, listen))
}

/// Have-none (the fast extension requires a first word about our pieces)
/// and our extended handshake.
async fn send_opening(
    frames: &mut Framed<PeerStream<PeerSocket>, MessageCodec>,
    extensions: &ExtensionRegistry,
    listen_port: u16,
    theirs: Handshake,
) -> Result<(), PeerEnd> {
    if theirs.supports_fast() {
        send(frames, Message::HaveNone).await?;
    }
    let handshake = ExtendedHandshake {
        client: Some(format!("btt {}", env!("CARGO_PKG_VERSION"))),
        listen_port: Some(listen_port),
        ..extensions.handshake()
    };
    send(frames, handshake.to_message()).await
}

async fn send(
    frames: &mut Framed<PeerStream<PeerSocket>, MessageCodec>,
    message: Message,
) -> Result<(), PeerEnd> {
    frames
        .send(message)
        .await
        .map_err(|error| PeerEnd::Failed(format!("send: {error}")))
}

/// Reads messages until the peer's extended handshake.
async fn extended_handshake(
    frames: &mut Framed<PeerStream<PeerSocket>, MessageCodec>,
) -> Result<ExtendedHandshake, PeerEnd> {
    loop {
        match next_message(frames).await? {
            Message::Extended { id: 0, payload } => {
                return ExtendedHandshake::from_payload(&payload)
                    .map_err(|error| PeerEnd::Unusable(error.to_string()))
            }
            _ => continue,
        }
    }
}

async fn next_message(
    frames: &mut Framed<PeerStream<PeerSocket>, MessageCodec>,
) -> Result<Message, PeerEnd> {
    match frames.next().await {
        Some(Ok(message)) => Ok(message),
        Some(Err(error)) => Err(PeerEnd::Failed(error.to_string())),
        None => Err(PeerEnd::Failed("closed the connection".into())),
    }
}

/// The metadata size the peer announced, if it can serve metadata at all.
fn metadata_size(
    extensions: &ExtensionRegistry,
    handshake: &ExtendedHandshake,
) -> Result<usize, PeerEnd> {
    if extensions.remote_id(UT_METADATA).is_none() {
        return Err(PeerEnd::Unusable("does not support ut_metadata".into()));
    }
    let size = handshake
        .metadata_size
        .ok_or_else(|| PeerEnd::Unusable("announced no metadata_size".into()))?;
    match usize::try_from(size) {
        Ok(size @ 1..=MAX_METADATA_SIZE) => Ok(size),
        _ => Err(PeerEnd::Banned(format!(
            "announced metadata of {size} bytes (the limit is {MAX_METADATA_SIZE})"
        ))),
    }
}

impl MetadataPeer {
    async fn fetch(&mut self, context: &FetchContext) -> PeerEnd {
        loop {
            if let Some(reason) = context.bans().get(&self.addr) {
                return PeerEnd::Banned(reason.clone());
            }
            let changed = context.changed.notified();
            let next = context.assembly().next(self.addr, self.size);
            let end = match next {
                Next::Request(piece) => self.fetch_piece(context, piece).await,
                Next::Wait => {
                    let _ = timeout(WAIT_POLL, changed).await;
                    None
                }
            };
            if let Some(end) = end {
                return end;
            }
        }
    }

    /// Requests `piece` and stores the answer; `Some` when the connection ends.
    async fn fetch_piece(&mut self, context: &FetchContext, piece: u32) -> Option<PeerEnd> {
        let request = MetadataMessage::Request { piece }.to_payload();
        let Some(message) = self.extensions.outgoing(UT_METADATA, request) else {
            return Some(PeerEnd::Unusable("disabled ut_metadata".into()));
        };
        if let Err(end) = send(&mut self.frames, message).await {
            return Some(end);
        }
        let reply = match timeout(PIECE_TIMEOUT, self.reply_to(piece)).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(end)) => return Some(end),
            Err(_) => {
                return Some(PeerEnd::Failed(format!(
                    "no answer for metadata piece {piece}"
                )))
            }
        };
        let (total_size, data) = match reply {
            MetadataMessage::Data {
                total_size, data, ..
            } => (total_size, data),
            MetadataMessage::Reject { .. } | MetadataMessage::Request { .. } => {
                return Some(PeerEnd::Banned(format!("rejected metadata piece {piece}")))
            }
        };
        if total_size != self.size as u64 {
            return Some(PeerEnd::Banned(format!(
                "sent total_size {total_size} after announcing {}",
                self.size
            )));
        }
        let stored = context.assembly().store(self.addr, piece, data);
        context.changed.notify_waiters();
        self.on_stored(context, piece, stored)
    }

    fn on_stored(&self, context: &FetchContext, piece: u32, stored: Stored) -> Option<PeerEnd> {
        match stored {
            Stored::Incomplete | Stored::Unexpected => None,
            Stored::Complete(metadata) => Some(PeerEnd::Fetched(metadata)),
            Stored::WrongLength { expected, got } => Some(PeerEnd::Banned(format!(
                "sent {got} bytes for metadata piece {piece} instead of {expected}"
            ))),
            Stored::Mismatch {
                culprit: Some(culprit),
            } => {
                let reason = "sent metadata that does not hash to the info-hash".to_owned();
                context.ban(culprit, reason.clone());
                (culprit == self.addr).then_some(PeerEnd::Banned(reason))
            }
            Stored::Mismatch { culprit: None } => None,
        }
    }

    /// Reads messages until the answer for `piece`, rejecting the peer's own
    /// metadata requests (we have none to give) on the way.
    async fn reply_to(&mut self, piece: u32) -> Result<MetadataMessage, PeerEnd> {
        loop {
            let Message::Extended { id, payload } = next_message(&mut self.frames).await? else {
                continue;
            };
            match self.extensions.incoming(id) {
                IncomingExtension::Named(UT_METADATA) => {}
                IncomingExtension::Handshake => {
                    if let Ok(handshake) = ExtendedHandshake::from_payload(&payload) {
                        self.extensions.record_remote(&handshake);
                    }
                    continue;
                }
                IncomingExtension::Named(_) | IncomingExtension::Unknown(_) => continue,
            }
            let message = MetadataMessage::from_payload(&payload)
                .map_err(|error| PeerEnd::Banned(error.to_string()))?;
            match message {
                MetadataMessage::Request { piece: asked } => {
                    let reject = MetadataMessage::Reject { piece: asked }.to_payload();
                    if let Some(reject) = self.extensions.outgoing(UT_METADATA, reject) {
                        send(&mut self.frames, reject).await?;
                    }
                }
                MetadataMessage::Data { piece: got, .. }
                | MetadataMessage::Reject { piece: got }
                    if got == piece =>
                {
                    return Ok(message)
                }
                MetadataMessage::Data { .. } | MetadataMessage::Reject { .. } => {}
            }
        }
    }
}
