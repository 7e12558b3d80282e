//! The tip log: a small SQLite file (`DATA/tips.sqlite`) that makes a
//! tip with a client id idempotent across crashes.
//!
//! Invariants:
//! - Before a tip's transaction is sent, the signed transaction is written
//!   here in state `sending` and the commit is on disk (WAL,
//!   `synchronous=FULL`). So after any crash, every transaction that may
//!   have reached the ledger is known by its txid.
//! - An entry is keyed by (ledger id, sender, client id): the same id on
//!   another ledger or from another wallet is another tip.
//! - An entry names one signed transaction at a time. It is replaced by a
//!   new one only once the ledger has refused the old one as expired and
//!   does not hold it: then the old one can never be applied, so paying the
//!   new one cannot pay twice (see [`super::sender`]).
//! - The transaction is the ledger's kind: a TRON transaction (its JSON), or
//!   on an EVM chain the signed EIP-2718 bytes (`{"evm_raw": HEX}`), which
//!   name their nonce, so a replacement is only ever signed once the old
//!   nonce went to another transaction.
//! - `paid` is final. `failed` means the ledger refused the transaction it
//!   names; it was not applied, and a later run may try again.
//! - A sender's entries change only under that sender's lock file beside
//!   the log ([`durable_sqlite::lock`]), so two processes paying from one wallet
//!   take turns per tip instead of racing on one id.

use crate::durable_sqlite;
use crate::ledger::evm::EvmTransaction;
use crate::ledger::LedgerId;
use crate::tron::{Address, SignedTransaction, TxId};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use thiserror::Error;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tips (
    ledger TEXT NOT NULL,
    sender TEXT NOT NULL,
    id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    base_units TEXT NOT NULL,
    memo TEXT NOT NULL,
    state TEXT NOT NULL,
    txid TEXT NOT NULL,
    transaction_json TEXT NOT NULL,
    PRIMARY KEY (ledger, sender, id)
);
";

/// Why the journal could not be read or written.
#[derive(Debug, Error)]
pub enum TipLogError {
    /// The file or its directory could not be opened or set up.
    #[error(transparent)]
    Open(#[from] durable_sqlite::OpenError),
    /// A read or write failed.
    #[error("tip journal {path}: {doing} failed: {error}")]
    Storage {
        path: PathBuf,
        doing: &'static str,
        error: rusqlite::Error,
    },
    /// The sender's lock file could not be opened or locked.
    #[error(transparent)]
    Lock(#[from] durable_sqlite::LockError),
    /// A stored row does not read back.
    #[error("tip journal {path}: entry {id:?} is corrupt: {what}")]
    Corrupt {
        path: PathBuf,
        id: String,
        what: String,
    },
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// Written before sending: the ledger may or may not hold the transaction.
    Sending,
    /// The ledger holds the transaction.
    Paid,
    /// The ledger refused the transaction; it was not applied.
    Failed,
}

impl EntryState {
    fn name(self) -> &'static str {
        match self {
            EntryState::Sending => "sending",
            EntryState::Paid => "paid",
            EntryState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<EntryState> {
        match text {
            "sending" => Some(EntryState::Sending),
            "paid" => Some(EntryState::Paid),
            "failed" => Some(EntryState::Failed),
            _ => None,
        }
    }
}

/// The payer and ledger a journal entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// The ledger's id.
    pub ledger: LedgerId,
    /// The paying address.
    pub sender: Address,
}

/// What a tip was for: a rerun with the same id must ask for the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// The recipient.
    pub recipient: Address,
    /// Base units of TRC-10 BTT.
    pub base_units: u128,
    /// The memo.
    pub memo: String,
}

/// The signed transaction an entry names, as its ledger takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedTransaction {
    /// A TRON transaction (btt's ledgers, TRON), boxed: it is the larger.
    Tron(Box<SignedTransaction>),
    /// An EVM transaction (BTTC).
    Evm(EvmTransaction),
}

impl LoggedTransaction {
    /// Its id on the ledger (an EVM transaction's hash).
    pub fn txid(&self) -> TxId {
        match self {
            LoggedTransaction::Tron(transaction) => transaction.txid(),
            LoggedTransaction::Evm(transaction) => TxId(transaction.hash()),
        }
    }

    fn to_text(&self) -> Result<String, serde_json::Error> {
        match self {
            LoggedTransaction::Tron(transaction) => serde_json::to_string(&transaction.to_json()),
            LoggedTransaction::Evm(transaction) => serde_json::to_string(
                &serde_json::json!({ "evm_raw": hex::encode(transaction.raw()) }),
            ),
        }
    }

