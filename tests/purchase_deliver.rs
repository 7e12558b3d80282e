//! A sale up to the buyer's key, with real processes on a `btt-wallet node`
//! over 127.0.0.1: carol runs `btt-seed sell`, alice locks the price in a
//! purchase escrow (through the library's node client), carol runs
//! `btt-seed deliver`, and the sealed key alice reads back from the ledger
//! unseals with her key, matches the listing's commitment and decrypts the
//! `.age` file to the creator's bytes. The price moves once: a second
//! `deliver` delivers nothing. A purchase of a listing whose key is not in
//! the seller's store is named on stderr and left open.
//!
//! Then alice plays the attacker, on the embedded ledger and on the node:
//! hand-signed orders at 1 base unit, in TRX, and of a listing that had
//! expired when she ordered it, in the same round as a correct order. The
//! seller (`btt-seed deliver`, and `btt-seed run --sell`) seals no key for
//! them and is paid nothing for them, to the base unit; the correct order
//! is delivered and paid.

use crate::support;

use btt::amount::{Amount, Token};
use btt::cli::seed::Delivered;
use btt::config::Dirs;
use btt::ledger::node::client::NodeClient;
use btt::ledger::{
    BuyerKey, LedgerId, LocalLedger, OpenOptions, OpenPurchase, PurchaseId, PurchaseState,
    PurchaseStatus, SellerTerms, Signature, Signed,
};
use btt::payment::PaymentLedger;
use btt::purchase::{decrypt_to, unseal, KeyStore, SealContext, SealedKey, SignedListing};
use std::path::PathBuf;
use support::market::*;
use support::{assert_trees_equal, make_tree};

/// The price of the listing: 10 BTT.
const PRICE: u128 = 10_000_000;

/// alice with the library's view of the market's ledger (the node's
/// client, or the embedded ledger file), and a runtime to drive it.
struct Buyer {
    runtime: tokio::runtime::Runtime,
    ledger: Box<dyn PaymentLedger>,
    id: LedgerId,
}

impl Buyer {
    fn new(market: &Market, backend: Backend) -> Buyer {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let ledger: Box<dyn PaymentLedger> = match backend {
            Backend::Node => Box::new(NodeClient::new(market.node_url()).expect("client")),
            Backend::Chain => unreachable!("purchases on a chain are not built yet"),
            Backend::Embedded => {
                let home = market.env().path().join("btt-home");
                let dirs = Dirs::resolve(|name| (name == "BTT_HOME").then(|| home.clone().into()));
                Box::new(LocalLedger::open_in(&dirs, OpenOptions::default()).expect("ledger"))
            }
        };
        let id = runtime.block_on(ledger.ledger_id()).expect("ledger id");
        Buyer {
            runtime,
            ledger,
            id,
        }
    }

    /// alice locks the listed price of the listing named by `digest`.
    fn buy(&self, digest: [u8; 32], nonce: u64) -> PurchaseId {
        self.order(digest, nonce, btt(PRICE))
    }

    /// alice's hand-signed order of the listing named by `digest`, at `price`.
    fn order(&self, digest: [u8; 32], nonce: u64, price: Amount) -> PurchaseId {
        let alice = signing_key(ALICE_KEY);
        let order = OpenPurchase {
            buyer: address_of(&alice),
            seller: address_of(&signing_key(CAROL_KEY)),
            listing: digest,
            buyer_key: BuyerKey::from_verifying_key(alice.verifying_key()),
            price,
            deadline_ms: now_ms() + 120_000,
            nonce,
        };
        let signed = Signed::sign(order, &alice, &self.id);
        // btt's own ledgers take an order without the listing's terms: the
        // seller checks them, which is what these tests attack.
        let unchecked = SellerTerms {
            expires: 0,
            signature: Signature([0; 65]),
        };
        let opened = self
            .runtime
            .block_on(self.ledger.open_purchase(signed, unchecked))
            .expect("open");
        opened.id
    }

    fn purchase(&self, id: PurchaseId) -> PurchaseState {
        self.runtime
            .block_on(self.ledger.purchase(id))
            .expect("purchase")
            .expect("known")
    }

    /// `name`'s balance of `token`, in base units.
    fn balance(&self, key: &str, token: Token) -> u128 {
        let address = address_of(&signing_key(key));
        self.runtime
            .block_on(self.ledger.balance(address, token))
            .expect("balance")
    }
}

fn btt(base_units: u128) -> Amount {
    Amount {
        token: Token::Btt,
        base_units,
    }
}

/// carol's `btt-seed sell` of a small album at 10 BTT: the listing file.
fn sell_album(market: &Market) -> (PathBuf, SignedListing) {
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
    (listing_path, listing)
}

/// `btt-seed deliver --wallet carol`: its `delivery` records and stderr.
fn deliver(market: &Market) -> (Vec<Delivered>, String) {
    let mut command = market.command("btt-seed");
    command.args(["deliver", "--wallet", "carol"]);
    let mut child = market.env().spawn("btt-seed deliver", command);
    child.wait_success(COMMAND);
    (printed(&child), child.stderr())
}

