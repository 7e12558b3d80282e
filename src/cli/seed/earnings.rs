//! `btt-seed earnings`: what the channels paying a wallet hold and have paid,
//! read from the ledger's channel records (so it is true after a crash),
//! with, when the seeder's voucher journal is there, what was accepted and
//! not yet redeemed, and what the wallet's own payout transactions cost in
//! fees (gas on a chain; nothing on btt's ledgers), so gross, fees and net
//! are all there. A table on a terminal; piped or with `--json`, one
//! `earning` record per channel and a `summary`.
//!
//! Amounts in records are base units as decimal text (u128 does not fit a
//! JSON number).

use crate::amount::{format_units, Token};
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::keys::{Keys, PasswordArgs};
use crate::cli::ledger_choice::{ledger_error, LedgerArgs};
use crate::config::Dirs;
use crate::ledger::{
    ChannelId, ChannelRole, ChannelState, ChannelStatus, LedgerId, Signed, Voucher,
};
use crate::market::voucher_book::VoucherBook;
use crate::output::{Format, Output, Record};
use crate::payment::PaymentLedger;
use crate::tron::Address;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

/// `btt-seed earnings`.
#[derive(Debug, Args)]
pub struct EarningsArgs {
    /// The wallet (or address) that was paid
    #[arg(long, value_name = "NAME")]
    pub wallet: String,
    #[command(flatten)]
    pub ledger: LedgerArgs,
}

/// One channel paying the wallet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Earning {
    /// The channel id.
    pub channel: ChannelId,
    /// Who locked the funds.
    pub payer: Address,
    /// The token of the channel.
    pub token: Token,
    /// Base units locked at opening.
    pub deposit: String,
    /// Base units the ledger has paid to the wallet: earned (gross).
    pub earned: String,
    /// Base units the wallet paid in fees for its redeems and close of the
    /// channel (gas on a chain, in the chain's coin).
    pub fees: String,
    /// `earned` less `fees`; negative when the fees were more.
    pub net: String,
    /// Base units accepted in vouchers the ledger has not paid yet, from the
    /// seeder's journal; `null` when there is no journal.
    pub pending: Option<String>,
    /// Open or closed.
    pub status: ChannelStatus,
    /// When the payer may take back what was not redeemed.
    pub expires_at_ms: i64,
}

/// One token's totals over the channels.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenTotal {
    /// The token.
    pub token: Token,
    /// Base units earned (gross).
    pub earned: String,
    /// Base units paid in fees for the payouts.
    pub fees: String,
    /// `earned` less `fees`.
    pub net: String,
    /// Base units accepted and not yet redeemed; `null` without a journal.
    pub pending: Option<String>,
}

/// The last record of `btt-seed earnings`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EarningsSummary {
    /// The wallet's address.
    pub address: Address,
    /// Channels paying it.
    pub channels: usize,
    /// Of which still open.
    pub open: usize,
    /// Per token.
    pub totals: Vec<TokenTotal>,
}

impl Record for Earning {
    const TYPE: &'static str = "earning";

    fn human(&self) -> Option<String> {
        Some(row(self).join("  "))
    }
}

impl Record for EarningsSummary {
    const TYPE: &'static str = "summary";

    fn human(&self) -> Option<String> {
        let mut text = format!(
            "{}: {} channels, {} open",
            self.address, self.channels, self.open
        );
        for total in &self.totals {
            text.push_str(&format!(
                "\n  earned {}",
                units_text(&total.earned, total.token)
            ));
            if total.fees != "0" {
                text.push_str(&format!(
                    " less {} in fees: {} net",
                    units_text(&total.fees, total.token),
                    units_text(&total.net, total.token)
                ));
            }
            if let Some(pending) = &total.pending {
                text.push_str(&format!(", pending {}", units_text(pending, total.token)));
            }
        }
        Some(text)
    }
}

/// Every channel and the summary, as one table for a person.
#[derive(Debug, Serialize)]
struct EarningsTable<'a> {
    earnings: &'a [Earning],
    summary: &'a EarningsSummary,
}

impl Record for EarningsTable<'_> {
    const TYPE: &'static str = "earnings";

    fn human(&self) -> Option<String> {
        if self.earnings.is_empty() {
            return self.summary.human();
        }
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        let with_fees = self.earnings.iter().any(|earning| earning.fees != "0");
        let mut header = vec!["channel", "payer", "deposit", "earned", "pending", "status"];
        if with_fees {
            header.extend(["fees", "net"]);
        }
        table.set_header(header);
        for earning in self.earnings {
            let mut cells = row(earning);
            if with_fees {
                cells.push(units_text(&earning.fees, earning.token));
                cells.push(units_text(&earning.net, earning.token));
            }
            table.add_row(cells);
        }
        Some(format!("{table}\n{}", self.summary.human()?))
    }
}

