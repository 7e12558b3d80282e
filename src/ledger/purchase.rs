//! The purchase escrow: a buyer locks a listing's price for one seller until
//! a delivery deadline. Before the deadline the seller may deliver the
//! content key sealed to the buyer's public key; the ledger stores the
//! sealed key and pays the price to the seller in the same transaction.
//! From the deadline on, an undelivered purchase can only be refunded: the
//! price goes back to the buyer, exactly once. Anyone may trigger the
//! refund, since it can pay nobody but the buyer.
//!
//! The purchase id is derived from the buyer, the listing digest and a
//! buyer-chosen nonce only, so a buyer that journals its nonce and reruns
//! after a crash names the same purchase: opening an id that exists returns
//! the existing record when every field matches, and is refused otherwise.
//! A purchase is charged at most once per id.
//!
//! The listing is an opaque 32-byte digest and the sealed key opaque bytes
//! (1 to [`MAX_SEALED_KEY`]); what they mean is the buyer's and seller's
//! business, not the ledger's. So the ledger can not tell an order at the
//! listed price from an underpriced one: the seller checks each order
//! against its signed listing before it seals a key (`purchase::delivery`),
//! and the ledger records when each purchase was opened so that the seller
//! can check the listing's expiry at order time.

use super::domain::{Authorise, DomainMessage, Purpose};
use super::error::LedgerError;
use super::id::{LedgerId, PurchaseId};
use crate::amount::Amount;
use crate::tron::Address;
use k256::ecdsa::VerifyingKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;

/// The longest sealed key the ledger stores, in bytes.
pub const MAX_SEALED_KEY: usize = 256;

/// A compressed secp256k1 public key (33 bytes), written as 66 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BuyerKey(pub [u8; 33]);

impl BuyerKey {
    /// The compressed form of `key`.
    pub fn from_verifying_key(key: &VerifyingKey) -> BuyerKey {
        let point = key.to_encoded_point(true);
        let mut bytes = [0u8; 33];
        bytes.copy_from_slice(point.as_bytes());
        BuyerKey(bytes)
    }

    /// The address this key controls, or `None` when it is no compressed curve point.
    pub fn address(&self) -> Option<Address> {
        if !matches!(self.0[0], 2 | 3) {
            return None;
        }
        let key = VerifyingKey::from_sec1_bytes(&self.0).ok()?;
        Some(Address::from_public_key(&key))
    }
}

impl fmt::Debug for BuyerKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "BuyerKey({})", hex::encode(self.0))
    }
}

impl Serialize for BuyerKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for BuyerKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<BuyerKey, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
        let array: [u8; 33] = bytes.try_into().map_err(|_| {
            serde::de::Error::custom("a compressed public key is 33 bytes (66 hex digits)")
        })?;
        Ok(BuyerKey(array))
    }
}

/// The buyer's request to lock a listing's price in escrow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenPurchase {
    /// Who pays (and signs).
    pub buyer: Address,
    /// Who is paid on delivery.
    pub seller: Address,
    /// The digest of the listing bought.
    #[serde(with = "super::id::hex32")]
    pub listing: [u8; 32],
    /// The buyer's public key, which the seller seals the content key to.
    pub buyer_key: BuyerKey,
    /// What is locked and paid.
    pub price: Amount,
    /// Delivery is accepted before this time; refund from it on.
    pub deadline_ms: i64,
    /// The buyer's number that makes this purchase unique; keep it to rerun safely.
    pub nonce: u64,
}

impl Authorise for OpenPurchase {
    const PURPOSE: Purpose = Purpose::PurchaseOpen;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        DomainMessage::new(Self::PURPOSE, ledger)
            .address(&self.buyer)
            .address(&self.seller)
            .id(&self.listing)
            .bytes(&self.buyer_key.0)
            .amount(&self.price)
            .integer(self.deadline_ms)
            .bytes(&self.nonce.to_be_bytes())
    }
}

impl OpenPurchase {
    /// The id the purchase gets on `ledger`: SHA-256 over `btt-purchase-id-v1`,
    /// the ledger id, the buyer, the listing and the nonce.
    pub fn id(&self, ledger: &LedgerId) -> PurchaseId {
        let mut hasher = Sha256::new();
        hasher.update(b"btt-purchase-id-v1");
        hasher.update(ledger.as_bytes());
        hasher.update(self.buyer.as_bytes());
        hasher.update(self.listing);
        hasher.update(self.nonce.to_be_bytes());
        PurchaseId(hasher.finalize().into())
    }

