//! Balances and the movement log: the two tables every state change
//! touches. Callers run these inside one `BEGIN IMMEDIATE` transaction, so a
//! debit's read and write see no other writer in between.
//!
//! Each movement takes the next sequence number (the previous highest plus
//! one; safe because only one writer holds the lock). A movement without a
//! txid of its own (mints, channel and escrow movements) gets
//! SHA-256(`btt-movement-v1` ‖ ledger id ‖ sequence), unique per ledger.

use super::codec::{
    kind_name, parse_address, parse_amount, parse_hash, parse_kind, parse_sequence, parse_units,
    token_name,
};
use crate::amount::{Amount, Token};
use crate::ledger::admit::Evidence;
use crate::ledger::error::LedgerError;
use crate::ledger::id::LedgerId;
use crate::ledger::{MovementKind, TransferRecord};
use crate::tron::Address;
use rusqlite::{params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};

/// A change about to be recorded.
pub struct Movement<'a> {
    /// What happened.
    pub kind: MovementKind,
    /// The transaction's own id; `None` to derive one from the sequence.
    pub txid: Option<[u8; 32]>,
    /// Who paid.
    pub from: Address,
    /// Who received.
    pub to: Address,
    /// What moved.
    pub amount: Amount,
    /// The memo.
    pub memo: &'a [u8],
    /// The transaction's timestamp.
    pub timestamp_ms: i64,
    /// The transaction's expiration.
    pub expiration_ms: i64,
}

/// The spendable balance of `address` in `token`.
pub fn balance(
    connection: &Connection,
    address: &Address,
    token: Token,
) -> Result<u128, LedgerError> {
    let text: Option<String> = connection
        .prepare_cached("SELECT amount FROM balances WHERE address = ?1 AND token = ?2")
        .and_then(|mut statement| {
            statement
                .query_row(
                    params![address.as_bytes().as_slice(), token_name(token)],
                    |row| row.get(0),
                )
                .optional()
        })
        .map_err(LedgerError::storage("reading a balance"))?;
    text.map_or(Ok(0), |text| parse_units(&text))
}

fn set_balance(
    connection: &Connection,
    address: &Address,
    token: Token,
    units: u128,
) -> Result<(), LedgerError> {
    connection
        .prepare_cached(
            "INSERT INTO balances (address, token, amount) VALUES (?1, ?2, ?3)
             ON CONFLICT (address, token) DO UPDATE SET amount = excluded.amount",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                address.as_bytes().as_slice(),
                token_name(token),
                units.to_string()
            ])
        })
        .map_err(LedgerError::storage("writing a balance"))?;
    Ok(())
}

/// Takes `amount` from `address`, or refuses with `InsufficientBalance`.
pub fn debit(
    connection: &Connection,
    address: &Address,
    amount: &Amount,
) -> Result<(), LedgerError> {
    let available = balance(connection, address, amount.token)?;
    let rest =
        available
            .checked_sub(amount.base_units)
            .ok_or(LedgerError::InsufficientBalance {
                address: *address,
                token: amount.token,
                available,
                needed: amount.base_units,
            })?;
    set_balance(connection, address, amount.token, rest)
}

/// Adds `amount` to `address`.
pub fn credit(
    connection: &Connection,
    address: &Address,
    amount: &Amount,
) -> Result<(), LedgerError> {
    let total = balance(connection, address, amount.token)?
        .checked_add(amount.base_units)
        .ok_or(LedgerError::Overflow { address: *address })?;
    set_balance(connection, address, amount.token, total)
}

/// The highest sequence applied so far (0 for a new ledger).
pub fn head(connection: &Connection) -> Result<u64, LedgerError> {
    let value: i64 = connection
        .prepare_cached("SELECT COALESCE(MAX(sequence), 0) FROM movements")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
        .map_err(LedgerError::storage("reading the head sequence"))?;
    parse_sequence(value)
}

