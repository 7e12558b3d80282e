//! Encrypted keys at rest in the Web3 Secret Storage v3 format (the Ethereum
//! keystore that geth, MetaMask, ethers and TronLink exports share): a key
//! derived from the password (scrypt, or PBKDF2-HMAC-SHA256 when reading
//! files made elsewhere) encrypts the 32-byte private key with AES-128-CTR,
//! and `mac = keccak256(derived_key[16..32] ‖ ciphertext)` detects a wrong
//! password before anything is decrypted.
//!
//! Invariants: the `address` field (20 hex bytes, as in Ethereum keystores;
//! the TRON address is 0x41 followed by them) is not covered by the MAC, so
//! [`Keystore::decrypt`] checks it against the decrypted key; KDF parameters
//! read from a file are bounded, so a hostile file cannot exhaust memory.

use super::PrivateKey;
use crate::tron::{address::ADDRESS_PREFIX, Address};
use aes::cipher::{KeyIvInit, StreamCipher};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};
use thiserror::Error;
use zeroize::Zeroizing;

type Aes128Ctr = ctr::Ctr128BE<aes::Aes128>;

/// The only format version read and written.
pub const KEYSTORE_VERSION: u32 = 3;

/// log2 of scrypt's N for new keystores: 2^17, 128 MiB with r = 8.
pub const STANDARD_LOG_N: u8 = 17;

/// log2 of scrypt's N with [`KdfStrength::InsecureFast`].
pub const INSECURE_LOG_N: u8 = 10;

/// Largest scrypt memory accepted from a file (1 GiB).
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;

/// Most PBKDF2 rounds accepted from a file.
const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;

/// How hard new keystores make guessing the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfStrength {
    /// scrypt N = 2^17, r = 8, p = 1.
    Standard,
    /// scrypt N = 2^10: for tests only, which would otherwise spend seconds per keystore.
    InsecureFast,
}

/// Why a keystore cannot be made, read or opened.
#[derive(Debug, Error)]
pub enum KeystoreError {
    /// The MAC does not match: the password is wrong (or the file was altered).
    #[error("wrong password")]
    WrongPassword,
    /// Not keystore JSON, or a field is malformed.
    #[error("not a valid v3 keystore: {reason}")]
    Malformed { reason: String },
    /// A cipher, KDF or version this implementation does not read.
    #[error("unsupported keystore {what}")]
    Unsupported { what: String },
    /// KDF parameters beyond the accepted bounds.
    #[error("keystore KDF parameters are out of bounds: {reason}")]
    KdfOutOfBounds { reason: String },
    /// The decrypted key does not control the address the file names.
    #[error("keystore names address {claimed} but holds the key of {actual}")]
    AddressMismatch { claimed: Address, actual: Address },
}

/// A v3 keystore as stored in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keystore {
    /// The 20 address bytes after 0x41, hex (Ethereum-style, no prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The encrypted key.
    #[serde(alias = "Crypto")]
    pub crypto: CryptoJson,
    /// A random UUID.
    pub id: String,
    /// Always 3.
    pub version: u32,
}

/// The `crypto` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoJson {
    /// `aes-128-ctr`.
    pub cipher: String,
    /// The counter's initial value.
    pub cipherparams: CipherParams,
    /// The encrypted private key, hex.
    pub ciphertext: String,
    /// `scrypt` or `pbkdf2`.
    pub kdf: String,
    /// The KDF's parameters.
    pub kdfparams: KdfParams,
    /// keccak256(derived_key[16..32] ‖ ciphertext), hex.
    pub mac: String,
}

/// `cipherparams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CipherParams {
    /// 16 bytes, hex.
    pub iv: String,
}

/// `kdfparams` for scrypt or PBKDF2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KdfParams {
    /// scrypt.
    Scrypt {
        /// Derived key length, 32.
        dklen: usize,
        /// CPU/memory cost, a power of two.
        n: u64,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
        /// Hex.
        salt: String,
    },
    /// PBKDF2 (read only).
    Pbkdf2 {
        /// Rounds.
        c: u32,
        /// Derived key length, 32.
        dklen: usize,
        /// `hmac-sha256`.
        prf: String,
        /// Hex.
        salt: String,
    },
}

