//! [`InfoHash`]: the 20-byte SHA-1 of a torrent's raw info dictionary, the
//! identity of a swarm. Written as 40 lowercase hex digits; read from hex or
//! from the 32-character base32 form that old magnet links use.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha1::{Digest, Sha1};

/// A v1 info-hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InfoHash(pub [u8; 20]);

/// A string that is neither 40 hex digits nor 32 base32 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid info-hash {input:?}: expected 40 hex digits or 32 base32 characters")]
pub struct InfoHashParseError {
    /// The rejected text.
    pub input: String,
}

impl InfoHash {
    /// The info-hash of a raw, bencoded info dictionary.
    pub fn of_info_bytes(info_bytes: &[u8]) -> InfoHash {
        InfoHash(Sha1::digest(info_bytes).into())
    }
}

impl fmt::Display for InfoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for InfoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfoHash({self})")
    }
}

impl FromStr for InfoHash {
    type Err = InfoHashParseError;

    fn from_str(input: &str) -> Result<InfoHash, InfoHashParseError> {
        let decoded = match input.len() {
            40 => hex::decode(input).ok(),
            32 => data_encoding::BASE32
                .decode(input.to_ascii_uppercase().as_bytes())
                .ok(),
            _ => None,
        };
        decoded
            .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok())
            .map(InfoHash)
            .ok_or_else(|| InfoHashParseError {
                input: input.to_owned(),
            })
    }
}

impl Serialize for InfoHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InfoHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<InfoHash, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEX: &str = "c9e15763f722f23e98a29decdfae341b98d53056";

    #[test]
    fn parses_hex_in_either_case_and_displays_lowercase() {
        let lower: Result<InfoHash, _> = HEX.parse();
        let upper: Result<InfoHash, _> = HEX.to_uppercase().parse();
        assert_eq!(lower, upper);
        assert_eq!(lower.map(|hash| hash.to_string()), Ok(HEX.to_owned()));
    }

    #[test]
    fn parses_base32() {
        let base32 = data_encoding::BASE32.encode(&hex::decode(HEX).unwrap_or_default());
        assert_eq!(base32.len(), 32);
        let from_base32: Result<InfoHash, _> = base32.to_lowercase().parse();
        assert_eq!(from_base32.map(|hash| hash.to_string()), Ok(HEX.to_owned()));
    }

    #[test]
    fn rejects_bad_text() {
        for input in [
            "",
            "abc",
            &HEX[1..],
            &format!("{HEX}0"),
            "g9e15763f722f23e98a29decdfae341b98d53056",
        ] {
            assert_eq!(
                input.parse::<InfoHash>(),
                Err(InfoHashParseError {
                    input: input.to_owned()
                })
            );
        }
    }

    #[test]
    fn serializes_as_a_hex_string() {
        let hash: Result<InfoHash, _> = HEX.parse();
        let json = hash
            .as_ref()
            .ok()
            .and_then(|hash| serde_json::to_string(hash).ok());
        assert_eq!(json.as_deref(), Some(&*format!("\"{HEX}\"")));
        let back: Option<InfoHash> = json.and_then(|json| serde_json::from_str(&json).ok());
        assert_eq!(back, hash.ok());
    }

    #[test]
    fn hashes_info_bytes_with_sha1() {
        let hash = InfoHash::of_info_bytes(b"abc");
        assert_eq!(hash.to_string(), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(bytes in any::<[u8; 20]>()) {
            let hash = InfoHash(bytes);
            prop_assert_eq!(hash.to_string().parse::<InfoHash>(), Ok(hash));
            let base32 = data_encoding::BASE32.encode(&bytes);
            prop_assert_eq!(base32.parse::<InfoHash>(), Ok(hash));
        }
    }
}
