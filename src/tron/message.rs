//! TRON signed messages (TronWeb's `signMessageV2`): the digest is
//! `keccak256("\x19TRON Signed Message:\n" ‖ decimal byte length ‖ message)`,
//! signed like a transaction (65 bytes, low-S, `v` 27 or 28). The prefix keeps
//! a message signature from ever being a valid transaction signature.

use super::key::PrivateKey;
use super::{recover_address, Address, SignatureError};
use sha3::{Digest, Keccak256};

/// The prefix TRON puts before a signed message.
pub const MESSAGE_PREFIX: &[u8] = b"\x19TRON Signed Message:\n";

/// The digest `signMessageV2` signs.
pub fn message_digest(message: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(MESSAGE_PREFIX);
    hasher.update(message.len().to_string().as_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

/// Signs `message` the way TronWeb's `signMessageV2` does.
pub fn sign_message(key: &PrivateKey, message: &[u8]) -> [u8; 65] {
    key.sign_digest(&message_digest(message))
}

/// The address that signed `message`.
pub fn recover_message_signer(message: &[u8], signature: &[u8]) -> Result<Address, SignatureError> {
    recover_address(&message_digest(message), signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_recovers_the_signer() {
        let key = PrivateKey::from_hex(&format!("{:064x}", 1)).unwrap();
        let signature = sign_message(&key, b"hello");
        assert_eq!(
            recover_message_signer(b"hello", &signature).unwrap(),
            key.address()
        );
        assert_ne!(
            recover_message_signer(b"hellO", &signature).ok(),
            Some(key.address())
        );
    }

    #[test]
    fn digest_counts_bytes_not_characters() {
        let mut expected = Keccak256::new();
        expected.update(b"\x19TRON Signed Message:\n2\xc3\xa9");
        assert_eq!(
            message_digest("é".as_bytes()),
            <[u8; 32]>::from(expected.finalize())
        );
    }
}
