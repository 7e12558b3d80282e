//! BIP39 mnemonics and the BIP32/BIP44 derivation of the TRON account key,
//! `m/44'/195'/0'/0/0` (coin type 195 is TRON), the path TronLink and TronWeb use.
//!
//! Invariants: new mnemonics have 24 English words (256 bits of entropy from
//! the operating system); the phrase, the seed and the entropy are zeroized
//! when dropped (the BIP32 chain code inside `bip32` is not: that crate does
//! not offer it).

use super::PrivateKey;
use bip32::{DerivationPath, XPrv};
use bip39::Language;
use rand::RngCore;
use std::fmt;
use thiserror::Error;
use zeroize::Zeroizing;

/// The BIP44 path of the first TRON account.
pub const TRON_DERIVATION_PATH: &str = "m/44'/195'/0'/0/0";

/// Words in a mnemonic made by [`Mnemonic::generate`].
pub const GENERATED_WORDS: usize = 24;

/// Why text is not a usable mnemonic.
#[derive(Debug, Error)]
pub enum MnemonicError {
    /// Unknown word, wrong word count or bad checksum (the words are not echoed).
    #[error("invalid mnemonic ({word_count} words): {reason}")]
    Invalid { word_count: usize, reason: String },
    /// The derivation path could not be applied to the seed.
    #[error("cannot derive {path} from the mnemonic: {reason}")]
    Derivation { path: String, reason: String },
}

/// A BIP39 English mnemonic.
pub struct Mnemonic {
    inner: bip39::Mnemonic,
}

impl Mnemonic {
    /// A new 24-word mnemonic.
    pub fn generate() -> Mnemonic {
        let mut entropy = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(entropy.as_mut());
        let inner = bip39::Mnemonic::from_entropy_in(Language::English, entropy.as_ref())
            .expect("32 bytes is a valid BIP39 entropy length");
        Mnemonic { inner }
    }

    /// Parses words separated by whitespace (any case, any spacing; 12 to 24 words).
    pub fn parse(phrase: &str) -> Result<Mnemonic, MnemonicError> {
        let mut normalized = Zeroizing::new(String::with_capacity(phrase.len()));
        let mut word_count = 0;
        for word in phrase.split_whitespace() {
            if word_count > 0 {
                normalized.push(' ');
            }
            normalized.extend(word.chars().flat_map(char::to_lowercase));
            word_count += 1;
        }
        bip39::Mnemonic::parse_in_normalized(Language::English, &normalized)
            .map(|inner| Mnemonic { inner })
            .map_err(|error| MnemonicError::Invalid {
                word_count,
                reason: describe(error),
            })
    }

    /// The words, separated by single spaces.
    pub fn phrase(&self) -> Zeroizing<String> {
        Zeroizing::new(self.inner.to_string())
    }

    /// How many words.
    pub fn word_count(&self) -> usize {
        self.inner.word_count()
    }

    /// The key at [`TRON_DERIVATION_PATH`], with an optional BIP39 passphrase.
    pub fn derive_key(&self, passphrase: &str) -> Result<PrivateKey, MnemonicError> {
        let derivation_error = |reason: String| MnemonicError::Derivation {
            path: TRON_DERIVATION_PATH.to_string(),
            reason,
        };
        let path: DerivationPath = TRON_DERIVATION_PATH
            .parse()
            .map_err(|error: bip32::Error| derivation_error(error.to_string()))?;
        let seed = Zeroizing::new(self.inner.to_seed(passphrase));
        let extended = XPrv::derive_from_path(&seed[..], &path)
            .map_err(|error| derivation_error(error.to_string()))?;
        Ok(PrivateKey::from_signing_key(extended.private_key().clone()))
    }
}

/// Names what is wrong without repeating the secret words.
fn describe(error: bip39::Error) -> String {
    match error {
        bip39::Error::BadWordCount(count) => {
            format!("{count} words, expected 12, 15, 18, 21 or 24")
        }
        bip39::Error::UnknownWord(index) => {
            format!("word {} is not in the English list", index + 1)
        }
        bip39::Error::InvalidChecksum => "checksum does not match (a word is wrong)".to_string(),
        other => other.to_string(),
    }
}

impl fmt::Debug for Mnemonic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Mnemonic({} words, redacted)", self.word_count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abandon_about() -> String {
        format!("{} about", ["abandon"; 11].join(" "))
    }

    #[test]
    fn abandon_about_derives_the_tronweb_address() {
        let mnemonic = Mnemonic::parse(&abandon_about()).unwrap();
        let key = mnemonic.derive_key("").unwrap();
        assert_eq!(
            key.address().to_string(),
            "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
        );
    }

    #[test]
    fn parsing_normalizes_case_and_spacing() {
        let messy = format!("  {}\n", abandon_about().to_uppercase().replace(' ', "\t "));
        let mnemonic = Mnemonic::parse(&messy).unwrap();
        assert_eq!(*mnemonic.phrase(), abandon_about());
    }

    #[test]
    fn passphrase_changes_the_key() {
        let mnemonic = Mnemonic::parse(&abandon_about()).unwrap();
        assert_ne!(
            mnemonic.derive_key("").unwrap().address(),
            mnemonic.derive_key("TREZOR").unwrap().address()
        );
    }

    #[test]
    fn generated_mnemonics_have_24_words_and_round_trip() {
        let mnemonic = Mnemonic::generate();
        assert_eq!(mnemonic.word_count(), GENERATED_WORDS);
        let again = Mnemonic::parse(&mnemonic.phrase()).unwrap();
        assert_eq!(
            again.derive_key("").unwrap().address(),
            mnemonic.derive_key("").unwrap().address()
        );
    }

    #[test]
    fn bad_mnemonics_are_named_without_echo() {
        let wrong_checksum = ["abandon"; 12].join(" ");
        let error = Mnemonic::parse(&wrong_checksum).unwrap_err().to_string();
        assert!(error.contains("checksum"), "{error}");
        assert!(!error.contains("abandon"), "{error}");
        let unknown = format!("{} zzzz", ["abandon"; 11].join(" "));
        let error = Mnemonic::parse(&unknown).unwrap_err().to_string();
        assert!(error.contains("word 12"), "{error}");
        let error = Mnemonic::parse("abandon about").unwrap_err().to_string();
        assert!(error.contains("2 words"), "{error}");
    }

    #[test]
    fn debug_hides_the_words() {
        let mnemonic = Mnemonic::parse(&abandon_about()).unwrap();
        assert_eq!(format!("{mnemonic:?}"), "Mnemonic(12 words, redacted)");
    }
}
