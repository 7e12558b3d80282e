//! [`Bencode`]: an owned bencode value for writing. Dictionaries are
//! `BTreeMap`s, so keys are always written in sorted (raw byte) order, as the
//! specification requires of the torrents we create.

use std::collections::BTreeMap;

/// An owned bencode value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bencode {
    /// An integer.
    Int(i64),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<Bencode>),
    /// A dictionary, written with its keys sorted.
    Dict(BTreeMap<Vec<u8>, Bencode>),
    /// An already encoded value, written verbatim. It must be one valid value
    /// (for example the raw info dictionary of a parsed torrent).
    Raw(Vec<u8>),
}

impl Bencode {
    /// A byte string holding `text`.
    pub fn text(text: &str) -> Bencode {
        Bencode::Bytes(text.as_bytes().to_vec())
    }

    /// A dictionary built from `(key, value)` pairs with text keys; a later
    /// pair replaces an earlier one with the same key.
    pub fn dict<'k>(entries: impl IntoIterator<Item = (&'k str, Bencode)>) -> Bencode {
        Bencode::Dict(
            entries
                .into_iter()
                .map(|(key, value)| (key.as_bytes().to_vec(), value))
                .collect(),
        )
    }

    /// The encoded bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Appends the encoded bytes to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Bencode::Int(value) => {
                out.push(b'i');
                out.extend_from_slice(value.to_string().as_bytes());
                out.push(b'e');
            }
            Bencode::Bytes(bytes) => encode_bytes(bytes, out),
            Bencode::List(items) => {
                out.push(b'l');
                items.iter().for_each(|item| item.encode_into(out));
                out.push(b'e');
            }
            Bencode::Dict(entries) => {
                out.push(b'd');
                for (key, value) in entries {
                    encode_bytes(key, out);
                    value.encode_into(out);
                }
                out.push(b'e');
            }
            Bencode::Raw(raw) => out.extend_from_slice(raw),
        }
    }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(bytes.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dict_writes_text_keys_sorted() {
        let value = Bencode::dict([
            ("peers", Bencode::Bytes(b"x".to_vec())),
            ("interval", Bencode::Int(1800)),
            ("complete", Bencode::Int(-3)),
        ]);
        assert_eq!(
            value.encode(),
            b"d8:completei-3e8:intervali1800e5:peers1:xe"
        );
    }

    #[test]
    fn dict_keeps_the_last_of_repeated_keys() {
        let value = Bencode::dict([("a", Bencode::Int(1)), ("a", Bencode::Int(2))]);
        assert_eq!(value.encode(), b"d1:ai2ee");
    }
}
