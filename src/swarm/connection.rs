//! One peer connection: the handshake, a reader loop that applies each
//! message to the shared state, and a writer task that batches outgoing
//! messages and serves uploads with positioned reads on the blocking pool.

use super::dialer::{self, Dial};
use super::peer_entry::{Outgoing, PeerOrigin};
use super::picker::PeerKey;
use super::shared::Shared;
use super::transport::{PeerSocket, PeerSocketWriter};
use super::upload_slots::MAX_SERVED_BLOCK;
use crate::peer::{
    write_handshake, BlockRequest, Handshake, Message, MessageCodec, PeerStream, WireLimits,
};
use bytes::{BufMut, BytesMut};
use futures_util::StreamExt;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::timeout;
use tokio_util::codec::{Encoder, FramedRead};

/// How long the encryption negotiation or the BitTorrent handshake may take.
pub(super) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A peer that sends nothing at all for this long is dropped (keep-alives count).
const IDLE_TIMEOUT: Duration = Duration::from_secs(150);
/// We send a keep-alive after this long without sending anything.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(90);
/// Blocks read from storage in one blocking call, at most (see [`next_batch`]).
const UPLOAD_BATCH: usize = 16;
/// Requests a peer may have queued with us, and what we advertise as our
/// `reqq`; more are rejected. A queued request is a few bytes and blocks are
/// read [`UPLOAD_BATCH`] at a time, so a long queue costs little memory
/// (libtorrent advertises 2000; 512 held Transmission to 512 blocks a second).
pub(super) const MAX_QUEUED_UPLOADS: usize = 2048;

/// Dials `addr`, exchanges handshakes and runs the connection to its end,
/// holding one of the process's connection slots throughout.
pub(super) async fn dial(shared: Arc<Shared>, addr: SocketAddr, _slot: OwnedSemaphorePermit) {
    let dial = Dial {
        info_hash: shared.info_hash,
        peer_id: shared.options.peer_id,
        policy: shared.options.encryption,
        transport: &shared.options.transport,
    };
    let outcome = dialer::open(addr, &dial).await;
    shared.dialling(addr, true);
    if let Ok((stream, theirs)) = outcome {
        run(shared, stream, addr, true, theirs).await;
    }
}

/// Answers an incoming connection whose handshake was read by the listener.
pub(super) async fn accept(
    shared: Arc<Shared>,
    mut stream: PeerStream<PeerSocket>,
    addr: SocketAddr,
    theirs: Handshake,
    _slot: OwnedSemaphorePermit,
) {
    // The listener routed the hash they named here: either of a hybrid's.
    let ours = Handshake::new(theirs.info_hash, shared.options.peer_id);
    if write_handshake(&mut stream, &ours).await.is_ok() {
        run(shared, stream, addr, false, theirs).await;
    }
}

/// Runs a handshaken connection (`dialled` by us, or accepted) until either side ends it.
async fn run(
    shared: Arc<Shared>,
    stream: PeerStream<PeerSocket>,
    addr: SocketAddr,
    dialled: bool,
    theirs: Handshake,
) {
    let (read_half, write_half) = stream.into_split();
    let (outbox, outbox_rx) = mpsc::unbounded_channel();
    let cancel = shared.shutdown.child_token();
    let fast = theirs.supports_fast();
    let origin = PeerOrigin {
        addr,
        dialled,
        peer_id: theirs.peer_id,
        fast,
    };
    let Ok((key, allowed_fast)) = shared.register(origin, outbox, cancel.clone()) else {
        return;
    };
    let writer = tokio::spawn(write_loop(
        Arc::clone(&shared),
        key,
        write_half,
        outbox_rx,
        fast,
        allowed_fast,
    ));
    shared.send_opening(key, theirs.supports_extensions());
    let limits = WireLimits {
        max_message_length: wire_message_limit(shared.torrent.info.pieces.len()),
        max_block_length: MAX_SERVED_BLOCK,
    };
    let mut frames = FramedRead::with_capacity(read_half, MessageCodec::new(limits), 256 * 1024);
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => break,
            next = timeout(IDLE_TIMEOUT, frames.next()) => next,
        };
        let message = match next {
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(_))) | Ok(None) | Err(_) => break,
        };
        let block_bytes = match &message {
            Message::Piece { data, .. } => data.len() as u64,
            _ => 0,
        };
        if shared.on_message(key, message).is_err() {
            break;
        }
        if block_bytes > 0 {
            shared.options.download_limits.acquire(block_bytes).await;
        }
    }
    cancel.cancel();
    shared.unregister(key);
    let _ = writer.await;
}

/// The largest message a peer may send: a bitfield for this torrent or a block.
fn wire_message_limit(piece_count: usize) -> u32 {
    let bitfield = piece_count.div_ceil(8) + 1;
    (bitfield.max(MAX_SERVED_BLOCK as usize + 9).max(1 << 20)) as u32
}

/// What the writer holds between writes.
struct Writer {
    codec: MessageCodec,
    buffer: BytesMut,
    uploads: VecDeque<BlockRequest>,
    fast: bool,
    allowed_fast: Vec<u32>,
}

