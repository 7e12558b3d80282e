//! TRON addresses: `0x41 ‖ last 20 bytes of Keccak-256(uncompressed public key
//! without its 0x04 prefix)`, written as base58check (`T...`) or as 42 hex digits.
//!
//! The same 20 bytes are the key's EVM address (BTTC, any EVM chain), written
//! `0x` and 40 hex digits with the EIP-55 checksum in the letters' case. Every
//! form parses to the same [`Address`]; a mixed-case `0x` form must carry a
//! correct checksum (all-lower and all-upper carry none, as EIP-55 allows).

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
    /// A mixed-case `0x` address whose case is not its EIP-55 checksum (a typo).
    #[error("invalid address {input:?}: bad EIP-55 checksum (expected {expected})")]
    BadEip55Checksum { input: String, expected: String },
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

    /// The address of the 20-byte EVM account.
    pub fn from_evm(bytes: [u8; 20]) -> Address {
        let mut address = [0u8; 21];
        address[0] = ADDRESS_PREFIX;
        address[1..].copy_from_slice(&bytes);
        Address(address)
    }

    /// The 20 bytes of the EVM account (the address without its prefix).
    pub fn evm_bytes(&self) -> [u8; 20] {
        let mut bytes = [0u8; 20];
        bytes.copy_from_slice(&self.0[1..]);
        bytes
    }

    /// The EIP-55 form, `0x` and 40 hex digits with checksummed case.
    pub fn to_evm(&self) -> String {
        let digits = hex::encode(self.evm_bytes());
        let hash = Keccak256::digest(digits.as_bytes());
        let checksummed: String = digits
            .chars()
            .enumerate()
            .map(|(index, digit)| {
                let nibble = (hash[index / 2] >> (4 * (1 - index % 2))) & 0x0f;
                if nibble >= 8 {
                    digit.to_ascii_uppercase()
                } else {
                    digit
                }
            })
            .collect();
        format!("0x{checksummed}")
    }

    fn parse_evm(input: &str, digits: &str) -> Result<Address, AddressError> {
        let bytes: [u8; 20] = hex::decode(digits)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| AddressError::WrongLength {
                input: input.to_string(),
                length: digits.len() / 2,
            })?;
        let address = Address::from_evm(bytes);
        let mixed = digits.bytes().any(|b| b.is_ascii_lowercase())
            && digits.bytes().any(|b| b.is_ascii_uppercase());
        let expected = address.to_evm();
        if mixed && expected[2..] != *digits {
            return Err(AddressError::BadEip55Checksum {
                input: input.to_string(),
                expected,
            });
        }
        Ok(address)
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

    /// Accepts base58check (`T...`), 42 hex digits (`41...`) or an EVM
    /// address (`0x` and 40 hex digits, EIP-55 checked when mixed-case).
    fn from_str(input: &str) -> Result<Address, AddressError> {
        let input = input.trim();
        if let Some(digits) = input.strip_prefix("0x") {
            if digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return Address::parse_evm(input, digits);
            }
            return Err(AddressError::NotBase58 {
                input: input.to_string(),
            });
        }
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
    fn evm_forms_are_eip55_and_the_same_key() {
        let alice: Address = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap();
        // eth-account 0.14's addresses of the same private keys.
        assert_eq!(alice.to_evm(), "0x928C9af0651632157ef27A2cf17Ca72c575a4d21");
        let one = address_of(&format!("{:064x}", 1));
        assert_eq!(one.to_evm(), "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
        for form in [
            "0x928C9af0651632157ef27A2cf17Ca72c575a4d21",
            "0x928c9af0651632157ef27a2cf17ca72c575a4d21",
            "0x928C9AF0651632157EF27A2CF17CA72C575A4D21",
        ] {
            assert_eq!(form.parse::<Address>().unwrap(), alice, "{form}");
        }
    }

    #[test]
    fn bad_evm_forms_are_named() {
        let typo = "0x928C9af0651632157ef27A2cf17Ca72c575a4D21".parse::<Address>();
        assert!(matches!(typo, Err(AddressError::BadEip55Checksum { .. })));
        let short = "0x928C9af0651632157ef27A2cf17Ca72c575a4d".parse::<Address>();
        assert!(matches!(
            short,
            Err(AddressError::WrongLength { length: 19, .. })
        ));
        let odd = "0x928C9af0651632157ef27A2cf17Ca72c575a4d2".parse::<Address>();
        assert!(odd.is_err());
        assert!("0x".parse::<Address>().is_err());
        assert!("0xzz".parse::<Address>().is_err());
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
