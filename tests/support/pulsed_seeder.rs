//! [`PulsedSeeder`]: a seeder that answers as Transmission 3.00 does, or a
//! far peer on a slow line: it queues requests and answers all of them in one
//! pulse every half second. Its rate is what the downloader keeps in flight
//! (32 requests a pulse is 1 MiB/s), so it shows how many requests a
//! downloader keeps outstanding; it records the most it ever held.
//!
//! It runs as a [`ScriptedPeer`]; dropping it stops it.

use super::fast_peer::{block_of, SeededContent};
use super::scripted_peer::{Counters, ScriptedPeer};
use btt::peer::{
    read_handshake, write_handshake, Handshake, Message, MessageCodec, WireError, WireLimits,
};
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// The peer id it handshakes with.
const PEER_ID: [u8; 20] = *b"-XX0001-pulsedseed12";
/// How often it answers what it holds.
const PULSE: Duration = Duration::from_millis(500);

/// A seeder that unchokes at once and answers in half-second pulses.
#[derive(Debug)]
pub struct PulsedSeeder {
    peer: ScriptedPeer,
    most_outstanding: Arc<AtomicU64>,
}

impl PulsedSeeder {
    /// Starts listening on 127.0.0.1; `content.allowed` is not used.
    pub fn start(content: SeededContent) -> PulsedSeeder {
        let most_outstanding = Arc::new(AtomicU64::new(0));
        let most = Arc::clone(&most_outstanding);
        let peer = ScriptedPeer::start(move |stream, counters| {
            serve_pulsed(stream, content.clone(), counters, Arc::clone(&most))
        });
        PulsedSeeder {
            peer,
            most_outstanding,
        }
    }

    /// `127.0.0.1:PORT`, for `btt-get --peer`.
    pub fn addr(&self) -> String {
        self.peer.addr()
    }

    /// The most requests it held unanswered at once.
    pub fn most_outstanding(&self) -> u64 {
        self.most_outstanding.load(Ordering::Relaxed)
    }
}

/// One connection: have-all and unchoke, then a pulse of answers every
/// [`PULSE`]; a cancel withdraws a request.
async fn serve_pulsed(
    mut stream: TcpStream,
    content: SeededContent,
    counters: Arc<Counters>,
    most: Arc<AtomicU64>,
) -> Result<(), WireError> {
    let theirs = read_handshake(&mut stream).await?;
    if theirs.info_hash != content.info_hash || !theirs.supports_fast() {
        return Ok(());
    }
    write_handshake(&mut stream, &Handshake::new(content.info_hash, PEER_ID)).await?;
    counters.connections.fetch_add(1, Ordering::Relaxed);
    let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
    framed.send(Message::HaveAll).await?;
    framed.send(Message::Unchoke).await?;
    let mut queued = Vec::new();
    let mut pulse = tokio::time::interval(PULSE);
    loop {
        tokio::select! {
            message = framed.next() => match message.transpose()? {
                None => return Ok(()),
                Some(Message::Request(request)) => {
                    queued.push(request);
                    most.fetch_max(queued.len() as u64, Ordering::Relaxed);
                }
                Some(Message::Cancel(request)) => queued.retain(|queued| *queued != request),
                Some(_) => {}
            },
            _ = pulse.tick() => {
                for request in queued.drain(..) {
                    let Some(data) = block_of(&content, &request) else { continue };
                    let piece = Message::Piece { index: request.index, begin: request.begin, data };
                    framed.feed(piece).await?;
                    counters.served.fetch_add(1, Ordering::Relaxed);
                }
                framed.flush().await?;
            }
        }
    }
}
