//! The bandwidth market with real processes on loopback: `btt-seed run
//! --ask` sells its regular slots, `btt-get --bid --budget` buys them, free
//! leechers keep downloading, and the ledger (the embedded one shared by
//! every process, or a `btt-wallet node`) moves exactly what the vouchers
//! say.

use crate::support;

use btt::amount::Token;
use btt::cli::seed::EarningsSummary;
use support::market::*;
use support::{typed, Child};

/// alice bids 0.02BTT/MiB with a budget of 5BTT.
const ALICE_BIDS: [&str; 6] = [
    "--wallet",
    "alice",
    "--bid",
    "0.02BTT/MiB",
    "--budget",
    "5BTT",
];

/// A payer and a free leecher against a capped seller: the payer wins the
/// one regular slot at the ask, the free one still completes, and the
/// balances move exactly as the vouchers say (on a chain, gas counted on
/// its own). Returns the market, the payer's records and what it spent.
fn a_payer_and_a_free_leecher(backend: Backend) -> (Market, RunSummary, u128) {
    let market = Market::new(backend);
    let ask = market.units_per_btt() / 100;
    let mut seller = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "2MiB"]);
    let (mut payer, payer_out) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    let (mut free, free_out) = market.get("free", &seller, &[]);
    payer.wait_success(DOWNLOAD);
    free.wait_success(DOWNLOAD);
    market.assert_complete(&payer_out);
    market.assert_complete(&free_out);

    let won = printed::<Won>(&payer);
    assert!(
        !won.is_empty(),
        "the payer never won\n{}",
        payer.diagnostics()
    );
    assert!(
        won.iter()
            .all(|w| u128::from(w.price_base_units) == ask && w.peer.port() == seller.port),
        "{won:?}"
    );
    assert_eq!(won[0].price, "0.01BTT/MiB", "prices read in BTT");
    let carol = address_of(&signing_key(CAROL_KEY));
    let met = printed::<MarketPeer>(&payer);
    assert!(
        met.iter()
            .any(|m| m.wallet == carol && m.ask_base_units == u64::try_from(ask).ok()),
        "{met:?}"
    );
    let paid = summary(&payer);
    assert!(paid.complete, "{paid:?}");
    let spent = paid.spent();
    let shares = paid.market_peers.as_deref().unwrap_or_default();
    assert!(
        shares.iter().all(|share| share.wallet == carol) && !shares.is_empty(),
        "{paid:?}"
    );
    let payments = printed::<Payment>(&payer);
    let last = payments.last().expect("payments");
    assert_eq!(last.cumulative_base_units.0, spent);
    assert!(spent > 0 && spent <= 24 * ask, "spent {spent}");
    assert!(printed::<Won>(&free).is_empty());

    let closed = wait_closed(&seller.child, ALICE);
    assert_eq!(closed.redeemed_base_units.0, spent);
    assert_eq!(closed.channel, last.channel);
    seller.child.terminate();
    let earned = summary(&seller.child).earned();
    assert_eq!(earned, spent, "{}", seller.child.diagnostics());
    assert_eq!(market.balance("alice"), market.funds() - spent);
    assert_eq!(market.balance("carol"), spent);
    (market, paid, spent)
}

#[test]
fn a_payer_and_a_free_leecher_on_the_embedded_ledger() {
    a_payer_and_a_free_leecher(Backend::Embedded);
}

#[test]
fn a_payer_and_a_free_leecher_on_a_ledger_node() {
    a_payer_and_a_free_leecher(Backend::Node);
}

