//! Why a payment step was refused: by the ledger's own rules (the same
//! [`LedgerError`] the ledger would answer, so a refusal reads the same
//! wherever it is made), or by a rule of the party making or taking the
//! payment.

use crate::ledger::{ChannelId, LedgerError};
use crate::tron::Address;
use thiserror::Error;

/// Why a voucher was not signed or not accepted.
#[derive(Debug, Error)]
pub enum PaymentError {
    /// The ledger's rules refuse it, or the ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A voucher's signer must be the channel's payer.
    #[error("{signer} is not the payer {payer} of channel {id}")]
    NotPayer {
        id: ChannelId,
        payer: Address,
        signer: Address,
    },
    /// Vouchers are taken only on channels that pay the one who checks them.
    #[error("channel {id} pays {payee}, not {me}")]
    NotPayee {
        id: ChannelId,
        payee: Address,
        me: Address,
    },
    /// A voucher must promise more than the highest one accepted before.
    #[error("voucher of {cumulative} is not above the {accepted} accepted from channel {id}")]
    NotAboveAccepted {
        id: ChannelId,
        cumulative: u128,
        accepted: u128,
    },
}