#[test]
fn a_paid_purchase_is_delivered_once_and_its_key_opens_the_content() {
    let market = Market::new(Backend::Node);
    let (_, listing) = sell_album(&market);
    let shop = market.env().path().join("shop");

    let buyer = Buyer::new(&market, Backend::Node);
    let id = buyer.buy(listing.digest(), 1);
    let unknown = buyer.buy([7; 32], 2);
    assert_eq!(market.balance("alice"), FUNDS - 2 * PRICE);
    let (delivered, stderr) = deliver(&market);
    assert_eq!(delivered.len(), 1, "{delivered:?}\n{stderr}");
    assert_eq!(delivered[0].purchase, hex::encode(id.0));
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
    std::fs::remove_file(shop.join("album.age.torrent")).expect("rm");
    assert_trees_equal(&shop, &out);

    let (again, _) = deliver(&market);
    assert!(again.is_empty(), "delivered twice: {again:?}");
    assert_eq!(market.balance("carol"), PRICE);
    assert_eq!(market.balance("alice"), FUNDS - 2 * PRICE);
}

/// alice's hostile orders beside one correct order of `listing`: at 1 base
/// unit, in TRX, and (where `expired` names a listing carol once sold that
/// had expired when alice ordered it) at its price but too late. Returns
/// (correct, [hostile...]).
fn hostile_round(
    buyer: &Buyer,
    listing: &SignedListing,
    expired: Option<[u8; 32]>,
) -> (PurchaseId, Vec<PurchaseId>) {
    let digest = listing.digest();
    let mut hostile = vec![
        buyer.order(digest, 11, btt(1)),
        buyer.order(
            digest,
            12,
            Amount {
                token: Token::Trx,
                base_units: PRICE,
            },
        ),
    ];
    hostile.extend(expired.map(|digest| buyer.order(digest, 13, btt(PRICE))));
    let correct = buyer.order(digest, 14, btt(PRICE));
    (correct, hostile)
}

/// Fails unless the round delivered `correct` alone and paid carol its
/// price to the base unit, and each hostile order stands open, unsealed.
fn assert_only_correct_delivered(
    buyer: &Buyer,
    delivered: &[Delivered],
    stderr: &str,
    correct: PurchaseId,
    hostile: &[PurchaseId],
) {
    let ids: Vec<&str> = delivered.iter().map(|d| d.purchase.as_str()).collect();
    assert_eq!(ids, [hex::encode(correct.0)], "{stderr}");
    assert_eq!(delivered[0].price_base_units, PRICE);
    assert_eq!(buyer.purchase(correct).status, PurchaseStatus::Delivered);
    for id in hostile {
        let state = buyer.purchase(*id);
        assert_eq!(
            (state.status, state.sealed_key),
            (PurchaseStatus::Open, None),
            "{stderr}"
        );
        assert!(stderr.contains(&hex::encode(id.0)), "{stderr}");
    }
    assert_eq!(buyer.balance(CAROL_KEY, Token::Btt), PRICE, "paid once");
    assert_eq!(buyer.balance(CAROL_KEY, Token::Trx), 0, "no TRX");
}

/// carol's store also holds a listing she sold earlier, which expired a
/// minute ago (its key too): its digest.
fn expired_listing(market: &Market, listing: &SignedListing) -> [u8; 32] {
    let keys = KeyStore::at(market.env().path().join("btt-home/listing-keys"));
    let key = keys.load(&listing.digest()).expect("the album's key");
    let mut old = listing.listing.clone();
    old.name = "old album".into();
    old.expires = now_ms() / 1_000 - 60;
    let old = old.sign(&signing_key(CAROL_KEY));
    keys.save(&old.digest(), &key).expect("save key");
    keys.save_listing(&old).expect("save listing");
    old.digest()
}

#[test]
fn underpriced_wrong_token_and_late_orders_are_not_delivered_by_deliver_on_a_node() {
    let market = Market::new(Backend::Node);
    market.wallet(&["faucet", "alice", "20TRX"]);
    let (_, listing) = sell_album(&market);
    let expired = expired_listing(&market, &listing);
    let buyer = Buyer::new(&market, Backend::Node);
    let (correct, hostile) = hostile_round(&buyer, &listing, Some(expired));
    let (delivered, stderr) = deliver(&market);
    assert_only_correct_delivered(&buyer, &delivered, &stderr, correct, &hostile);
    assert!(
        stderr.contains("but the listing asks 10000000 base units of BTT")
            && stderr.contains("after the listing expired"),
        "{stderr}"
    );
    assert_eq!(
        buyer.balance(ALICE_KEY, Token::Btt),
        FUNDS - PRICE - 1 - PRICE,
        "the hostile BTT stays locked until refunded, never paid out"
    );
}

#[test]
fn underpriced_and_wrong_token_orders_are_not_delivered_by_run_sell_on_the_embedded_ledger() {
    let market = Market::new(Backend::Embedded);
    market.wallet(&["faucet", "alice", "20TRX"]);
    let (listing_path, listing) = sell_album(&market);
    let buyer = Buyer::new(&market, Backend::Embedded);
    let (correct, hostile) = hostile_round(&buyer, &listing, None);
    let shop = market.env().path().join("shop");
    let mut command = market.command("btt-seed");
    command
        .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(&shop)
        .arg(shop.join("album.age.torrent"))
        .args(["--wallet", "carol", "--deliver-every", "1s", "--sell"])
        .arg(&listing_path);
    let mut seller = market.listening("btt-seed run --sell", command);
    wait_records::<Delivered>(&seller.child, 1, DOWNLOAD);
    let said_all = || {
        let stderr = seller.child.stderr();
        hostile.iter().all(|id| stderr.contains(&hex::encode(id.0)))
    };
    let deadline = std::time::Instant::now() + COMMAND;
    while !said_all() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    seller.child.terminate();
    let stderr = seller.child.stderr();
    let delivered = printed::<Delivered>(&seller.child);
    assert!(!delivered.is_empty());
    assert_only_correct_delivered(&buyer, &delivered, &stderr, correct, &hostile);
}
