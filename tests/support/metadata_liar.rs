//! A peer inside the test process that serves metadata (`ut_metadata`,
//! BEP 9) that does not hash to the info-hash it answers for: the bytes it
//! is given, with the right size, so only the SHA-1 check can catch it. It
//! claims no pieces. Built on `btt::peer`, so its framing is correct.
//!
//! It runs as a [`ScriptedPeer`]; dropping the [`MetadataLiar`] stops it.

use super::scripted_peer::{Counters, ScriptedPeer};
use btt::peer::{
    read_handshake, write_handshake, ExtendedHandshake, ExtensionRegistry, Handshake,
    IncomingExtension, Message, MessageCodec, MetadataMessage, WireError, WireLimits, UT_METADATA,
};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// The peer id it handshakes with.
const PEER_ID: [u8; 20] = *b"-XX0001-metadatalie1";

/// How long a connection may wait for the other side's handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running liar; stopped when dropped.
#[derive(Debug)]
pub struct MetadataLiar {
    peer: ScriptedPeer,
}

impl MetadataLiar {
    /// Answers for `info_hash` with `metadata` (which should not hash to it).
    pub fn start(info_hash: [u8; 20], metadata: Vec<u8>) -> MetadataLiar {
        let metadata = Bytes::from(metadata);
        let peer = ScriptedPeer::start(move |stream, counters| {
            answer(stream, info_hash, metadata.clone(), counters)
        });
        MetadataLiar { peer }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.peer.addr()
    }

    /// How many metadata pieces it has sent so far.
    pub fn pieces_served(&self) -> u64 {
        self.peer.served()
    }
}

/// Runs one connection: handshakes, announces the metadata, serves lies.
async fn answer(
    mut stream: TcpStream,
    info_hash: [u8; 20],
    metadata: Bytes,
    counters: Arc<Counters>,
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
            counters.served.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}
