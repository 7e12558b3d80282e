//! The ledger: balances of TRON addresses per token, transfers, payment
//! channels, crowdfunding and purchase escrow, behind one [`Ledger`] trait.
//!
//! # Backends and the shape of the trait
//!
//! Four backends: `local` (an embedded SQLite file, [`local::LocalLedger`]),
//! `node` (a btt ledger node, [`node::client::NodeClient`]), `tron` (a
//! TRON full node's HTTP API, [`tron_client::TronClient`]) and `evm` (an EVM
//! chain's JSON-RPC, BitTorrent Chain above all, [`evm::EvmClient`]); the
//! last three are network clients. The first three take transfers as signed
//! TRON transactions the caller builds ([`Ledger::transfer`]); on an EVM
//! chain the backend builds and signs the transaction itself, because the
//! nonce, gas and fees come from the chain ([`Ledger::send`]). The trait's methods therefore return futures, and
//! are declared as `fn ... -> impl Future<Output = ...> + Send` (return
//! position `impl Trait` in traits, stable Rust, no `async_trait` boxing):
//! the SQLite backend runs its blocking work on tokio's blocking pool and an
//! HTTP backend awaits reqwest directly, and both futures can be spawned
//! because they are `Send`. Such a trait is not object safe, so code is
//! generic over `L: Ledger`. Code that picks a backend at run time and needs
//! only payments holds it as an `Arc<dyn crate::payment::PaymentLedger>`,
//! which every backend implements; the rest is written generic and run
//! against the chosen backend (the cli's `ledger_choice`).
//!
//! # Invariants every backend keeps
//!
//! - Amounts are exact integers of base units (`u128`), never floats.
//! - A transfer arrives as a signed TRON transaction and is applied only
//!   with its owner's signature, at most once per txid, only before its
//!   expiration, only when it names a recent block of this ledger
//!   ([`tapos`]), never for zero, and never beyond the payer's balance.
//! - Every applied change gets the next sequence number (the node exposes it
//!   as the block number), so followers can read changes in order.
//! - Funds in channels, campaigns and purchases are locked: they leave the owner's
//!   balance when locked, and return to someone exactly once on settlement.
//!   The total supply (balances plus locked funds) changes only by minting.
//! - Every refusal leaves the ledger unchanged.

pub mod admit;
pub mod channel;
pub mod domain;
pub mod error;
pub mod error_kind;
pub mod escrow;
pub mod evm;
pub mod id;
pub mod listing_domain;
pub mod local;
pub mod node;
pub mod purchase;
pub mod tapos;
pub mod tron_client;

pub use admit::{admit, Evidence};
pub use channel::{
    ChainChannels, ChannelRole, ChannelState, ChannelStatus, CloseChannel, OpenChannel,
    RedeemVoucher, RefundChannel, Voucher, VoucherDomain,
};
pub use domain::{Authorise, DomainMessage, Purpose, Signature, Signed};
pub use error::LedgerError;
pub use error_kind::ErrorKind;
pub use escrow::{CampaignState, CampaignStatus, CreateCampaign, Pledge, PledgerTotal};
pub use id::{CampaignId, ChannelId, LedgerId, PurchaseId};
pub use listing_domain::{ChainPurchases, ListedTerms, ListingDomain, SellerTerms};
pub use local::{Clock, LocalLedger, OpenOptions};
pub use purchase::{
    BuyerKey, DeliverPurchase, OpenPurchase, PurchaseRole, PurchaseState, PurchaseStatus,
};

use crate::amount::{Amount, Token};
use crate::tron::{Address, BlockReference, SignedTransaction};
use crate::wallet::PrivateKey;
use evm::nonce::SenderLock;
use evm::EvmTransaction;
use serde::{Deserialize, Serialize};
use std::future::Future;

/// A transfer whose TRON signature has been verified ([`admit()`]): the
/// store checks replay, expiry, amount and balance, not the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// SHA-256 of the transaction's `raw_data`.
    pub txid: [u8; 32],
    /// The owner who signed.
    pub from: Address,
    /// The recipient.
    pub to: Address,
    /// What moves.
    pub amount: Amount,
    /// `raw_data.data`, the memo.
    pub memo: Vec<u8>,
    /// `raw_data.timestamp`, milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// `raw_data.expiration`: refused once the ledger's clock is past it.
    pub expiration_ms: i64,
    /// The recent block it names: refused unless one of the ledger's ([`tapos`]).
    pub reference: BlockReference,
    /// The signed transaction it came from, stored with it when present.
    pub evidence: Option<Evidence>,
}

/// What kind of change moved funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// A signed transfer between two accounts.
    Transfer,
    /// New funds from the dev faucet (`from` is the zero address).
    Mint,
    /// A payer's funds locked in a channel (`to` is the channel's escrow address).
    ChannelOpen,
    /// A channel's funds paid to its payee.
    ChannelPay,
    /// A channel's unspent funds returned to its payer.
    ChannelReturn,
    /// A pledger's funds locked in a campaign.
    Pledge,
    /// A campaign's funds released to its beneficiary.
    CampaignRelease,
    /// A pledge returned to its pledger.
    CampaignRefund,
    /// A buyer's price locked in a purchase escrow.
    PurchaseLock,
    /// A purchase's price paid to the seller on delivery.
    PurchaseRelease,
    /// A purchase's price returned to the buyer after the deadline.
    PurchaseRefund,
}

