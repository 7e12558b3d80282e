//! The metadata exchange messages (`ut_metadata`, BEP 9): how a peer that
//! only knows an info-hash asks others for the info dictionary, 16 KiB at a
//! time.
//!
//! Each message is the payload of an extended message (BEP 10): a bencoded
//! dictionary with `msg_type` (0 request, 1 data, 2 reject) and `piece`; a
//! `data` message also carries `total_size` and is followed by the piece's
//! raw bytes. Decoding is strict where it matters (types, ranges, a piece
//! longer than 16 KiB) and never panics; unknown keys are ignored, as BEP 9
//! asks. Whether a piece index or length fits a given metadata size is
//! checked by [`piece_length`], which both the server and the fetcher use.

use bytes::Bytes;

use crate::bencode::{self, Bencode, DecodeError, Value};

/// The extension name announced in the extended handshake's `m`.
pub const UT_METADATA: &str = "ut_metadata";
/// Every metadata piece but the last is exactly this long.
pub const METADATA_PIECE_SIZE: usize = 16 * 1024;
/// The largest metadata we fetch or believe in (a torrent of about three
/// million pieces); a peer announcing more is refused.
pub const MAX_METADATA_SIZE: usize = 64 * 1024 * 1024;

const MSG_REQUEST: i64 = 0;
const MSG_DATA: i64 = 1;
const MSG_REJECT: i64 = 2;

/// One `ut_metadata` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataMessage {
    /// Asks for metadata piece `piece`.
    Request {
        /// The piece index.
        piece: u32,
    },
    /// Metadata piece `piece` of metadata `total_size` bytes long.
    Data {
        /// The piece index.
        piece: u32,
        /// The size of the whole info dictionary.
        total_size: u64,
        /// The piece's bytes.
        data: Bytes,
    },
    /// The sender will not send piece `piece`.
    Reject {
        /// The piece index.
        piece: u32,
    },
}

/// Why a `ut_metadata` payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataMessageError {
    /// The payload does not start with a valid bencoded value.
    #[error("ut_metadata message is not valid bencode: {source}")]
    Bencode {
        /// The decoder's error.
        #[source]
        source: DecodeError,
    },
    /// The bencoded value is not a dictionary.
    #[error("ut_metadata message is not a bencoded dictionary")]
    NotADictionary,
    /// A required key is missing or has the wrong type or range.
    #[error("ut_metadata message key {key:?} is missing or invalid")]
    BadField {
        /// The key.
        key: &'static str,
    },
    /// A `msg_type` that BEP 9 does not define.
    #[error("ut_metadata message type {msg_type} is unknown")]
    UnknownType {
        /// The value found.
        msg_type: i64,
    },
    /// Bytes after the dictionary of a request or reject.
    #[error("ut_metadata {kind} carries {count} bytes after its dictionary")]
    TrailingBytes {
        /// `request` or `reject`.
        kind: &'static str,
        /// How many bytes follow the dictionary.
        count: usize,
    },
    /// A data message with a piece longer than [`METADATA_PIECE_SIZE`].
    #[error("ut_metadata data piece of {length} bytes is longer than {METADATA_PIECE_SIZE}")]
    PieceTooLong {
        /// The length received.
        length: usize,
    },
}

impl MetadataMessage {
    /// The payload of the extended message carrying this message.
    pub fn to_payload(&self) -> Bytes {
        let (msg_type, piece) = match self {
            MetadataMessage::Request { piece } => (MSG_REQUEST, piece),
            MetadataMessage::Data { piece, .. } => (MSG_DATA, piece),
            MetadataMessage::Reject { piece } => (MSG_REJECT, piece),
        };
        let mut fields = vec![
            ("msg_type", Bencode::Int(msg_type)),
            ("piece", Bencode::Int(i64::from(*piece))),
        ];
        if let MetadataMessage::Data { total_size, .. } = self {
            let total_size = i64::try_from(*total_size).unwrap_or(i64::MAX);
            fields.push(("total_size", Bencode::Int(total_size)));
        }
        let mut payload = Bencode::dict(fields).encode();
        if let MetadataMessage::Data { data, .. } = self {
            payload.extend_from_slice(data);
        }
        Bytes::from(payload)
    }

