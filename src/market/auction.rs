//! The seeder's uniform-price auction of its regular upload slots, as a
//! [`Choker`]. Every rechoke the `slots` regular slots go to the highest
//! offers at or above the ask, ties broken by what the peer does for us
//! (tit-for-tat's measure) and then at random; every winner pays the same
//! price: the highest losing offer at or above the ask, or the ask when no
//! such offer lost (a multi-unit uniform-price auction). Regular slots no
//! offer fills go by tit-for-tat, free, so a seeder with an ask and no
//! bidders behaves as a plain one. The optimistic slot is never sold: it
//! rotates over every interested peer left, paying or not.
//!
//! A selling seeder's auction also holds its [`SellerBook`]: a request from
//! a paid slot is served only within the peer's credit window, and a peer
//! that stopped trading or leaves a `need_payment` unanswered bids nothing
//! at the next rechoke, so it falls back to the free tier.

use super::seller_book::SellerBook;
use crate::peer::BlockRequest;
use crate::swarm::picker::PeerKey;
use crate::swarm::{ChokeCandidate, Choker, OptimisticSlot, PricePerMib, UnchokePlan};
use rand::seq::SliceRandom;
use std::cmp::Reverse;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The auction of one torrent's regular slots.
pub struct Auction {
    /// The ask in base units per MiB, which the seller may change while it runs.
    ask: Arc<AtomicU64>,
    slots: usize,
    optimistic: OptimisticSlot,
    book: Option<Arc<SellerBook>>,
}

impl Auction {
    /// Sells `slots` regular slots at no less than `ask` per MiB.
    pub fn new(ask: PricePerMib, slots: usize) -> Auction {
        Auction {
            ask: Arc::new(AtomicU64::new(ask.0)),
            slots,
            optimistic: OptimisticSlot::default(),
            book: None,
        }
    }

    /// The auction of a seller whose payers are kept in `book`, at the
    /// ask `ask` holds at each rechoke.
    pub fn selling(ask: Arc<AtomicU64>, slots: usize, book: Arc<SellerBook>) -> Auction {
        Auction {
            ask,
            book: Some(book),
            ..Auction::new(PricePerMib(0), slots)
        }
    }

    /// The candidates with the offers that count now.
    fn valid_offers(&self, candidates: &[ChokeCandidate], now: Instant) -> Vec<ChokeCandidate> {
        let mut candidates = candidates.to_vec();
        if let Some(book) = &self.book {
            for candidate in &mut candidates {
                if candidate.offer.is_some() && !book.may_bid(candidate.peer, now) {
                    candidate.offer = None;
                }
            }
        }
        candidates
    }

    /// The winners of the valid offers among `interested`, with the clearing
    /// price, and the peers left.
    fn clear<'a>(
        &self,
        interested: Vec<&'a ChokeCandidate>,
        seeding: bool,
    ) -> (Vec<PeerKey>, PricePerMib, Vec<&'a ChokeCandidate>) {
        let ask = PricePerMib(self.ask.load(Ordering::Relaxed));
        let (mut bids, rest): (Vec<_>, Vec<_>) = interested
            .into_iter()
            .partition(|c| c.offer.is_some_and(|offer| offer >= ask));
        bids.shuffle(&mut rand::thread_rng());
        bids.sort_by_key(|c| (Reverse(c.offer), Reverse(c.reciprocation(seeding))));
        let losers = bids.split_off(self.slots.min(bids.len()));
        let clearing = losers.iter().filter_map(|c| c.offer).max().unwrap_or(ask);
        let winners = bids.iter().map(|c| c.peer).collect();
        let mut left = losers;
        left.extend(rest);
        (winners, clearing, left)
    }
}

impl Choker for Auction {
    fn plan(&mut self, candidates: &[ChokeCandidate], seeding: bool, now: Instant) -> UnchokePlan {
        let candidates = self.valid_offers(candidates, now);
        let interested: Vec<&ChokeCandidate> = candidates.iter().filter(|c| c.interested).collect();
        let (winners, clearing, mut left) = self.clear(interested, seeding);
        let mut regular: Vec<(PeerKey, Option<PricePerMib>)> = winners
            .into_iter()
            .map(|peer| (peer, Some(clearing)))
            .collect();
        left.shuffle(&mut rand::thread_rng());
        left.sort_by_key(|c| Reverse(c.reciprocation(seeding)));
        let free = self.slots.saturating_sub(regular.len()).min(left.len());
        regular.extend(left.drain(..free).map(|c| (c.peer, None)));
        let choked: Vec<PeerKey> = left.iter().map(|c| c.peer).collect();
        UnchokePlan {
            regular,
            optimistic: self.optimistic.choose(&choked, now),
        }
    }

