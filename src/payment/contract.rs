//! [`ContractPayments`]: the [`PaymentLedger`] of btt's channels, purchases
//! and campaigns contracts on an EVM chain (BitTorrent Chain above all),
//! acting for one wallet (the purchases side is in `contract_purchases.rs`,
//! the campaigns side in `contract_campaigns.rs`).
//!
//! On btt's own ledgers a request signed by its party is enough to move
//! funds; on a chain the party sends a transaction from its own account.
//! So this ledger holds the wallet's key, takes only requests that wallet
//! signed (as payer: open and refund; as payee: redeem and close), and turns
//! each into a contract call. Vouchers are EIP-712 typed data under the
//! contract's domain ([`crate::ledger::VoucherDomain::Chain`]), whose separator is this
//! ledger's id: a voucher is good on one chain and one contract only.
//!
//! Before a transaction is sent, the channel is read and the request is
//! checked by the same rules as on btt's ledgers, so a refusal costs no gas
//! and carries the same [`ErrorKind`] (a closed channel, a voucher not above
//! what was redeemed) that settlement acts on; the contract checks
//! everything again. Amounts are wei of the chain's coin ([`Token::Bttc`]);
//! a channel in any other token is refused. The gas of every transaction
//! sent is added up ([`PaymentLedger::fees_paid`]).

use super::payment_ledger::{LedgerFuture, PaymentLedger};
use crate::amount::{Amount, Token};
use crate::ledger::evm::contracts::bindings;
use crate::ledger::evm::contracts::channels::{ChannelsContract, OPEN_GAS, REDEEM_GAS};
use crate::ledger::evm::contracts::transact::CallReceipt;
use crate::ledger::evm::contracts::typed_data::Eip712Signed;
use crate::ledger::evm::contracts::{ContractAddresses, NATIVE};
use crate::ledger::evm::EvmClient;
use crate::ledger::{
    Authorise, CampaignId, CampaignState, ChainChannels, ChannelId, ChannelRole, ChannelState,
    ChannelStatus, CloseChannel, CreateCampaign, DeliverPurchase, ErrorKind, Ledger, LedgerError,
    LedgerId, ListingDomain, OpenChannel, OpenPurchase, Pledge, PurchaseId, PurchaseRole,
    PurchaseState, RedeemVoucher, RefundChannel, SellerTerms, Signed, Voucher, VoucherDomain,
};
use crate::tron::Address;
use crate::wallet::PrivateKey;
use alloy::primitives::{B256, U256};
use std::sync::{Mutex, OnceLock};
use tokio::sync::OnceCell;

/// The payment channels of btt's contract on one chain, for one wallet.
#[derive(Debug)]
pub struct ContractPayments {
    pub(super) client: EvmClient,
    channels: alloy::primitives::Address,
    pub(super) purchases: alloy::primitives::Address,
    pub(super) campaigns: alloy::primitives::Address,
    /// The wallet it sends from, once known: at once, or once unlocked.
    key: OnceLock<PrivateKey>,
    domain: OnceCell<VoucherDomain>,
    /// Wei of gas paid, and how many transactions paid it.
    sent: Mutex<(u128, u64)>,
}

impl ContractPayments {
    /// The channels contract of `contracts` on `client`'s chain, acting for
    /// `key`'s wallet; without a key it only reads.
    pub fn new(
        client: EvmClient,
        contracts: &ContractAddresses,
        key: Option<PrivateKey>,
    ) -> ContractPayments {
        ContractPayments {
            client,
            channels: contracts.channels,
            purchases: contracts.purchases,
            campaigns: contracts.campaigns,
            key: key.map(OnceLock::from).unwrap_or_default(),
            domain: OnceCell::new(),
            sent: Mutex::new((0, 0)),
        }
    }

    /// `gas` at the gas price now, in wei.
    async fn gas_cost(&self, gas: u64) -> Result<u128, LedgerError> {
        let price = self.client.gas_price_now().await?;
        Ok(price.saturating_mul(u128::from(gas)))
    }

