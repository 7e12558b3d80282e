//! [`PaymentLedger`]: the payment operations of a ledger (channels,
//! purchase escrows and crowdfunding campaigns) as an object-safe trait, so that a backend chosen at run time (the embedded SQLite ledger,
//! a `btt-wallet node`, a TRON full node) can sit behind one
//! `Arc<dyn PaymentLedger>` that a swarm session holds and shares with its
//! peer tasks.
//!
//! # Why boxed futures
//!
//! [`Ledger`] returns `impl Future + Send`, which a trait object cannot, so
//! each method here returns a [`LedgerFuture`], a `Pin<Box<dyn Future + Send>>`.
//! A payment call is a ledger round trip (a SQLite commit with fsync, or an
//! HTTP request), so one allocation per call costs nothing that shows, and
//! writing the box by hand keeps the crate free of `async_trait` and its
//! macro. The blanket implementation below is the only one: every
//! [`Ledger`] backend is a `PaymentLedger`, with exactly the ledger's
//! behaviour; the TRON backend, which has no channels, answers
//! [`LedgerError::Unsupported`] as its `Ledger` does.

use crate::amount::Token;
use crate::ledger::{
    CampaignId, CampaignState, ChannelId, ChannelRole, ChannelState, CloseChannel, CreateCampaign,
    DeliverPurchase, Ledger, LedgerError, LedgerId, ListingDomain, OpenChannel, OpenPurchase,
    Pledge, PurchaseId, PurchaseRole, PurchaseState, RedeemVoucher, RefundChannel, SellerTerms,
    Signed, VoucherDomain,
};
use crate::tron::Address;
use std::future::Future;
use std::pin::Pin;

/// The future a [`PaymentLedger`] method returns.
pub type LedgerFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, LedgerError>> + Send + 'a>>;

/// What payers and payees need of a ledger, object safe.
pub trait PaymentLedger: Send + Sync {
    /// This ledger's id, which every signed payment message names.
    fn ledger_id(&self) -> LedgerFuture<'_, LedgerId>;

    /// How this ledger's vouchers are signed, and for which ledger.
    fn voucher_domain(&self) -> LedgerFuture<'_, VoucherDomain>;

    /// What this ledger object has paid in fees for the transactions it
    /// sent, in base units of the ledger's coin: gas on a chain, nothing on
    /// btt's own ledgers (requests there cost no fee).
    fn fees_paid(&self) -> u128 {
        0
    }

