//! The messages peers exchange after the handshake (BEP 3), with the fast
//! extension (BEP 6), the DHT port (BEP 5), the extension protocol
//! (BEP 10) and the v2 hash messages (BEP 52). Payloads that carry data (`Bitfield`, `Piece`, `Extended`) hold
//! [`Bytes`] so a decoded message shares the receive buffer instead of
//! copying it.

use bytes::Bytes;

use crate::bitfield::Bitfield;

/// One block of a piece: `length` bytes starting at offset `begin` of piece
/// `index`. Used by request, cancel and reject messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockRequest {
    /// The piece index.
    pub index: u32,
    /// The byte offset inside the piece.
    pub begin: u32,
    /// The number of bytes.
    pub length: u32,
}

/// A range of one file's merkle tree (BEP 52): `length` hashes of layer
/// `base_layer` (0: the 16 KiB blocks) from `index`, with the uncle hashes
/// that prove them up to `proof_layers` layers above the base. Used by the
/// hash request, hashes and hash reject messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashRange {
    /// The file's `pieces root`.
    pub pieces_root: [u8; 32],
    /// The layer the hashes are of, counted from the blocks.
    pub base_layer: u32,
    /// The first hash's index in its layer.
    pub index: u32,
    /// The number of hashes of the base layer.
    pub length: u32,
    /// How many layers above the base the proof reaches.
    pub proof_layers: u32,
}

/// A peer wire message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A zero-length message that keeps an idle connection open.
    KeepAlive,
    /// The sender will not serve requests.
    Choke,
    /// The sender will serve requests.
    Unchoke,
    /// The sender wants pieces the receiver has.
    Interested,
    /// The sender wants nothing the receiver has.
    NotInterested,
    /// The sender has verified this piece.
    Have(u32),
    /// Raw wire bytes of the sender's pieces; validate with
    /// [`Bitfield::from_bytes`] once the piece count is known.
    Bitfield(Bytes),
    /// Asks for a block.
    Request(BlockRequest),
    /// Carries a block.
    Piece {
        /// The piece index.
        index: u32,
        /// The byte offset inside the piece.
        begin: u32,
        /// The block's bytes.
        data: Bytes,
    },
    /// Withdraws a request.
    Cancel(BlockRequest),
    /// The sender's DHT port (BEP 5).
    Port(u16),
    /// The sender suggests downloading this piece (BEP 6).
    SuggestPiece(u32),
    /// The sender has every piece (BEP 6).
    HaveAll,
    /// The sender has no piece (BEP 6).
    HaveNone,
    /// The sender will not serve this request (BEP 6).
    Reject(BlockRequest),
    /// The receiver may request this piece even while choked (BEP 6).
    AllowedFast(u32),
    /// Asks for hashes of a file's merkle tree (BEP 52).
    HashRequest(HashRange),
    /// Carries the hashes of a range, then its uncle hashes (BEP 52).
    Hashes {
        /// The range the hashes are of.
        range: HashRange,
        /// 32-byte hashes, concatenated.
        hashes: Bytes,
    },
    /// The sender will not serve this hash request (BEP 52).
    HashReject(HashRange),
    /// An extension protocol message (BEP 10): `id` 0 is the extended
    /// handshake, other ids are the ones the receiver assigned.
    Extended {
        /// The extended message id.
        id: u8,
        /// The extension's payload.
        payload: Bytes,
    },
}

