//! The small bencode value type that tracker replies are made of.
//!
//! Trackers are untrusted: a reply is decoded with a nesting limit so that a
//! hostile body of a million `l`s cannot exhaust the stack, and every length is
//! checked against the bytes actually present. Dictionaries are `BTreeMap`s so
//! that encoding writes keys in the sorted order bencode requires.
//!
//! This is deliberately tiny and tracker-only: torrent files need the raw byte
//! spans of the info dictionary and have their own decoder.

use std::collections::BTreeMap;

use thiserror::Error;

/// How deep lists and dictionaries may nest in a tracker reply.
const MAX_DEPTH: usize = 32;

/// One bencoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `i42e`
    Int(i64),
    /// `4:spam`
    Bytes(Vec<u8>),
    /// `l...e`
    List(Vec<Value>),
    /// `d...e`, keys sorted.
    Dict(BTreeMap<Vec<u8>, Value>),
}

/// Why bytes are not one bencoded value.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ends inside a value.
    #[error("bencode ends early")]
    UnexpectedEnd,
    /// A byte that cannot start or continue a value, at this offset.
    #[error("unexpected byte {byte:#04x} at offset {offset} in bencode")]
    UnexpectedByte { byte: u8, offset: usize },
    /// An integer or length that is not a canonical decimal number.
    #[error("bad number at offset {offset} in bencode")]
    BadNumber { offset: usize },
    /// Lists and dictionaries nest deeper than [`MAX_DEPTH`].
    #[error("bencode nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// Bytes follow the value.
    #[error("{count} bytes after the bencoded value")]
    TrailingBytes { count: usize },
}

impl Value {
    /// Decodes exactly one value that spans all of `input`.
    pub fn decode(input: &[u8]) -> Result<Value, DecodeError> {
        let mut decoder = Decoder { input, position: 0 };
        let value = decoder.value(0)?;
        match input.len() - decoder.position {
            0 => Ok(value),
            count => Err(DecodeError::TrailingBytes { count }),
        }
    }

    /// The canonical encoding of this value.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::Int(number) => out.extend_from_slice(format!("i{number}e").as_bytes()),
            Value::Bytes(bytes) => encode_bytes(bytes, out),
            Value::List(items) => {
                out.push(b'l');
                items.iter().for_each(|item| item.encode_into(out));
                out.push(b'e');
            }
            Value::Dict(entries) => {
                out.push(b'd');
                for (key, value) in entries {
                    encode_bytes(key, out);
                    value.encode_into(out);
                }
                out.push(b'e');
            }
        }
    }

    /// A dictionary built from `(key, value)` pairs.
    pub fn dict<'k>(entries: impl IntoIterator<Item = (&'k str, Value)>) -> Value {
        Value::Dict(
            entries
                .into_iter()
                .map(|(key, value)| (key.as_bytes().to_vec(), value))
                .collect(),
        )
    }

    /// The entry `key` when this is a dictionary.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(entries) => entries.get(key.as_bytes()),
            _ => None,
        }
    }

    /// The integer, when this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(number) => Some(*number),
            _ => None,
        }
    }

    /// The byte string, when this is one.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(bytes.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(bytes);
}

struct Decoder<'a> {
    input: &'a [u8],
    position: usize,
}

