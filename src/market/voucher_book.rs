//! The seeder's voucher book: a SQLite file (by default
//! `DATA/market/vouchers.sqlite`) holding the highest voucher a seeder has
//! accepted on each channel, and what the ledger has paid out on it. The
//! seeder records a voucher here before it serves more data on it, so a
//! crash (`kill -9` included) loses no earnings: at the next start,
//! [`super::settle::settle`] redeems whatever the journal holds above what
//! the ledger paid.
//!
//! Invariants:
//! - [`VoucherBook::record`] returns only once the row is on disk (WAL,
//!   `synchronous=FULL`, one committed transaction per call).
//! - Per (ledger, channel) only the highest cumulative voucher is kept; a
//!   lower or equal one changes nothing.
//! - What is marked as paid out and closed only grows: a stale answer never
//!   lowers it.
//!
//! The journal trusts its caller: a voucher is checked
//! ([`crate::payment::VoucherCheck`]) before it is recorded. Amounts are
//! stored as decimal TEXT (u128), and compared in Rust, never in SQL.
//! The API is synchronous; async callers run it on the blocking pool.

use crate::config::Dirs;
use crate::durable_sqlite;
use crate::ledger::{ChannelId, LedgerId, Signed, Voucher};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use thiserror::Error;

/// The format version this code reads and writes.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vouchers (
    ledger BLOB NOT NULL,
    channel BLOB NOT NULL,
    voucher TEXT NOT NULL,
    cumulative TEXT NOT NULL,
    redeemed TEXT NOT NULL,
    closed INTEGER NOT NULL,
    PRIMARY KEY (ledger, channel)
) WITHOUT ROWID;
";

/// Why the journal could not be opened, read or written.
#[derive(Debug, Error)]
pub enum VoucherBookError {
    /// The file or its directory could not be opened or set up.
    #[error(transparent)]
    Open(#[from] durable_sqlite::OpenError),
    /// SQLite failed.
    #[error("voucher journal {path}: {what}: {source}")]
    Storage {
        path: PathBuf,
        what: &'static str,
        source: rusqlite::Error,
    },
    /// The file holds something this code does not read.
    #[error("voucher journal {path}: {what}")]
    Corrupt { path: PathBuf, what: String },
}

/// A channel's best voucher with what the ledger is known to have paid on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OpenEntry {
    /// The highest voucher accepted.
    pub(super) voucher: Signed<Voucher>,
    /// Base units the ledger has paid out on the channel, as last marked.
    pub(super) redeemed: u128,
}

/// The journal file, with one connection.
#[derive(Debug)]
pub struct VoucherBook {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl VoucherBook {
    /// The journal of a data directory: `DATA/market/vouchers.sqlite`.
    pub fn default_path(dirs: &Dirs) -> PathBuf {
        dirs.data.join("market").join("vouchers.sqlite")
    }

    /// Opens the book at `path`, creating it and its directory if needed.
    pub fn open(path: &Path) -> Result<VoucherBook, VoucherBookError> {
        let connection = durable_sqlite::open(path, SCHEMA, "voucher journal")?;
        let book = VoucherBook {
            path: path.to_path_buf(),
            connection: Mutex::new(connection),
        };
        book.check_schema_version()?;
        Ok(book)
    }

