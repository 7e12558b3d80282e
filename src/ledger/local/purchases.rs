//! Purchase escrow on the embedded ledger: the SQL side of
//! [`crate::ledger::purchase`]. The price lives in a lock (see
//! [`super::locks`]) whose deadline is the delivery deadline; the
//! `purchases` row adds the parties, the listing, the buyer's key, the
//! outcome and, once delivered, the sealed key. Delivery writes the sealed
//! key and pays the seller in one transaction; a refund pays the buyer.
//! When a purchase was opened is the time of its `purchase_lock` movement,
//! so the record gets it without a column of its own.

use super::codec::{parse_address, parse_amount, parse_hash};
use super::locks::{self, LockKind};
use super::store::{Store, Writer};
use crate::ledger::domain::Signed;
use crate::ledger::error::LedgerError;
use crate::ledger::escrow::escrow_address;
use crate::ledger::id::{LedgerId, PurchaseId};
use crate::ledger::purchase::{
    BuyerKey, DeliverPurchase, OpenPurchase, PurchaseRole, PurchaseState, PurchaseStatus,
};
use crate::ledger::MovementKind;
use crate::tron::Address;
use rusqlite::{params, Connection, OptionalExtension};

impl Store {
    /// Locks a purchase's price, signed by its buyer; an identical reopen
    /// returns the existing purchase and charges nothing.
    pub fn open_purchase(
        &mut self,
        request: &Signed<OpenPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        let ledger = self.ledger_id();
        let open = &request.request;
        request.verify_signer(&ledger, &open.buyer)?;
        open.check()?;
        let id = open.id(&ledger);
        self.write(|writer| {
            if let Some(existing) = load_purchase(writer.connection, &ledger, id)? {
                return if existing.matches(open) {
                    Ok(existing)
                } else {
                    Err(LedgerError::PurchaseConflict { id })
                };
            }
            let created = locks::create(
                writer,
                &id.0,
                LockKind::Purchase,
                open.price.token,
                open.deadline_ms,
            )?;
            if !created {
                return Err(LedgerError::Corrupt {
                    what: format!("lock {id} exists without its purchase"),
                });
            }
            insert_purchase(writer.connection, id, open)?;
            locks::deposit(
                writer,
                &id.0,
                &open.buyer,
                &open.price,
                MovementKind::PurchaseLock,
            )?;
            require_purchase(writer.connection, &ledger, id)
        })
    }

    /// Stores the seller-signed sealed key and pays the seller, before the deadline.
    pub fn deliver_purchase(
        &mut self,
        request: &Signed<DeliverPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        let delivery = &request.request;
        delivery.check()?;
        let id = delivery.purchase;
        self.write(|writer| {
            let state = require_purchase(writer.connection, &writer.ledger, id)?;
            request.verify_signer(&writer.ledger, &state.seller)?;
            if state.is_delivered_with(delivery) {
                return Ok(state);
            }
            state.check_deliver(writer.now_ms)?;
            settle(writer, &state, &state.seller, MovementKind::PurchaseRelease)?;
            writer
                .connection
                .execute(
                    "UPDATE purchases SET outcome = 'delivered', sealed_key = ?2 WHERE id = ?1",
                    params![id.0.as_slice(), delivery.sealed_key],
                )
                .map_err(LedgerError::storage("delivering a purchase"))?;
            require_purchase(writer.connection, &writer.ledger, id)
        })
    }

    /// Returns an undelivered purchase's price to its buyer, from the deadline on, once.
    pub fn refund_purchase(&mut self, id: PurchaseId) -> Result<PurchaseState, LedgerError> {
        self.write(|writer| {
            let state = require_purchase(writer.connection, &writer.ledger, id)?;
            state.check_refund(writer.now_ms)?;
            settle(writer, &state, &state.buyer, MovementKind::PurchaseRefund)?;
            writer
                .connection
                .execute(
                    "UPDATE purchases SET outcome = 'refunded' WHERE id = ?1",
                    [id.0.as_slice()],
                )
                .map_err(LedgerError::storage("refunding a purchase"))?;
            require_purchase(writer.connection, &writer.ledger, id)
        })
    }

