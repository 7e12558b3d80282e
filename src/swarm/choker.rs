//! Who may download from us. A [`Choker`] is asked every rechoke period (and
//! when a peer becomes interested while a slot is free) for the set of peers
//! to unchoke. Tit-for-tat is the strategy for plain swarms; the bandwidth
//! market's auction plugs in behind the same trait and must, like tit-for-tat,
//! keep the optimistic slot for peers that pay nothing.

use super::picker::PeerKey;
use rand::seq::SliceRandom;
use std::time::{Duration, Instant};

/// How often regular slots are reassigned.
pub const RECHOKE_INTERVAL: Duration = Duration::from_secs(10);
/// How often the optimistic slot moves to another peer.
pub const OPTIMISTIC_INTERVAL: Duration = Duration::from_secs(30);

/// What the choker knows of one connected peer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChokeCandidate {
    /// The peer.
    pub peer: PeerKey,
    /// Whether it wants our pieces.
    pub interested: bool,
    /// Bytes per second it sends us (recent average).
    pub download_rate: u64,
    /// Bytes per second we send it (recent average).
    pub upload_rate: u64,
}

/// A strategy that chooses which peers to unchoke.
pub trait Choker: Send {
    /// The peers to unchoke now, from all connected `candidates`. `seeding`
    /// is true once we have everything we want.
    fn unchoke_set(
        &mut self,
        candidates: &[ChokeCandidate],
        seeding: bool,
        now: Instant,
    ) -> Vec<PeerKey>;
}

/// BitTorrent's tit-for-tat: the `slots` interested peers that give us the
/// most (or, when seeding, that take the most) plus one optimistic unchoke
/// that rotates every [`OPTIMISTIC_INTERVAL`].
#[derive(Debug)]
pub struct TitForTat {
    slots: usize,
    optimistic: Option<(PeerKey, Instant)>,
}

impl TitForTat {
    /// Tit-for-tat with `slots` regular upload slots (the standard is 4).
    pub fn new(slots: usize) -> TitForTat {
        TitForTat {
            slots,
            optimistic: None,
        }
    }

    fn keep_or_rotate_optimistic(&mut self, choked: &[PeerKey], now: Instant) -> Option<PeerKey> {
        if let Some((peer, since)) = self.optimistic {
            if choked.contains(&peer) && now.duration_since(since) < OPTIMISTIC_INTERVAL {
                return Some(peer);
            }
        }
        let previous = self.optimistic.map(|(peer, _)| peer);
        let others: Vec<PeerKey> = choked
            .iter()
            .copied()
            .filter(|peer| Some(*peer) != previous)
            .collect();
        let pool = if others.is_empty() { choked } else { &others };
        let chosen = pool.choose(&mut rand::thread_rng()).copied();
        self.optimistic = chosen.map(|peer| (peer, now));
        chosen
    }
}

impl Choker for TitForTat {
    fn unchoke_set(
        &mut self,
        candidates: &[ChokeCandidate],
        seeding: bool,
        now: Instant,
    ) -> Vec<PeerKey> {
        let mut interested: Vec<&ChokeCandidate> =
            candidates.iter().filter(|c| c.interested).collect();
        interested.shuffle(&mut rand::thread_rng());
        interested.sort_by_key(|c| {
            std::cmp::Reverse(if seeding {
                c.upload_rate
            } else {
                c.download_rate
            })
        });
        let mut unchoked: Vec<PeerKey> =
            interested.iter().take(self.slots).map(|c| c.peer).collect();
        let choked: Vec<PeerKey> = interested.iter().skip(self.slots).map(|c| c.peer).collect();
        if let Some(optimistic) = self.keep_or_rotate_optimistic(&choked, now) {
            unchoked.push(optimistic);
        }
        unchoked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(peer: PeerKey, interested: bool, download_rate: u64) -> ChokeCandidate {
        ChokeCandidate {
            peer,
            interested,
            download_rate,
            upload_rate: 1000 - download_rate,
        }
    }

    #[test]
    fn best_uploaders_win_regular_slots_plus_one_optimistic() {
        let mut choker = TitForTat::new(2);
        let peers: Vec<ChokeCandidate> = (0..6).map(|i| candidate(i, i != 5, i * 100)).collect();
        let now = Instant::now();
        let set = choker.unchoke_set(&peers, false, now);
        assert_eq!(set.len(), 3);
        assert_eq!(&set[..2], &[4, 3]);
        assert!(
            [0, 1, 2].contains(&set[2]),
            "optimistic from the choked interested peers"
        );
        assert!(!set.contains(&5), "not interested peers stay choked");
    }

    #[test]
    fn seeding_ranks_by_upload_rate() {
        let mut choker = TitForTat::new(1);
        let peers: Vec<ChokeCandidate> = (0..3).map(|i| candidate(i, true, i * 100)).collect();
        let set = choker.unchoke_set(&peers, true, Instant::now());
        assert_eq!(set[0], 0);
    }

    #[test]
    fn optimistic_slot_rotates_only_after_its_interval() {
        let mut choker = TitForTat::new(0);
        let peers: Vec<ChokeCandidate> = (0..20).map(|i| candidate(i, true, 0)).collect();
        let start = Instant::now();
        let first = choker.unchoke_set(&peers, false, start);
        assert_eq!(
            choker.unchoke_set(&peers, false, start + RECHOKE_INTERVAL),
            first
        );
        let rotated = choker.unchoke_set(&peers, false, start + OPTIMISTIC_INTERVAL);
        assert_ne!(rotated, first, "the slot moves to another peer");
    }

    #[test]
    fn free_slots_unchoke_every_interested_peer() {
        let mut choker = TitForTat::new(4);
        let peers: Vec<ChokeCandidate> = (0..3).map(|i| candidate(i, true, 0)).collect();
        let mut set = choker.unchoke_set(&peers, false, Instant::now());
        set.sort();
        assert_eq!(set, vec![0, 1, 2]);
    }
}
