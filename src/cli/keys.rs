//! Wallets as the command line names them, shared by `btt-wallet` and
//! `btt-tip`: where keystore passwords come from (`--password-file`,
//! `BTT_PASSWORD_FILE`, `--unsafe-password`, or a prompt), unlocking a wallet
//! by name, and reading an account given as an address or a wallet's name.
//!
//! Exit statuses: an unknown or malformed wallet name or address is 3, a
//! wrong or missing password 6.

use super::exit::{with_status, ExitStatus};
use crate::config::Dirs;
use crate::tron::Address;
use crate::wallet::{
    Keystore, KeystoreDir, KeystoreError, PasswordError, PasswordSource, PrivateKey,
};
use crate::wallet::{StoreError, WalletName};
use clap::Args;
use std::path::PathBuf;

/// Where keystore passwords come from.
#[derive(Debug, Clone, Args)]
pub struct PasswordArgs {
    /// Read the keystore password from the first line of FILE
    #[arg(long, global = true, env = "BTT_PASSWORD_FILE", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The keystore password itself (visible to other users in the process list)
    #[arg(long, global = true, value_name = "PASSWORD", hide_env_values = true)]
    pub unsafe_password: Option<String>,
}

/// A wallet being unlocked on a blocking thread ([`Keys::unlock_in_background`]).
#[derive(Debug)]
pub struct Unlocking {
    /// Its address, from its keystore.
    pub address: Address,
    /// Its key, once derived and checked against that address.
    pub key: tokio::task::JoinHandle<anyhow::Result<PrivateKey>>,
}

/// Decrypts `keystore` with `password`. A wrong password is "cannot ACTION:
/// wrong password" with the wallet-locked status; any other failure is what
/// `broken` makes of it.
fn open_keystore(
    keystore: &Keystore,
    password: &str,
    action: &str,
    broken: impl FnOnce(KeystoreError) -> anyhow::Error,
) -> anyhow::Result<PrivateKey> {
    keystore
        .decrypt(password.as_bytes())
        .map_err(|error| match error {
            KeystoreError::WrongPassword => with_status(
                ExitStatus::WalletLocked,
                anyhow::anyhow!("cannot {action}: wrong password"),
            ),
            other => broken(other),
        })
}

/// The keystores of the data directory and the password that opens them.
#[derive(Debug)]
pub struct Keys {
    /// The keystore directory.
    pub store: KeystoreDir,
    /// Where the password comes from.
    pub password: PasswordSource,
}

impl Keys {
    /// The keystores of `$BTT_HOME` (or the XDG data directory).
    pub fn from_env(password: PasswordArgs) -> Keys {
        Keys {
            store: KeystoreDir::new(&Dirs::from_env()),
            password: PasswordSource::choose(password.password_file, password.unsafe_password),
        }
    }

    /// Opens the keystore of the wallet `name`.
    pub fn unlock(&self, name: &WalletName) -> anyhow::Result<PrivateKey> {
        let keystore = self.store.load(name).map_err(store_error)?;
        self.decrypt(
            &keystore,
            &format!("Password for wallet {name}: "),
            &format!("unlock wallet {name}"),
            |other| {
                anyhow::Error::new(StoreError::Corrupt {
                    path: self.store.file(name),
                    source: other,
                })
            },
        )
    }

    /// Asks for the password with `prompt` and decrypts `keystore`. A wrong
    /// password is "cannot ACTION: wrong password" with the wallet-locked
    /// status; any other failure is what `broken` makes of it.
    pub fn decrypt(
        &self,
        keystore: &Keystore,
        prompt: &str,
        action: &str,
        broken: impl FnOnce(KeystoreError) -> anyhow::Error,
    ) -> anyhow::Result<PrivateKey> {
        let password = self.password.read(prompt).map_err(password_error)?;
        open_keystore(keystore, &password, action, broken)
    }

