//! The durable SQLite files that make payments safe to rerun (the tip log
//! `DATA/tips.sqlite`, the purchase order log `DATA/purchases.sqlite`, the
//! seller's voucher book `DATA/market/vouchers.sqlite`): opened in a private
//! directory with WAL and `synchronous=FULL`, so a committed entry is on disk
//! before the payment it guards is sent (or the service it pays for is given),
//! with a busy timeout for another process holding the file, and one lock
//! file per paying address beside it.

use crate::tron::Address;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// How long a write waits for another process holding the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a durable file could not be opened.
#[derive(Debug, Error)]
pub enum OpenError {
    /// Its directory could not be created.
    #[error("cannot create the directory of the {what} {path}: {error}")]
    Directory {
        what: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file could not be opened or set up.
    #[error("cannot open the {what} {path}: {error}")]
    Open {
        what: &'static str,
        path: PathBuf,
        error: rusqlite::Error,
    },
}

/// Opens (creating if needed) the durable file at `path` with `schema`;
/// `what` names it in errors ("tip journal").
pub fn open(path: &Path, schema: &str, what: &'static str) -> Result<Connection, OpenError> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        crate::config::Dirs::create_private(parent).map_err(|error| OpenError::Directory {
            what,
            path: parent.to_path_buf(),
            error,
        })?;
    }
    let open_error = |error| OpenError::Open {
        what,
        path: path.to_path_buf(),
        error,
    };
    let connection = Connection::open(path).map_err(open_error)?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(open_error)?;
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(open_error)?;
    connection.execute_batch(schema).map_err(open_error)?;
    Ok(connection)
}

/// The lock file of `payer`'s entries in the file at `path`: `FILE.ADDRESS.lock`.
pub fn lock_path(path: &Path, payer: &Address) -> PathBuf {
    let mut name = path
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(format!(".{payer}.lock"));
    path.with_file_name(name)
}

/// The lock file of a payer's entries could not be opened or locked.
#[derive(Debug, Error)]
#[error("cannot lock {path}: {error}")]
pub struct LockError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// An exclusive lock on one payer's entries, released on drop.
#[derive(Debug)]
pub struct PayerLock {
    _file: std::fs::File,
}

/// Waits for the lock file at `path` (see [`lock_path`]; blocking: call it
/// off the async threads).
pub fn lock(path: &Path) -> Result<PayerLock, LockError> {
    let lock_error = |error| LockError {
        path: path.to_path_buf(),
        error,
    };
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(lock_error)?;
    file.lock().map_err(lock_error)?;
    Ok(PayerLock { _file: file })
}