    /// What `payee`'s transactions paying out `channel` (its redeems and
    /// its close) cost in fees, in base units of the ledger's coin: gas on
    /// a chain, nothing on btt's own ledgers.
    fn settlement_fees(&self, channel: ChannelId, payee: Address) -> LedgerFuture<'_, u128> {
        let _ = (channel, payee);
        Box::pin(async { Ok(0) })
    }

    /// What redeeming a voucher costs in fees now, in base units of the
    /// ledger's coin: gas on a chain, nothing on btt's own ledgers.
    fn redeem_cost(&self) -> LedgerFuture<'_, u128> {
        Box::pin(async { Ok(0) })
    }

    /// What opening a channel costs in fees now, in base units of the
    /// ledger's coin: gas on a chain, nothing on btt's own ledgers.
    fn open_cost(&self) -> LedgerFuture<'_, u128> {
        Box::pin(async { Ok(0) })
    }

    /// The spendable balance of `address`, in base units of `token`.
    fn balance(&self, address: Address, token: Token) -> LedgerFuture<'_, u128>;

    /// A channel's current state, `None` when the ledger has no such channel.
    fn channel(&self, id: ChannelId) -> LedgerFuture<'_, Option<ChannelState>>;

    /// Every channel, open or closed, in which `address` has `role`.
    fn channels(&self, address: Address, role: ChannelRole) -> LedgerFuture<'_, Vec<ChannelState>>;

    /// Opens a channel signed by its payer, locking its amount.
    fn open_channel(&self, request: Signed<OpenChannel>) -> LedgerFuture<'_, ChannelState>;

    /// Pays a voucher's increment to the payee, who signed the request; the channel stays open.
    fn redeem_voucher(&self, request: Signed<RedeemVoucher>) -> LedgerFuture<'_, ChannelState>;

    /// Closes a channel (signed by the payee): the payee gets the voucher's
    /// cumulative amount, the payer the rest.
    fn close_channel(&self, request: Signed<CloseChannel>) -> LedgerFuture<'_, ChannelState>;

    /// Returns a channel's unredeemed funds to its payer after the timeout.
    fn refund_channel(&self, request: Signed<RefundChannel>) -> LedgerFuture<'_, ChannelState>;

    /// How listings sold on this ledger are signed, and for which ledger.
    fn listing_domain(&self) -> LedgerFuture<'_, ListingDomain>;

    /// The id `order` gets on this ledger; `terms` are its listing's, which
    /// a chain's purchases contract hashes into the id.
    fn purchase_id(&self, order: OpenPurchase, terms: SellerTerms) -> LedgerFuture<'_, PurchaseId>;

    /// Locks a purchase's price, signed by its buyer; an existing id with
    /// the same fields is returned as it is. `terms` are what the seller
    /// signed of the listing, which a chain's purchases contract checks;
    /// btt's own ledgers leave that check to the seller.
    fn open_purchase(
        &self,
        request: Signed<OpenPurchase>,
        terms: SellerTerms,
    ) -> LedgerFuture<'_, PurchaseState>;

    /// Stores a seller-signed sealed key and pays the seller, in one change.
    fn deliver_purchase(&self, request: Signed<DeliverPurchase>)
        -> LedgerFuture<'_, PurchaseState>;

    /// Returns an undelivered purchase's price to its buyer, from the deadline on.
    fn refund_purchase(&self, id: PurchaseId) -> LedgerFuture<'_, PurchaseState>;

    /// Starts a crowdfunding campaign signed by its creator.
    fn create_campaign(&self, request: Signed<CreateCampaign>) -> LedgerFuture<'_, CampaignState>;

    /// Locks a pledge in a campaign until settlement.
    fn pledge(&self, request: Signed<Pledge>) -> LedgerFuture<'_, CampaignState>;

    /// After the deadline: pays the beneficiary when the goal was met, else
    /// refunds the pledges (every pledger at once on btt's ledgers; on a
    /// chain, where refunds are pulled, the pledge of this ledger's wallet).
    fn settle_campaign(&self, id: CampaignId) -> LedgerFuture<'_, CampaignState>;

    /// A campaign's current state, `None` when the ledger has no such campaign.
    fn campaign(&self, id: CampaignId) -> LedgerFuture<'_, Option<CampaignState>>;

    /// A purchase's current state, `None` when the ledger has no such purchase.
    fn purchase(&self, id: PurchaseId) -> LedgerFuture<'_, Option<PurchaseState>>;

    /// Every purchase in which `address` has `role`.
    fn purchases(
        &self,
        address: Address,
        role: PurchaseRole,
    ) -> LedgerFuture<'_, Vec<PurchaseState>>;
}