    fn from_text(text: &str) -> Result<LoggedTransaction, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| error.to_string())?;
        match value.get("evm_raw") {
            Some(raw) => {
                let bytes = raw
                    .as_str()
                    .and_then(|digits| hex::decode(digits).ok())
                    .ok_or("evm_raw is not hex")?;
                EvmTransaction::from_raw(bytes)
                    .map(LoggedTransaction::Evm)
                    .map_err(|error| error.to_string())
            }
            None => SignedTransaction::from_json(text)
                .map(|transaction| LoggedTransaction::Tron(Box::new(transaction)))
                .map_err(|error| error.to_string()),
        }
    }
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The client id.
    pub id: String,
    /// What was asked.
    pub intent: Intent,
    /// Where it stands.
    pub state: EntryState,
    /// The signed transaction that pays it.
    pub transaction: LoggedTransaction,
}

/// An open journal file.
#[derive(Debug)]
pub struct TipLog {
    connection: Connection,
    path: PathBuf,
}

impl TipLog {
    /// The journal of a data directory.
    pub fn default_path(data: &Path) -> PathBuf {
        data.join("tips.sqlite")
    }

    /// Opens (creating if needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<TipLog, TipLogError> {
        let connection = durable_sqlite::open(path, SCHEMA, "tip journal")?;
        Ok(TipLog {
            connection,
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file of `sender`'s entries: `JOURNAL.ADDRESS.lock`.
    pub fn lock_path(&self, sender: &Address) -> PathBuf {
        durable_sqlite::lock_path(&self.path, sender)
    }

    /// The entry of `id`, if any.
    pub fn entry(&self, scope: &Scope, id: &str) -> Result<Option<Entry>, TipLogError> {
        let row = self
            .connection
            .prepare_cached(
                "SELECT recipient, base_units, memo, state, transaction_json FROM tips
                 WHERE ledger = ?1 AND sender = ?2 AND id = ?3",
            )
            .and_then(|mut statement| {
                statement
                    .query_row(scope_params(scope, id), |row| {
                        Ok(RawEntry {
                            id: id.to_string(),
                            recipient: row.get(0)?,
                            base_units: row.get(1)?,
                            memo: row.get(2)?,
                            state: row.get(3)?,
                            transaction_json: row.get(4)?,
                        })
                    })
                    .optional()
            })
            .map_err(self.storage("reading an entry"))?;
        row.map(|raw| raw.decode(&self.path)).transpose()
    }

    /// Every entry of `scope` still in state `sending`, oldest first.
    pub fn sending(&self, scope: &Scope) -> Result<Vec<Entry>, TipLogError> {
        let rows = self
            .connection
            .prepare_cached(
                "SELECT id, recipient, base_units, memo, state, transaction_json FROM tips
                 WHERE ledger = ?1 AND sender = ?2 AND state = 'sending' ORDER BY rowid",
            )
            .and_then(|mut statement| {
                statement
                    .query_map(
                        params![scope.ledger.to_string(), scope.sender.to_string()],
                        |row| {
                            Ok(RawEntry {
                                id: row.get(0)?,
                                recipient: row.get(1)?,
                                base_units: row.get(2)?,
                                memo: row.get(3)?,
                                state: row.get(4)?,
                                transaction_json: row.get(5)?,
                            })
                        },
                    )?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(self.storage("listing entries being sent"))?;
        rows.into_iter().map(|raw| raw.decode(&self.path)).collect()
    }

    /// Writes `id` in state `sending` with `transaction`, durably, replacing
    /// whatever the entry held. Call before sending `transaction`.
    pub fn write_sending(
        &self,
        scope: &Scope,
        id: &str,
        intent: &Intent,
        transaction: &LoggedTransaction,
    ) -> Result<(), TipLogError> {
        let json = transaction
            .to_text()
            .map_err(|error| TipLogError::Corrupt {
                path: self.path.clone(),
                id: id.to_string(),
                what: error.to_string(),
            })?;
        self.connection
            .prepare_cached(
                "INSERT INTO tips (ledger, sender, id, recipient, base_units, memo, state, txid, transaction_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', ?7, ?8)
                 ON CONFLICT (ledger, sender, id) DO UPDATE SET
                   state = 'sending', txid = excluded.txid, transaction_json = excluded.transaction_json",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    scope.ledger.to_string(),
                    scope.sender.to_string(),
                    id,
                    intent.recipient.to_string(),
                    intent.base_units.to_string(),
                    intent.memo,
                    transaction.txid().to_string(),
                    json,
                ])
            })
            .map_err(self.storage("writing an entry before sending"))?;
        Ok(())
    }

    /// Moves `id` to `state` (`paid` or `failed`).
    pub fn set_state(&self, scope: &Scope, id: &str, state: EntryState) -> Result<(), TipLogError> {
        self.connection
            .prepare_cached(
                "UPDATE tips SET state = ?4 WHERE ledger = ?1 AND sender = ?2 AND id = ?3",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    scope.ledger.to_string(),
                    scope.sender.to_string(),
                    id,
                    state.name()
                ])
            })
            .map_err(self.storage("updating an entry"))?;
        Ok(())
    }

    fn storage(&self, doing: &'static str) -> impl FnOnce(rusqlite::Error) -> TipLogError + '_ {
        move |error| TipLogError::Storage {
            path: self.path.clone(),
            doing,
            error,
        }
    }
}

