//! Bencode, the encoding of .torrent files and of BitTorrent extension messages.
//!
//! Decoding is strict and raw-span aware: [`decode()`] validates the whole input
//! once (canonical integers, string lengths within the input, bounded nesting,
//! no duplicate dictionary keys, no trailing data) and returns a [`Value`] that
//! is only a view of the original bytes. Accessors re-read those bytes lazily,
//! so decoding allocates nothing proportional to the input and every value
//! keeps its exact original encoding ([`Value::raw`]): the info-hash of a
//! torrent is SHA-1 of the info dictionary exactly as it appears in the file,
//! unsorted or unknown keys included.
//!
//! Encoding ([`Bencode`]) writes dictionary keys in sorted order, as the
//! specification requires of anything we create.

mod decode;
mod encode;
mod error;
mod value;

pub use decode::{decode, MAX_DEPTH};
pub use encode::Bencode;
pub use error::DecodeError;
pub use value::{Dict, DictIter, List, ListIter, Value};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arbitrary_bencode() -> impl Strategy<Value = Bencode> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Bencode::Int),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Bencode::Bytes),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Bencode::List),
                proptest::collection::btree_map(
                    proptest::collection::vec(any::<u8>(), 0..12),
                    inner,
                    0..8
                )
                .prop_map(Bencode::Dict),
            ]
        })
    }

    proptest! {
        #[test]
        fn encode_then_decode_round_trips(value in arbitrary_bencode()) {
            let encoded = value.encode();
            let decoded = decode(&encoded);
            prop_assert_eq!(decoded.map(|decoded| decoded.to_bencode()), Ok(value));
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(value) = decode(&bytes) {
                // Anything accepted is canonical apart from key order: re-encoding
                // sorted keeps the length.
                prop_assert_eq!(value.to_bencode().encode().len(), bytes.len());
            }
        }

        #[test]
        fn decoding_mutated_bencode_never_panics(
            value in arbitrary_bencode(),
            position in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut encoded = value.encode();
            let index = position.index(encoded.len());
            if let Some(slot) = encoded.get_mut(index) {
                *slot = byte;
            }
            let _ = decode(&encoded).map(|value| value.to_bencode());
        }
    }
}
