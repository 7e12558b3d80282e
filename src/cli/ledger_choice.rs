//! Which ledger a command talks to, shared by `btt-wallet` and `btt-tip`:
//! `--ledger` / `BTT_LEDGER` names `local` (the embedded SQLite ledger at
//! `DATA/ledger.sqlite`, the default), a btt node URL, `tron-mainnet` /
//! `tron-nile` (TronGrid), or `tron+http://...` (any TRON full node's HTTP
//! API). A command that needs only payments holds the chosen backend as an
//! `Arc<dyn PaymentLedger>` ([`LedgerArgs::payment_ledger`]); one that needs
//! the rest of the ledger (transfers, history, the faucet, campaigns) is
//! written once as a [`LedgerTask`], generic over [`Ledger`], and
//! [`run_on_ledger`] runs it against the chosen backend, because [`Ledger`]
//! is not object safe.
//!
//! Exit statuses of ledger refusals ([`ledger_status`]): too little balance
//! is 7, a refused or malformed input 3, an unreachable node 4, a storage
//! failure 1.

use super::exit::{with_status, ExitStatus};
use crate::config::Dirs;
use crate::ledger::node::client::NodeClient;
use crate::ledger::tron_client::{TronClient, MAINNET_URL, NILE_URL};
use crate::ledger::{ErrorKind, Ledger, LedgerError, LocalLedger, OpenOptions};
use crate::payment::{PaymentError, PaymentLedger};
use clap::Args;
use std::future::Future;
use std::sync::Arc;

/// Which ledger the commands use.
#[derive(Debug, Clone, Args)]
pub struct LedgerArgs {
    /// Ledger: local (embedded, the default), a btt node URL, tron-mainnet, tron-nile, or tron+URL of a TRON full node
    #[arg(long, global = true, env = "BTT_LEDGER", value_name = "LEDGER")]
    pub ledger: Option<String>,
    /// Open the embedded ledger as a development ledger (the faucet mints)
    #[arg(
        long,
        global = true,
        env = "BTT_DEV_LEDGER",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub dev: bool,
}

impl LedgerArgs {
    /// The ledger these flags name.
    pub fn choice(&self) -> anyhow::Result<LedgerChoice> {
        LedgerChoice::parse(self.ledger.as_deref())
    }

    /// The ledger these flags name, as the object-safe payment interface.
    pub fn payment_ledger(&self) -> anyhow::Result<Arc<dyn PaymentLedger>> {
        Ok(match self.choice()? {
            LedgerChoice::Local => Arc::new(self.open_local()?),
            LedgerChoice::Node(url) => Arc::new(NodeClient::new(&url).map_err(ledger_error)?),
            LedgerChoice::Tron(url) => Arc::new(TronClient::new(&url).map_err(ledger_error)?),
        })
    }

    /// Opens the embedded ledger of the data directory with these flags.
    pub fn open_local(&self) -> anyhow::Result<LocalLedger> {
        let options = OpenOptions {
            dev: self.dev,
            ..OpenOptions::default()
        };
        LocalLedger::open_in(&Dirs::from_env(), options).map_err(ledger_error)
    }
}

/// A ledger named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerChoice {
    /// The embedded ledger of the data directory.
    Local,
    /// A btt ledger node.
    Node(String),
    /// A TRON full node's HTTP API (TronGrid for the named networks).
    Tron(String),
}

impl LedgerChoice {
    /// Parses `local`, an `http(s)://` URL (a btt node), `tron-mainnet`,
    /// `tron-nile`, or `tron+http(s)://` (any TRON full node).
    pub fn parse(text: Option<&str>) -> anyhow::Result<LedgerChoice> {
        match text.map(str::trim) {
            None | Some("" | "local") => Ok(LedgerChoice::Local),
            Some("tron-mainnet") => Ok(LedgerChoice::Tron(MAINNET_URL.to_string())),
            Some("tron-nile") => Ok(LedgerChoice::Tron(NILE_URL.to_string())),
            Some(url) if url.starts_with("tron+http://") || url.starts_with("tron+https://") => Ok(
                LedgerChoice::Tron(url.trim_start_matches("tron+").to_string()),
            ),
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(LedgerChoice::Node(url.to_string()))
            }
            Some(other) => Err(with_status(
                ExitStatus::BadInput,
                anyhow::anyhow!(
                    "ledger {other:?} is not local, an http(s):// URL, tron-mainnet or tron-nile"
                ),
            )),
        }
    }
}