impl Keystore {
    /// Encrypts `key` under `password` with a fresh salt and IV.
    pub fn encrypt(key: &PrivateKey, password: &[u8], strength: KdfStrength) -> Keystore {
        let log_n = match strength {
            KdfStrength::Standard => STANDARD_LOG_N,
            KdfStrength::InsecureFast => INSECURE_LOG_N,
        };
        let salt = random_bytes::<32>();
        let iv = random_bytes::<16>();
        let kdfparams = KdfParams::Scrypt {
            dklen: 32,
            n: 1 << log_n,
            r: 8,
            p: 1,
            salt: hex::encode(salt),
        };
        let derived =
            derive_key(&kdfparams, password).expect("btt's own scrypt parameters are valid");
        let mut ciphertext = key.to_bytes().to_vec();
        apply_cipher(&derived, &iv, &mut ciphertext);
        let address = key.address();
        Keystore {
            address: Some(hex::encode(&address.as_bytes()[1..])),
            crypto: CryptoJson {
                cipher: "aes-128-ctr".to_string(),
                cipherparams: CipherParams {
                    iv: hex::encode(iv),
                },
                ciphertext: hex::encode(&ciphertext),
                kdf: "scrypt".to_string(),
                kdfparams,
                mac: hex::encode(mac(&derived, &ciphertext)),
            },
            id: uuid_v4(),
            version: KEYSTORE_VERSION,
        }
    }

    /// Parses keystore JSON.
    pub fn from_json(text: &str) -> Result<Keystore, KeystoreError> {
        let keystore: Keystore =
            serde_json::from_str(text).map_err(|error| malformed(error.to_string()))?;
        if keystore.version != KEYSTORE_VERSION {
            return Err(KeystoreError::Unsupported {
                what: format!("version {}", keystore.version),
            });
        }
        keystore.address()?;
        Ok(keystore)
    }

    /// The keystore as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a keystore always serializes")
    }

    /// The TRON address the file names, if it names one (unauthenticated until
    /// decrypted): 20 hex bytes as Ethereum tools write it, or a TRON address.
    pub fn address(&self) -> Result<Option<Address>, KeystoreError> {
        let Some(text) = &self.address else {
            return Ok(None);
        };
        if let Ok(address) = text.parse::<Address>() {
            return Ok(Some(address));
        }
        let digits = text.strip_prefix("0x").unwrap_or(text);
        let bytes =
            hex::decode(digits).map_err(|_| malformed(format!("address {text:?} is not hex")))?;
        let mut full = vec![ADDRESS_PREFIX];
        full.extend_from_slice(&bytes);
        Address::from_bytes(&full)
            .map(Some)
            .map_err(|_| malformed(format!("address {text:?} is not 20 bytes")))
    }

    /// Decrypts the key; a wrong password is [`KeystoreError::WrongPassword`].
    pub fn decrypt(&self, password: &[u8]) -> Result<PrivateKey, KeystoreError> {
        let crypto = &self.crypto;
        if crypto.cipher != "aes-128-ctr" {
            return Err(KeystoreError::Unsupported {
                what: format!("cipher {:?}", crypto.cipher),
            });
        }
        let expected_kdf = match crypto.kdfparams {
            KdfParams::Scrypt { .. } => "scrypt",
            KdfParams::Pbkdf2 { .. } => "pbkdf2",
        };
        if crypto.kdf != expected_kdf {
            return Err(malformed(format!(
                "kdf {:?} with {expected_kdf} parameters",
                crypto.kdf
            )));
        }
        let iv: [u8; 16] = decode_fixed("iv", &crypto.cipherparams.iv)?;
        let claimed_mac: [u8; 32] = decode_fixed("mac", &crypto.mac)?;
        let mut plaintext =
            Zeroizing::new(decode_fixed::<32>("ciphertext", &crypto.ciphertext)?.to_vec());
        let derived = derive_key(&crypto.kdfparams, password)?;
        if !constant_time_eq(&mac(&derived, &plaintext), &claimed_mac) {
            return Err(KeystoreError::WrongPassword);
        }
        apply_cipher(&derived, &iv, &mut plaintext);
        let key = PrivateKey::from_bytes(&plaintext)
            .map_err(|error| malformed(format!("decrypted key: {error}")))?;
        if let Some(claimed) = self.address()? {
            if claimed != key.address() {
                return Err(KeystoreError::AddressMismatch {
                    claimed,
                    actual: key.address(),
                });
            }
        }
        Ok(key)
    }
}

fn malformed(reason: String) -> KeystoreError {
    KeystoreError::Malformed { reason }
}

fn out_of_bounds(reason: String) -> KeystoreError {
    KeystoreError::KdfOutOfBounds { reason }
}

