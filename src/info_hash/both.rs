//! [`InfoHashes`]: what a magnet link names a torrent by: its v1 info-hash,
//! its v2 info-hash (BEP 52), or both.
//!
//! Invariant: at least one of the two is present. The swarm is named by the
//! v1 hash when there is one, else by the v2 hash truncated to 20 bytes,
//! which a hybrid's peers (libtorrent's among them) accept for the same
//! torrent. Metadata matches only if it hashes to every hash present.

use super::v1::InfoHash;
use super::v2::InfoHashV2;

/// A v1 info-hash, a v2 info-hash, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InfoHashes {
    v1: Option<InfoHash>,
    v2: Option<InfoHashV2>,
}

impl InfoHashes {
    /// The hashes given; `None` when neither is.
    pub fn new(v1: Option<InfoHash>, v2: Option<InfoHashV2>) -> Option<InfoHashes> {
        (v1.is_some() || v2.is_some()).then_some(InfoHashes { v1, v2 })
    }

    /// A v1 info-hash, with the v2 one of a hybrid.
    pub fn from_v1(v1: InfoHash, v2: Option<InfoHashV2>) -> InfoHashes {
        InfoHashes { v1: Some(v1), v2 }
    }

    /// The v2 info-hash of a v2-only torrent.
    pub fn from_v2(v2: InfoHashV2) -> InfoHashes {
        InfoHashes {
            v1: None,
            v2: Some(v2),
        }
    }

    /// The v1 info-hash, if known.
    pub fn v1(&self) -> Option<InfoHash> {
        self.v1
    }

    /// The v2 info-hash, if known.
    pub fn v2(&self) -> Option<InfoHashV2> {
        self.v2
    }

    /// The 20 bytes that name the swarm on trackers, the DHT and in the
    /// handshake: the v1 hash, else the truncated v2 hash.
    pub fn swarm(&self) -> InfoHash {
        match (self.v1, self.v2) {
            (Some(v1), _) => v1,
            (None, Some(v2)) => v2.truncated(),
            // Unreachable by the invariant; the all-zero hash names no swarm.
            (None, None) => InfoHash([0; 20]),
        }
    }

    /// Every 20 bytes a peer, a tracker or the DHT may name the swarm by:
    /// the v1 hash and the truncated v2 hash of a hybrid (its v1 and v2
    /// peers each know only one), the one hash otherwise. The first is
    /// [`InfoHashes::swarm`].
    pub fn swarm_hashes(&self) -> Vec<InfoHash> {
        let mut hashes = vec![self.swarm()];
        if let (Some(_), Some(v2)) = (self.v1, self.v2) {
            hashes.push(v2.truncated());
        }
        hashes
    }

    /// Whether `info_bytes` hash to every hash present.
    pub fn matches(&self, info_bytes: &[u8]) -> bool {
        self.v1
            .is_none_or(|v1| InfoHash::of_info_bytes(info_bytes) == v1)
            && self
                .v2
                .is_none_or(|v2| InfoHashV2::of_info_bytes(info_bytes) == v2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &[u8] = b"d4:name1:xe";

    #[test]
    fn needs_one_hash_and_names_the_swarm_by_v1_first() {
        let v1 = InfoHash::of_info_bytes(INFO);
        let v2 = InfoHashV2::of_info_bytes(INFO);
        assert_eq!(InfoHashes::new(None, None), None);
        let both = InfoHashes::new(Some(v1), Some(v2));
        assert_eq!(both.map(|hashes| hashes.swarm()), Some(v1));
        let v2_only = InfoHashes::new(None, Some(v2));
        assert_eq!(v2_only.map(|hashes| hashes.swarm()), Some(v2.truncated()));
        assert_eq!(InfoHashes::from_v1(v1, None).swarm(), v1);
    }

    #[test]
    fn a_hybrid_is_named_by_both_hashes_and_the_others_by_one() {
        let v1 = InfoHash::of_info_bytes(INFO);
        let v2 = InfoHashV2::of_info_bytes(INFO);
        assert_eq!(
            InfoHashes::from_v1(v1, Some(v2)).swarm_hashes(),
            [v1, v2.truncated()]
        );
        assert_eq!(InfoHashes::from_v1(v1, None).swarm_hashes(), [v1]);
        assert_eq!(InfoHashes::from_v2(v2).swarm_hashes(), [v2.truncated()]);
    }

    #[test]
    fn metadata_must_match_every_hash_given() {
        let v1 = InfoHash::of_info_bytes(INFO);
        let v2 = InfoHashV2::of_info_bytes(INFO);
        let other = b"d4:name1:ye";
        for hashes in [
            InfoHashes::new(Some(v1), Some(v2)),
            InfoHashes::new(Some(v1), None),
            InfoHashes::new(None, Some(v2)),
        ]
        .into_iter()
        .flatten()
        {
            assert!(hashes.matches(INFO), "{hashes:?}");
            assert!(!hashes.matches(other), "{hashes:?}");
        }
        let wrong_v2 = InfoHashes::new(Some(v1), Some(InfoHashV2::of_info_bytes(other)));
        assert!(!wrong_v2.is_some_and(|hashes| hashes.matches(INFO)));
    }
}
