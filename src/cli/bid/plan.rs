//! `btt-bid plan`: a bid from a budget, a deadline and the asks of the
//! swarm (quoted now, or read from `btt-bid quote` on standard input), as
//! a `plan` record `btt-get -` takes. The pricing is the library's
//! ([`crate::market::plan`]). On an EVM chain with btt's contracts
//! (`--ledger`, `--contracts`) the plan counts only the sellers on that
//! chain and contract, is in wei, and sets aside from the budget the gas
//! of opening a channel to each of them at the gas price now.

use super::quote::{self, QuoteArgs};
use crate::amount::Token;
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::ledger_choice::{ledger_error, LedgerArgs};
use crate::cli::market_run::parse_budget;
use crate::cli::torrent_run::PeerArgs;
use crate::cli::values::parse_duration;
use crate::market::events::btt_text;
use crate::market::plan::{plan, Offer, Plan, PlanError, PlanInput};
use crate::market::price::{in_token, PricePerMib};
use crate::output::swarm::bytes;
use crate::output::{Output, Record};
use anyhow::Context;
use clap::Args;
use serde_json::Value;
use std::io::BufRead;
use std::time::Duration;

/// `btt-bid plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The .torrent file or magnet link to quote, or - to read what `btt-bid quote` printed
    pub torrent: String,
    /// The most the download may cost, e.g. 20BTT
    #[arg(long, value_name = "AMOUNT", value_parser = parse_budget)]
    pub budget: u128,
    /// When the download must be done, from its start, e.g. 30m
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub deadline: Duration,
    /// How long to listen to the swarm's peers (not with -)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    pub timeout: Duration,
    #[command(flatten)]
    pub network: PeerArgs,
    #[command(flatten)]
    pub ledger: LedgerArgs,
}

impl Record for Plan {
    const TYPE: &'static str = "plan";

    fn human(&self) -> Option<String> {
        let expected = match (self.expected_rate, self.expected_seconds) {
            (Some(rate), Some(seconds)) => format!(
                "; the sellers' paid slots give {}/s, about {}",
                bytes(rate),
                humantime::format_duration(Duration::from_secs(seconds))
            ),
            _ => String::new(),
        };
        Some(format!(
            "bid {} with a budget of {}: the {} left cost {} to {}; the deadline needs {}/s{expected}",
            self.price,
            self.budget,
            bytes(self.left),
            btt_text(self.lowest_cost_base_units, self.token),
            btt_text(self.most_cost_base_units, self.token),
            bytes(self.needed_rate)
        ))
    }
}

/// Runs `btt-bid plan`.
pub async fn run(args: PlanArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let (torrent, left, offers) = if args.torrent == "-" {
        read_quote(std::io::stdin().lock())?
    } else {
        let quote_args = QuoteArgs {
            torrent: args.torrent.clone(),
            timeout: args.timeout,
            network: args.network.clone(),
        };
        let (left, quotes) = quote::listen(&quote_args, output).await?;
        let offers = quotes
            .iter()
            .map(|quote| (quote.ledger.clone(), quote.offer()))
            .collect();
        (args.torrent.clone(), left, offers)
    };
    let buyer = BuyerLedger::of(&args.ledger).await?;
    let budget = in_token(args.budget, buyer.token).ok_or_else(|| {
        with_status(
            ExitStatus::Usage,
            anyhow::anyhow!("--budget is too large for this ledger"),
        )
    })?;
    let offers = offers
        .into_iter()
        .filter(|(ledger, _)| buyer.sells_here(ledger))
        .map(|(_, offer)| offer)
        .collect();
    let input = PlanInput {
        torrent,
        left,
        budget,
        deadline: args.deadline,
        offers,
        token: buyer.token,
        open_cost: buyer.open_cost,
    };
    let planned = plan(&input).map_err(|error| {
        let status = match error {
            PlanError::NoSeller => ExitStatus::Unreachable,
            PlanError::BudgetTooSmall { .. } => ExitStatus::InsufficientFunds,
        };
        with_status(status, error)
    })?;
    if planned.misses_deadline() {
        output.warn(format!(
            "the sellers' paid slots give {}/s: about {} s for the {} left, past the deadline of {} s (free peers may make up the rest)",
            bytes(planned.expected_rate.unwrap_or_default()),
            planned.expected_seconds.unwrap_or_default(),
            bytes(planned.left),
            planned.deadline_seconds
        ));
    }
    output.record(&planned)?;
    Ok(ExitStatus::Success)
}

