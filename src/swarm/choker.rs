//! Who may download from us. A [`Choker`] is the only thing in a session
//! that unchokes a peer: every rechoke period it returns an [`UnchokePlan`]
//! (the regular slots, each with an optional price, and the optimistic
//! peer); between rechokes it says whether a newly interested peer may take
//! a free slot at once; and it sees every request before it is served, so a
//! strategy can refuse to serve past a limit (the market's credit window).
//!
//! Tit-for-tat is the strategy for plain swarms. A session takes its
//! strategy from [`SessionOptions::choker`](super::SessionOptions), so a
//! new one (the bandwidth market's auction) plugs in without editing the
//! swarm. Every strategy keeps the optimistic slot, shared as
//! [`OptimisticSlot`], for peers that pay nothing.

use super::optimistic::OptimisticSlot;
use super::picker::PeerKey;
use crate::peer::BlockRequest;
use rand::seq::SliceRandom;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often regular slots are reassigned.
pub const RECHOKE_INTERVAL: Duration = Duration::from_secs(10);
/// The regular upload slots of a plain swarm.
pub const DEFAULT_SLOTS: usize = 4;

/// A price for upload bandwidth: base units of BTT per MiB uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PricePerMib(pub u64);

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
    /// What it offers for a regular slot, if it bids (set by an extension
    /// through [`ExtensionPeer::set_offer`](super::ExtensionPeer::set_offer)).
    pub offer: Option<PricePerMib>,
}

/// The upload slot a peer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadSlot {
    /// It may not download from us (but for its allowed-fast pieces).
    Choked,
    /// A regular slot, at a price per MiB when it is sold.
    Regular {
        /// What the peer pays per MiB; `None` for a slot given for free.
        price: Option<PricePerMib>,
    },
    /// The optimistic slot, which is never sold.
    Optimistic,
}

impl UploadSlot {
    /// Whether the peer is unchoked.
    pub fn is_unchoked(self) -> bool {
        self != UploadSlot::Choked
    }
}

/// Whom to unchoke from now until the next rechoke; every peer not named is choked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnchokePlan {
    /// The regular slots: each peer with the price it pays (`None`: free).
    pub regular: Vec<(PeerKey, Option<PricePerMib>)>,
    /// The optimistic unchoke.
    pub optimistic: Option<PeerKey>,
}

impl UnchokePlan {
    /// The slot `peer` holds under this plan.
    pub fn slot_of(&self, peer: PeerKey) -> UploadSlot {
        if let Some(&(_, price)) = self.regular.iter().find(|(key, _)| *key == peer) {
            return UploadSlot::Regular { price };
        }
        if self.optimistic == Some(peer) {
            return UploadSlot::Optimistic;
        }
        UploadSlot::Choked
    }
}

/// A strategy that chooses which peers to unchoke.
pub trait Choker: Send {
    /// The slots from now on, from all connected `candidates`. `seeding` is
    /// true once we have everything we want.
    fn plan(&mut self, candidates: &[ChokeCandidate], seeding: bool, now: Instant) -> UnchokePlan;

    /// Whether `candidate`, which just became interested, may be unchoked
    /// now, before the next rechoke, while `unchoked` peers are unchoked.
    /// It then holds a free regular slot.
    fn unchoke_on_interest(&mut self, candidate: &ChokeCandidate, unchoked: usize) -> bool;

    /// Whether to serve `request` from `peer` (any peer we would otherwise
    /// serve: unchoked, or choked and asking for an allowed-fast piece).
    /// A refused request is rejected (fast extension) or dropped.
    fn admit_request(&mut self, _peer: PeerKey, _request: &BlockRequest) -> bool {
        true
    }
}

/// Builds one [`Choker`] per session (a process seeding many torrents runs
/// one strategy per torrent).
#[derive(Clone)]
pub struct ChokerFactory(Arc<dyn Fn() -> Box<dyn Choker> + Send + Sync>);

impl ChokerFactory {
    /// A factory that calls `build` for every session.
    pub fn new(build: impl Fn() -> Box<dyn Choker> + Send + Sync + 'static) -> ChokerFactory {
        ChokerFactory(Arc::new(build))
    }

    /// Tit-for-tat with `slots` regular slots.
    pub fn tit_for_tat(slots: usize) -> ChokerFactory {
        ChokerFactory::new(move || Box::new(TitForTat::new(slots)))
    }

    /// A new strategy for one session.
    pub fn build(&self) -> Box<dyn Choker> {
        (self.0)()
    }
}

impl Default for ChokerFactory {
    fn default() -> ChokerFactory {
        ChokerFactory::tit_for_tat(DEFAULT_SLOTS)
    }
}