/// A command that runs against any ledger backend.
pub trait LedgerTask {
    /// Runs the command against `ledger`.
    fn run<L: Ledger>(self, ledger: &L) -> impl Future<Output = anyhow::Result<ExitStatus>>;
}

/// Opens the ledger `args` name and runs `task` against it on the runtime.
pub fn run_on_ledger<T: LedgerTask>(args: &LedgerArgs, task: T) -> anyhow::Result<ExitStatus> {
    let choice = args.choice()?;
    let runtime = super::runtime()?;
    match choice {
        LedgerChoice::Local => {
            let local = args.open_local()?;
            runtime.block_on(task.run(&local))
        }
        LedgerChoice::Node(url) => {
            let node = NodeClient::new(&url).map_err(ledger_error)?;
            runtime.block_on(task.run(&node))
        }
        LedgerChoice::Tron(url) => {
            let tron = TronClient::new(&url).map_err(ledger_error)?;
            runtime.block_on(task.run(&tron))
        }
    }
}

/// The exit status a ledger refusal or failure maps to, by its kind (a
/// node's refusal by the kind the node named).
pub fn ledger_status(error: &LedgerError) -> ExitStatus {
    match error.kind() {
        ErrorKind::InsufficientBalance => ExitStatus::InsufficientFunds,
        ErrorKind::Unreachable => ExitStatus::Unreachable,
        ErrorKind::Open
        | ErrorKind::Storage
        | ErrorKind::CommitFailed
        | ErrorKind::Corrupt
        | ErrorKind::Worker
        | ErrorKind::Missing
        | ErrorKind::Unsupported
        | ErrorKind::TronError => ExitStatus::Failure,
        ErrorKind::BadTransaction
        | ErrorKind::TimestampInFuture
        | ErrorKind::ExpirationTooFar
        | ErrorKind::Tapos
        | ErrorKind::Replay
        | ErrorKind::Expired
        | ErrorKind::ZeroAmount
        | ErrorKind::Overflow
        | ErrorKind::MintDisabled
        | ErrorKind::BadSignature
        | ErrorKind::WrongSigner
        | ErrorKind::TokenMismatch
        | ErrorKind::DeadlineInPast
        | ErrorKind::UnknownChannel
        | ErrorKind::ChannelExists
        | ErrorKind::ChannelClosed
        | ErrorKind::VoucherForAnotherChannel
        | ErrorKind::VoucherForAnotherPayee
        | ErrorKind::VoucherAboveLocked
        | ErrorKind::VoucherNotAbove
        | ErrorKind::RefundBeforeTimeout
        | ErrorKind::UnknownCampaign
        | ErrorKind::CampaignExists
        | ErrorKind::PledgeReplay
        | ErrorKind::PledgeAfterDeadline
        | ErrorKind::SettleBeforeDeadline
        | ErrorKind::CampaignSettled
        | ErrorKind::UnknownPurchase
        | ErrorKind::PurchaseConflict
        | ErrorKind::BuyerKeyMismatch
        | ErrorKind::SealedKeyLength
        | ErrorKind::DeliverAfterDeadline
        | ErrorKind::PurchaseRefundBeforeDeadline
        | ErrorKind::PurchaseSettled
        | ErrorKind::Refused => ExitStatus::BadInput,
    }
}

/// A ledger error carrying the exit status it maps to.
pub fn ledger_error(error: LedgerError) -> anyhow::Error {
    with_status(ledger_status(&error), error)
}

