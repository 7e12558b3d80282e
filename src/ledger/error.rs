//! Everything the ledger can refuse or fail at. Every refusal happens before
//! anything is written: an error means no balance, lock or record changed.

use super::id::{CampaignId, ChannelId};
use crate::amount::Token;
use crate::tron::{Address, SignatureError};
use std::path::PathBuf;
use thiserror::Error;

/// Why a ledger operation was refused or failed.
#[derive(Debug, Error)]
pub enum LedgerError {
    /// The backend cannot do this (e.g. channels on TRON).
    #[error("the {backend} ledger does not support {operation}")]
    Unsupported {
        backend: &'static str,
        operation: &'static str,
    },

    /// The transaction is malformed or not signed by its owner.
    #[error("transaction refused: {source}")]
    BadTransaction { source: crate::tron::TxError },

    /// The transaction claims to be made in the future.
    #[error("transaction {txid} is dated {timestamp_ms}, ahead of the ledger's clock ({now_ms})")]
    TimestampInFuture {
        txid: String,
        timestamp_ms: i64,
        now_ms: i64,
    },

    /// The transaction would stay valid longer than allowed.
    #[error("transaction {txid} expires at {expiration_ms}, more than 24 hours after {now_ms}")]
    ExpirationTooFar {
        txid: String,
        expiration_ms: i64,
        now_ms: i64,
    },

    /// The transaction names a block that is not one of this ledger's
    /// latest 65,536 (TRON's TaPoS: forged, stale, or of another chain).
    #[error("transaction {txid} names block {ref_block_bytes}/{ref_block_hash}, not one of this ledger's latest 65536 blocks (head {head})")]
    Tapos {
        txid: String,
        ref_block_bytes: String,
        ref_block_hash: String,
        head: u64,
    },

    /// The txid was applied before.
    #[error("transaction {txid} was already applied")]
    Replay { txid: String },
    /// The transaction's expiration is in the past.
    #[error("transaction {txid} expired at {expiration_ms} (now {now_ms})")]
    Expired {
        txid: String,
        expiration_ms: i64,
        now_ms: i64,
    },
    /// Zero moves nothing and is refused.
    #[error("amount is zero")]
    ZeroAmount,
    /// The payer has too little (the CLI exits with status 7).
    #[error(
        "insufficient balance: {address} has {available} base units of {token:?}, needs {needed}"
    )]
    InsufficientBalance {
        address: Address,
        token: Token,
        available: u128,
        needed: u128,
    },
    /// A balance or total would pass u128.
    #[error("amount overflows for {address}")]
    Overflow { address: Address },
    /// Minting asked of a ledger not opened in dev mode.
    #[error("minting is refused: this ledger was not opened with the dev flag")]
    MintDisabled,
    /// The signature itself is malformed or does not verify.
    #[error("bad signature: {source}")]
    BadSignature { source: SignatureError },
    /// A valid signature, by the wrong party (or for another ledger or purpose).
    #[error("{purpose} must be signed by {expected}, was signed by {signer}")]
    WrongSigner {
        purpose: &'static str,
        expected: Address,
        signer: Address,
    },
    /// Two amounts of different tokens were combined.
    #[error("token mismatch: expected {expected:?}, got {got:?}")]
    TokenMismatch { expected: Token, got: Token },
    /// A deadline or timeout that is already past when creating.
    #[error("deadline {deadline_ms} is not in the future (now {now_ms})")]
    DeadlineInPast { deadline_ms: i64, now_ms: i64 },
    /// No such channel.
    #[error("unknown channel {id}")]
    UnknownChannel { id: ChannelId },
    /// The same open message was already applied.
    #[error("channel {id} already exists")]
    ChannelExists { id: ChannelId },
    /// The channel was closed or refunded.
    #[error("channel {id} is closed")]
    ChannelClosed { id: ChannelId },
    /// A voucher for a different channel than the one named.
    #[error("voucher is for channel {voucher_channel}, not {id}")]
    VoucherForAnotherChannel {
        id: ChannelId,
        voucher_channel: ChannelId,
    },
    /// A voucher naming a different payee than the channel's.
    #[error("voucher names payee {voucher_payee}, channel {id} pays {payee}")]
    VoucherForAnotherPayee {
        id: ChannelId,
        payee: Address,
        voucher_payee: Address,
    },
    /// A voucher promising more than the channel holds.
    #[error("voucher of {cumulative} exceeds the {locked} locked in channel {id}")]
    VoucherAboveLocked {
        id: ChannelId,
        cumulative: u128,
        locked: u128,
    },
    /// A voucher not above what was already redeemed.
    #[error(
        "voucher of {cumulative} is not above the {redeemed} already redeemed from channel {id}"
    )]
    VoucherNotAbove {
        id: ChannelId,
        cumulative: u128,
        redeemed: u128,
    },
    /// A refund before the channel's timeout.
    #[error("channel {id} can be refunded from {expires_at_ms} on (now {now_ms})")]
    RefundBeforeTimeout {
        id: ChannelId,
        expires_at_ms: i64,
        now_ms: i64,
    },
    /// No such campaign.
    #[error("unknown campaign {id}")]
    UnknownCampaign { id: CampaignId },
    /// The same create message was already applied.
    #[error("campaign {id} already exists")]
    CampaignExists { id: CampaignId },
    /// The same signed pledge was already applied.
    #[error("pledge {pledge} to campaign {id} was already applied")]
    PledgeReplay { id: CampaignId, pledge: String },
    /// A pledge at or after the deadline.
    #[error("campaign {id} closed for pledges at {deadline_ms} (now {now_ms})")]
    PledgeAfterDeadline {
        id: CampaignId,
        deadline_ms: i64,
        now_ms: i64,
    },
    /// A settlement before the deadline.
    #[error("campaign {id} can be settled from {deadline_ms} on (now {now_ms})")]
    SettleBeforeDeadline {
        id: CampaignId,
        deadline_ms: i64,
        now_ms: i64,
    },
    /// The campaign was settled already.
    #[error("campaign {id} is already settled")]
    CampaignSettled { id: CampaignId },
    /// The data directory or file could not be created or opened.
    #[error("could not open ledger {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("ledger storage failed while {doing}: {source}")]
    Storage {
        doing: &'static str,
        source: rusqlite::Error,
    },
    /// A batch commit failed after this request was applied in it.
    #[error("ledger commit failed: {message}")]
    CommitFailed { message: String },
    /// The file holds something this code cannot read back.
    #[error("ledger file is corrupt: {what}")]
    Corrupt { what: String },
    /// A ledger node refused the request; `code` is the node's [`LedgerError::code`].
    #[error("ledger node refused: {message}")]
    Remote { code: String, message: String },
    /// A ledger node could not be reached or answered something unreadable.
    #[error("ledger node {url}: {message}")]
    Unreachable { url: String, message: String },
    /// The blocking worker that ran the operation died.
    #[error("ledger worker stopped: {message}")]
    Worker { message: String },
}

