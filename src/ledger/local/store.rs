//! The embedded ledger's synchronous store: one SQLite connection, and the
//! rule that every change runs in one `BEGIN IMMEDIATE` transaction that is
//! either committed whole (durably, `synchronous=FULL`) or not at all.
//!
//! Transfers can be applied in groups ([`Store::apply_transfers`]): one
//! transaction and one fsync for many transfers, each inside its own
//! savepoint so a refused transfer leaves no trace while the others in the
//! group still apply. This is the group commit [`super::LocalLedger`] uses
//! for concurrent callers.

use super::journal::{self, Movement, Since};
use super::schema;
use crate::amount::{Amount, Token};
use crate::config::Dirs;
use crate::ledger::error::LedgerError;
use crate::ledger::escrow::mint_address;
use crate::ledger::id::LedgerId;
use crate::ledger::{MovementKind, Transfer, TransferRecord};
use crate::tron::Address;
use rusqlite::{Connection, TransactionBehavior};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the ledger's clock reads the time, in milliseconds since the epoch.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| {
                    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
                })
        }))
    }

    /// A clock that asks `now` (tests move time this way).
    pub fn from_fn(now: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    /// The current time in milliseconds.
    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Clock(now = {})", self.now_ms())
    }
}

/// How a ledger file is opened.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Development ledger: minting (the faucet) is allowed.
    pub dev: bool,
    /// The clock that decides expirations, timeouts and deadlines.
    pub clock: Clock,
}

/// One connection to a ledger file.
pub struct Store {
    connection: Connection,
    ledger_id: LedgerId,
    options: OpenOptions,
}

/// What a change sees while it runs inside the write transaction.
pub struct Writer<'a> {
    /// The transaction's connection.
    pub connection: &'a Connection,
    /// The ledger's id.
    pub ledger: LedgerId,
    /// The time the change is applied at.
    pub now_ms: i64,
}

impl Writer<'_> {
    /// Appends a movement to the journal.
    pub fn record(&self, movement: Movement<'_>) -> Result<TransferRecord, LedgerError> {
        journal::record(self.connection, &self.ledger, movement, self.now_ms)
    }
}

impl Store {
    /// The ledger file of a data directory: `DATA/ledger.sqlite`.
    pub fn default_path(dirs: &Dirs) -> PathBuf {
        dirs.data.join("ledger.sqlite")
    }

    /// Opens the ledger file at `path`, creating it (with a fresh ledger id) if needed.
    pub fn open(path: &Path, options: OpenOptions) -> Result<Store, LedgerError> {
        let (connection, ledger_id) = schema::open(path)?;
        Ok(Store {
            connection,
            ledger_id,
            options,
        })
    }

    /// The ledger's id.
    pub fn ledger_id(&self) -> LedgerId {
        self.ledger_id
    }

    /// Whether minting is allowed.
    pub fn is_dev(&self) -> bool {
        self.options.dev
    }

    /// The ledger clock's current time.
    pub fn now_ms(&self) -> i64 {
        self.options.clock.now_ms()
    }

    /// Runs `change` in one `BEGIN IMMEDIATE` transaction; commits on `Ok`.
    pub fn write<T>(
        &mut self,
        change: impl FnOnce(&Writer<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let now_ms = self.options.clock.now_ms();
        let ledger = self.ledger_id;
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(LedgerError::storage("starting a write"))?;
        let value = change(&Writer {
            connection: &transaction,
            ledger,
            now_ms,
        })?;
        transaction
            .commit()
            .map_err(LedgerError::storage("committing"))?;
        Ok(value)
    }

    /// Applies one verified transfer.
    pub fn apply_transfer(&mut self, transfer: &Transfer) -> Result<TransferRecord, LedgerError> {
        self.write(|writer| apply_one(writer, transfer))
    }

    /// Applies a group of verified transfers in one durable commit. Each
    /// result is independent: a refused transfer leaves no trace and does
    /// not stop the others. If the commit itself fails, every transfer that
    /// would have applied gets [`LedgerError::CommitFailed`].
    pub fn apply_transfers(
        &mut self,
        transfers: &[Transfer],
    ) -> Vec<Result<TransferRecord, LedgerError>> {
        let now_ms = self.options.clock.now_ms();
        let ledger = self.ledger_id;
        let mut transaction = match self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(transaction) => transaction,
            Err(error) => return fail_all(transfers.len(), &error),
        };
        let results: Vec<_> = transfers
            .iter()
            .map(|transfer| {
                let savepoint = transaction
                    .savepoint()
                    .map_err(LedgerError::storage("starting a savepoint"))?;
                let writer = Writer {
                    connection: &savepoint,
                    ledger,
                    now_ms,
                };
                let record = apply_one(&writer, transfer)?;
                savepoint
                    .commit()
                    .map_err(LedgerError::storage("releasing a savepoint"))?;
                Ok(record)
            })
            .collect();
        match transaction.commit() {
            Ok(()) => results,
            Err(error) => results
                .into_iter()
                .map(|result| result.and_then(|_| Err(commit_failed(&error))))
                .collect(),
        }
    }

