//! `btt-bid`: the bidding engine's front end. `quote` hears a swarm's
//! asks without trading; `plan` prices a bid from a budget and a
//! deadline; `status`, `set` and `stop`
//! talk to running `btt-get --bid` downloads over their control sockets
//! (see [`crate::control`]).

mod control;
mod plan;
mod quote;

use super::market_run::{parse_budget, parse_price_flag};
use super::{exit_status_help, finish, GlobalArgs};
use crate::market::price::PricePerMib;
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// Quote a swarm's prices, plan a bid, and change the bid of a running download.
#[derive(Debug, Parser)]
#[command(name = "btt-bid", version, about, after_help = exit_status_help())]
pub struct BidCli {
    #[command(subcommand)]
    pub command: BidCommand,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// The subcommands of `btt-bid`.
#[derive(Debug, Subcommand)]
pub enum BidCommand {
    /// Hear a swarm's sellers for a while and print their asks: lowest, median, how many sell
    Quote(Box<quote::QuoteArgs>),
    /// Plan a bid from a budget and a deadline at the asks quoted, as a record btt-get - takes
    Plan(Box<plan::PlanArgs>),
    /// List every running btt-get that buys on this machine: speed, progress, price, spent, budget, ETA
    Status,
    /// Change the bid or the budget of a running download (a bid set by hand turns its auto-bid off)
    Set(SetArgs),
    /// Stop paying for a running download; it goes on free (a later set pays again)
    Stop(Target),
}

/// Which running download.
#[derive(Debug, Args)]
pub struct Target {
    /// The download's info-hash, or a prefix of it that only one download has
    pub info_hash: String,
    /// The btt-get process, when several download the same torrent
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
}

/// `btt-bid set`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("change").required(true).multiple(true).args(["price", "budget"]))]
pub struct SetArgs {
    #[command(flatten)]
    pub target: Target,
    /// The new bid, e.g. 0.08BTT/MiB
    #[arg(value_name = "PRICE", value_parser = parse_bid)]
    pub price: Option<PricePerMib>,
    /// The new budget of the run, e.g. 30BTT (not below what it has paid)
    #[arg(long, value_name = "AMOUNT", value_parser = parse_budget)]
    pub budget: Option<u128>,
}

fn parse_bid(text: &str) -> Result<PricePerMib, String> {
    let price = parse_price_flag(text)?;
    if price.0 == 0 {
        return Err("a bid of 0 pays nothing; use btt-bid stop".to_string());
    }
    Ok(price)
}

/// The clap definition, for man pages and completions.
pub fn command() -> clap::Command {
    BidCli::command()
}

/// The entry point of the `btt-bid` binary.
pub fn main() -> ExitCode {
    let args = match super::parse_args::<BidCli>("btt-bid") {
        Ok(args) => args,
        Err(code) => return code,
    };
    let output = args.global.output("btt-bid");
    let result = super::runtime().and_then(|runtime| {
        runtime.block_on(async {
            match args.command {
                BidCommand::Quote(quote_args) => quote::quote(*quote_args, &output).await,
                BidCommand::Plan(plan_args) => plan::run(*plan_args, &output).await,
                BidCommand::Status => control::status(&output).await,
                BidCommand::Set(set) => control::set(set, &output).await,
                BidCommand::Stop(target) => control::stop(target, &output).await,
            }
        })
    });
    finish(&output, result)
}
