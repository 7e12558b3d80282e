//! Framing of peer wire messages for `tokio_util::codec`: a 4-byte big-endian
//! length, then an id byte and the payload (BEP 3).
//!
//! Invariants: the length prefix is checked against [`WireLimits`] before any
//! buffer space is reserved for the message, so a hostile length closes the
//! connection with [`WireError::MessageTooLong`] instead of allocating;
//! every fixed-size message with any other payload length is an error; `Piece`,
//! `Bitfield` and `Extended` payloads are split off the receive buffer and
//! frozen, never copied. Decoding never panics, whatever the bytes.

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::error::WireError;
use super::message::{id, BlockRequest, HashRange, Message, HASH_RANGE_LENGTH};

/// The block size every client requests and serves (16 KiB).
pub const STANDARD_BLOCK_LENGTH: u32 = 16 * 1024;

/// Bounds on what a peer may send us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireLimits {
    /// The largest length prefix accepted (id byte plus payload). Longer
    /// messages are refused before they are buffered.
    pub max_message_length: u32,
    /// The largest block a request, cancel, reject or piece may carry.
    pub max_block_length: u32,
}

impl Default for WireLimits {
    /// Messages up to 1 MiB (room for the bitfield of a torrent with 8
    /// million pieces) and 16 KiB blocks.
    fn default() -> WireLimits {
        WireLimits {
            max_message_length: 1024 * 1024,
            max_block_length: STANDARD_BLOCK_LENGTH,
        }
    }
}

/// Encodes and decodes [`Message`]s on a byte stream.
#[derive(Debug, Clone, Default)]
pub struct MessageCodec {
    limits: WireLimits,
}

impl MessageCodec {
    /// A codec that enforces `limits` on incoming messages.
    pub fn new(limits: WireLimits) -> MessageCodec {
        MessageCodec { limits }
    }

    /// The limits this codec enforces.
    pub fn limits(&self) -> WireLimits {
        self.limits
    }

    fn check_block(&self, length: u32) -> Result<(), WireError> {
        let limit = self.limits.max_block_length;
        if length > limit {
            return Err(WireError::BlockTooLong { length, limit });
        }
        Ok(())
    }

    /// Parses one message body (id byte and payload, prefix removed).
    fn parse_body(&self, mut body: BytesMut) -> Result<Message, WireError> {
        let Some(&message_id) = body.first() else {
            return Ok(Message::KeepAlive);
        };
        body.advance(1);
        let payload = Payload {
            id: message_id,
            bytes: body,
        };
        match message_id {
            id::CHOKE => payload.empty(Message::Choke),
            id::UNCHOKE => payload.empty(Message::Unchoke),
            id::INTERESTED => payload.empty(Message::Interested),
            id::NOT_INTERESTED => payload.empty(Message::NotInterested),
            id::HAVE_ALL => payload.empty(Message::HaveAll),
            id::HAVE_NONE => payload.empty(Message::HaveNone),
            id::HAVE => payload.piece_index().map(Message::Have),
            id::SUGGEST_PIECE => payload.piece_index().map(Message::SuggestPiece),
            id::ALLOWED_FAST => payload.piece_index().map(Message::AllowedFast),
            id::REQUEST => self.block_request(payload).map(Message::Request),
            id::CANCEL => self.block_request(payload).map(Message::Cancel),
            id::REJECT => self.block_request(payload).map(Message::Reject),
            id::PORT => payload.port(),
            id::BITFIELD => Ok(Message::Bitfield(payload.bytes.freeze())),
            id::PIECE => self.piece(payload),
            id::EXTENDED => payload.extended(),
            id::HASH_REQUEST => payload.hash_range().map(Message::HashRequest),
            id::HASH_REJECT => payload.hash_range().map(Message::HashReject),
            id::HASHES => payload.hashes(),
            _ => Err(WireError::UnknownMessage { id: message_id }),
        }
    }

    fn block_request(&self, payload: Payload) -> Result<BlockRequest, WireError> {
        let mut bytes = payload.exactly(12)?;
        let request = BlockRequest {
            index: bytes.get_u32(),
            begin: bytes.get_u32(),
            length: bytes.get_u32(),
        };
        self.check_block(request.length)?;
        Ok(request)
    }

    fn piece(&self, payload: Payload) -> Result<Message, WireError> {
        let mut bytes = payload.at_least(8)?;
        let index = bytes.get_u32();
        let begin = bytes.get_u32();
        self.check_block(wire_u32(bytes.len()))?;
        Ok(Message::Piece {
            index,
            begin,
            data: bytes.freeze(),
        })
    }
}

