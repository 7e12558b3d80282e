//! Magnet links (BEP 9, with BEP 53's `so=` file selection and BEP 52's v2
//! `urn:btmh:` hashes): parse and format.
//!
//! Parsing is liberal where it is safe: unknown parameters are ignored (and
//! named in [`Magnet::ignored`] so a caller can warn), `+`
//! means a space, hex or base32 `urn:btih:` hashes are accepted, and only the
//! first v1 and the first v2 hash count; a link needs at least one. It is strict where a mistake would matter: a missing
//! or malformed info-hash, a bad `so=` range or text that is not UTF-8 after
//! percent-decoding is an error. [`Display`](std::fmt::Display) writes the
//! canonical form: hex hashes (v1, then v2), then `dn`, `tr`, `x.pe` and `so`, each value
//! percent-encoded.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::info_hash::{InfoHash, InfoHashParseError, InfoHashV2, InfoHashes};

/// Everything but RFC 3986 unreserved characters is escaped in values.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A parsed magnet link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Magnet {
    /// The v1 info-hash (`xt=urn:btih:`) and the v2 one
    /// (`xt=urn:btmh:1220...`), at least one of them.
    pub info_hashes: InfoHashes,
    /// The display name (`dn`).
    pub name: Option<String>,
    /// Tracker URLs (`tr`, `tr.1`, ...), in order.
    pub trackers: Vec<String>,
    /// Peer addresses (`x.pe`), `host:port`.
    pub peers: Vec<String>,
    /// The file indices to download (`so`, BEP 53), or `None` for all.
    pub select_only: Option<Vec<RangeInclusive<usize>>>,
    /// The names of parameters this parser does not use (`ws`, `xl`, ...),
    /// in order, so a caller can say they were ignored. Not written back.
    pub ignored: Vec<String>,
}

/// Why text is not a usable magnet link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MagnetError {
    /// The text does not start with `magnet:?`.
    #[error("not a magnet link (expected \"magnet:?\"): {input:?}")]
    NotAMagnet {
        /// The rejected text.
        input: String,
    },
    /// Neither an `xt=urn:btih:` nor an `xt=urn:btmh:` parameter.
    #[error("magnet link has no info-hash (xt=urn:btih:... or xt=urn:btmh:1220...): {input:?}")]
    MissingInfoHash {
        /// The rejected text.
        input: String,
    },
    /// A `urn:btih:` value that is not a hash.
    #[error("magnet link: {0}")]
    InvalidInfoHash(#[from] InfoHashParseError),
    /// A `urn:btmh:` value that is not a SHA-256 multihash (`1220` and 64
    /// hex digits).
    #[error("magnet link: invalid v2 info-hash {input:?}: expected 1220 and 64 hex digits")]
    InvalidInfoHashV2 {
        /// The rejected value, after `urn:btmh:`.
        input: String,
    },
    /// A parameter value that is not UTF-8 once percent-decoded.
    #[error("magnet parameter {key:?} is not valid UTF-8 once percent-decoded")]
    InvalidUtf8 {
        /// The parameter name.
        key: String,
    },
    /// An `so=` value that is not a comma-separated list of `N` or `N-M`.
    #[error("magnet parameter \"so\" has an invalid file selection {value:?}")]
    InvalidSelectOnly {
        /// The rejected value.
        value: String,
    },
}

impl FromStr for Magnet {
    type Err = MagnetError;

    fn from_str(input: &str) -> Result<Magnet, MagnetError> {
        let query = strip_scheme(input).ok_or_else(|| MagnetError::NotAMagnet {
            input: input.to_owned(),
        })?;
        let (mut v1, mut v2) = (None, None);
        let (mut name, mut select_only) = (None, None);
        let (mut trackers, mut peers, mut ignored) = (Vec::new(), Vec::new(), Vec::new());
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode_value(key, raw_value)?;
            match key {
                "xt" => {
                    if let (None, Some(hash)) = (v1, strip_urn(&value, "urn:btih:")) {
                        v1 = Some(hash.parse::<InfoHash>()?);
                    }
                    if let (None, Some(multihash)) = (v2, strip_urn(&value, "urn:btmh:")) {
                        v2 = Some(parse_btmh(multihash)?);
                    }
                }
                "dn" => name = Some(value),
                "x.pe" => peers.push(value),
                "so" => select_only = Some(parse_select_only(&value)?),
                _ if is_tracker_key(key) => trackers.push(value),
                _ => ignored.push(key.to_owned()),
            }
        }
        let info_hashes = InfoHashes::new(v1, v2).ok_or_else(|| MagnetError::MissingInfoHash {
            input: input.to_owned(),
        })?;
        Ok(Magnet {
            info_hashes,
            name,
            trackers,
            peers,
            select_only,
            ignored,
        })
    }
}