    /// Reads a payload (without the extended message id byte).
    pub fn from_payload(payload: &[u8]) -> Result<MetadataMessage, MetadataMessageError> {
        let (dict_bytes, rest) = split_dictionary(payload)?;
        let dict = bencode::decode(dict_bytes)
            .map_err(|source| MetadataMessageError::Bencode { source })?
            .as_dict()
            .ok_or(MetadataMessageError::NotADictionary)?;
        let msg_type = dict
            .get("msg_type")
            .and_then(|value| value.as_int())
            .ok_or(MetadataMessageError::BadField { key: "msg_type" })?;
        let piece = int_field(dict.get("piece"), "piece")?;
        match msg_type {
            MSG_REQUEST => {
                no_trailing("request", rest).map(|()| MetadataMessage::Request { piece })
            }
            MSG_REJECT => no_trailing("reject", rest).map(|()| MetadataMessage::Reject { piece }),
            MSG_DATA => {
                let total_size = int_field(dict.get("total_size"), "total_size")?;
                if rest.len() > METADATA_PIECE_SIZE {
                    return Err(MetadataMessageError::PieceTooLong { length: rest.len() });
                }
                Ok(MetadataMessage::Data {
                    piece,
                    total_size,
                    data: Bytes::copy_from_slice(rest),
                })
            }
            other => Err(MetadataMessageError::UnknownType { msg_type: other }),
        }
    }
}

/// The number of pieces of metadata `size` bytes long.
pub fn piece_count(size: usize) -> usize {
    size.div_ceil(METADATA_PIECE_SIZE)
}

/// The length of piece `piece` of metadata `size` bytes long, or `None` if
/// there is no such piece.
pub fn piece_length(size: usize, piece: u32) -> Option<usize> {
    let start = usize::try_from(piece)
        .ok()?
        .checked_mul(METADATA_PIECE_SIZE)?;
    (start < size).then(|| (size - start).min(METADATA_PIECE_SIZE))
}

/// The bencoded dictionary at the start of `payload` and the bytes after it.
fn split_dictionary(payload: &[u8]) -> Result<(&[u8], &[u8]), MetadataMessageError> {
    match bencode::decode(payload) {
        Ok(_) => Ok((payload, &[])),
        Err(DecodeError::TrailingData { offset, .. }) => Ok(payload.split_at(offset)),
        Err(source) => Err(MetadataMessageError::Bencode { source }),
    }
}

fn int_field<T: TryFrom<i64>>(
    value: Option<Value<'_>>,
    key: &'static str,
) -> Result<T, MetadataMessageError> {
    value
        .and_then(|value| value.as_int())
        .and_then(|int| T::try_from(int).ok())
        .ok_or(MetadataMessageError::BadField { key })
}

