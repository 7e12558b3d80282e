//! `btt-tip fund`: crowdfunding over the ledger's campaign escrow. `create`
//! signs a campaign as its creator, `pledge` locks a pledger's funds in it,
//! `status` shows it, and `settle` (anyone, after the deadline) pays the
//! beneficiary if the goal was met or refunds every pledger otherwise. The
//! ledger enforces the rules (no pledge at or after the deadline, no
//! settlement before it, settlement once); this command checks that the
//! campaign exists first so an unknown id gets its own message.

use super::parse_btt;
use super::records::CampaignRecord;
use super::when::{parse_when, Direction};
use crate::amount::{Amount, Token};
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::keys::{wallet_name, Keys};
use crate::cli::ledger_choice::{ledger_error, run_on_ledger, LedgerArgs, LedgerTask};
use crate::cli::AmountArgs;
use crate::ledger::{
    Authorise, CampaignId, CampaignState, CreateCampaign, Ledger, LedgerError, Pledge, Signed,
};
use crate::output::Output;
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
    Settle(CampaignArg),
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
    Settle(CampaignId),
}

/// Runs a fund command.
pub fn run(
    keys: &Keys,
    ledger: &LedgerArgs,
    amounts: &AmountArgs,
    args: FundArgs,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let action = match args.command {
        FundCommand::Create(args) => create_action(keys, amounts, args, output)?,
        FundCommand::Pledge(args) => Action::Pledge {
            campaign: campaign_id(&args.campaign)?,
            base_units: parse_btt(amounts, "amount", &args.amount, Token::Btt)?,
            key: keys.unlock_named(&args.from)?,
        },
        FundCommand::Status(args) => Action::Status(campaign_id(&args.campaign)?),
        FundCommand::Settle(args) => Action::Settle(campaign_id(&args.campaign)?),
    };
    run_on_ledger(ledger, FundTask { action, output })
}

fn create_action(
    keys: &Keys,
    amounts: &AmountArgs,
    args: CreateArgs,
    output: &Output,
) -> anyhow::Result<Action> {
    let goal = parse_btt(amounts, "--goal", &args.goal, Token::Btt)?;
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
            token: Token::Btt,
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

struct FundTask<'a> {
    action: Action,
    output: &'a Output,
}

impl LedgerTask for FundTask<'_> {
    async fn run<L: Ledger>(self, ledger: &L) -> anyhow::Result<ExitStatus> {
        let state = match self.action {
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
            Action::Settle(id) => {
                known_campaign(ledger, id).await?;
                ledger.settle_campaign(id).await.map_err(ledger_error)?
            }
        };
        self.output
            .record(&CampaignRecord::at(&state, super::when::now_ms()))?;
        Ok(ExitStatus::Success)
    }
}

async fn pledge<L: Ledger>(
    ledger: &L,
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

async fn known_campaign<L: Ledger>(ledger: &L, id: CampaignId) -> anyhow::Result<CampaignState> {
    ledger
        .campaign(id)
        .await
        .map_err(ledger_error)?
        .ok_or_else(|| ledger_error(LedgerError::UnknownCampaign { id }))
}

async fn sign<L: Ledger, T: Authorise>(
    ledger: &L,
    request: T,
    key: &PrivateKey,
) -> anyhow::Result<Signed<T>> {
    let id = ledger.ledger_id().await.map_err(ledger_error)?;
    Ok(Signed::sign(request, key.signing_key(), &id))
}
