//! Why a tip was not paid. Some errors concern one tip and leave the others
//! free to go on (a stream writes an error record and reads the next line);
//! the fatal ones ([`TipError::is_fatal`]) mean nothing more can be paid
//! safely: the ledger or the journal cannot be trusted to answer.

use super::request::RequestError;
use super::tip_log::{Intent, TipLogError};
use crate::amount::{format_units, Token};
use crate::ledger::{ErrorKind, LedgerError};
use thiserror::Error;

/// Why a tip was not paid.
#[derive(Debug, Error)]
pub enum TipError {
    /// The request itself is malformed.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// More than `--max-tip`.
    #[error("{}BTT is over the most one tip may be ({}BTT)", btt(*amount), btt(*max))]
    OverMaxTip { amount: u128, max: u128 },
    /// More than what is left of `--budget`.
    #[error("{}BTT is over the {}BTT left of the budget", btt(*amount), btt(*left))]
    OverBudget { amount: u128, left: u128 },
    /// The id was journaled for a different tip.
    #[error("id {id:?} was already used for {}BTT to {} (memo {:?})", btt(was.base_units), was.recipient, was.memo)]
    IdReused { id: String, was: Intent },
    /// The ledger refused the transfer; nothing moved.
    #[error("refused by the ledger: {error}")]
    Refused { error: LedgerError },
    /// The ledger's answer leaves open whether the transfer was applied; the
    /// journal keeps it as being sent and the next run settles it.
    #[error("not known whether transaction {txid} was applied: {error}")]
    Uncertain { txid: String, error: LedgerError },
    /// A ledger call other than the transfer failed.
    #[error(transparent)]
    Ledger(LedgerError),
    /// The ledger says a transaction was applied but cannot show it.
    #[error("the ledger reports transaction {txid} as applied but does not return it")]
    Vanished { txid: String },
    /// The transaction could not be built.
    #[error("cannot build the transaction: {error}")]
    Build { error: crate::tron::TxError },
    /// The journal failed.
    #[error(transparent)]
    TipLog(#[from] TipLogError),
}

fn btt(base_units: u128) -> String {
    format_units(base_units, Token::Btt)
}

impl TipError {
    /// Whether the stream must stop: the ledger or journal cannot be trusted.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            TipError::Uncertain { .. }
                | TipError::Ledger(_)
                | TipError::Vanished { .. }
                | TipError::TipLog(_)
        )
    }

    /// A stable snake_case name for error records: the request's reason or
    /// the ledger's refusal code.
    pub fn reason(&self) -> &'static str {
        match self {
            TipError::Request(error) => error.reason(),
            TipError::OverMaxTip { .. } => "over_max_tip",
            TipError::OverBudget { .. } => "over_budget",
            TipError::IdReused { .. } => "id_reused",
            TipError::Refused { error } => error.code(),
            TipError::Uncertain { .. } => "uncertain",
            TipError::Ledger(error) => error.code(),
            TipError::Vanished { .. } => "vanished",
            TipError::Build { .. } => "bad_transaction",
            TipError::TipLog(_) => "journal",
        }
    }
}

/// What a ledger's answer to a transfer means for the tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAnswer {
    /// The txid was applied before (by an earlier attempt).
    AlreadyApplied,
    /// The transaction expired; it may have been applied before it did.
    Expired,
    /// Refused for good: it was not applied.
    Refused,
    /// Anything else: it may or may not have been applied.
    Uncertain,
}

/// Classifies a transfer's error. Only refusals the ledger makes before
/// writing anything count as definite; everything unknown is uncertain.
pub fn transfer_answer(error: &LedgerError) -> TransferAnswer {
    match error.kind() {
        ErrorKind::Replay => TransferAnswer::AlreadyApplied,
        ErrorKind::Expired => TransferAnswer::Expired,
        ErrorKind::InsufficientBalance
        | ErrorKind::BadTransaction
        | ErrorKind::TimestampInFuture
        | ErrorKind::ExpirationTooFar
        | ErrorKind::Tapos
        | ErrorKind::ZeroAmount
        | ErrorKind::Overflow
        | ErrorKind::BadSignature
        | ErrorKind::WrongSigner
        | ErrorKind::TokenMismatch
        | ErrorKind::Unsupported => TransferAnswer::Refused,
        _ => TransferAnswer::Uncertain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_refusals_are_definite() {
        let remote = |code: &str| LedgerError::Remote {
            kind: ErrorKind::from_remote_code(Some(code)),
            message: String::new(),
        };
        assert_eq!(
            transfer_answer(&remote("replay")),
            TransferAnswer::AlreadyApplied
        );
        assert_eq!(transfer_answer(&remote("expired")), TransferAnswer::Expired);
        assert_eq!(
            transfer_answer(&remote("insufficient_balance")),
            TransferAnswer::Refused
        );
        assert_eq!(
            transfer_answer(&remote("missing")),
            TransferAnswer::Uncertain
        );
        assert_eq!(
            transfer_answer(&remote("tron_error")),
            TransferAnswer::Uncertain
        );
        let down = LedgerError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            message: "timeout".into(),
        };
        assert_eq!(transfer_answer(&down), TransferAnswer::Uncertain);
        assert_eq!(
            transfer_answer(&LedgerError::ZeroAmount),
            TransferAnswer::Refused
        );
    }

    #[test]
    fn over_budget_reads_in_btt() {
        let error = TipError::OverBudget {
            amount: 2_500_000,
            left: 1_000_000,
        };
        assert_eq!(
            error.to_string(),
            "2.5BTT is over the 1BTT left of the budget"
        );
        assert!(!error.is_fatal());
    }
}
