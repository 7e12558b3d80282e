//! The buyer's order log: a small SQLite file
//! (`DATA/purchases.sqlite`) that makes `btt-tip buy` safe to rerun.
//!
//! Invariants:
//! - Before a purchase is opened on the ledger, its order (nonce, deadline,
//!   price, seller, listing) is written here and the commit is on disk (WAL,
//!   `synchronous=FULL`). A rerun after any crash sends the same order, and
//!   the ledger answers an order it already holds with the existing purchase:
//!   one order is charged once.
//! - Entries are keyed by (ledger id, buyer, listing digest, nonce); a
//!   listing's newest entry is the one a rerun continues.
//! - An entry's order never changes. Only its `decrypted` path is filled in,
//!   once the plain files are in place.
//! - A buyer's entries change only under the buyer's lock file beside the
//!   journal ([`OrderLog::lock_path`]), so two `buy` runs of one wallet take
//!   turns instead of opening two orders for one listing.

use crate::durable_sqlite;
use crate::ledger::{LedgerId, OpenPurchase, PurchaseId};
use crate::tron::Address;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use thiserror::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS purchases (
    ledger TEXT NOT NULL,
    buyer TEXT NOT NULL,
    listing TEXT NOT NULL,
    nonce TEXT NOT NULL,
    purchase TEXT NOT NULL,
    order_json TEXT NOT NULL,
    listing_json TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    decrypted TEXT,
    PRIMARY KEY (ledger, buyer, listing, nonce)
);
CREATE INDEX IF NOT EXISTS purchases_by_id ON purchases (purchase);
";

/// Why the journal could not be read or written.
#[derive(Debug, Error)]
pub enum OrderLogError {
    /// The file or its directory could not be opened or set up.
    #[error(transparent)]
    Open(#[from] durable_sqlite::OpenError),
    /// A read or write failed.
    #[error("purchase journal {path}: {doing} failed: {error}")]
    Storage {
        path: PathBuf,
        doing: &'static str,
        error: rusqlite::Error,
    },
    /// A stored row does not read back.
    #[error("purchase journal {path}: purchase {purchase} is corrupt: {what}")]
    Corrupt {
        path: PathBuf,
        purchase: String,
        what: String,
    },
}

/// One journaled purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The purchase id the order gets on its ledger.
    pub purchase: PurchaseId,
    /// The order, exactly as it is (or will be) signed and sent.
    pub order: OpenPurchase,
    /// The listing document bought (its JSON), for receipts.
    pub listing_json: String,
    /// When it was journaled, unix milliseconds.
    pub created_ms: i64,
    /// Where the plain files were put, once decrypted.
    pub decrypted: Option<PathBuf>,
}

/// An open journal file.
#[derive(Debug)]
pub struct OrderLog {
    connection: Connection,
    path: PathBuf,
}

impl OrderLog {
    /// The journal of a data directory.
    pub fn default_path(data: &Path) -> PathBuf {
        data.join("purchases.sqlite")
    }

    /// Opens (creating if needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<OrderLog, OrderLogError> {
        let connection = durable_sqlite::open(path, SCHEMA, "purchase journal")?;
        Ok(OrderLog {
            connection,
            path: path.to_path_buf(),
        })
    }

    /// The lock file of `buyer`'s entries: `JOURNAL.ADDRESS.lock`.
    pub fn lock_path(&self, buyer: &Address) -> PathBuf {
        durable_sqlite::lock_path(&self.path, buyer)
    }

    /// Writes a new order durably, before it is sent.
    pub fn record(&self, ledger: &LedgerId, entry: &Entry) -> Result<(), OrderLogError> {
        let order = &entry.order;
        let order_json = serde_json::to_string(order).expect("an order serialises");
        self.connection
            .execute(
                "INSERT INTO purchases
                 (ledger, buyer, listing, nonce, purchase, order_json, listing_json, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    ledger.to_string(),
                    order.buyer.to_string(),
                    hex::encode(order.listing),
                    order.nonce.to_string(),
                    hex::encode(entry.purchase.0),
                    order_json,
                    entry.listing_json,
                    entry.created_ms,
                ],
            )
            .map_err(self.storage("writing an order"))?;
        Ok(())
    }

    /// Notes where a purchase's plain files were put.
    pub fn mark_decrypted(&self, purchase: &PurchaseId, path: &Path) -> Result<(), OrderLogError> {
        self.connection
            .execute(
                "UPDATE purchases SET decrypted = ?1 WHERE purchase = ?2",
                params![path.to_string_lossy(), hex::encode(purchase.0)],
            )
            .map_err(self.storage("noting a decryption"))?;
        Ok(())
    }

    /// The newest order of `buyer` for the listing `digest` on `ledger`.
    pub fn latest(
        &self,
        ledger: &LedgerId,
        buyer: &Address,
        digest: &[u8; 32],
    ) -> Result<Option<Entry>, OrderLogError> {
        let row = self
            .connection
            .query_row(
                "SELECT purchase, order_json, listing_json, created_ms, decrypted FROM purchases
                 WHERE ledger = ?1 AND buyer = ?2 AND listing = ?3
                 ORDER BY created_ms DESC, rowid DESC LIMIT 1",
                params![ledger.to_string(), buyer.to_string(), hex::encode(digest)],
                RawEntry::read,
            )
            .optional()
            .map_err(self.storage("reading an order"))?;
        row.map(|raw| raw.parse(&self.path)).transpose()
    }

    /// Every order of `buyer` on `ledger`, oldest first.
    pub fn entries(&self, ledger: &LedgerId, buyer: &Address) -> Result<Vec<Entry>, OrderLogError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT purchase, order_json, listing_json, created_ms, decrypted FROM purchases
                 WHERE ledger = ?1 AND buyer = ?2 ORDER BY created_ms, rowid",
            )
            .map_err(self.storage("listing orders"))?;
        let rows = statement
            .query_map(
                params![ledger.to_string(), buyer.to_string()],
                RawEntry::read,
            )
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(self.storage("listing orders"))?;
        rows.into_iter().map(|raw| raw.parse(&self.path)).collect()
    }

    fn storage(&self, doing: &'static str) -> impl FnOnce(rusqlite::Error) -> OrderLogError + '_ {
        move |error| OrderLogError::Storage {
            path: self.path.clone(),
            doing,
            error,
        }
    }
}