/// One applied change, as history and lookups return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    /// What happened.
    pub kind: MovementKind,
    /// The transaction id (for kinds other than transfers, an id the ledger derives).
    #[serde(with = "id::hex32")]
    pub txid: [u8; 32],
    /// Who paid (an escrow address for funds leaving a lock).
    pub from: Address,
    /// Who received (an escrow address for funds entering a lock).
    pub to: Address,
    /// What moved.
    pub amount: Amount,
    /// The memo bytes, as hex in JSON.
    #[serde(with = "id::hex_bytes")]
    pub memo: Vec<u8>,
    /// The transaction's own timestamp.
    pub timestamp_ms: i64,
    /// The ledger's sequence number of this change (the node's block number).
    pub sequence: u64,
    /// When the ledger applied it, by the ledger's clock.
    pub applied_at_ms: i64,
    /// What the payer paid the chain for it, in base units of the ledger's
    /// native token (gas on an EVM chain); `None` where there is no fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<u128>,
}

impl TransferRecord {
    /// The memo as text, when it is UTF-8.
    pub fn memo_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.memo).ok()
    }
}

/// What a TRON-style ledger answers when asked to build a transaction itself.
fn self_built_only() -> LedgerError {
    LedgerError::Unsupported {
        backend: "TRON-style",
        operation: "sending without a signed TRON transaction",
    }
}

/// A ledger backend. See the module documentation for why the methods
/// return `impl Future + Send`.
pub trait Ledger: Send + Sync {
    /// This ledger's id, fixed at creation.
    fn ledger_id(&self) -> impl Future<Output = Result<LedgerId, LedgerError>> + Send;

    /// The token `BTT` means on this ledger, in which amounts are parsed and
    /// fees paid: the TRC-10 BTT on btt's ledgers and TRON, native BTT on BTTC.
    fn native_token(&self) -> Token {
        Token::Btt
    }

    /// True when transfers come as signed TRON transactions the caller builds
    /// ([`Ledger::transfer`]); false when the backend builds them ([`Ledger::send`]).
    fn takes_tron_transactions(&self) -> bool {
        true
    }

    /// Builds, signs with `key` and sends a transfer of `amount` to `to` with
    /// `memo`, and returns its record once applied; for ledgers that build
    /// their own transactions. The others refuse it: build a TRON transaction
    /// and call [`Ledger::transfer`].
    fn send(
        &self,
        key: &PrivateKey,
        to: Address,
        amount: Amount,
        memo: Vec<u8>,
    ) -> impl Future<Output = Result<TransferRecord, LedgerError>> + Send {
        let _ = (key, to, amount, memo);
        async { Err(self_built_only()) }
    }

    /// Like [`Ledger::send`], but stops before sending: returns the signed
    /// transaction and the sender's nonce lock, so the caller can keep the
    /// transaction durably (the tip journal) and then hand both to
    /// [`Ledger::send_kept`], which releases the lock once the node has the
    /// transaction. For ledgers that build their own
    /// transactions; the others refuse it.
    fn sign_kept(
        &self,
        key: &PrivateKey,
        to: Address,
        amount: Amount,
        memo: Vec<u8>,
    ) -> impl Future<Output = Result<(EvmTransaction, SenderLock<'_>), LedgerError>> + Send {
        let _ = (key, to, amount, memo);
        async { Err(self_built_only()) }
    }

    /// Sends a transaction [`Ledger::sign_kept`] made, or finds it already
    /// applied, and returns its record once final; `lock`, the nonce lock it
    /// was signed under (none when sent again after a restart), is released
    /// as soon as the node has taken or refused it. Sending it again is
    /// harmless: refused as expired when it can never be applied.
    fn send_kept(
        &self,
        transaction: &EvmTransaction,
        lock: Option<SenderLock<'_>>,
    ) -> impl Future<Output = Result<TransferRecord, LedgerError>> + Send {
        let _ = (transaction, lock);
        async { Err(self_built_only()) }
    }

    /// The sequence number of the latest applied change (0 when none).
    fn head(&self) -> impl Future<Output = Result<u64, LedgerError>> + Send;

    /// The reference of the latest block, which transactions built now name
    /// (`ref_block_bytes`, `ref_block_hash`). By default the btt block id of
    /// the head sequence, as the node's `/wallet/getnowblock` reports it.
    fn reference_block(&self) -> impl Future<Output = Result<BlockReference, LedgerError>> + Send {
        async move {
            let id = self.ledger_id().await?;
            let head = self.head().await?;
            Ok(BlockReference::from_block_id(&node::tron_json::block_id(
                &id, head,
            )))
        }
    }

    /// The spendable balance, in base units.
    fn balance(
        &self,
        address: Address,
        token: Token,
    ) -> impl Future<Output = Result<u128, LedgerError>> + Send;

