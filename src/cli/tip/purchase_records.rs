//! What `btt-tip buy` and `btt-tip purchases` print: a `purchase` record
//! (where one purchase stands, and once decrypted where its files are: the
//! receipt), and the `purchase_proof` of a seller who delivered a key that
//! is not the listing's.

use super::records::rfc3339;
use crate::amount::{format_units, Token};
use crate::ledger::{PurchaseState, PurchaseStatus};
use crate::output::Record;
use crate::purchase::order_log::Entry;
use crate::purchase::{Decrypted, SignedListing};
use crate::tron::Address;
use serde::Serialize;

/// One purchase (`purchase`).
#[derive(Debug, Clone, Serialize)]
pub struct PurchaseRecord {
    /// The purchase id, hex.
    pub purchase: String,
    /// The listing's digest, hex.
    pub listing: String,
    /// The plaintext's name, when the listing is known here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Who paid.
    pub buyer: Address,
    /// Who is paid on delivery.
    pub seller: Address,
    /// The price, in base units.
    #[serde(with = "crate::amount::units_text")]
    pub price_base_units: u128,
    /// The price's token.
    pub token: Token,
    /// `open`, `delivered` or `refunded`.
    pub status: PurchaseStatus,
    /// End of delivery and start of refund (RFC 3339).
    pub deadline: String,
    /// Where the plain files are, once decrypted here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Regular files decrypted (this run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
    /// Bytes of those files (this run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plain_size: Option<u64>,
}

impl PurchaseRecord {
    /// The record of `state`, with what the journal `entry` knows of it.
    pub fn of(state: &PurchaseState, entry: Option<&Entry>) -> PurchaseRecord {
        let listing =
            entry.and_then(|entry| SignedListing::parse(entry.listing_json.as_bytes()).ok());
        PurchaseRecord {
            purchase: hex::encode(state.id.0),
            listing: hex::encode(state.listing),
            name: listing.map(|listing| listing.listing.name),
            buyer: state.buyer,
            seller: state.seller,
            price_base_units: state.price.base_units,
            token: state.price.token,
            status: state.status,
            deadline: rfc3339(state.deadline_ms),
            path: entry
                .and_then(|entry| entry.decrypted.as_ref())
                .map(|path| path.display().to_string()),
            files: None,
            plain_size: None,
        }
    }

    /// The receipt of a purchase decrypted to `decrypted` in this run.
    pub fn decrypted(mut self, decrypted: &Decrypted) -> PurchaseRecord {
        self.path = Some(decrypted.path.display().to_string());
        self.files = Some(decrypted.files);
        self.plain_size = Some(decrypted.plain_size);
        self
    }
}

impl Record for PurchaseRecord {
    const TYPE: &'static str = "purchase";

    fn human(&self) -> Option<String> {
        let status = match self.status {
            PurchaseStatus::Open => format!("open until {}", self.deadline),
            PurchaseStatus::Delivered => "delivered".to_string(),
            PurchaseStatus::Refunded => "refunded".to_string(),
        };
        let name = self
            .name
            .as_deref()
            .unwrap_or("(listing not in this journal)");
        let mut line = format!(
            "{}  {name}  {} {}  {status}  from {}",
            self.purchase,
            format_units(self.price_base_units, self.token),
            self.token.symbol(),
            self.seller
        );
        if let Some(path) = &self.path {
            line.push_str(&format!("\n  files: {path}"));
        }
        Some(line)
    }
}

/// The proof that a delivered key is not the listing's (`purchase_proof`):
/// the seller-signed listing and the ledger's purchase record with the
/// sealed key the seller signed and posted.
#[derive(Debug, Serialize)]
pub struct PurchaseProof {
    /// The purchase id, hex.
    pub purchase: String,
    /// Which check the key failed.
    pub problem: String,
    /// The listing document, as the seller signed it.
    pub listing: serde_json::Value,
    /// The purchase as the ledger holds it, sealed key included.
    pub escrow: PurchaseState,
}

impl Record for PurchaseProof {
    const TYPE: &'static str = "purchase_proof";

    fn human(&self) -> Option<String> {
        Some(format!(
            "proof for purchase {}: {}\n{}",
            self.purchase,
            self.problem,
            serde_json::to_string_pretty(self).unwrap_or_default()
        ))
    }
}
