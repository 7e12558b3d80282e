//! The Diffie-Hellman exchange of MSE: the 768-bit prime `P` of the spec,
//! generator 2, 160-bit private keys. Public keys and the shared secret go
//! on the wire and into the hashes as 96 big-endian bytes, zero-padded.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, U192, U768};
use rand::RngCore;

/// The length of a public key or a shared secret on the wire.
pub const KEY_LENGTH: usize = 96;

/// The spec's prime (the 768-bit MODP group of RFC 2409).
const PRIME: U768 = U768::from_be_hex(concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A63A36210000000000090563",
));
/// Bits of a private key.
const PRIVATE_BITS: usize = 160;

/// One side's key pair, fresh for each connection.
pub struct KeyPair {
    private: U192,
    public: [u8; KEY_LENGTH],
}

impl KeyPair {
    /// A random private key and its public key `2^x mod P`.
    pub fn generate() -> KeyPair {
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes[4..]);
        let private = U192::from_be_slice(&bytes);
        let public = power(&U768::from_u8(2), &private).to_be_bytes();
        KeyPair { private, public }
    }

    /// Our public key as sent.
    pub fn public(&self) -> &[u8; KEY_LENGTH] {
        &self.public
    }

    /// The shared secret `S = Y^x mod P` from the other side's public key.
    pub fn shared_secret(&self, theirs: &[u8; KEY_LENGTH]) -> [u8; KEY_LENGTH] {
        power(&U768::from_be_slice(theirs), &self.private).to_be_bytes()
    }
}

fn power(base: &U768, exponent: &U192) -> U768 {
    let params = DynResidueParams::new(&PRIME);
    DynResidue::new(base, params)
        .pow_bounded_exp(exponent, PRIVATE_BITS)
        .retrieve()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_derive_the_same_secret() {
        let (a, b) = (KeyPair::generate(), KeyPair::generate());
        let secret = a.shared_secret(b.public());
        assert_eq!(secret, b.shared_secret(a.public()));
        assert_ne!(secret, [0; KEY_LENGTH]);
        assert_ne!(a.public(), b.public());
    }

    #[test]
    fn the_public_key_is_two_to_the_private_key() {
        let pair = KeyPair {
            private: U192::from_u8(10),
            public: [0; KEY_LENGTH],
        };
        let mut expected = [0u8; KEY_LENGTH];
        expected[KEY_LENGTH - 2..].copy_from_slice(&1024u16.to_be_bytes());
        let mut two = [0u8; KEY_LENGTH];
        two[KEY_LENGTH - 1] = 2;
        assert_eq!(pair.shared_secret(&two), expected);
    }
}
