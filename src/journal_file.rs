//! The SQLite files that make client-side payments safe to rerun (the tip
//! journal `DATA/tips.sqlite`, the purchase journal `DATA/purchases.sqlite`):
//! opened in a private directory with WAL and `synchronous=FULL`, so a
//! committed entry is on disk before the payment it guards is sent, with a
//! busy timeout for another process holding the file, and one lock file per
//! paying address beside it.

use crate::tron::Address;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// How long a write waits for another process holding the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a journal file could not be opened.
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

/// Opens (creating if needed) the journal file at `path` with `schema`;
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

/// The lock file of `payer`'s entries in the journal at `path`: `JOURNAL.ADDRESS.lock`.
pub fn lock_path(path: &Path, payer: &Address) -> PathBuf {
    let mut name = path
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_default();
    name.push(format!(".{payer}.lock"));
    path.with_file_name(name)
}
