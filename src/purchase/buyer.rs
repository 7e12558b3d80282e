//! The buyer's side of a purchase, apart from the download: the escrow
//! order for a listing, and opening what the seller delivered.
//!
//! A delivered key is used only once it is shown to be the listing's key:
//! it must unseal with the buyer's key for exactly this listing and purchase,
//! and its hash must equal the listing's commitment. Otherwise the buyer gets
//! a [`KeyProblem`] naming which check failed; with the listing (signed by
//! the seller) and the ledger's purchase record (holding the sealed key the
//! seller signed), that is the proof that the seller delivered a wrong key.

use super::{unseal, ContentKey, SealContext, SealedKey, SignedListing};
use crate::ledger::{BuyerKey, OpenPurchase, PurchaseState};
use crate::tron::Address;
use k256::ecdsa::SigningKey;
use thiserror::Error;

/// The escrow order that buys `listing` for `buyer`, deliverable until `deadline_ms`.
pub fn order(
    listing: &SignedListing,
    buyer: &SigningKey,
    deadline_ms: i64,
    nonce: u64,
) -> OpenPurchase {
    OpenPurchase {
        buyer: Address::from_public_key(buyer.verifying_key()),
        seller: listing.listing.seller,
        listing: listing.digest(),
        buyer_key: BuyerKey::from_verifying_key(buyer.verifying_key()),
        price: listing.listing.price,
        deadline_ms,
        nonce,
    }
}

/// Why a delivered key can't be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyProblem {
    /// The purchase holds no sealed key.
    #[error("the purchase holds no sealed key")]
    NotDelivered,
    /// The sealed key is not in the sealed-key format.
    #[error("the seller's sealed key is malformed: {0}")]
    Malformed(String),
    /// It does not open with the buyer's key for this listing and purchase.
    #[error(
        "the seller's sealed key does not open with the buyer's key for this listing and purchase"
    )]
    DoesNotOpen,
    /// It opens, but to a key other than the one the listing commits to.
    #[error("the seller's key does not match the listing's key commitment")]
    NotCommitted,
}

/// The content key `state` delivers for `listing`, checked against its commitment.
pub fn open_delivery(
    state: &PurchaseState,
    listing: &SignedListing,
    buyer: &SigningKey,
) -> Result<ContentKey, KeyProblem> {
    let bytes = state
        .sealed_key
        .as_deref()
        .ok_or(KeyProblem::NotDelivered)?;
    let sealed =
        SealedKey::from_bytes(bytes).map_err(|error| KeyProblem::Malformed(error.to_string()))?;
    let context = SealContext {
        listing_digest: listing.digest(),
        purchase_id: state.id.0,
    };
    let key = unseal(&sealed, buyer, &context).map_err(|_| KeyProblem::DoesNotOpen)?;
    if !key.matches(&listing.listing.key_commitment) {
        return Err(KeyProblem::NotCommitted);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::{Amount, Token};
    use crate::ledger::{LedgerId, ListingDomain, PurchaseStatus};
    use crate::metainfo::InfoHash;
    use crate::purchase::{seal, Listing};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    fn listing(content: &ContentKey) -> SignedListing {
        Listing {
            info_hash: InfoHash([1; 20]),
            magnet: "magnet:?xt=urn:btih:0101010101010101010101010101010101010101".to_string(),
            price: Amount {
                token: Token::Btt,
                base_units: 5,
            },
            seller: Address::from_public_key(key(2).verifying_key()),
            domain: ListingDomain::Ledger(LedgerId([3; 32])),
            key_commitment: content.commitment(),
            name: "album".to_string(),
            size: 10,
            expires: 2_000_000_000,
        }
        .sign(&key(2))
    }

    fn delivered(order: &OpenPurchase, sealed: Option<Vec<u8>>) -> PurchaseState {
        PurchaseState {
            id: order.id(&LedgerId([3; 32])),
            buyer: order.buyer,
            seller: order.seller,
            listing: order.listing,
            buyer_key: order.buyer_key,
            price: order.price,
            opened_ms: order.deadline_ms - 60_000,
            deadline_ms: order.deadline_ms,
            nonce: order.nonce,
            status: PurchaseStatus::Delivered,
            sealed_key: sealed,
        }
    }

    fn sealed_for(state: &PurchaseState, content: &ContentKey, listing: [u8; 32]) -> Vec<u8> {
        let context = SealContext {
            listing_digest: listing,
            purchase_id: state.id.0,
        };
        seal(content, key(1).verifying_key(), &context)
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn the_listings_key_sealed_to_the_buyer_opens_and_nothing_else_does() {
        let content = ContentKey::generate();
        let listing = listing(&content);
        let order = order(&listing, &key(1), 1_000, 7);
        assert_eq!(order.price.base_units, 5);
        let mut state = delivered(&order, None);
        assert_eq!(
            open_delivery(&state, &listing, &key(1)).unwrap_err(),
            KeyProblem::NotDelivered
        );
        state.sealed_key = Some(sealed_for(&state, &content, listing.digest()));
        let opened = open_delivery(&state, &listing, &key(1)).unwrap();
        assert_eq!(opened.as_bytes(), content.as_bytes());
        assert_eq!(
            open_delivery(&state, &listing, &key(4)).unwrap_err(),
            KeyProblem::DoesNotOpen
        );
        state.sealed_key = Some(sealed_for(&state, &content, [9; 32]));
        assert_eq!(
            open_delivery(&state, &listing, &key(1)).unwrap_err(),
            KeyProblem::DoesNotOpen
        );
        state.sealed_key = Some(sealed_for(
            &state,
            &ContentKey::generate(),
            listing.digest(),
        ));
        assert_eq!(
            open_delivery(&state, &listing, &key(1)).unwrap_err(),
            KeyProblem::NotCommitted
        );
        state.sealed_key = Some(vec![1, 2, 3]);
        assert!(matches!(
            open_delivery(&state, &listing, &key(1)),
            Err(KeyProblem::Malformed(_))
        ));
    }
}
