//! `btt-bid plan`: a bid from a budget, a deadline and the asks of the
//! swarm (quoted now, or read from `btt-bid quote` on standard input), as
//! a `plan` record `btt-get -` takes. The pricing is the library's
//! ([`crate::market::plan`]).

use super::quote::{self, QuoteArgs};
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::market_run::parse_budget;
use crate::cli::torrent_run::PeerArgs;
use crate::cli::values::parse_duration;
use crate::market::events::btt_text;
use crate::market::plan::{plan, Plan, PlanError, PlanInput};
use crate::market::price::PricePerMib;
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
}

impl Record for Plan {
    const TYPE: &'static str = "plan";

    fn human(&self) -> Option<String> {
        Some(format!(
            "bid {} with a budget of {}: the {} left cost at least {}; the deadline needs {}/s",
            self.price,
            self.budget,
            bytes(self.left),
            btt_text(self.lowest_cost_base_units),
            bytes(self.needed_rate)
        ))
    }
}

/// Runs `btt-bid plan`.
pub async fn run(args: PlanArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let (torrent, left, asks) = if args.torrent == "-" {
        read_quote(std::io::stdin().lock())?
    } else {
        let quote_args = QuoteArgs {
            torrent: args.torrent.clone(),
            timeout: args.timeout,
            network: args.network.clone(),
        };
        let (left, quotes) = quote::listen(&quote_args, output).await?;
        let asks = quotes.iter().map(|quote| quote.price()).collect();
        (args.torrent.clone(), left, asks)
    };
    let input = PlanInput {
        torrent,
        left,
        budget: args.budget,
        deadline: args.deadline,
        asks,
    };
    let planned = plan(&input).map_err(|error| {
        let status = match error {
            PlanError::NoSeller => ExitStatus::Unreachable,
            PlanError::BudgetTooSmall { .. } => ExitStatus::InsufficientFunds,
        };
        with_status(status, error)
    })?;
    output.record(&planned)?;
    Ok(ExitStatus::Success)
}

/// The torrent, its size and the asks in the records of `btt-bid quote`.
fn read_quote(input: impl BufRead) -> anyhow::Result<(String, u64, Vec<PricePerMib>)> {
    let mut asks = Vec::new();
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
                let ask = record["ask_base_units"].as_u64();
                asks.push(PricePerMib(
                    ask.ok_or_else(|| bad_quote("a quote has no ask_base_units"))?,
                ));
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
    Ok((torrent.to_string(), left, asks))
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
            r#"{"type":"quote","peer":"127.0.0.1:1","wallet":"T","ledger":"","ask":"0.01BTT/MiB","ask_base_units":10000}"#,
            "\n",
            r#"{"type":"summary","torrent":"a.torrent","total_length":42,"sellers":1}"#,
            "\n"
        );
        let (torrent, left, asks) = read_quote(text.as_bytes()).unwrap();
        assert_eq!(
            (torrent.as_str(), left, asks),
            ("a.torrent", 42, vec![PricePerMib(10_000)])
        );
        let error = read_quote("not json\n".as_bytes()).unwrap_err();
        assert!(format!("{error:#}").starts_with("standard input is not a quote"));
    }
}