fn row(earning: &Earning) -> Vec<String> {
    let pending = earning
        .pending
        .as_ref()
        .map_or_else(|| "-".to_string(), |units| units_text(units, earning.token));
    vec![
        earning.channel.to_string(),
        earning.payer.to_string(),
        units_text(&earning.deposit, earning.token),
        units_text(&earning.earned, earning.token),
        pending,
        status_text(earning.status).to_string(),
    ]
}

fn status_text(status: ChannelStatus) -> &'static str {
    match status {
        ChannelStatus::Open => "open",
        ChannelStatus::Closed => "closed",
    }
}

/// Base units as text (a leading `-` for a negative net) in `token`.
fn units_text(units: &str, token: Token) -> String {
    let (sign, digits) = match units.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", units),
    };
    let base_units = digits.parse().unwrap_or_default();
    format!(
        "{sign}{}{}",
        format_units(base_units, token),
        token.symbol()
    )
}

/// Runs `btt-seed earnings`.
pub fn run(args: EarningsArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let keys = Keys::from_env(PasswordArgs {
        password_file: None,
        unsafe_password: None,
    });
    let address = keys.account(&args.wallet)?;
    let ledger = args.ledger.payment_ledger()?;
    let journal = VoucherBook::default_path(&Dirs::from_env());
    let (earnings, summary) =
        crate::cli::runtime()?.block_on(earnings(&*ledger, address, journal))?;
    match output.format() {
        Format::Human => output.record(&EarningsTable {
            earnings: &earnings,
            summary: &summary,
        })?,
        Format::Json => {
            for earning in &earnings {
                output.record(earning)?;
            }
            output.record(&summary)?;
        }
    }
    Ok(ExitStatus::Success)
}

/// The channels paying `address` and their totals.
async fn earnings(
    ledger: &dyn PaymentLedger,
    address: Address,
    journal: PathBuf,
) -> anyhow::Result<(Vec<Earning>, EarningsSummary)> {
    let channels = ledger
        .channels(address, ChannelRole::Payee)
        .await
        .map_err(ledger_error)?;
    let accepted = if journal.exists() {
        let ledger_id = ledger.ledger_id().await.map_err(ledger_error)?;
        Some(accepted_vouchers(journal, ledger_id).await?)
    } else {
        None
    };
    let pending: Vec<Option<u128>> = channels
        .iter()
        .map(|channel| accepted.as_ref().map(|accepted| pending(channel, accepted)))
        .collect();
    let mut fees = Vec::with_capacity(channels.len());
    for channel in &channels {
        let paid = ledger.settlement_fees(channel.id, address).await;
        fees.push(paid.map_err(ledger_error)?);
    }
    let earnings = channels
        .iter()
        .zip(&pending)
        .zip(&fees)
        .map(|((channel, pending), fees)| earning(channel, *pending, *fees))
        .collect();
    let summary = summarise(address, &channels, &pending, &fees);
    Ok((earnings, summary))
}

/// The best cumulative the journal holds per channel not yet closed.
async fn accepted_vouchers(
    path: PathBuf,
    ledger: LedgerId,
) -> anyhow::Result<HashMap<ChannelId, u128>> {
    let read = move || -> anyhow::Result<Vec<Signed<Voucher>>> {
        let journal = VoucherBook::open(&path)?;
        Ok(journal.unsettled(&ledger)?)
    };
    let vouchers = tokio::task::spawn_blocking(read)
        .await?
        .map_err(|error| with_status(ExitStatus::Failure, error))?;
    Ok(vouchers
        .into_iter()
        .map(|voucher| {
            let promise = voucher.request;
            (promise.channel, promise.cumulative.base_units)
        })
        .collect())
}

fn earning(channel: &ChannelState, pending: Option<u128>, fees: u128) -> Earning {
    Earning {
        channel: channel.id,
        payer: channel.payer,
        token: channel.token(),
        deposit: channel.amount.base_units.to_string(),
        earned: channel.redeemed.to_string(),
        fees: fees.to_string(),
        net: net(channel.redeemed, fees),
        pending: pending.map(|units| units.to_string()),
        status: channel.status,
        expires_at_ms: channel.expires_at_ms,
    }
}

/// `earned` less `fees` as signed decimal text.
fn net(earned: u128, fees: u128) -> String {
    if earned >= fees {
        (earned - fees).to_string()
    } else {
        format!("-{}", fees - earned)
    }
}