    /// Starts unlocking the wallet `name` on a blocking thread (a standard
    /// keystore takes about half a second of key derivation), after asking
    /// for its password now; its address is known at once from its keystore.
    pub fn unlock_in_background(&self, name: &WalletName) -> anyhow::Result<Unlocking> {
        let keystore = self.store.load(name).map_err(store_error)?;
        let path = self.store.file(name);
        let corrupt = move |source| anyhow::Error::new(StoreError::Corrupt { path, source });
        let named = keystore.address().map_err(|source| StoreError::Corrupt {
            path: self.store.file(name),
            source,
        });
        let Some(address) = named.map_err(store_error)? else {
            let key = self.unlock(name)?;
            let address = key.address();
            let key = tokio::spawn(std::future::ready(Ok(key)));
            return Ok(Unlocking { address, key });
        };
        let prompt = format!("Password for wallet {name}: ");
        let password = self.password.read(&prompt).map_err(password_error)?;
        let action = format!("unlock wallet {name}");
        // Decrypting checks the key against the address the keystore names.
        let key = tokio::task::spawn_blocking(move || {
            open_keystore(&keystore, &password, &action, corrupt)
        });
        Ok(Unlocking { address, key })
    }

    /// Opens the keystore of the wallet named by `text`.
    pub fn unlock_named(&self, text: &str) -> anyhow::Result<PrivateKey> {
        self.unlock(&wallet_name(text)?)
    }

    /// A wallet's address: from its keystore, or by unlocking it when the
    /// keystore does not name it.
    pub fn wallet_address(&self, name: &WalletName) -> anyhow::Result<Address> {
        let keystore = self.store.load(name).map_err(store_error)?;
        let address = keystore
            .address()
            .map_err(|source| StoreError::Corrupt {
                path: self.store.file(name),
                source,
            })
            .map_err(store_error)?;
        match address {
            Some(address) => Ok(address),
            None => Ok(self.unlock(name)?.address()),
        }
    }

    /// The wallet here whose keystore names `address`, if any.
    pub fn wallet_named_by(&self, address: &Address) -> anyhow::Result<Option<WalletName>> {
        let entries = self.store.list().map_err(store_error)?;
        Ok(entries
            .into_iter()
            .find(|entry| entry.address.as_ref().ok() == Some(&Some(*address)))
            .map(|entry| entry.name))
    }

    /// An account given as an address (`T...`, `41...` hex or `0x...`) or as
    /// a wallet's name.
    pub fn account(&self, text: &str) -> anyhow::Result<Address> {
        match text.parse::<Address>() {
            Ok(address) => Ok(address),
            // Shaped like an address: say what is wrong with it (a typo in a
            // checksum), rather than that no wallet has that name.
            Err(error) if looks_like_address(text.trim()) => {
                Err(with_status(ExitStatus::BadInput, error))
            }
            Err(_) => self.wallet_address(&wallet_name(text)?),
        }
    }
}

/// True for text of an address's shape: `0x...`, 34 characters from `T`,
/// or 42 hex digits.
fn looks_like_address(text: &str) -> bool {
    text.starts_with("0x")
        || (text.len() == 34 && text.starts_with('T'))
        || (text.len() == 42 && text.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// A wallet name, or a bad-input error.
pub fn wallet_name(text: &str) -> anyhow::Result<WalletName> {
    text.parse().map_err(store_error)
}

/// The exit status of a keystore directory error.
pub fn store_error(error: StoreError) -> anyhow::Error {
    let status = match error {
        StoreError::BadName { .. } | StoreError::NotFound { .. } => ExitStatus::BadInput,
        _ => ExitStatus::Failure,
    };
    with_status(status, error)
}

/// The exit status of a password that could not be had.
pub fn password_error(error: PasswordError) -> anyhow::Error {
    let status = match error {
        PasswordError::Empty | PasswordError::Mismatch => ExitStatus::BadInput,
        _ => ExitStatus::WalletLocked,
    };
    with_status(status, error)
}
