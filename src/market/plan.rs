//! Pricing a download from a budget, a deadline and the asks a swarm's
//! sellers quoted (`btt-bid plan`; a download fed a plan starts its
//! auto-bid from it). The plan bids what the deadline needs, not what the
//! budget could pay: the lowest ask at which the paid slots won give the
//! rate the deadline needs, by the slot rates the sellers said (a seller
//! that said none may be fast enough alone, so its ask is enough), within
//! the budget. When no set of sellers is fast enough it bids the highest
//! ask (every seller), and says the deadline is missed. A budget below what
//! the remaining bytes cost at the lowest ask can not buy a paid slot for
//! the whole download, so it can not promise the deadline: that is refused,
//! plainly.
//!
//! On a chain every seller paid costs the fee of opening a channel to it:
//! that fee for each seller quoted is set aside from the budget first
//! (`fees_base_units`), and the rest pays for the bytes.
//!
//! Invariant: the planned price never asks for more than the budget, since
//! it is at most [`affordable_price`], for which
//! `cost_of(left, price) + fees <= budget`.

use super::events::btt_text;
use super::price::{cost_of, format_price, PricePerMib, MIB};
use crate::amount::Token;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a plan is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInput {
    /// The torrent as `btt-get` takes it: a path or a magnet link.
    pub torrent: String,
    /// Bytes left to download.
    pub left: u64,
    /// The most to pay for them, in base units.
    pub budget: u128,
    /// When the download must be done, from now.
    pub deadline: Duration,
    /// What the sellers quoted.
    pub offers: Vec<Offer>,
    /// The token the budget and the asks are base units of.
    pub token: Token,
    /// The fee of opening a channel to one seller (gas on a chain, nothing
    /// on btt's ledgers), in base units of `token`.
    pub open_cost: u128,
}

/// One seller's quote as a plan uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// Its ask per MiB.
    pub ask: PricePerMib,
    /// The most bytes per second a paid slot of it gets; `None`: not limited, or not said.
    pub slot_rate: Option<u64>,
}

/// Why no plan meets the deadline within the budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Nobody sells.
    #[error("no seller quoted an ask; a bid buys nothing in this swarm")]
    NoSeller,
    /// The budget can't pay for the rest at the lowest ask.
    #[error(
        "a budget of {} can't meet the deadline: the {} left cost {} at the lowest ask, {}",
        btt_text(*.budget, *.token),
        mib_text(*.left),
        btt_text(*.needed, *.token),
        format_price(*.lowest_ask, *.token)
    )]
    BudgetTooSmall {
        budget: u128,
        left: u64,
        needed: u128,
        lowest_ask: PricePerMib,
        token: Token,
    },
}

/// A plan (`plan` record): `btt-get -` reads it and bids `price` with `budget`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The torrent: a path or a magnet link.
    pub torrent: String,
    /// The bid per MiB.
    pub price: String,
    /// The same in base units per MiB.
    pub price_base_units: u64,
    /// The most to pay.
    pub budget: String,
    /// The same in base units.
    #[serde(with = "crate::amount::units_text")]
    pub budget_base_units: u128,
    /// What the amounts are base units of: `btt`, or `bttc` (wei) on a chain.
    #[serde(default = "btt_token")]
    pub token: Token,
    /// Set aside from the budget for the fees of opening a channel to each
    /// seller quoted, in base units.
    #[serde(with = "crate::amount::units_text", default)]
    pub fees_base_units: u128,
    /// When the download must be done, in seconds from its start.
    pub deadline_seconds: u64,
    /// Bytes left to download when planned.
    pub left: u64,
    /// The download rate the deadline needs, bytes per second.
    pub needed_rate: u64,
    /// How many sellers ask no more than the price.
    pub sellers: usize,
    /// What the rest costs at the lowest ask, in base units: the least the plan pays.
    #[serde(with = "crate::amount::units_text")]
    pub lowest_cost_base_units: u128,
    /// What the rest costs at the bid, in base units: the most the plan pays.
    #[serde(with = "crate::amount::units_text", default)]
    pub most_cost_base_units: u128,
    /// Bytes per second the paid slots of the sellers it wins give, when
    /// every such seller said; free peers come on top.
    #[serde(default)]
    pub expected_rate: Option<u64>,
    /// The seconds the rest takes at `expected_rate`.
    #[serde(default)]
    pub expected_seconds: Option<u64>,
}

/// The token of a plan that names none: btt's ledgers' BTT.
fn btt_token() -> Token {
    Token::Btt
}

impl Plan {
    /// The bid as a price.
    pub fn bid(&self) -> PricePerMib {
        PricePerMib(self.price_base_units)
    }
}

/// The price the budget pays for every remaining byte, rounded down.
pub fn affordable_price(budget: u128, left: u64) -> PricePerMib {
    if left == 0 {
        return PricePerMib(u64::MAX);
    }
    let per_mib = budget.saturating_mul(MIB) / u128::from(left);
    PricePerMib(u64::try_from(per_mib).unwrap_or(u64::MAX))
}

