//! Auto-bid (`btt-get --deadline`): every rechoke period, compare the
//! download's progress with its deadline and re-bid. The price starts at
//! the plan's ([`affordable_price`]: what is left of the budget spread over
//! what is left to download), stays there while the download is behind,
//! falls in proportion when it is ahead, and drops to 0 (no seller's ask
//! is met: free) when no slot is paid and the free rate alone meets the
//! deadline. A new bid goes out only when the wanted price differs by more
//! than [`REBID_CHANGE_PERCENT`]. A bid set by hand (`btt-bid set` or
//! `stop`) ends auto-bid for the rest of the run; a budget set by hand is
//! the one it spends from.
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
    if standing.rate <= needed {
        return most;
    }
    let scaled = u128::from(most.0) * u128::from(needed) / u128::from(standing.rate);
    PricePerMib(u64::try_from(scaled).unwrap_or(most.0))
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
    let mut last = (Instant::now(), session.stats().downloaded);
    let mut ticker = tokio::time::interval(RECHOKE_INTERVAL);
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
        }
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
            ..standing(0, false)
        };
        let price = wanted_price(&tight);
        assert!(super::super::price::cost_of(tight.left, price) <= 1_000);
    }
}