/// What the journal holds above what the ledger paid; nothing once closed.
fn pending(channel: &ChannelState, accepted: &HashMap<ChannelId, u128>) -> u128 {
    match (channel.status, accepted.get(&channel.id)) {
        (ChannelStatus::Open, Some(cumulative)) => cumulative.saturating_sub(channel.redeemed),
        _ => 0,
    }
}

/// Per token, in the order first seen: earned, fees, net, and pending when known.
fn summarise(
    address: Address,
    channels: &[ChannelState],
    pending: &[Option<u128>],
    fees: &[u128],
) -> EarningsSummary {
    let mut totals: Vec<(Token, u128, Option<u128>, u128)> = Vec::new();
    for ((channel, &pending), &fees) in channels.iter().zip(pending).zip(fees) {
        let index = match totals.iter().position(|total| total.0 == channel.token()) {
            Some(index) => index,
            None => {
                totals.push((channel.token(), 0, pending.map(|_| 0), 0));
                totals.len() - 1
            }
        };
        let total = &mut totals[index];
        total.1 = total.1.saturating_add(channel.redeemed);
        total.2 = total
            .2
            .zip(pending)
            .map(|(sum, more)| sum.saturating_add(more));
        total.3 = total.3.saturating_add(fees);
    }
    EarningsSummary {
        address,
        channels: channels.len(),
        open: channels
            .iter()
            .filter(|channel| channel.status == ChannelStatus::Open)
            .count(),
        totals: totals
            .into_iter()
            .map(|(token, earned, pending, fees)| TokenTotal {
                token,
                earned: earned.to_string(),
                fees: fees.to_string(),
                net: net(earned, fees),
                pending: pending.map(|units| units.to_string()),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Amount;
    use crate::ledger::local::fixtures::{address, btt};

    fn channel(id: u8, amount: Amount, redeemed: u128, status: ChannelStatus) -> ChannelState {
        ChannelState {
            id: ChannelId([id; 32]),
            payer: address(1),
            payee: address(2),
            amount,
            redeemed,
            expires_at_ms: 0,
            status,
        }
    }

    #[test]
    fn pending_is_what_the_journal_holds_above_redeemed_on_open_channels() {
        let open = channel(1, btt(500), 100, ChannelStatus::Open);
        let closed = channel(2, btt(500), 100, ChannelStatus::Closed);
        let accepted = HashMap::from([(open.id, 300), (closed.id, 300)]);
        assert_eq!(pending(&open, &accepted), 200);
        assert_eq!(
            pending(&closed, &accepted),
            0,
            "a closed channel pays no more"
        );
        assert_eq!(pending(&open, &HashMap::from([(open.id, 50)])), 0);
        assert_eq!(pending(&open, &HashMap::new()), 0);
    }

    #[test]
    fn totals_are_per_token_and_pending_only_when_known() {
        let trx = Amount {
            token: Token::Trx,
            base_units: 9,
        };
        let channels = [
            channel(1, btt(500), 100, ChannelStatus::Open),
            channel(2, trx, 4, ChannelStatus::Closed),
            channel(3, btt(50), 20, ChannelStatus::Closed),
        ];
        let pending = [Some(7), Some(0), Some(1)];
        let summary = summarise(address(2), &channels, &pending, &[0, 0, 0]);
        let totals: Vec<_> = summary
            .totals
            .iter()
            .map(|t| (t.token, t.earned.as_str(), t.pending.as_deref()))
            .collect();
        assert_eq!(
            totals,
            [(Token::Btt, "120", Some("8")), (Token::Trx, "4", Some("0"))]
        );
        let with_fees = summarise(address(2), &channels, &pending, &[30, 0, 100]);
        let btt_total = &with_fees.totals[0];
        assert_eq!(
            (btt_total.fees.as_str(), btt_total.net.as_str()),
            ("130", "-10")
        );
        assert_eq!(net(20, 100), "-80");
        assert_eq!(units_text("-80", Token::Btt), "-0.00008BTT");
        assert_eq!((summary.channels, summary.open), (3, 1));
        let unknown = summarise(address(2), &channels[..1], &[None], &[0]);
        assert_eq!(unknown.totals[0].pending, None);
        let earnings: Vec<Earning> = channels.iter().map(|c| earning(c, None, 0)).collect();
        let table = EarningsTable {
            earnings: &earnings,
            summary: &unknown,
        };
        let text = table.human().unwrap();
        assert!(text.contains("0.0005BTT"), "{text}");
        assert!(text.contains("0.000004TRX"), "{text}");
    }
}