/// The plan for `input`, or why there is none.
pub fn plan(input: &PlanInput) -> Result<Plan, PlanError> {
    let lowest_ask = input
        .offers
        .iter()
        .map(|offer| offer.ask)
        .min()
        .ok_or(PlanError::NoSeller)?;
    let fees = input
        .open_cost
        .saturating_mul(u128::try_from(input.offers.len()).unwrap_or(u128::MAX));
    let for_bytes = input.budget.saturating_sub(fees);
    let needed = cost_of(input.left, lowest_ask);
    if needed.saturating_add(fees) > input.budget {
        return Err(PlanError::BudgetTooSmall {
            budget: input.budget,
            left: input.left,
            needed,
            lowest_ask,
            token: input.token,
        });
    }
    let seconds = input.deadline.as_secs().max(1);
    let needed_rate = input.left.div_ceil(seconds);
    let price = deadline_price(&input.offers, needed_rate)
        .unwrap_or(lowest_ask)
        .min(affordable_price(for_bytes, input.left));
    let won: Vec<&Offer> = input.offers.iter().filter(|o| o.ask <= price).collect();
    let expected_rate = won
        .iter()
        .map(|offer| offer.slot_rate)
        .sum::<Option<u64>>()
        .filter(|rate| *rate > 0);
    Ok(Plan {
        torrent: input.torrent.clone(),
        price: format_price(price, input.token),
        price_base_units: price.0,
        budget: btt_text(input.budget, input.token),
        budget_base_units: input.budget,
        token: input.token,
        fees_base_units: fees,
        deadline_seconds: input.deadline.as_secs(),
        left: input.left,
        needed_rate,
        sellers: won.len(),
        lowest_cost_base_units: needed,
        most_cost_base_units: cost_of(input.left, price).min(for_bytes),
        expected_rate,
        expected_seconds: expected_rate.map(|rate| input.left.div_ceil(rate)),
    })
}

/// The lowest ask at which the sellers won give `needed_rate` bytes per
/// second: sellers are won cheapest first, and one whose slot rate is not
/// known ends the search (it may be fast enough alone). When all of them
/// together are too slow, the highest ask, which wins every seller.
fn deadline_price(offers: &[Offer], needed_rate: u64) -> Option<PricePerMib> {
    let mut cheapest_first = offers.to_vec();
    cheapest_first.sort_by_key(|offer| offer.ask);
    let mut rate = 0u64;
    for offer in &cheapest_first {
        match offer.slot_rate {
            None => return Some(offer.ask),
            Some(slot_rate) => rate = rate.saturating_add(slot_rate),
        }
        if rate >= needed_rate {
            return Some(offer.ask);
        }
    }
    cheapest_first.last().map(|offer| offer.ask)
}

impl Plan {
    /// Whether the sellers' rates are known to be too slow for the deadline.
    pub fn misses_deadline(&self) -> bool {
        self.expected_seconds
            .is_some_and(|seconds| seconds > self.deadline_seconds)
    }
}

