//! The seller's delivery round: every open purchase on the ledger that pays
//! the seller, for a listing whose content key is in the seller's key store,
//! gets that key sealed to its buyer's public key and posted; the ledger
//! releases the escrowed price to the seller in the same operation.
//!
//! Each order is checked against the seller's signed listing before its key
//! is sealed ([`super::order_check`]): one at another price or token, or
//! opened after the listing expired, is never delivered, however it was
//! signed, while the other orders of the round still are.
//!
//! A purchase past its deadline is left to be refunded. One that is refused,
//! or whose key can't be sealed here (no key or listing in this store:
//! another machine of the seller's may hold it; or a buyer key that is no
//! curve point) is returned as skipped, with why, and left open. A round is safe to repeat: a delivered purchase
//! is no longer open, and a delivery the ledger applied before a crash is
//! found delivered.

use super::order_check::check_order;
use super::{seal, KeyStore, SealContext, SignedListing};
use crate::ledger::{
    DeliverPurchase, LedgerError, ListingDomain, PurchaseId, PurchaseRole, PurchaseState,
    PurchaseStatus, Signed,
};
use crate::payment::PaymentLedger;
use crate::tron::Address;
use k256::ecdsa::{SigningKey, VerifyingKey};
use std::collections::HashMap;

/// Which of the seller's listings a round delivers, and where their signed
/// terms come from.
#[derive(Debug, Clone)]
pub enum ListingFilter {
    /// Every listing whose key and signed listing are in the store (`btt-seed deliver`).
    All,
    /// Only these listings, by digest (`btt-seed run --sell`).
    Only(HashMap<[u8; 32], SignedListing>),
}

impl ListingFilter {
    fn admits(&self, digest: &[u8; 32]) -> bool {
        match self {
            ListingFilter::All => true,
            ListingFilter::Only(listings) => listings.contains_key(digest),
        }
    }

    /// The signed listing with `digest`, from the filter or else the store.
    fn listing(&self, digest: &[u8; 32], keys: &KeyStore) -> Result<SignedListing, String> {
        match self {
            ListingFilter::Only(listings) if listings.contains_key(digest) => {
                Ok(listings[digest].clone())
            }
            _ => keys.load_listing(digest).map_err(|error| error.to_string()),
        }
    }
}

/// A purchase a round could not deliver, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The purchase left open.
    pub purchase: PurchaseId,
    /// Why, in one line.
    pub reason: String,
}

/// What one round did.
#[derive(Debug, Default)]
pub struct Round {
    /// The purchases delivered (and so paid), as the ledger now holds them.
    pub delivered: Vec<PurchaseState>,
    /// The open purchases left open.
    pub skipped: Vec<Skipped>,
}

/// The seller's side of every purchase: its key, its key store, what it delivers.
pub struct Seller<'a> {
    /// The seller's wallet key, which signs each delivery.
    pub key: &'a SigningKey,
    /// Where the content keys of its listings are.
    pub keys: &'a KeyStore,
    /// Which listings it delivers.
    pub listings: &'a ListingFilter,
}

impl Seller<'_> {
    /// Delivers every open, unexpired purchase of the seller at `now_ms`.
    pub async fn deliver_round(
        &self,
        ledger: &dyn PaymentLedger,
        now_ms: i64,
    ) -> Result<Round, LedgerError> {
        let ledger_id = ledger.ledger_id().await?;
        let domain = ledger.listing_domain().await?;
        let address = Address::from_public_key(self.key.verifying_key());
        let sold = ledger.purchases(address, PurchaseRole::Seller).await?;
        let mut round = Round::default();
        let open = sold.iter().filter(|state| {
            state.status == PurchaseStatus::Open
                && state.deadline_ms > now_ms
                && self.listings.admits(&state.listing)
        });
        for state in open {
            match self.delivery(state, &domain) {
                Ok(request) => {
                    let signed = Signed::sign(request, self.key, &ledger_id);
                    round.delivered.push(ledger.deliver_purchase(signed).await?);
                }
                Err(reason) => round.skipped.push(Skipped {
                    purchase: state.id,
                    reason,
                }),
            }
        }
        Ok(round)
    }

    /// The delivery of `state` where listings are sold in `domain`: its
    /// listing's key sealed to its buyer, only if it buys the listing on its
    /// terms; or why not.
    fn delivery(
        &self,
        state: &PurchaseState,
        domain: &ListingDomain,
    ) -> Result<DeliverPurchase, String> {
        let key = self
            .keys
            .load(&state.listing)
            .map_err(|error| error.to_string())?;
        let listing = self.listings.listing(&state.listing, self.keys)?;
        check_order(&listing, state, domain).map_err(|refusal| refusal.to_string())?;
        let buyer = VerifyingKey::from_sec1_bytes(&state.buyer_key.0)
            .map_err(|_| "its buyer key is no curve point".to_string())?;
        let context = SealContext {
            listing_digest: state.listing,
            purchase_id: state.id.0,
        };
        Ok(DeliverPurchase {
            purchase: state.id,
            sealed_key: seal(&key, &buyer, &context).as_bytes().to_vec(),
        })
    }
}
