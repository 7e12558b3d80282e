//! The SQLite schema of the embedded ledger, and opening a connection the
//! way every btt process must: WAL, `synchronous=FULL` (a commit returns
//! only once it is on disk), a busy timeout so concurrent processes wait for
//! each other instead of failing, foreign keys on.
//!
//! Amounts are stored as TEXT holding the decimal `u128`. TRX and the TRC-10
//! BTT fit in SQLite's i64 (TRON keeps them as int64), but the TRC-20 BTT has
//! 18 decimals and a supply near 10^33 base units, which only u128 holds.
//! SQL never does arithmetic on amounts: every read-modify-write happens in
//! Rust with checked arithmetic inside one `BEGIN IMMEDIATE` transaction,
//! which holds SQLite's write lock from its first statement, so two
//! processes can never both read the same balance and spend it.
//!
//! Addresses are the 21 raw bytes (BLOB), ids and txids 32 raw bytes, tokens
//! their snake_case name (`btt`, `trx`, `btt_trc20`).
//!
//! Tables: `meta` (the ledger id, the schema version), `balances` per
//! (address, token), `movements` (every applied change with its sequence
//! number: transfers, mints and the movements in and out of locks), `locks`
//! (funds held by a channel or campaign, with a deadline and a settled-once
//! mark), `channels` (indexed by payer and by payee), `campaigns`,
//! `pledges` and `purchases` (indexed by buyer and by seller).
//!
//! Upgrades happen in place on opening: every version so far only added
//! tables (version 2 `signed_transactions`, version 3 `purchases`), which
//! the `CREATE TABLE IF NOT EXISTS` batch creates, so an older file is
//! brought to [`SCHEMA_VERSION`] in the same transaction. A newer file is
//! refused.
//!
//! An index is not a change of format: a file without one gets it on its
//! next opening (`CREATE INDEX IF NOT EXISTS`), and an older btt reads a
//! file with it, so adding one keeps the schema version.

use crate::ledger::error::LedgerError;
use crate::ledger::id::LedgerId;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// The schema version this code reads and writes.
pub const SCHEMA_VERSION: i64 = 3;