    /// The wrapped BTT (WBTT, an ERC-20 on BTTC) `address` holds, in base
    /// units, where the ledger knows a WBTT contract; `None` elsewhere.
    fn wrapped_balance(
        &self,
        address: Address,
    ) -> impl Future<Output = Result<Option<u128>, LedgerError>> + Send {
        let _ = address;
        async { Ok(None) }
    }

    /// Verifies a signed TRON transaction (owner's signature, times by the
    /// ledger's clock) and applies its transfer, or refuses it with nothing
    /// applied.
    fn transfer(
        &self,
        transaction: SignedTransaction,
    ) -> impl Future<Output = Result<TransferRecord, LedgerError>> + Send;

    /// Creates funds from nothing; only on a ledger opened for development.
    fn mint(
        &self,
        to: Address,
        amount: Amount,
    ) -> impl Future<Output = Result<TransferRecord, LedgerError>> + Send;

    /// The change with this txid, if applied.
    fn transaction(
        &self,
        txid: [u8; 32],
    ) -> impl Future<Output = Result<Option<TransferRecord>, LedgerError>> + Send;

    /// Changes touching `address` applied at or after `since_ms`, oldest first.
    fn history(
        &self,
        address: Address,
        since_ms: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TransferRecord>, LedgerError>> + Send;

    /// Changes touching `address` with a sequence above `after`, oldest first
    /// (for followers such as `btt-tip watch`).
    fn history_after(
        &self,
        address: Address,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TransferRecord>, LedgerError>> + Send;

    /// Opens a channel signed by its payer, locking the amount.
    fn open_channel(
        &self,
        request: Signed<OpenChannel>,
    ) -> impl Future<Output = Result<ChannelState, LedgerError>> + Send;

    /// Pays a voucher's increment to the payee (signed by the payee); the channel stays open.
    fn redeem_voucher(
        &self,
        request: Signed<RedeemVoucher>,
    ) -> impl Future<Output = Result<ChannelState, LedgerError>> + Send;

    /// Closes a channel (signed by the payee): the payee gets the voucher's
    /// cumulative amount, the payer the rest.
    fn close_channel(
        &self,
        request: Signed<CloseChannel>,
    ) -> impl Future<Output = Result<ChannelState, LedgerError>> + Send;

    /// Returns a channel's unredeemed funds to its payer after the timeout.
    fn refund_channel(
        &self,
        request: Signed<RefundChannel>,
    ) -> impl Future<Output = Result<ChannelState, LedgerError>> + Send;

    /// A channel's current state.
    fn channel(
        &self,
        id: ChannelId,
    ) -> impl Future<Output = Result<Option<ChannelState>, LedgerError>> + Send;

    /// Every channel, open or closed, in which `address` has `role`, ordered
    /// by expiry and then id.
    fn channels(
        &self,
        address: Address,
        role: ChannelRole,
    ) -> impl Future<Output = Result<Vec<ChannelState>, LedgerError>> + Send;

    /// Starts a crowdfunding campaign signed by its creator.
    fn create_campaign(
        &self,
        request: Signed<CreateCampaign>,
    ) -> impl Future<Output = Result<CampaignState, LedgerError>> + Send;

    /// Locks a pledge in a campaign until settlement.
    fn pledge(
        &self,
        request: Signed<Pledge>,
    ) -> impl Future<Output = Result<CampaignState, LedgerError>> + Send;

    /// After the deadline, by anyone: pays the beneficiary if the goal was
    /// met, else refunds every pledge; once.
    fn settle_campaign(
        &self,
        id: CampaignId,
    ) -> impl Future<Output = Result<CampaignState, LedgerError>> + Send;

    /// A campaign's current state.
    fn campaign(
        &self,
        id: CampaignId,
    ) -> impl Future<Output = Result<Option<CampaignState>, LedgerError>> + Send;

    /// Locks a purchase's price, signed by its buyer. Opening an id that
    /// exists returns the existing purchase if every field matches, and is
    /// refused otherwise: one purchase id is charged once.
    fn open_purchase(
        &self,
        request: Signed<OpenPurchase>,
    ) -> impl Future<Output = Result<PurchaseState, LedgerError>> + Send;

    /// Stores the seller-signed sealed key and pays the price to the seller,
    /// in one change; before the deadline only. Repeating the same delivery
    /// returns the delivered purchase.
    fn deliver_purchase(
        &self,
        request: Signed<DeliverPurchase>,
    ) -> impl Future<Output = Result<PurchaseState, LedgerError>> + Send;

    /// From the deadline on, by anyone: returns an undelivered purchase's
    /// price to its buyer, once.
    fn refund_purchase(
        &self,
        id: PurchaseId,
    ) -> impl Future<Output = Result<PurchaseState, LedgerError>> + Send;

    /// A purchase's current state.
    fn purchase(
        &self,
        id: PurchaseId,
    ) -> impl Future<Output = Result<Option<PurchaseState>, LedgerError>> + Send;

    /// Every purchase in which `address` has `role`, by deadline and then id.
    fn purchases(
        &self,
        address: Address,
        role: PurchaseRole,
    ) -> impl Future<Output = Result<Vec<PurchaseState>, LedgerError>> + Send;
}