/// The exit status of a payment refusal: the ledger's rules by kind, a
/// payer's or payee's own rule as a refused input.
pub fn payment_status(error: &PaymentError) -> ExitStatus {
    match error {
        PaymentError::Ledger(error) => ledger_status(error),
        PaymentError::NotPayer { .. }
        | PaymentError::NotPayee { .. }
        | PaymentError::NotAboveAccepted { .. } => ExitStatus::BadInput,
    }
}

/// A payment error carrying the exit status it maps to.
pub fn payment_error(error: PaymentError) -> anyhow::Error {
    with_status(payment_status(&error), error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Token;

    #[test]
    fn ledger_names_parse() {
        assert_eq!(LedgerChoice::parse(None).unwrap(), LedgerChoice::Local);
        assert_eq!(
            LedgerChoice::parse(Some("http://127.0.0.1:8090")).unwrap(),
            LedgerChoice::Node("http://127.0.0.1:8090".to_string())
        );
        assert_eq!(
            LedgerChoice::parse(Some("tron-nile")).unwrap(),
            LedgerChoice::Tron(NILE_URL.to_string())
        );
        assert_eq!(
            LedgerChoice::parse(Some("tron+http://127.0.0.1:8090")).unwrap(),
            LedgerChoice::Tron("http://127.0.0.1:8090".to_string())
        );
        let error = LedgerChoice::parse(Some("ftp://x")).unwrap_err();
        assert_eq!(crate::cli::exit::classify(&error), ExitStatus::BadInput);
    }

    #[test]
    fn refusals_map_to_exit_statuses() {
        let poor = LedgerError::InsufficientBalance {
            address: "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap(),
            token: Token::Btt,
            available: 1,
            needed: 2,
        };
        assert_eq!(ledger_status(&poor), ExitStatus::InsufficientFunds);
        let remote_poor = LedgerError::Remote {
            kind: ErrorKind::InsufficientBalance,
            message: String::new(),
        };
        assert_eq!(ledger_status(&remote_poor), ExitStatus::InsufficientFunds);
        let replay = LedgerError::Replay { txid: "00".into() };
        assert_eq!(ledger_status(&replay), ExitStatus::BadInput);
        let down = LedgerError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            message: "refused".into(),
        };
        assert_eq!(ledger_status(&down), ExitStatus::Unreachable);
    }

    /// The statuses the string codes mapped to before kinds replaced them.
    #[test]
    fn every_kind_keeps_the_status_of_its_code() {
        let failures = [
            "open",
            "storage",
            "commit_failed",
            "corrupt",
            "worker",
            "missing",
            "unsupported",
            "tron_error",
        ];
        for &kind in ErrorKind::ALL {
            let expected = match kind.code() {
                "insufficient_balance" => ExitStatus::InsufficientFunds,
                "unreachable" => ExitStatus::Unreachable,
                code if failures.contains(&code) => ExitStatus::Failure,
                _ => ExitStatus::BadInput,
            };
            let remote = LedgerError::Remote {
                kind,
                message: String::new(),
            };
            assert_eq!(ledger_status(&remote), expected, "{kind:?}");
        }
    }

    #[test]
    fn payment_refusals_map_to_exit_statuses() {
        let channel = crate::ledger::ChannelId([3; 32]);
        let someone: crate::tron::Address = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap();
        let not_payer = PaymentError::NotPayer {
            id: channel,
            payer: someone,
            signer: someone,
        };
        assert_eq!(payment_status(&not_payer), ExitStatus::BadInput);
        let down = PaymentError::Ledger(LedgerError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            message: "refused".into(),
        });
        assert_eq!(payment_status(&down), ExitStatus::Unreachable);
        let closed = PaymentError::Ledger(LedgerError::ChannelClosed { id: channel });
        assert_eq!(payment_status(&closed), ExitStatus::BadInput);
        let broken = PaymentError::Ledger(LedgerError::Worker {
            message: "gone".into(),
        });
        assert_eq!(payment_status(&broken), ExitStatus::Failure);
    }
}