/// The one-byte message ids on the wire.
pub mod id {
    /// `choke`
    pub const CHOKE: u8 = 0;
    /// `unchoke`
    pub const UNCHOKE: u8 = 1;
    /// `interested`
    pub const INTERESTED: u8 = 2;
    /// `not interested`
    pub const NOT_INTERESTED: u8 = 3;
    /// `have`
    pub const HAVE: u8 = 4;
    /// `bitfield`
    pub const BITFIELD: u8 = 5;
    /// `request`
    pub const REQUEST: u8 = 6;
    /// `piece`
    pub const PIECE: u8 = 7;
    /// `cancel`
    pub const CANCEL: u8 = 8;
    /// `port` (BEP 5)
    pub const PORT: u8 = 9;
    /// `suggest piece` (BEP 6)
    pub const SUGGEST_PIECE: u8 = 0x0d;
    /// `have all` (BEP 6)
    pub const HAVE_ALL: u8 = 0x0e;
    /// `have none` (BEP 6)
    pub const HAVE_NONE: u8 = 0x0f;
    /// `reject request` (BEP 6)
    pub const REJECT: u8 = 0x10;
    /// `allowed fast` (BEP 6)
    pub const ALLOWED_FAST: u8 = 0x11;
    /// `extended` (BEP 10)
    pub const EXTENDED: u8 = 20;
    /// `hash request` (BEP 52)
    pub const HASH_REQUEST: u8 = 21;
    /// `hashes` (BEP 52)
    pub const HASHES: u8 = 22;
    /// `hash reject` (BEP 52)
    pub const HASH_REJECT: u8 = 23;
}

/// The bytes of a [`HashRange`] on the wire.
pub(crate) const HASH_RANGE_LENGTH: usize = 48;

impl Message {
    /// The bitfield message announcing `bitfield`.
    pub fn bitfield(bitfield: &Bitfield) -> Message {
        Message::Bitfield(Bytes::copy_from_slice(bitfield.as_bytes()))
    }

    /// The message id byte, or `None` for a keep-alive, which has none.
    pub fn id(&self) -> Option<u8> {
        Some(match self {
            Message::KeepAlive => return None,
            Message::Choke => id::CHOKE,
            Message::Unchoke => id::UNCHOKE,
            Message::Interested => id::INTERESTED,
            Message::NotInterested => id::NOT_INTERESTED,
            Message::Have(_) => id::HAVE,
            Message::Bitfield(_) => id::BITFIELD,
            Message::Request(_) => id::REQUEST,
            Message::Piece { .. } => id::PIECE,
            Message::Cancel(_) => id::CANCEL,
            Message::Port(_) => id::PORT,
            Message::SuggestPiece(_) => id::SUGGEST_PIECE,
            Message::HaveAll => id::HAVE_ALL,
            Message::HaveNone => id::HAVE_NONE,
            Message::Reject(_) => id::REJECT,
            Message::AllowedFast(_) => id::ALLOWED_FAST,
            Message::Extended { .. } => id::EXTENDED,
            Message::HashRequest(_) => id::HASH_REQUEST,
            Message::Hashes { .. } => id::HASHES,
            Message::HashReject(_) => id::HASH_REJECT,
        })
    }

    /// The length of the message on the wire, prefix included.
    pub fn wire_length(&self) -> usize {
        4 + self.body_length()
    }

    /// The length the 4-byte prefix announces: id byte plus payload.
    pub(crate) fn body_length(&self) -> usize {
        match self {
            Message::KeepAlive => 0,
            Message::Choke
            | Message::Unchoke
            | Message::Interested
            | Message::NotInterested
            | Message::HaveAll
            | Message::HaveNone => 1,
            Message::Port(_) => 3,
            Message::Have(_) | Message::SuggestPiece(_) | Message::AllowedFast(_) => 5,
            Message::Request(_) | Message::Cancel(_) | Message::Reject(_) => 13,
            Message::Bitfield(bytes) => 1 + bytes.len(),
            Message::Piece { data, .. } => 9 + data.len(),
            Message::Extended { payload, .. } => 2 + payload.len(),
            Message::HashRequest(_) | Message::HashReject(_) => 1 + HASH_RANGE_LENGTH,
            Message::Hashes { hashes, .. } => 1 + HASH_RANGE_LENGTH + hashes.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitfield_message_carries_the_wire_bytes() {
        let mut bitfield = Bitfield::new(10);
        bitfield.set(0);
        bitfield.set(9);
        assert_eq!(
            Message::bitfield(&bitfield),
            Message::Bitfield(Bytes::from_static(&[0x80, 0x40]))
        );
    }

    #[test]
    fn keep_alive_has_no_id_and_four_bytes() {
        assert_eq!(Message::KeepAlive.id(), None);
        assert_eq!(Message::KeepAlive.wire_length(), 4);
        assert_eq!(Message::Port(6881).wire_length(), 7);
    }
}
