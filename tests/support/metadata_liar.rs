//! A peer inside the test process that serves metadata (`ut_metadata`,
//! BEP 9) that does not hash to the info-hash it answers for: the bytes it
//! is given, with the right size, so only the SHA-1 check can catch it. It
//! claims no pieces. Built on `btt::peer`, so its framing is correct.
//!
//! It runs on its own thread with a current-thread tokio runtime; dropping
//! the [`MetadataLiar`] stops it and joins the thread within about a second.

use btt::peer::{
    read_handshake, write_handshake, ExtendedHandshake, ExtensionRegistry, Handshake,
    IncomingExtension, Message, MessageCodec, MetadataMessage, WireError, WireLimits, UT_METADATA,
};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_util::codec::Framed;

/// The peer id it handshakes with.
const PEER_ID: [u8; 20] = *b"-XX0001-metadatalie1";

/// How long a connection may wait for the other side's handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running liar; stopped when dropped.
#[derive(Debug)]
pub struct MetadataLiar {
    addr: SocketAddr,
    pieces_served: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MetadataLiar {
    /// Answers for `info_hash` with `metadata` (which should not hash to it).
    pub fn start(info_hash: [u8; 20], metadata: Vec<u8>) -> MetadataLiar {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let pieces_served = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&pieces_served);
        let metadata = Bytes::from(metadata);
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = stopped => {}
                    () = serve(listener, info_hash, metadata, counter) => {}
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        MetadataLiar {
            addr,
            pieces_served,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// How many metadata pieces it has sent so far.
    pub fn pieces_served(&self) -> u64 {
        self.pieces_served.load(Ordering::Relaxed)
    }
}

impl Drop for MetadataLiar {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: TcpListener,
    info_hash: [u8; 20],
    metadata: Bytes,
    counter: Arc<AtomicU64>,
) {
    while let Ok((stream, _)) = listener.accept().await {
        let (metadata, counter) = (metadata.clone(), Arc::clone(&counter));
        tokio::spawn(async move {
            // A connection that breaks is simply over.
            let _ = answer(stream, info_hash, metadata, &counter).await;
        });
    }
}

/// Runs one connection: handshakes, announces the metadata, serves lies.
async fn answer(
    mut stream: TcpStream,
    info_hash: [u8; 20],
    metadata: Bytes,
    counter: &AtomicU64,
) -> Result<(), WireError> {
    let theirs = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_handshake(&mut stream))
        .await
        .map_err(|_| WireError::Io(std::io::ErrorKind::TimedOut.into()))??;
    if theirs.info_hash != info_hash {
        return Ok(());
    }
    let mut ours = Handshake::new(info_hash, PEER_ID);
    ours.reserved = [0, 0, 0, 0, 0, 0x10, 0, 0];
    write_handshake(&mut stream, &ours).await?;
    let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
    let mut extensions = ExtensionRegistry::new();
    extensions.register(UT_METADATA)?;
    let handshake = ExtendedHandshake {
        metadata_size: Some(metadata.len() as u64),
        ..extensions.handshake()
    };
    framed.send(handshake.to_message()).await?;
    while let Some(message) = framed.next().await {
        let Message::Extended { id, payload } = message? else {
            continue;
        };
        if id == 0 {
            extensions.record_remote(&ExtendedHandshake::from_payload(&payload)?);
            continue;
        }
        if extensions.incoming(id) != IncomingExtension::Named(UT_METADATA) {
            continue;
        }
        let Ok(MetadataMessage::Request { piece }) = MetadataMessage::from_payload(&payload) else {
            continue;
        };
        let start = piece as usize * 16 * 1024;
        let end = (start + 16 * 1024).min(metadata.len());
        let reply = MetadataMessage::Data {
            piece,
            total_size: metadata.len() as u64,
            data: metadata.slice(start.min(end)..end),
        };
        if let Some(message) = extensions.outgoing(UT_METADATA, reply.to_payload()) {
            framed.send(message).await?;
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}
