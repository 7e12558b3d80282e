//! A listing: the seller's signed offer of one encrypted torrent at a price.
//!
//! The JSON document is flat (`version`, `info_hash`, `magnet`, `price` as a
//! string of base units, `token`, `seller`, `key_commitment`, `name`,
//! `size`, `expires`, `signature`, and where it is sold) and read with
//! unknown fields refused. Where it is sold is its [`ListingDomain`]:
//!
//! - version 1, on btt's own ledgers: `ledger`, the ledger id. The signature
//!   is the seller's 65-byte recoverable signature over the domain message
//!   of [`Purpose::Listing`] (`btt-listing-v1`), which carries the ledger id.
//! - version 2, on a chain: `chain` and `contract` (btt's purchases
//!   contract). The signature is EIP-712 `Listing(digest, seller, token,
//!   price, expiry)` under the contract's domain, which `Purchases.buy`
//!   checks, and `digest` is the EIP-712 hash of the rest
//!   ([`ListingContent`]). The price is in wei of the chain's coin.
//!
//! Either way a listing signed for one ledger is worthless on another.
//! [`SignedListing::load`] checks everything a buyer must know before
//! paying: the version, that the seller signed exactly these fields, that
//! the listing is for the ledger in use, and that it has not expired.

use crate::amount::{units_text, Amount, Token};
use crate::ledger::domain::{DomainMessage, Purpose, Signature};
use crate::ledger::id::parse_hex32;
use crate::ledger::LedgerId;
use crate::ledger::{ChainPurchases, ListedTerms, ListingDomain, SellerTerms};
use crate::metainfo::InfoHash;
use crate::tron::{recover_address, sign_digest, Address};
use alloy::sol_types::SolStruct;
use k256::ecdsa::SigningKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// The listing format on btt's own ledgers.
pub const LISTING_VERSION: u32 = 1;

/// The listing format on a chain's purchases contract.
pub const CHAIN_LISTING_VERSION: u32 = 2;

/// Listings larger than this are refused before parsing.
pub const MAX_LISTING_BYTES: usize = 64 * 1024;

alloy::sol! {
    /// What a chain listing's digest commits to beyond the terms the
    /// purchases contract checks: the torrent, its key and what it holds.
    struct ListingContent {
        bytes20 infoHash;
        string magnet;
        bytes32 keyCommitment;
        string name;
        uint64 size;
    }
}

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
    /// Where the price is paid, which the signature is bound to.
    pub domain: ListingDomain,
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
    /// The domain message a seller signs on btt's ledger `ledger`.
    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        DomainMessage::new(Purpose::Listing, ledger)
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

    /// The EIP-712 hash of what a chain listing's terms leave out.
    fn content_digest(&self) -> [u8; 32] {
        ListingContent {
            infoHash: self.info_hash.0.into(),
            magnet: self.magnet.clone(),
            keyCommitment: self.key_commitment.into(),
            name: self.name.clone(),
            size: self.size,
        }
        .eip712_hash_struct()
        .0
    }

    /// The terms a purchases contract checks.
    fn terms(&self) -> ListedTerms {
        ListedTerms {
            digest: self.content_digest(),
            seller: self.seller,
            price: self.price.base_units,
            expires: self.expires,
        }
    }

    /// What the seller's key signs.
    fn signing_digest(&self) -> [u8; 32] {
        match &self.domain {
            ListingDomain::Ledger(ledger) => self.message(ledger).digest(),
            ListingDomain::Chain(chain) => chain.signing_hash(&self.terms()),
        }
    }

    /// Signs the listing with the seller's key.
    pub fn sign(self, key: &SigningKey) -> SignedListing {
        let signature = Signature(sign_digest(key, &self.signing_digest()));
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
        "listing version {version} is not supported (this btt reads versions {LISTING_VERSION} and {CHAIN_LISTING_VERSION})"
    )]
    UnknownVersion { version: u32 },
    /// The fields that say where it is sold do not fit its version.
    #[error("not a listing: version {version} names where it is sold with {expected}")]
    WrongPlace {
        version: u32,
        expected: &'static str,
    },
    /// A chain listing priced in another token than the chain's coin.
    #[error("a listing on a chain is priced in its coin (token \"bttc\"), not in {token:?}")]
    NotTheChainsCoin { token: Token },
    /// The signature is not the seller's over these fields.
    #[error("listing is not signed by its seller {seller}: it was altered or forged")]
    NotSignedBySeller { seller: Address },
    /// Made for another ledger.
    #[error("the listing is for {listing}, but this buyer pays on {ours}")]
    OtherLedger {
        listing: ListingDomain,
        ours: ListingDomain,
    },
    /// Past its expiry.
    #[error("listing expired at {expires} (unix seconds); ask the seller for a new one")]
    Expired { expires: i64 },
}

