//! `btt-wallet deploy`: puts btt's channels, purchases and campaigns
//! contracts on an EVM chain from a funded wallet, and prints where they
//! are, with the fees paid, and the three addresses as `--contracts` takes
//! them. The contracts have no owner: the deploying wallet keeps no power
//! over them. Refused on a ledger that is not an EVM chain.

use super::{LedgerArgs, Session};
use crate::amount::{format_units, Token};
use crate::cli::exit::ExitStatus;
use crate::cli::keys::wallet_name;
use crate::cli::ledger_choice::ledger_error;
use crate::output::Record;
use clap::Args;
use serde::Serialize;

/// `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Wallet that pays for the deployment
    #[arg(long)]
    pub from: String,
}

/// Where the contracts now are.
#[derive(Debug, Serialize)]
pub struct DeploymentRecord {
    /// The chain they are on.
    pub chain_id: u64,
    /// The payment channels contract (EIP-55).
    pub channels: String,
    /// The purchase escrow.
    pub purchases: String,
    /// The crowdfunding campaigns contract.
    pub campaigns: String,
    /// The three, as `--contracts` takes them.
    pub contracts: String,
    /// The wallet that paid.
    pub deployer: String,
    /// The fees of the three creation transactions, in wei.
    pub fee_base_units: String,
    /// The three creation transactions, in the order above.
    pub txids: Vec<String>,
}

impl Record for DeploymentRecord {
    const TYPE: &'static str = "deployment";

    fn human(&self) -> Option<String> {
        let fee: u128 = self.fee_base_units.parse().unwrap_or_default();
        Some(format!(
            "channels   {}\npurchases  {}\ncampaigns  {}\nchain {}, fees {} BTT\n--contracts {}",
            self.channels,
            self.purchases,
            self.campaigns,
            self.chain_id,
            format_units(fee, Token::Bttc),
            self.contracts
        ))
    }
}

/// Runs `deploy` against the EVM chain `ledger` names.
pub(super) fn run(
    session: &Session<'_>,
    ledger: &LedgerArgs,
    args: &DeployArgs,
) -> anyhow::Result<ExitStatus> {
    let client = ledger.evm_client("deploy")?;
    let key = session.keys.unlock(&wallet_name(&args.from)?)?;
    let runtime = crate::cli::runtime()?;
    let deployment = runtime
        .block_on(client.deploy_contracts(&key))
        .map_err(ledger_error)?;
    let chain_id = runtime.block_on(client.chain_id()).map_err(ledger_error)?;
    let addresses = deployment.addresses;
    session.output.record(&DeploymentRecord {
        chain_id,
        channels: addresses.channels.to_string(),
        purchases: addresses.purchases.to_string(),
        campaigns: addresses.campaigns.to_string(),
        contracts: addresses.to_string(),
        deployer: key.address().to_evm(),
        fee_base_units: deployment
            .receipts
            .iter()
            .map(|receipt| receipt.fee)
            .sum::<u128>()
            .to_string(),
        txids: deployment
            .receipts
            .iter()
            .map(|receipt| receipt.transaction.to_string())
            .collect(),
    })?;
    Ok(ExitStatus::Success)
}