fn no_trailing(kind: &'static str, rest: &[u8]) -> Result<(), MetadataMessageError> {
    if rest.is_empty() {
        return Ok(());
    }
    Err(MetadataMessageError::TrailingBytes {
        kind,
        count: rest.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_as_bep_9_shows() {
        assert_eq!(
            &MetadataMessage::Request { piece: 0 }.to_payload()[..],
            b"d8:msg_typei0e5:piecei0ee"
        );
        assert_eq!(
            &MetadataMessage::Reject { piece: 3 }.to_payload()[..],
            b"d8:msg_typei2e5:piecei3ee"
        );
        let data = MetadataMessage::Data {
            piece: 0,
            total_size: 3425,
            data: Bytes::from_static(b"d4:name1:xe"),
        };
        assert_eq!(
            &data.to_payload()[..],
            b"d8:msg_typei1e5:piecei0e10:total_sizei3425eed4:name1:xe"
        );
    }

    #[test]
    fn data_whose_piece_bytes_look_like_bencode_keeps_them() {
        let payload = b"d8:msg_typei1e5:piecei1e10:total_sizei20000eei5e";
        assert_eq!(
            MetadataMessage::from_payload(payload),
            Ok(MetadataMessage::Data {
                piece: 1,
                total_size: 20000,
                data: Bytes::from_static(b"i5e"),
            })
        );
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let payload = b"d8:msg_typei0e5:piecei7e4:zzzzi1ee";
        assert_eq!(
            MetadataMessage::from_payload(payload),
            Ok(MetadataMessage::Request { piece: 7 })
        );
    }

    #[test]
    fn bad_payloads_are_refused_with_a_reason() {
        let cases: [(&[u8], MetadataMessageError); 7] = [
            (
                b"",
                MetadataMessageError::Bencode {
                    source: DecodeError::Truncated { offset: 0 },
                },
            ),
            (b"li1ee", MetadataMessageError::NotADictionary),
            (
                b"d5:piecei0ee",
                MetadataMessageError::BadField { key: "msg_type" },
            ),
            (
                b"d8:msg_typei0e5:piecei-1ee",
                MetadataMessageError::BadField { key: "piece" },
            ),
            (
                b"d8:msg_typei1e5:piecei0ee",
                MetadataMessageError::BadField { key: "total_size" },
            ),
            (
                b"d8:msg_typei9e5:piecei0ee",
                MetadataMessageError::UnknownType { msg_type: 9 },
            ),
            (
                b"d8:msg_typei0e5:piecei0eexx",
                MetadataMessageError::TrailingBytes {
                    kind: "request",
                    count: 2,
                },
            ),
        ];
        for (payload, expected) in cases {
            assert_eq!(
                MetadataMessage::from_payload(payload),
                Err(expected),
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
        let mut oversized = b"d8:msg_typei1e5:piecei0e10:total_sizei99999ee".to_vec();
        oversized.extend(std::iter::repeat_n(0u8, METADATA_PIECE_SIZE + 1));
        assert_eq!(
            MetadataMessage::from_payload(&oversized),
            Err(MetadataMessageError::PieceTooLong {
                length: METADATA_PIECE_SIZE + 1
            })
        );
    }

    #[test]
    fn piece_lengths_follow_the_metadata_size() {
        assert_eq!(piece_count(0), 0);
        assert_eq!(piece_count(1), 1);
        assert_eq!(piece_count(METADATA_PIECE_SIZE), 1);
        assert_eq!(piece_count(METADATA_PIECE_SIZE + 1), 2);
        assert_eq!(piece_length(40_000, 0), Some(METADATA_PIECE_SIZE));
        assert_eq!(
            piece_length(40_000, 2),
            Some(40_000 - 2 * METADATA_PIECE_SIZE)
        );
        assert_eq!(piece_length(40_000, 3), None);
        assert_eq!(piece_length(METADATA_PIECE_SIZE, 1), None);
        assert_eq!(
            piece_length(usize::MAX, u32::MAX),
            Some(METADATA_PIECE_SIZE)
        );
    }

    fn any_message() -> impl Strategy<Value = MetadataMessage> {
        prop_oneof![
            any::<u32>().prop_map(|piece| MetadataMessage::Request { piece }),
            any::<u32>().prop_map(|piece| MetadataMessage::Reject { piece }),
            (
                any::<u32>(),
                0..=i64::MAX as u64,
                prop::collection::vec(any::<u8>(), 0..=METADATA_PIECE_SIZE)
            )
                .prop_map(|(piece, total_size, data)| MetadataMessage::Data {
                    piece,
                    total_size,
                    data: Bytes::from(data),
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn messages_round_trip(message in any_message()) {
            let payload = message.to_payload();
            prop_assert_eq!(MetadataMessage::from_payload(&payload), Ok(message));
        }

        #[test]
        fn arbitrary_payloads_never_panic(payload in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = MetadataMessage::from_payload(&payload);
        }

        #[test]
        fn mutated_messages_never_panic(
            message in any_message(),
            position in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut payload = message.to_payload().to_vec();
            if !payload.is_empty() {
                let index = position.index(payload.len());
                payload[index] = byte;
            }
            let _ = MetadataMessage::from_payload(&payload);
        }
    }
}
