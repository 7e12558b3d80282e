//! Which ledger a command talks to, shared by `btt-wallet` and `btt-tip`:
//! `--ledger` / `BTT_LEDGER` names `local` (the embedded SQLite ledger at
//! `DATA/ledger.sqlite`, the default), `bttc` / `bttc-donau` (BitTorrent
//! Chain and its testnet, EVM), an `http(s)://` URL (an EVM node when it
//! answers `eth_chainId`, else a btt node), `tron-mainnet` / `tron-nile`
//! (TronGrid), or `tron+http://...` (any TRON full node's HTTP API). A
//! command that needs only payments holds the chosen backend as an
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
use crate::ledger::evm::contracts::{ContractAddresses, ContractAddressesError};
use crate::ledger::evm::{chain, fees, EvmClient, EvmOptions};
use crate::ledger::node::client::NodeClient;
use crate::ledger::tron_client::{TronClient, MAINNET_URL, NILE_URL};
use crate::ledger::{ErrorKind, Ledger, LedgerError, LocalLedger, OpenOptions};
use crate::payment::{ContractPayments, PaymentError, PaymentLedger};
use crate::wallet::PrivateKey;
use clap::Args;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Parses `--contracts`.
fn parse_contracts(text: &str) -> Result<ContractAddresses, String> {
    text.parse()
        .map_err(|error: ContractAddressesError| error.to_string())
}

/// How long the question "is this URL an EVM node?" may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which ledger the commands use.
#[derive(Debug, Clone, Args)]
pub struct LedgerArgs {
    /// Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node
    #[arg(long, global = true, env = "BTT_LEDGER", value_name = "LEDGER")]
    pub ledger: Option<String>,
    /// With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)
    #[arg(long, global = true, env = "BTT_RPC_URL", value_name = "URL")]
    pub rpc_url: Option<String>,
    /// On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)
    #[arg(long, global = true, env = "BTT_CONFIRMATIONS", value_name = "N")]
    pub confirmations: Option<u64>,
    /// On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet's on --ledger bttc)
    #[arg(long, global = true, env = "BTT_WBTT", value_name = "ADDRESS")]
    pub wbtt: Option<String>,
    /// On an EVM ledger: where btt's contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)
    #[arg(long, global = true, env = "BTT_CONTRACTS", value_name = "ADDRESSES", value_parser = parse_contracts)]
    pub contracts: Option<ContractAddresses>,
    /// On an EVM ledger: the most gas one transaction may use
    #[arg(long, global = true, env = "BTT_GAS_LIMIT", value_name = "GAS", default_value_t = fees::DEFAULT_GAS_CAP)]
    pub gas_limit: u64,
    /// Open the embedded ledger as a development ledger (the faucet mints)
    #[arg(
        long,
        global = true,
        env = "BTT_DEV_LEDGER",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub dev: bool,
    /// The choice once made (a URL is probed once).
    #[arg(skip)]
    resolved: OnceLock<LedgerChoice>,
}

impl LedgerArgs {
    /// The ledger these flags name; an `http(s)://` URL is asked once
    /// whether it is an EVM node.
    pub fn choice(&self) -> anyhow::Result<LedgerChoice> {
        if let Some(choice) = self.resolved.get() {
            return Ok(choice.clone());
        }
        let choice = match LedgerChoice::parse(self.ledger.as_deref())? {
            LedgerChoice::Node(url) if probe_evm(&url) => LedgerChoice::Evm {
                url,
                chain_id: None,
            },
            LedgerChoice::Evm {
                chain_id: Some(chain_id),
                url,
            } => LedgerChoice::Evm {
                url: self.rpc_url.clone().unwrap_or(url),
                chain_id: Some(chain_id),
            },
            choice => choice,
        };
        Ok(self.resolved.get_or_init(|| choice).clone())
    }

    /// The token `BTT` means on the chosen ledger: 18-decimal BTT on an EVM
    /// chain, the TRC-20 BTT on TRON, the TRC-10-shaped BTT on btt's ledgers.
    pub fn native_token(&self) -> anyhow::Result<crate::amount::Token> {
        Ok(match self.choice()? {
            LedgerChoice::Evm { .. } => crate::amount::Token::Bttc,
            LedgerChoice::Tron(_) => crate::amount::Token::BttTrc20,
            LedgerChoice::Local | LedgerChoice::Node(_) => crate::amount::Token::Btt,
        })
    }