fn mib_text(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(budget: u128, asks: &[u64]) -> PlanInput {
        PlanInput {
            torrent: "album.torrent".into(),
            left: 24 << 20,
            budget,
            deadline: Duration::from_secs(60),
            token: Token::Btt,
            open_cost: 0,
            offers: asks
                .iter()
                .map(|&ask| Offer {
                    ask: PricePerMib(ask),
                    slot_rate: None,
                })
                .collect(),
        }
    }

    #[test]
    fn the_price_is_the_ask_the_deadline_needs_not_the_whole_budget() {
        let plan = plan(&input(1_000_000, &[10_000, 50_000])).unwrap();
        assert_eq!(plan.price_base_units, 10_000, "an unlimited seller may do");
        assert!(plan.price_base_units < 1_000_000 / 24);
        assert_eq!((plan.sellers, plan.lowest_cost_base_units), (1, 240_000));
        assert_eq!(plan.most_cost_base_units, 240_000);
        assert_eq!(plan.needed_rate, (24u64 << 20).div_ceil(60));
    }

    /// 24 MiB in 60 s need 0.4 MiB/s.
    fn limited(asks_and_rates: &[(u64, u64)], budget: u128) -> PlanInput {
        let mut input = input(budget, &[]);
        input.offers = asks_and_rates
            .iter()
            .map(|&(ask, rate)| Offer {
                ask: PricePerMib(ask),
                slot_rate: Some(rate),
            })
            .collect();
        input
    }

    #[test]
    fn it_wins_the_cheapest_sellers_that_together_are_fast_enough() {
        let slow = 1 << 18;
        let offers = [(30_000, slow), (10_000, slow), (20_000, slow)];
        let planned = plan(&limited(&offers, 10_000_000)).unwrap();
        assert_eq!(planned.price_base_units, 20_000, "two 0.25 MiB/s slots");
        assert_eq!(
            (planned.sellers, planned.expected_rate),
            (2, Some(2 * slow))
        );
        assert!(!planned.misses_deadline());

        let too_slow = [(10_000, 1 << 16), (20_000, 1 << 16)];
        let planned = plan(&limited(&too_slow, 10_000_000)).unwrap();
        assert_eq!(planned.price_base_units, 20_000, "every seller");
        assert!(planned.misses_deadline());
    }

    #[test]
    fn the_budget_caps_the_price_the_deadline_needs() {
        let offers = [(10_000, 1 << 18), (90_000, 1 << 18)];
        let budget = 500_000;
        let planned = plan(&limited(&offers, budget)).unwrap();
        assert_eq!(planned.price_base_units, 500_000 / 24);
        assert_eq!(
            planned.sellers, 1,
            "the 0.09BTT/MiB seller is beyond the budget"
        );
        assert!(cost_of(24 << 20, planned.bid()) <= budget);
        assert!(planned.misses_deadline());
    }

    proptest::proptest! {
        #[test]
        fn a_plan_never_costs_more_than_its_budget_nor_bids_below_the_lowest_ask(
            asks in proptest::collection::vec((1u64..1_000_000, proptest::option::of(1u64..(8 << 20))), 1..6),
            budget in 0u128..100_000_000,
            open_cost in 0u128..1_000_000,
            left in 1u64..(1 << 34),
            deadline in 1u64..100_000,
        ) {
            let input = PlanInput {
                torrent: "t".into(),
                left,
                budget,
                deadline: Duration::from_secs(deadline),
                token: Token::Btt,
                open_cost,
                offers: asks.iter().map(|&(ask, slot_rate)| Offer { ask: PricePerMib(ask), slot_rate }).collect(),
            };
            if let Ok(planned) = plan(&input) {
                let lowest = asks.iter().map(|(ask, _)| *ask).min().unwrap();
                let fees = open_cost * asks.len() as u128;
                proptest::prop_assert_eq!(planned.fees_base_units, fees);
                proptest::prop_assert!(cost_of(left, planned.bid()) + fees <= budget);
                proptest::prop_assert!(planned.price_base_units >= lowest);
                proptest::prop_assert!(planned.sellers >= 1);
            }
        }
    }

    /// On a chain the gas of opening a channel to each seller quoted comes
    /// out of the budget before the bytes are priced.
    #[test]
    fn the_fee_of_opening_each_sellers_channel_is_set_aside_from_the_budget() {
        let offers = [(10_000, 1 << 18), (90_000, 1 << 18)];
        let mut input = limited(&offers, 500_000);
        input.open_cost = 10_000;
        let planned = plan(&input).unwrap();
        assert_eq!(planned.fees_base_units, 20_000);
        assert_eq!(planned.price_base_units, 480_000 / 24);
        assert!(cost_of(24 << 20, planned.bid()) + 20_000 <= 500_000);
        input.open_cost = 131_000;
        assert!(matches!(
            plan(&input),
            Err(PlanError::BudgetTooSmall { .. })
        ));
    }

    #[test]
    fn a_budget_below_the_cost_at_the_lowest_ask_is_refused_plainly() {
        let error = plan(&input(200_000, &[10_000])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a budget of 0.2BTT can't meet the deadline: the 24.0 MiB left cost 0.24BTT at the lowest ask, 0.01BTT/MiB"
        );
        assert_eq!(plan(&input(1, &[])).unwrap_err(), PlanError::NoSeller);
    }

    #[test]
    fn the_expected_time_comes_from_the_slot_rates_of_the_sellers_the_bid_wins() {
        let mut input = input(1_000_000, &[10_000, 20_000, 900_000]);
        input.offers[0].slot_rate = Some(1 << 18);
        input.offers[1].slot_rate = Some(1 << 19);
        let planned = plan(&input).unwrap();
        assert_eq!(planned.sellers, 2, "the 0.9BTT/MiB seller is not won");
        assert_eq!(planned.expected_rate, Some(3 << 18));
        assert_eq!(
            planned.expected_seconds,
            Some((24u64 << 20).div_ceil(3 << 18))
        );
        assert!(!planned.misses_deadline(), "32 s against 60 s");
        input.deadline = Duration::from_secs(10);
        let planned = plan(&input).unwrap();
        assert!(planned.misses_deadline());
        assert_eq!(
            planned.price_base_units,
            1_000_000 / 24,
            "the budget caps it"
        );
        input.offers[1].slot_rate = None;
        let unknown = plan(&input).unwrap();
        assert_eq!(
            (unknown.expected_rate, unknown.expected_seconds),
            (None, None)
        );
        assert!(
            !unknown.misses_deadline(),
            "an unlimited seller may be fast enough"
        );
    }

    #[test]
    fn the_most_a_plan_pays_is_the_rest_at_the_bid_within_the_budget() {
        let planned = plan(&input(1_000_000, &[10_000])).unwrap();
        assert_eq!(
            planned.most_cost_base_units,
            cost_of(24 << 20, planned.bid())
        );
        assert!(planned.most_cost_base_units <= 1_000_000);
    }

    #[test]
    fn a_plan_reads_back() {
        let plan = plan(&input(1_000_000, &[10_000])).unwrap();
        let line = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<Plan>(&line).unwrap(), plan);
    }
}
