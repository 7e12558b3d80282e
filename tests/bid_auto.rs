//! Auto-bid (`btt-get --deadline`) on loopback: behind its deadline it bids
//! what its budget allows, wins the one slot and pays at most the budget;
//! far ahead of it, it lowers its bid.

use crate::support;

use support::market::*;
use support::Child;

/// The seller: one slot on a slow line, about 24 s for the content.
const SELLER: &[&str] = &["--slots", "1", "--up-limit", "1MiB"];

/// The prices of `child`'s own `bid` records (no peer), in order.
fn own_bids(child: &Child) -> Vec<u64> {
    let bids = printed::<Bid>(child);
    let own = bids.iter().filter(|bid| bid.peer.is_none());
    own.filter_map(|bid| bid.price_base_units).collect()
}

fn auto_bid(market: &Market, deadline: &str) -> Child {
    let seller = market.seed("0.01BTT/MiB", SELLER);
    let flags = [
        "--wallet",
        "alice",
        "--budget",
        "1BTT",
        "--deadline",
        deadline,
    ];
    let (mut payer, out) = market.get("alice", &seller, &flags);
    payer.wait_success(DOWNLOAD);
    market.assert_complete(&out);
    payer
}

#[test]
fn behind_its_deadline_it_bids_what_the_budget_allows_and_stays_within_it() {
    let market = Market::new(Backend::Embedded);
    let payer = auto_bid(&market, "15s");
    let bids = own_bids(&payer);
    let most = 1_000_000u64 / 24;
    assert_eq!(bids.first(), Some(&most), "{}", payer.diagnostics());
    assert!(
        !printed::<Won>(&payer).is_empty(),
        "{}",
        payer.diagnostics()
    );
    let spent = summary(&payer).spent();
    assert!(spent > 0 && spent <= 1_000_000, "spent {spent}");
}

#[test]
fn far_ahead_of_its_deadline_it_lowers_its_bid() {
    let market = Market::new(Backend::Embedded);
    let payer = auto_bid(&market, "1h");
    let bids = own_bids(&payer);
    assert!(bids.len() >= 2, "{bids:?}\n{}", payer.diagnostics());
    assert!(bids[1] < bids[0] / 10, "{bids:?}");
    let spent = summary(&payer).spent();
    assert!(spent <= 1_000_000, "spent {spent}");
}
