//! The market against a hostile leecher: [`MarketPeer`] speaks `btt_market`
//! from the protocol page to a real `btt-seed run --ask`, on the embedded
//! ledger and on btt's channels contract on anvil (protocol version 2),
//! every attack on both (and the rules that need a ledger's answers on a
//! `btt-wallet node` too), and tries to take paid-slot data it
//! does not pay for. Channels and vouchers are made with `btt-wallet`, as
//! any payer could. Every assertion is in bytes served on a paid slot and
//! base units on the ledger.

use crate::support;

use serde_json::Value;
use std::time::Duration;
use support::market::*;
use support::market_peer::MarketPeer;

/// The seller's credit window in these tests (`--credit`).
const CREDIT: u64 = 1 << 20;
/// The content's piece length (see `support::market::CONTENT`).
const PIECE: u32 = 256 << 10;
/// The seller's ask (0.01 BTT per MiB) in base units of `market`'s ledger.
fn ask(market: &Market) -> u64 {
    u64::try_from(market.units_per_btt() / 100).expect("an ask in u64")
}
/// How long a refused or unanswered request is waited for.
const QUIET: Duration = Duration::from_secs(3);
/// How long a rechoke that gives the hostile peer the paid slot may take.
const RECHOKE: Duration = Duration::from_secs(15);