impl fmt::Debug for ChokerFactory {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ChokerFactory")
    }
}

/// BitTorrent's tit-for-tat: the `slots` interested peers that give us the
/// most (or, when seeding, that take the most) plus the optimistic unchoke.
/// Every slot is free.
#[derive(Debug)]
pub struct TitForTat {
    slots: usize,
    optimistic: OptimisticSlot,
}

impl TitForTat {
    /// Tit-for-tat with `slots` regular upload slots (the standard is 4).
    pub fn new(slots: usize) -> TitForTat {
        TitForTat {
            slots,
            optimistic: OptimisticSlot::default(),
        }
    }
}

impl Choker for TitForTat {
    fn plan(&mut self, candidates: &[ChokeCandidate], seeding: bool, now: Instant) -> UnchokePlan {
        let mut interested: Vec<&ChokeCandidate> =
            candidates.iter().filter(|c| c.interested).collect();
        interested.shuffle(&mut rand::thread_rng());
        interested.sort_by_key(|c| std::cmp::Reverse(c.reciprocation(seeding)));
        let regular = interested
            .iter()
            .take(self.slots)
            .map(|c| (c.peer, None))
            .collect();
        let choked: Vec<PeerKey> = interested.iter().skip(self.slots).map(|c| c.peer).collect();
        UnchokePlan {
            regular,
            optimistic: self.optimistic.choose(&choked, now),
        }
    }

    fn unchoke_on_interest(&mut self, _candidate: &ChokeCandidate, unchoked: usize) -> bool {
        unchoked < self.slots + 1
    }
}

impl ChokeCandidate {
    /// How much the peer does for us, the tit-for-tat ranking: what it
    /// sends us, or when we seed, what it takes.
    pub fn reciprocation(&self, seeding: bool) -> u64 {
        if seeding {
            self.upload_rate
        } else {
            self.download_rate
        }
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
            offer: None,
        }
    }

    fn unchoked(plan: &UnchokePlan) -> Vec<PeerKey> {
        let mut peers: Vec<PeerKey> = plan.regular.iter().map(|(peer, _)| *peer).collect();
        peers.extend(plan.optimistic);
        peers
    }

    #[test]
    fn best_uploaders_win_regular_slots_plus_one_optimistic() {
        let mut choker = TitForTat::new(2);
        let peers: Vec<ChokeCandidate> = (0..6).map(|i| candidate(i, i != 5, i * 100)).collect();
        let plan = choker.plan(&peers, false, Instant::now());
        assert_eq!(plan.regular, vec![(4, None), (3, None)]);
        let optimistic = plan.optimistic.expect("an optimistic peer");
        assert!(
            [0, 1, 2].contains(&optimistic),
            "optimistic from the choked interested peers"
        );
        assert!(
            !unchoked(&plan).contains(&5),
            "not interested peers stay choked"
        );
        assert_eq!(plan.slot_of(4), UploadSlot::Regular { price: None });
        assert_eq!(plan.slot_of(optimistic), UploadSlot::Optimistic);
        assert_eq!(plan.slot_of(5), UploadSlot::Choked);
    }

    #[test]
    fn seeding_ranks_by_upload_rate() {
        let mut choker = TitForTat::new(1);
        let peers: Vec<ChokeCandidate> = (0..3).map(|i| candidate(i, true, i * 100)).collect();
        let plan = choker.plan(&peers, true, Instant::now());
        assert_eq!(plan.regular, vec![(0, None)]);
    }

    #[test]
    fn free_slots_unchoke_every_interested_peer() {
        let mut choker = TitForTat::new(4);
        let peers: Vec<ChokeCandidate> = (0..3).map(|i| candidate(i, true, 0)).collect();
        let mut set = unchoked(&choker.plan(&peers, false, Instant::now()));
        set.sort();
        assert_eq!(set, vec![0, 1, 2]);
    }

    #[test]
    fn an_interested_peer_is_unchoked_at_once_only_while_a_slot_is_free() {
        let mut choker = TitForTat::new(2);
        let peer = candidate(9, true, 0);
        assert!(choker.unchoke_on_interest(&peer, 0));
        assert!(choker.unchoke_on_interest(&peer, 2), "the optimistic slot");
        assert!(!choker.unchoke_on_interest(&peer, 3));
    }

    #[test]
    fn the_default_factory_builds_tit_for_tat_with_four_slots() {
        let mut choker = ChokerFactory::default().build();
        let peers: Vec<ChokeCandidate> = (0..10).map(|i| candidate(i, true, i)).collect();
        let plan = choker.plan(&peers, false, Instant::now());
        assert_eq!(plan.regular.len(), DEFAULT_SLOTS);
        assert!(plan.optimistic.is_some());
    }
}