impl Decoder<'_> {
    fn peek(&self) -> Result<u8, DecodeError> {
        self.input
            .get(self.position)
            .copied()
            .ok_or(DecodeError::UnexpectedEnd)
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        match self.peek()? {
            b'i' => {
                self.position += 1;
                Ok(Value::Int(self.number(b'e')?))
            }
            b'0'..=b'9' => Ok(Value::Bytes(self.bytes()?)),
            b'l' => {
                self.position += 1;
                let mut items = Vec::new();
                while self.peek()? != b'e' {
                    items.push(self.value(depth + 1)?);
                }
                self.position += 1;
                Ok(Value::List(items))
            }
            b'd' => {
                self.position += 1;
                let mut entries = BTreeMap::new();
                while self.peek()? != b'e' {
                    let key = self.bytes()?;
                    entries.insert(key, self.value(depth + 1)?);
                }
                self.position += 1;
                Ok(Value::Dict(entries))
            }
            byte => Err(DecodeError::UnexpectedByte {
                byte,
                offset: self.position,
            }),
        }
    }

    fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        let start = self.position;
        let length = usize::try_from(self.number(b':')?)
            .map_err(|_| DecodeError::BadNumber { offset: start })?;
        let end = self
            .position
            .checked_add(length)
            .ok_or(DecodeError::BadNumber { offset: start })?;
        let bytes = self
            .input
            .get(self.position..end)
            .ok_or(DecodeError::UnexpectedEnd)?;
        self.position = end;
        Ok(bytes.to_vec())
    }

    /// A decimal number ending in `terminator`, which is consumed.
    fn number(&mut self, terminator: u8) -> Result<i64, DecodeError> {
        let start = self.position;
        let rest = self.input.get(start..).unwrap_or_default();
        let length = rest
            .iter()
            .position(|&byte| byte == terminator)
            .ok_or(DecodeError::UnexpectedEnd)?;
        let digits = rest.get(..length).unwrap_or_default();
        let bad = DecodeError::BadNumber { offset: start };
        let text = std::str::from_utf8(digits).map_err(|_| bad.clone())?;
        let canonical = matches!(
            text.as_bytes(),
            [b'0'] | [b'-', b'1'..=b'9', ..] | [b'1'..=b'9', ..]
        );
        if !canonical {
            return Err(bad);
        }
        let number = text.parse().map_err(|_| bad)?;
        self.position = start + length + 1;
        Ok(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_a_tracker_reply() {
        let value = Value::decode(b"d8:intervali1800e5:peers6:abcdefe").unwrap();
        assert_eq!(value.get("interval").and_then(Value::as_int), Some(1800));
        assert_eq!(
            value.get("peers").and_then(Value::as_bytes),
            Some(&b"abcdef"[..])
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(Value::decode(b""), Err(DecodeError::UnexpectedEnd));
        assert_eq!(Value::decode(b"5:abc"), Err(DecodeError::UnexpectedEnd));
        assert_eq!(
            Value::decode(b"<html>"),
            Err(DecodeError::UnexpectedByte {
                byte: b'<',
                offset: 0
            })
        );
        assert_eq!(
            Value::decode(b"i03e"),
            Err(DecodeError::BadNumber { offset: 1 })
        );
        assert_eq!(
            Value::decode(b"i-0e"),
            Err(DecodeError::BadNumber { offset: 1 })
        );
        assert_eq!(
            Value::decode(b"i1ei2e"),
            Err(DecodeError::TrailingBytes { count: 3 })
        );
        assert_eq!(
            Value::decode(b"99999999999999999999:x"),
            Err(DecodeError::BadNumber { offset: 0 })
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let mut input = vec![b'l'; 1_000_000];
        input.extend(vec![b'e'; 1_000_000]);
        assert_eq!(Value::decode(&input), Err(DecodeError::TooDeep));
    }

    #[test]
    fn encodes_dictionary_keys_sorted() {
        let value = Value::dict([("b", Value::Int(1)), ("a", Value::Bytes(b"x".to_vec()))]);
        assert_eq!(value.encode(), b"d1:a1:x1:bi1ee");
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Value::Int),
            proptest::collection::vec(any::<u8>(), 0..24).prop_map(Value::Bytes),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
                proptest::collection::btree_map(
                    proptest::collection::vec(any::<u8>(), 0..8),
                    inner,
                    0..8
                )
                .prop_map(Value::Dict),
            ]
        })
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(value in any_value()) {
            prop_assert_eq!(Value::decode(&value.encode()), Ok(value));
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Value::decode(&bytes);
        }
    }
}