/// A message payload (after the id byte) and the id it belongs to, for
/// length checks that name the message.
struct Payload {
    id: u8,
    bytes: BytesMut,
}

impl Payload {
    fn bad_length(&self) -> WireError {
        WireError::BadPayloadLength {
            id: self.id,
            length: wire_u32(self.bytes.len()),
        }
    }

    fn exactly(self, length: usize) -> Result<BytesMut, WireError> {
        if self.bytes.len() != length {
            return Err(self.bad_length());
        }
        Ok(self.bytes)
    }

    fn at_least(self, length: usize) -> Result<BytesMut, WireError> {
        if self.bytes.len() < length {
            return Err(self.bad_length());
        }
        Ok(self.bytes)
    }

    fn empty(self, message: Message) -> Result<Message, WireError> {
        self.exactly(0).map(|_| message)
    }

    fn piece_index(self) -> Result<u32, WireError> {
        self.exactly(4).map(|mut bytes| bytes.get_u32())
    }

    fn port(self) -> Result<Message, WireError> {
        self.exactly(2)
            .map(|mut bytes| Message::Port(bytes.get_u16()))
    }

    fn hash_range(self) -> Result<HashRange, WireError> {
        let mut bytes = self.exactly(HASH_RANGE_LENGTH)?;
        Ok(take_hash_range(&mut bytes))
    }

    /// A hashes message: the range, then whole 32-byte hashes.
    fn hashes(self) -> Result<Message, WireError> {
        let id = self.id;
        let mut bytes = self.at_least(HASH_RANGE_LENGTH)?;
        let range = take_hash_range(&mut bytes);
        if bytes.len() % 32 != 0 {
            return Err(WireError::BadPayloadLength {
                id,
                length: wire_u32(bytes.len() + HASH_RANGE_LENGTH),
            });
        }
        Ok(Message::Hashes {
            range,
            hashes: bytes.freeze(),
        })
    }

    fn extended(self) -> Result<Message, WireError> {
        let mut bytes = self.at_least(1)?;
        let id = bytes.get_u8();
        Ok(Message::Extended {
            id,
            payload: bytes.freeze(),
        })
    }
}

/// Reads a [`HashRange`] off the front of `bytes`, which hold at least
/// [`HASH_RANGE_LENGTH`] bytes.
fn take_hash_range(bytes: &mut BytesMut) -> HashRange {
    let mut pieces_root = [0; 32];
    bytes.copy_to_slice(&mut pieces_root);
    HashRange {
        pieces_root,
        base_layer: bytes.get_u32(),
        index: bytes.get_u32(),
        length: bytes.get_u32(),
        proof_layers: bytes.get_u32(),
    }
}

fn put_hash_range(range: &HashRange, dst: &mut BytesMut) {
    dst.put_slice(&range.pieces_root);
    dst.put_u32(range.base_layer);
    dst.put_u32(range.index);
    dst.put_u32(range.length);
    dst.put_u32(range.proof_layers);
}

/// A length that is known to fit the wire's `u32` (it came from a `u32`
/// prefix), saturating rather than panicking if that ever changes.
fn wire_u32(length: usize) -> u32 {
    u32::try_from(length).unwrap_or(u32::MAX)
}

impl Decoder for MessageCodec {
    type Item = Message;
    type Error = WireError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Message>, WireError> {
        let Some(prefix) = src.first_chunk::<4>() else {
            return Ok(None);
        };
        let length = u32::from_be_bytes(*prefix);
        let limit = self.limits.max_message_length;
        if length > limit {
            return Err(WireError::MessageTooLong { length, limit });
        }
        let frame_length = (length as usize).saturating_add(4);
        if src.len() < frame_length {
            src.reserve(frame_length - src.len());
            return Ok(None);
        }
        src.advance(4);
        let body = src.split_to(length as usize);
        self.parse_body(body).map(Some)
    }
}

impl Encoder<Message> for MessageCodec {
    type Error = WireError;

    fn encode(&mut self, message: Message, dst: &mut BytesMut) -> Result<(), WireError> {
        let body_length = message.body_length();
        let prefix = u32::try_from(body_length).map_err(|_| WireError::OutgoingTooLong {
            length: body_length,
        })?;
        dst.reserve(4 + body_length);
        dst.put_u32(prefix);
        if let Some(message_id) = message.id() {
            dst.put_u8(message_id);
        }
        put_payload(message, dst);
        Ok(())
    }
}