/// The market on btt's channels contract on a chain (anvil, chain id 199):
/// alice pays carol through a channel of the contract, with EIP-712
/// vouchers, at protocol version 2, while a free leecher keeps downloading.
/// Prices and amounts are wei; every wei is accounted for: the balances
/// move by what the vouchers say and each side's own gas (alice's summary
/// and carol's earnings say how much), and no channel stays open.
#[test]
fn a_payer_and_a_free_leecher_on_the_channels_contract_of_a_chain() {
    let (market, paid, spent) = a_payer_and_a_free_leecher(Backend::Chain);
    let alice_gas = gas_paid(market.anvil(), &evm_address(ALICE_KEY));
    let carol_gas = gas_paid(market.anvil(), &evm_address(CAROL_KEY)) - market.deploy_fee();
    assert!(
        alice_gas > 0 && carol_gas > 0,
        "each side sent its own transactions"
    );
    let fees = paid.fees_base_units.expect("the payer's gas").0;
    assert_eq!(fees, alice_gas, "the payer counts the gas it paid");
    assert!(
        spent + fees <= 5 * WEI_PER_BTT,
        "the budget pays vouchers and gas"
    );
    let mut earnings = market.command("btt-seed");
    earnings.args(["earnings", "--wallet", "carol"]);
    let earnings = market.finish("btt-seed earnings", earnings);
    let earned: EarningsSummary = typed(earnings.last().expect("a summary"));
    let total = &earned.totals[0];
    assert_eq!(total.token, Token::Bttc);
    assert_eq!(total.earned, spent.to_string());
    assert_eq!(total.fees, carol_gas.to_string(), "the close's gas");
    assert_eq!(total.net, (spent - carol_gas).to_string());
    let contract = market.wallet(&["channel", "list", "--from", "alice"]);
    let open = contract
        .iter()
        .filter(|channel| channel["status"] == "open");
    assert_eq!(open.count(), 0, "{contract:?}");
}

/// On a chain the gas of opening a channel comes out of the budget too:
/// with a budget below the deposit alice would want, her channel's deposit
/// and the open's gas add up to at most the budget.
#[test]
fn on_a_chain_a_channels_deposit_and_the_gas_to_open_it_fit_the_budget() {
    let market = Market::new(Backend::Chain);
    let mut carol = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "2MiB"]);
    let (mut alice, out) = market.buy("alice", &carol, "0.02BTT/MiB", "0.001BTT");
    let (mut free, _) = market.get("free", &carol, &[]);
    alice.wait_success(DOWNLOAD);
    free.wait_success(DOWNLOAD);
    market.assert_complete(&out);
    carol.child.terminate();
    let channels = market.wallet(&["channel", "list", "--from", "alice"]);
    let deposits: u128 = channels
        .iter()
        .map(|channel| units(&channel["locked_base_units"]))
        .sum();
    let gas = gas_paid(market.anvil(), &evm_address(ALICE_KEY));
    assert!(
        deposits > 0 && gas > 0,
        "{channels:?}\n{}",
        alice.diagnostics()
    );
    assert!(
        deposits + gas <= market.units_per_btt() / 1_000,
        "deposits {deposits} and gas {gas} pass the budget"
    );
}

