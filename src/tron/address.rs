//! TRON addresses: `0x41 ‖ last 20 bytes of Keccak-256(uncompressed public key
//! without its 0x04 prefix)`, written as base58check (`T...`) or as 42 hex digits.

use k256::ecdsa::VerifyingKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha3::{Digest, Keccak256};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The version byte of every TRON mainnet-style address.
pub const ADDRESS_PREFIX: u8 = 0x41;

/// A 21-byte TRON address whose first byte is [`ADDRESS_PREFIX`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address([u8; 21]);

/// Why a string or byte string is not a TRON address.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AddressError {
    /// Not valid base58.
    #[error("invalid address {input:?}: not base58")]
    NotBase58 { input: String },
    /// Base58 that fails its 4-byte checksum (a typo).
    #[error("invalid address {input:?}: bad checksum")]
    BadChecksum { input: String },
    /// The payload is not 21 bytes.
    #[error("invalid address {input:?}: {length} bytes, expected 21")]
    WrongLength { input: String, length: usize },
    /// The first byte is not 0x41.
    #[error("invalid address {input:?}: prefix 0x{prefix:02x}, expected 0x41")]
    WrongPrefix { input: String, prefix: u8 },
}

impl Address {
    /// The address of a public key.
    pub fn from_public_key(key: &VerifyingKey) -> Address {
        let point = key.to_encoded_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        let mut bytes = [0u8; 21];
        bytes[0] = ADDRESS_PREFIX;
        bytes[1..].copy_from_slice(&hash[12..]);
        Address(bytes)
    }

    /// Checks the length and prefix of raw address bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Address, AddressError> {
        let input = || hex::encode(bytes);
        let array: [u8; 21] = bytes.try_into().map_err(|_| AddressError::WrongLength {
            input: input(),
            length: bytes.len(),
        })?;
        if array[0] != ADDRESS_PREFIX {
            return Err(AddressError::WrongPrefix {
                input: input(),
                prefix: array[0],
            });
        }
        Ok(Address(array))
    }

    /// The 21 raw bytes, prefix included.
    pub fn as_bytes(&self) -> &[u8; 21] {
        &self.0
    }

    /// The 42-digit hex form (`41...`) TRON's HTTP API uses.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn parse_base58(input: &str) -> Result<Address, AddressError> {
        let payload =
            bs58::decode(input)
                .with_check(None)
                .into_vec()
                .map_err(|error| match error {
                    bs58::decode::Error::InvalidChecksum { .. } => AddressError::BadChecksum {
                        input: input.to_string(),
                    },
                    _ => AddressError::NotBase58 {
                        input: input.to_string(),
                    },
                })?;
        Address::from_bytes(&payload).map_err(|error| error.with_input(input))
    }
}

impl AddressError {
    fn with_input(self, input: &str) -> AddressError {
        let input = input.to_string();
        match self {
            AddressError::WrongLength { length, .. } => AddressError::WrongLength { input, length },
            AddressError::WrongPrefix { prefix, .. } => AddressError::WrongPrefix { input, prefix },
            other => other,
        }
    }
}

impl FromStr for Address {
    type Err = AddressError;

    /// Accepts base58check (`T...`) or 42 hex digits (`41...`).
    fn from_str(input: &str) -> Result<Address, AddressError> {
        let input = input.trim();
        if input.len() == 42 && input.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            let bytes = hex::decode(input).map_err(|_| AddressError::NotBase58 {
                input: input.to_string(),
            })?;
            return Address::from_bytes(&bytes).map_err(|error| error.with_input(input));
        }
        Address::parse_base58(input)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Address({self})")
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Address, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::SigningKey;

    fn address_of(private_key_hex: &str) -> Address {
        let key = SigningKey::from_slice(&hex::decode(private_key_hex).unwrap()).unwrap();
        Address::from_public_key(key.verifying_key())
    }

    #[test]
    fn known_vectors_from_tronweb() {
        assert_eq!(
            address_of("da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0")
                .to_string(),
            "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY"
        );
        assert_eq!(
            address_of(&format!("{:064x}", 1)).to_string(),
            "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC"
        );
    }

    #[test]
    fn base58_and_hex_forms_agree() {
        let address: Address = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap();
        let from_hex: Address = address.to_hex().parse().unwrap();
        assert_eq!(address, from_hex);
        assert!(address.to_hex().starts_with("41"));
    }

    #[test]
    fn bad_checksum_is_named() {
        let error = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZZ"
            .parse::<Address>()
            .unwrap_err();
        assert!(matches!(error, AddressError::BadChecksum { .. }), "{error}");
    }

    #[test]
    fn wrong_prefix_is_named() {
        let bitcoin_style = bs58::encode([0u8; 21]).with_check().into_string();
        let error = bitcoin_style.parse::<Address>().unwrap_err();
        assert!(
            matches!(error, AddressError::WrongPrefix { prefix: 0, .. }),
            "{error}"
        );
        let hex_error = format!("42{}", "00".repeat(20))
            .parse::<Address>()
            .unwrap_err();
        assert!(matches!(
            hex_error,
            AddressError::WrongPrefix { prefix: 0x42, .. }
        ));
    }

    #[test]
    fn garbage_is_not_base58() {
        assert!(matches!(
            "T0OIl".parse::<Address>(),
            Err(AddressError::NotBase58 { .. })
        ));
        assert!("".parse::<Address>().is_err());
    }
}