/// Derives the 32-byte key, refusing parameters beyond the bounds.
fn derive_key(params: &KdfParams, password: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
    let mut derived = Zeroizing::new([0u8; 32]);
    match params {
        KdfParams::Scrypt {
            dklen,
            n,
            r,
            p,
            salt,
        } => {
            check_dklen(*dklen)?;
            if !n.is_power_of_two() || *n < 2 {
                return Err(out_of_bounds(format!(
                    "scrypt n = {n} is not a power of two"
                )));
            }
            let memory = 128u64.saturating_mul(u64::from(*r)).saturating_mul(*n);
            if memory > MAX_SCRYPT_MEMORY || *p > 16 {
                return Err(out_of_bounds(format!("scrypt n = {n}, r = {r}, p = {p}")));
            }
            let log_n =
                u8::try_from(n.trailing_zeros()).map_err(|_| out_of_bounds(format!("n = {n}")))?;
            let params = scrypt::Params::new(log_n, *r, *p)
                .map_err(|error| out_of_bounds(format!("scrypt: {error}")))?;
            let salt = hex::decode(salt).map_err(|_| malformed("salt is not hex".into()))?;
            scrypt::scrypt(password, &salt, &params, derived.as_mut())
                .map_err(|error| out_of_bounds(format!("scrypt: {error}")))?;
        }
        KdfParams::Pbkdf2 {
            c,
            dklen,
            prf,
            salt,
        } => {
            check_dklen(*dklen)?;
            if prf != "hmac-sha256" {
                return Err(KeystoreError::Unsupported {
                    what: format!("PBKDF2 prf {prf:?}"),
                });
            }
            if *c == 0 || *c > MAX_PBKDF2_ROUNDS {
                return Err(out_of_bounds(format!("PBKDF2 c = {c}")));
            }
            let salt = hex::decode(salt).map_err(|_| malformed("salt is not hex".into()))?;
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, &salt, *c, derived.as_mut());
        }
    }
    Ok(derived)
}

fn check_dklen(dklen: usize) -> Result<(), KeystoreError> {
    if dklen == 32 {
        Ok(())
    } else {
        Err(KeystoreError::Unsupported {
            what: format!("dklen {dklen}"),
        })
    }
}

fn mac(derived: &[u8; 32], ciphertext: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(&derived[16..]);
    hasher.update(ciphertext);
    hasher.finalize().into()
}

fn apply_cipher(derived: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    let mut cipher = Aes128Ctr::new(derived[..16].into(), iv.into());
    cipher.apply_keystream(data);
}