    /// A purchase's state.
    pub fn purchase(&self, id: PurchaseId) -> Result<Option<PurchaseState>, LedgerError> {
        load_purchase(self.connection(), &self.ledger_id(), id)
    }

    /// Every purchase in which `address` has `role`, by deadline and then id.
    pub fn purchases_of(
        &self,
        address: &Address,
        role: PurchaseRole,
    ) -> Result<Vec<PurchaseState>, LedgerError> {
        load_purchases_of(self.connection(), &self.ledger_id(), address, role)
    }
}

fn insert_purchase(
    connection: &Connection,
    id: PurchaseId,
    open: &OpenPurchase,
) -> Result<(), LedgerError> {
    connection
        .execute(
            "INSERT INTO purchases (id, buyer, seller, listing, buyer_key, price, nonce, outcome, sealed_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL)",
            params![
                id.0.as_slice(),
                open.buyer.as_bytes().as_slice(),
                open.seller.as_bytes().as_slice(),
                open.listing.as_slice(),
                open.buyer_key.0.as_slice(),
                open.price.base_units.to_string(),
                open.nonce.to_string()
            ],
        )
        .map_err(LedgerError::storage("creating a purchase"))?;
    Ok(())
}

/// Pays the whole price out of the lock to `recipient` and settles it.
fn settle(
    writer: &Writer<'_>,
    state: &PurchaseState,
    recipient: &Address,
    kind: MovementKind,
) -> Result<(), LedgerError> {
    locks::pay_out(writer, &state.id.0, recipient, state.price.base_units, kind)?;
    locks::settle(writer, &state.id.0)
}

fn require_purchase(
    connection: &Connection,
    ledger: &LedgerId,
    id: PurchaseId,
) -> Result<PurchaseState, LedgerError> {
    load_purchase(connection, ledger, id)?.ok_or(LedgerError::UnknownPurchase { id })
}

/// When the purchase `id` was opened: the time of its `purchase_lock` movement.
fn opened_ms(
    connection: &Connection,
    ledger: &LedgerId,
    id: PurchaseId,
) -> Result<i64, LedgerError> {
    let escrow = escrow_address(ledger, &id.0);
    let opened = connection
        .prepare_cached(
            "SELECT applied_at_ms FROM movements
             WHERE to_address = ?1 AND kind = 'purchase_lock' ORDER BY sequence LIMIT 1",
        )
        .and_then(|mut statement| {
            statement
                .query_row([escrow.as_bytes().as_slice()], |row| row.get(0))
                .optional()
        })
        .map_err(LedgerError::storage("reading when a purchase was opened"))?;
    opened.ok_or_else(|| LedgerError::Corrupt {
        what: format!("purchase {id} has no purchase_lock movement"),
    })
}

/// The columns a purchase is read from, in [`RawPurchase::from_row`]'s order.
const PURCHASE_SELECT: &str =
    "SELECT p.id, p.buyer, p.seller, p.listing, p.buyer_key, l.token, p.price, l.deadline_ms,
            p.nonce, p.outcome, p.sealed_key
     FROM purchases p JOIN locks l ON l.id = p.id";

/// A purchase's columns as SQLite returns them, checked by [`RawPurchase::parse`].
struct RawPurchase {
    id: Vec<u8>,
    buyer: Vec<u8>,
    seller: Vec<u8>,
    listing: Vec<u8>,
    buyer_key: Vec<u8>,
    token: String,
    price: String,
    deadline_ms: i64,
    nonce: String,
    outcome: Option<String>,
    sealed_key: Option<Vec<u8>>,
}

impl RawPurchase {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawPurchase> {
        Ok(RawPurchase {
            id: row.get(0)?,
            buyer: row.get(1)?,
            seller: row.get(2)?,
            listing: row.get(3)?,
            buyer_key: row.get(4)?,
            token: row.get(5)?,
            price: row.get(6)?,
            deadline_ms: row.get(7)?,
            nonce: row.get(8)?,
            outcome: row.get(9)?,
            sealed_key: row.get(10)?,
        })
    }

