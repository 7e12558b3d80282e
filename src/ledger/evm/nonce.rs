//! The nonce of every transaction one key sends, kept without gaps or reuse
//! when several senders share the key (a tip stream and the market in one
//! process, two `btt-tip` processes on one machine).
//!
//! The rule: a sender takes the key's [`SenderLock`], reads the key's
//! `pending` transaction count from the node, signs with that nonce, and
//! keeps the lock until the node has accepted the transaction into its pool
//! or refused it. Every accepted transaction is counted by the next reader,
//! and a refused one took nothing, so the nonces the node sees are 0, 1, 2, …
//! each once. The lock is a tokio mutex within the process and an exclusive
//! `flock` on a file per chain and key under the data directory across
//! processes. (Two machines sending from one key need one node to agree on:
//! that is not arranged here.)

use super::super::error::LedgerError;
use crate::tron::Address;
use std::path::{Path, PathBuf};
use tokio::sync::{Mutex, MutexGuard};

/// Serialises the senders of this process and, with a directory, of the machine.
#[derive(Debug, Default)]
pub struct NonceLocks {
    within_process: Mutex<()>,
    directory: Option<PathBuf>,
}

/// Held while a nonce is read, used and handed to the node.
pub struct SenderLock<'a> {
    _within_process: MutexGuard<'a, ()>,
    _file: Option<std::fs::File>,
}

impl NonceLocks {
    /// Locks in this process only, and across processes under `directory`.
    pub fn new(directory: Option<PathBuf>) -> NonceLocks {
        NonceLocks {
            within_process: Mutex::new(()),
            directory,
        }
    }

    /// Waits for the right to send from `sender` on chain `chain_id`.
    pub async fn lock(
        &self,
        chain_id: u64,
        sender: &Address,
    ) -> Result<SenderLock<'_>, LedgerError> {
        let guard = self.within_process.lock().await;
        let file = match &self.directory {
            None => None,
            Some(directory) => {
                let path = directory.join(format!("evm-{chain_id}-{}.lock", sender.to_evm()));
                Some(lock_file(path).await?)
            }
        };
        Ok(SenderLock {
            _within_process: guard,
            _file: file,
        })
    }
}

/// Opens and `flock`s `path` on the blocking pool.
async fn lock_file(path: PathBuf) -> Result<std::fs::File, LedgerError> {
    let shown = path.clone();
    tokio::task::spawn_blocking(move || open_locked(&path))
        .await
        .map_err(|error| LedgerError::Worker {
            message: error.to_string(),
        })?
        .map_err(|source| LedgerError::Open {
            path: shown,
            source,
        })
}

fn open_locked(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.lock()?;
    Ok(file)
}
