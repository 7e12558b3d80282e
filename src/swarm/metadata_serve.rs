//! Serving a torrent's info dictionary to peers that only know its
//! info-hash (`ut_metadata`, BEP 9). Every running session does this, private
//! torrents included (BEP 9 allows it: the peer already knows the info-hash).
//!
//! Invariant: what is served is the torrent's exact info bytes, the ones the
//! info-hash was computed from, so a peer's SHA-1 check always passes. A
//! request for a piece past the end is rejected, never answered with
//! nothing; `data` and `reject` messages sent to us are ignored (a session
//! never asks for metadata).

use super::extension::{ExtensionPeer, SessionExtension};
use super::peer_entry::PeerError;
use crate::metainfo::Torrent;
use crate::peer::ut_metadata::{piece_length, MetadataMessage, METADATA_PIECE_SIZE};
use crate::peer::{ExtendedHandshake, MetadataMessageError, UT_METADATA};
use bytes::Bytes;
use std::time::Instant;

/// The `ut_metadata` extension of a running session: it announces the
/// info dictionary's size and answers requests for its pieces.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct MetadataServer;

impl SessionExtension for MetadataServer {
    type Peer = ();

    fn name(&self) -> &'static str {
        UT_METADATA
    }

    fn new_peer(&self, _peer: &ExtensionPeer<'_>, _now: Instant) {}

    fn handshake_fields(&self, torrent: &Torrent, handshake: &mut ExtendedHandshake) {
        handshake.metadata_size = Some(torrent.info_bytes.len() as u64);
    }

    /// A request is answered with a piece of our info dictionary or a
    /// reject; a malformed message is a protocol violation.
    fn on_message(
        &self,
        peer: &mut ExtensionPeer<'_>,
        _state: &mut (),
        payload: &[u8],
    ) -> Result<(), PeerError> {
        let answer = reply(&peer.torrent().info_bytes, payload)
            .map_err(|error| PeerError::Protocol(error.to_string()))?;
        if let Some(answer) = answer {
            peer.send(answer.to_payload());
        }
        Ok(())
    }
}

/// The reply to a `ut_metadata` message from a peer, if it needs one.
fn reply(
    info_bytes: &[u8],
    payload: &[u8],
) -> Result<Option<MetadataMessage>, MetadataMessageError> {
    let MetadataMessage::Request { piece } = MetadataMessage::from_payload(payload)? else {
        return Ok(None);
    };
    let Some(length) = piece_length(info_bytes.len(), piece) else {
        return Ok(Some(MetadataMessage::Reject { piece }));
    };
    let start = piece as usize * METADATA_PIECE_SIZE;
    let data = info_bytes
        .get(start..start + length)
        .map(Bytes::copy_from_slice)
        .unwrap_or_default();
    Ok(Some(MetadataMessage::Data {
        piece,
        total_size: info_bytes.len() as u64,
        data,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(piece: u32) -> Bytes {
        MetadataMessage::Request { piece }.to_payload()
    }

    #[test]
    fn serves_each_piece_of_the_exact_info_bytes() {
        let info: Vec<u8> = (0..40_000u32).map(|n| n as u8).collect();
        let mut assembled = Vec::new();
        for piece in 0..3 {
            match reply(&info, &request(piece)) {
                Ok(Some(MetadataMessage::Data {
                    piece: got,
                    total_size,
                    data,
                })) => {
                    assert_eq!((got, total_size), (piece, 40_000));
                    assembled.extend_from_slice(&data);
                }
                other => panic!("piece {piece}: {other:?}"),
            }
        }
        assert_eq!(assembled, info);
    }

    #[test]
    fn rejects_pieces_past_the_end() {
        let info = vec![b'x'; METADATA_PIECE_SIZE];
        for piece in [1, 2, u32::MAX] {
            assert_eq!(
                reply(&info, &request(piece)),
                Ok(Some(MetadataMessage::Reject { piece }))
            );
        }
    }

    #[test]
    fn ignores_data_and_reject_and_refuses_garbage() {
        let reject = MetadataMessage::Reject { piece: 0 }.to_payload();
        assert_eq!(reply(b"de", &reject), Ok(None));
        assert!(reply(b"de", b"garbage").is_err());
    }
}
