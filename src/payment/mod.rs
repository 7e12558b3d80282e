//! Payment channels and vouchers for everything that pays or is paid
//! through a channel: `btt-wallet`'s `channel` and `voucher` commands now,
//! the bandwidth market's payers and seeders next.
//!
//! - [`PaymentLedger`] is the object-safe face of a ledger for payments:
//!   open, redeem, close and refund a channel, and read a channel, the
//!   channels of a payer or payee, the ledger id and a balance. Every
//!   [`crate::ledger::Ledger`] backend has it, so an `Arc<dyn PaymentLedger>`
//!   picked at run time can be held by a swarm session and moved into its
//!   tasks.
//! - [`sign_voucher`] is the payer's side of a voucher and [`VoucherCheck`]
//!   the payee's: a voucher is accepted only when the channel's payer signed
//!   it for this ledger, it names this channel and its payee, and its
//!   cumulative amount rises above everything accepted before without
//!   passing the channel's deposit.
//! - [`refund_expired`] is the payer's way back after a channel's timeout.
//! - [`ContractPayments`] is the `PaymentLedger` of btt's channels,
//!   purchases and campaigns contracts on an EVM chain, acting for one wallet.
//!
//! Money is integer base units throughout; every refusal changes nothing.

mod contract;
mod contract_campaigns;
mod contract_purchases;
mod error;
mod payment_ledger;
mod refund;
mod voucher;

pub use contract::ContractPayments;
pub use error::PaymentError;
pub use payment_ledger::{LedgerFuture, PaymentLedger};
pub use refund::refund_expired;
pub use voucher::{close_with, higher_voucher, sign_voucher, VoucherCheck};