    /// The token `BTT` means in a TRON transaction signed offline: the
    /// TRC-20 on TRON, the TRC-10 elsewhere. The ledger is not asked.
    pub fn offline_token(&self) -> anyhow::Result<crate::amount::Token> {
        Ok(match LedgerChoice::parse(self.ledger.as_deref())? {
            LedgerChoice::Tron(_) => crate::amount::Token::BttTrc20,
            _ => crate::amount::Token::Btt,
        })
    }

    /// The EVM client of `url` with these flags.
    fn evm(&self, url: &str, chain_id: Option<u64>) -> anyhow::Result<EvmClient> {
        let options = EvmOptions {
            url: url.to_string(),
            expected_chain_id: chain_id,
            confirmations: self
                .confirmations
                .unwrap_or_else(|| chain::default_confirmations(url)),
            gas_cap: self.gas_limit,
            lock_directory: Some(Dirs::from_env().runtime),
            wbtt: self.wbtt(chain_id)?,
        };
        EvmClient::new(options).map_err(ledger_error)
    }

    /// The WBTT contract: `--wbtt`, else the named chain's.
    fn wbtt(&self, chain_id: Option<u64>) -> anyhow::Result<Option<crate::tron::Address>> {
        let text = match &self.wbtt {
            Some(text) => text.as_str(),
            None => match chain_id.and_then(chain::by_id).and_then(|named| named.wbtt) {
                Some(default) => default,
                None => return Ok(None),
            },
        };
        text.trim().parse().map(Some).map_err(|error| {
            with_status(
                ExitStatus::Usage,
                anyhow::anyhow!("--wbtt {text:?}: {error}"),
            )
        })
    }

    /// The ledger these flags name, as the object-safe payment interface;
    /// on an EVM chain, btt's contracts read without a wallet.
    pub fn payment_ledger(&self) -> anyhow::Result<Arc<dyn PaymentLedger>> {
        self.payment_ledger_acting(None)
    }

    /// [`LedgerArgs::payment_ledger`] that sends as `key`'s wallet where the
    /// ledger takes transactions from accounts (btt's contracts on an EVM
    /// chain); btt's own ledgers take requests signed by any wallet.
    pub fn payment_ledger_for(&self, key: &PrivateKey) -> anyhow::Result<Arc<dyn PaymentLedger>> {
        self.payment_ledger_acting(Some(key))
    }

    fn payment_ledger_acting(
        &self,
        key: Option<&PrivateKey>,
    ) -> anyhow::Result<Arc<dyn PaymentLedger>> {
        if let Some(contracts) = self.contract_payments(key)? {
            return Ok(Arc::new(contracts));
        }
        Ok(match self.choice()? {
            LedgerChoice::Local => Arc::new(self.open_local()?),
            LedgerChoice::Node(url) => Arc::new(NodeClient::new(&url).map_err(ledger_error)?),
            LedgerChoice::Tron(url) => Arc::new(TronClient::new(&url).map_err(ledger_error)?),
            LedgerChoice::Evm { url, chain_id } => Arc::new(self.evm(&url, chain_id)?),
        })
    }

    /// btt's contracts on the EVM chain these flags name, sending as
    /// `key`'s wallet (or as the one set later, [`ContractPayments::set_key`]);
    /// `None` on btt's own ledgers and on a chain whose contracts are not known.
    pub fn contract_payments(
        &self,
        key: Option<&PrivateKey>,
    ) -> anyhow::Result<Option<ContractPayments>> {
        let LedgerChoice::Evm { url, chain_id } = self.choice()? else {
            return Ok(None);
        };
        let Some(contracts) = self.contract_addresses(chain_id) else {
            return Ok(None);
        };
        let client = self.evm(&url, chain_id)?;
        Ok(Some(ContractPayments::new(
            client,
            &contracts,
            key.cloned(),
        )))
    }

