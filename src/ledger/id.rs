//! 32-byte identifiers the ledger hands out: the ledger's own id, channel,
//! campaign and purchase ids. Each is its own type so one can never be passed for another;
//! all print and parse as 64 hex digits.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Why a string is not a 32-byte hex identifier.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid id {input:?}: expected 64 hex digits")]
pub struct IdError {
    /// The rejected text.
    pub input: String,
}

/// Decodes exactly 32 bytes from 64 hex digits.
pub fn parse_hex32(input: &str) -> Result<[u8; 32], IdError> {
    let error = || IdError {
        input: input.to_string(),
    };
    let bytes = hex::decode(input.trim()).map_err(|_| error())?;
    bytes.try_into().map_err(|_| error())
}

macro_rules! hash_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// The raw 32 bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(input: &str) -> Result<Self, IdError> {
                parse_hex32(input).map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hash_id!(
    /// A ledger's random id, fixed at creation; every signed ledger message names it.
    LedgerId
);
hash_id!(
    /// A payment channel: the SHA-256 of the payer's signed open message.
    ChannelId
);
hash_id!(
    /// A crowdfunding campaign: the SHA-256 of the creator's signed create message.
    CampaignId
);
hash_id!(
    /// A purchase escrow: derived from the buyer, the listing and the buyer's nonce.
    PurchaseId
);

/// Serde for byte strings as hex text (`#[serde(with = "hex_bytes")]`).
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the bytes as lowercase hex.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    /// Reads hex text into bytes of any length.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

/// Serde for a 32-byte hash (a txid) as 64 hex digits.
pub mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the hash as lowercase hex.
    pub fn serialize<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    /// Reads exactly 64 hex digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_hex32(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id = ChannelId([0xab; 32]);
        assert_eq!(id.to_string().parse::<ChannelId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<ChannelId>(&json).unwrap(), id);
    }

    #[test]
    fn short_or_non_hex_ids_are_rejected() {
        assert!("abcd".parse::<LedgerId>().is_err());
        assert!("zz".repeat(32).parse::<LedgerId>().is_err());
        assert!("00".repeat(33).parse::<LedgerId>().is_err());
    }
}