impl<L: Ledger> PaymentLedger for L {
    fn ledger_id(&self) -> LedgerFuture<'_, LedgerId> {
        Box::pin(Ledger::ledger_id(self))
    }

    /// btt's own ledgers sign vouchers as domain messages.
    fn voucher_domain(&self) -> LedgerFuture<'_, VoucherDomain> {
        Box::pin(async move { Ok(VoucherDomain::from(&Ledger::ledger_id(self).await?)) })
    }

    fn balance(&self, address: Address, token: Token) -> LedgerFuture<'_, u128> {
        Box::pin(Ledger::balance(self, address, token))
    }

    fn channel(&self, id: ChannelId) -> LedgerFuture<'_, Option<ChannelState>> {
        Box::pin(Ledger::channel(self, id))
    }

    fn channels(&self, address: Address, role: ChannelRole) -> LedgerFuture<'_, Vec<ChannelState>> {
        Box::pin(Ledger::channels(self, address, role))
    }

    fn open_channel(&self, request: Signed<OpenChannel>) -> LedgerFuture<'_, ChannelState> {
        Box::pin(Ledger::open_channel(self, request))
    }

    fn redeem_voucher(&self, request: Signed<RedeemVoucher>) -> LedgerFuture<'_, ChannelState> {
        Box::pin(Ledger::redeem_voucher(self, request))
    }

    fn close_channel(&self, request: Signed<CloseChannel>) -> LedgerFuture<'_, ChannelState> {
        Box::pin(Ledger::close_channel(self, request))
    }

    fn refund_channel(&self, request: Signed<RefundChannel>) -> LedgerFuture<'_, ChannelState> {
        Box::pin(Ledger::refund_channel(self, request))
    }

    /// btt's own ledgers sign listings as domain messages.
    fn listing_domain(&self) -> LedgerFuture<'_, ListingDomain> {
        Box::pin(async move { Ok(ListingDomain::from(&Ledger::ledger_id(self).await?)) })
    }

    fn purchase_id(&self, order: OpenPurchase, _: SellerTerms) -> LedgerFuture<'_, PurchaseId> {
        Box::pin(async move { Ok(order.id(&Ledger::ledger_id(self).await?)) })
    }

    fn open_purchase(
        &self,
        request: Signed<OpenPurchase>,
        _: SellerTerms,
    ) -> LedgerFuture<'_, PurchaseState> {
        Box::pin(Ledger::open_purchase(self, request))
    }

    fn deliver_purchase(
        &self,
        request: Signed<DeliverPurchase>,
    ) -> LedgerFuture<'_, PurchaseState> {
        Box::pin(Ledger::deliver_purchase(self, request))
    }

    fn refund_purchase(&self, id: PurchaseId) -> LedgerFuture<'_, PurchaseState> {
        Box::pin(Ledger::refund_purchase(self, id))
    }

    fn purchase(&self, id: PurchaseId) -> LedgerFuture<'_, Option<PurchaseState>> {
        Box::pin(Ledger::purchase(self, id))
    }

    fn create_campaign(&self, request: Signed<CreateCampaign>) -> LedgerFuture<'_, CampaignState> {
        Box::pin(Ledger::create_campaign(self, request))
    }

    fn pledge(&self, request: Signed<Pledge>) -> LedgerFuture<'_, CampaignState> {
        Box::pin(Ledger::pledge(self, request))
    }

    fn settle_campaign(&self, id: CampaignId) -> LedgerFuture<'_, CampaignState> {
        Box::pin(Ledger::settle_campaign(self, id))
    }

    fn campaign(&self, id: CampaignId) -> LedgerFuture<'_, Option<CampaignState>> {
        Box::pin(Ledger::campaign(self, id))
    }

    fn purchases(
        &self,
        address: Address,
        role: PurchaseRole,
    ) -> LedgerFuture<'_, Vec<PurchaseState>> {
        Box::pin(Ledger::purchases(self, address, role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::local::fixtures::{self, address, btt, key, START_MS};
    use crate::ledger::node::client::NodeClient;
    use crate::ledger::node::{serve, NodeConfig};
    use crate::ledger::tron_client::TronClient;
    use crate::ledger::{ChannelStatus, ErrorKind, LocalLedger};
    use crate::payment::{close_with, sign_voucher, VoucherCheck};
    use std::net::Ipv4Addr;
    use std::sync::atomic::AtomicI64;
    use std::sync::Arc;
    use tokio::net::TcpListener;

    const PAYER: u8 = 1;
    const PAYEE: u8 = 2;

    fn open_request(ledger: &LedgerId) -> Signed<OpenChannel> {
        let open = OpenChannel {
            payer: address(PAYER),
            payee: address(PAYEE),
            amount: btt(500),
            expires_at_ms: START_MS + 3_600_000,
            nonce: 1,
        };
        Signed::sign(open, &key(PAYER), ledger)
    }

    /// A dev ledger with 1,000 minted to the payer.
    async fn funded_ledger(dir: &tempfile::TempDir) -> LocalLedger {
        let now = Arc::new(AtomicI64::new(START_MS));
        let options = fixtures::options(&now, true);
        let local = LocalLedger::open(&dir.path().join("ledger.sqlite"), options).unwrap();
        local.mint(address(PAYER), btt(1_000)).await.unwrap();
        local
    }

    /// Open, pay by vouchers, redeem, close: what a seeder's session does,
    /// here from a spawned task that owns its `Arc<dyn PaymentLedger>`.
    async fn pay_through(ledger: Arc<dyn PaymentLedger>) -> Result<ChannelState, LedgerError> {
        let id = ledger.ledger_id().await?;
        let channel = ledger.open_channel(open_request(&id)).await?;
        let mut check = VoucherCheck::load(&*ledger, channel.id, address(PAYEE))
            .await
            .unwrap();
        for units in [100, 300] {
            let voucher = sign_voucher(&channel, btt(units), &key(PAYER), &id).unwrap();
            check.accept(voucher).unwrap();
        }
        let best = check.best().unwrap().clone();
        let redeem = Signed::sign(RedeemVoucher { voucher: best }, &key(PAYEE), &id);
        assert_eq!(ledger.redeem_voucher(redeem).await?.redeemed, 300);
        let last = sign_voucher(&channel, btt(350), &key(PAYER), &id).unwrap();
        ledger
            .close_channel(close_with(last, &key(PAYEE), &id))
            .await
    }

    /// Pays and settles through `ledger` from a spawned task, then checks
    /// the balances and that a settled channel refuses a refund.
    async fn assert_pays(ledger: Arc<dyn PaymentLedger>) {
        let closed = tokio::spawn(pay_through(Arc::clone(&ledger)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(closed.redeemed, 350);
        assert_eq!(closed.status, ChannelStatus::Closed);
        let payee = ledger.balance(address(PAYEE), Token::Btt).await.unwrap();
        let payer = ledger.balance(address(PAYER), Token::Btt).await.unwrap();
        assert_eq!((payee, payer), (350, 650));
        let as_payee = ledger.channels(address(PAYEE), ChannelRole::Payee);
        assert_eq!(as_payee.await.unwrap(), std::slice::from_ref(&closed));
        let as_payer = ledger.channels(address(PAYER), ChannelRole::Payer);
        assert_eq!(as_payer.await.unwrap(), std::slice::from_ref(&closed));
        let wrong_side = ledger.channels(address(PAYEE), ChannelRole::Payer);
        assert!(wrong_side.await.unwrap().is_empty());
        let id = ledger.ledger_id().await.unwrap();
        let refund = RefundChannel { channel: closed.id };
        let refund = Signed::sign(refund, &key(PAYER), &id);
        let error = ledger.refund_channel(refund).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ChannelClosed, "{error}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_spawned_task_pays_through_the_local_ledger_as_a_trait_object() {
        let dir = tempfile::tempdir().unwrap();
        assert_pays(Arc::new(funded_ledger(&dir).await)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_spawned_task_pays_through_a_ledger_node_as_a_trait_object() {
        let dir = tempfile::tempdir().unwrap();
        let local = funded_ledger(&dir).await;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let config = NodeConfig::default();
            serve(listener, local, &config, async {
                let _ = stopped.await;
            })
            .await
        });
        assert_pays(Arc::new(NodeClient::new(&url).unwrap())).await;
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn the_tron_backend_has_no_channels() {
        let tron: Arc<dyn PaymentLedger> = Arc::new(TronClient::new("http://127.0.0.1:9").unwrap());
        let id = tron.ledger_id().await.unwrap();
        let error = tron.open_channel(open_request(&id)).await.unwrap_err();
        assert!(matches!(error, LedgerError::Unsupported { .. }), "{error}");
        let error = tron.channel(ChannelId([1; 32])).await.unwrap_err();
        assert!(matches!(error, LedgerError::Unsupported { .. }), "{error}");
        let listed = tron.channels(address(PAYEE), ChannelRole::Payee).await;
        let error = listed.unwrap_err();
        assert!(matches!(error, LedgerError::Unsupported { .. }), "{error}");
    }
}
