//! The seller's content keys and the signed listings they were sold under,
//! two files per listing under `DATA/listing-keys/`, named by the listing
//! digest in hex: `DIGEST.key` and `DIGEST.listing`.
//!
//! A key file holds the key as an age identity line (`AGE-SECRET-KEY-1...`),
//! so `age -d -i DATA/listing-keys/DIGEST.key album.age` opens the content
//! by hand. A listing file holds the listing document; the seller checks
//! every order against it before sealing the key, so a listing loads only if
//! its seller's signature holds and its digest is the one it is filed under.
//! Invariants: the directory is 0700 and each file 0600 from the moment it
//! exists; a file is written to a temporary file, synced, renamed into place
//! and the directory synced, so a crash leaves the old state or the whole
//! file, never part of one.

use super::content_key::{ContentKey, ContentKeyError};
use super::listing::{ListingError, SignedListing};
use crate::config::Dirs;
use std::fs;
use std::io;
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
    /// No signed listing is stored for the digest.
    #[error("no signed listing {digest} in {dir}; deliver it with `btt-seed run --sell LISTING`")]
    ListingNotFound { digest: String, dir: PathBuf },
    /// A listing file does not hold the seller's listing with its digest.
    #[error("{path}: {source}")]
    CorruptListing { path: PathBuf, source: ListingError },
    /// A listing file holds a listing with another digest.
    #[error("{path}: holds the listing {digest}, not the one it is named after")]
    MisfiledListing { path: PathBuf, digest: String },
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

    /// Where the signed listing with `digest` is kept.
    pub fn listing_path(&self, digest: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}.listing", hex::encode(digest)))
    }

    /// Stores `key` for the listing with `digest`, durably.
    pub fn save(&self, digest: &[u8; 32], key: &ContentKey) -> Result<PathBuf, KeyStoreError> {
        let line = zeroize::Zeroizing::new(format!("{}\n", key.to_age_string().as_str()));
        self.save_file(&self.path(digest), line.as_bytes())
    }

    /// Stores the seller's signed `listing` under its digest, durably.
    pub fn save_listing(&self, listing: &SignedListing) -> Result<PathBuf, KeyStoreError> {
        let document = format!("{}\n", listing.to_json());
        self.save_file(&self.listing_path(&listing.digest()), document.as_bytes())
    }

    /// Writes `bytes` to `path` in the store: a private temporary file,
    /// synced, renamed into place, and the directory synced.
    fn save_file(&self, path: &Path, bytes: &[u8]) -> Result<PathBuf, KeyStoreError> {
        let io_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| KeyStoreError::Io { path, source }
        };
        Dirs::create_private(&self.dir).map_err(io_error(&self.dir))?;
        crate::atomic_file::write_private(path, bytes).map_err(io_error(path))?;
        Ok(path.to_path_buf())
    }

    /// The seller's signed listing with `digest`, its signature checked.
    pub fn load_listing(&self, digest: &[u8; 32]) -> Result<SignedListing, KeyStoreError> {
        let path = self.listing_path(digest);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(KeyStoreError::ListingNotFound {
                    digest: hex::encode(digest),
                    dir: self.dir.clone(),
                })
            }
            Err(source) => return Err(KeyStoreError::Io { path, source }),
        };
        let listing =
            SignedListing::parse(&bytes).map_err(|source| KeyStoreError::CorruptListing {
                path: path.clone(),
                source,
            })?;
        if listing.digest() != *digest {
            return Err(KeyStoreError::MisfiledListing {
                path,
                digest: hex::encode(listing.digest()),
            });
        }
        Ok(listing)
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
    fn a_stored_listing_loads_back_only_under_its_own_digest() {
        use crate::amount::{Amount, Token};
        use crate::ledger::{LedgerId, ListingDomain};
        use crate::purchase::Listing;
        use crate::tron::Address;
        let root = tempfile::tempdir().unwrap();
        let store = KeyStore::at(root.path().join("listing-keys"));
        let seller = k256::ecdsa::SigningKey::from_slice(&[2; 32]).unwrap();
        let listing = |expires| {
            Listing {
                info_hash: crate::metainfo::InfoHash([3; 20]),
                magnet: "magnet:?xt=urn:btih:0303030303030303030303030303030303030303".into(),
                price: Amount {
                    token: Token::Btt,
                    base_units: 10_000_000,
                },
                seller: Address::from_public_key(seller.verifying_key()),
                domain: ListingDomain::Ledger(LedgerId([1; 32])),
                key_commitment: [5; 32],
                name: "album".into(),
                size: 1234,
                expires,
            }
            .sign(&seller)
        };
        let (sold, other) = (listing(2_000_000_000), listing(2_000_000_001));
        let path = store.save_listing(&sold).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(store.load_listing(&sold.digest()).unwrap(), sold);
        assert!(matches!(
            store.load_listing(&other.digest()),
            Err(KeyStoreError::ListingNotFound { .. })
        ));
        fs::copy(&path, store.listing_path(&other.digest())).unwrap();
        assert!(matches!(
            store.load_listing(&other.digest()),
            Err(KeyStoreError::MisfiledListing { .. })
        ));
        let tampered = fs::read_to_string(&path)
            .unwrap()
            .replace(r#""price":"10000000""#, r#""price":"1""#);
        fs::write(&path, tampered).unwrap();
        assert!(matches!(
            store.load_listing(&sold.digest()),
            Err(KeyStoreError::CorruptListing { .. })
        ));
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