    /// The earliest time the block that takes a transaction sent now can
    /// have: no earlier than the latest block, nor than this machine's clock
    /// (a chain that mines only on demand, like a dev chain, stamps its next
    /// block with the time it is mined). The contract checks its own.
    pub(super) async fn next_block_time_ms(&self) -> Result<i64, LedgerError> {
        let chain = self.client.chain_time_ms().await?;
        Ok(chain.max(crate::clock::now_ms()))
    }

    /// Sends from `key`'s wallet from now on (a wallet that finished
    /// unlocking after the ledger was made); a key set before stays.
    pub fn set_key(&self, key: PrivateKey) {
        let _ = self.key.set(key);
    }

    /// How many transactions this ledger sent (their gas: [`PaymentLedger::fees_paid`]).
    pub fn transactions_sent(&self) -> u64 {
        crate::sync::lock(&self.sent).1
    }

    /// The contract's voucher domain (the node is asked its chain id once).
    async fn domain(&self) -> Result<VoucherDomain, LedgerError> {
        self.domain
            .get_or_try_init(|| async {
                let chain = ChainChannels {
                    chain_id: self.client.chain_id().await?,
                    contract: self.channels.into_array(),
                };
                Ok(VoucherDomain::Chain(chain))
            })
            .await
            .copied()
    }

    /// The wallet this ledger sends from: refused when it only reads.
    pub(super) fn key(&self) -> Result<&PrivateKey, LedgerError> {
        self.key.get().ok_or(LedgerError::Unsupported {
            backend: "EVM channels contract",
            operation: "sending without a wallet",
        })
    }

    fn contract(&self) -> ChannelsContract<'_> {
        ChannelsContract::new(&self.client, self.channels)
    }

    /// Adds a sent transaction's fee to the total.
    pub(super) fn paid(&self, receipt: &CallReceipt) {
        let mut sent = crate::sync::lock(&self.sent);
        sent.0 = sent.0.saturating_add(receipt.fee);
        sent.1 += 1;
    }

    /// This wallet's key, once it is shown to have signed `request` as `party`.
    pub(super) async fn check_mine<T: Authorise>(
        &self,
        request: &Signed<T>,
        party: &Address,
    ) -> Result<&PrivateKey, LedgerError> {
        let key = self.key()?;
        let me = key.address();
        request.verify_signer(&self.domain().await?.ledger(), &me)?;
        if *party != me {
            return Err(LedgerError::WrongSigner {
                purpose: T::PURPOSE.tag(),
                expected: *party,
                signer: me,
            });
        }
        Ok(key)
    }

    /// The channel as the contract holds it on the newest block with the
    /// confirmations asked for: a channel is used only once it is that deep.
    async fn state(&self, id: ChannelId) -> Result<Option<ChannelState>, LedgerError> {
        let held = self.contract().confirmed_channel(B256::from(id.0)).await?;
        if held.payer.is_zero() {
            return Ok(None);
        }
        if held.token != NATIVE {
            return Err(LedgerError::Unsupported {
                backend: "EVM channels contract",
                operation: "channels in an ERC-20 token (btt trades in the chain's coin)",
            });
        }
        Ok(Some(ChannelState {
            id,
            payer: Address::from_evm(held.payer.into_array()),
            payee: Address::from_evm(held.payee.into_array()),
            amount: Amount {
                token: Token::Bttc,
                base_units: wei(held.deposit)?,
            },
            redeemed: wei(held.redeemed)?,
            expires_at_ms: i64::try_from(held.expiry)
                .unwrap_or(i64::MAX)
                .saturating_mul(1000),
            status: if held.closed {
                ChannelStatus::Closed
            } else {
                ChannelStatus::Open
            },
        }))
    }

    async fn existing(&self, id: ChannelId) -> Result<ChannelState, LedgerError> {
        self.state(id)
            .await?
            .ok_or(LedgerError::UnknownChannel { id })
    }

    async fn open(&self, request: Signed<OpenChannel>) -> Result<ChannelState, LedgerError> {
        let open = &request.request;
        let key = self.check_mine(&request, &open.payer).await?;
        check_coin(open.amount.token)?;
        let expiry = u64::try_from(open.expires_at_ms / 1000).unwrap_or(0);
        let payee = alloy::primitives::Address::from(open.payee.evm_bytes());
        let sent = self
            .contract()
            .open(key, payee, NATIVE, open.amount.base_units, expiry)
            .await?;
        self.paid(&sent.receipt);
        self.existing(ChannelId(sent.event.channel.0)).await
    }

    async fn redeem(&self, request: Signed<RedeemVoucher>) -> Result<ChannelState, LedgerError> {
        let voucher = &request.request.voucher;
        let state = self.existing(voucher.request.channel).await?;
        let key = self.check_mine(&request, &state.payee).await?;
        state.check_open()?;
        state.voucher_increment(self.domain().await?, voucher)?;
        let sent = self.contract().redeem(key, &typed(voucher)).await?;
        self.paid(&sent.receipt);
        self.existing(state.id).await
    }

    /// Closes with the voucher given, which may equal what was redeemed
    /// (the payee is then paid nothing more and the payer gets the rest).
    async fn close(&self, request: Signed<CloseChannel>) -> Result<ChannelState, LedgerError> {
        let state = self.existing(request.request.channel).await?;
        let key = self.check_mine(&request, &state.payee).await?;
        state.check_open()?;
        let Some(voucher) = &request.request.voucher else {
            return Err(LedgerError::Unsupported {
                backend: "EVM channels contract",
                operation: "closing without a voucher (the payer refunds after expiry)",
            });
        };
        match state.voucher_increment(self.domain().await?, voucher) {
            Err(error)
                if error.kind() == ErrorKind::VoucherNotAbove
                    && voucher.request.cumulative.base_units == state.redeemed => {}
            other => {
                other?;
            }
        }
        let sent = self.contract().close(key, &typed(voucher)).await?;
        self.paid(&sent.receipt);
        self.existing(state.id).await
    }

    async fn refund(&self, request: Signed<RefundChannel>) -> Result<ChannelState, LedgerError> {
        let state = self.existing(request.request.channel).await?;
        let key = self.check_mine(&request, &state.payer).await?;
        state.check_refund(self.next_block_time_ms().await?)?;
        let sent = self.contract().refund(key, B256::from(state.id.0)).await?;
        self.paid(&sent.receipt);
        self.existing(state.id).await
    }

    async fn list(
        &self,
        address: Address,
        role: ChannelRole,
    ) -> Result<Vec<ChannelState>, LedgerError> {
        let party = alloy::primitives::Address::from(address.evm_bytes());
        let ids = self
            .contract()
            .opened_with(party, role == ChannelRole::Payee)
            .await?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.extend(self.state(ChannelId(id.0)).await?);
        }
        found.sort_by_key(|state| (state.expires_at_ms, state.id.0));
        Ok(found)
    }
}

