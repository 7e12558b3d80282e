//! The one error type of the peer wire protocol. Every variant names what was
//! wrong and carries the offending value, so a closed connection can be logged
//! with a reason a person can act on.

use thiserror::Error;

/// Why a peer connection's bytes could not be read or written. A decoder
/// error ends a `Framed` stream: the connection should be closed and the
/// error logged.
#[derive(Debug, Error)]
pub enum WireError {
    /// The 4-byte length prefix announces more than the configured limit; the
    /// message is refused before any buffer space is reserved for it.
    #[error("peer announced a {length}-byte message, more than the limit of {limit} bytes")]
    MessageTooLong { length: u32, limit: u32 },
    /// A message id this client does not know.
    #[error("unknown message id {id}")]
    UnknownMessage { id: u8 },
    /// A message whose payload does not have the length its id requires.
    #[error("message id {id} has a payload of {length} bytes, which is not valid for it")]
    BadPayloadLength { id: u8, length: u32 },
    /// A request, cancel, reject or piece for a block larger than the limit.
    #[error("block of {length} bytes is larger than the limit of {limit} bytes")]
    BlockTooLong { length: u32, limit: u32 },
    /// An outgoing message too large to frame with a 4-byte length.
    #[error("outgoing message of {length} bytes does not fit a 4-byte length prefix")]
    OutgoingTooLong { length: usize },
    /// The handshake did not start with `\x13BitTorrent protocol`.
    #[error("peer does not speak the BitTorrent protocol: handshake starts with {}", hex::encode(.header))]
    BadProtocol { header: [u8; 20] },
    /// The BEP 10 extended handshake is not strict, valid bencode (this
    /// includes nesting deeper than [`crate::bencode::MAX_DEPTH`]).
    #[error("extended handshake is not valid bencode: {source}")]
    ExtendedHandshakeBencode {
        #[source]
        source: crate::bencode::DecodeError,
    },
    /// The BEP 10 extended handshake is bencode but not a dictionary.
    #[error("extended handshake is not a bencoded dictionary")]
    ExtendedHandshakeNotADictionary,
    /// A known key of the BEP 10 extended handshake has a wrong type or value.
    #[error("extended handshake key {key:?} is invalid: {reason}")]
    ExtendedHandshakeField { key: String, reason: &'static str },
    /// All 255 local extension message ids are taken.
    #[error("no local extension message id left for {name:?}")]
    ExtensionIdsExhausted { name: String },
    /// The underlying connection failed or closed early.
    #[error("peer connection: {0}")]
    Io(#[from] std::io::Error),
}
