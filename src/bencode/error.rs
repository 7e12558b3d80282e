//! Why a byte string is not strict, canonical bencode. Every variant carries the
//! byte offset where decoding stopped, so a message points at the bad spot.

/// A decoding failure, with the byte offset in the input where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended in the middle of a value.
    #[error("truncated bencode: input ends at byte {offset} in the middle of a value")]
    Truncated {
        /// Where more input was expected.
        offset: usize,
    },
    /// A byte that cannot start or continue a value here.
    #[error("unexpected byte {byte:#04x} at byte {offset}")]
    UnexpectedByte {
        /// The byte found.
        byte: u8,
        /// Its position.
        offset: usize,
    },
    /// `ie` or `i-e`.
    #[error("empty integer at byte {offset}")]
    EmptyInteger {
        /// Where the integer starts.
        offset: usize,
    },
    /// An integer or a string length with a leading zero, or `-0`.
    #[error("non-canonical number at byte {offset} (leading zero or -0)")]
    NonCanonicalNumber {
        /// Where the number starts.
        offset: usize,
    },
    /// An integer outside the range of i64, or a string length beyond usize.
    #[error("number at byte {offset} overflows 64 bits")]
    NumberOverflow {
        /// Where the number starts.
        offset: usize,
    },
    /// A string length that starts with `-`.
    #[error("negative string length at byte {offset}")]
    NegativeStringLength {
        /// Where the length starts.
        offset: usize,
    },
    /// A string whose declared length runs past the end of the input.
    #[error("string at byte {offset} declares {length} bytes but only {available} remain")]
    LengthBeyondInput {
        /// Where the string's length prefix starts.
        offset: usize,
        /// The declared length.
        length: usize,
        /// How many bytes the input still had.
        available: usize,
    },
    /// Lists and dictionaries nested deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
    #[error("nesting deeper than {limit} levels at byte {offset}")]
    TooDeep {
        /// Where the level that is too deep starts.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// A dictionary key that is not a byte string.
    #[error("dictionary key at byte {offset} is not a string")]
    KeyNotString {
        /// Where the key starts.
        offset: usize,
    },
    /// The same key twice in one dictionary.
    #[error("duplicate dictionary key {key:?} in the dictionary at byte {offset}")]
    DuplicateKey {
        /// The key, lossily decoded as UTF-8.
        key: String,
        /// Where the dictionary starts.
        offset: usize,
    },
    /// Bytes after the one top-level value.
    #[error("{count} bytes of trailing data after the value, at byte {offset}")]
    TrailingData {
        /// Where the trailing data starts.
        offset: usize,
        /// How many bytes follow.
        count: usize,
    },
}
