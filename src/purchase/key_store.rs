//! The seller's content keys, one file per listing under
//! `DATA/listing-keys/`, named by the listing digest in hex.
//!
//! Each file holds the key as an age identity line (`AGE-SECRET-KEY-1...`),
//! so `age -d -i DATA/listing-keys/DIGEST.key album.age` opens the content
//! by hand. Invariants: the directory is 0700 and each file 0600 from the
//! moment it exists; a key is written to a temporary file, synced, renamed
//! into place and the directory synced, so a crash leaves the old state or
//! the whole key, never part of one.

use super::content_key::{ContentKey, ContentKeyError};
use crate::config::Dirs;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a content key could not be stored or found.
#[derive(Debug, Error)]
pub enum KeyStoreError {
    /// The directory or a key file could not be read or written.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// No key is stored for the listing.
    #[error(
        "no content key for listing {digest} in {dir}; it was sold from another data directory"
    )]
    NotFound { digest: String, dir: PathBuf },
    /// A key file does not hold a key.
    #[error("{path}: {source}")]
    Corrupt {
        path: PathBuf,
        source: ContentKeyError,
    },
}

/// The content keys of the listings sold from one data directory.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    /// The key store of the data directory.
    pub fn new(dirs: &Dirs) -> KeyStore {
        KeyStore::at(dirs.data.join("listing-keys"))
    }

    /// A key store in `dir`.
    pub fn at(dir: PathBuf) -> KeyStore {
        KeyStore { dir }
    }

    /// Where the key of the listing with `digest` is kept.
    pub fn path(&self, digest: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}.key", hex::encode(digest)))
    }

    /// Stores `key` for the listing with `digest`, durably.
    pub fn save(&self, digest: &[u8; 32], key: &ContentKey) -> Result<PathBuf, KeyStoreError> {
        let io_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| KeyStoreError::Io { path, source }
        };
        Dirs::create_private(&self.dir).map_err(io_error(&self.dir))?;
        let path = self.path(digest);
        let temporary = path.with_extension(format!("key.{}.partial", std::process::id()));
        let written = write_private(&temporary, key);
        if let Err(error) = written {
            let _ = fs::remove_file(&temporary);
            return Err(io_error(&temporary)(error));
        }
        fs::rename(&temporary, &path).map_err(io_error(&path))?;
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error(&self.dir))?;
        Ok(path)
    }

    /// The key of the listing with `digest`.
    pub fn load(&self, digest: &[u8; 32]) -> Result<ContentKey, KeyStoreError> {
        let path = self.path(digest);
        let text = match fs::read_to_string(&path) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(KeyStoreError::NotFound {
                    digest: hex::encode(digest),
                    dir: self.dir.clone(),
                })
            }
            Err(source) => return Err(KeyStoreError::Io { path, source }),
        };
        text.parse()
            .map_err(|source| KeyStoreError::Corrupt { path, source })
    }
}

fn write_private(path: &Path, key: &ContentKey) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(key.to_age_string().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_saved_key_loads_back_private() {
        let root = tempfile::tempdir().unwrap();
        let store = KeyStore::at(root.path().join("listing-keys"));
        let key = ContentKey::generate();
        let path = store.save(&[4; 32], &key).unwrap();
        assert_eq!(store.load(&[4; 32]).unwrap(), key);
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&root.path().join("listing-keys")), 0o700);
        assert_eq!(
            fs::read_dir(root.path().join("listing-keys"))
                .unwrap()
                .count(),
            1
        );
    }

    #[test]
    fn a_missing_or_corrupt_key_is_a_clear_error() {
        let root = tempfile::tempdir().unwrap();
        let store = KeyStore::at(root.path().to_path_buf());
        assert!(matches!(
            store.load(&[1; 32]),
            Err(KeyStoreError::NotFound { .. })
        ));
        fs::write(store.path(&[1; 32]), "not a key").unwrap();
        assert!(matches!(
            store.load(&[1; 32]),
            Err(KeyStoreError::Corrupt { .. })
        ));
    }
}