/// How long a writer waits for another process's transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS balances (
    address BLOB NOT NULL,
    token TEXT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (address, token)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS movements (
    sequence INTEGER PRIMARY KEY,
    txid BLOB NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    from_address BLOB NOT NULL,
    to_address BLOB NOT NULL,
    token TEXT NOT NULL,
    amount TEXT NOT NULL,
    memo BLOB NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    expiration_ms INTEGER NOT NULL,
    applied_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS movements_from ON movements (from_address, sequence);
CREATE INDEX IF NOT EXISTS movements_to ON movements (to_address, sequence);
CREATE TABLE IF NOT EXISTS locks (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    token TEXT NOT NULL,
    held TEXT NOT NULL,
    deadline_ms INTEGER NOT NULL,
    settled_sequence INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS channels (
    id BLOB PRIMARY KEY REFERENCES locks (id),
    payer BLOB NOT NULL,
    payee BLOB NOT NULL,
    amount TEXT NOT NULL,
    redeemed TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS channels_payer ON channels (payer);
CREATE INDEX IF NOT EXISTS channels_payee ON channels (payee);
CREATE TABLE IF NOT EXISTS campaigns (
    id BLOB PRIMARY KEY REFERENCES locks (id),
    creator BLOB NOT NULL,
    beneficiary BLOB NOT NULL,
    goal TEXT NOT NULL,
    title TEXT NOT NULL,
    outcome TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pledges (
    id BLOB PRIMARY KEY,
    campaign BLOB NOT NULL REFERENCES campaigns (id),
    pledger BLOB NOT NULL,
    amount TEXT NOT NULL,
    sequence INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pledges_campaign ON pledges (campaign, sequence);
CREATE TABLE IF NOT EXISTS purchases (
    id BLOB PRIMARY KEY REFERENCES locks (id),
    buyer BLOB NOT NULL,
    seller BLOB NOT NULL,
    listing BLOB NOT NULL,
    buyer_key BLOB NOT NULL,
    price TEXT NOT NULL,
    nonce TEXT NOT NULL,
    outcome TEXT,
    sealed_key BLOB
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS purchases_buyer ON purchases (buyer);
CREATE INDEX IF NOT EXISTS purchases_seller ON purchases (seller);
CREATE TABLE IF NOT EXISTS signed_transactions (
    txid BLOB PRIMARY KEY REFERENCES movements (txid),
    raw_data BLOB NOT NULL,
    signature BLOB NOT NULL
) WITHOUT ROWID;
";

/// Opens (creating if needed) the ledger file and returns the connection and the ledger id.
pub fn open(path: &Path) -> Result<(Connection, LedgerId), LedgerError> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        crate::config::Dirs::create_private(parent).map_err(|source| LedgerError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let mut connection =
        Connection::open(path).map_err(LedgerError::storage("opening the file"))?;
    configure(&connection)?;
    let ledger_id = create_schema(&mut connection)?;
    Ok((connection, ledger_id))
}

fn configure(connection: &Connection) -> Result<(), LedgerError> {
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(LedgerError::storage("setting the busy timeout"))?;
    let mode: String = connection
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(LedgerError::storage("switching to WAL"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(LedgerError::Corrupt {
            what: format!("journal mode is {mode}, WAL could not be enabled"),
        });
    }
    connection
        .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(LedgerError::storage("setting pragmas"))
}

fn create_schema(connection: &mut Connection) -> Result<LedgerId, LedgerError> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(LedgerError::storage("starting the schema transaction"))?;
    transaction
        .execute_batch(SCHEMA)
        .map_err(LedgerError::storage("creating the schema"))?;
    let fresh_id: [u8; 32] = rand::random();
    transaction
        .execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('ledger_id', ?1), ('schema_version', ?2)",
            params![fresh_id.as_slice(), SCHEMA_VERSION],
        )
        .map_err(LedgerError::storage("writing the ledger id"))?;
    transaction
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version' AND value IN (1, 2)",
            [SCHEMA_VERSION],
        )
        .map_err(LedgerError::storage("upgrading the schema"))?;
    let version: i64 = meta(&transaction, "schema_version")?;
    if version != SCHEMA_VERSION {
        return Err(LedgerError::Corrupt {
            what: format!("schema version {version}, this btt reads {SCHEMA_VERSION}"),
        });
    }
    let id: Vec<u8> = meta(&transaction, "ledger_id")?;
    let id: [u8; 32] = id
        .try_into()
        .map_err(|bytes: Vec<u8>| LedgerError::Corrupt {
            what: format!("ledger id has {} bytes, expected 32", bytes.len()),
        })?;
    transaction
        .commit()
        .map_err(LedgerError::storage("committing the schema"))?;
    Ok(LedgerId(id))
}

fn meta<T: rusqlite::types::FromSql>(connection: &Connection, key: &str) -> Result<T, LedgerError> {
    connection
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()
        .map_err(LedgerError::storage("reading meta"))?
        .ok_or_else(|| LedgerError::Corrupt {
            what: format!("meta has no {key}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_file_is_upgraded_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let (connection, id) = open(&path).unwrap();
        connection
            .execute_batch(
                "DROP TABLE signed_transactions;
                 UPDATE meta SET value = 1 WHERE key = 'schema_version';",
            )
            .unwrap();
        drop(connection);
        let (connection, reopened) = open(&path).unwrap();
        assert_eq!(reopened, id);
        let version: i64 = meta(&connection, "schema_version").unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let rows: i64 = connection
            .query_row("SELECT COUNT(*) FROM signed_transactions", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(rows, 0);
    }

    #[test]
    fn a_version_2_file_is_upgraded_in_place_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let (connection, id) = open(&path).unwrap();
        connection
            .execute_batch(
                "DROP TABLE purchases;
                 INSERT INTO balances (address, token, amount) VALUES (x'41', 'btt', '5');
                 UPDATE meta SET value = 2 WHERE key = 'schema_version';",
            )
            .unwrap();
        drop(connection);
        let (connection, reopened) = open(&path).unwrap();
        assert_eq!(reopened, id);
        let version: i64 = meta(&connection, "schema_version").unwrap();
        assert_eq!(version, 3);
        let purchases: i64 = connection
            .query_row("SELECT COUNT(*) FROM purchases", [], |row| row.get(0))
            .unwrap();
        let kept: String = connection
            .query_row("SELECT amount FROM balances", [], |row| row.get(0))
            .unwrap();
        assert_eq!((purchases, kept.as_str()), (0, "5"));
    }

    #[test]
    fn a_newer_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let (connection, _) = open(&path).unwrap();
        connection
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                [SCHEMA_VERSION + 1],
            )
            .unwrap();
        drop(connection);
        assert!(matches!(open(&path), Err(LedgerError::Corrupt { .. })));
    }
}
