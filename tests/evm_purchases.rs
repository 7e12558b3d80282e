//! The purchase escrow through the `PaymentLedger` that `btt-tip buy` and
//! `btt-seed run --sell` use, on btt's purchases contract on anvil (the
//! chain of `evm_payments`, its own per test): the seller's version 2
//! listing is what the contract checks, the buyer opens at the listed price
//! and a rerun names the same purchase, the seller delivers and is paid in
//! the same transaction, every wei and each side's gas accounted for. The
//! attacks are the buyer's: an order below the listed price, a listing the
//! buyer signed itself, one for another contract or expired; each is
//! refused before any gas is spent. Then the deadline: delivery before it,
//! refund from it on, exactly one of the two; and a purchase opened by
//! another tool with a nonce btt does not use does not stop a seller from
//! serving the rest. Time moves with `evm_setNextBlockTimestamp`.

use crate::evm_payments::{bttc, client, key, Market, START_BALANCE, WEI_PER_BTT};
use btt::ledger::evm::contracts::purchases::{Order, PurchasesContract};
use btt::ledger::evm::contracts::typed_data::Eip712Signed;
use btt::ledger::listing_domain::typed;
use btt::ledger::{
    DeliverPurchase, ErrorKind, ListedTerms, ListingDomain, PurchaseRole, PurchaseState,
    PurchaseStatus, Signed,
};
use btt::metainfo::InfoHash;
use btt::payment::{ContractPayments, PaymentLedger};
use btt::purchase::buyer::order;
use btt::purchase::{Listing, SignedListing};
use btt::wallet::PrivateKey;

/// The listed price: 10 BTT.
const PRICE: u128 = 10 * WEI_PER_BTT;

/// What the seller delivers (opaque to the contract).
const SEALED_KEY: &[u8] = b"the content key, sealed to the buyer";

/// The seller's listing, signed for the purchases contract `domain`
/// names, on offer for an hour of the chain's time.
fn listing(market: &Market, domain: ListingDomain, seller: &PrivateKey) -> SignedListing {
    Listing {
        info_hash: InfoHash([3; 20]),
        magnet: "magnet:?xt=urn:btih:0303030303030303030303030303030303030303".into(),
        price: bttc(PRICE),
        seller: seller.address(),
        domain,
        key_commitment: [5; 32],
        name: "album".into(),
        size: 1234,
        expires: market.anvil.now() as i64 + 3600,
    }
    .sign(seller.signing_key())
}

impl Market {
    fn listing_domain(&self) -> ListingDomain {
        self.run(self.payer.listing_domain()).unwrap()
    }

    /// The seller's (the payee's) listing on this market's contract.
    fn sellers_listing(&self) -> SignedListing {
        listing(self, self.listing_domain(), &key(2))
    }

    /// The buyer's (the payer's) order of `listing` with `nonce`, deliverable for a minute.
    fn order(&self, listing: &SignedListing, nonce: u64) -> Signed<btt::ledger::OpenPurchase> {
        let deadline_ms = (self.anvil.now() as i64 + 60) * 1000;
        let open = order(listing, key(1).signing_key(), deadline_ms, nonce);
        let ledger = self.run(self.payer.ledger_id()).unwrap();
        Signed::sign(open, key(1).signing_key(), &ledger)
    }

    fn buy(&self, listing: &SignedListing, nonce: u64) -> PurchaseState {
        let request = self.order(listing, nonce);
        self.run(self.payer.open_purchase(request, listing.seller_terms()))
            .unwrap()
    }

    fn delivery(&self, state: &PurchaseState) -> Signed<DeliverPurchase> {
        let delivery = DeliverPurchase {
            purchase: state.id,
            sealed_key: SEALED_KEY.to_vec(),
        };
        let ledger = self.run(self.payee.ledger_id()).unwrap();
        Signed::sign(delivery, key(2).signing_key(), &ledger)
    }

    /// The seller's purchases, as the seller's ledger lists them.
    fn sold(&self) -> Vec<PurchaseState> {
        self.run(self.payee.purchases(key(2).address(), PurchaseRole::Seller))
            .unwrap()
    }

    fn contract_balance(&self) -> u128 {
        self.anvil.balance(&self.contracts.purchases.to_string())
    }
}