/// Whether a movement with this txid exists.
pub fn txid_exists(connection: &Connection, txid: &[u8; 32]) -> Result<bool, LedgerError> {
    connection
        .prepare_cached("SELECT 1 FROM movements WHERE txid = ?1")
        .and_then(|mut statement| statement.exists([txid.as_slice()]))
        .map_err(LedgerError::storage("looking up a txid"))
}

/// Appends a movement with the next sequence number.
pub fn record(
    connection: &Connection,
    ledger: &LedgerId,
    movement: Movement<'_>,
    now_ms: i64,
) -> Result<TransferRecord, LedgerError> {
    let sequence = head(connection)? + 1;
    let txid = movement
        .txid
        .unwrap_or_else(|| derived_txid(ledger, sequence));
    let sequence_column = i64::try_from(sequence).map_err(|_| LedgerError::Corrupt {
        what: format!("sequence {sequence} past i64"),
    })?;
    connection
        .prepare_cached(
            "INSERT INTO movements (sequence, txid, kind, from_address, to_address, token, amount,
                                    memo, timestamp_ms, expiration_ms, applied_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                sequence_column,
                txid.as_slice(),
                kind_name(movement.kind),
                movement.from.as_bytes().as_slice(),
                movement.to.as_bytes().as_slice(),
                token_name(movement.amount.token),
                movement.amount.base_units.to_string(),
                movement.memo,
                movement.timestamp_ms,
                movement.expiration_ms,
                now_ms,
            ])
        })
        .map_err(LedgerError::storage("recording a movement"))?;
    Ok(TransferRecord {
        kind: movement.kind,
        txid,
        from: movement.from,
        to: movement.to,
        amount: movement.amount,
        memo: movement.memo.to_vec(),
        timestamp_ms: movement.timestamp_ms,
        sequence,
        applied_at_ms: now_ms,
        fee: None,
    })
}

fn derived_txid(ledger: &LedgerId, sequence: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"btt-movement-v1");
    hasher.update(ledger.as_bytes());
    hasher.update(sequence.to_be_bytes());
    hasher.finalize().into()
}

const RECORD_COLUMNS: &str = "kind, txid, from_address, to_address, token, amount, memo,
                              timestamp_ms, sequence, applied_at_ms";

/// The columns of one movement, before checking.
struct RawRecord {
    kind: String,
    txid: Vec<u8>,
    from: Vec<u8>,
    to: Vec<u8>,
    token: String,
    amount: String,
    memo: Vec<u8>,
    timestamp_ms: i64,
    sequence: i64,
    applied_at_ms: i64,
}

impl RawRecord {
    fn read(row: &Row<'_>) -> rusqlite::Result<RawRecord> {
        Ok(RawRecord {
            kind: row.get(0)?,
            txid: row.get(1)?,
            from: row.get(2)?,
            to: row.get(3)?,
            token: row.get(4)?,
            amount: row.get(5)?,
            memo: row.get(6)?,
            timestamp_ms: row.get(7)?,
            sequence: row.get(8)?,
            applied_at_ms: row.get(9)?,
        })
    }

    fn check(self) -> Result<TransferRecord, LedgerError> {
        Ok(TransferRecord {
            kind: parse_kind(&self.kind)?,
            txid: parse_hash(self.txid)?,
            from: parse_address(&self.from)?,
            to: parse_address(&self.to)?,
            amount: parse_amount(&self.token, &self.amount)?,
            memo: self.memo,
            timestamp_ms: self.timestamp_ms,
            sequence: parse_sequence(self.sequence)?,
            applied_at_ms: self.applied_at_ms,
            fee: None,
        })
    }
}