    fn unchoke_on_interest(&mut self, _candidate: &ChokeCandidate, unchoked: usize) -> bool {
        unchoked < self.slots + 1
    }

    fn admit_request(&mut self, peer: PeerKey, request: &BlockRequest) -> bool {
        self.book
            .as_ref()
            .is_none_or(|book| book.admit(peer, u64::from(request.length)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::UploadSlot;

    const ASK: PricePerMib = PricePerMib(20_000);

    fn peer(key: PeerKey, offer: Option<u64>, upload_rate: u64) -> ChokeCandidate {
        ChokeCandidate {
            peer: key,
            interested: true,
            download_rate: 0,
            upload_rate,
            offer: offer.map(PricePerMib),
        }
    }

    fn plan(slots: usize, peers: &[ChokeCandidate]) -> UnchokePlan {
        Auction::new(ASK, slots).plan(peers, true, Instant::now())
    }

    #[test]
    fn the_higher_of_two_bids_for_one_slot_wins_and_pays_the_lower() {
        let peers = [peer(1, Some(50_000), 0), peer(2, Some(30_000), 0)];
        let plan = plan(1, &peers);
        assert_eq!(plan.regular, [(1, Some(PricePerMib(30_000)))]);
        assert_eq!(
            plan.optimistic,
            Some(2),
            "the loser keeps the free optimistic slot"
        );
        assert_eq!(plan.slot_of(2), UploadSlot::Optimistic);
    }

    #[test]
    fn every_winner_pays_the_same_price_and_the_ask_when_no_bid_lost() {
        let peers = [
            peer(1, Some(90_000), 0),
            peer(2, Some(50_000), 0),
            peer(3, Some(40_000), 0),
        ];
        let three = plan(3, &peers);
        assert!(three.regular.iter().all(|(_, price)| *price == Some(ASK)));
        let two = plan(2, &peers);
        let mut winners = two.regular.clone();
        winners.sort();
        let clearing = Some(PricePerMib(40_000));
        assert_eq!(winners, [(1, clearing), (2, clearing)]);
    }

    #[test]
    fn offers_below_the_ask_are_not_bids_and_share_the_free_slots() {
        let peers = [
            peer(1, Some(10_000), 500),
            peer(2, Some(20_000), 0),
            peer(3, None, 900),
        ];
        let plan = plan(2, &peers);
        assert_eq!(plan.regular, [(2, Some(ASK)), (3, None)]);
        assert_eq!(plan.optimistic, Some(1));
    }

    #[test]
    fn without_bidders_the_slots_go_by_tit_for_tat() {
        let peers: Vec<ChokeCandidate> = (0..6).map(|i| peer(i, None, i * 100)).collect();
        let plan = plan(4, &peers);
        assert_eq!(plan.regular, [(5, None), (4, None), (3, None), (2, None)]);
        assert!([0, 1].contains(&plan.optimistic.unwrap()));
    }

    #[test]
    fn equal_bids_go_to_the_peer_that_takes_more_then_at_random() {
        let peers = [peer(1, Some(30_000), 100), peer(2, Some(30_000), 900)];
        assert_eq!(plan(1, &peers).regular, [(2, Some(PricePerMib(30_000)))]);
        let tied = [peer(1, Some(30_000), 0), peer(2, Some(30_000), 0)];
        let winners: std::collections::HashSet<PeerKey> =
            (0..64).map(|_| plan(1, &tied).regular[0].0).collect();
        assert_eq!(winners.len(), 2, "a full tie is broken at random");
    }

    #[test]
    fn uninterested_peers_get_nothing_and_the_optimistic_slot_is_never_sold() {
        let mut peers = vec![peer(1, Some(90_000), 0), peer(2, Some(80_000), 0)];
        peers.push(ChokeCandidate {
            interested: false,
            ..peer(3, Some(99_000), 0)
        });
        for _ in 0..16 {
            let plan = plan(1, &peers);
            assert_eq!(plan.regular, [(1, Some(PricePerMib(80_000)))]);
            assert_eq!(plan.optimistic, Some(2));
        }
    }
}
