//! A listing: the seller's signed offer of one encrypted torrent at a price.
//!
//! The JSON document is flat (`version`, `info_hash`, `magnet`, `price` as a
//! string of base units, `token`, `seller`, `ledger`, `key_commitment`,
//! `name`, `size`, `expires`, `signature`) and read with unknown fields
//! refused. The signature is the seller's 65-byte recoverable signature over
//! the domain message of [`Purpose::Listing`] (`btt-listing-v1`), which
//! carries the ledger id, so a listing signed for one ledger is worthless on
//! another. [`SignedListing::load`] checks everything a buyer must know
//! before paying: the version, that the seller signed exactly these fields,
//! that the listing is for the ledger in use, and that it has not expired.

use crate::amount::{units_text, Amount, Token};
use crate::ledger::domain::{DomainMessage, Purpose, Signature};
use crate::ledger::id::parse_hex32;
use crate::ledger::LedgerId;
use crate::metainfo::InfoHash;
use crate::tron::{recover_address, sign_digest, Address};
use k256::ecdsa::SigningKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// The listing format this build writes and reads.
pub const LISTING_VERSION: u32 = 1;

/// Listings larger than this are refused before parsing.
pub const MAX_LISTING_BYTES: usize = 64 * 1024;

/// What a seller offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The torrent of the encrypted file.
    pub info_hash: InfoHash,
    /// Its magnet link.
    pub magnet: String,
    /// The price.
    pub price: Amount,
    /// Who is paid, and whose key signs the listing.
    pub seller: Address,
    /// The ledger the price is paid on.
    pub ledger: LedgerId,
    /// SHA-256 commitment to the content key ([`super::ContentKey::commitment`]).
    pub key_commitment: [u8; 32],
    /// The plaintext's name.
    pub name: String,
    /// The plaintext's size in bytes.
    pub size: u64,
    /// Unix seconds after which the listing is no longer on offer.
    pub expires: i64,
}

impl Listing {
    /// The domain message the seller signs.
    fn message(&self) -> DomainMessage {
        DomainMessage::new(Purpose::Listing, &self.ledger)
            .integer(i64::from(LISTING_VERSION))
            .bytes(&self.info_hash.0)
            .bytes(self.magnet.as_bytes())
            .amount(&self.price)
            .address(&self.seller)
            .id(&self.key_commitment)
            .bytes(self.name.as_bytes())
            .integer(i64::try_from(self.size).unwrap_or(i64::MAX))
            .integer(self.expires)
    }

    /// Signs the listing with the seller's key.
    pub fn sign(self, key: &SigningKey) -> SignedListing {
        let signature = Signature(sign_digest(key, &self.message().digest()));
        SignedListing {
            listing: self,
            signature,
        }
    }
}

/// A listing with its seller's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedListing {
    /// The offer.
    pub listing: Listing,
    /// The seller's signature over it.
    pub signature: Signature,
}

/// Why a listing is refused.
#[derive(Debug, Error)]
pub enum ListingError {
    /// Not a listing document.
    #[error("not a listing: {source}")]
    Malformed { source: serde_json::Error },
    /// Larger than any listing.
    #[error("not a listing: {length} bytes (a listing is at most {MAX_LISTING_BYTES})")]
    TooLarge { length: usize },
    /// A version this build does not read.
    #[error(
        "listing version {version} is not supported (this btt reads version {LISTING_VERSION})"
    )]
    UnknownVersion { version: u32 },
    /// The signature is not the seller's over these fields.
    #[error("listing is not signed by its seller {seller}: it was altered or forged")]
    NotSignedBySeller { seller: Address },
    /// Made for another ledger.
    #[error("listing is for ledger {listing}, but this ledger is {ours}")]
    OtherLedger { listing: LedgerId, ours: LedgerId },
    /// Past its expiry.
    #[error("listing expired at {expires} (unix seconds); ask the seller for a new one")]
    Expired { expires: i64 },
}

impl SignedListing {
    /// What the purchase escrow names: the digest of the signed message.
    pub fn digest(&self) -> [u8; 32] {
        self.listing.message().digest()
    }

    /// Parses a listing and checks that its seller signed it.
    pub fn parse(bytes: &[u8]) -> Result<SignedListing, ListingError> {
        if bytes.len() > MAX_LISTING_BYTES {
            return Err(ListingError::TooLarge {
                length: bytes.len(),
            });
        }
        let document: Document =
            serde_json::from_slice(bytes).map_err(|source| ListingError::Malformed { source })?;
        if document.version != LISTING_VERSION {
            return Err(ListingError::UnknownVersion {
                version: document.version,
            });
        }
        let signed = document.into_signed();
        signed.check_signature()?;
        Ok(signed)
    }

    /// Parses a listing and checks it for a purchase on `ledger` at unix time `now`.
    pub fn load(bytes: &[u8], ledger: &LedgerId, now: i64) -> Result<SignedListing, ListingError> {
        let signed = SignedListing::parse(bytes)?;
        signed.check_offer(ledger, now)?;
        Ok(signed)
    }

    /// Fails unless the listing is for `ledger` and unexpired at `now`.
    pub fn check_offer(&self, ledger: &LedgerId, now: i64) -> Result<(), ListingError> {
        if self.listing.ledger != *ledger {
            return Err(ListingError::OtherLedger {
                listing: self.listing.ledger,
                ours: *ledger,
            });
        }
        if now > self.listing.expires {
            return Err(ListingError::Expired {
                expires: self.listing.expires,
            });
        }
        Ok(())
    }

