//! TRON signatures: 65 bytes `r ‖ s ‖ v` over a 32-byte digest, deterministic
//! (RFC 6979), low-S, `v` = 27 + recovery id. The signer is recovered from
//! the signature, so a signature names its owner.

use super::Address;
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use thiserror::Error;

/// Why a signature does not yield a signer.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SignatureError {
    /// Not 65 bytes.
    #[error("signature has {length} bytes, expected 65")]
    WrongLength { length: usize },
    /// The recovery byte is not 0, 1, 27 or 28.
    #[error("signature recovery byte {v} is not 27 or 28")]
    BadRecoveryByte { v: u8 },
    /// A high-S signature (malleable): TRON and btt accept low-S only.
    #[error("signature is not in low-S form")]
    HighS,
    /// r or s is out of range, or no public key matches.
    #[error("signature does not verify")]
    Invalid,
}

/// Signs a 32-byte digest; the result is `r ‖ s ‖ v` with `v` 27 or 28.
pub fn sign_digest(key: &SigningKey, digest: &[u8; 32]) -> [u8; 65] {
    let (signature, recovery_id) = key
        .sign_prehash_recoverable(digest)
        .expect("a 32-byte prehash is always signable");
    let (signature, recovery_id) = match signature.normalize_s() {
        Some(low) => (
            low,
            RecoveryId::new(!recovery_id.is_y_odd(), recovery_id.is_x_reduced()),
        ),
        None => (signature, recovery_id),
    };
    let mut bytes = [0u8; 65];
    bytes[..64].copy_from_slice(&signature.to_bytes());
    bytes[64] = 27 + recovery_id.to_byte();
    bytes
}

/// The address whose key made `signature` over `digest`.
pub fn recover_address(digest: &[u8; 32], signature: &[u8]) -> Result<Address, SignatureError> {
    if signature.len() != 65 {
        return Err(SignatureError::WrongLength {
            length: signature.len(),
        });
    }
    let v = signature[64];
    let recovery_byte = match v {
        0 | 1 => v,
        27 | 28 => v - 27,
        _ => return Err(SignatureError::BadRecoveryByte { v }),
    };
    let parsed = Signature::from_slice(&signature[..64]).map_err(|_| SignatureError::Invalid)?;
    if parsed.normalize_s().is_some() {
        return Err(SignatureError::HighS);
    }
    let recovery_id =
        RecoveryId::from_byte(recovery_byte).ok_or(SignatureError::BadRecoveryByte { v })?;
    let key = VerifyingKey::recover_from_prehash(digest, &parsed, recovery_id)
        .map_err(|_| SignatureError::Invalid)?;
    Ok(Address::from_public_key(&key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn key() -> SigningKey {
        let bytes = hex::decode("da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0")
            .unwrap();
        SigningKey::from_slice(&bytes).unwrap()
    }

    #[test]
    fn signature_recovers_the_signer() {
        let digest: [u8; 32] = Sha256::digest(b"hello").into();
        let signature = sign_digest(&key(), &digest);
        assert!(signature[64] == 27 || signature[64] == 28);
        let signer = recover_address(&digest, &signature).unwrap();
        assert_eq!(signer.to_string(), "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY");
    }

    #[test]
    fn signing_is_deterministic() {
        let digest = [7u8; 32];
        assert_eq!(sign_digest(&key(), &digest), sign_digest(&key(), &digest));
    }

    #[test]
    fn tampered_digest_recovers_someone_else() {
        let digest = [7u8; 32];
        let signature = sign_digest(&key(), &digest);
        let other = recover_address(&[8u8; 32], &signature);
        assert_ne!(
            other.ok().map(|a| a.to_string()),
            Some("TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".into())
        );
    }

    #[test]
    fn malformed_signatures_are_rejected() {
        let digest = [7u8; 32];
        let mut signature = sign_digest(&key(), &digest);
        assert_eq!(
            recover_address(&digest, &signature[..64]),
            Err(SignatureError::WrongLength { length: 64 })
        );
        signature[64] = 5;
        assert_eq!(
            recover_address(&digest, &signature),
            Err(SignatureError::BadRecoveryByte { v: 5 })
        );
    }

    #[test]
    fn high_s_is_rejected() {
        let digest = [7u8; 32];
        let signature = sign_digest(&key(), &digest);
        let parsed = Signature::from_slice(&signature[..64]).unwrap();
        let (r, s) = (parsed.r(), parsed.s());
        let high = Signature::from_scalars(r, -*s).unwrap();
        let mut bytes = [0u8; 65];
        bytes[..64].copy_from_slice(&high.to_bytes());
        bytes[64] = 27 + (1 - (signature[64] - 27));
        assert_eq!(recover_address(&digest, &bytes), Err(SignatureError::HighS));
    }
}
