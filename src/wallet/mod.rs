//! The wallet: private keys, BIP39 mnemonics and their TRON derivation,
//! encrypted keystores (Web3 Secret Storage v3) kept by name on disk, and
//! where a keystore password comes from.
//!
//! Invariants: secrets are zeroized when dropped where the underlying crates
//! allow it, never appear in `Debug` output or error messages, and reach disk
//! only encrypted, in files of mode 0600 inside a directory of mode 0700.

pub mod keystore;
pub mod mnemonic;
pub mod password;
pub mod store;

pub use crate::tron::key::{KeyError, PrivateKey};
pub use keystore::{KdfStrength, Keystore, KeystoreError};
pub use mnemonic::{Mnemonic, MnemonicError, TRON_DERIVATION_PATH};
pub use password::{PasswordError, PasswordSource};
pub use store::{KeystoreDir, StoreError, WalletEntry, WalletName};
