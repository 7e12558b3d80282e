//! The seller's check of an order against its signed listing, before it
//! seals a content key: the last word on what a sale costs.
//!
//! The purchase escrow names a listing only by its digest, so the ledger
//! cannot tell an order at the listed price from one at 1 base unit, or in
//! another token: a buyer signs whatever price it likes. The seller can,
//! and sealing the key is the one step that pays it, so an order is
//! delivered only when every term the listing fixes holds: the same token
//! and exactly the same price in base units (more is refused too: the
//! buyer gets it back at the deadline), the listing's ledger and seller,
//! and an order opened (by the ledger's clock) no later than the listing's
//! expiry. A refused order is left open and refunded to its buyer at its
//! deadline.

use super::listing::SignedListing;
use crate::amount::Amount;
use crate::ledger::{ListingDomain, PurchaseState};
use crate::tron::Address;
use thiserror::Error;

/// Why an order does not buy its listing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderRefusal {
    /// The order locks another amount or token than the listing asks.
    #[error(
        "it locks {} base units of {}, but the listing asks {} base units of {}",
        .paid.base_units, .paid.token.symbol(), .listed.base_units, .listed.token.symbol()
    )]
    Price { paid: Amount, listed: Amount },
    /// The listing is for another ledger than the order's.
    #[error("the listing is for {listing}, but the order is on {ours}")]
    OtherLedger {
        listing: ListingDomain,
        ours: ListingDomain,
    },
    /// The order pays someone other than the listing's seller.
    #[error("the listing is sold by {listing}, but the order pays {paid}")]
    OtherSeller { listing: Address, paid: Address },
    /// The order was opened after the listing expired.
    #[error("it was opened at {opened_ms} ms, after the listing expired at {expires} s")]
    Expired { opened_ms: i64, expires: i64 },
}

/// Fails unless `order`, where listings are sold in `domain`, buys
/// `listing` on its terms.
pub fn check_order(
    listing: &SignedListing,
    order: &PurchaseState,
    domain: &ListingDomain,
) -> Result<(), OrderRefusal> {
    let terms = &listing.listing;
    if order.price != terms.price {
        return Err(OrderRefusal::Price {
            paid: order.price,
            listed: terms.price,
        });
    }
    if terms.domain != *domain {
        return Err(OrderRefusal::OtherLedger {
            listing: terms.domain,
            ours: *domain,
        });
    }
    if order.seller != terms.seller {
        return Err(OrderRefusal::OtherSeller {
            listing: terms.seller,
            paid: order.seller,
        });
    }
    if order.opened_ms.div_euclid(1_000) > terms.expires {
        return Err(OrderRefusal::Expired {
            opened_ms: order.opened_ms,
            expires: terms.expires,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Token;
    use crate::ledger::{BuyerKey, LedgerId, PurchaseId, PurchaseStatus};
    use crate::metainfo::InfoHash;
    use crate::purchase::Listing;
    use k256::ecdsa::SigningKey;

    const LEDGER: ListingDomain = ListingDomain::Ledger(LedgerId([1; 32]));
    const EXPIRES: i64 = 2_000_000_000;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).unwrap()
    }

    fn btt(base_units: u128) -> Amount {
        Amount {
            token: Token::Btt,
            base_units,
        }
    }

    fn listing() -> SignedListing {
        Listing {
            info_hash: InfoHash([3; 20]),
            magnet: "magnet:?xt=urn:btih:0303030303030303030303030303030303030303".into(),
            price: btt(10_000_000),
            seller: Address::from_public_key(key(2).verifying_key()),
            domain: LEDGER,
            key_commitment: [5; 32],
            name: "album".into(),
            size: 1234,
            expires: EXPIRES,
        }
        .sign(&key(2))
    }

    /// An order that buys `listing()` honestly.
    fn order() -> PurchaseState {
        let listing = listing();
        PurchaseState {
            id: PurchaseId([9; 32]),
            buyer: Address::from_public_key(key(1).verifying_key()),
            seller: listing.listing.seller,
            listing: listing.digest(),
            buyer_key: BuyerKey::from_verifying_key(key(1).verifying_key()),
            price: listing.listing.price,
            opened_ms: EXPIRES * 1_000 + 999,
            deadline_ms: EXPIRES * 1_000 + 3_600_000,
            nonce: 1,
            status: PurchaseStatus::Open,
            sealed_key: None,
        }
    }

    #[test]
    fn an_order_on_the_listed_terms_up_to_the_last_millisecond_of_its_expiry_passes() {
        assert_eq!(check_order(&listing(), &order(), &LEDGER), Ok(()));
    }

    #[test]
    fn any_other_price_or_token_is_refused() {
        for price in [
            btt(1),
            btt(9_999_999),
            btt(10_000_001),
            Amount {
                token: Token::Trx,
                base_units: 10_000_000,
            },
            Amount {
                token: Token::BttTrc20,
                base_units: 10_000_000,
            },
        ] {
            let underpaid = PurchaseState { price, ..order() };
            let refused = check_order(&listing(), &underpaid, &LEDGER);
            assert!(
                matches!(refused, Err(OrderRefusal::Price { .. })),
                "{price:?}: {refused:?}"
            );
        }
    }

    #[test]
    fn another_ledger_seller_or_a_late_order_is_refused() {
        let other = check_order(
            &listing(),
            &order(),
            &ListingDomain::Ledger(LedgerId([2; 32])),
        );
        assert!(matches!(other, Err(OrderRefusal::OtherLedger { .. })));
        let elsewhere = PurchaseState {
            seller: Address::from_public_key(key(3).verifying_key()),
            ..order()
        };
        let refused = check_order(&listing(), &elsewhere, &LEDGER);
        assert!(matches!(refused, Err(OrderRefusal::OtherSeller { .. })));
        let late = PurchaseState {
            opened_ms: (EXPIRES + 1) * 1_000,
            ..order()
        };
        let refused = check_order(&listing(), &late, &LEDGER);
        assert!(matches!(refused, Err(OrderRefusal::Expired { .. })));
    }
}
