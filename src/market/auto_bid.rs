//! Auto-bid (`btt-get --deadline`): every rechoke period, compare the
//! download's progress with its deadline and re-bid. A download given a bid
//! (a plan's, or `--bid`) starts from it and follows it: that price is the
//! floor while it pays (and what it returns to when it went free and falls
//! behind), held while the download keeps to its deadline, and raised by
//! half at each check it is behind, up to what the budget allows
//! ([`affordable_price`]: what is left of the budget spread over what is
//! left to download). Without a given bid there is no floor, and it starts
//! from what the budget allows. Ahead of its deadline it lowers the price in
//! proportion (never below the floor), and it drops to 0 (no seller's ask
//! is met: free) when no slot is paid and the free rate alone meets the
//! deadline. The first check comes one period after the start, so the given
//! bid is in force for a whole period before it is judged. A new bid goes
//! out only when the wanted price differs by more than
//! [`REBID_CHANGE_PERCENT`]. A bid set by hand (`btt-bid set` or `stop`)
//! ends auto-bid for the rest of the run; a budget set by hand is the one
//! it spends from.
//!
//! Invariant: the price never asks for more than the budget has left, since
//! it is at most `affordable_price(budget - spent, left)`; and the
//! [`Buyer`] never signs past the budget whatever the bid.

use super::buyer::Buyer;
use super::plan::affordable_price;
use super::price::PricePerMib;
use crate::swarm::choker::RECHOKE_INTERVAL;
use crate::swarm::Session;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The change of the wanted price, in percent, that makes a new bid.
pub const REBID_CHANGE_PERCENT: u64 = 10;

/// A download's state at one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Bytes left to download.
    pub left: u64,
    /// Verified bytes per second since the last check.
    pub rate: u64,
    /// Time until the deadline.
    pub remaining: Duration,
    /// What the budget has left, in base units.
    pub spendable: u128,
    /// Whether a seller charges for a slot now.
    pub paid_slot: bool,
    /// The bid now; `PricePerMib(0)` when none.
    pub bid: PricePerMib,
    /// The given bid auto-bid follows (a plan's or `--bid`); 0 when none.
    pub floor: PricePerMib,
}

/// The price to bid now; `PricePerMib(0)` is free.
pub fn wanted_price(standing: &Standing) -> PricePerMib {
    if standing.left == 0 {
        return PricePerMib(0);
    }
    let needed = standing.left.div_ceil(standing.remaining.as_secs().max(1));
    if !standing.paid_slot && standing.rate >= needed {
        return PricePerMib(0);
    }
    let most = affordable_price(standing.spendable, standing.left);
    let wanted = if standing.rate < needed {
        if standing.bid < standing.floor {
            standing.floor
        } else {
            raised(standing.bid, most)
        }
    } else {
        let base = if standing.floor.0 == 0 {
            most
        } else {
            standing.bid
        };
        let scaled = u128::from(base.0) * u128::from(needed) / u128::from(standing.rate);
        PricePerMib(u64::try_from(scaled).unwrap_or(base.0))
    };
    wanted.max(standing.floor).min(most)
}

/// `bid` raised by half (to `most` when there is no bid to raise).
fn raised(bid: PricePerMib, most: PricePerMib) -> PricePerMib {
    if bid.0 == 0 {
        return most;
    }
    PricePerMib(bid.0.saturating_add(bid.0.div_ceil(2)))
}

/// Whether `wanted` differs enough from `current` to bid it.
pub fn worth_rebidding(current: Option<PricePerMib>, wanted: PricePerMib) -> bool {
    let Some(current) = current else { return true };
    if current.0 == 0 || wanted.0 == 0 {
        return current != wanted;
    }
    let change = current.0.abs_diff(wanted.0);
    u128::from(change) * 100 > u128::from(current.0) * u128::from(REBID_CHANGE_PERCENT)
}

/// The auto-bidder of one download; dropping it stops it.
pub struct AutoBidder(tokio::task::JoinHandle<()>);

impl AutoBidder {
    /// Bids for `session` through `buyer` to meet `deadline`, from now on.
    pub fn start(buyer: Buyer, session: Arc<Session>, deadline: Instant) -> AutoBidder {
        AutoBidder(tokio::spawn(drive(buyer, session, deadline)))
    }
}