fn strip_scheme(input: &str) -> Option<&str> {
    let scheme = input.get(..8)?;
    scheme
        .eq_ignore_ascii_case("magnet:?")
        .then(|| input.get(8..))
        .flatten()
}

/// What follows `urn` (`urn:btih:` or `urn:btmh:`, in any case) in `value`.
fn strip_urn<'a>(value: &'a str, urn: &str) -> Option<&'a str> {
    let prefix = value.get(..urn.len())?;
    prefix
        .eq_ignore_ascii_case(urn)
        .then(|| value.get(urn.len()..))
        .flatten()
}

/// A v2 info-hash from a multihash: `12` (SHA-256), `20` (32 bytes), then
/// the digest, in hex.
fn parse_btmh(multihash: &str) -> Result<InfoHashV2, MagnetError> {
    multihash
        .get(..4)
        .filter(|code| *code == "1220")
        .and_then(|_| multihash.get(4..))
        .and_then(|digest| digest.parse::<InfoHashV2>().ok())
        .ok_or_else(|| MagnetError::InvalidInfoHashV2 {
            input: multihash.to_owned(),
        })
}

/// `tr`, or `tr.N` as some clients number them.
fn is_tracker_key(key: &str) -> bool {
    key == "tr"
        || key
            .strip_prefix("tr.")
            .is_some_and(|number| !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
}

fn decode_value(key: &str, raw: &str) -> Result<String, MagnetError> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| MagnetError::InvalidUtf8 {
            key: key.to_owned(),
        })
}

fn parse_select_only(value: &str) -> Result<Vec<RangeInclusive<usize>>, MagnetError> {
    let invalid = || MagnetError::InvalidSelectOnly {
        value: value.to_owned(),
    };
    value
        .split(',')
        .map(|item| {
            let (start, end) = item.split_once('-').unwrap_or((item, item));
            let start: usize = start.parse().map_err(|_| invalid())?;
            let end: usize = end.parse().map_err(|_| invalid())?;
            (start <= end).then_some(start..=end).ok_or_else(invalid)
        })
        .collect()
}

