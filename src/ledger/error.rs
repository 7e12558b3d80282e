//! Everything the ledger can refuse or fail at. Every refusal happens before
//! anything is written: an error means no balance, lock or record changed.

use super::error_kind::ErrorKind;
use super::id::{CampaignId, ChannelId, PurchaseId};
use super::purchase::PurchaseStatus;
use crate::amount::{format_units, Token};
use crate::tron::{Address, SignatureError};
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};
use thiserror::Error;

/// Why a ledger operation was refused or failed.
#[derive(Debug, Error)]
pub enum LedgerError {
    /// An EVM transaction would need more gas than the user allows.
    #[error(
        "the node estimates {estimate} gas, above the cap of {cap} (raise it with --gas-limit)"
    )]
    GasAboveCap { estimate: u64, cap: u64 },

    /// A node's answer that cannot be true (a hostile or broken node).
    #[error("the {backend} node gave an unusable answer: {message}")]
    BadAnswer {
        backend: &'static str,
        message: String,
    },

    /// The node at a URL is another chain than the one named.
    #[error("{url} is chain {got}, not chain {expected}")]
    WrongChain {
        url: String,
        expected: u64,
        got: u64,
    },

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
        "insufficient balance: {address} has {}{}, needs {}{}",
        format_units(*available, *token), token.symbol(), format_units(*needed, *token), token.symbol()
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
    #[error("deadline {} is not in the future", when(*deadline_ms, *now_ms))]
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
    #[error("channel {id} can be refunded from {} on", when(*expires_at_ms, *now_ms))]
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
    #[error("campaign {id} closed for pledges at {}", when(*deadline_ms, *now_ms))]
    PledgeAfterDeadline {
        id: CampaignId,
        deadline_ms: i64,
        now_ms: i64,
    },
    /// A settlement before the deadline.
    #[error("campaign {id} can be settled from {} on", when(*deadline_ms, *now_ms))]
    SettleBeforeDeadline {
        id: CampaignId,
        deadline_ms: i64,
        now_ms: i64,
    },
    /// The campaign was settled already.
    #[error("campaign {id} is already settled")]
    CampaignSettled { id: CampaignId },
    /// A refund of a missed campaign to a wallet with no pledge left in it.
    #[error("campaign {id} missed its goal, but {pledger} has no pledge in it to take back")]
    NoPledgeToRefund { id: CampaignId, pledger: Address },
    /// No such purchase.
    #[error("unknown purchase {id}")]
    UnknownPurchase { id: PurchaseId },
    /// The purchase id exists with other fields (same buyer, listing and nonce).
    #[error("purchase {id} already exists with other terms")]
    PurchaseConflict { id: PurchaseId },
    /// The buyer's public key is not the key of the buyer's address.
    #[error("the buyer key is not the compressed public key of {buyer}")]
    BuyerKeyMismatch { buyer: Address },
    /// A sealed key that is empty or too long.
    #[error("sealed key of {length} bytes: expected 1 to {max}")]
    SealedKeyLength { length: usize, max: usize },
    /// A delivery at or after the deadline.
    #[error("purchase {id} closed for delivery at {}", when(*deadline_ms, *now_ms))]
    DeliverAfterDeadline {
        id: PurchaseId,
        deadline_ms: i64,
        now_ms: i64,
    },
    /// A refund before the delivery deadline.
    #[error("purchase {id} can be refunded from {} on", when(*deadline_ms, *now_ms))]
    PurchaseRefundBeforeDeadline {
        id: PurchaseId,
        deadline_ms: i64,
        now_ms: i64,
    },
    /// The purchase was delivered or refunded already.
    #[error("purchase {id} is already {status:?}")]
    PurchaseSettled {
        id: PurchaseId,
        status: PurchaseStatus,
    },
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
    /// A ledger node refused the request; `kind` is what the node's code names.
    #[error("ledger node refused: {message}")]
    Remote { kind: ErrorKind, message: String },
    /// A ledger node could not be reached or answered something unreadable.
    #[error("ledger node {url}: {message}")]
    Unreachable { url: String, message: String },
    /// The blocking worker that ran the operation died.
    #[error("ledger worker stopped: {message}")]
    Worker { message: String },
}

/// `ms` as a UTC time and how far it is from `now_ms`, for a person:
/// `2026-12-07T15:40:00Z (in 4m 12s)` or `... (3s ago)`.
pub fn when(ms: i64, now_ms: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or_default());
    let apart = Duration::from_secs(ms.abs_diff(now_ms).div_ceil(1000));
    let apart = humantime::format_duration(apart);
    let at = humantime::format_rfc3339_seconds(time);
    match ms >= now_ms {
        true => format!("{at} (in {apart})"),
        false => format!("{at} ({apart} ago)"),
    }
}