/// On a chain a redeem costs gas: with `--redeem-above` above anything the
/// payer owes, the seller sends no redeem while trading (though it ticks
/// every second), and one close pays everything it accepted.
#[test]
fn on_a_chain_a_seller_redeems_only_what_is_worth_the_gas() {
    let market = Market::new(Backend::Chain);
    let carol = evm_address(CAROL_KEY);
    let sent = || {
        let count = market
            .anvil()
            .rpc(
                "eth_getTransactionCount",
                serde_json::json!([carol, "latest"]),
            )
            .unwrap();
        u64::from_str_radix(count.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    };
    let sent_before = sent();
    let flags = [
        "--slots",
        "1",
        "--up-limit",
        "2MiB",
        "--redeem-every",
        "1s",
        "--redeem-above",
        "100BTT",
    ];
    let mut seller = market.seed("0.01BTT/MiB", &flags);
    let (mut payer, _) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    payer.wait_success(DOWNLOAD);
    let spent = summary(&payer).spent();
    let closed = wait_closed(&seller.child, ALICE);
    seller.child.terminate();
    assert_eq!(closed.redeemed_base_units.0, spent);
    let settlements = printed::<Settlement>(&seller.child);
    let while_trading = settlements.iter().filter(|s| !s.closed).count();
    assert_eq!(while_trading, 0, "{}", seller.child.diagnostics());
    assert_eq!(sent() - sent_before, 1, "one transaction: the close");
    assert_eq!(market.balance("carol"), spent);
}

/// The 0x address of a test wallet's hex key.
fn evm_address(hex_key: &str) -> String {
    btt::wallet::PrivateKey::from_hex(hex_key)
        .expect("a test key")
        .address()
        .to_evm()
}

/// The prices a payer's `won` records name, in base units per MiB.
fn prices_won(payer: &Child) -> Vec<u64> {
    let won = printed::<Won>(payer);
    won.iter().map(|won| won.price_base_units).collect()
}

/// Two bidders for one slot: the higher wins and pays the lower bid. (A
/// bidder alone, before the other's bid arrives or after it left, pays the ask.)
#[test]
fn two_bidders_for_one_slot_the_higher_pays_the_lower_bid() {
    two_bidders_for_one_slot(Backend::Embedded);
}

#[test]
fn on_the_channels_contract_two_bidders_for_one_slot_the_higher_pays_the_lower_bid() {
    two_bidders_for_one_slot(Backend::Chain);
}

fn two_bidders_for_one_slot(backend: Backend) {
    let market = Market::new(backend);
    let micro = u64::try_from(market.units_per_btt() / 1_000_000).expect("u64");
    let mut seller = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "2MiB"]);
    let (mut alice, _) = market.buy("alice", &seller, "0.05BTT/MiB", "5BTT");
    let (mut bob, _) = market.buy("bob", &seller, "0.03BTT/MiB", "5BTT");
    alice.wait_success(DOWNLOAD);
    bob.wait_success(DOWNLOAD);
    let alice_prices = prices_won(&alice);
    assert!(
        alice_prices.contains(&(30_000 * micro)),
        "{alice_prices:?}\n{}",
        alice.diagnostics()
    );
    assert!(
        alice_prices
            .iter()
            .all(|p| [10_000 * micro, 30_000 * micro].contains(p)),
        "{alice_prices:?}"
    );
    let bob_prices = prices_won(&bob);
    assert!(
        bob_prices.iter().all(|p| *p == 10_000 * micro),
        "{bob_prices:?}"
    );
    let spent = summary(&alice).spent();
    let bob_spent = summary(&bob).spent();
    wait_closed(&seller.child, ALICE);
    if !bob_prices.is_empty() {
        wait_closed(&seller.child, BOB);
    }
    seller.child.terminate();
    let earned = summary(&seller.child).earned();
    assert_eq!(earned, spent + bob_spent);
    assert_eq!(market.balance("alice"), market.funds() - spent);
    assert_eq!(market.balance("bob"), market.funds() - bob_spent);
    assert_eq!(market.balance("carol"), earned);
}

/// `kill -9` of the seller while a payer pays: a restart closes the
/// channel with the best voucher it had journaled, so every voucher it
/// accepted is paid, once; a second restart pays nothing more.
#[test]
fn a_seller_killed_mid_download_is_paid_what_it_accepted_when_it_restarts() {
    a_seller_killed_mid_download(Backend::Embedded);
}

#[test]
fn a_seller_on_a_ledger_node_killed_mid_download_is_paid_what_it_accepted_when_it_restarts() {
    a_seller_killed_mid_download(Backend::Node);
}

/// A seller restarted with `flags` after a crash: what it closed alice's
/// channel with from its journal.
fn restarted_seller_closes(market: &Market, flags: &[&str]) -> u128 {
    let mut restarted = market.seed("0.01BTT/MiB", flags);
    let closed = wait_closed(&restarted.child, ALICE);
    restarted.child.terminate();
    closed.redeemed_base_units.0
}

#[test]
fn a_seller_on_the_channels_contract_killed_mid_download_is_paid_what_it_accepted_when_it_restarts()
{
    a_seller_killed_mid_download(Backend::Chain);
}

