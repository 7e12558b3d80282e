//! A secp256k1 private key and the TRON address it controls.
//!
//! Invariants: the secret is zeroized when the key is dropped (k256's
//! `SigningKey` wipes its scalar), `Debug` never shows it, and bytes leave this
//! type only inside `Zeroizing` so callers cannot forget to wipe them.

use super::{sign_digest, Address};
use k256::ecdsa::SigningKey;
use rand::rngs::OsRng;
use std::fmt;
use thiserror::Error;
use zeroize::Zeroizing;

/// Why bytes or text are not a private key.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyError {
    /// Not 64 hex digits (the input is not echoed: it may be a secret).
    #[error("private key is not 64 hex digits ({length} characters given)")]
    NotHex { length: usize },
    /// Not 32 bytes.
    #[error("private key has {length} bytes, expected 32")]
    WrongLength { length: usize },
    /// Zero or not below the curve order.
    #[error("private key is out of range for secp256k1")]
    OutOfRange,
}

/// A private key that signs for one TRON address.
#[derive(Clone)]
pub struct PrivateKey {
    signing_key: SigningKey,
}

impl PrivateKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> PrivateKey {
        PrivateKey {
            signing_key: SigningKey::random(&mut OsRng),
        }
    }

    /// A key from its 32 big-endian bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<PrivateKey, KeyError> {
        if bytes.len() != 32 {
            return Err(KeyError::WrongLength {
                length: bytes.len(),
            });
        }
        let signing_key = SigningKey::from_slice(bytes).map_err(|_| KeyError::OutOfRange)?;
        Ok(PrivateKey { signing_key })
    }

    /// A key from 64 hex digits, with an optional `0x` and surrounding whitespace.
    pub fn from_hex(text: &str) -> Result<PrivateKey, KeyError> {
        let text = text.trim();
        let digits = text.strip_prefix("0x").unwrap_or(text);
        if digits.len() != 64 {
            return Err(KeyError::NotHex {
                length: digits.len(),
            });
        }
        let bytes = Zeroizing::new(hex::decode(digits).map_err(|_| KeyError::NotHex {
            length: digits.len(),
        })?);
        PrivateKey::from_bytes(&bytes)
    }

    /// Wraps a k256 signing key.
    pub fn from_signing_key(signing_key: SigningKey) -> PrivateKey {
        PrivateKey { signing_key }
    }

    /// The 32 secret bytes, wiped when the returned value is dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing_key.to_bytes().into())
    }

    /// The TRON address this key controls.
    pub fn address(&self) -> Address {
        Address::from_public_key(self.signing_key.verifying_key())
    }

    /// Signs a 32-byte digest: `r ‖ s ‖ v`, RFC 6979, low-S, `v` 27 or 28.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> [u8; 65] {
        sign_digest(&self.signing_key, digest)
    }

    /// The k256 key, for signing the ledger's domain-separated requests.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "PrivateKey({}, secret redacted)", self.address())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";

    #[test]
    fn known_key_has_known_address() {
        let key = PrivateKey::from_hex(VECTOR_KEY).unwrap();
        assert_eq!(
            key.address().to_string(),
            "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY"
        );
        let prefixed = PrivateKey::from_hex(&format!(" 0x{VECTOR_KEY}\n")).unwrap();
        assert_eq!(prefixed.address(), key.address());
        assert_eq!(hex::encode(*key.to_bytes()), VECTOR_KEY);
    }

    #[test]
    fn bad_keys_are_rejected_without_echo() {
        let error = PrivateKey::from_hex("zz").unwrap_err();
        assert_eq!(error, KeyError::NotHex { length: 2 });
        let not_hex = PrivateKey::from_hex(&"g".repeat(64)).unwrap_err();
        assert!(!not_hex.to_string().contains("ggg"));
        assert_eq!(
            PrivateKey::from_bytes(&[0u8; 32]).unwrap_err(),
            KeyError::OutOfRange
        );
        assert_eq!(
            PrivateKey::from_bytes(&[0xff; 32]).unwrap_err(),
            KeyError::OutOfRange
        );
        assert_eq!(
            PrivateKey::from_bytes(&[1u8; 31]).unwrap_err(),
            KeyError::WrongLength { length: 31 }
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = PrivateKey::from_hex(VECTOR_KEY).unwrap();
        let debug = format!("{key:?}");
        assert!(!debug.contains("da1463"), "{debug}");
        assert!(debug.contains("TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY"));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(
            PrivateKey::generate().address(),
            PrivateKey::generate().address()
        );
    }
}
