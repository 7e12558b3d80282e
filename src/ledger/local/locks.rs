//! The lock table that channels, campaigns and purchases share: funds held under an id,
//! a deadline, and a settled-once mark. Funds enter a lock by a debit of
//! the owner and leave it by a credit of the recipient, each recorded as a
//! movement to or from the lock's escrow address; a lock's `held` amount is
//! exactly what entered minus what left, and it is settled at most once.

use super::codec::{parse_token, parse_units, token_name};
use super::movements::{self, Movement};
use super::store::Writer;
use crate::amount::{Amount, Token};
use crate::ledger::error::LedgerError;
use crate::ledger::escrow::escrow_address;
use crate::ledger::{MovementKind, TransferRecord};
use crate::tron::Address;
use rusqlite::{params, Connection, OptionalExtension};

/// What holds a lock's funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// A payment channel.
    Channel,
    /// A crowdfunding campaign.
    Campaign,
    /// A purchase escrow.
    Purchase,
}

impl LockKind {
    fn name(self) -> &'static str {
        match self {
            LockKind::Channel => "channel",
            LockKind::Campaign => "campaign",
            LockKind::Purchase => "purchase",
        }
    }
}

/// A lock as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The channel or campaign id.
    pub id: [u8; 32],
    /// The token held.
    pub token: Token,
    /// Base units held now.
    pub held: u128,
    /// The channel timeout or campaign deadline.
    pub deadline_ms: i64,
    /// Whether the lock was settled (closed, refunded, released).
    pub settled: bool,
}

/// Creates an empty lock holding funds until `deadline_ms`, which must be in
/// the future; `Ok(false)` when the id exists.
pub fn create(
    writer: &Writer<'_>,
    id: &[u8; 32],
    kind: LockKind,
    token: Token,
    deadline_ms: i64,
) -> Result<bool, LedgerError> {
    if deadline_ms <= writer.now_ms {
        return Err(LedgerError::DeadlineInPast {
            deadline_ms,
            now_ms: writer.now_ms,
        });
    }
    let inserted = writer
        .connection
        .prepare_cached(
            "INSERT OR IGNORE INTO locks (id, kind, token, held, deadline_ms, settled_sequence)
             VALUES (?1, ?2, ?3, '0', ?4, NULL)",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                id.as_slice(),
                kind.name(),
                token_name(token),
                deadline_ms
            ])
        })
        .map_err(LedgerError::storage("creating a lock"))?;
    Ok(inserted == 1)
}

/// Reads a lock.
pub fn load(connection: &Connection, id: &[u8; 32]) -> Result<Option<Lock>, LedgerError> {
    let row = connection
        .prepare_cached(
            "SELECT token, held, deadline_ms, settled_sequence FROM locks WHERE id = ?1",
        )
        .and_then(|mut statement| {
            statement
                .query_row([id.as_slice()], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, Option<i64>>(3)?,
                    ))
                })
                .optional()
        })
        .map_err(LedgerError::storage("reading a lock"))?;
    row.map(|(token, held, deadline_ms, settled)| {
        Ok(Lock {
            id: *id,
            token: parse_token(&token)?,
            held: parse_units(&held)?,
            deadline_ms,
            settled: settled.is_some(),
        })
    })
    .transpose()
}

fn set_held(connection: &Connection, id: &[u8; 32], held: u128) -> Result<(), LedgerError> {
    connection
        .prepare_cached("UPDATE locks SET held = ?2 WHERE id = ?1")
        .and_then(|mut statement| statement.execute(params![id.as_slice(), held.to_string()]))
        .map_err(LedgerError::storage("updating a lock"))?;
    Ok(())
}

fn loaded(connection: &Connection, id: &[u8; 32]) -> Result<Lock, LedgerError> {
    load(connection, id)?.ok_or_else(|| LedgerError::Corrupt {
        what: format!("lock {} is missing", hex::encode(id)),
    })
}

/// Moves `amount` from `owner`'s balance into the lock.
pub fn deposit(
    writer: &Writer<'_>,
    id: &[u8; 32],
    owner: &Address,
    amount: &Amount,
    kind: MovementKind,
) -> Result<TransferRecord, LedgerError> {
    let lock = loaded(writer.connection, id)?;
    let held = lock
        .held
        .checked_add(amount.base_units)
        .ok_or(LedgerError::Overflow { address: *owner })?;
    movements::debit(writer.connection, owner, amount)?;
    set_held(writer.connection, id, held)?;
    writer.record(Movement {
        kind,
        txid: None,
        from: *owner,
        to: escrow_address(&writer.ledger, id),
        amount: *amount,
        memo: b"",
        timestamp_ms: writer.now_ms,
        expiration_ms: writer.now_ms,
    })
}

/// Moves `units` out of the lock to `recipient`'s balance.
pub fn pay_out(
    writer: &Writer<'_>,
    id: &[u8; 32],
    recipient: &Address,
    units: u128,
    kind: MovementKind,
) -> Result<TransferRecord, LedgerError> {
    let lock = loaded(writer.connection, id)?;
    let held = lock
        .held
        .checked_sub(units)
        .ok_or_else(|| LedgerError::Corrupt {
            what: format!("lock {} holds {} < {units}", hex::encode(id), lock.held),
        })?;
    let amount = Amount {
        token: lock.token,
        base_units: units,
    };
    set_held(writer.connection, id, held)?;
    movements::credit(writer.connection, recipient, &amount)?;
    writer.record(Movement {
        kind,
        txid: None,
        from: escrow_address(&writer.ledger, id),
        to: *recipient,
        amount,
        memo: b"",
        timestamp_ms: writer.now_ms,
        expiration_ms: writer.now_ms,
    })
}

/// Marks the lock settled at the current head; it must hold nothing by then.
pub fn settle(writer: &Writer<'_>, id: &[u8; 32]) -> Result<(), LedgerError> {
    let lock = loaded(writer.connection, id)?;
    if lock.held != 0 || lock.settled {
        return Err(LedgerError::Corrupt {
            what: format!("lock {} settled twice or with funds left", hex::encode(id)),
        });
    }
    let head = movements::head(writer.connection)?;
    writer
        .connection
        .prepare_cached("UPDATE locks SET settled_sequence = ?2 WHERE id = ?1")
        .and_then(|mut statement| {
            statement.execute(params![
                id.as_slice(),
                i64::try_from(head).unwrap_or(i64::MAX)
            ])
        })
        .map_err(LedgerError::storage("settling a lock"))?;
    Ok(())
}
