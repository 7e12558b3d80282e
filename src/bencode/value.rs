//! [`Value`]: a view of one validated bencode value inside the original bytes.
//!
//! Invariant: a `Value` is only built by [`decode`](super::decode()) or by the
//! accessors of another `Value`, so its `raw` bytes are always exactly one
//! complete, valid value. Accessors parse lazily from those bytes and allocate
//! nothing.

use std::collections::BTreeMap;

use super::decode::{parse_int, parse_string, value_end};
use super::encode::Bencode;

/// One decoded bencode value, borrowing the input it was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value<'a> {
    raw: &'a [u8],
}

impl<'a> Value<'a> {
    pub(super) fn new(raw: &'a [u8]) -> Value<'a> {
        Value { raw }
    }

    /// The exact original bytes of this value, as they appear in the input.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The integer, if this is an integer.
    pub fn as_int(&self) -> Option<i64> {
        match self.raw.first() {
            Some(b'i') => parse_int(self.raw, 0).ok().map(|(value, _)| value),
            _ => None,
        }
    }

    /// The bytes, if this is a byte string.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match self.raw.first() {
            Some(b'0'..=b'9') => parse_string(self.raw, 0).ok().map(|(bytes, _)| bytes),
            _ => None,
        }
    }

    /// The text, if this is a byte string holding valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        self.as_bytes()
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
    }

    /// The list, if this is a list.
    pub fn as_list(&self) -> Option<List<'a>> {
        (self.raw.first() == Some(&b'l')).then_some(List { raw: self.raw })
    }

    /// The dictionary, if this is a dictionary.
    pub fn as_dict(&self) -> Option<Dict<'a>> {
        (self.raw.first() == Some(&b'd')).then_some(Dict { raw: self.raw })
    }

    /// "integer", "string", "list" or "dictionary", for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self.raw.first() {
            Some(b'i') => "integer",
            Some(b'l') => "list",
            Some(b'd') => "dictionary",
            _ => "string",
        }
    }

    /// An owned copy of this value (dictionary keys end up sorted).
    pub fn to_bencode(&self) -> Bencode {
        if let Some(list) = self.as_list() {
            Bencode::List(list.iter().map(|item| item.to_bencode()).collect())
        } else if let Some(dict) = self.as_dict() {
            let entries: BTreeMap<Vec<u8>, Bencode> = dict
                .iter()
                .map(|(key, value)| (key.to_vec(), value.to_bencode()))
                .collect();
            Bencode::Dict(entries)
        } else if let Some(int) = self.as_int() {
            Bencode::Int(int)
        } else {
            Bencode::Bytes(self.as_bytes().unwrap_or_default().to_vec())
        }
    }
}

/// A bencode list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct List<'a> {
    raw: &'a [u8],
}

impl<'a> List<'a> {
    /// The items, in order.
    pub fn iter(&self) -> ListIter<'a> {
        ListIter {
            bytes: self.raw,
            pos: 1,
        }
    }

    /// The number of items (counted by walking the list).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether the list has no items.
    pub fn is_empty(&self) -> bool {
        self.raw.get(1) == Some(&b'e')
    }
}

impl<'a> IntoIterator for List<'a> {
    type Item = Value<'a>;
    type IntoIter = ListIter<'a>;

    fn into_iter(self) -> ListIter<'a> {
        self.iter()
    }
}

/// The items of a [`List`].
#[derive(Debug, Clone)]
pub struct ListIter<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for ListIter<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        let (value, end) = next_value(self.bytes, self.pos)?;
        self.pos = end;
        Some(value)
    }
}

/// A bencode dictionary, with its keys in their original order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dict<'a> {
    raw: &'a [u8],
}

impl<'a> Dict<'a> {
    /// The entries, in their original order.
    pub fn iter(&self) -> DictIter<'a> {
        DictIter {
            bytes: self.raw,
            pos: 1,
        }
    }

    /// The value of `key`, if present (keys are unique in a decoded dictionary).
    /// A key is text (`"info"`) or bytes (a 20-byte info-hash in a scrape reply).
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<Value<'a>> {
        let key = key.as_ref();
        self.iter()
            .find(|(candidate, _)| *candidate == key)
            .map(|(_, value)| value)
    }
}

impl<'a> IntoIterator for Dict<'a> {
    type Item = (&'a [u8], Value<'a>);
    type IntoIter = DictIter<'a>;

    fn into_iter(self) -> DictIter<'a> {
        self.iter()
    }
}

/// The entries of a [`Dict`].
#[derive(Debug, Clone)]
pub struct DictIter<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for DictIter<'a> {
    type Item = (&'a [u8], Value<'a>);

    fn next(&mut self) -> Option<(&'a [u8], Value<'a>)> {
        if self.bytes.get(self.pos) == Some(&b'e') {
            return None;
        }
        let (key, key_end) = parse_string(self.bytes, self.pos).ok()?;
        let (value, end) = next_value(self.bytes, key_end)?;
        self.pos = end;
        Some((key, value))
    }
}

/// The value at `pos` inside a validated list or dictionary, and its end;
/// `None` at the closing `e`.
fn next_value(bytes: &[u8], pos: usize) -> Option<(Value<'_>, usize)> {
    if bytes.get(pos) == Some(&b'e') {
        return None;
    }
    let end = value_end(bytes, pos).ok()?;
    Some((Value::new(bytes.get(pos..end)?), end))
}

#[cfg(test)]
mod tests {
    use super::super::decode;

    #[test]
    fn dict_get_takes_text_or_binary_keys() {
        let mut input = b"d20:".to_vec();
        input.extend_from_slice(&[0xff; 20]);
        input.extend_from_slice(b"i7e4:infoi1ee");
        let dict = decode(&input).ok().and_then(|value| value.as_dict());
        let get = |key: &[u8]| dict.and_then(|dict| dict.get(key)).and_then(|v| v.as_int());
        assert_eq!(get(&[0xff; 20]), Some(7));
        assert_eq!(dict.and_then(|dict| dict.get("info")?.as_int()), Some(1));
        assert_eq!(get(&[0xff; 19]), None);
        assert_eq!(get(b"inf"), None);
    }
}
