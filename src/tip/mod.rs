//! Tips: ledger transfers with a memo, paid one at a time or as a stream of
//! NDJSON requests, made idempotent per client id by the durable [`tip_log`], and
//! followed live by the recipient. Crowdfunding campaigns use the ledger's
//! escrow directly (see [`crate::ledger::escrow`]); the CLI drives them.
//!
//! Nothing here prints: results are values the `btt-tip` front end renders.

pub mod error;
pub mod request;
pub mod sender;
pub mod stream;
pub mod tip_log;
pub mod watch;

pub use error::TipError;
pub use request::{RequestError, TipRequest};
pub use sender::{Payment, Reconciled, Tipper};
pub use stream::{run_stream, Limits, LineOutcome, StopReason, StreamError, StreamSummary};
pub use tip_log::{TipLog, TipLogError};
pub use watch::{Batch, Follower};
