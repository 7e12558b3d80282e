//! `btt-tip fund`: crowdfunding over the ledger's campaign escrow. `create`
//! signs a campaign as its creator, `pledge` locks a pledger's funds in it,
//! `status` shows it, and `settle` (anyone, after the deadline) pays the
//! beneficiary if the goal was met or refunds every pledger otherwise. The
//! ledger enforces the rules (no pledge at or after the deadline, no
//! settlement before it, settlement once); this command checks that the
//! campaign exists first so an unknown id gets its own message.
//!
//! On an EVM chain each step is a transaction of btt's campaigns contract
//! from the wallet that takes it (`--from`), amounts are in the chain's
//! coin, and refunds are pulled: `settle --from W` of a campaign that missed
//! its goal gives back W's pledge.

use super::parse_btt;
use super::records::CampaignRecord;
use super::when::{parse_when, Direction};
use crate::amount::{Amount, Token};
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::keys::{wallet_name, Keys};
use crate::cli::ledger_choice::{ledger_error, LedgerArgs};
use crate::cli::AmountArgs;
use crate::ledger::{
    Authorise, CampaignId, CampaignState, CreateCampaign, LedgerError, Pledge, Signed,
};
use crate::output::Output;
use crate::payment::PaymentLedger;
use crate::tron::Address;
use crate::wallet::PrivateKey;
use clap::{Args, Subcommand};

/// `fund`.
#[derive(Debug, Args)]
pub struct FundArgs {
    #[command(subcommand)]
    pub command: FundCommand,
}

/// The campaign subcommands.
#[derive(Debug, Subcommand)]
pub enum FundCommand {
    /// Start a campaign: pledges are locked until it is settled after the deadline
    Create(CreateArgs),
    /// Lock an amount in a campaign until it is settled
    Pledge(PledgeArgs),
    /// Show a campaign: raised, goal, deadline, pledgers
    Status(CampaignArg),
    /// After the deadline: pay the beneficiary if the goal was met, else refund every pledger
    /// (on a chain: the pledge of the --from wallet)
    Settle(SettleArgs),
}

/// `fund create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A title for people
    #[arg(long)]
    pub title: String,
    /// The amount to raise, e.g. 1000BTT
    #[arg(long, value_name = "AMOUNT")]
    pub goal: String,
    /// End of pledging: an RFC 3339 time (2026-12-31T00:00:00Z) or a duration from now (30days)
    #[arg(long, value_name = "WHEN")]
    pub deadline: String,
    /// Who is paid if the goal is met: wallet name or address
    #[arg(long, value_name = "ACCOUNT")]
    pub beneficiary: String,
    /// Wallet that signs as the creator (default: the beneficiary's wallet)
    #[arg(long, value_name = "WALLET")]
    pub from: Option<String>,
}

/// `fund pledge`.
#[derive(Debug, Args)]
pub struct PledgeArgs {
    /// The campaign id
    pub campaign: String,
    /// Amount to lock, e.g. 25BTT
    pub amount: String,
    /// Wallet that pledges
    #[arg(long, value_name = "WALLET")]
    pub from: String,
}

/// `fund status` and `fund settle`.
#[derive(Debug, Args)]
pub struct CampaignArg {
    /// The campaign id
    pub campaign: String,
}

/// `fund settle`.
#[derive(Debug, Args)]
pub struct SettleArgs {
    /// The campaign id
    pub campaign: String,
    /// Wallet that sends the settlement on an EVM chain, and whose pledge
    /// comes back there when the goal was missed (btt's own ledgers settle
    /// without one)
    #[arg(long, value_name = "WALLET")]
    pub from: Option<String>,
}

/// What a fund command does once its inputs are checked.
enum Action {
    Create {
        request: CreateCampaign,
        key: PrivateKey,
    },
    Pledge {
        campaign: CampaignId,
        base_units: u128,
        key: PrivateKey,
    },
    Status(CampaignId),
    Settle {
        campaign: CampaignId,
        key: Option<PrivateKey>,
    },
}

/// Runs a fund command.
pub fn run(
    keys: &Keys,
    ledger: &LedgerArgs,
    amounts: &AmountArgs,
    args: FundArgs,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let token = ledger.native_token()?;
    let action = match args.command {
        FundCommand::Create(args) => create_action(keys, amounts, token, args, output)?,
        FundCommand::Pledge(args) => Action::Pledge {
            campaign: campaign_id(&args.campaign)?,
            base_units: parse_btt(amounts, "amount", &args.amount, token)?,
            key: keys.unlock_named(&args.from)?,
        },
        FundCommand::Status(args) => Action::Status(campaign_id(&args.campaign)?),
        FundCommand::Settle(args) => settle_action(keys, ledger, args)?,
    };
    let payments = match action.key() {
        Some(key) => ledger.payment_ledger_for(key)?,
        None => ledger.payment_ledger()?,
    };
    let state = crate::cli::runtime()?.block_on(action.run(&*payments))?;
    output.record(&CampaignRecord::at(&state, super::when::now_ms()))?;
    Ok(ExitStatus::Success)
}

