//! [`Ledger`] for an EVM chain: each method hands over to the module that
//! does the work. Channels, campaigns and purchases wait for btt's contracts
//! on the chain and are refused until then.

use super::node_error::{bad, unsupported};
use super::nonce::SenderLock;
use super::scan::whole_blocks;
use super::transfer::check_amount;
use super::{EvmClient, EvmTransaction};
use crate::amount::{Amount, Token};
use crate::ledger::channel::{
    ChannelRole, ChannelState, CloseChannel, OpenChannel, RedeemVoucher, RefundChannel,
};
use crate::ledger::domain::Signed;
use crate::ledger::error::LedgerError;
use crate::ledger::escrow::{CampaignState, CreateCampaign, Pledge};
use crate::ledger::id::{CampaignId, ChannelId, LedgerId, PurchaseId};
use crate::ledger::purchase::{DeliverPurchase, OpenPurchase, PurchaseRole, PurchaseState};
use crate::ledger::{Ledger, TransferRecord};
use crate::tron::{Address, BlockReference, SignedTransaction};
use crate::wallet::PrivateKey;
use alloy::providers::Provider;
use sha2::{Digest, Sha256};

/// Channels, campaigns and purchases wait for btt's contracts on the chain.
const NEEDS_CONTRACTS: &str =
    "channels, campaigns and purchases without btt's contracts (pass --contracts, or deploy them with `btt-wallet deploy`)";

impl Ledger for EvmClient {
    /// Names the chain: nothing btt signs for one chain is valid on another.
    async fn ledger_id(&self) -> Result<LedgerId, LedgerError> {
        let mut hasher = Sha256::new();
        hasher.update(b"btt-evm-ledger-v1");
        hasher.update(self.chain_id().await?.to_be_bytes());
        Ok(LedgerId(hasher.finalize().into()))
    }

    fn native_token(&self) -> Token {
        Token::Bttc
    }

    fn takes_tron_transactions(&self) -> bool {
        false
    }

    async fn send(
        &self,
        key: &PrivateKey,
        to: Address,
        amount: Amount,
        memo: Vec<u8>,
    ) -> Result<TransferRecord, LedgerError> {
        check_amount(&amount)?;
        let (transaction, lock) = self.sign_locked(key, to, amount.base_units, memo).await?;
        self.broadcast(&transaction).await?;
        drop(lock);
        self.finish(transaction.hash()).await
    }

    async fn sign_kept(
        &self,
        key: &PrivateKey,
        to: Address,
        amount: Amount,
        memo: Vec<u8>,
    ) -> Result<(EvmTransaction, SenderLock<'_>), LedgerError> {
        check_amount(&amount)?;
        self.sign_locked(key, to, amount.base_units, memo).await
    }

    async fn send_kept(
        &self,
        transaction: &EvmTransaction,
        lock: Option<SenderLock<'_>>,
    ) -> Result<TransferRecord, LedgerError> {
        self.settle(transaction, lock).await
    }

    async fn head(&self) -> Result<u64, LedgerError> {
        self.node()
            .await?
            .get_block_number()
            .await
            .map_err(|e| self.rpc_error(e))
    }

    async fn reference_block(&self) -> Result<BlockReference, LedgerError> {
        Err(unsupported("TRON transactions"))
    }

    async fn balance(&self, address: Address, token: Token) -> Result<u128, LedgerError> {
        if token != Token::Bttc {
            return Err(unsupported("tokens other than the chain's BTT"));
        }
        let wei = self
            .node()
            .await?
            .get_balance(alloy::primitives::Address::from(address.evm_bytes()))
            .await
            .map_err(|e| self.rpc_error(e))?;
        u128::try_from(wei).map_err(|_| bad(format!("balance of {address} is beyond u128")))
    }

    async fn wrapped_balance(&self, address: Address) -> Result<Option<u128>, LedgerError> {
        self.wbtt_balance_of(address).await
    }

    async fn transfer(&self, _: SignedTransaction) -> Result<TransferRecord, LedgerError> {
        Err(unsupported("TRON transactions"))
    }

    /// On a dev chain whose node holds unlocked accounts (anvil): pays from
    /// the first of them. A public node holds none: minting is refused.
    async fn mint(&self, to: Address, amount: Amount) -> Result<TransferRecord, LedgerError> {
        self.faucet(to, amount).await
    }

    async fn transaction(&self, txid: [u8; 32]) -> Result<Option<TransferRecord>, LedgerError> {
        match self.receipt(txid).await? {
            None => Ok(None),
            Some(receipt) => self.record_of(txid, &receipt).await,
        }
    }

    async fn history(
        &self,
        address: Address,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        let head = self.head().await?;
        let first = self.first_block_since(since_ms, head).await?;
        Ok(whole_blocks(self.scan(address, first, head).await?, limit))
    }

    async fn history_after(
        &self,
        address: Address,
        after: u64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        let head = self.head().await?;
        let first = after.saturating_add(1);
        Ok(whole_blocks(self.scan(address, first, head).await?, limit))
    }

    async fn open_channel(&self, _: Signed<OpenChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn redeem_voucher(&self, _: Signed<RedeemVoucher>) -> Result<ChannelState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn close_channel(&self, _: Signed<CloseChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn refund_channel(&self, _: Signed<RefundChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn channel(&self, _: ChannelId) -> Result<Option<ChannelState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn channels(&self, _: Address, _: ChannelRole) -> Result<Vec<ChannelState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn create_campaign(
        &self,
        _: Signed<CreateCampaign>,
    ) -> Result<CampaignState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn pledge(&self, _: Signed<Pledge>) -> Result<CampaignState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn settle_campaign(&self, _: CampaignId) -> Result<CampaignState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn campaign(&self, _: CampaignId) -> Result<Option<CampaignState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn open_purchase(&self, _: Signed<OpenPurchase>) -> Result<PurchaseState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn deliver_purchase(
        &self,
        _: Signed<DeliverPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn refund_purchase(&self, _: PurchaseId) -> Result<PurchaseState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn purchase(&self, _: PurchaseId) -> Result<Option<PurchaseState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn purchases(
        &self,
        _: Address,
        _: PurchaseRole,
    ) -> Result<Vec<PurchaseState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }
}
