//! The strict validating scanner behind [`decode`] and behind every lazy
//! accessor of [`Value`].
//!
//! Invariants: the scanner never indexes past the input, never allocates in
//! proportion to a declared length (a length is checked against the bytes that
//! remain before anything is read), and recurses at most [`MAX_DEPTH`] levels.

use super::error::DecodeError;
use super::value::Value;

/// The deepest nesting of lists and dictionaries accepted.
pub const MAX_DEPTH: usize = 64;

/// Validates `bytes` as exactly one strict bencode value and returns a view of it.
pub fn decode(bytes: &[u8]) -> Result<Value<'_>, DecodeError> {
    let end = scan(bytes, 0, 0)?;
    if end != bytes.len() {
        return Err(DecodeError::TrailingData {
            offset: end,
            count: bytes.len() - end,
        });
    }
    Ok(Value::new(bytes))
}

/// The end offset of the value starting at `start`, validating it.
pub(super) fn value_end(bytes: &[u8], start: usize) -> Result<usize, DecodeError> {
    scan(bytes, start, 0)
}

fn scan(bytes: &[u8], start: usize, depth: usize) -> Result<usize, DecodeError> {
    match bytes.get(start) {
        None => Err(DecodeError::Truncated { offset: start }),
        Some(b'i') => parse_int(bytes, start).map(|(_, end)| end),
        Some(b'0'..=b'9') => parse_string(bytes, start).map(|(_, end)| end),
        Some(b'l') => list_end(bytes, start, enter(start, depth)?),
        Some(b'd') => dict_end(bytes, start, enter(start, depth)?),
        Some(b'-') => Err(DecodeError::NegativeStringLength { offset: start }),
        Some(&byte) => Err(DecodeError::UnexpectedByte {
            byte,
            offset: start,
        }),
    }
}

fn enter(offset: usize, depth: usize) -> Result<usize, DecodeError> {
    if depth >= MAX_DEPTH {
        return Err(DecodeError::TooDeep {
            offset,
            limit: MAX_DEPTH,
        });
    }
    Ok(depth + 1)
}

fn list_end(bytes: &[u8], start: usize, depth: usize) -> Result<usize, DecodeError> {
    let mut pos = start + 1;
    while bytes.get(pos) != Some(&b'e') {
        pos = scan(bytes, pos, depth)?;
    }
    Ok(pos + 1)
}

fn dict_end(bytes: &[u8], start: usize, depth: usize) -> Result<usize, DecodeError> {
    let mut pos = start + 1;
    let mut previous: Option<&[u8]> = None;
    let mut sorted = true;
    while bytes.get(pos) != Some(&b'e') {
        let (key, key_end) = parse_key(bytes, pos)?;
        if previous.is_some_and(|previous| previous >= key) {
            sorted = false;
        }
        previous = Some(key);
        pos = scan(bytes, key_end, depth)?;
    }
    if !sorted {
        check_unique_keys(bytes, start)?;
    }
    Ok(pos + 1)
}

/// Unsorted dictionaries are allowed (their raw bytes are kept), duplicate keys are not.
fn check_unique_keys(bytes: &[u8], start: usize) -> Result<(), DecodeError> {
    let mut keys = Vec::new();
    let mut pos = start + 1;
    while bytes.get(pos) != Some(&b'e') {
        let (key, key_end) = parse_key(bytes, pos)?;
        keys.push(key);
        pos = value_end(bytes, key_end)?;
    }
    keys.sort_unstable();
    match keys.windows(2).find(|pair| pair.first() == pair.last()) {
        Some(pair) => Err(DecodeError::DuplicateKey {
            key: String::from_utf8_lossy(pair.first().copied().unwrap_or_default()).into_owned(),
            offset: start,
        }),
        None => Ok(()),
    }
}

fn parse_key(bytes: &[u8], start: usize) -> Result<(&[u8], usize), DecodeError> {
    match bytes.get(start) {
        None => Err(DecodeError::Truncated { offset: start }),
        Some(b'0'..=b'9') => parse_string(bytes, start),
        Some(_) => Err(DecodeError::KeyNotString { offset: start }),
    }
}