    fn check_signature(&self) -> Result<(), ListingError> {
        let seller = self.listing.seller;
        match recover_address(&self.digest(), &self.signature.0) {
            Ok(signer) if signer == seller => Ok(()),
            _ => Err(ListingError::NotSignedBySeller { seller }),
        }
    }

    /// The listing as its JSON document (one line, no trailing newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a listing serialises")
    }
}

impl Serialize for SignedListing {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Document::of(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SignedListing {
    /// Reads the document only; [`SignedListing::parse`] also checks the signature.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SignedListing, D::Error> {
        Document::deserialize(deserializer).map(Document::into_signed)
    }
}

/// The JSON shape of a signed listing.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: u32,
    info_hash: InfoHash,
    magnet: String,
    #[serde(with = "units_text")]
    price: u128,
    token: Token,
    seller: Address,
    ledger: LedgerId,
    #[serde(with = "hex32")]
    key_commitment: [u8; 32],
    name: String,
    size: u64,
    expires: i64,
    signature: Signature,
}

impl Document {
    fn of(signed: &SignedListing) -> Document {
        let listing = &signed.listing;
        Document {
            version: LISTING_VERSION,
            info_hash: listing.info_hash,
            magnet: listing.magnet.clone(),
            price: listing.price.base_units,
            token: listing.price.token,
            seller: listing.seller,
            ledger: listing.ledger,
            key_commitment: listing.key_commitment,
            name: listing.name.clone(),
            size: listing.size,
            expires: listing.expires,
            signature: signed.signature,
        }
    }

    fn into_signed(self) -> SignedListing {
        SignedListing {
            listing: Listing {
                info_hash: self.info_hash,
                magnet: self.magnet,
                price: Amount {
                    token: self.token,
                    base_units: self.price,
                },
                seller: self.seller,
                ledger: self.ledger,
                key_commitment: self.key_commitment,
                name: self.name,
                size: self.size,
                expires: self.expires,
            },
            signature: self.signature,
        }
    }
}

/// Serde for 32 bytes as 64 hex digits.
mod hex32 {
    use super::parse_hex32;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_hex32(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    fn listing(seller: &SigningKey) -> Listing {
        Listing {
            info_hash: InfoHash([3; 20]),
            magnet: "magnet:?xt=urn:btih:0303030303030303030303030303030303030303".into(),
            price: Amount {
                token: Token::Btt,
                base_units: 10_000_000,
            },
            seller: Address::from_public_key(seller.verifying_key()),
            ledger: LedgerId([1; 32]),
            key_commitment: [5; 32],
            name: "album".into(),
            size: 1234,
            expires: 2_000_000_000,
        }
    }

    #[test]
    fn a_signed_listing_round_trips_through_json() {
        let key = SigningKey::random(&mut OsRng);
        let signed = listing(&key).sign(&key);
        let json = signed.to_json();
        assert!(json.contains(r#""price":"10000000""#), "{json}");
        let loaded = SignedListing::load(json.as_bytes(), &LedgerId([1; 32]), 1_000).unwrap();
        assert_eq!(loaded, signed);
        assert_eq!(loaded.digest(), signed.digest());
    }

    #[test]
    fn every_changed_field_breaks_the_signature() {
        let key = SigningKey::random(&mut OsRng);
        let json = listing(&key).sign(&key).to_json();
        for (from, to) in [
            (r#""price":"10000000""#, r#""price":"1""#),
            (r#""name":"album""#, r#""name":"albun""#),
            (r#""size":1234"#, r#""size":1235"#),
            (r#""expires":2000000000"#, r#""expires":2000000001"#),
            (r#""token":"btt""#, r#""token":"trx""#),
        ] {
            let tampered = json.replace(from, to);
            assert_ne!(tampered, json, "{from} not found");
            let error = SignedListing::parse(tampered.as_bytes()).unwrap_err();
            assert!(
                matches!(error, ListingError::NotSignedBySeller { .. }),
                "{error}"
            );
        }
    }

    #[test]
    fn another_ledger_or_a_past_expiry_is_refused() {
        let key = SigningKey::random(&mut OsRng);
        let json = listing(&key).sign(&key).to_json();
        let other = SignedListing::load(json.as_bytes(), &LedgerId([2; 32]), 0).unwrap_err();
        assert!(matches!(other, ListingError::OtherLedger { .. }), "{other}");
        let late = SignedListing::load(json.as_bytes(), &LedgerId([1; 32]), 2_000_000_001);
        assert!(matches!(late, Err(ListingError::Expired { .. })));
    }

    #[test]
    fn unknown_fields_and_versions_are_refused() {
        let key = SigningKey::random(&mut OsRng);
        let json = listing(&key).sign(&key).to_json();
        let extra = json.replacen('{', r#"{"bonus":1,"#, 1);
        assert!(matches!(
            SignedListing::parse(extra.as_bytes()),
            Err(ListingError::Malformed { .. })
        ));
        let future = json.replace(r#""version":1"#, r#""version":2"#);
        assert!(matches!(
            SignedListing::parse(future.as_bytes()),
            Err(ListingError::UnknownVersion { version: 2 })
        ));
    }
}
