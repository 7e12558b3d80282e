//! The content key of one listing: 32 random bytes that are an age X25519
//! identity, so `age -d -i KEYFILE album.age` opens a sold file by hand too.
//!
//! Invariants: the bytes are wiped when the key is dropped, `Debug` never
//! shows them, and the commitment a listing publishes is
//! `SHA-256(len(tag) ‖ tag ‖ key)` with the tag `btt-content-key-v1`, so a
//! buyer can check an unsealed key before decrypting anything.

use bech32::{Bech32, Hrp};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

/// The domain tag of the key commitment.
const COMMITMENT_TAG: &[u8] = b"btt-content-key-v1";

/// The Bech32 prefix of an age X25519 identity.
const AGE_SECRET_PREFIX: &str = "AGE-SECRET-KEY-";

/// Bytes in a content key.
pub const CONTENT_KEY_LEN: usize = 32;

/// Why text is not a content key (the text is never echoed: it is a secret).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContentKeyError {
    /// Not a Bech32 `AGE-SECRET-KEY-1...` string.
    #[error("content key is not an age identity (AGE-SECRET-KEY-1...)")]
    NotAgeIdentity,
    /// The wrong number of bytes.
    #[error("content key has {length} bytes, expected 32")]
    WrongLength { length: usize },
}

/// A secret content key.
#[derive(Clone, PartialEq, Eq)]
pub struct ContentKey {
    bytes: Zeroizing<[u8; CONTENT_KEY_LEN]>,
}

impl ContentKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> ContentKey {
        let mut bytes = Zeroizing::new([0u8; CONTENT_KEY_LEN]);
        OsRng.fill_bytes(&mut bytes[..]);
        ContentKey { bytes }
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<ContentKey, ContentKeyError> {
        let array: [u8; CONTENT_KEY_LEN] =
            bytes.try_into().map_err(|_| ContentKeyError::WrongLength {
                length: bytes.len(),
            })?;
        Ok(ContentKey {
            bytes: Zeroizing::new(array),
        })
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; CONTENT_KEY_LEN] {
        &self.bytes
    }

    /// The key as an age identity string (`AGE-SECRET-KEY-1...`).
    pub fn to_age_string(&self) -> Zeroizing<String> {
        let hrp = Hrp::parse_unchecked(AGE_SECRET_PREFIX);
        let text = bech32::encode_upper::<Bech32>(hrp, &self.bytes[..])
            .expect("32 bytes fit a Bech32 string");
        Zeroizing::new(text)
    }

    /// The key as an age identity, to encrypt to its recipient or decrypt with it.
    pub fn age_identity(&self) -> age::x25519::Identity {
        age::x25519::Identity::from_str(&self.to_age_string())
            .expect("a content key is a valid age identity")
    }

    /// The commitment a listing publishes.
    pub fn commitment(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update([COMMITMENT_TAG.len() as u8]);
        hasher.update(COMMITMENT_TAG);
        hasher.update(&self.bytes[..]);
        hasher.finalize().into()
    }

    /// Whether this key is the one `commitment` commits to.
    pub fn matches(&self, commitment: &[u8; 32]) -> bool {
        // Both sides are public hashes; a plain comparison leaks nothing secret.
        self.commitment() == *commitment
    }
}

impl FromStr for ContentKey {
    type Err = ContentKeyError;

    /// Parses an age identity string (`AGE-SECRET-KEY-1...`, any case).
    fn from_str(text: &str) -> Result<ContentKey, ContentKeyError> {
        let (hrp, mut data) =
            bech32::decode(text.trim()).map_err(|_| ContentKeyError::NotAgeIdentity)?;
        if !hrp.as_str().eq_ignore_ascii_case(AGE_SECRET_PREFIX) {
            data.zeroize();
            return Err(ContentKeyError::NotAgeIdentity);
        }
        let key = ContentKey::from_bytes(&data);
        data.zeroize();
        key
    }
}

impl fmt::Debug for ContentKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ContentKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    fn age_string_round_trips_and_matches_age() {
        let key = ContentKey::generate();
        let text = key.to_age_string();
        assert!(text.starts_with("AGE-SECRET-KEY-1"));
        assert_eq!(text.parse::<ContentKey>().unwrap(), key);
        assert_eq!(
            key.age_identity().to_string().expose_secret(),
            text.as_str()
        );
        assert_eq!(text.to_lowercase().parse::<ContentKey>().unwrap(), key);
    }

    #[test]
    fn commitment_matches_only_its_key() {
        let key = ContentKey::generate();
        let other = ContentKey::generate();
        assert!(key.matches(&key.commitment()));
        assert!(!other.matches(&key.commitment()));
        let mut expected = Sha256::new();
        expected.update([18u8]);
        expected.update(b"btt-content-key-v1");
        expected.update(key.as_bytes());
        assert_eq!(key.commitment(), <[u8; 32]>::from(expected.finalize()));
    }

    #[test]
    fn malformed_text_is_refused_without_echo() {
        let public = key_recipient_text();
        assert_eq!(
            public.parse::<ContentKey>(),
            Err(ContentKeyError::NotAgeIdentity)
        );
        assert_eq!(
            "nonsense".parse::<ContentKey>(),
            Err(ContentKeyError::NotAgeIdentity)
        );
        assert_eq!(
            ContentKey::from_bytes(&[1; 31]),
            Err(ContentKeyError::WrongLength { length: 31 })
        );
        assert_eq!(format!("{:?}", ContentKey::generate()), "ContentKey(..)");
    }

    fn key_recipient_text() -> String {
        ContentKey::generate()
            .age_identity()
            .to_public()
            .to_string()
    }
}