    fn parse(self, opened_ms: i64) -> Result<PurchaseState, LedgerError> {
        let corrupt = |what: String| LedgerError::Corrupt { what };
        let buyer_key: [u8; 33] = self
            .buyer_key
            .try_into()
            .map_err(|bytes: Vec<u8>| corrupt(format!("buyer key of {} bytes", bytes.len())))?;
        let nonce = self
            .nonce
            .parse()
            .map_err(|_| corrupt(format!("purchase nonce {:?}", self.nonce)))?;
        let status = match self.outcome.as_deref() {
            None => PurchaseStatus::Open,
            Some("delivered") => PurchaseStatus::Delivered,
            Some("refunded") => PurchaseStatus::Refunded,
            Some(other) => return Err(corrupt(format!("purchase outcome {other:?}"))),
        };
        Ok(PurchaseState {
            id: PurchaseId(parse_hash(self.id)?),
            buyer: parse_address(&self.buyer)?,
            seller: parse_address(&self.seller)?,
            listing: parse_hash(self.listing)?,
            buyer_key: BuyerKey(buyer_key),
            price: parse_amount(&self.token, &self.price)?,
            opened_ms,
            deadline_ms: self.deadline_ms,
            nonce,
            status,
            sealed_key: self.sealed_key,
        })
    }
}

fn load_purchase(
    connection: &Connection,
    ledger: &LedgerId,
    id: PurchaseId,
) -> Result<Option<PurchaseState>, LedgerError> {
    let raw = connection
        .prepare_cached(&format!("{PURCHASE_SELECT} WHERE p.id = ?1"))
        .and_then(|mut statement| {
            statement
                .query_row([id.0.as_slice()], RawPurchase::from_row)
                .optional()
        })
        .map_err(LedgerError::storage("reading a purchase"))?;
    raw.map(|raw| parse_with_time(connection, ledger, raw))
        .transpose()
}

/// The purchase in `raw`, with when it was opened.
fn parse_with_time(
    connection: &Connection,
    ledger: &LedgerId,
    raw: RawPurchase,
) -> Result<PurchaseState, LedgerError> {
    let id = PurchaseId(parse_hash(raw.id.clone())?);
    raw.parse(opened_ms(connection, ledger, id)?)
}

