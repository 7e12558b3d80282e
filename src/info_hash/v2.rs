//! [`InfoHashV2`]: the 32-byte SHA-256 of a BEP 52 torrent's raw info
//! dictionary, written as 64 lowercase hex digits. Trackers, the DHT and the
//! peer handshake carry only 20 bytes, so a v2 swarm is known there by the
//! hash's first 20 bytes ([`InfoHashV2::truncated`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::v1::InfoHash;

/// A v2 info-hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InfoHashV2(pub [u8; 32]);

/// A string that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid v2 info-hash {input:?}: expected 64 hex digits")]
pub struct InfoHashV2ParseError {
    /// The rejected text.
    pub input: String,
}

impl InfoHashV2 {
    /// The v2 info-hash of a raw, bencoded info dictionary.
    pub fn of_info_bytes(info_bytes: &[u8]) -> InfoHashV2 {
        InfoHashV2(Sha256::digest(info_bytes).into())
    }

    /// The first 20 bytes: the v2 swarm's name on trackers, the DHT and in
    /// the handshake (BEP 52).
    pub fn truncated(&self) -> InfoHash {
        let mut first = [0; 20];
        first.copy_from_slice(&self.0[..20]);
        InfoHash(first)
    }
}

impl fmt::Display for InfoHashV2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for InfoHashV2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfoHashV2({self})")
    }
}

impl FromStr for InfoHashV2 {
    type Err = InfoHashV2ParseError;

    fn from_str(input: &str) -> Result<InfoHashV2, InfoHashV2ParseError> {
        hex::decode(input)
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(InfoHashV2)
            .ok_or_else(|| InfoHashV2ParseError {
                input: input.to_owned(),
            })
    }
}

impl Serialize for InfoHashV2 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InfoHashV2 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<InfoHashV2, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_sha256_and_truncates_to_the_first_20_bytes() {
        let hash = InfoHashV2::of_info_bytes(b"abc");
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hash.to_string(), hex);
        assert_eq!(hash.truncated().to_string(), hex[..40]);
        assert_eq!(hex.to_uppercase().parse::<InfoHashV2>(), Ok(hash));
    }

    #[test]
    fn rejects_text_that_is_not_64_hex_digits() {
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        for input in ["", &hex[1..], &format!("{hex}00"), &hex.replace('b', "g")] {
            assert_eq!(
                input.parse::<InfoHashV2>(),
                Err(InfoHashV2ParseError {
                    input: input.to_owned()
                })
            );
        }
    }

    #[test]
    fn serializes_as_a_hex_string() {
        let hash = InfoHashV2([7; 32]);
        let json = serde_json::to_string(&hash).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", "07".repeat(32)));
        assert_eq!(serde_json::from_str::<InfoHashV2>(&json).ok(), Some(hash));
    }
}