/// Parses `i<digits>e` at `start`; returns the value and the end offset.
pub(super) fn parse_int(bytes: &[u8], start: usize) -> Result<(i64, usize), DecodeError> {
    let negative = bytes.get(start + 1) == Some(&b'-');
    let digits_start = start + 1 + usize::from(negative);
    let (magnitude, end) = parse_digits(bytes, digits_start, b'e', start)?;
    let value = if negative {
        0i128 - i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    if negative && magnitude == 0 {
        return Err(DecodeError::NonCanonicalNumber { offset: start });
    }
    let value = i64::try_from(value).map_err(|_| DecodeError::NumberOverflow { offset: start })?;
    Ok((value, end))
}

/// Parses `<length>:<bytes>` at `start`; returns the bytes and the end offset.
pub(super) fn parse_string(bytes: &[u8], start: usize) -> Result<(&[u8], usize), DecodeError> {
    let (length, data_start) = parse_digits(bytes, start, b':', start)?;
    let available = bytes.len().saturating_sub(data_start);
    let length_beyond_input = || DecodeError::LengthBeyondInput {
        offset: start,
        length: usize::try_from(length).unwrap_or(usize::MAX),
        available,
    };
    let length = usize::try_from(length).map_err(|_| length_beyond_input())?;
    let end = data_start
        .checked_add(length)
        .ok_or_else(length_beyond_input)?;
    let data = bytes.get(data_start..end).ok_or_else(length_beyond_input)?;
    Ok((data, end))
}

/// Parses canonical decimal digits from `start` up to `terminator`; returns the
/// number and the offset just past the terminator. `origin` is where the value
/// being parsed starts, for error messages.
fn parse_digits(
    bytes: &[u8],
    start: usize,
    terminator: u8,
    origin: usize,
) -> Result<(u64, usize), DecodeError> {
    let mut value: u64 = 0;
    let mut pos = start;
    loop {
        match bytes.get(pos) {
            None => return Err(DecodeError::Truncated { offset: pos }),
            Some(&byte) if byte == terminator => break,
            Some(&digit @ b'0'..=b'9') => {
                value = value
                    .checked_mul(10)
                    .and_then(|value| value.checked_add(u64::from(digit - b'0')))
                    .ok_or(DecodeError::NumberOverflow { offset: origin })?;
                pos += 1;
            }
            Some(&byte) => return Err(DecodeError::UnexpectedByte { byte, offset: pos }),
        }
    }
    let digit_count = pos - start;
    if digit_count == 0 {
        return Err(DecodeError::EmptyInteger { offset: origin });
    }
    if digit_count > 1 && bytes.get(start) == Some(&b'0') {
        return Err(DecodeError::NonCanonicalNumber { offset: origin });
    }
    Ok((value, pos + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(input: &[u8]) -> DecodeError {
        match decode(input) {
            Ok(value) => panic!("{:?} decoded as {value:?}", String::from_utf8_lossy(input)),
            Err(error) => error,
        }
    }

    #[test]
    fn accepts_canonical_values() {
        assert_eq!(decode(b"i0e").ok().and_then(|v| v.as_int()), Some(0));
        assert_eq!(decode(b"i-42e").ok().and_then(|v| v.as_int()), Some(-42));
        let min = decode(b"i-9223372036854775808e")
            .ok()
            .and_then(|v| v.as_int());
        assert_eq!(min, Some(i64::MIN));
        let max = decode(b"i9223372036854775807e")
            .ok()
            .and_then(|v| v.as_int());
        assert_eq!(max, Some(i64::MAX));
        assert_eq!(
            decode(b"0:").ok().and_then(|v| v.as_bytes()),
            Some(&b""[..])
        );
        assert_eq!(decode(b"3:abc").ok().and_then(|v| v.as_str()), Some("abc"));
    }

    #[test]
    fn rejects_non_canonical_integers() {
        assert!(matches!(
            error(b"i01e"),
            DecodeError::NonCanonicalNumber { offset: 0 }
        ));
        assert!(matches!(
            error(b"i-0e"),
            DecodeError::NonCanonicalNumber { offset: 0 }
        ));
        assert!(matches!(
            error(b"i-01e"),
            DecodeError::NonCanonicalNumber { offset: 0 }
        ));
        assert!(matches!(
            error(b"ie"),
            DecodeError::EmptyInteger { offset: 0 }
        ));
        assert!(matches!(
            error(b"i-e"),
            DecodeError::EmptyInteger { offset: 0 }
        ));
        assert!(matches!(
            error(b"i1.5e"),
            DecodeError::UnexpectedByte {
                byte: b'.',
                offset: 2
            }
        ));
        assert!(matches!(
            error(b"i+1e"),
            DecodeError::UnexpectedByte {
                byte: b'+',
                offset: 1
            }
        ));
    }

    #[test]
    fn rejects_integer_overflow() {
        assert!(matches!(
            error(b"i9223372036854775808e"),
            DecodeError::NumberOverflow { .. }
        ));
        assert!(matches!(
            error(b"i-9223372036854775809e"),
            DecodeError::NumberOverflow { .. }
        ));
        assert!(matches!(
            error(b"i99999999999999999999999e"),
            DecodeError::NumberOverflow { .. }
        ));
    }

    #[test]
    fn rejects_bad_string_lengths() {
        assert!(matches!(
            error(b"-1:a"),
            DecodeError::NegativeStringLength { offset: 0 }
        ));
        assert!(matches!(
            error(b"02:ab"),
            DecodeError::NonCanonicalNumber { offset: 0 }
        ));
        assert!(matches!(
            error(b"5:abc"),
            DecodeError::LengthBeyondInput {
                offset: 0,
                length: 5,
                available: 3
            }
        ));
        assert!(matches!(
            error(b"18446744073709551615:x"),
            DecodeError::LengthBeyondInput {
                length: usize::MAX,
                ..
            }
        ));
        assert!(matches!(
            error(b"18446744073709551616:x"),
            DecodeError::NumberOverflow { .. }
        ));
    }

    #[test]
    fn rejects_truncated_input() {
        for input in [
            &b""[..],
            b"i12",
            b"l",
            b"li1e",
            b"d",
            b"d1:a",
            b"d1:ai1e",
            b"3",
        ] {
            assert!(
                matches!(error(input), DecodeError::Truncated { .. }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn rejects_trailing_data() {
        assert_eq!(
            error(b"i1ei2e"),
            DecodeError::TrailingData {
                offset: 3,
                count: 3
            }
        );
        assert_eq!(
            error(b"lee"),
            DecodeError::TrailingData {
                offset: 2,
                count: 1
            }
        );
    }

    #[test]
    fn limits_nesting_depth() {
        let nested = |depth: usize| [vec![b'l'; depth], vec![b'e'; depth]].concat();
        assert!(decode(&nested(MAX_DEPTH)).is_ok());
        assert!(matches!(
            error(&nested(MAX_DEPTH + 1)),
            DecodeError::TooDeep {
                offset: 64,
                limit: MAX_DEPTH
            }
        ));
        assert!(matches!(
            error(&vec![b'l'; 1_000_000]),
            DecodeError::TooDeep { .. }
        ));
    }

    #[test]
    fn checks_dictionary_keys() {
        assert!(matches!(
            error(b"di1e1:ae"),
            DecodeError::KeyNotString { offset: 1 }
        ));
        assert_eq!(
            error(b"d1:ai1e1:bi2e1:ai3ee"),
            DecodeError::DuplicateKey {
                key: "a".into(),
                offset: 0
            }
        );
        assert!(matches!(
            error(b"d1:ai1e1:ai2ee"),
            DecodeError::DuplicateKey { .. }
        ));
    }

    #[test]
    fn keeps_unsorted_dictionaries_verbatim() {
        let input = b"d4:infod1:zi1e1:ai2e7:unknownlee1:x0:e";
        let root = decode(input).ok().and_then(|value| value.as_dict());
        let info = root.and_then(|root| root.get("info"));
        assert_eq!(
            info.map(|info| info.raw()),
            Some(&b"d1:zi1e1:ai2e7:unknownlee"[..])
        );
        let keys: Vec<&[u8]> = info
            .and_then(|info| info.as_dict())
            .map(|dict| dict.iter().map(|(key, _)| key).collect())
            .unwrap_or_default();
        assert_eq!(keys, [&b"z"[..], b"a", b"unknown"]);
    }
}
