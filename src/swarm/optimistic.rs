//! The optimistic unchoke, shared by every [`Choker`](super::Choker): one
//! slot that goes to a choked interested peer picked at random, whatever it
//! gives or pays, and moves on every [`OPTIMISTIC_INTERVAL`]. It is how a new
//! peer with nothing to trade gets its first pieces, and why a swarm with a
//! market still serves peers that pay nothing: no strategy sells it.

use super::picker::PeerKey;
use rand::seq::SliceRandom;
use std::time::{Duration, Instant};

/// How often the optimistic slot moves to another peer.
pub const OPTIMISTIC_INTERVAL: Duration = Duration::from_secs(30);

/// Who holds the optimistic slot, and since when.
#[derive(Debug, Default)]
pub struct OptimisticSlot {
    holder: Option<(PeerKey, Instant)>,
}

impl OptimisticSlot {
    /// The peer to hold the slot now, from the interested peers that no
    /// regular slot unchokes (`choked`): the current holder while it is
    /// still among them and its interval lasts, else another one at random
    /// (the same one only when no other is left).
    pub fn choose(&mut self, choked: &[PeerKey], now: Instant) -> Option<PeerKey> {
        if let Some((peer, since)) = self.holder {
            if choked.contains(&peer) && now.duration_since(since) < OPTIMISTIC_INTERVAL {
                return Some(peer);
            }
        }
        let previous = self.holder.map(|(peer, _)| peer);
        let others: Vec<PeerKey> = choked
            .iter()
            .copied()
            .filter(|peer| Some(*peer) != previous)
            .collect();
        let pool = if others.is_empty() { choked } else { &others };
        let chosen = pool.choose(&mut rand::thread_rng()).copied();
        self.holder = chosen.map(|peer| (peer, now));
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_rotates_only_after_its_interval() {
        let mut slot = OptimisticSlot::default();
        let peers: Vec<PeerKey> = (0..20).collect();
        let start = Instant::now();
        let first = slot.choose(&peers, start);
        assert!(first.is_some());
        assert_eq!(slot.choose(&peers, start + Duration::from_secs(10)), first);
        let rotated = slot.choose(&peers, start + OPTIMISTIC_INTERVAL);
        assert_ne!(rotated, first, "the slot moves to another peer");
    }

    #[test]
    fn a_holder_that_got_a_regular_slot_or_left_is_replaced_at_once() {
        let mut slot = OptimisticSlot::default();
        let start = Instant::now();
        let first = slot.choose(&[1], start);
        assert_eq!(first, Some(1));
        assert_eq!(
            slot.choose(&[2, 3], start).map(|p| [2, 3].contains(&p)),
            Some(true)
        );
    }

    #[test]
    fn the_only_candidate_keeps_the_slot_and_none_leaves_it_empty() {
        let mut slot = OptimisticSlot::default();
        let start = Instant::now();
        assert_eq!(slot.choose(&[7], start), Some(7));
        assert_eq!(slot.choose(&[7], start + OPTIMISTIC_INTERVAL), Some(7));
        assert_eq!(slot.choose(&[], start + OPTIMISTIC_INTERVAL * 2), None);
    }
}