impl Drop for AutoBidder {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn drive(buyer: Buyer, session: Arc<Session>, deadline: Instant) {
    let floor = buyer.status().bid.unwrap_or(PricePerMib(0));
    let mut last = (Instant::now(), session.stats().downloaded);
    let first_check = if floor.0 == 0 {
        tokio::time::Instant::now()
    } else {
        tokio::time::Instant::now() + RECHOKE_INTERVAL
    };
    let mut ticker = tokio::time::interval_at(first_check, RECHOKE_INTERVAL);
    loop {
        ticker.tick().await;
        let now = Instant::now();
        let stats = session.stats();
        let seconds = now.duration_since(last.0).as_secs_f64();
        let rate = if seconds > 0.0 {
            (stats.downloaded.saturating_sub(last.1) as f64 / seconds) as u64
        } else {
            0
        };
        last = (now, stats.downloaded);
        let status = buyer.status();
        let standing = Standing {
            left: stats.left,
            rate,
            remaining: deadline.saturating_duration_since(now),
            spendable: status.budget.saturating_sub(status.spent),
            paid_slot: status.price.is_some(),
            bid: status.bid.unwrap_or(PricePerMib(0)),
            floor,
        };
        let wanted = wanted_price(&standing);
        if worth_rebidding(status.bid, wanted) && !buyer.auto_bid(wanted) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn standing(rate: u64, paid_slot: bool) -> Standing {
        Standing {
            left: 60 * MIB,
            rate,
            remaining: Duration::from_secs(60),
            spendable: 6_000_000,
            paid_slot,
            bid: PricePerMib(100_000),
            floor: PricePerMib(0),
        }
    }

    /// A download that follows a plan's bid of 0.01BTT/MiB, bidding `bid`.
    fn planned(rate: u64, bid: u64) -> Standing {
        Standing {
            bid: PricePerMib(bid),
            floor: PricePerMib(10_000),
            ..standing(rate, true)
        }
    }

    #[test]
    fn a_given_bid_is_held_on_schedule_and_raised_by_half_when_behind() {
        assert_eq!(wanted_price(&planned(MIB, 10_000)), PricePerMib(10_000));
        assert_eq!(
            wanted_price(&planned(4 * MIB, 10_000)),
            PricePerMib(10_000),
            "never below it"
        );
        assert_eq!(wanted_price(&planned(MIB / 2, 10_000)), PricePerMib(15_000));
        assert_eq!(
            wanted_price(&planned(MIB / 2, 90_000)),
            PricePerMib(100_000),
            "the budget caps it"
        );
        assert_eq!(
            wanted_price(&planned(4 * MIB, 40_000)),
            PricePerMib(10_000),
            "ahead: lower"
        );
        let free_again = Standing {
            paid_slot: false,
            ..planned(0, 0)
        };
        assert_eq!(
            wanted_price(&free_again),
            PricePerMib(10_000),
            "behind while free: the plan's bid"
        );
    }

    #[test]
    fn behind_it_bids_what_the_budget_allows_and_ahead_less() {
        let most = PricePerMib(100_000);
        assert_eq!(wanted_price(&standing(0, false)), most);
        assert_eq!(wanted_price(&standing(MIB / 2, true)), most);
        assert_eq!(wanted_price(&standing(2 * MIB, true)), PricePerMib(50_000));
    }

    #[test]
    fn free_when_the_free_rate_meets_the_deadline_or_nothing_is_left() {
        assert_eq!(wanted_price(&standing(MIB, false)), PricePerMib(0));
        let done = Standing {
            left: 0,
            ..standing(0, true)
        };
        assert_eq!(wanted_price(&done), PricePerMib(0));
    }

    #[test]
    fn it_rebids_only_past_a_ten_percent_change() {
        let at = |units| Some(PricePerMib(units));
        assert!(!worth_rebidding(at(100_000), PricePerMib(109_000)));
        assert!(worth_rebidding(at(100_000), PricePerMib(111_000)));
        assert!(worth_rebidding(at(100_000), PricePerMib(0)));
        assert!(!worth_rebidding(at(0), PricePerMib(0)));
        assert!(worth_rebidding(None, PricePerMib(0)));
    }

    #[test]
    fn the_price_never_asks_more_than_the_budget_left() {
        let tight = Standing {
            spendable: 1_000,
            ..planned(0, 50_000)
        };
        let price = wanted_price(&tight);
        assert!(super::super::price::cost_of(tight.left, price) <= 1_000);
    }
}
