//! The allowed-fast set of the fast extension (BEP 6): the pieces a choked
//! peer at a given IPv4 address may still request. Both sides compute it the
//! same way from the peer's address and the info-hash, so it is a pure
//! function of those; sending `AllowedFast` messages is the swarm's job.

use std::net::Ipv4Addr;

use sha1::{Digest, Sha1};

/// The first `k` pieces of the canonical allowed-fast sequence for a peer at
/// `ip` (BEP 6). `k` is capped at `piece_count`; an empty torrent has none.
pub fn allowed_fast_set(
    k: usize,
    ip: Ipv4Addr,
    info_hash: &[u8; 20],
    piece_count: u32,
) -> Vec<u32> {
    let wanted = k.min(piece_count as usize);
    let mut set = Vec::with_capacity(wanted);
    let masked = u32::from(ip) & 0xffff_ff00;
    let mut digest: [u8; 20] = Sha1::new()
        .chain_update(masked.to_be_bytes())
        .chain_update(info_hash)
        .finalize()
        .into();
    while set.len() < wanted {
        for word in digest.chunks_exact(4) {
            if set.len() == wanted {
                break;
            }
            let mut value = [0u8; 4];
            value.copy_from_slice(word);
            let index = u32::from_be_bytes(value) % piece_count;
            if !set.contains(&index) {
                set.push(index);
            }
        }
        digest = Sha1::digest(digest).into();
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BEP_IP: Ipv4Addr = Ipv4Addr::new(80, 4, 4, 200);

    #[test]
    fn matches_the_bep_6_example() {
        assert_eq!(
            allowed_fast_set(7, BEP_IP, &[0xaa; 20], 1313),
            [1059, 431, 808, 1217, 287, 376, 1188]
        );
        assert_eq!(
            allowed_fast_set(9, BEP_IP, &[0xaa; 20], 1313),
            [1059, 431, 808, 1217, 287, 376, 1188, 353, 508]
        );
    }

    #[test]
    fn only_the_first_three_octets_matter() {
        let other_host = Ipv4Addr::new(80, 4, 4, 1);
        assert_eq!(
            allowed_fast_set(9, other_host, &[0xaa; 20], 1313),
            allowed_fast_set(9, BEP_IP, &[0xaa; 20], 1313)
        );
    }

    #[test]
    fn small_torrents_get_every_piece_at_most() {
        assert!(allowed_fast_set(10, BEP_IP, &[0xaa; 20], 0).is_empty());
        let mut all = allowed_fast_set(10, BEP_IP, &[0xaa; 20], 3);
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2]);
    }

    proptest! {
        #[test]
        fn distinct_indices_inside_the_torrent(
            k in 0usize..20, ip in any::<u32>(), hash in any::<[u8; 20]>(), pieces in 1u32..50
        ) {
            let set = allowed_fast_set(k, Ipv4Addr::from(ip), &hash, pieces);
            prop_assert_eq!(set.len(), k.min(pieces as usize));
            prop_assert!(set.iter().all(|&index| index < pieces));
            let mut distinct = set.clone();
            distinct.sort_unstable();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), set.len());
        }
    }
}