    /// Creates funds for `to` from the mint address; dev ledgers only.
    pub fn mint(&mut self, to: &Address, amount: &Amount) -> Result<TransferRecord, LedgerError> {
        if !self.options.dev {
            return Err(LedgerError::MintDisabled);
        }
        if amount.base_units == 0 {
            return Err(LedgerError::ZeroAmount);
        }
        self.write(|writer| {
            journal::credit(writer.connection, to, amount)?;
            writer.record(Movement {
                kind: MovementKind::Mint,
                txid: None,
                from: mint_address(),
                to: *to,
                amount: *amount,
                memo: b"",
                timestamp_ms: writer.now_ms,
                expiration_ms: writer.now_ms,
            })
        })
    }

    /// The spendable balance of `address` in `token`.
    pub fn balance(&self, address: &Address, token: Token) -> Result<u128, LedgerError> {
        journal::balance(&self.connection, address, token)
    }

    /// The sequence number of the latest change.
    pub fn head(&self) -> Result<u64, LedgerError> {
        journal::head(&self.connection)
    }

    /// The change with this txid.
    pub fn transaction(&self, txid: &[u8; 32]) -> Result<Option<TransferRecord>, LedgerError> {
        journal::by_txid(&self.connection, txid)
    }

    /// Changes touching `address` applied at or after `since_ms`, oldest first.
    pub fn history(
        &self,
        address: &Address,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        journal::history(&self.connection, address, Since::Time(since_ms), limit)
    }

    /// Changes touching `address` after sequence `after`, oldest first.
    pub fn history_after(
        &self,
        address: &Address,
        after: u64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        journal::history(&self.connection, address, Since::Sequence(after), limit)
    }

    /// Every base unit of `token` in existence: balances plus unsettled locks.
    pub fn total_supply(&self, token: Token) -> Result<u128, LedgerError> {
        let balances = journal::total_balances(&self.connection, token)?;
        let locked = journal::sum_column(
            &self.connection,
            "SELECT held FROM locks WHERE token = ?1 AND settled_sequence IS NULL",
            token,
        )?;
        balances
            .checked_add(locked)
            .ok_or_else(|| LedgerError::Corrupt {
                what: "total supply past u128".to_string(),
            })
    }

    /// Every base unit of `token` ever minted.
    pub fn minted(&self, token: Token) -> Result<u128, LedgerError> {
        journal::sum_column(
            &self.connection,
            "SELECT amount FROM movements WHERE kind = 'mint' AND token = ?1",
            token,
        )
    }

    /// The connection, for reads by the sibling modules.
    pub(super) fn connection(&self) -> &Connection {
        &self.connection
    }
}

/// The checks and writes of one transfer, in the order that refuses before writing.
fn apply_one(writer: &Writer<'_>, transfer: &Transfer) -> Result<TransferRecord, LedgerError> {
    if journal::txid_exists(writer.connection, &transfer.txid)? {
        return Err(LedgerError::Replay {
            txid: hex::encode(transfer.txid),
        });
    }
    if transfer.expiration_ms < writer.now_ms {
        return Err(LedgerError::Expired {
            txid: hex::encode(transfer.txid),
            expiration_ms: transfer.expiration_ms,
            now_ms: writer.now_ms,
        });
    }
    if transfer.amount.base_units == 0 {
        return Err(LedgerError::ZeroAmount);
    }
    journal::debit(writer.connection, &transfer.from, &transfer.amount)?;
    journal::credit(writer.connection, &transfer.to, &transfer.amount)?;
    writer.record(Movement {
        kind: MovementKind::Transfer,
        txid: Some(transfer.txid),
        from: transfer.from,
        to: transfer.to,
        amount: transfer.amount,
        memo: &transfer.memo,
        timestamp_ms: transfer.timestamp_ms,
        expiration_ms: transfer.expiration_ms,
    })
}

fn commit_failed(error: &rusqlite::Error) -> LedgerError {
    LedgerError::CommitFailed {
        message: error.to_string(),
    }
}

fn fail_all(count: usize, error: &rusqlite::Error) -> Vec<Result<TransferRecord, LedgerError>> {
    (0..count).map(|_| Err(commit_failed(error))).collect()
}