impl Writer {
    fn take(&mut self, item: Outgoing) {
        match item {
            Outgoing::Message(message) => {
                if matches!(message, Message::Choke) {
                    self.drop_uploads();
                }
                self.encode(message);
            }
            Outgoing::Upload(request) if self.uploads.len() >= MAX_QUEUED_UPLOADS => {
                self.refuse(request)
            }
            Outgoing::Upload(request) => self.uploads.push_back(request),
            Outgoing::WithdrawUpload(request) => self.uploads.retain(|queued| *queued != request),
        }
    }

    fn encode(&mut self, message: Message) {
        // Encoding our own well-formed messages cannot fail.
        let _ = self.codec.encode(message, &mut self.buffer);
    }

    fn refuse(&mut self, request: BlockRequest) {
        if self.fast {
            self.encode(Message::Reject(request));
        }
    }

    /// Refuses every queued upload but those of allowed-fast pieces (BEP 6).
    fn drop_uploads(&mut self) {
        let (keep, refuse): (VecDeque<BlockRequest>, VecDeque<BlockRequest>) =
            std::mem::take(&mut self.uploads)
                .into_iter()
                .partition(|request| self.allowed_fast.contains(&request.index));
        self.uploads = keep;
        for request in refuse {
            self.refuse(request);
        }
    }
}

async fn write_loop(
    shared: Arc<Shared>,
    key: PeerKey,
    mut socket: PeerStream<PeerSocketWriter>,
    mut outbox: mpsc::UnboundedReceiver<Outgoing>,
    fast: bool,
    allowed_fast: Vec<u32>,
) {
    let mut writer = Writer {
        codec: MessageCodec::default(),
        buffer: BytesMut::with_capacity(64 * 1024),
        uploads: VecDeque::new(),
        fast,
        allowed_fast,
    };
    loop {
        while let Ok(item) = outbox.try_recv() {
            writer.take(item);
        }
        if !writer.uploads.is_empty() && shared.is_choking(key) {
            writer.drop_uploads();
        }
        if !writer.uploads.is_empty() {
            let grant = shared.options.upload_limits.grant_size();
            let batch = next_batch(&mut writer.uploads, grant);
            let bytes: u64 = batch.iter().map(|request| u64::from(request.length)).sum();
            let share = shared.upload_share(key);
            shared
                .options
                .upload_limits
                .acquire_share(bytes, share)
                .await;
            let buffer = std::mem::take(&mut writer.buffer);
            match read_blocks(&shared, buffer, batch).await {
                Some(filled) => writer.buffer = filled,
                None => break,
            }
            shared.count_upload(key, bytes);
        }
        if !writer.buffer.is_empty() {
            // An encrypted stream sends its last bytes on flush.
            let written = socket.write_all(&writer.buffer).await;
            if written.is_err() || socket.flush().await.is_err() {
                break;
            }
            writer.buffer.clear();
            continue;
        }
        match timeout(KEEPALIVE_INTERVAL, outbox.recv()).await {
            Ok(Some(item)) => writer.take(item),
            Ok(None) => break,
            Err(_) => writer.encode(Message::KeepAlive),
        }
    }
    let _ = socket.shutdown().await;
}

/// The next uploads to serve: up to [`UPLOAD_BATCH`] blocks and no more
/// than `max_bytes` (one grant of the upload limit), but at least one block.
fn next_batch(uploads: &mut VecDeque<BlockRequest>, max_bytes: u64) -> Vec<BlockRequest> {
    let mut bytes = 0;
    let count = uploads
        .iter()
        .take(UPLOAD_BATCH)
        .take_while(|request| {
            bytes += u64::from(request.length);
            bytes <= max_bytes
        })
        .count();
    uploads.drain(..count.max(1).min(uploads.len())).collect()
}

/// Appends a `piece` message for each request to `buffer`, reading the block
/// straight into place. `None` if storage failed (the connection then ends).
async fn read_blocks(
    shared: &Arc<Shared>,
    mut buffer: BytesMut,
    batch: Vec<BlockRequest>,
) -> Option<BytesMut> {
    let storage = Arc::clone(&shared.storage);
    tokio::task::spawn_blocking(move || {
        for request in batch {
            let length = request.length as usize;
            buffer.reserve(13 + length);
            buffer.put_u32(9 + request.length);
            buffer.put_u8(crate::peer::message::id::PIECE);
            buffer.put_u32(request.index);
            buffer.put_u32(request.begin);
            let start = buffer.len();
            buffer.resize(start + length, 0);
            storage
                .read_block(request.index, request.begin, &mut buffer[start..])
                .ok()?;
        }
        Some(buffer)
    })
    .await
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests(count: u32) -> VecDeque<BlockRequest> {
        (0..count)
            .map(|index| BlockRequest {
                index,
                begin: 0,
                length: 16 * 1024,
            })
            .collect()
    }

    #[test]
    fn a_batch_is_at_most_one_grant_but_at_least_one_block() {
        let mut uploads = requests(40);
        assert_eq!(next_batch(&mut uploads, u64::MAX).len(), UPLOAD_BATCH);
        assert_eq!(next_batch(&mut uploads, 100 * 1024).len(), 6);
        assert_eq!(next_batch(&mut uploads, 1000).len(), 1);
        assert_eq!(uploads.len(), 40 - UPLOAD_BATCH - 7);
    }
}
