//! A dishonest BitTorrent peer inside the test process: it accepts
//! connections on 127.0.0.1, answers the handshake for one torrent, claims
//! every piece (have-all, or a full bitfield to a peer without the fast
//! extension), unchokes, and answers every request with random bytes. It is
//! built on `btt::peer`, so only its payload lies, never its framing.
//!
//! It runs on its own thread with a current-thread tokio runtime; dropping
//! the [`DishonestPeer`] stops it and joins the thread within about a second.

use btt::bitfield::Bitfield;
use btt::peer::{
    read_handshake, write_handshake, Handshake, Message, MessageCodec, WireError, WireLimits,
};
use futures_util::{SinkExt, StreamExt};
use rand::RngCore;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_util::codec::Framed;

/// The peer id it handshakes with.
const PEER_ID: [u8; 20] = *b"-XX0001-dishonest123";

/// How long a connection may wait for the other side's handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running dishonest peer; stopped when dropped.
#[derive(Debug)]
pub struct DishonestPeer {
    addr: SocketAddr,
    blocks_served: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DishonestPeer {
    /// Starts serving garbage for the torrent `info_hash` with `piece_count` pieces.
    pub fn start(info_hash: [u8; 20], piece_count: usize) -> DishonestPeer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let blocks_served = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&blocks_served);
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
                    () = serve(listener, info_hash, piece_count, counter) => {}
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        DishonestPeer {
            addr,
            blocks_served,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:PORT`, for `btt-get --peer`.
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// How many garbage blocks it has sent so far.
    pub fn blocks_served(&self) -> u64 {
        self.blocks_served.load(Ordering::Relaxed)
    }
}

impl Drop for DishonestPeer {
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
    piece_count: usize,
    counter: Arc<AtomicU64>,
) {
    while let Ok((stream, _)) = listener.accept().await {
        let counter = Arc::clone(&counter);
        tokio::spawn(async move {
            // A connection that breaks is simply over.
            let _ = answer(stream, info_hash, piece_count, &counter).await;
        });
    }
}

/// Runs one connection: handshake, claim everything, unchoke, lie.
async fn answer(
    mut stream: TcpStream,
    info_hash: [u8; 20],
    piece_count: usize,
    counter: &AtomicU64,
) -> Result<(), WireError> {
    let theirs = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_handshake(&mut stream))
        .await
        .map_err(|_| WireError::Io(std::io::ErrorKind::TimedOut.into()))??;
    if theirs.info_hash != info_hash {
        return Ok(());
    }
    let mut ours = Handshake::new(info_hash, PEER_ID);
    if !theirs.supports_fast() {
        ours.reserved = [0; 8];
    }
    write_handshake(&mut stream, &ours).await?;
    let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
    let claim = if theirs.supports_fast() {
        Message::HaveAll
    } else {
        Message::bitfield(&Bitfield::full(piece_count))
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
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}