fn a_seller_killed_mid_download(backend: Backend) {
    let market = Market::new(backend);
    let flags = ["--slots", "1", "--up-limit", "2MiB"];
    let mut seller = market.seed("0.01BTT/MiB", &flags);
    let (mut payer, _) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    wait_records::<Earning>(&seller.child, 2, DOWNLOAD);
    kill_9(&mut seller.child);
    let accepted = accepted(&seller.child);
    payer.terminate();
    let signed = signed(&payer);

    let paid = restarted_seller_closes(&market, &flags);
    assert!(
        paid >= accepted && paid <= signed,
        "{accepted} <= {paid} <= {signed}"
    );
    assert_eq!(market.balance("carol"), paid);
    assert_eq!(market.balance("alice"), market.funds() - paid);

    // A seeder settles what its journal left before it listens, and the
    // settlement records of that and of its exit are all printed once it
    // has exited: no wait proves more than its whole run does.
    let mut again = market.seed("0.01BTT/MiB", &flags);
    again.child.terminate();
    assert!(printed::<Settlement>(&again.child).is_empty());
    assert_eq!(market.balance("carol"), paid, "nothing is paid twice");
}

/// `kill -9` of the seller just after one of its redeems while trading:
/// what the ledger paid stays paid, the restart closes with the best voucher
/// journaled, and no voucher's increment is paid twice.
#[test]
fn a_seller_killed_after_a_redeem_mid_download_is_paid_each_voucher_once() {
    seller_killed_after_a_redeem(Backend::Embedded);
}

/// The same on btt's channels contract, where a redeem while trading is a
/// transaction (`--redeem-above` lets a small voucher pay its gas).
#[test]
fn a_seller_on_the_channels_contract_killed_after_a_redeem_is_paid_each_voucher_once() {
    seller_killed_after_a_redeem(Backend::Chain);
}

fn seller_killed_after_a_redeem(backend: Backend) {
    let market = Market::new(backend);
    let flags = [
        "--slots",
        "1",
        "--up-limit",
        "2MiB",
        "--redeem-every",
        "1s",
        "--redeem-above",
        "0.000001BTT",
    ];
    let mut seller = market.seed("0.01BTT/MiB", &flags);
    let (mut payer, _) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    let redeemed_while_trading =
        |settlement: &Settlement| !settlement.closed && settlement.redeemed_base_units.0 > 0;
    let settlements = wait_for(&seller.child, DOWNLOAD, |found: &[Settlement]| {
        found.iter().any(redeemed_while_trading)
    });
    kill_9(&mut seller.child);
    let redeem = settlements.into_iter().find(redeemed_while_trading);
    let redeemed = redeem.expect("a redeem").redeemed_base_units.0;
    assert!(market.balance("carol") >= redeemed, "a redeem stays paid");
    payer.terminate();
    let signed = signed(&payer);

    let paid = restarted_seller_closes(&market, &flags);
    assert!(
        redeemed <= paid && paid <= signed,
        "{redeemed} <= {paid} <= {signed}"
    );
    assert_eq!(market.balance("carol"), paid);
    assert_eq!(market.balance("alice"), market.funds() - paid);
}

/// `kill -9` of a payer: the seller closes its channel when the connection
/// drops, so the payer gets the rest back at once and its next run has
/// nothing to refund.
#[test]
fn a_payer_killed_mid_download_gets_the_rest_back_when_the_seller_closes() {
    a_payer_killed_mid_download(Backend::Embedded);
}

#[test]
fn a_payer_on_a_ledger_node_killed_mid_download_gets_the_rest_back_when_the_seller_closes() {
    a_payer_killed_mid_download(Backend::Node);
}

#[test]
fn a_payer_on_the_channels_contract_killed_mid_download_gets_the_rest_back_when_the_seller_closes()
{
    a_payer_killed_mid_download(Backend::Chain);
}

fn a_payer_killed_mid_download(backend: Backend) {
    let market = Market::new(backend);
    let mut seller = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "2MiB"]);
    let (mut payer, _) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    wait_records::<Earning>(&seller.child, 2, DOWNLOAD);
    kill_9(&mut payer);
    let closed = wait_closed(&seller.child, ALICE);
    let paid = closed.redeemed_base_units.0;
    let accepted = accepted(&seller.child);
    let earnings = printed::<Earning>(&seller.child);
    assert!(
        earnings.iter().all(|e| e.channel == closed.channel),
        "closed the channel the vouchers came through: {earnings:?}"
    );
    assert_eq!(paid, accepted, "closed with the last voucher accepted");
    assert_eq!(market.balance("alice"), market.funds() - paid);
    assert_eq!(market.balance("carol"), paid);
    let (mut again, out) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    again.wait_success(DOWNLOAD);
    market.assert_complete(&out);
    assert!(printed::<Refund>(&again).is_empty());
    seller.child.terminate();
}