/// Where the plan's buyer pays: btt's ledgers (in their BTT, every seller
/// counted, no fee to open a channel) or btt's contracts on a chain.
struct BuyerLedger {
    token: Token,
    /// The chain's ledger id in hex; `None`: every seller counts.
    ledger: Option<String>,
    open_cost: u128,
}

impl BuyerLedger {
    async fn of(args: &LedgerArgs) -> anyhow::Result<BuyerLedger> {
        if !args.pays_from_accounts()? {
            return Ok(BuyerLedger {
                token: Token::Btt,
                ledger: None,
                open_cost: 0,
            });
        }
        let ledger = args.payment_ledger()?;
        let id = ledger.ledger_id().await.map_err(ledger_error)?;
        Ok(BuyerLedger {
            token: args.native_token()?,
            ledger: Some(hex::encode(id.0)),
            open_cost: ledger.open_cost().await.map_err(ledger_error)?,
        })
    }

    /// Whether a seller quoting `ledger` is paid where the buyer pays.
    fn sells_here(&self, ledger: &str) -> bool {
        self.ledger.as_deref().is_none_or(|ours| ours == ledger)
    }
}

/// A seller's offer and the ledger it is paid on (hex, as quotes name it).
type LedgerOffer = (String, Offer);

/// The torrent, its size and the offers in the records of `btt-bid quote`.
fn read_quote(input: impl BufRead) -> anyhow::Result<(String, u64, Vec<LedgerOffer>)> {
    let mut offers = Vec::new();
    let mut summary = None;
    for line in input.lines() {
        let line = line.context("could not read the quote from standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Value =
            serde_json::from_str(&line).map_err(|error| bad_quote(&error.to_string()))?;
        match record["type"].as_str() {
            Some("quote") => {
                let ask = record["ask_base_units"]
                    .as_u64()
                    .ok_or_else(|| bad_quote("a quote has no ask_base_units"))?;
                let ledger = record["ledger"].as_str().unwrap_or_default().to_string();
                let offer = Offer {
                    ask: PricePerMib(ask),
                    slot_rate: record["slot_rate"].as_u64(),
                };
                offers.push((ledger, offer));
            }
            Some("summary") => summary = Some(record),
            _ => {}
        }
    }
    let summary = summary
        .ok_or_else(|| bad_quote("no summary record (is this what btt-bid quote printed?)"))?;
    let torrent = summary["torrent"]
        .as_str()
        .ok_or_else(|| bad_quote("the summary names no torrent"))?;
    let left = summary["total_length"]
        .as_u64()
        .ok_or_else(|| bad_quote("the summary has no total_length"))?;
    Ok((torrent.to_string(), left, offers))
}

fn bad_quote(why: &str) -> anyhow::Error {
    with_status(
        ExitStatus::BadInput,
        anyhow::anyhow!("standard input is not a quote: {why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_is_read_from_its_records() {
        let text = concat!(
            r#"{"type":"quote","peer":"127.0.0.1:1","wallet":"T","ledger":"","ask":"0.01BTT/MiB","ask_base_units":10000,"slot_rate":null}"#,
            "\n",
            r#"{"type":"quote","peer":"127.0.0.1:2","wallet":"T","ledger":"","ask":"0.02BTT/MiB","ask_base_units":20000,"slot_rate":1048576}"#,
            "\n",
            r#"{"type":"summary","torrent":"a.torrent","total_length":42,"sellers":2}"#,
            "\n"
        );
        let (torrent, left, offers) = read_quote(text.as_bytes()).unwrap();
        let offer = |ask, slot_rate| {
            let offer = Offer {
                ask: PricePerMib(ask),
                slot_rate,
            };
            (String::new(), offer)
        };
        assert_eq!(
            (torrent.as_str(), left, offers),
            (
                "a.torrent",
                42,
                vec![offer(10_000, None), offer(20_000, Some(1 << 20))]
            )
        );
        let error = read_quote("not json\n".as_bytes()).unwrap_err();
        assert!(format!("{error:#}").starts_with("standard input is not a quote"));
    }

    #[test]
    fn on_a_chain_only_its_own_sellers_count() {
        let chain = BuyerLedger {
            token: Token::Bttc,
            ledger: Some("aa".repeat(32)),
            open_cost: 1,
        };
        assert!(chain.sells_here(&"aa".repeat(32)));
        assert!(!chain.sells_here(&"bb".repeat(32)));
        let btt = BuyerLedger {
            token: Token::Btt,
            ledger: None,
            open_cost: 0,
        };
        assert!(btt.sells_here(&"bb".repeat(32)));
    }
}