fn scope_params(scope: &Scope, id: &str) -> [String; 3] {
    [
        scope.ledger.to_string(),
        scope.sender.to_string(),
        id.to_string(),
    ]
}

/// A row as stored, before its text is checked.
struct RawEntry {
    id: String,
    recipient: String,
    base_units: String,
    memo: String,
    state: String,
    transaction_json: String,
}

impl RawEntry {
    fn decode(self, path: &Path) -> Result<Entry, TipLogError> {
        let corrupt = |what: String| TipLogError::Corrupt {
            path: path.to_path_buf(),
            id: self.id.clone(),
            what,
        };
        let recipient = self
            .recipient
            .parse::<Address>()
            .map_err(|error| corrupt(error.to_string()))?;
        let base_units = self
            .base_units
            .parse::<u128>()
            .map_err(|error| corrupt(format!("amount: {error}")))?;
        let state = EntryState::parse(&self.state)
            .ok_or_else(|| corrupt(format!("unknown state {:?}", self.state)))?;
        let transaction = LoggedTransaction::from_text(&self.transaction_json).map_err(corrupt)?;
        Ok(Entry {
            id: self.id,
            intent: Intent {
                recipient,
                base_units,
                memo: self.memo,
            },
            state,
            transaction,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::{Amount, Token};
    use crate::tron::{BlockReference, TransactionParams, TransferCall, UnsignedTransaction};
    use crate::wallet::PrivateKey;

    fn key() -> PrivateKey {
        PrivateKey::from_hex("0000000000000000000000000000000000000000000000000000000000000001")
            .unwrap()
    }

    fn transaction(memo: &str) -> LoggedTransaction {
        let key = key();
        let call = TransferCall {
            owner: key.address(),
            to: "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap(),
            amount: Amount {
                token: Token::Btt,
                base_units: 5,
            },
        };
        let params = TransactionParams {
            reference: BlockReference::from_block_id(&[7; 32]),
            timestamp: 1_000,
            expiration: 61_000,
            memo: memo.as_bytes().to_vec(),
            fee_limit: 0,
        };
        LoggedTransaction::Tron(Box::new(
            UnsignedTransaction::new(call, &params).unwrap().sign(&key),
        ))
    }

    fn intent() -> Intent {
        Intent {
            recipient: "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap(),
            base_units: 5,
            memo: "hi".into(),
        }
    }

    #[test]
    fn entries_survive_reopening_and_change_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/tips.sqlite");
        let scope = Scope {
            ledger: LedgerId([1; 32]),
            sender: key().address(),
        };
        let first = transaction("a");
        {
            let journal = TipLog::open(&path).unwrap();
            assert_eq!(journal.entry(&scope, "x").unwrap(), None);
            journal
                .write_sending(&scope, "x", &intent(), &first)
                .unwrap();
        }
        let journal = TipLog::open(&path).unwrap();
        let entry = journal.entry(&scope, "x").unwrap().unwrap();
        assert_eq!(entry.state, EntryState::Sending);
        assert_eq!(entry.transaction, first);
        assert_eq!(entry.intent, intent());
        assert_eq!(journal.sending(&scope).unwrap().len(), 1);

        journal.set_state(&scope, "x", EntryState::Failed).unwrap();
        assert!(journal.sending(&scope).unwrap().is_empty());
        let second = transaction("b");
        journal
            .write_sending(&scope, "x", &intent(), &second)
            .unwrap();
        let entry = journal.entry(&scope, "x").unwrap().unwrap();
        assert_eq!(
            (entry.state, entry.transaction),
            (EntryState::Sending, second)
        );

        let other_ledger = Scope {
            ledger: LedgerId([2; 32]),
            ..scope
        };
        assert_eq!(journal.entry(&other_ledger, "x").unwrap(), None);
    }
}
