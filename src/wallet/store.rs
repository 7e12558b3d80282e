//! Named keystores on disk: `<data>/keystores/<name>.json`.
//!
//! Invariants: names are 1 to 64 characters of `[A-Za-z0-9_-]` not starting
//! with `-`, so a name is never a path, a hidden file or a flag; the directory
//! is mode 0700 and every file 0600 from the moment it exists; a keystore is
//! written to a temporary file, synced, then linked into place, so a name
//! never points at a partial file and an existing wallet is never overwritten.

use super::keystore::{Keystore, KeystoreError};
use crate::config::Dirs;
use crate::tron::Address;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use thiserror::Error;

/// Longest wallet name.
pub const MAX_NAME_LEN: usize = 64;

/// Why a wallet cannot be named, stored or read.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The name breaks the naming rule.
    #[error("invalid wallet name {name:?}: use 1 to {MAX_NAME_LEN} letters, digits, '_' or '-', not starting with '-'")]
    BadName { name: String },
    /// No keystore of that name.
    #[error("no wallet named {name:?} in {dir}", dir = dir.display())]
    NotFound { name: String, dir: PathBuf },
    /// A keystore of that name exists.
    #[error("a wallet named {name:?} already exists at {path}", path = path.display())]
    AlreadyExists { name: String, path: PathBuf },
    /// The file is not a readable keystore.
    #[error("keystore file {path} is corrupt: {source}", path = path.display())]
    Corrupt {
        path: PathBuf,
        source: KeystoreError,
    },
    /// The file system refused.
    #[error("{action} {path}: {source}", path = path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

/// A validated wallet name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WalletName(String);

impl FromStr for WalletName {
    type Err = StoreError;

    fn from_str(name: &str) -> Result<WalletName, StoreError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        let valid = !name.is_empty()
            && name.len() <= MAX_NAME_LEN
            && !name.starts_with('-')
            && name.chars().all(allowed);
        if valid {
            Ok(WalletName(name.to_string()))
        } else {
            Err(StoreError::BadName {
                name: name.to_string(),
            })
        }
    }
}

impl TryFrom<String> for WalletName {
    type Error = StoreError;

    fn try_from(name: String) -> Result<WalletName, StoreError> {
        name.parse()
    }
}

impl From<WalletName> for String {
    fn from(name: WalletName) -> String {
        name.0
    }
}

impl fmt::Display for WalletName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl WalletName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One stored wallet, as `list` sees it without a password.
#[derive(Debug)]
pub struct WalletEntry {
    /// Its name.
    pub name: WalletName,
    /// The address its file names, or why the file cannot be read.
    pub address: Result<Option<Address>, StoreError>,
}

/// The directory of named keystores.
#[derive(Debug, Clone)]
pub struct KeystoreDir {
    dir: PathBuf,
}

impl KeystoreDir {
    /// `<data>/keystores`.
    pub fn new(dirs: &Dirs) -> KeystoreDir {
        KeystoreDir::at(dirs.data.join("keystores"))
    }

    /// A keystore directory at an explicit path.
    pub fn at(dir: PathBuf) -> KeystoreDir {
        KeystoreDir { dir }
    }

    /// Where the keystores live.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The file of a wallet.
    pub fn file(&self, name: &WalletName) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Stores a new keystore under `name`, never replacing an existing one.
    pub fn create(&self, name: &WalletName, keystore: &Keystore) -> Result<PathBuf, StoreError> {
        self.ensure_dir()?;
        let path = self.file(name);
        if path.exists() {
            return Err(StoreError::AlreadyExists {
                name: name.to_string(),
                path,
            });
        }
        let temporary = self
            .dir
            .join(format!(".{name}.json.{}.tmp", std::process::id()));
        let written = write_private(&temporary, keystore.to_json().as_bytes())
            .and_then(|()| fs::hard_link(&temporary, &path));
        let _ = fs::remove_file(&temporary);
        match written {
            Ok(()) => {
                sync_dir(&self.dir);
                Ok(path)
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                Err(StoreError::AlreadyExists {
                    name: name.to_string(),
                    path,
                })
            }
            Err(source) => Err(StoreError::Io {
                action: "cannot write",
                path,
                source,
            }),
        }
    }