fn constant_time_eq(left: &[u8; 32], right: &[u8; 32]) -> bool {
    left.iter()
        .zip(right)
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

fn decode_fixed<const N: usize>(field: &str, text: &str) -> Result<[u8; N], KeystoreError> {
    let bytes = hex::decode(text).map_err(|_| malformed(format!("{field} is not hex")))?;
    bytes.try_into().map_err(|bytes: Vec<u8>| {
        malformed(format!("{field} has {} bytes, expected {N}", bytes.len()))
    })
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A random (version 4) UUID.
fn uuid_v4() -> String {
    let mut bytes = random_bytes::<16>();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_KEY: &str = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";

    /// The scrypt test vector of the Web3 Secret Storage definition.
    const SCRYPT_VECTOR: &str = r#"{
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": {"iv": "83dbcc02d8ccb40e466191a123791e0e"},
            "ciphertext": "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
            "kdf": "scrypt",
            "kdfparams": {"dklen": 32, "n": 262144, "p": 8, "r": 1,
                "salt": "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"},
            "mac": "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"
        },
        "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
        "version": 3
    }"#;

    /// The PBKDF2 test vector of the same definition (capitalized `Crypto`, as geth once wrote).
    const PBKDF2_VECTOR: &str = r#"{
        "Crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": {"iv": "6087dab2f9fdbbfaddc31a909735c1e6"},
            "ciphertext": "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
            "kdf": "pbkdf2",
            "kdfparams": {"c": 262144, "dklen": 32, "prf": "hmac-sha256",
                "salt": "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
            "mac": "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"
        },
        "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
        "version": 3
    }"#;

    #[test]
    fn published_scrypt_vector_decrypts() {
        let keystore = Keystore::from_json(SCRYPT_VECTOR).unwrap();
        let key = keystore.decrypt(b"testpassword").unwrap();
        assert_eq!(hex::encode(*key.to_bytes()), VECTOR_KEY);
        assert!(matches!(
            keystore.decrypt(b"testpassworD"),
            Err(KeystoreError::WrongPassword)
        ));
    }

    #[test]
    fn published_pbkdf2_vector_decrypts() {
        let keystore = Keystore::from_json(PBKDF2_VECTOR).unwrap();
        let key = keystore.decrypt(b"testpassword").unwrap();
        assert_eq!(hex::encode(*key.to_bytes()), VECTOR_KEY);
    }

    #[test]
    fn encrypt_then_decrypt_round_trips() {
        let key = PrivateKey::generate();
        let keystore = Keystore::encrypt(&key, b"pw", KdfStrength::InsecureFast);
        let parsed = Keystore::from_json(&keystore.to_json()).unwrap();
        assert_eq!(parsed, keystore);
        assert_eq!(parsed.address().unwrap(), Some(key.address()));
        assert_eq!(*parsed.decrypt(b"pw").unwrap().to_bytes(), *key.to_bytes());
        assert!(matches!(
            parsed.decrypt(b"pw2"),
            Err(KeystoreError::WrongPassword)
        ));
        assert!(!keystore.to_json().contains(&hex::encode(*key.to_bytes())));
    }

    #[test]
    fn standard_strength_uses_n_2_17() {
        // Parameters only: deriving at full strength takes too long for a unit test.
        let keystore = Keystore::encrypt(&PrivateKey::generate(), b"", KdfStrength::InsecureFast);
        assert!(matches!(
            keystore.crypto.kdfparams,
            KdfParams::Scrypt {
                n: 1024,
                r: 8,
                p: 1,
                ..
            }
        ));
        assert_eq!(STANDARD_LOG_N, 17);
    }

    #[test]
    fn tron_style_addresses_are_read_too() {
        let key = PrivateKey::generate();
        let mut keystore = Keystore::encrypt(&key, b"pw", KdfStrength::InsecureFast);
        for form in [key.address().to_string(), key.address().to_hex()] {
            keystore.address = Some(form);
            assert_eq!(keystore.address().unwrap(), Some(key.address()));
        }
        keystore.address = Some("T123".into());
        assert!(matches!(
            keystore.address(),
            Err(KeystoreError::Malformed { .. })
        ));
    }

    #[test]
    fn a_swapped_address_is_detected() {
        let keystore = Keystore::encrypt(&PrivateKey::generate(), b"pw", KdfStrength::InsecureFast);
        let other = PrivateKey::generate().address();
        let forged = Keystore {
            address: Some(hex::encode(&other.as_bytes()[1..])),
            ..keystore
        };
        assert!(matches!(
            forged.decrypt(b"pw"),
            Err(KeystoreError::AddressMismatch { claimed, .. }) if claimed == other
        ));
    }

    #[test]
    fn hostile_parameters_are_refused_before_work() {
        let mut keystore = Keystore::from_json(SCRYPT_VECTOR).unwrap();
        keystore.crypto.kdfparams = KdfParams::Scrypt {
            dklen: 32,
            n: 1 << 30,
            r: 8,
            p: 1,
            salt: "00".into(),
        };
        assert!(matches!(
            keystore.decrypt(b"x"),
            Err(KeystoreError::KdfOutOfBounds { .. })
        ));
        keystore.crypto.kdfparams = KdfParams::Scrypt {
            dklen: 32,
            n: 1000,
            r: 8,
            p: 1,
            salt: "00".into(),
        };
        assert!(matches!(
            keystore.decrypt(b"x"),
            Err(KeystoreError::KdfOutOfBounds { .. })
        ));
    }

    #[test]
    fn malformed_files_are_named() {
        assert!(matches!(
            Keystore::from_json("{}"),
            Err(KeystoreError::Malformed { .. })
        ));
        let v4 = SCRYPT_VECTOR.replace("\"version\": 3", "\"version\": 4");
        assert!(matches!(
            Keystore::from_json(&v4),
            Err(KeystoreError::Unsupported { .. })
        ));
        let cbc = SCRYPT_VECTOR.replace("aes-128-ctr", "aes-128-cbc");
        assert!(matches!(
            Keystore::from_json(&cbc).unwrap().decrypt(b"testpassword"),
            Err(KeystoreError::Unsupported { .. })
        ));
        let short = SCRYPT_VECTOR.replace("d172bf74", "");
        assert!(matches!(
            Keystore::from_json(&short)
                .unwrap()
                .decrypt(b"testpassword"),
            Err(KeystoreError::Malformed { .. })
        ));
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, uuid_v4());
    }
}
