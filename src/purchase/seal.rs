//! Sealing a content key to one buyer: ephemeral secp256k1 ECDH with the
//! buyer's public key, HKDF-SHA256, then ChaCha20-Poly1305.
//!
//! A sealed key is `version (1) ‖ ephemeral public key (33, compressed) ‖
//! ciphertext and tag (48)`: 82 bytes. The HKDF salt is the ephemeral and the
//! buyer's public keys; the HKDF info and the AEAD's associated data both
//! carry the listing digest and the purchase id ([`SealContext`]), so a sealed
//! key opens only for its buyer, in its purchase of its listing. The AEAD key
//! is fresh for every seal (a fresh ephemeral key), so the nonce is zero.

use super::content_key::{ContentKey, CONTENT_KEY_LEN};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use k256::ecdsa::{SigningKey, VerifyingKey};
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{PublicKey, SecretKey};
use rand::rngs::OsRng;
use sha2::Sha256;
use thiserror::Error;
use zeroize::Zeroizing;

/// The version byte that opens a sealed key.
const SEAL_VERSION: u8 = 1;

/// The HKDF info prefix.
const SEAL_TAG: &[u8] = b"btt-sealed-key-v1";

/// Bytes of a compressed secp256k1 public key.
const PUBLIC_KEY_LEN: usize = 33;

/// Bytes of a sealed key.
pub const SEALED_KEY_LEN: usize = 1 + PUBLIC_KEY_LEN + CONTENT_KEY_LEN + 16;

/// What a sealed key is bound to: one purchase of one listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealContext {
    /// The listing's digest ([`super::SignedListing::digest`]).
    pub listing_digest: [u8; 32],
    /// The purchase (escrow) id the ledger gave the buyer's payment.
    pub purchase_id: [u8; 32],
}

impl SealContext {
    fn bound_bytes(&self) -> [u8; 64] {
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&self.listing_digest);
        bytes[32..].copy_from_slice(&self.purchase_id);
        bytes
    }
}

/// A content key sealed to one buyer.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedKey(pub [u8; SEALED_KEY_LEN]);

impl std::fmt::Debug for SealedKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "SealedKey({})", hex::encode(self.0))
    }
}

impl SealedKey {
    /// A sealed key from its bytes (the ledger stores it as bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<SealedKey, SealError> {
        let array: [u8; SEALED_KEY_LEN] = bytes.try_into().map_err(|_| SealError::WrongLength {
            length: bytes.len(),
        })?;
        if array[0] != SEAL_VERSION {
            return Err(SealError::UnknownVersion { version: array[0] });
        }
        Ok(SealedKey(array))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; SEALED_KEY_LEN] {
        &self.0
    }
}

/// Why a sealed key does not open.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SealError {
    /// Not the size of a sealed key.
    #[error("sealed key has {length} bytes, expected {SEALED_KEY_LEN}")]
    WrongLength { length: usize },
    /// A version this build does not know.
    #[error("sealed key has unknown version {version}")]
    UnknownVersion { version: u8 },
    /// The ephemeral public key is not a point on secp256k1.
    #[error("sealed key's ephemeral public key is not a secp256k1 point")]
    BadEphemeralKey,
    /// Authentication failed: another buyer's key, another purchase or
    /// listing, or altered bytes.
    #[error(
        "sealed key does not open: it is for another buyer, purchase or listing, or was altered"
    )]
    DoesNotOpen,
}

/// Seals `key` to `buyer` for the purchase `context` names.
pub fn seal(key: &ContentKey, buyer: &VerifyingKey, context: &SealContext) -> SealedKey {
    let ephemeral = SecretKey::random(&mut OsRng);
    let ephemeral_public = compressed(&ephemeral.public_key());
    let buyer_public = PublicKey::from(buyer);
    let shared =
        k256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), buyer_public.as_affine());
    let cipher = cipher(
        shared.raw_secret_bytes(),
        &ephemeral_public,
        &buyer_public,
        context,
    );
    let ciphertext = cipher
        .encrypt(
            &Nonce::default(),
            payload(key.as_bytes(), context).as_payload(),
        )
        .expect("ChaCha20-Poly1305 seals 32 bytes");
    let mut sealed = [0u8; SEALED_KEY_LEN];
    sealed[0] = SEAL_VERSION;
    sealed[1..1 + PUBLIC_KEY_LEN].copy_from_slice(&ephemeral_public);
    sealed[1 + PUBLIC_KEY_LEN..].copy_from_slice(&ciphertext);
    SealedKey(sealed)
}

