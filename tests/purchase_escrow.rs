//! The purchase escrow through a real `btt-wallet node` process on
//! 127.0.0.1, with the library's node client: `kill -9` of the node right
//! after each step that moves BTT (open, deliver, refund), a new node on
//! the same data, and the step sent again. What the node applied before it
//! died stays applied, the repeat applies nothing more, and the balances
//! move by exactly the price, once.

use crate::support;

use btt::amount::{Amount, Token};
use btt::ledger::node::client::NodeClient;
use btt::ledger::{
    BuyerKey, DeliverPurchase, ErrorKind, Ledger, LedgerError, OpenPurchase, PurchaseState,
    PurchaseStatus, Signed,
};
use std::time::Duration;
use support::market::*;

/// What the purchases cost: 10 BTT.
const PRICE: u128 = 10_000_000;

/// alice's order of a listing from carol, delivered before `deadline_ms`.
fn order(nonce: u64, deadline_ms: i64) -> OpenPurchase {
    let alice = signing_key(ALICE_KEY);
    OpenPurchase {
        buyer: address_of(&alice),
        seller: address_of(&signing_key(CAROL_KEY)),
        listing: [7; 32],
        buyer_key: BuyerKey::from_verifying_key(alice.verifying_key()),
        price: Amount {
            token: Token::Btt,
            base_units: PRICE,
        },
        deadline_ms,
        nonce,
    }
}

/// Runs `step` against the node, `kill -9`s the node at once (whether or
/// not the step reached it), restarts it, and runs `step` again: the state
/// the repeat returns.
fn step_killed_and_repeated<F, Fut>(market: &mut Market, step: F) -> PurchaseState
where
    F: Fn(NodeClient) -> Fut,
    Fut: std::future::Future<Output = Result<PurchaseState, LedgerError>> + Send + 'static,
{
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = NodeClient::new(market.node_url()).expect("client");
    let first = runtime.spawn(step(client));
    std::thread::sleep(Duration::from_millis(5));
    market.kill_and_restart_node();
    let _ = runtime.block_on(first);
    let client = NodeClient::new(market.node_url()).expect("client");
    runtime.block_on(step(client)).expect("the repeated step")
}

/// `open` sent, the node killed and restarted, and `open` sent again.
fn opened_across_a_crash(market: &mut Market, open: Signed<OpenPurchase>) -> PurchaseState {
    step_killed_and_repeated(market, move |client| {
        let open = open.clone();
        async move { Ledger::open_purchase(&client, open).await }
    })
}

fn ledger_id(market: &Market) -> btt::ledger::LedgerId {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = NodeClient::new(market.node_url()).expect("client");
    runtime
        .block_on(Ledger::ledger_id(&client))
        .expect("ledger id")
}

#[test]
fn a_purchase_opened_and_delivered_across_node_crashes_pays_the_seller_once() {
    let mut market = Market::new(Backend::Node);
    let ledger = ledger_id(&market);
    let open = Signed::sign(
        order(1, now_ms() + 120_000),
        &signing_key(ALICE_KEY),
        &ledger,
    );
    let id = open.request.id(&ledger);
    let opened = opened_across_a_crash(&mut market, open);
    assert_eq!((opened.id, opened.status), (id, PurchaseStatus::Open));
    assert_eq!(market.balance("alice"), FUNDS - PRICE, "locked once");

    let deliver = DeliverPurchase {
        purchase: id,
        sealed_key: vec![9; 82],
    };
    let deliver = Signed::sign(deliver, &signing_key(CAROL_KEY), &ledger);
    let delivered = step_killed_and_repeated(&mut market, move |client| {
        let deliver = deliver.clone();
        async move { Ledger::deliver_purchase(&client, deliver).await }
    });
    assert_eq!(delivered.status, PurchaseStatus::Delivered);
    assert_eq!(delivered.sealed_key, Some(vec![9; 82]));
    assert_eq!(market.balance("carol"), PRICE, "paid once");
    assert_eq!(market.balance("alice"), FUNDS - PRICE);
}

#[test]
fn a_purchase_refunded_across_a_node_crash_pays_the_buyer_back_once() {
    let mut market = Market::new(Backend::Node);
    let ledger = ledger_id(&market);
    // Long enough for the open to be repeated on a restarted node before it.
    let deadline_ms = now_ms() + 8_000;
    let open = Signed::sign(order(2, deadline_ms), &signing_key(ALICE_KEY), &ledger);
    let id = open.request.id(&ledger);
    let opened = opened_across_a_crash(&mut market, open);
    assert_eq!(opened.status, PurchaseStatus::Open);
    assert_eq!(market.balance("alice"), FUNDS - PRICE);
    while now_ms() <= deadline_ms {
        std::thread::sleep(Duration::from_millis(100));
    }
    let refunded = step_killed_and_repeated(&mut market, move |client| async move {
        match Ledger::refund_purchase(&client, id).await {
            Err(error) if error.kind() == ErrorKind::PurchaseSettled => client
                .purchase(id)
                .await
                .map(|state| state.expect("the purchase")),
            other => other,
        }
    });
    assert_eq!(refunded.status, PurchaseStatus::Refunded);
    assert_eq!(
        market.balance("alice"),
        FUNDS,
        "refunded to the base unit, once"
    );
    assert_eq!(market.balance("carol"), 0);
}