fn seller(market: &Market) -> support::Seeder {
    market.seed("0.01BTT/MiB", &["--slots", "1", "--credit", "1MiB"])
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// A peer id of its own for each connection (a new identity to the seller).
fn peer_id(round: u8) -> [u8; 20] {
    let mut id = *b"-HX0001-hostile00000";
    id[19] = b'a' + round;
    id
}

/// Opens a channel of `deposit` from `payer` to carol for `timeout`; its id.
fn open_channel(market: &Market, payer: &str, deposit: &str, timeout: &str) -> [u8; 32] {
    let carol = address_of(&signing_key(CAROL_KEY)).to_string();
    let records = market.wallet(&[
        "channel",
        "open",
        &carol,
        deposit,
        "--from",
        payer,
        "--timeout",
        timeout,
    ]);
    let channel = records
        .iter()
        .find(|r| r["type"] == "channel")
        .expect("a channel record");
    bytes_of(&channel["id"])
}

/// `payer`'s signature of a voucher for `cumulative` base units on `channel`.
fn sign_voucher(market: &Market, payer: &str, channel: &[u8; 32], cumulative: u128) -> [u8; 65] {
    let id = hex::encode(channel);
    let amount = cumulative.to_string();
    let records = market.wallet(&["voucher", &id, &amount, "--base-units", "--from", payer]);
    let voucher = records
        .iter()
        .find(|r| r["type"] == "voucher")
        .expect("a voucher record");
    bytes_of(&voucher["signature"])
}

fn bytes_of<const N: usize>(value: &Value) -> [u8; N] {
    let text = value.as_str().unwrap_or_else(|| panic!("not hex: {value}"));
    let bytes = hex::decode(text.trim_start_matches("0x")).expect("hex");
    bytes
        .try_into()
        .unwrap_or_else(|_| panic!("not {N} bytes: {value}"))
}

/// A connection that bid and holds the paid slot.
async fn paid_slot(seeder: &str, market: &Market, round: u8, wallet: &str) -> MarketPeer {
    let info_hash = market.fixture.info_hash();
    let mut peer = MarketPeer::connect(seeder, info_hash, peer_id(round), wallet).await;
    peer.bid(2 * ask(market)).await;
    assert!(
        peer.wait_paid_slot(RECHOKE).await,
        "round {round}: no paid slot"
    );
    peer
}

/// close, re-bid, reconnect under a new peer id, a new funded channel each
/// time, never a voucher: all of it together is served one window at most.
fn close_and_rebid_never_pays(backend: Backend) {
    let market = Market::new(backend);
    let seeder = seller(&market);
    let addr = seeder.addr();
    let mut served = 0;
    runtime().block_on(async {
        for round in 0..4u8 {
            let channel = open_channel(&market, "alice", "1BTT", "1h");
            let mut peer = paid_slot(&addr, &market, round, ALICE).await;
            peer.name_channel(&channel).await;
            served += peer.take(u32::from(round) * 8, 8, PIECE, QUIET).await;
            peer.close().await;
            peer.bid(2 * ask(&market)).await;
            served += peer.take(u32::from(round) * 8 + 8, 4, PIECE, QUIET).await;
        }
    });
    assert!(
        served <= CREDIT,
        "served {served} bytes unpaid, window {CREDIT}"
    );
    assert!(served > 0, "a funded channel gets its window on credit");
}

#[test]
fn close_rebid_and_reconnect_get_one_window_unpaid_in_all_on_the_embedded_ledger() {
    close_and_rebid_never_pays(Backend::Embedded);
}

#[test]
fn close_rebid_and_reconnect_get_one_window_unpaid_in_all_on_a_ledger_node() {
    close_and_rebid_never_pays(Backend::Node);
}

#[test]
fn close_rebid_and_reconnect_get_one_window_unpaid_in_all_on_the_channels_contract() {
    close_and_rebid_never_pays(Backend::Chain);
}

/// A wallet of its own for each attempt and no channel: nothing on credit.
#[test]
fn a_new_wallet_each_time_without_a_channel_gets_nothing_on_credit() {
    new_wallets_without_a_channel(Backend::Embedded);
}

/// The same on btt's channels contract on a chain.
#[test]
fn a_new_wallet_each_time_without_a_channel_gets_nothing_on_credit_on_the_channels_contract() {
    new_wallets_without_a_channel(Backend::Chain);
}

fn new_wallets_without_a_channel(backend: Backend) {
    let market = Market::new(backend);
    let seeder = seller(&market);
    let addr = seeder.addr();
    let served = runtime().block_on(async {
        let mut served = 0;
        for round in 0..3u8 {
            let key = k256::ecdsa::SigningKey::random(&mut rand::thread_rng());
            let wallet = address_of(&key).to_string();
            let mut peer = paid_slot(&addr, &market, round, &wallet).await;
            served += peer.take(0, 4, PIECE, QUIET).await;
            assert!(peer.refused > 0, "round {round}: its requests are refused");
        }
        served
    });
    assert_eq!(served, 0, "no byte on credit without a funded channel");
}

/// One voucher sent on two connections that both name the channel: it is
/// credited once, and what both take is what it covers plus one window.
fn one_voucher_on_two_connections(backend: Backend) {
    let market = Market::new(backend);
    let mut seeder = seller(&market);
    let addr = seeder.addr();
    let channel = open_channel(&market, "alice", "1BTT", "1h");
    let paid = u128::from(ask(&market)); // one MiB at the ask
    let signature = sign_voucher(&market, "alice", &channel, paid);
    let served = runtime().block_on(async {
        let mut first = paid_slot(&addr, &market, 0, ALICE).await;
        first.name_channel(&channel).await;
        let mut served = first.take(0, 2, PIECE, QUIET).await;
        let mut second =
            MarketPeer::connect(&addr, market.fixture.info_hash(), peer_id(1), ALICE).await;
        second.bid(2 * ask(&market)).await;
        second.name_channel(&channel).await;
        for peer in [&mut first, &mut second] {
            peer.voucher(&channel, paid, &signature).await;
        }
        for round in 0..3 {
            served += first.take(2 + round * 8, 8, PIECE, QUIET).await;
            served += second.take(30 + round * 8, 8, PIECE, QUIET).await;
        }
        served
    });
    let covered = 1 << 20;
    assert!(
        served <= covered + CREDIT,
        "served {served}, paid for {covered}"
    );
    seeder.child.terminate();
    let earned = summary(&seeder.child).earned();
    assert_eq!(earned, paid, "{}", seeder.child.diagnostics());
    assert_eq!(
        market.balance("carol"),
        paid,
        "the voucher is redeemed once"
    );
    assert_eq!(market.balance("alice"), market.funds() - paid);
}

#[test]
fn one_voucher_on_two_connections_is_credited_once_on_the_embedded_ledger() {
    one_voucher_on_two_connections(Backend::Embedded);
}

#[test]
fn one_voucher_on_two_connections_is_credited_once_on_a_ledger_node() {
    one_voucher_on_two_connections(Backend::Node);
}

#[test]
fn one_voucher_on_two_connections_is_credited_once_on_the_channels_contract() {
    one_voucher_on_two_connections(Backend::Chain);
}

/// A channel that expires before the seller could redeem it funds nothing.
#[test]
fn a_channel_that_expires_too_soon_gets_nothing_on_credit() {
    a_channel_expiring_too_soon(Backend::Embedded);
}

/// The same on btt's channels contract on a chain.
#[test]
fn a_channel_that_expires_too_soon_gets_nothing_on_credit_on_the_channels_contract() {
    a_channel_expiring_too_soon(Backend::Chain);
}

fn a_channel_expiring_too_soon(backend: Backend) {
    let market = Market::new(backend);
    let seeder = seller(&market);
    let addr = seeder.addr();
    let channel = open_channel(&market, "alice", "1BTT", "3s");
    let served = runtime().block_on(async {
        let mut peer = paid_slot(&addr, &market, 0, ALICE).await;
        peer.name_channel(&channel).await;
        peer.take(0, 4, PIECE, QUIET).await
    });
    assert_eq!(served, 0, "an expiring channel is no funding");
}

/// A second torrent sold by the same process: `extra.bin` beside the
/// market's content, 4 MiB in 256 KiB pieces; its path and info-hash.
fn second_torrent(market: &Market) -> (std::path::PathBuf, [u8; 20]) {
    let content = market.fixture.data.join("extra.bin");
    let bytes: Vec<u8> = (0..4u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(&content, bytes).expect("write the second torrent's content");
    let torrent = market.env().path().join("extra.torrent");
    support::btt_seed_create(
        market.env(),
        &content,
        &torrent,
        &["--piece-length", "256KiB"],
    );
    let info_hash = bytes_of(&Value::String(support::info_hash(&torrent)));
    (torrent, info_hash)
}

/// The same wallet on two torrents of one seller, a funded channel on
/// each, paying nothing: both torrents together serve it one window.
#[test]
fn two_torrents_of_one_seller_share_the_wallets_window() {
    two_torrents_one_wallet(Backend::Embedded);
}

/// The same on btt's channels contract on a chain.
#[test]
fn two_torrents_of_one_seller_share_the_wallets_window_on_the_channels_contract() {
    two_torrents_one_wallet(Backend::Chain);
}

fn two_torrents_one_wallet(backend: Backend) {
    let market = Market::new(backend);
    let (extra, extra_hash) = second_torrent(&market);
    let extra = extra.to_str().expect("a UTF-8 path");
    let seeder = market.seed("0.01BTT/MiB", &["--slots", "1", "--credit", "1MiB", extra]);
    let addr = seeder.addr();
    let served = runtime().block_on(async {
        let mut served = 0;
        for (round, info_hash) in [market.fixture.info_hash(), extra_hash]
            .into_iter()
            .enumerate()
        {
            let channel = open_channel(&market, "alice", "1BTT", "1h");
            let mut peer = MarketPeer::connect(&addr, info_hash, peer_id(round as u8), ALICE).await;
            peer.bid(2 * ask(&market)).await;
            assert!(
                peer.wait_paid_slot(RECHOKE).await,
                "torrent {round}: no paid slot"
            );
            peer.name_channel(&channel).await;
            served += peer.take(0, 8, PIECE, QUIET).await;
        }
        served
    });
    assert!(
        served <= CREDIT,
        "served {served} bytes unpaid, window {CREDIT}"
    );
    assert!(served > 0, "a funded channel gets its window on credit");
}