    /// Writes this code's format version into a new book; fails on a book
    /// of another version.
    fn check_schema_version(&self) -> Result<(), VoucherBookError> {
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.storage("starting the schema transaction"))?;
        transaction
            .execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1)",
                [SCHEMA_VERSION],
            )
            .map_err(self.storage("writing the schema version"))?;
        let version: i64 = transaction
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |row| row.get(0),
            )
            .map_err(self.storage("reading the schema version"))?;
        if version != SCHEMA_VERSION {
            return Err(self.corrupt(format!(
                "format version {version}, this btt reads {SCHEMA_VERSION}"
            )));
        }
        transaction
            .commit()
            .map_err(self.storage("committing the schema"))
    }

    /// Keeps `voucher` as the channel's best on `ledger` unless one of an
    /// equal or higher cumulative is kept already; on disk when it returns.
    pub fn record(
        &self,
        ledger: &LedgerId,
        voucher: &Signed<Voucher>,
    ) -> Result<(), VoucherBookError> {
        let channel = voucher.request.channel;
        let cumulative = voucher.request.cumulative.base_units;
        let text = serde_json::to_string(voucher)
            .map_err(|error| self.corrupt(format!("voucher does not serialize: {error}")))?;
        self.write(|connection| {
            let kept = self.best_cumulative(connection, ledger, &channel)?;
            let statement = match kept {
                Some(kept) if kept >= cumulative => return Ok(()),
                Some(_) => "UPDATE vouchers SET voucher = ?3, cumulative = ?4 WHERE ledger = ?1 AND channel = ?2",
                None => "INSERT INTO vouchers (ledger, channel, voucher, cumulative, redeemed, closed) VALUES (?1, ?2, ?3, ?4, '0', 0)",
            };
            connection
                .execute(
                    statement,
                    params![
                        ledger.as_bytes().as_slice(),
                        channel.as_bytes().as_slice(),
                        text,
                        cumulative.to_string()
                    ],
                )
                .map_err(self.storage("recording a voucher"))?;
            Ok(())
        })
    }

    /// Whether the journal holds any voucher of `channel` on `ledger`: a
    /// channel traded on before, which a seller never takes again.
    pub fn knows(&self, ledger: &LedgerId, channel: &ChannelId) -> Result<bool, VoucherBookError> {
        let connection = self.connection();
        Ok(self
            .best_cumulative(&connection, ledger, channel)?
            .is_some())
    }

    /// Notes that the ledger has paid out `redeemed` on `channel` and, when
    /// `closed`, that the channel is closed. Neither ever goes back.
    pub fn mark_settled(
        &self,
        channel: &ChannelId,
        redeemed: u128,
        closed: bool,
    ) -> Result<(), VoucherBookError> {
        self.write(|connection| {
            let rows = self.settlement_rows(connection, channel)?;
            for (ledger, was_redeemed, was_closed) in rows {
                connection
                    .execute(
                        "UPDATE vouchers SET redeemed = ?3, closed = ?4 WHERE ledger = ?1 AND channel = ?2",
                        params![
                            ledger,
                            channel.as_bytes().as_slice(),
                            redeemed.max(was_redeemed).to_string(),
                            closed || was_closed
                        ],
                    )
                    .map_err(self.storage("marking a channel settled"))?;
            }
            Ok(())
        })
    }

    /// The best voucher of every channel on `ledger` not yet marked closed:
    /// what a seeder still has to redeem or close with.
    pub fn unsettled(&self, ledger: &LedgerId) -> Result<Vec<Signed<Voucher>>, VoucherBookError> {
        let entries = self.open_entries(ledger)?;
        Ok(entries.into_iter().map(|entry| entry.voucher).collect())
    }

    /// [`VoucherBook::unsettled`] with what was marked as paid out on each.
    pub(super) fn open_entries(
        &self,
        ledger: &LedgerId,
    ) -> Result<Vec<OpenEntry>, VoucherBookError> {
        let connection = self.connection();
        let rows = connection
            .prepare_cached(
                "SELECT voucher, redeemed FROM vouchers WHERE ledger = ?1 AND closed = 0 ORDER BY channel",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([ledger.as_bytes().as_slice()], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(self.storage("reading unsettled vouchers"))?;
        rows.into_iter()
            .map(|(voucher, redeemed)| {
                Ok(OpenEntry {
                    voucher: serde_json::from_str(&voucher)
                        .map_err(|error| self.corrupt(format!("unreadable voucher: {error}")))?,
                    redeemed: self.units(&redeemed)?,
                })
            })
            .collect()
    }

    fn best_cumulative(
        &self,
        connection: &Connection,
        ledger: &LedgerId,
        channel: &ChannelId,
    ) -> Result<Option<u128>, VoucherBookError> {
        let text: Option<String> = connection
            .query_row(
                "SELECT cumulative FROM vouchers WHERE ledger = ?1 AND channel = ?2",
                params![ledger.as_bytes().as_slice(), channel.as_bytes().as_slice()],
                |row| row.get(0),
            )
            .optional()
            .map_err(self.storage("reading a voucher"))?;
        text.map(|text| self.units(&text)).transpose()
    }

    /// `(ledger, redeemed, closed)` of each row of `channel`.
    fn settlement_rows(
        &self,
        connection: &Connection,
        channel: &ChannelId,
    ) -> Result<Vec<(Vec<u8>, u128, bool)>, VoucherBookError> {
        let rows = connection
            .prepare_cached("SELECT ledger, redeemed, closed FROM vouchers WHERE channel = ?1")
            .and_then(|mut statement| {
                statement
                    .query_map([channel.as_bytes().as_slice()], |row| {
                        Ok((
                            row.get::<_, Vec<u8>>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, bool>(2)?,
                        ))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(self.storage("reading a channel's settlement"))?;
        rows.into_iter()
            .map(|(ledger, redeemed, closed)| Ok((ledger, self.units(&redeemed)?, closed)))
            .collect()
    }

    /// Runs `change` in one `BEGIN IMMEDIATE` transaction, committed (durably) on `Ok`.
    fn write(
        &self,
        change: impl FnOnce(&Connection) -> Result<(), VoucherBookError>,
    ) -> Result<(), VoucherBookError> {
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.storage("starting a write"))?;
        change(&transaction)?;
        transaction.commit().map_err(self.storage("committing"))
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn units(&self, text: &str) -> Result<u128, VoucherBookError> {
        text.parse()
            .map_err(|_| self.corrupt(format!("amount {text:?} is not a base-unit integer")))
    }

    fn storage(&self, what: &'static str) -> impl FnOnce(rusqlite::Error) -> VoucherBookError + '_ {
        storage(&self.path, what)
    }

    fn corrupt(&self, what: String) -> VoucherBookError {
        VoucherBookError::Corrupt {
            path: self.path.clone(),
            what,
        }
    }
}

fn storage<'a>(
    path: &'a Path,
    what: &'static str,
) -> impl FnOnce(rusqlite::Error) -> VoucherBookError + 'a {
    move |source| VoucherBookError::Storage {
        path: path.to_path_buf(),
        what,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::local::fixtures::{address, btt, key};

    const LEDGER: LedgerId = LedgerId([1; 32]);
    const PAYER: u8 = 1;
    const PAYEE: u8 = 2;

    fn voucher(channel: u8, units: u128) -> Signed<Voucher> {
        let promise = Voucher {
            channel: ChannelId([channel; 32]),
            payee: address(PAYEE),
            cumulative: btt(units),
        };
        Signed::sign(promise, &key(PAYER), &LEDGER)
    }

    fn open(dir: &tempfile::TempDir) -> VoucherBook {
        VoucherBook::open(&dir.path().join("market").join("vouchers.sqlite")).unwrap()
    }

    #[test]
    fn a_recorded_voucher_is_unsettled_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let journal = open(&dir);
        journal.record(&LEDGER, &voucher(7, 100)).unwrap();
        journal.record(&LEDGER, &voucher(8, 5)).unwrap();
        drop(journal);
        let journal = open(&dir);
        assert_eq!(
            journal.unsettled(&LEDGER).unwrap(),
            [voucher(7, 100), voucher(8, 5)]
        );
        assert!(journal.unsettled(&LedgerId([2; 32])).unwrap().is_empty());
    }

    #[test]
    fn only_a_higher_voucher_replaces_the_kept_one() {
        let dir = tempfile::tempdir().unwrap();
        let journal = open(&dir);
        journal.record(&LEDGER, &voucher(7, 100)).unwrap();
        journal.record(&LEDGER, &voucher(7, 40)).unwrap();
        let mut same = voucher(7, 100);
        same.signature = Signed::sign(same.request.clone(), &key(3), &LEDGER).signature;
        journal.record(&LEDGER, &same).unwrap();
        assert_eq!(journal.unsettled(&LEDGER).unwrap(), [voucher(7, 100)]);
        journal.record(&LEDGER, &voucher(7, 101)).unwrap();
        assert_eq!(journal.unsettled(&LEDGER).unwrap(), [voucher(7, 101)]);
    }

    #[test]
    fn marks_only_grow_and_a_closed_channel_is_settled() {
        let dir = tempfile::tempdir().unwrap();
        let journal = open(&dir);
        let channel = ChannelId([7; 32]);
        journal.record(&LEDGER, &voucher(7, 100)).unwrap();
        journal.mark_settled(&channel, 60, false).unwrap();
        journal.mark_settled(&channel, 20, false).unwrap();
        let entries = journal.open_entries(&LEDGER).unwrap();
        assert_eq!(entries[0].redeemed, 60);
        journal.mark_settled(&channel, 100, true).unwrap();
        journal.mark_settled(&channel, 100, false).unwrap();
        assert!(journal.unsettled(&LEDGER).unwrap().is_empty());
        journal.mark_settled(&ChannelId([9; 32]), 1, true).unwrap();
    }

    #[test]
    fn the_file_is_in_wal_mode_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let journal = open(&dir);
        let connection = journal.connection();
        let mode: String = connection
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        let synchronous: i64 = connection
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), synchronous), ("wal", 2));
    }

    #[test]
    fn a_newer_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let journal = open(&dir);
        journal
            .connection()
            .execute("UPDATE meta SET value = 2 WHERE key = 'schema_version'", [])
            .unwrap();
        drop(journal);
        let path = dir.path().join("market").join("vouchers.sqlite");
        let error = VoucherBook::open(&path).unwrap_err();
        assert!(matches!(error, VoucherBookError::Corrupt { .. }), "{error}");
    }
}