impl LedgerError {
    /// A storage error, naming what was being done.
    pub(crate) fn storage(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> LedgerError {
        move |source| LedgerError::Storage { doing, source }
    }

    /// A stable snake_case name of the variant, for JSON error records and
    /// for the node's answers (a client maps it back to the refusal).
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::Unsupported { .. } => "unsupported",
            LedgerError::BadTransaction { .. } => "bad_transaction",
            LedgerError::TimestampInFuture { .. } => "timestamp_in_future",
            LedgerError::ExpirationTooFar { .. } => "expiration_too_far",
            LedgerError::Tapos { .. } => "tapos",
            LedgerError::Replay { .. } => "replay",
            LedgerError::Expired { .. } => "expired",
            LedgerError::ZeroAmount => "zero_amount",
            LedgerError::InsufficientBalance { .. } => "insufficient_balance",
            LedgerError::Overflow { .. } => "overflow",
            LedgerError::MintDisabled => "mint_disabled",
            LedgerError::BadSignature { .. } => "bad_signature",
            LedgerError::WrongSigner { .. } => "wrong_signer",
            LedgerError::TokenMismatch { .. } => "token_mismatch",
            LedgerError::DeadlineInPast { .. } => "deadline_in_past",
            LedgerError::UnknownChannel { .. } => "unknown_channel",
            LedgerError::ChannelExists { .. } => "channel_exists",
            LedgerError::ChannelClosed { .. } => "channel_closed",
            LedgerError::VoucherForAnotherChannel { .. } => "voucher_for_another_channel",
            LedgerError::VoucherForAnotherPayee { .. } => "voucher_for_another_payee",
            LedgerError::VoucherAboveLocked { .. } => "voucher_above_locked",
            LedgerError::VoucherNotAbove { .. } => "voucher_not_above",
            LedgerError::RefundBeforeTimeout { .. } => "refund_before_timeout",
            LedgerError::UnknownCampaign { .. } => "unknown_campaign",
            LedgerError::CampaignExists { .. } => "campaign_exists",
            LedgerError::PledgeReplay { .. } => "pledge_replay",
            LedgerError::PledgeAfterDeadline { .. } => "pledge_after_deadline",
            LedgerError::SettleBeforeDeadline { .. } => "settle_before_deadline",
            LedgerError::CampaignSettled { .. } => "campaign_settled",
            LedgerError::Open { .. } => "open",
            LedgerError::Storage { .. } => "storage",
            LedgerError::CommitFailed { .. } => "commit_failed",
            LedgerError::Corrupt { .. } => "corrupt",
            LedgerError::Worker { .. } => "worker",
            LedgerError::Remote { .. } => "remote",
            LedgerError::Unreachable { .. } => "unreachable",
        }
    }

    /// True for the refusal the CLI reports as exit status 7.
    pub fn is_insufficient_funds(&self) -> bool {
        match self {
            LedgerError::InsufficientBalance { .. } => true,
            LedgerError::Remote { code, .. } => code == "insufficient_balance",
            _ => false,
        }
    }
}
