//! Typed access to the keys of a metainfo dictionary, turning every absent key
//! or wrong type into a [`MetainfoError`] that names the key by its dotted path.
//! Text keys prefer their `.utf-8` twin (`name.utf-8`, `path.utf-8`) when present.

use crate::bencode::{List, Value};

use super::error::MetainfoError;

/// The keys of one dictionary, known by its dotted path (`info.files[2]`).
/// The entries are listed once, so looking keys up never re-walks the
/// dictionary's values (the `files` list of a large torrent, say).
pub(super) struct Fields<'a> {
    entries: Vec<(&'a [u8], Value<'a>)>,
    path: String,
}

impl<'a> Fields<'a> {
    /// The dictionary in `value`, which lives at `path`.
    pub(super) fn new(value: Value<'a>, path: String) -> Result<Fields<'a>, MetainfoError> {
        match value.as_dict() {
            Some(dict) => Ok(Fields {
                entries: dict.iter().collect(),
                path,
            }),
            None => Err(wrong_type(path, "dictionary", value)),
        }
    }

    /// The dotted path of `name` in this dictionary.
    pub(super) fn key(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// The value of `name`, if present.
    pub(super) fn optional(&self, name: &str) -> Option<Value<'a>> {
        self.entries
            .iter()
            .find(|(key, _)| *key == name.as_bytes())
            .map(|(_, value)| *value)
    }

    /// The value of `name`, which must be present.
    pub(super) fn required(&self, name: &str) -> Result<Value<'a>, MetainfoError> {
        self.optional(name)
            .ok_or_else(|| MetainfoError::MissingKey {
                key: self.key(name),
            })
    }

    /// The integer in `name`, if present.
    pub(super) fn int(&self, name: &str) -> Result<Option<i64>, MetainfoError> {
        self.optional(name)
            .map(|value| expect_int(value, self.key(name)))
            .transpose()
    }

    /// The byte string in `name`, if present.
    pub(super) fn bytes(&self, name: &str) -> Result<Option<&'a [u8]>, MetainfoError> {
        self.optional(name)
            .map(|value| expect_bytes(value, self.key(name)))
            .transpose()
    }

    /// The list in `name`, if present.
    pub(super) fn list(&self, name: &str) -> Result<Option<List<'a>>, MetainfoError> {
        self.optional(name)
            .map(|value| expect_list(value, self.key(name)))
            .transpose()
    }

    /// The UTF-8 text in `name.utf-8`, else in `name`, if either is present.
    pub(super) fn text(&self, name: &str) -> Result<Option<&'a str>, MetainfoError> {
        let utf8_name = format!("{name}.utf-8");
        match self.optional(&utf8_name) {
            Some(value) => expect_str(value, self.key(&utf8_name)).map(Some),
            None => self
                .optional(name)
                .map(|value| expect_str(value, self.key(name)))
                .transpose(),
        }
    }

    /// Like [`text`](Self::text), but bytes that are not UTF-8 are replaced
    /// rather than refused: for informational fields such as `comment`.
    pub(super) fn lossy_text(&self, name: &str) -> Result<Option<String>, MetainfoError> {
        match self.text(name) {
            Ok(text) => Ok(text.map(str::to_owned)),
            Err(MetainfoError::InvalidUtf8 { .. }) => Ok(self
                .bytes(name)?
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())),
            Err(error) => Err(error),
        }
    }
}

/// The error for `value` at `key` not being an `expected`.
pub(super) fn wrong_type(key: String, expected: &'static str, value: Value<'_>) -> MetainfoError {
    MetainfoError::WrongType {
        key,
        expected,
        found: value.kind_name(),
    }
}

pub(super) fn expect_int(value: Value<'_>, key: String) -> Result<i64, MetainfoError> {
    value
        .as_int()
        .ok_or_else(|| wrong_type(key, "integer", value))
}

pub(super) fn expect_bytes(value: Value<'_>, key: String) -> Result<&[u8], MetainfoError> {
    value
        .as_bytes()
        .ok_or_else(|| wrong_type(key, "string", value))
}

pub(super) fn expect_list(value: Value<'_>, key: String) -> Result<List<'_>, MetainfoError> {
    value
        .as_list()
        .ok_or_else(|| wrong_type(key, "list", value))
}

pub(super) fn expect_str(value: Value<'_>, key: String) -> Result<&str, MetainfoError> {
    let bytes = expect_bytes(value, key.clone())?;
    std::str::from_utf8(bytes).map_err(|_| MetainfoError::InvalidUtf8 { key })
}