fn put_payload(message: Message, dst: &mut BytesMut) {
    match message {
        Message::KeepAlive
        | Message::Choke
        | Message::Unchoke
        | Message::Interested
        | Message::NotInterested
        | Message::HaveAll
        | Message::HaveNone => {}
        Message::Have(index) | Message::SuggestPiece(index) | Message::AllowedFast(index) => {
            dst.put_u32(index)
        }
        Message::Request(block) | Message::Cancel(block) | Message::Reject(block) => {
            dst.put_u32(block.index);
            dst.put_u32(block.begin);
            dst.put_u32(block.length);
        }
        Message::Port(port) => dst.put_u16(port),
        Message::Bitfield(bytes) => dst.put(bytes),
        Message::Piece { index, begin, data } => {
            dst.put_u32(index);
            dst.put_u32(begin);
            dst.put(data);
        }
        Message::Extended { id, payload } => {
            dst.put_u8(id);
            dst.put(payload);
        }
        Message::HashRequest(range) | Message::HashReject(range) => put_hash_range(&range, dst),
        Message::Hashes { range, hashes } => {
            put_hash_range(&range, dst);
            dst.put(hashes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use proptest::prelude::*;

    fn encode_all(messages: &[Message]) -> BytesMut {
        let mut codec = MessageCodec::default();
        let mut wire = BytesMut::new();
        for message in messages {
            codec.encode(message.clone(), &mut wire).unwrap();
        }
        wire
    }

    /// Feeds `wire` to a decoder in chunks of the given sizes (cycled) and
    /// collects every message it yields.
    fn decode_in_chunks(wire: &[u8], chunk_sizes: &[usize]) -> Result<Vec<Message>, WireError> {
        let mut codec = MessageCodec::default();
        let mut buffer = BytesMut::new();
        let mut decoded = Vec::new();
        let mut rest = wire;
        let mut sizes = chunk_sizes.iter().cycle();
        while !rest.is_empty() {
            let size = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
            let (chunk, tail) = rest.split_at(size);
            buffer.extend_from_slice(chunk);
            rest = tail;
            while let Some(message) = codec.decode(&mut buffer)? {
                decoded.push(message);
            }
        }
        assert!(buffer.is_empty(), "bytes left over: {buffer:?}");
        Ok(decoded)
    }

    fn decode_one(wire: &[u8]) -> Result<Option<Message>, WireError> {
        MessageCodec::default().decode(&mut BytesMut::from(wire))
    }

    fn block_request() -> impl Strategy<Value = BlockRequest> {
        (any::<u32>(), any::<u32>(), 0..=STANDARD_BLOCK_LENGTH).prop_map(
            |(index, begin, length)| BlockRequest {
                index,
                begin,
                length,
            },
        )
    }

    fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
        prop::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
    }

    fn message() -> impl Strategy<Value = Message> {
        prop_oneof![
            Just(Message::KeepAlive),
            Just(Message::Choke),
            Just(Message::Unchoke),
            Just(Message::Interested),
            Just(Message::NotInterested),
            any::<u32>().prop_map(Message::Have),
            bytes(64).prop_map(Message::Bitfield),
            block_request().prop_map(Message::Request),
            (any::<u32>(), any::<u32>(), bytes(300))
                .prop_map(|(index, begin, data)| Message::Piece { index, begin, data }),
            block_request().prop_map(Message::Cancel),
            any::<u16>().prop_map(Message::Port),
            any::<u32>().prop_map(Message::SuggestPiece),
            Just(Message::HaveAll),
            Just(Message::HaveNone),
            block_request().prop_map(Message::Reject),
            any::<u32>().prop_map(Message::AllowedFast),
            (any::<u8>(), bytes(100)).prop_map(|(id, payload)| Message::Extended { id, payload }),
            hash_range().prop_map(Message::HashRequest),
            hash_range().prop_map(Message::HashReject),
            (hash_range(), prop::collection::vec(any::<[u8; 32]>(), 0..5)).prop_map(
                |(range, hashes)| Message::Hashes {
                    range,
                    hashes: Bytes::from(hashes.concat()),
                }
            ),
        ]
    }

    fn hash_range() -> impl Strategy<Value = HashRange> {
        (any::<[u8; 32]>(), any::<[u32; 4]>()).prop_map(
            |(pieces_root, [base_layer, index, length, proof_layers])| HashRange {
                pieces_root,
                base_layer,
                index,
                length,
                proof_layers,
            },
        )
    }

    proptest! {
        #[test]
        fn every_message_round_trips_through_split_reads(
            messages in prop::collection::vec(message(), 0..20),
            chunk_sizes in prop::collection::vec(1usize..80, 1..10),
        ) {
            let wire = encode_all(&messages);
            let expected_length: usize = messages.iter().map(Message::wire_length).sum();
            prop_assert_eq!(wire.len(), expected_length);
            prop_assert_eq!(decode_in_chunks(&wire, &chunk_sizes).unwrap(), messages);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            wire in prop::collection::vec(any::<u8>(), 0..2048),
            chunk_sizes in prop::collection::vec(1usize..300, 1..5),
        ) {
            let mut codec = MessageCodec::default();
            let mut buffer = BytesMut::new();
            for chunk in wire.chunks(chunk_sizes[0]) {
                buffer.extend_from_slice(chunk);
                while let Ok(Some(_)) = codec.decode(&mut buffer) {}
            }
        }

        #[test]
        fn accepted_frames_re_encode_to_the_same_bytes(
            frames in prop::collection::vec(
                (0u8..=21, prop::collection::vec(any::<u8>(), 0..16)), 0..30
            ),
        ) {
            let mut wire = Vec::new();
            for (message_id, payload) in &frames {
                wire.extend_from_slice(&(1 + payload.len() as u32).to_be_bytes());
                wire.push(*message_id);
                wire.extend_from_slice(payload);
            }
            let mut codec = MessageCodec::default();
            let mut buffer = BytesMut::from(&wire[..]);
            let mut consumed = 0;
            while let Ok(Some(message)) = codec.decode(&mut buffer) {
                let length = message.wire_length();
                let mut encoded = BytesMut::new();
                codec.encode(message, &mut encoded).unwrap();
                prop_assert_eq!(&encoded[..], &wire[consumed..consumed + length]);
                consumed += length;
            }
        }
    }

    #[test]
    fn known_encodings() {
        let cases: [(Message, &[u8]); 6] = [
            (Message::KeepAlive, &[0, 0, 0, 0]),
            (Message::Unchoke, &[0, 0, 0, 1, 1]),
            (Message::Have(258), &[0, 0, 0, 5, 4, 0, 0, 1, 2]),
            (Message::Port(6881), &[0, 0, 0, 3, 9, 0x1a, 0xe1]),
            (Message::HaveAll, &[0, 0, 0, 1, 0x0e]),
            (
                Message::Request(BlockRequest {
                    index: 1,
                    begin: 0x4000,
                    length: 0x4000,
                }),
                &[0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0],
            ),
        ];
        for (message, wire) in cases {
            assert_eq!(
                &encode_all(std::slice::from_ref(&message))[..],
                wire,
                "{message:?}"
            );
            assert_eq!(decode_one(wire).unwrap(), Some(message));
        }
    }

    #[test]
    fn oversized_prefix_is_refused_before_buffering() {
        let mut codec = MessageCodec::new(WireLimits {
            max_message_length: 1000,
            max_block_length: STANDARD_BLOCK_LENGTH,
        });
        let mut buffer = BytesMut::from(&[0xff, 0xff, 0xff, 0xff, 7][..]);
        let capacity = buffer.capacity();
        match codec.decode(&mut buffer) {
            Err(WireError::MessageTooLong { length, limit }) => {
                assert_eq!((length, limit), (u32::MAX, 1000));
            }
            other => panic!("expected MessageTooLong, got {other:?}"),
        }
        assert_eq!(buffer.capacity(), capacity);
        let mut at_limit = BytesMut::from(&1000u32.to_be_bytes()[..]);
        assert!(codec.decode(&mut at_limit).unwrap().is_none());
        assert!(at_limit.capacity() >= 1004);
    }

    #[test]
    fn fixed_size_messages_with_wrong_lengths_are_errors() {
        let fixed: [(u8, u32); 17] = [
            (id::CHOKE, 0),
            (id::UNCHOKE, 0),
            (id::INTERESTED, 0),
            (id::NOT_INTERESTED, 0),
            (id::HAVE_ALL, 0),
            (id::HAVE_NONE, 0),
            (id::HAVE, 4),
            (id::SUGGEST_PIECE, 4),
            (id::ALLOWED_FAST, 4),
            (id::PORT, 2),
            (id::REQUEST, 12),
            (id::CANCEL, 12),
            (id::REJECT, 12),
            (id::PIECE, 8),
            (id::HASH_REQUEST, 48),
            (id::HASH_REJECT, 48),
            (id::HASHES, 48),
        ];
        for (message_id, right) in fixed {
            let shorter = right.checked_sub(1);
            let longer = (message_id != id::PIECE).then_some(right + 1);
            for wrong in shorter.into_iter().chain(longer) {
                let mut wire = (wrong + 1).to_be_bytes().to_vec();
                wire.push(message_id);
                wire.resize(wire.len() + wrong as usize, 0);
                match decode_one(&wire) {
                    Err(WireError::BadPayloadLength { id, length }) => {
                        assert_eq!((id, length), (message_id, wrong));
                    }
                    other => panic!("id {message_id} length {wrong}: got {other:?}"),
                }
            }
        }
        assert!(matches!(
            decode_one(&[0, 0, 0, 1, id::EXTENDED]),
            Err(WireError::BadPayloadLength { id: 20, length: 0 })
        ));
    }

    #[test]
    fn unknown_ids_and_big_blocks_are_errors() {
        assert!(matches!(
            decode_one(&[0, 0, 0, 1, 42]),
            Err(WireError::UnknownMessage { id: 42 })
        ));
        let request = encode_all(&[Message::Request(BlockRequest {
            index: 0,
            begin: 0,
            length: STANDARD_BLOCK_LENGTH + 1,
        })]);
        assert!(matches!(
            decode_one(&request),
            Err(WireError::BlockTooLong { length: 16385, .. })
        ));
        let piece = encode_all(&[Message::Piece {
            index: 0,
            begin: 0,
            data: Bytes::from(vec![0; STANDARD_BLOCK_LENGTH as usize + 1]),
        }]);
        assert!(matches!(
            decode_one(&piece),
            Err(WireError::BlockTooLong { length: 16385, .. })
        ));
    }

    #[test]
    fn piece_data_shares_the_receive_buffer() {
        let wire = encode_all(&[Message::Piece {
            index: 3,
            begin: 0,
            data: Bytes::from(vec![7u8; 1000]),
        }]);
        let start = wire.as_ptr() as usize;
        let mut buffer = wire;
        let Some(Message::Piece { data, .. }) =
            MessageCodec::default().decode(&mut buffer).unwrap()
        else {
            panic!("expected a piece");
        };
        assert_eq!(data.as_ptr() as usize, start + 13);
    }

    /// Throughput of encoding and decoding 16 KiB piece messages. Not a
    /// pass/fail test: run with
    /// `cargo test --release --lib peer::codec::tests::piece_throughput -- --ignored --nocapture`.
    ///
    /// Each round encodes 64 pieces (1 MiB) into a send buffer, copies it
    /// into a receive buffer in 64 KiB reads as a socket would, decodes
    /// every piece and holds the blocks until the round ends, as the swarm
    /// holds them until they are written to disk.
    #[test]
    #[ignore = "benchmark; run explicitly in release mode"]
    #[allow(clippy::disallowed_macros)] // a benchmark reports its number on stderr
    fn piece_throughput() {
        const PIECES_PER_ROUND: u32 = 64;
        const READ_SIZE: usize = 64 * 1024;
        let block = Bytes::from(vec![0xa5u8; STANDARD_BLOCK_LENGTH as usize]);
        let mut codec = MessageCodec::default();
        let mut send = BytesMut::new();
        let mut receive = BytesMut::new();
        let rounds = 2_000u32;
        let started = std::time::Instant::now();
        for round in 0..rounds {
            for index in 0..PIECES_PER_ROUND {
                let message = Message::Piece {
                    index: round * PIECES_PER_ROUND + index,
                    begin: 0,
                    data: block.clone(),
                };
                codec.encode(message, &mut send).unwrap();
            }
            let mut blocks = Vec::with_capacity(PIECES_PER_ROUND as usize);
            for read in send.chunks(READ_SIZE) {
                receive.extend_from_slice(read);
                while let Some(Message::Piece { data, .. }) = codec.decode(&mut receive).unwrap() {
                    blocks.push(data);
                }
            }
            assert_eq!(blocks.len(), PIECES_PER_ROUND as usize);
            send.clear();
        }
        let seconds = started.elapsed().as_secs_f64();
        let gigabytes = f64::from(rounds * PIECES_PER_ROUND) * block.len() as f64 / 1e9;
        eprintln!(
            "16 KiB pieces, encode + socket-sized copy + decode: {:.2} GB/s ({gigabytes:.1} GB in {seconds:.3} s)",
            gigabytes / seconds
        );
    }
}