impl fmt::Display for Magnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "?";
        if let Some(v1) = self.info_hashes.v1() {
            write!(f, "magnet:?xt=urn:btih:{v1}")?;
            separator = "&";
        }
        if let Some(v2) = self.info_hashes.v2() {
            if separator == "?" {
                f.write_str("magnet:")?;
            }
            write!(f, "{separator}xt=urn:btmh:1220{v2}")?;
        }
        if let Some(name) = &self.name {
            write!(f, "&dn={}", utf8_percent_encode(name, VALUE))?;
        }
        for tracker in &self.trackers {
            write!(f, "&tr={}", utf8_percent_encode(tracker, VALUE))?;
        }
        for peer in &self.peers {
            write!(f, "&x.pe={}", utf8_percent_encode(peer, VALUE))?;
        }
        if let Some(ranges) = &self.select_only {
            f.write_str("&so=")?;
            for (index, range) in ranges.iter().enumerate() {
                let separator = if index == 0 { "" } else { "," };
                match range.start() == range.end() {
                    true => write!(f, "{separator}{}", range.start())?,
                    false => write!(f, "{separator}{}-{}", range.start(), range.end())?,
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEX: &str = "c9e15763f722f23e98a29decdfae341b98d53056";

    fn parse(input: &str) -> Result<Magnet, MagnetError> {
        input.parse()
    }

    #[test]
    fn parses_a_typical_link() {
        let link = format!(
            "magnet:?xt=urn:btih:{HEX}&dn=Cosmos+Laundromat%20(2015)&tr=udp%3A%2F%2Ftracker.example%3A1337\
             &tr.1=http://t2.example/announce&x.pe=127.0.0.1:6881&so=0,2,4-6&foo=bar"
        );
        let magnet = parse(&link);
        assert_eq!(
            magnet,
            Ok(Magnet {
                info_hashes: InfoHashes::from_v1(HEX.parse().expect("valid hash"), None),
                name: Some("Cosmos Laundromat (2015)".into()),
                trackers: vec![
                    "udp://tracker.example:1337".into(),
                    "http://t2.example/announce".into()
                ],
                peers: vec!["127.0.0.1:6881".into()],
                select_only: Some(vec![0..=0, 2..=2, 4..=6]),
                ignored: vec!["foo".into()],
            })
        );
    }

    #[test]
    fn accepts_base32_and_uppercase_scheme() {
        let base32 = data_encoding::BASE32.encode(&hex::decode(HEX).unwrap_or_default());
        let magnet = parse(&format!("MAGNET:?xt=URN:BTIH:{base32}"));
        assert_eq!(
            magnet.map(|m| m.info_hashes.swarm().to_string()),
            Ok(HEX.to_owned())
        );
    }

    #[test]
    fn keeps_the_first_v1_and_the_first_v2_hash() {
        let other = "0".repeat(40);
        let v2 = "ab".repeat(32);
        let link = format!(
            "magnet:?xt=urn:btmh:1220{v2}&xt=urn:btih:{HEX}&xt=urn:btih:{other}&xt=urn:btmh:1220{}",
            "cd".repeat(32)
        );
        let hashes = parse(&link).map(|m| m.info_hashes);
        assert_eq!(
            hashes.map(|h| (h.swarm().to_string(), h.v2().map(|v2| v2.to_string()))),
            Ok((HEX.to_owned(), Some(v2)))
        );
    }

    #[test]
    fn a_v2_only_link_names_its_swarm_by_the_truncated_hash() {
        let v2 = "ab".repeat(32);
        let magnet = parse(&format!(
            "magnet:?xt=URN:BTMH:1220{}&dn=x",
            v2.to_uppercase()
        ));
        let hashes = magnet.as_ref().map(|m| m.info_hashes);
        assert_eq!(hashes.map(|h| h.v1()), Ok(None));
        assert_eq!(
            hashes.map(|h| h.swarm().to_string()),
            Ok(v2[..40].to_owned())
        );
        assert_eq!(
            magnet.map(|m| m.to_string()),
            Ok(format!("magnet:?xt=urn:btmh:1220{v2}&dn=x"))
        );
    }

    #[test]
    fn reports_clear_errors() {
        assert!(matches!(
            parse("http://x"),
            Err(MagnetError::NotAMagnet { .. })
        ));
        assert!(matches!(
            parse("magnet:?dn=x"),
            Err(MagnetError::MissingInfoHash { .. })
        ));
        assert_eq!(
            parse("magnet:?xt=urn:btmh:1220ab"),
            Err(MagnetError::InvalidInfoHashV2 {
                input: "1220ab".into()
            })
        );
        let sha1_multihash = format!("1114{HEX}");
        assert!(matches!(
            parse(&format!("magnet:?xt=urn:btmh:{sha1_multihash}")),
            Err(MagnetError::InvalidInfoHashV2 { .. })
        ));
        assert_eq!(
            parse("magnet:?xt=urn:btih:xyz"),
            Err(MagnetError::InvalidInfoHash(InfoHashParseError {
                input: "xyz".into()
            }))
        );
        let bad_selection = format!("magnet:?xt=urn:btih:{HEX}&so=3-1");
        assert!(matches!(
            parse(&bad_selection),
            Err(MagnetError::InvalidSelectOnly { .. })
        ));
        let bad_utf8 = format!("magnet:?xt=urn:btih:{HEX}&dn=%FF");
        assert!(matches!(
            parse(&bad_utf8),
            Err(MagnetError::InvalidUtf8 { .. })
        ));
    }

    #[test]
    fn displays_canonically() {
        let link = format!(
            "magnet:?dn=a%20b&xt=urn:btih:{}&so=1-3,5",
            HEX.to_uppercase()
        );
        let shown = parse(&link).map(|magnet| magnet.to_string());
        assert_eq!(
            shown,
            Ok(format!("magnet:?xt=urn:btih:{HEX}&dn=a%20b&so=1-3,5"))
        );
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(
            v1 in proptest::option::of(any::<[u8; 20]>()),
            v2 in proptest::option::of(any::<[u8; 32]>()),
            name in proptest::option::of("[ -~éü]{0,20}"),
            trackers in proptest::collection::vec("[ -~éü]{0,20}", 0..3),
            peers in proptest::collection::vec("[ -~éü]{0,20}", 0..3),
            select_only in proptest::option::of(proptest::collection::vec((0usize..100, 0usize..5), 1..4)),
        ) {
            let Some(info_hashes) = InfoHashes::new(v1.map(InfoHash), v2.map(InfoHashV2)) else {
                return Ok(());
            };
            let magnet = Magnet {
                info_hashes,
                name,
                trackers,
                peers,
                select_only: select_only.map(|ranges| {
                    ranges.into_iter().map(|(start, extra)| start..=start + extra).collect()
                }),
                ignored: Vec::new(),
            };
            prop_assert_eq!(parse(&magnet.to_string()), Ok(magnet));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in "\\PC{0,80}") {
            let _ = parse(&format!("magnet:?{text}"));
            let _ = parse(&text);
        }
    }
}