    /// Fails unless the request is well formed: a price, and the buyer's own key.
    pub fn check(&self) -> Result<(), LedgerError> {
        if self.price.base_units == 0 {
            return Err(LedgerError::ZeroAmount);
        }
        if self.buyer_key.address() != Some(self.buyer) {
            return Err(LedgerError::BuyerKeyMismatch { buyer: self.buyer });
        }
        Ok(())
    }
}

/// The seller's delivery: the content key sealed to the buyer's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverPurchase {
    /// The purchase delivered.
    pub purchase: PurchaseId,
    /// The sealed content key, opaque to the ledger.
    #[serde(with = "super::id::hex_bytes")]
    pub sealed_key: Vec<u8>,
}

impl Authorise for DeliverPurchase {
    const PURPOSE: Purpose = Purpose::PurchaseDeliver;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        DomainMessage::new(Self::PURPOSE, ledger)
            .id(self.purchase.as_bytes())
            .bytes(&self.sealed_key)
    }
}

impl DeliverPurchase {
    /// Fails unless the sealed key has 1 to [`MAX_SEALED_KEY`] bytes.
    pub fn check(&self) -> Result<(), LedgerError> {
        if self.sealed_key.is_empty() || self.sealed_key.len() > MAX_SEALED_KEY {
            return Err(LedgerError::SealedKeyLength {
                length: self.sealed_key.len(),
                max: MAX_SEALED_KEY,
            });
        }
        Ok(())
    }
}

/// Where a purchase stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseStatus {
    /// The price is locked; the seller may deliver until the deadline.
    Open,
    /// The seller delivered and was paid.
    Delivered,
    /// The deadline passed undelivered; the buyer got the price back.
    Refunded,
}

/// Which side of a purchase an address is on, for [`crate::ledger::Ledger::purchases`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseRole {
    /// The address paid.
    Buyer,
    /// The address sells.
    Seller,
}

/// A purchase as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseState {
    /// The purchase id.
    pub id: PurchaseId,
    /// Who paid.
    pub buyer: Address,
    /// Who is paid on delivery.
    pub seller: Address,
    /// The listing digest.
    #[serde(with = "super::id::hex32")]
    pub listing: [u8; 32],
    /// The buyer's public key.
    pub buyer_key: BuyerKey,
    /// The price locked.
    pub price: Amount,
    /// When the ledger opened it (its clock, ms since the epoch): the order
    /// time a seller checks the listing's expiry against.
    pub opened_ms: i64,
    /// End of delivery, start of refund.
    pub deadline_ms: i64,
    /// The buyer's nonce.
    pub nonce: u64,
    /// Open, delivered or refunded.
    pub status: PurchaseStatus,
    /// The sealed key, once delivered (hex in JSON).
    #[serde(with = "optional_hex")]
    pub sealed_key: Option<Vec<u8>>,
}

impl PurchaseState {
    /// Whether `open` asks for exactly this purchase.
    pub fn matches(&self, open: &OpenPurchase) -> bool {
        self.buyer == open.buyer
            && self.seller == open.seller
            && self.listing == open.listing
            && self.buyer_key == open.buyer_key
            && self.price == open.price
            && self.deadline_ms == open.deadline_ms
            && self.nonce == open.nonce
    }

    /// Whether `delivery` is the one already applied, byte for byte.
    pub fn is_delivered_with(&self, delivery: &DeliverPurchase) -> bool {
        self.status == PurchaseStatus::Delivered
            && self.sealed_key.as_deref() == Some(delivery.sealed_key.as_slice())
    }

    /// Fails unless a delivery is allowed at `now_ms`.
    pub fn check_deliver(&self, now_ms: i64) -> Result<(), LedgerError> {
        self.check_open()?;
        if now_ms >= self.deadline_ms {
            return Err(LedgerError::DeliverAfterDeadline {
                id: self.id,
                deadline_ms: self.deadline_ms,
                now_ms,
            });
        }
        Ok(())
    }

    /// Fails unless a refund is allowed at `now_ms`.
    pub fn check_refund(&self, now_ms: i64) -> Result<(), LedgerError> {
        self.check_open()?;
        if now_ms < self.deadline_ms {
            return Err(LedgerError::PurchaseRefundBeforeDeadline {
                id: self.id,
                deadline_ms: self.deadline_ms,
                now_ms,
            });
        }
        Ok(())
    }

