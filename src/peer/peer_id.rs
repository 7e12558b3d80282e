//! Our peer id: Azureus style, `-BT0100-` (client `BT`, version 0.1.0.0)
//! followed by 12 random bytes, fresh for every run so trackers and peers
//! can tell two sessions apart.

use rand::RngCore;

/// The client and version prefix of every peer id we generate.
pub const PEER_ID_PREFIX: &[u8; 8] = b"-BT0100-";

/// A new random peer id starting with [`PEER_ID_PREFIX`].
pub fn generate_peer_id() -> [u8; 20] {
    let mut peer_id = [0u8; 20];
    peer_id[..8].copy_from_slice(PEER_ID_PREFIX);
    rand::thread_rng().fill_bytes(&mut peer_id[8..]);
    peer_id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_the_prefix_and_random_tail() {
        let first = generate_peer_id();
        let second = generate_peer_id();
        assert_eq!(&first[..8], PEER_ID_PREFIX);
        assert_ne!(first[8..], second[8..]);
    }
}