#[test]
fn a_purchase_pays_the_seller_once_and_keeps_the_sealed_key() {
    let market = Market::start();
    let listing = market.sellers_listing();
    let request = market.order(&listing, 7);
    let id = market
        .run(
            market
                .payer
                .purchase_id(request.request.clone(), listing.seller_terms()),
        )
        .unwrap();
    let opened = market.buy(&listing, 7);
    assert_eq!(opened.id, id, "the id is the contract's");
    assert_eq!(opened.listing, listing.digest());
    assert_eq!(opened.price, bttc(PRICE));
    assert_eq!(opened.buyer_key, request.request.buyer_key);
    assert_eq!((opened.nonce, opened.status), (7, PurchaseStatus::Open));
    assert_eq!(opened.opened_ms, market.anvil.now() as i64 * 1000);
    assert_eq!(market.contract_balance(), PRICE);

    // A rerun of the same order names the same purchase and sends nothing.
    assert_eq!(market.buy(&listing, 7), opened);
    assert_eq!(market.payer.transactions_sent(), 1);
    let sold = market.sold();
    assert_eq!(sold, std::slice::from_ref(&opened));

    let delivered = market
        .run(market.payee.deliver_purchase(market.delivery(&opened)))
        .unwrap();
    assert_eq!(delivered.status, PurchaseStatus::Delivered);
    let read = market.run(market.payer.purchase(id)).unwrap().unwrap();
    assert_eq!(read.sealed_key.as_deref(), Some(SEALED_KEY));
    assert_eq!(read, delivered);
    // The same delivery again changes nothing; a refund of it is refused.
    market
        .run(market.payee.deliver_purchase(market.delivery(&opened)))
        .unwrap();
    assert_eq!(market.payee.transactions_sent(), 1);
    let error = market.run(market.payer.refund_purchase(id)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PurchaseSettled, "{error}");

    assert_eq!(
        market.contract_balance(),
        0,
        "nothing stays in the contract"
    );
    assert_eq!(
        market.balance(1) + market.payer.fees_paid(),
        START_BALANCE - PRICE
    );
    assert_eq!(
        market.balance(2) + market.payee.fees_paid(),
        START_BALANCE + PRICE
    );
}

#[test]
fn an_underpriced_self_signed_foreign_or_expired_order_is_refused_before_any_gas() {
    let market = Market::start();
    let listing = market.sellers_listing();
    let seller = key(2);
    let mut underpriced = listing.clone();
    underpriced.listing.price = bttc(1);
    let self_signed = Listing {
        seller: seller.address(),
        ..listing.listing.clone()
    }
    .sign(key(1).signing_key());
    let deployer = client(&market.anvil);
    let elsewhere = market.run(deployer.deploy_contracts(&key(0xde))).unwrap();
    let other = ContractPayments::new(client(&market.anvil), &elsewhere.addresses, None);
    let foreign = listing_for(&market, &other, &seller);
    let expired = Listing {
        expires: market.anvil.now() as i64 - 1,
        ..listing.listing.clone()
    }
    .sign(seller.signing_key());
    let forged = "listing is not its seller's";
    for (bad, reason) in [
        (&underpriced, forged),
        (&self_signed, forged),
        (&foreign, forged),
        (&expired, "listing has expired"),
    ] {
        let request = market.order(bad, 1);
        let error = market
            .run(market.payer.open_purchase(request, bad.seller_terms()))
            .unwrap_err();
        assert!(error.to_string().contains(reason), "{reason}: {error}");
    }
    assert_eq!(market.payer.transactions_sent(), 0);
    assert_eq!(market.balance(1), START_BALANCE, "no gas was spent");
    assert_eq!(market.contract_balance(), 0);
}

/// `seller`'s listing for the purchases contract `ledger` reads.
fn listing_for(market: &Market, ledger: &ContractPayments, seller: &PrivateKey) -> SignedListing {
    let domain = market.run(ledger.listing_domain()).unwrap();
    listing(market, domain, seller)
}

#[test]
fn delivery_before_the_deadline_or_refund_from_it_exactly_one_of_the_two() {
    let market = Market::start();
    let listing = market.sellers_listing();
    let opened = market.buy(&listing, 1);
    let error = market
        .run(market.payer.refund_purchase(opened.id))
        .unwrap_err();
    assert_eq!(
        error.kind(),
        ErrorKind::PurchaseRefundBeforeDeadline,
        "{error}"
    );
    market.anvil.advance(61);
    let error = market
        .run(market.payee.deliver_purchase(market.delivery(&opened)))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::DeliverAfterDeadline, "{error}");
    assert_eq!(
        market.payee.transactions_sent(),
        0,
        "refused before any gas"
    );

    // Anyone may refund: it pays nobody but the buyer.
    let refunded = market.run(market.payee.refund_purchase(opened.id)).unwrap();
    assert_eq!(refunded.status, PurchaseStatus::Refunded);
    assert_eq!(market.balance(1) + market.payer.fees_paid(), START_BALANCE);
    let error = market
        .run(market.payer.refund_purchase(opened.id))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PurchaseSettled, "{error}");
    assert_eq!(market.contract_balance(), 0);
}

/// A buyer that calls the contract itself with a nonce beyond 64 bits
/// opens a purchase btt could not have opened: the seller's list leaves it
/// out and goes on serving btt's buyers.
#[test]
fn a_purchase_opened_by_another_tool_does_not_stop_the_seller() {
    let market = Market::start();
    let listing = market.sellers_listing();
    let terms = ListedTerms {
        digest: listing.digest(),
        seller: listing.listing.seller,
        price: PRICE,
        expires: listing.listing.expires,
    };
    let foreign_order = Order {
        listing: Eip712Signed {
            message: typed(&terms),
            signature: listing.signature.0.to_vec(),
        },
        deadline: market.anvil.now() + 60,
        buyer_key: market.order(&listing, 1).request.buyer_key,
        nonce: alloy::primitives::B256::repeat_byte(0xff),
    };
    let buyer = client(&market.anvil);
    let purchases = PurchasesContract::new(&buyer, market.contracts.purchases);
    market.run(purchases.buy(&key(1), &foreign_order)).unwrap();
    let ours = market.buy(&listing, 2);
    let sold = market.sold();
    assert_eq!(sold, [ours]);
}