impl LedgerError {
    /// A storage error, naming what was being done.
    pub(crate) fn storage(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> LedgerError {
        move |source| LedgerError::Storage { doing, source }
    }

    /// What kind of failure this is; a node's refusal has the kind the node named.
    pub fn kind(&self) -> ErrorKind {
        match self {
            LedgerError::Unsupported { .. } => ErrorKind::Unsupported,
            LedgerError::GasAboveCap { .. } | LedgerError::WrongChain { .. } => ErrorKind::Refused,
            LedgerError::BadAnswer { .. } => ErrorKind::Unreachable,
            LedgerError::BadTransaction { .. } => ErrorKind::BadTransaction,
            LedgerError::TimestampInFuture { .. } => ErrorKind::TimestampInFuture,
            LedgerError::ExpirationTooFar { .. } => ErrorKind::ExpirationTooFar,
            LedgerError::Tapos { .. } => ErrorKind::Tapos,
            LedgerError::Replay { .. } => ErrorKind::Replay,
            LedgerError::Expired { .. } => ErrorKind::Expired,
            LedgerError::ZeroAmount => ErrorKind::ZeroAmount,
            LedgerError::InsufficientBalance { .. } => ErrorKind::InsufficientBalance,
            LedgerError::Overflow { .. } => ErrorKind::Overflow,
            LedgerError::MintDisabled => ErrorKind::MintDisabled,
            LedgerError::BadSignature { .. } => ErrorKind::BadSignature,
            LedgerError::WrongSigner { .. } => ErrorKind::WrongSigner,
            LedgerError::TokenMismatch { .. } => ErrorKind::TokenMismatch,
            LedgerError::DeadlineInPast { .. } => ErrorKind::DeadlineInPast,
            LedgerError::UnknownChannel { .. } => ErrorKind::UnknownChannel,
            LedgerError::ChannelExists { .. } => ErrorKind::ChannelExists,
            LedgerError::ChannelClosed { .. } => ErrorKind::ChannelClosed,
            LedgerError::VoucherForAnotherChannel { .. } => ErrorKind::VoucherForAnotherChannel,
            LedgerError::VoucherForAnotherPayee { .. } => ErrorKind::VoucherForAnotherPayee,
            LedgerError::VoucherAboveLocked { .. } => ErrorKind::VoucherAboveLocked,
            LedgerError::VoucherNotAbove { .. } => ErrorKind::VoucherNotAbove,
            LedgerError::RefundBeforeTimeout { .. } => ErrorKind::RefundBeforeTimeout,
            LedgerError::UnknownCampaign { .. } => ErrorKind::UnknownCampaign,
            LedgerError::CampaignExists { .. } => ErrorKind::CampaignExists,
            LedgerError::PledgeReplay { .. } => ErrorKind::PledgeReplay,
            LedgerError::PledgeAfterDeadline { .. } => ErrorKind::PledgeAfterDeadline,
            LedgerError::SettleBeforeDeadline { .. } => ErrorKind::SettleBeforeDeadline,
            LedgerError::CampaignSettled { .. } => ErrorKind::CampaignSettled,
            LedgerError::NoPledgeToRefund { .. } => ErrorKind::NoPledgeToRefund,
            LedgerError::UnknownPurchase { .. } => ErrorKind::UnknownPurchase,
            LedgerError::PurchaseConflict { .. } => ErrorKind::PurchaseConflict,
            LedgerError::BuyerKeyMismatch { .. } => ErrorKind::BuyerKeyMismatch,
            LedgerError::SealedKeyLength { .. } => ErrorKind::SealedKeyLength,
            LedgerError::DeliverAfterDeadline { .. } => ErrorKind::DeliverAfterDeadline,
            LedgerError::PurchaseRefundBeforeDeadline { .. } => {
                ErrorKind::PurchaseRefundBeforeDeadline
            }
            LedgerError::PurchaseSettled { .. } => ErrorKind::PurchaseSettled,
            LedgerError::Open { .. } => ErrorKind::Open,
            LedgerError::Storage { .. } => ErrorKind::Storage,
            LedgerError::CommitFailed { .. } => ErrorKind::CommitFailed,
            LedgerError::Corrupt { .. } => ErrorKind::Corrupt,
            LedgerError::Worker { .. } => ErrorKind::Worker,
            LedgerError::Remote { kind, .. } => *kind,
            LedgerError::Unreachable { .. } => ErrorKind::Unreachable,
        }
    }

    /// The stable snake_case code of [`LedgerError::kind`], for JSON error
    /// records and for the node's answers (a client maps it back to the kind).
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }

    /// True for the refusal the CLI reports as exit status 7.
    pub fn is_insufficient_funds(&self) -> bool {
        self.kind() == ErrorKind::InsufficientBalance
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_dates_and_how_far_away() {
        let deadline = 1_796_000_000_000; // 2026-11-30T00:53:20Z
        assert_eq!(
            when(deadline, deadline - 252_500),
            "2026-11-30T00:53:20Z (in 4m 13s)"
        );
        assert_eq!(
            when(deadline, deadline + 3_000),
            "2026-11-30T00:53:20Z (3s ago)"
        );
        let error = LedgerError::SettleBeforeDeadline {
            id: CampaignId([1; 32]),
            deadline_ms: deadline,
            now_ms: deadline - 60_000,
        };
        assert!(error
            .to_string()
            .ends_with("can be settled from 2026-11-30T00:53:20Z (in 1m) on"));
    }

    #[test]
    fn a_node_report_has_the_kind_and_code_of_the_refusal() {
        let id = ChannelId([7; 32]);
        let local = LedgerError::ChannelClosed { id };
        let remote = LedgerError::Remote {
            kind: ErrorKind::from_remote_code(Some(local.code())),
            message: local.to_string(),
        };
        assert_eq!(remote.kind(), ErrorKind::ChannelClosed);
        assert_eq!(remote.code(), "channel_closed");
        assert!(!remote.is_insufficient_funds());
    }

    #[test]
    fn insufficient_funds_is_told_by_kind_wherever_it_was_refused() {
        let poor = LedgerError::InsufficientBalance {
            address: "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap(),
            token: Token::Btt,
            available: 1,
            needed: 2,
        };
        let remote = LedgerError::Remote {
            kind: ErrorKind::InsufficientBalance,
            message: String::new(),
        };
        assert!(poor.is_insufficient_funds());
        assert!(remote.is_insufficient_funds());
        assert!(!LedgerError::ZeroAmount.is_insufficient_funds());
    }
}