    /// Reads the keystore of `name`.
    pub fn load(&self, name: &WalletName) -> Result<Keystore, StoreError> {
        let path = self.file(name);
        let text = fs::read_to_string(&path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => StoreError::NotFound {
                name: name.to_string(),
                dir: self.dir.clone(),
            },
            _ => StoreError::Io {
                action: "cannot read",
                path: path.clone(),
                source,
            },
        })?;
        Keystore::from_json(&text).map_err(|source| StoreError::Corrupt { path, source })
    }

    /// Every wallet, sorted by name; files that are not `<valid name>.json` are ignored.
    pub fn list(&self) -> Result<Vec<WalletEntry>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::Io {
                    action: "cannot list",
                    path: self.dir.clone(),
                    source,
                })
            }
        };
        let mut names: Vec<WalletName> = entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                let file_name = entry.file_name();
                let stem = file_name.to_str()?.strip_suffix(".json")?;
                stem.parse().ok()
            })
            .collect();
        names.sort();
        Ok(names
            .into_iter()
            .map(|name| {
                let address = self.load(&name).and_then(|keystore| {
                    keystore.address().map_err(|source| StoreError::Corrupt {
                        path: self.file(&name),
                        source,
                    })
                });
                WalletEntry { name, address }
            })
            .collect())
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        let io_error = |source| StoreError::Io {
            action: "cannot create",
            path: self.dir.clone(),
            source,
        };
        Dirs::create_private(&self.dir).map_err(io_error)?;
        fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700)).map_err(io_error)
    }
}

/// Creates `path` with mode 0600 (never wider, whatever the umask), writes and syncs it.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the new directory entry durable; best effort, as not every file system allows it.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wallet::{KdfStrength, PrivateKey};

    fn keystore(key: &PrivateKey) -> Keystore {
        Keystore::encrypt(key, b"pw", KdfStrength::InsecureFast)
    }

    fn name(text: &str) -> WalletName {
        text.parse().unwrap()
    }

    #[test]
    fn names_follow_the_rule() {
        for good in ["alice", "A_b-9", &"x".repeat(64)] {
            assert!(good.parse::<WalletName>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "-rf",
            "../x",
            "a/b",
            ".hidden",
            "a.json",
            "é",
            "a b",
            &"x".repeat(65),
        ] {
            assert!(
                matches!(bad.parse::<WalletName>(), Err(StoreError::BadName { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn create_load_list_with_private_modes() {
        let temp = tempfile::tempdir().unwrap();
        let store = KeystoreDir::at(temp.path().join("keystores"));
        let key = PrivateKey::generate();
        let path = store.create(&name("alice"), &keystore(&key)).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(store.path()), 0o700);
        let loaded = store.load(&name("alice")).unwrap();
        assert_eq!(loaded.decrypt(b"pw").unwrap().address(), key.address());
        let listed = store.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, name("alice"));
        assert_eq!(listed[0].address.as_ref().unwrap(), &Some(key.address()));
        let leftovers: Vec<_> = fs::read_dir(store.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary file left behind");
    }

    #[test]
    fn existing_wallets_are_never_replaced() {
        let temp = tempfile::tempdir().unwrap();
        let store = KeystoreDir::at(temp.path().join("keystores"));
        let first = PrivateKey::generate();
        store.create(&name("bob"), &keystore(&first)).unwrap();
        let error = store
            .create(&name("bob"), &keystore(&PrivateKey::generate()))
            .unwrap_err();
        assert!(matches!(error, StoreError::AlreadyExists { .. }), "{error}");
        let kept = store.load(&name("bob")).unwrap().decrypt(b"pw").unwrap();
        assert_eq!(kept.address(), first.address());
    }

    #[test]
    fn missing_and_corrupt_files_are_named() {
        let temp = tempfile::tempdir().unwrap();
        let store = KeystoreDir::at(temp.path().to_path_buf());
        assert!(store.list().unwrap().is_empty());
        assert!(matches!(
            store.load(&name("nobody")),
            Err(StoreError::NotFound { .. })
        ));
        fs::write(store.file(&name("broken")), "{not json").unwrap();
        let error = store.load(&name("broken")).unwrap_err();
        assert!(error.to_string().contains("broken.json"), "{error}");
        let listed = store.list().unwrap();
        assert!(matches!(listed[0].address, Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn missing_directory_lists_nothing() {
        let temp = tempfile::tempdir().unwrap();
        let store = KeystoreDir::at(temp.path().join("absent"));
        assert!(store.list().unwrap().is_empty());
    }
}