fn load_purchases_of(
    connection: &Connection,
    ledger: &LedgerId,
    address: &Address,
    role: PurchaseRole,
) -> Result<Vec<PurchaseState>, LedgerError> {
    let column = match role {
        PurchaseRole::Buyer => "buyer",
        PurchaseRole::Seller => "seller",
    };
    let rows = connection
        .prepare_cached(&format!(
            "{PURCHASE_SELECT} WHERE p.{column} = ?1 ORDER BY l.deadline_ms, p.id"
        ))
        .and_then(|mut statement| {
            statement
                .query_map([address.as_bytes().as_slice()], RawPurchase::from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(LedgerError::storage("reading purchases"))?;
    rows.into_iter()
        .map(|raw| parse_with_time(connection, ledger, raw))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{address, btt, key, Fixture, START_MS};
    use super::*;
    use crate::amount::Token;

    const BUYER: u8 = 3;
    const SELLER: u8 = 4;
    const DAY_MS: i64 = 86_400_000;
    const PRICE: u128 = 10_000_001;

    fn request(nonce: u64) -> OpenPurchase {
        OpenPurchase {
            buyer: address(BUYER),
            seller: address(SELLER),
            listing: [0xab; 32],
            buyer_key: BuyerKey::from_verifying_key(key(BUYER).verifying_key()),
            price: btt(PRICE),
            deadline_ms: START_MS + DAY_MS,
            nonce,
        }
    }

    fn open(fixture: &mut Fixture, open: OpenPurchase) -> Result<PurchaseState, LedgerError> {
        let ledger = fixture.store.ledger_id();
        fixture
            .store
            .open_purchase(&Signed::sign(open, &key(BUYER), &ledger))
    }

    fn deliver(
        fixture: &mut Fixture,
        id: PurchaseId,
        signer: u8,
        sealed: &[u8],
    ) -> Result<PurchaseState, LedgerError> {
        let ledger = fixture.store.ledger_id();
        let delivery = DeliverPurchase {
            purchase: id,
            sealed_key: sealed.to_vec(),
        };
        fixture
            .store
            .deliver_purchase(&Signed::sign(delivery, &key(signer), &ledger))
    }

    fn with_purchase() -> (Fixture, PurchaseState) {
        let mut fixture = Fixture::new();
        fixture.fund(&address(BUYER), PRICE + 5);
        let state = open(&mut fixture, request(1)).unwrap();
        assert_eq!(state.status, PurchaseStatus::Open);
        assert_eq!(state.opened_ms, START_MS, "opened by the ledger's clock");
        assert_eq!(balance(&fixture, BUYER), 5);
        (fixture, state)
    }

    fn balance(fixture: &Fixture, seed: u8) -> u128 {
        fixture.store.balance(&address(seed), Token::Btt).unwrap()
    }

    #[test]
    fn delivery_stores_the_key_and_pays_the_seller_in_one_change() {
        let (mut fixture, state) = with_purchase();
        let head = fixture.store.head().unwrap();
        let delivered = deliver(&mut fixture, state.id, SELLER, &[7; 120]).unwrap();
        assert_eq!(delivered.status, PurchaseStatus::Delivered);
        assert_eq!(delivered.sealed_key.as_deref(), Some(&[7u8; 120][..]));
        assert_eq!(
            (balance(&fixture, SELLER), balance(&fixture, BUYER)),
            (PRICE, 5)
        );
        assert_eq!(fixture.store.head().unwrap(), head + 1);
        let history = fixture.store.history(&address(SELLER), 0, 10).unwrap();
        assert_eq!(history[0].kind, MovementKind::PurchaseRelease);
        let again = deliver(&mut fixture, state.id, SELLER, &[7; 120]).unwrap();
        assert_eq!(again, delivered);
        let other = deliver(&mut fixture, state.id, SELLER, &[8; 120]).unwrap_err();
        assert!(
            matches!(other, LedgerError::PurchaseSettled { .. }),
            "{other}"
        );
        fixture.advance(DAY_MS);
        let refund = fixture.store.refund_purchase(state.id).unwrap_err();
        assert!(
            matches!(refund, LedgerError::PurchaseSettled { .. }),
            "{refund}"
        );
        assert_eq!(fixture.store.head().unwrap(), head + 1);
        assert_eq!(balance(&fixture, SELLER), PRICE);
        fixture.assert_conserved();
    }

    #[test]
    fn an_undelivered_purchase_is_refunded_once_after_the_deadline() {
        let (mut fixture, state) = with_purchase();
        let early = fixture.store.refund_purchase(state.id).unwrap_err();
        assert!(
            matches!(early, LedgerError::PurchaseRefundBeforeDeadline { .. }),
            "{early}"
        );
        fixture.advance(DAY_MS);
        let late = deliver(&mut fixture, state.id, SELLER, &[7; 32]).unwrap_err();
        assert!(
            matches!(late, LedgerError::DeliverAfterDeadline { .. }),
            "{late}"
        );
        let refunded = fixture.store.refund_purchase(state.id).unwrap();
        assert_eq!(refunded.status, PurchaseStatus::Refunded);
        assert_eq!(refunded.sealed_key, None);
        assert_eq!(
            (balance(&fixture, BUYER), balance(&fixture, SELLER)),
            (PRICE + 5, 0)
        );
        let head = fixture.store.head().unwrap();
        let twice = fixture.store.refund_purchase(state.id).unwrap_err();
        assert!(
            matches!(twice, LedgerError::PurchaseSettled { .. }),
            "{twice}"
        );
        assert_eq!(fixture.store.head().unwrap(), head);
        let history = fixture.store.history(&address(BUYER), 0, 10).unwrap();
        let kinds: Vec<_> = history.iter().map(|record| record.kind).collect();
        assert_eq!(
            kinds,
            [
                MovementKind::Mint,
                MovementKind::PurchaseLock,
                MovementKind::PurchaseRefund
            ]
        );
        assert_eq!(history[1].to, history[2].from, "the escrow address");
        fixture.assert_conserved();
    }

    #[test]
    fn reopening_the_same_id_charges_once_and_other_terms_are_refused() {
        let (mut fixture, state) = with_purchase();
        let head = fixture.store.head().unwrap();
        let again = open(&mut fixture, request(1)).unwrap();
        assert_eq!(again, state);
        let repriced = OpenPurchase {
            price: btt(1),
            ..request(1)
        };
        let conflict = open(&mut fixture, repriced).unwrap_err();
        assert!(
            matches!(conflict, LedgerError::PurchaseConflict { .. }),
            "{conflict}"
        );
        assert_eq!(fixture.store.head().unwrap(), head);
        assert_eq!(balance(&fixture, BUYER), 5);
        deliver(&mut fixture, state.id, SELLER, &[1]).unwrap();
        fixture.advance(2 * DAY_MS);
        let after = open(&mut fixture, request(1)).unwrap();
        assert_eq!(after.status, PurchaseStatus::Delivered);
        assert_eq!(balance(&fixture, BUYER), 5);
        fixture.assert_conserved();
    }

    #[test]
    fn bad_requests_are_refused_with_nothing_applied() {
        let (mut fixture, state) = with_purchase();
        let head = fixture.store.head().unwrap();
        let wrong = deliver(&mut fixture, state.id, BUYER, &[1; 8]).unwrap_err();
        assert!(matches!(wrong, LedgerError::WrongSigner { .. }), "{wrong}");
        let unknown = deliver(&mut fixture, PurchaseId([1; 32]), SELLER, &[1]).unwrap_err();
        assert!(
            matches!(unknown, LedgerError::UnknownPurchase { .. }),
            "{unknown}"
        );
        let long = deliver(&mut fixture, state.id, SELLER, &[1; 257]).unwrap_err();
        assert!(
            matches!(long, LedgerError::SealedKeyLength { .. }),
            "{long}"
        );
        let broke = open(&mut fixture, request(2)).unwrap_err();
        assert!(broke.is_insufficient_funds(), "{broke}");
        let ledger = fixture.store.ledger_id();
        let forged = Signed::sign(request(3), &key(SELLER), &ledger);
        assert!(matches!(
            fixture.store.open_purchase(&forged),
            Err(LedgerError::WrongSigner { .. })
        ));
        let other_key = OpenPurchase {
            buyer_key: BuyerKey::from_verifying_key(key(SELLER).verifying_key()),
            ..request(4)
        };
        assert!(matches!(
            open(&mut fixture, other_key),
            Err(LedgerError::BuyerKeyMismatch { .. })
        ));
        let past = OpenPurchase {
            deadline_ms: START_MS,
            ..request(5)
        };
        assert!(matches!(
            open(&mut fixture, past),
            Err(LedgerError::DeadlineInPast { .. })
        ));
        assert_eq!(fixture.store.head().unwrap(), head);
        assert_eq!(fixture.store.purchase(state.id).unwrap(), Some(state));
        fixture.assert_conserved();
    }

    #[test]
    fn purchases_are_listed_by_buyer_and_by_seller() {
        let (fixture, state) = with_purchase();
        let bought = fixture
            .store
            .purchases_of(&address(BUYER), PurchaseRole::Buyer)
            .unwrap();
        let sold = fixture
            .store
            .purchases_of(&address(SELLER), PurchaseRole::Seller)
            .unwrap();
        assert_eq!((bought, sold.clone()), (vec![state.clone()], vec![state]));
        assert!(fixture
            .store
            .purchases_of(&address(SELLER), PurchaseRole::Buyer)
            .unwrap()
            .is_empty());
    }
}
