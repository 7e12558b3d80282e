//! [`ErrorKind`]: what kind of failure a [`super::LedgerError`] is, as a
//! plain `Copy` enum, the same whether the refusal was made here or by a
//! ledger node and reported over HTTP ([`super::LedgerError::Remote`]).
//! Callers that decide by kind (exit statuses, whether a tip's transfer was
//! applied) match on it instead of comparing code strings, so a new kind is
//! a compile error in every such match until someone decides what it means.
//!
//! Each kind has a stable snake_case code: the node sends it in its answers
//! and the client maps it back with [`ErrorKind::from_code`]; the two
//! directions are one table, so they cannot drift apart.

macro_rules! error_kinds {
    ($($(#[$doc:meta])* $kind:ident => $code:literal,)*) => {
        /// The kind of a ledger error, local or reported by a node.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $($(#[$doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind,)*];

            /// The stable snake_case code, for JSON answers and error records.
            pub fn code(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $code,)*
                }
            }

            /// The kind a code names, or `None` for a code this version does not know.
            pub fn from_code(code: &str) -> Option<ErrorKind> {
                match code {
                    $($code => Some(ErrorKind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

error_kinds! {
    /// The backend cannot do this.
    Unsupported => "unsupported",
    /// A malformed or unsigned transaction.
    BadTransaction => "bad_transaction",
    /// A transaction dated ahead of the ledger's clock.
    TimestampInFuture => "timestamp_in_future",
    /// A transaction valid for too long.
    ExpirationTooFar => "expiration_too_far",
    /// A transaction naming no recent block of this ledger (TaPoS).
    Tapos => "tapos",
    /// A txid applied before.
    Replay => "replay",
    /// A transaction past its expiration.
    Expired => "expired",
    /// Zero moves nothing.
    ZeroAmount => "zero_amount",
    /// The payer has too little.
    InsufficientBalance => "insufficient_balance",
    /// A balance or total would pass u128.
    Overflow => "overflow",
    /// Minting on a ledger not opened for development.
    MintDisabled => "mint_disabled",
    /// A malformed signature.
    BadSignature => "bad_signature",
    /// A valid signature by the wrong party.
    WrongSigner => "wrong_signer",
    /// Amounts of two tokens combined.
    TokenMismatch => "token_mismatch",
    /// A deadline already past.
    DeadlineInPast => "deadline_in_past",
    /// No such channel.
    UnknownChannel => "unknown_channel",
    /// The channel exists already.
    ChannelExists => "channel_exists",
    /// The channel is closed.
    ChannelClosed => "channel_closed",
    /// A voucher for another channel.
    VoucherForAnotherChannel => "voucher_for_another_channel",
    /// A voucher for another payee.
    VoucherForAnotherPayee => "voucher_for_another_payee",
    /// A voucher above the channel's deposit.
    VoucherAboveLocked => "voucher_above_locked",
    /// A voucher not above what was redeemed.
    VoucherNotAbove => "voucher_not_above",
    /// A refund before the channel's timeout.
    RefundBeforeTimeout => "refund_before_timeout",
    /// No such campaign.
    UnknownCampaign => "unknown_campaign",
    /// The campaign exists already.
    CampaignExists => "campaign_exists",
    /// A pledge applied before.
    PledgeReplay => "pledge_replay",
    /// A pledge after the deadline.
    PledgeAfterDeadline => "pledge_after_deadline",
    /// A settlement before the deadline.
    SettleBeforeDeadline => "settle_before_deadline",
    /// The campaign is settled.
    CampaignSettled => "campaign_settled",
    /// A refund of a missed campaign to a wallet that pledged nothing to it
    /// (or took it back already).
    NoPledgeToRefund => "no_pledge_to_refund",
    /// No such purchase.
    UnknownPurchase => "unknown_purchase",
    /// The purchase id exists with other terms.
    PurchaseConflict => "purchase_conflict",
    /// The buyer key is not the buyer's.
    BuyerKeyMismatch => "buyer_key_mismatch",
    /// A sealed key empty or too long.
    SealedKeyLength => "sealed_key_length",
    /// A delivery after the deadline.
    DeliverAfterDeadline => "deliver_after_deadline",
    /// A purchase refund before the deadline.
    PurchaseRefundBeforeDeadline => "purchase_refund_before_deadline",
    /// The purchase is delivered or refunded.
    PurchaseSettled => "purchase_settled",
    /// The ledger file could not be opened.
    Open => "open",
    /// SQLite failed.
    Storage => "storage",
    /// A batch commit failed.
    CommitFailed => "commit_failed",
    /// The file holds something unreadable.
    Corrupt => "corrupt",
    /// The blocking worker died.
    Worker => "worker",
    /// A node could not be reached or answered something unreadable.
    Unreachable => "unreachable",
    /// A TRON node refused the transaction on validation (no finer reason known).
    Refused => "refused",
    /// A node accepted a transaction and then did not return it.
    Missing => "missing",
    /// A node reported an error without a code this version knows.
    TronError => "tron_error",
}

impl ErrorKind {
    /// The kind a node's code names; an absent or unknown code is [`ErrorKind::TronError`].
    pub fn from_remote_code(code: Option<&str>) -> ErrorKind {
        code.and_then(ErrorKind::from_code)
            .unwrap_or(ErrorKind::TronError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_back_to_its_kind() {
        for &kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
        }
        let mut codes: Vec<&str> = ErrorKind::ALL.iter().map(|kind| kind.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len(), "codes are distinct");
    }

    #[test]
    fn unknown_or_absent_remote_codes_are_tron_errors() {
        assert_eq!(ErrorKind::from_code("no_such_code"), None);
        assert_eq!(
            ErrorKind::from_remote_code(Some("no_such_code")),
            ErrorKind::TronError
        );
        assert_eq!(ErrorKind::from_remote_code(None), ErrorKind::TronError);
        assert_eq!(
            ErrorKind::from_remote_code(Some("replay")),
            ErrorKind::Replay
        );
    }
}
