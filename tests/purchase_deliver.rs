//! A sale up to the buyer's key, with real processes on a `btt-wallet node`
//! over 127.0.0.1: carol runs `btt-seed sell`, alice locks the price in a
//! purchase escrow (through the library's node client), carol runs
//! `btt-seed deliver`, and the sealed key alice reads back from the ledger
//! unseals with her key, matches the listing's commitment and decrypts the
//! `.age` file to the creator's bytes. The price moves once: a second
//! `deliver` delivers nothing. A purchase of a listing whose key is not in
//! the seller's store is named on stderr and left open.

mod support;

use btt::amount::{Amount, Token};
use btt::ledger::node::client::NodeClient;
use btt::ledger::{
    BuyerKey, Ledger, LedgerId, OpenPurchase, PurchaseId, PurchaseState, PurchaseStatus, Signed,
};
use btt::purchase::{decrypt_to, unseal, SealContext, SealedKey, SignedListing};
use serde_json::Value;
use support::market::*;
use support::{assert_trees_equal, make_tree};

/// The price of the listing: 10 BTT.
const PRICE: u128 = 10_000_000;

/// The library's client of the market's node, and a runtime to drive it.
struct Buyer {
    runtime: tokio::runtime::Runtime,
    client: NodeClient,
    ledger: LedgerId,
}

impl Buyer {
    fn new(market: &Market) -> Buyer {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let client = NodeClient::new(market.node_url()).expect("client");
        let ledger = runtime
            .block_on(Ledger::ledger_id(&client))
            .expect("ledger id");
        Buyer {
            runtime,
            client,
            ledger,
        }
    }

    /// alice locks the price of the listing named by `digest`.
    fn buy(&self, digest: [u8; 32], nonce: u64) -> PurchaseId {
        let alice = signing_key(ALICE_KEY);
        let order = OpenPurchase {
            buyer: address_of(&alice),
            seller: address_of(&signing_key(CAROL_KEY)),
            listing: digest,
            buyer_key: BuyerKey::from_verifying_key(alice.verifying_key()),
            price: Amount {
                token: Token::Btt,
                base_units: PRICE,
            },
            deadline_ms: now_ms() + 120_000,
            nonce,
        };
        let signed = Signed::sign(order, &alice, &self.ledger);
        let opened = self
            .runtime
            .block_on(Ledger::open_purchase(&self.client, signed))
            .expect("open");
        opened.id
    }

    fn purchase(&self, id: PurchaseId) -> PurchaseState {
        self.runtime
            .block_on(Ledger::purchase(&self.client, id))
            .expect("purchase")
            .expect("known")
    }
}

/// `btt-seed deliver --wallet carol`: its `delivery` records and stderr.
fn deliver(market: &Market) -> (Vec<Value>, String) {
    let mut command = market.command("btt-seed");
    command.args(["deliver", "--wallet", "carol"]);
    let mut child = market.env().spawn("btt-seed deliver", command);
    child.wait_success(COMMAND);
    let records = child.json_records();
    let delivered = records
        .into_iter()
        .filter(|record| record["type"] == "delivery")
        .collect();
    (delivered, child.stderr())
}

#[test]
fn a_paid_purchase_is_delivered_once_and_its_key_opens_the_content() {
    let market = Market::new(Backend::Node);
    let shop = market.env().dir("shop");
    make_tree(&shop, &[("album/01.flac", 300_000), ("album/art/c.jpg", 5)]);
    let listing_path = market.env().path().join("album.listing");
    let mut sell = market.command("btt-seed");
    sell.arg("sell")
        .arg(shop.join("album"))
        .args(["--price", "10BTT", "--wallet", "carol", "-o"])
        .arg(&listing_path);
    market.finish("btt-seed sell", sell);
    let listing = SignedListing::parse(&std::fs::read(&listing_path).expect("listing"))
        .expect("a signed listing");

    let buyer = Buyer::new(&market);
    let id = buyer.buy(listing.digest(), 1);
    let unknown = buyer.buy([7; 32], 2);
    assert_eq!(market.balance("alice"), FUNDS - 2 * PRICE);
    let (delivered, stderr) = deliver(&market);
    assert_eq!(delivered.len(), 1, "{delivered:?}\n{stderr}");
    assert_eq!(delivered[0]["purchase"], hex::encode(id.0));
    assert!(
        stderr.contains(&hex::encode(unknown.0)) && stderr.contains("left open"),
        "{stderr}"
    );
    assert_eq!(market.balance("carol"), PRICE, "paid on delivery");
    assert_eq!(buyer.purchase(unknown).status, PurchaseStatus::Open);

    let state = buyer.purchase(id);
    assert_eq!(state.status, PurchaseStatus::Delivered);
    let sealed = SealedKey::from_bytes(&state.sealed_key.expect("a sealed key")).expect("sealed");
    let context = SealContext {
        listing_digest: listing.digest(),
        purchase_id: id.0,
    };
    let content_key = unseal(&sealed, &signing_key(ALICE_KEY), &context).expect("alice unseals it");
    assert!(content_key.matches(&listing.listing.key_commitment));
    let out = market.env().dir("bought");
    decrypt_to(&shop.join("album.age"), &content_key, &out).expect("decrypts");
    std::fs::remove_file(shop.join("album.age")).expect("rm");
    std::fs::remove_file(shop.join("album.torrent")).expect("rm");
    assert_trees_equal(&shop, &out);

    let (again, _) = deliver(&market);
    assert!(again.is_empty(), "delivered twice: {again:?}");
    assert_eq!(market.balance("carol"), PRICE);
    assert_eq!(market.balance("alice"), FUNDS - 2 * PRICE);
}