/// Opens `sealed` with the buyer's key, for the purchase `context` names.
pub fn unseal(
    sealed: &SealedKey,
    buyer: &SigningKey,
    context: &SealContext,
) -> Result<ContentKey, SealError> {
    let sealed = SealedKey::from_bytes(&sealed.0)?;
    let ephemeral_public = &sealed.0[1..1 + PUBLIC_KEY_LEN];
    let ephemeral =
        PublicKey::from_sec1_bytes(ephemeral_public).map_err(|_| SealError::BadEphemeralKey)?;
    let buyer_public = PublicKey::from(buyer.verifying_key());
    let shared = k256::ecdh::diffie_hellman(buyer.as_nonzero_scalar(), ephemeral.as_affine());
    let cipher = cipher(
        shared.raw_secret_bytes(),
        ephemeral_public,
        &buyer_public,
        context,
    );
    let ciphertext = &sealed.0[1 + PUBLIC_KEY_LEN..];
    let plain = cipher
        .decrypt(&Nonce::default(), payload(ciphertext, context).as_payload())
        .map(Zeroizing::new)
        .map_err(|_| SealError::DoesNotOpen)?;
    ContentKey::from_bytes(&plain).map_err(|_| SealError::DoesNotOpen)
}

/// The AEAD keyed from the shared secret, both public keys and the context.
fn cipher(
    shared: &[u8],
    ephemeral_public: &[u8],
    buyer_public: &PublicKey,
    context: &SealContext,
) -> ChaCha20Poly1305 {
    let mut salt = Vec::with_capacity(2 * PUBLIC_KEY_LEN);
    salt.extend_from_slice(ephemeral_public);
    salt.extend_from_slice(&compressed(buyer_public));
    let mut info = Vec::with_capacity(SEAL_TAG.len() + 64);
    info.extend_from_slice(SEAL_TAG);
    info.extend_from_slice(&context.bound_bytes());
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(&salt), shared)
        .expand(&info, &mut key[..])
        .expect("32 bytes is a valid HKDF-SHA256 length");
    ChaCha20Poly1305::new(&Key::from(*key))
}

/// The message and associated data of one seal.
struct SealPayload<'a> {
    message: &'a [u8],
    associated: [u8; 64],
}

impl SealPayload<'_> {
    fn as_payload(&self) -> Payload<'_, '_> {
        Payload {
            msg: self.message,
            aad: &self.associated,
        }
    }
}

fn payload<'a>(message: &'a [u8], context: &SealContext) -> SealPayload<'a> {
    SealPayload {
        message,
        associated: context.bound_bytes(),
    }
}

fn compressed(key: &PublicKey) -> [u8; PUBLIC_KEY_LEN] {
    key.to_encoded_point(true)
        .as_bytes()
        .try_into()
        .expect("a compressed secp256k1 point is 33 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> SealContext {
        SealContext {
            listing_digest: [7; 32],
            purchase_id: [9; 32],
        }
    }

    #[test]
    fn round_trip_opens_for_the_buyer() {
        let buyer = SigningKey::random(&mut OsRng);
        let key = ContentKey::generate();
        let sealed = seal(&key, buyer.verifying_key(), &context());
        assert_eq!(sealed.as_bytes().len(), 82);
        assert_eq!(unseal(&sealed, &buyer, &context()).unwrap(), key);
        let again = seal(&key, buyer.verifying_key(), &context());
        assert_ne!(again, sealed, "every seal uses a fresh ephemeral key");
    }

    #[test]
    fn another_recipient_cannot_open() {
        let buyer = SigningKey::random(&mut OsRng);
        let other = SigningKey::random(&mut OsRng);
        let sealed = seal(&ContentKey::generate(), buyer.verifying_key(), &context());
        assert_eq!(
            unseal(&sealed, &other, &context()),
            Err(SealError::DoesNotOpen)
        );
    }

    #[test]
    fn another_purchase_or_listing_cannot_open() {
        let buyer = SigningKey::random(&mut OsRng);
        let sealed = seal(&ContentKey::generate(), buyer.verifying_key(), &context());
        let other_purchase = SealContext {
            purchase_id: [10; 32],
            ..context()
        };
        let other_listing = SealContext {
            listing_digest: [8; 32],
            ..context()
        };
        for wrong in [other_purchase, other_listing] {
            assert_eq!(unseal(&sealed, &buyer, &wrong), Err(SealError::DoesNotOpen));
        }
    }

    #[test]
    fn every_flipped_byte_is_refused() {
        let buyer = SigningKey::random(&mut OsRng);
        let sealed = seal(&ContentKey::generate(), buyer.verifying_key(), &context());
        for index in 0..SEALED_KEY_LEN {
            let mut bytes = sealed.0;
            bytes[index] ^= 0x01;
            let refused = unseal(&SealedKey(bytes), &buyer, &context());
            assert!(refused.is_err(), "flipping byte {index} still opened");
        }
        assert_eq!(
            SealedKey::from_bytes(&[1; 10]),
            Err(SealError::WrongLength { length: 10 })
        );
    }
}
