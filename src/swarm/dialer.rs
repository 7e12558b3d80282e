//! Opening a connection to a peer under the encryption policy: TCP connect,
//! then the MSE negotiation. Under `prefer`, a peer that fails the
//! negotiation (a plain-only client hangs up on our DH key) is dialled once
//! more, in plain text; under `require` its failure is the dial's; under
//! `off` no negotiation is tried. The caller writes the BitTorrent
//! handshake over the stream returned. Sockets have Nagle's algorithm off
//! (as the listener's do), for the small messages of both handshakes.

use super::connection::HANDSHAKE_TIMEOUT;
use super::peer_entry::PeerError;
use crate::peer::mse;
use crate::peer::{EncryptionPolicy, PeerStream};
use bytes::BytesMut;
use std::net::SocketAddr;
use tokio::net::TcpStream;
use tokio::time::timeout;

/// A connection to `addr` for the torrent `info_hash`, negotiated as `policy` says.
pub(super) async fn connect(
    addr: SocketAddr,
    info_hash: [u8; 20],
    policy: EncryptionPolicy,
) -> Result<PeerStream<TcpStream>, PeerError> {
    if policy == EncryptionPolicy::Off {
        return plain(addr).await;
    }
    let stream = tcp(addr).await?;
    match timeout(HANDSHAKE_TIMEOUT, mse::initiate(stream, info_hash, policy)).await {
        Ok(Ok(stream)) => Ok(stream),
        _ if policy == EncryptionPolicy::Prefer => plain(addr).await,
        Ok(Err(error)) => Err(PeerError::Encryption(error)),
        Err(_) => Err(PeerError::Timeout),
    }
}

async fn plain(addr: SocketAddr) -> Result<PeerStream<TcpStream>, PeerError> {
    Ok(PeerStream::plain(tcp(addr).await?, BytesMut::new()))
}

async fn tcp(addr: SocketAddr) -> Result<TcpStream, PeerError> {
    let stream = timeout(HANDSHAKE_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| PeerError::Timeout)?
        .map_err(|error| PeerError::Wire(error.into()))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}