impl SignedListing {
    /// What the purchase escrow names: the digest of the signed message on
    /// btt's ledgers, the content digest the contract's listing carries on a chain.
    pub fn digest(&self) -> [u8; 32] {
        match &self.listing.domain {
            ListingDomain::Ledger(ledger) => self.listing.message(ledger).digest(),
            ListingDomain::Chain(_) => self.listing.content_digest(),
        }
    }

    /// The terms and signature a purchases contract checks before it takes an order.
    pub fn seller_terms(&self) -> SellerTerms {
        SellerTerms {
            expires: self.listing.expires,
            signature: self.signature,
        }
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
        let signed = document.into_signed()?;
        signed.check_signature()?;
        Ok(signed)
    }

    /// Parses a listing and checks it for a purchase in `domain` at unix time `now`.
    pub fn load(
        bytes: &[u8],
        domain: &ListingDomain,
        now: i64,
    ) -> Result<SignedListing, ListingError> {
        let signed = SignedListing::parse(bytes)?;
        signed.check_offer(domain, now)?;
        Ok(signed)
    }

    /// Fails unless the listing is for `domain` and unexpired at `now`.
    pub fn check_offer(&self, domain: &ListingDomain, now: i64) -> Result<(), ListingError> {
        if self.listing.domain != *domain {
            return Err(ListingError::OtherLedger {
                listing: self.listing.domain,
                ours: *domain,
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
        match recover_address(&self.listing.signing_digest(), &self.signature.0) {
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
        Document::deserialize(deserializer)?
            .into_signed()
            .map_err(serde::de::Error::custom)
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ledger: Option<LedgerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contract: Option<Address>,
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
        let (version, ledger, chain, contract) = match listing.domain {
            ListingDomain::Ledger(ledger) => (LISTING_VERSION, Some(ledger), None, None),
            ListingDomain::Chain(chain) => (
                CHAIN_LISTING_VERSION,
                None,
                Some(chain.chain_id),
                Some(Address::from_evm(chain.contract)),
            ),
        };
        Document {
            version,
            info_hash: listing.info_hash,
            magnet: listing.magnet.clone(),
            price: listing.price.base_units,
            token: listing.price.token,
            seller: listing.seller,
            ledger,
            chain,
            contract,
            key_commitment: listing.key_commitment,
            name: listing.name.clone(),
            size: listing.size,
            expires: listing.expires,
            signature: signed.signature,
        }
    }

    /// Where the listing is sold, as its version says it must be named.
    fn domain(&self) -> Result<ListingDomain, ListingError> {
        let version = self.version;
        match (version, self.ledger, self.chain, self.contract) {
            (LISTING_VERSION, Some(ledger), None, None) => Ok(ListingDomain::Ledger(ledger)),
            (LISTING_VERSION, ..) => Err(ListingError::WrongPlace {
                version,
                expected: "`ledger` only",
            }),
            (CHAIN_LISTING_VERSION, None, Some(chain_id), Some(contract)) => {
                if self.token != Token::Bttc {
                    return Err(ListingError::NotTheChainsCoin { token: self.token });
                }
                Ok(ListingDomain::Chain(ChainPurchases {
                    chain_id,
                    contract: contract.evm_bytes(),
                }))
            }
            (CHAIN_LISTING_VERSION, ..) => Err(ListingError::WrongPlace {
                version,
                expected: "`chain` and `contract` only",
            }),
            _ => Err(ListingError::UnknownVersion { version }),
        }
    }

    fn into_signed(self) -> Result<SignedListing, ListingError> {
        let domain = self.domain()?;
        Ok(SignedListing {
            listing: Listing {
                info_hash: self.info_hash,
                magnet: self.magnet,
                price: Amount {
                    token: self.token,
                    base_units: self.price,
                },
                seller: self.seller,
                domain,
                key_commitment: self.key_commitment,
                name: self.name,
                size: self.size,
                expires: self.expires,
            },
            signature: self.signature,
        })
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
            domain: ListingDomain::Ledger(LedgerId([1; 32])),
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
        let loaded = SignedListing::load(
            json.as_bytes(),
            &ListingDomain::Ledger(LedgerId([1; 32])),
            1_000,
        )
        .unwrap();
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
            assert_signature_broken(&json, from, to);
        }
    }

    /// Fails unless `json` with `from` changed to `to` is refused as not the seller's.
    fn assert_signature_broken(json: &str, from: &str, to: &str) {
        let tampered = json.replace(from, to);
        assert_ne!(tampered, json, "{from} not found");
        let error = SignedListing::parse(tampered.as_bytes()).unwrap_err();
        assert!(
            matches!(error, ListingError::NotSignedBySeller { .. }),
            "{error}"
        );
    }

    #[test]
    fn another_ledger_or_a_past_expiry_is_refused() {
        let key = SigningKey::random(&mut OsRng);
        let json = listing(&key).sign(&key).to_json();
        let other = SignedListing::load(
            json.as_bytes(),
            &ListingDomain::Ledger(LedgerId([2; 32])),
            0,
        )
        .unwrap_err();
        assert!(matches!(other, ListingError::OtherLedger { .. }), "{other}");
        let late = SignedListing::load(
            json.as_bytes(),
            &ListingDomain::Ledger(LedgerId([1; 32])),
            2_000_000_001,
        );
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
        let future = json.replace(r#""version":1"#, r#""version":3"#);
        assert!(matches!(
            SignedListing::parse(future.as_bytes()),
            Err(ListingError::UnknownVersion { version: 3 })
        ));
        let on_a_chain = json.replace(r#""version":1"#, r#""version":2"#);
        assert!(matches!(
            SignedListing::parse(on_a_chain.as_bytes()),
            Err(ListingError::WrongPlace { version: 2, .. })
        ));
    }

    const CHAIN: ChainPurchases = ChainPurchases {
        chain_id: 199,
        contract: [7; 20],
    };

    fn chain_listing(seller: &SigningKey) -> Listing {
        Listing {
            price: Amount {
                token: Token::Bttc,
                base_units: 10_000_000_000_000_000_000,
            },
            domain: ListingDomain::Chain(CHAIN),
            ..listing(seller)
        }
    }

    #[test]
    fn a_chain_listing_is_version_2_and_names_its_contract() {
        let key = SigningKey::random(&mut OsRng);
        let signed = chain_listing(&key).sign(&key);
        let json = signed.to_json();
        assert!(json.contains(r#""version":2"#), "{json}");
        assert!(json.contains(r#""chain":199"#), "{json}");
        assert!(!json.contains(r#""ledger""#), "{json}");
        let domain = ListingDomain::Chain(CHAIN);
        let loaded = SignedListing::load(json.as_bytes(), &domain, 1_000).unwrap();
        assert_eq!(loaded, signed);
        let other_contract = ListingDomain::Chain(ChainPurchases {
            contract: [8; 20],
            ..CHAIN
        });
        let elsewhere = SignedListing::load(json.as_bytes(), &other_contract, 1_000);
        assert!(matches!(elsewhere, Err(ListingError::OtherLedger { .. })));
    }

    #[test]
    fn every_changed_field_of_a_chain_listing_breaks_the_signature() {
        let key = SigningKey::random(&mut OsRng);
        let json = chain_listing(&key).sign(&key).to_json();
        for (from, to) in [
            (r#""price":"10000000000000000000""#, r#""price":"1""#),
            (r#""name":"album""#, r#""name":"albun""#),
            (r#""size":1234"#, r#""size":1235"#),
            (r#""expires":2000000000"#, r#""expires":2000000001"#),
            (r#""chain":199"#, r#""chain":1029"#),
        ] {
            assert_signature_broken(&json, from, to);
        }
    }

    #[test]
    fn a_chain_listing_in_another_token_or_with_a_ledger_is_refused() {
        let key = SigningKey::random(&mut OsRng);
        let json = chain_listing(&key).sign(&key).to_json();
        let in_btt = json.replace(r#""token":"bttc""#, r#""token":"btt""#);
        assert_ne!(in_btt, json);
        assert!(matches!(
            SignedListing::parse(in_btt.as_bytes()),
            Err(ListingError::NotTheChainsCoin { token: Token::Btt })
        ));
        let with_ledger = json.replacen('{', &format!(r#"{{"ledger":"{}","#, LedgerId([1; 32])), 1);
        assert!(matches!(
            SignedListing::parse(with_ledger.as_bytes()),
            Err(ListingError::WrongPlace { version: 2, .. })
        ));
    }
}