/// `settle`: on a chain the settlement is a transaction, sent by `--from`.
fn settle_action(keys: &Keys, ledger: &LedgerArgs, args: SettleArgs) -> anyhow::Result<Action> {
    let campaign = campaign_id(&args.campaign)?;
    let key = match &args.from {
        Some(name) => Some(keys.unlock_named(name)?),
        None if ledger.pays_from_accounts()? => {
            return Err(with_status(
                ExitStatus::Usage,
                anyhow::anyhow!("on an EVM chain the settlement is a transaction: name the wallet that sends it (and takes its pledge back when the goal was missed) with --from"),
            ))
        }
        None => None,
    };
    Ok(Action::Settle { campaign, key })
}

fn create_action(
    keys: &Keys,
    amounts: &AmountArgs,
    token: Token,
    args: CreateArgs,
    output: &Output,
) -> anyhow::Result<Action> {
    let goal = parse_btt(amounts, "--goal", &args.goal, token)?;
    let deadline_ms = parse_when(&args.deadline, Direction::Future)?;
    let beneficiary = keys.account(&args.beneficiary)?;
    let creator = match &args.from {
        Some(name) => name.as_str(),
        None if args.beneficiary.parse::<Address>().is_err() => {
            output.info(format!(
                "signing as the creator with the beneficiary's wallet {}; --from names another",
                args.beneficiary
            ));
            args.beneficiary.as_str()
        }
        None => {
            return Err(with_status(
                ExitStatus::Usage,
                anyhow::anyhow!(
                    "the beneficiary is an address: name the creator's wallet with --from"
                ),
            ))
        }
    };
    let key = keys.unlock(&wallet_name(creator)?)?;
    let request = CreateCampaign {
        creator: key.address(),
        beneficiary,
        goal: Amount {
            token,
            base_units: goal,
        },
        deadline_ms,
        title: args.title,
        nonce: rand::random(),
    };
    Ok(Action::Create { request, key })
}

fn campaign_id(text: &str) -> anyhow::Result<CampaignId> {
    text.trim().parse().map_err(|error| {
        with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("campaign id {text:?}: {error}"),
        )
    })
}

impl Action {
    /// The wallet the action sends as, if any.
    fn key(&self) -> Option<&PrivateKey> {
        match self {
            Action::Create { key, .. } | Action::Pledge { key, .. } => Some(key),
            Action::Settle { key, .. } => key.as_ref(),
            Action::Status(_) => None,
        }
    }

    /// Carries the action out on `ledger`: the campaign as it is after it.
    async fn run(self, ledger: &dyn PaymentLedger) -> anyhow::Result<CampaignState> {
        Ok(match self {
            Action::Create { request, key } => {
                let signed = sign(ledger, request, &key).await?;
                ledger.create_campaign(signed).await.map_err(ledger_error)?
            }
            Action::Pledge {
                campaign,
                base_units,
                key,
            } => pledge(ledger, campaign, base_units, &key).await?,
            Action::Status(id) => known_campaign(ledger, id).await?,
            Action::Settle { campaign, .. } => {
                known_campaign(ledger, campaign).await?;
                ledger
                    .settle_campaign(campaign)
                    .await
                    .map_err(ledger_error)?
            }
        })
    }
}

async fn pledge(
    ledger: &dyn PaymentLedger,
    campaign: CampaignId,
    base_units: u128,
    key: &PrivateKey,
) -> anyhow::Result<CampaignState> {
    let state = known_campaign(ledger, campaign).await?;
    let request = Pledge {
        campaign,
        pledger: key.address(),
        amount: Amount {
            token: state.goal.token,
            base_units,
        },
        nonce: rand::random(),
    };
    let signed = sign(ledger, request, key).await?;
    ledger.pledge(signed).await.map_err(ledger_error)
}

async fn known_campaign(
    ledger: &dyn PaymentLedger,
    id: CampaignId,
) -> anyhow::Result<CampaignState> {
    ledger
        .campaign(id)
        .await
        .map_err(ledger_error)?
        .ok_or_else(|| ledger_error(LedgerError::UnknownCampaign { id }))
}

async fn sign<T: Authorise>(
    ledger: &dyn PaymentLedger,
    request: T,
    key: &PrivateKey,
) -> anyhow::Result<Signed<T>> {
    let id = ledger.ledger_id().await.map_err(ledger_error)?;
    Ok(Signed::sign(request, key.signing_key(), &id))
}