    fn check_open(&self) -> Result<(), LedgerError> {
        match self.status {
            PurchaseStatus::Open => Ok(()),
            PurchaseStatus::Delivered | PurchaseStatus::Refunded => {
                Err(LedgerError::PurchaseSettled {
                    id: self.id,
                    status: self.status,
                })
            }
        }
    }
}

/// Serde for an optional byte string as hex text or null.
mod optional_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => serializer.serialize_str(&hex::encode(bytes)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| hex::decode(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Token;
    use crate::ledger::domain::Signed;
    use k256::ecdsa::SigningKey;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    fn open(seed: u8) -> OpenPurchase {
        let buyer = key(seed);
        OpenPurchase {
            buyer: Address::from_public_key(buyer.verifying_key()),
            seller: Address::from_public_key(key(9).verifying_key()),
            listing: [4; 32],
            buyer_key: BuyerKey::from_verifying_key(buyer.verifying_key()),
            price: Amount {
                token: Token::Btt,
                base_units: 10_000_000,
            },
            deadline_ms: 1_700_000_000_000,
            nonce: 7,
        }
    }

    #[test]
    fn the_id_depends_on_buyer_listing_nonce_and_ledger_only() {
        let ledger = LedgerId([1; 32]);
        let base = open(1);
        let repriced = OpenPurchase {
            price: Amount {
                token: Token::Btt,
                base_units: 1,
            },
            ..base.clone()
        };
        assert_eq!(base.id(&ledger), repriced.id(&ledger));
        let renonced = OpenPurchase {
            nonce: 8,
            ..base.clone()
        };
        assert_ne!(base.id(&ledger), renonced.id(&ledger));
        assert_ne!(base.id(&ledger), base.id(&LedgerId([2; 32])));
        assert_ne!(base.id(&ledger), open(2).id(&ledger));
    }

    #[test]
    fn signatures_bind_signer_ledger_and_purpose() {
        let ledger = LedgerId([1; 32]);
        let request = open(1);
        let signed = Signed::sign(request.clone(), &key(1), &ledger);
        signed.verify_signer(&ledger, &request.buyer).unwrap();
        let forged = Signed::sign(request.clone(), &key(2), &ledger);
        assert!(matches!(
            forged.verify_signer(&ledger, &request.buyer),
            Err(LedgerError::WrongSigner { .. })
        ));
        assert!(matches!(
            signed.verify_signer(&LedgerId([2; 32]), &request.buyer),
            Err(LedgerError::WrongSigner { .. })
        ));
        let delivery = DeliverPurchase {
            purchase: request.id(&ledger),
            sealed_key: vec![1; 80],
        };
        let other_purpose = Signed {
            request: delivery,
            signature: signed.signature,
        };
        assert!(other_purpose
            .verify_signer(&ledger, &request.buyer)
            .is_err());
    }

    #[test]
    fn the_buyer_key_must_be_the_buyers_compressed_key() {
        open(1).check().unwrap();
        let other = OpenPurchase {
            buyer_key: open(2).buyer_key,
            ..open(1)
        };
        assert!(matches!(
            other.check(),
            Err(LedgerError::BuyerKeyMismatch { .. })
        ));
        let mut bytes = open(1).buyer_key.0;
        bytes[0] = 4;
        let uncompressed_tag = OpenPurchase {
            buyer_key: BuyerKey(bytes),
            ..open(1)
        };
        assert!(uncompressed_tag.check().is_err());
    }

    #[test]
    fn sealed_keys_are_one_to_256_bytes() {
        let delivery = |length| DeliverPurchase {
            purchase: PurchaseId([1; 32]),
            sealed_key: vec![7; length],
        };
        assert!(delivery(1).check().is_ok());
        assert!(delivery(MAX_SEALED_KEY).check().is_ok());
        assert!(delivery(0).check().is_err());
        assert!(delivery(MAX_SEALED_KEY + 1).check().is_err());
    }

    #[test]
    fn requests_round_trip_through_json() {
        let request = open(1);
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<OpenPurchase>(&json).unwrap(),
            request
        );
        assert!(serde_json::from_str::<BuyerKey>("\"0202\"").is_err());
    }
}