/// The movement with this txid.
pub fn by_txid(
    connection: &Connection,
    txid: &[u8; 32],
) -> Result<Option<TransferRecord>, LedgerError> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM movements WHERE txid = ?1");
    let raw = connection
        .prepare_cached(&sql)
        .and_then(|mut statement| {
            statement
                .query_row([txid.as_slice()], RawRecord::read)
                .optional()
        })
        .map_err(LedgerError::storage("reading a transaction"))?;
    raw.map(RawRecord::check).transpose()
}

/// The movement with this sequence number.
pub fn by_sequence(
    connection: &Connection,
    sequence: u64,
) -> Result<Option<TransferRecord>, LedgerError> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM movements WHERE sequence = ?1");
    let sequence = i64::try_from(sequence).unwrap_or(i64::MAX);
    let raw = connection
        .prepare_cached(&sql)
        .and_then(|mut statement| statement.query_row([sequence], RawRecord::read).optional())
        .map_err(LedgerError::storage("reading a movement"))?;
    raw.map(RawRecord::check).transpose()
}

/// Which movements of an address to list.
pub enum Since {
    /// Applied at or after this time.
    Time(i64),
    /// With a sequence above this one.
    Sequence(u64),
}

/// Movements from or to `address`, oldest first.
pub fn history(
    connection: &Connection,
    address: &Address,
    since: Since,
    limit: usize,
) -> Result<Vec<TransferRecord>, LedgerError> {
    let (filter, bound) = match since {
        Since::Time(ms) => ("applied_at_ms >= ?2", ms),
        Since::Sequence(sequence) => ("sequence > ?2", i64::try_from(sequence).unwrap_or(i64::MAX)),
    };
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM movements
         WHERE (from_address = ?1 OR to_address = ?1) AND {filter}
         ORDER BY sequence LIMIT ?3"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let raws = connection
        .prepare_cached(&sql)
        .and_then(|mut statement| {
            statement
                .query_map(
                    params![address.as_bytes().as_slice(), bound, limit],
                    RawRecord::read,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(LedgerError::storage("reading history"))?;
    raws.into_iter().map(RawRecord::check).collect()
}

/// The total of every balance in `token` (for supply checks).
pub fn total_balances(connection: &Connection, token: Token) -> Result<u128, LedgerError> {
    sum_column(
        connection,
        "SELECT amount FROM balances WHERE token = ?1",
        token,
    )
}

/// Sums a decimal amount column selected for `token`.
pub fn sum_column(connection: &Connection, sql: &str, token: Token) -> Result<u128, LedgerError> {
    let texts = connection
        .prepare_cached(sql)
        .and_then(|mut statement| {
            statement
                .query_map([token_name(token)], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(LedgerError::storage("summing amounts"))?;
    texts.iter().try_fold(0u128, |total, text| {
        total
            .checked_add(parse_units(text)?)
            .ok_or_else(|| LedgerError::Corrupt {
                what: "total supply past u128".to_string(),
            })
    })
}

/// Stores the signed transaction behind the transfer `txid`.
pub fn keep_evidence(
    connection: &Connection,
    txid: &[u8; 32],
    evidence: &Evidence,
) -> Result<(), LedgerError> {
    connection
        .prepare_cached(
            "INSERT INTO signed_transactions (txid, raw_data, signature) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                txid.as_slice(),
                evidence.raw_data,
                evidence.signature
            ])
        })
        .map_err(LedgerError::storage("keeping a signed transaction"))?;
    Ok(())
}

/// The signed transaction behind the transfer `txid`, if stored.
pub fn evidence(connection: &Connection, txid: &[u8; 32]) -> Result<Option<Evidence>, LedgerError> {
    connection
        .prepare_cached("SELECT raw_data, signature FROM signed_transactions WHERE txid = ?1")
        .and_then(|mut statement| {
            statement
                .query_row([txid.as_slice()], |row| {
                    Ok(Evidence {
                        raw_data: row.get(0)?,
                        signature: row.get(1)?,
                    })
                })
                .optional()
        })
        .map_err(LedgerError::storage("reading a signed transaction"))
}