/// `kill -9` of a payer and its seller together, so nobody closes the
/// channel: after its timeout the payer's next run takes the deposit back.
#[test]
fn a_channel_nobody_closed_is_refunded_to_the_payer_after_its_timeout() {
    a_channel_nobody_closed(Backend::Embedded);
}

/// The same on btt's channels contract: the refund is the payer's
/// transaction, once the channel's expiry has passed.
#[test]
fn a_channel_of_the_contract_nobody_closed_is_refunded_to_the_payer_after_its_timeout() {
    a_channel_nobody_closed(Backend::Chain);
}

fn a_channel_nobody_closed(backend: Backend) {
    let market = Market::new(backend);
    // A seller takes a channel only when it outlives two redeem intervals
    // and a 5 s leeway (7 s here), and closes it that long before it
    // expires: a 20 s channel is taken, and the kill comes before its close.
    let flags = ["--slots", "1", "--up-limit", "2MiB", "--redeem-every", "1s"];
    let mut seller = market.seed("0.01BTT/MiB", &flags);
    let bid = ALICE_BIDS;
    let timeout = ["--channel-timeout", "20s"];
    let (mut payer, _) = market.get("alice", &seller, &[&bid[..], &timeout[..]].concat());
    let payments = wait_records::<Payment>(&payer, 1, DOWNLOAD);
    let opened_before = std::time::Instant::now();
    kill_9(&mut seller.child);
    kill_9(&mut payer);
    let locked = market.funds() - market.balance("alice");
    assert!(locked > 0, "the deposit is locked");
    // The refund waits for the channel's timeout: time, not an event.
    let expired = opened_before + std::time::Duration::from_secs(21);
    std::thread::sleep(expired.saturating_duration_since(std::time::Instant::now()));

    let mut plain = market.seed_plain();
    let (mut again, out) = market.get("alice", &plain, &bid);
    again.wait_success(DOWNLOAD);
    market.assert_complete(&out);
    let refunds = printed::<Refund>(&again);
    assert_eq!(refunds.len(), 1, "{}", again.diagnostics());
    assert_eq!(refunds[0].payee, address_of(&signing_key(CAROL_KEY)));
    assert_eq!(refunds[0].channel, payments[0].channel);
    // The seller may have redeemed a voucher before it was killed.
    let redeemed = market.balance("carol");
    assert_eq!(refunds[0].refunded_base_units.0, locked - redeemed);
    assert_eq!(market.balance("alice"), market.funds() - redeemed);
    plain.child.terminate();
}

/// The payer's wallet unlocks while the download starts (free): a wrong
/// password still ends the run with the wallet-locked status and its line,
/// having bid and paid nothing.
#[test]
fn a_payer_whose_wallet_does_not_unlock_ends_with_status_6_and_pays_nothing() {
    let market = Market::new(Backend::Embedded);
    let mut seller = market.seed("0.01BTT/MiB", &["--slots", "1", "--up-limit", "1MiB"]);
    let wrong = ["--unsafe-password", "not the password"];
    let (mut payer, _) = market.get("alice", &seller, &[&ALICE_BIDS[..], &wrong[..]].concat());
    let status = payer.wait_timeout(DOWNLOAD).expect("the payer ends");
    assert_eq!(status.code(), Some(6), "{}", payer.diagnostics());
    let stderr = payer.stderr();
    assert!(
        stderr.contains("cannot unlock wallet alice: wrong password"),
        "{stderr}"
    );
    let lines = payer.json_records();
    assert!(records::<Bid>(&lines).is_empty(), "{lines:?}");
    assert!(records::<Won>(&lines).is_empty(), "{lines:?}");
    seller.child.terminate();
    assert_eq!(market.balance("alice"), FUNDS);
}