    /// True when payments are transactions from the paying or paid account
    /// (btt's contracts on an EVM chain), so each wallet needs
    /// [`LedgerArgs::payment_ledger_for`]; false on btt's own ledgers.
    pub fn pays_from_accounts(&self) -> anyhow::Result<bool> {
        Ok(match self.choice()? {
            LedgerChoice::Evm { chain_id, .. } => self.contract_addresses(chain_id).is_some(),
            _ => false,
        })
    }

    /// Refuses (as a usage error) an EVM chain whose btt contracts are not
    /// known: `command` needs them.
    pub fn require_contracts(&self, command: &str) -> anyhow::Result<()> {
        match self.choice()? {
            LedgerChoice::Evm { chain_id, .. } if self.contract_addresses(chain_id).is_none() => {
                Err(with_status(
                    ExitStatus::Usage,
                    anyhow::anyhow!("{command} on an EVM chain needs btt's contracts: pass --contracts CHANNELS,PURCHASES,CAMPAIGNS, or deploy them with `btt-wallet deploy`"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Where btt's contracts are: `--contracts`, else the named chain's deployment.
    fn contract_addresses(&self, chain_id: Option<u64>) -> Option<ContractAddresses> {
        self.contracts
            .or_else(|| ContractAddresses::on_chain(chain_id?).ok())
    }

    /// The EVM client these flags name; `command` names what needs one in the refusal.
    pub fn evm_client(&self, command: &str) -> anyhow::Result<EvmClient> {
        match self.choice()? {
            LedgerChoice::Evm { url, chain_id } => self.evm(&url, chain_id),
            _ => Err(with_status(
                ExitStatus::Usage,
                anyhow::anyhow!("{command} needs an EVM chain: pass --ledger bttc, bttc-donau or an EVM node's URL"),
            )),
        }
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
    /// An EVM node's JSON-RPC, and the chain id a named chain must have.
    Evm { url: String, chain_id: Option<u64> },
}

impl LedgerChoice {
    /// Parses `local`, `bttc`, `bttc-donau`, an `http(s)://` URL (a btt
    /// node until [`LedgerArgs::choice`] finds it is an EVM node),
    /// `tron-mainnet`, `tron-nile`, or `tron+http(s)://` (any TRON full node).
    pub fn parse(text: Option<&str>) -> anyhow::Result<LedgerChoice> {
        let text = text.map(str::trim);
        if let Some(named) = text.and_then(chain::named) {
            return Ok(LedgerChoice::Evm {
                url: named.url.to_string(),
                chain_id: Some(named.chain_id),
            });
        }
        match text {
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
                    "ledger {other:?} is not local, bttc, bttc-donau, an http(s):// URL, tron-mainnet or tron-nile"
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
        LedgerChoice::Evm { url, chain_id } => {
            let evm = args.evm(&url, chain_id)?;
            runtime.block_on(task.run(&evm))
        }
    }
}

/// True when `url` answers a JSON-RPC `eth_chainId` with a chain id. Asked on
/// a thread of its own, so it works inside a runtime and out of one; any
/// failure means "not an EVM node" (a btt node answers 404), and the node
/// client reports an unreachable URL as it always has.
fn probe_evm(url: &str) -> bool {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(ask_chain_id(url))
            })
            .join()
            .ok()
            .flatten()
            .is_some()
    })
}

/// The chain id `url` reports, if it speaks Ethereum JSON-RPC.
async fn ask_chain_id(url: &str) -> Option<u64> {
    let body =
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
    let answer: serde_json::Value = crate::http_client::builder()
        .timeout(PROBE_TIMEOUT)
        .build()
        .ok()?
        .post(url)
        .json(&body)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let digits = answer.get("result")?.as_str()?.strip_prefix("0x")?;
    u64::from_str_radix(digits, 16).ok()
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
        | ErrorKind::NoPledgeToRefund
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
            LedgerChoice::parse(Some("bttc")).unwrap(),
            LedgerChoice::Evm {
                url: chain::BTTC_RPC_URL.to_string(),
                chain_id: Some(199)
            }
        );
        assert_eq!(
            LedgerChoice::parse(Some("bttc-donau")).unwrap(),
            LedgerChoice::Evm {
                url: chain::DONAU_RPC_URL.to_string(),
                chain_id: Some(1029)
            }
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