/// A voucher as the contract takes it.
fn typed(voucher: &Signed<Voucher>) -> Eip712Signed<bindings::Voucher> {
    let promise = &voucher.request;
    Eip712Signed {
        message: bindings::Voucher {
            channel: B256::from(promise.channel.0),
            payee: promise.payee.evm_bytes().into(),
            cumulative: U256::from(promise.cumulative.base_units),
        },
        signature: voucher.signature.0.to_vec(),
    }
}

/// Refuses amounts in anything but the chain's coin.
pub(super) fn check_coin(token: Token) -> Result<(), LedgerError> {
    if token != Token::Bttc {
        return Err(LedgerError::TokenMismatch {
            expected: Token::Bttc,
            got: token,
        });
    }
    Ok(())
}

/// A contract's `uint256` as wei, refused beyond 128 bits.
pub(super) fn wei(value: U256) -> Result<u128, LedgerError> {
    u128::try_from(value).map_err(|_| LedgerError::BadAnswer {
        backend: "EVM channels contract",
        message: format!("the channels contract holds {value} wei, beyond 128 bits"),
    })
}

impl PaymentLedger for ContractPayments {
    fn ledger_id(&self) -> LedgerFuture<'_, LedgerId> {
        Box::pin(async move { Ok(self.domain().await?.ledger()) })
    }

    fn voucher_domain(&self) -> LedgerFuture<'_, VoucherDomain> {
        Box::pin(self.domain())
    }

    /// Wei of gas paid for the transactions this ledger sent.
    fn fees_paid(&self) -> u128 {
        crate::sync::lock(&self.sent).0
    }

    /// The gas of the payee's redeems and close of `channel`, from the
    /// contract's events and their receipts.
    fn settlement_fees(&self, channel: ChannelId, payee: Address) -> LedgerFuture<'_, u128> {
        Box::pin(async move {
            let payee = alloy::primitives::Address::from(payee.evm_bytes());
            let mut fees = 0u128;
            for hash in self.contract().payouts(B256::from(channel.0)).await? {
                fees = fees.saturating_add(self.client.fee_paid_by(hash, payee).await?);
            }
            Ok(fees)
        })
    }

    /// [`REDEEM_GAS`] at the gas price now.
    fn redeem_cost(&self) -> LedgerFuture<'_, u128> {
        Box::pin(self.gas_cost(REDEEM_GAS))
    }

    /// [`OPEN_GAS`] at the gas price now.
    fn open_cost(&self) -> LedgerFuture<'_, u128> {
        Box::pin(self.gas_cost(OPEN_GAS))
    }

    fn balance(&self, address: Address, token: Token) -> LedgerFuture<'_, u128> {
        Box::pin(Ledger::balance(&self.client, address, token))
    }

    fn channel(&self, id: ChannelId) -> LedgerFuture<'_, Option<ChannelState>> {
        Box::pin(self.state(id))
    }

    fn channels(&self, address: Address, role: ChannelRole) -> LedgerFuture<'_, Vec<ChannelState>> {
        Box::pin(self.list(address, role))
    }

    fn open_channel(&self, request: Signed<OpenChannel>) -> LedgerFuture<'_, ChannelState> {
        Box::pin(self.open(request))
    }

    fn redeem_voucher(&self, request: Signed<RedeemVoucher>) -> LedgerFuture<'_, ChannelState> {
        Box::pin(self.redeem(request))
    }

    fn close_channel(&self, request: Signed<CloseChannel>) -> LedgerFuture<'_, ChannelState> {
        Box::pin(self.close(request))
    }

    fn refund_channel(&self, request: Signed<RefundChannel>) -> LedgerFuture<'_, ChannelState> {
        Box::pin(self.refund(request))
    }

    fn listing_domain(&self) -> LedgerFuture<'_, ListingDomain> {
        Box::pin(async move { Ok(ListingDomain::Chain(self.chain_purchases().await?)) })
    }

    fn purchase_id(&self, order: OpenPurchase, terms: SellerTerms) -> LedgerFuture<'_, PurchaseId> {
        Box::pin(async move { self.order_id(&order, &terms).await })
    }

    fn open_purchase(
        &self,
        request: Signed<OpenPurchase>,
        terms: SellerTerms,
    ) -> LedgerFuture<'_, PurchaseState> {
        Box::pin(self.open_order(request, terms))
    }

    fn deliver_purchase(
        &self,
        request: Signed<DeliverPurchase>,
    ) -> LedgerFuture<'_, PurchaseState> {
        Box::pin(self.deliver_order(request))
    }

    fn refund_purchase(&self, id: PurchaseId) -> LedgerFuture<'_, PurchaseState> {
        Box::pin(self.refund_order(id))
    }

    fn purchase(&self, id: PurchaseId) -> LedgerFuture<'_, Option<PurchaseState>> {
        Box::pin(self.purchase_state(id))
    }

    fn create_campaign(&self, request: Signed<CreateCampaign>) -> LedgerFuture<'_, CampaignState> {
        Box::pin(self.create(request))
    }

    fn pledge(&self, request: Signed<Pledge>) -> LedgerFuture<'_, CampaignState> {
        Box::pin(self.pledge_to(request))
    }

    fn settle_campaign(&self, id: CampaignId) -> LedgerFuture<'_, CampaignState> {
        Box::pin(self.settle(id))
    }

    fn campaign(&self, id: CampaignId) -> LedgerFuture<'_, Option<CampaignState>> {
        Box::pin(self.campaign_state(id))
    }

    fn purchases(
        &self,
        address: Address,
        role: PurchaseRole,
    ) -> LedgerFuture<'_, Vec<PurchaseState>> {
        Box::pin(self.purchases_of(address, role))
    }
}