/// A row as stored.
struct RawEntry {
    purchase: String,
    order_json: String,
    listing_json: String,
    created_ms: i64,
    decrypted: Option<String>,
}

impl RawEntry {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawEntry> {
        Ok(RawEntry {
            purchase: row.get(0)?,
            order_json: row.get(1)?,
            listing_json: row.get(2)?,
            created_ms: row.get(3)?,
            decrypted: row.get(4)?,
        })
    }

    fn parse(self, path: &Path) -> Result<Entry, OrderLogError> {
        let corrupt = |what: String| OrderLogError::Corrupt {
            path: path.to_path_buf(),
            purchase: self.purchase.clone(),
            what,
        };
        let id = crate::ledger::id::parse_hex32(&self.purchase)
            .map_err(|error| corrupt(format!("purchase id: {error}")))?;
        let order = serde_json::from_str(&self.order_json)
            .map_err(|error| corrupt(format!("order: {error}")))?;
        Ok(Entry {
            purchase: PurchaseId(id),
            order,
            listing_json: self.listing_json.clone(),
            created_ms: self.created_ms,
            decrypted: self.decrypted.clone().map(PathBuf::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::{Amount, Token};
    use crate::ledger::BuyerKey;
    use k256::ecdsa::SigningKey;

    fn order(nonce: u64, listing: u8) -> OpenPurchase {
        let buyer = SigningKey::from_slice(&[1; 32]).unwrap();
        OpenPurchase {
            buyer: Address::from_public_key(buyer.verifying_key()),
            seller: Address::from_public_key(
                SigningKey::from_slice(&[2; 32]).unwrap().verifying_key(),
            ),
            listing: [listing; 32],
            buyer_key: BuyerKey::from_verifying_key(buyer.verifying_key()),
            price: Amount {
                token: Token::Btt,
                base_units: 10_000_000,
            },
            deadline_ms: 1_700_000_000_000,
            nonce,
        }
    }

    fn entry(ledger: &LedgerId, nonce: u64, listing: u8, created_ms: i64) -> Entry {
        let order = order(nonce, listing);
        Entry {
            purchase: order.id(ledger),
            order,
            listing_json: "{}".to_string(),
            created_ms,
            decrypted: None,
        }
    }

    #[test]
    fn the_newest_order_of_a_listing_is_continued_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = OrderLog::default_path(dir.path());
        let ledger = LedgerId([3; 32]);
        let journal = OrderLog::open(&path).unwrap();
        let first = entry(&ledger, 1, 4, 10);
        let second = entry(&ledger, 2, 4, 20);
        let other = entry(&ledger, 3, 5, 30);
        for written in [&first, &second, &other] {
            journal.record(&ledger, written).unwrap();
        }
        drop(journal);
        let journal = OrderLog::open(&path).unwrap();
        let buyer = first.order.buyer;
        assert_eq!(
            journal.latest(&ledger, &buyer, &[4; 32]).unwrap(),
            Some(second.clone())
        );
        assert_eq!(
            journal
                .latest(&LedgerId([9; 32]), &buyer, &[4; 32])
                .unwrap(),
            None
        );
        journal
            .mark_decrypted(&second.purchase, Path::new("/dl/album"))
            .unwrap();
        let entries = journal.entries(&ledger, &buyer).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[1].decrypted.as_deref(),
            Some(Path::new("/dl/album"))
        );
        assert_eq!(entries[0], first);
    }

    #[test]
    fn one_order_is_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let journal = OrderLog::open(&OrderLog::default_path(dir.path())).unwrap();
        let ledger = LedgerId([3; 32]);
        let written = entry(&ledger, 1, 4, 10);
        journal.record(&ledger, &written).unwrap();
        assert!(matches!(
            journal.record(&ledger, &written),
            Err(OrderLogError::Storage { .. })
        ));
    }
}
