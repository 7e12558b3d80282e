//! What MSE derives from the shared secret `S` and the torrent's info-hash
//! (`SKEY`): the synchronisation hashes `HASH('req1', S)` and
//! `HASH('req2', SKEY) xor HASH('req3', S)`, and the two RC4 keys, `keyA`
//! for the bytes the initiator sends and `keyB` for the responder's. Every
//! RC4 stream drops its first 1024 bytes of keystream, as the spec requires.

use rc4::{KeyInit, Rc4, StreamCipher};
use sha1::{Digest, Sha1};

/// Keystream bytes dropped at the start of each direction.
const DISCARD: usize = 1024;

/// SHA-1 over the concatenated parts (the spec's `HASH`).
pub fn hash(parts: &[&[u8]]) -> [u8; 20] {
    let mut sha1 = Sha1::new();
    for part in parts {
        sha1.update(part);
    }
    sha1.finalize().into()
}

/// `HASH('req1', S)`: the responder finds the initiator's message 3 by it.
pub fn req1(secret: &[u8]) -> [u8; 20] {
    hash(&[b"req1", secret])
}

/// `HASH('req2', SKEY)`: how an info-hash is named in message 3.
pub fn req2(skey: &[u8; 20]) -> [u8; 20] {
    hash(&[b"req2", skey])
}

/// `HASH('req2', SKEY) xor HASH('req3', S)`; applied to its own output
/// with the same `secret`, it gives `HASH('req2', SKEY)` back.
pub fn obfuscate(named: &[u8; 20], secret: &[u8]) -> [u8; 20] {
    let req3 = hash(&[b"req3", secret]);
    std::array::from_fn(|index| named[index] ^ req3[index])
}

/// One direction's RC4 stream, past the discarded keystream.
pub struct Cipher(Rc4);

impl Cipher {
    /// The stream for bytes sent by the initiator (`initiator`) or by the responder.
    pub fn new(initiator: bool, secret: &[u8], skey: &[u8; 20]) -> Cipher {
        let label: &[u8] = if initiator { b"keyA" } else { b"keyB" };
        let key = hash(&[label, secret, skey]);
        let mut rc4 = Rc4::new_from_slice(&key).expect("RC4 takes a 20-byte key");
        rc4.apply_keystream(&mut [0u8; DISCARD]);
        Cipher(rc4)
    }

    /// Encrypts or decrypts `bytes` in place, advancing the stream.
    pub fn apply(&mut self, bytes: &mut [u8]) {
        self.0.apply_keystream(bytes);
    }
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Cipher")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_directions_have_different_streams_and_each_decrypts_itself() {
        let (secret, skey) = ([7u8; 96], [9u8; 20]);
        let mut sent = *b"\x13BitTorrent protocol";
        Cipher::new(true, &secret, &skey).apply(&mut sent);
        let mut other = *b"\x13BitTorrent protocol";
        Cipher::new(false, &secret, &skey).apply(&mut other);
        assert_ne!(sent, other);
        Cipher::new(true, &secret, &skey).apply(&mut sent);
        assert_eq!(&sent, b"\x13BitTorrent protocol");
    }

    #[test]
    fn the_first_1024_bytes_of_keystream_are_dropped() {
        let key = hash(&[b"keyA", &[1u8; 96], &[2u8; 20]]);
        let mut raw = Rc4::new_from_slice(&key).unwrap();
        let mut keystream = [0u8; DISCARD + 16];
        raw.apply_keystream(&mut keystream);
        let mut ours = [0u8; 16];
        Cipher::new(true, &[1u8; 96], &[2u8; 20]).apply(&mut ours);
        assert_eq!(ours, keystream[DISCARD..]);
    }

    #[test]
    fn obfuscation_is_undone_with_the_same_secret() {
        let named = req2(&[3; 20]);
        let sent = obfuscate(&named, &[4; 96]);
        assert_ne!(sent, named);
        assert_eq!(obfuscate(&sent, &[4; 96]), named);
    }
}
