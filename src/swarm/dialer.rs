//! Opening a connection to a peer: over each transport in the order the
//! [`PeerTransport`] gives (TCP, then uTP, unless told otherwise), the
//! connect, the MSE negotiation under the encryption policy and the
//! BitTorrent handshake. The first transport over which all three succeed
//! is the connection's; a peer that takes TCP connections and closes them
//! (libtorrent with TCP off does) is reached over uTP.
//!
//! Under `prefer`, a peer that fails the negotiation (a plain-only client
//! hangs up on our DH key) is dialled once more over the same transport,
//! in plain text; under `require` its failure is the transport's; under
//! `off` no negotiation is tried.

use super::connection::HANDSHAKE_TIMEOUT;
use super::peer_entry::PeerError;
use super::transport::{PeerSocket, PeerTransport, TransportKind};
use crate::peer::mse;
use crate::peer::{read_handshake, write_handshake, EncryptionPolicy, Handshake, PeerStream};
use bytes::BytesMut;
use std::net::SocketAddr;
use tokio::time::timeout;

/// What opening a connection for one torrent needs.
#[derive(Debug, Clone)]
pub(super) struct Dial<'a> {
    /// The torrent.
    pub(super) info_hash: [u8; 20],
    /// Our peer id.
    pub(super) peer_id: [u8; 20],
    /// The encryption policy.
    pub(super) policy: EncryptionPolicy,
    /// The transports to try.
    pub(super) transport: &'a PeerTransport,
}

/// A handshaken connection to `addr` for `dial`'s torrent, and the peer's handshake.
pub(super) async fn open(
    addr: SocketAddr,
    dial: &Dial<'_>,
) -> Result<(PeerStream<PeerSocket>, Handshake), PeerError> {
    let mut failure = PeerError::Refused("no transport to dial with");
    for &kind in dial.transport.dial_order() {
        match open_over(kind, addr, dial).await {
            Ok(opened) => return Ok(opened),
            Err(error) => failure = error,
        }
    }
    Err(failure)
}

async fn open_over(
    kind: TransportKind,
    addr: SocketAddr,
    dial: &Dial<'_>,
) -> Result<(PeerStream<PeerSocket>, Handshake), PeerError> {
    let mut stream = negotiate(kind, addr, dial).await?;
    let ours = Handshake::new(dial.info_hash, dial.peer_id);
    let theirs = timeout(HANDSHAKE_TIMEOUT, async {
        write_handshake(&mut stream, &ours).await?;
        read_handshake(&mut stream).await
    })
    .await
    .map_err(|_| PeerError::Timeout)??;
    if theirs.info_hash != dial.info_hash {
        return Err(PeerError::Protocol(
            "peer answered for another torrent".into(),
        ));
    }
    Ok((stream, theirs))
}

/// A connection over `kind`, negotiated as the policy says.
async fn negotiate(
    kind: TransportKind,
    addr: SocketAddr,
    dial: &Dial<'_>,
) -> Result<PeerStream<PeerSocket>, PeerError> {
    let policy = dial.policy;
    let plain = || async {
        let socket = dial.transport.connect(kind, addr).await?;
        Ok(PeerStream::plain(socket, BytesMut::new()))
    };
    if policy == EncryptionPolicy::Off {
        return plain().await;
    }
    let socket = dial.transport.connect(kind, addr).await?;
    match timeout(
        HANDSHAKE_TIMEOUT,
        mse::initiate(socket, dial.info_hash, policy),
    )
    .await
    {
        Ok(Ok(stream)) => Ok(stream),
        _ if policy == EncryptionPolicy::Prefer => plain().await,
        Ok(Err(error)) => Err(PeerError::Encryption(error)),
        Err(_) => Err(PeerError::Timeout),
    }
}
