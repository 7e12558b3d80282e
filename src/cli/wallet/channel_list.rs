//! `btt-wallet channel list`: the channels a wallet pays into or is paid
//! through, and the one record shape every channel command prints. Amounts
//! are shown as `50BTT` and carried as base units in strings of digits, like
//! every btt record; a terminal gets a table, a pipe one NDJSON record a
//! channel. Ledgers that keep no channels (TRON, BTTC) refuse in one line.

use super::Session;
use crate::amount::{format_units, Token};
use crate::cli::exit::ExitStatus;
use crate::cli::ledger_choice::ledger_error;
use crate::ledger::{ChannelId, ChannelRole, ChannelState, ChannelStatus};
use crate::output::{Format, Record};
use crate::payment::PaymentLedger;
use crate::tron::Address;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::time::{Duration, UNIX_EPOCH};

/// `channel list`.
#[derive(Debug, Args)]
pub struct ChannelListArgs {
    /// Wallet name or address (default: every wallet here)
    #[arg(long)]
    pub from: Option<String>,
}

/// One channel, as every channel command prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRecord {
    /// The channel id.
    pub id: ChannelId,
    /// Who locked the funds.
    pub payer: Address,
    /// Who is paid.
    pub payee: Address,
    /// The amount locked at opening, e.g. `50BTT`.
    pub locked: String,
    /// The same, in base units.
    pub locked_base_units: String,
    /// What the payee was paid so far, e.g. `30BTT`.
    pub redeemed: String,
    /// The same, in base units.
    pub redeemed_base_units: String,
    /// Which token (`btt`, `bttc`, ...).
    pub token: Token,
    /// `open` or `closed`.
    pub status: ChannelStatus,
    /// From when the payer may refund, RFC 3339.
    pub expires: String,
    /// The same, in milliseconds since the epoch.
    pub expires_at_ms: i64,
}

impl From<&ChannelState> for ChannelRecord {
    fn from(state: &ChannelState) -> ChannelRecord {
        let token = state.token();
        ChannelRecord {
            id: state.id,
            payer: state.payer,
            payee: state.payee,
            locked: amount(state.amount.base_units, token),
            locked_base_units: state.amount.base_units.to_string(),
            redeemed: amount(state.redeemed, token),
            redeemed_base_units: state.redeemed.to_string(),
            token,
            status: state.status,
            expires: rfc3339(state.expires_at_ms),
            expires_at_ms: state.expires_at_ms,
        }
    }
}

impl Record for ChannelRecord {
    const TYPE: &'static str = "channel";

    fn human(&self) -> Option<String> {
        Some(format!(
            "channel {}  {}  {} -> {}  locked {}  redeemed {}  expires {}",
            self.id,
            status_text(self.status),
            self.payer,
            self.payee,
            self.locked,
            self.redeemed,
            self.expires
        ))
    }
}

/// Every listed channel as one table, for a person.
#[derive(Debug, Serialize)]
struct ChannelTable<'a>(&'a [ChannelRecord]);

impl Record for ChannelTable<'_> {
    const TYPE: &'static str = "channels";

    fn human(&self) -> Option<String> {
        if self.0.is_empty() {
            return Some("no channels".to_string());
        }
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.set_header([
            "channel", "payer", "payee", "locked", "redeemed", "status", "expires",
        ]);
        for record in self.0 {
            table.add_row([
                record.id.to_string(),
                record.payer.to_string(),
                record.payee.to_string(),
                record.locked.clone(),
                record.redeemed.clone(),
                status_text(record.status).to_string(),
                record.expires.clone(),
            ]);
        }
        Some(table.to_string())
    }
}

fn amount(base_units: u128, token: Token) -> String {
    format!("{}{}", format_units(base_units, token), token.symbol())
}

fn status_text(status: ChannelStatus) -> &'static str {
    match status {
        ChannelStatus::Open => "open",
        ChannelStatus::Closed => "closed",
    }
}

/// `ms` since the epoch as an RFC 3339 UTC time, to the second.
pub fn rfc3339(ms: i64) -> String {
    let since_epoch = Duration::from_millis(u64::try_from(ms).unwrap_or_default());
    humantime::format_rfc3339_seconds(UNIX_EPOCH + since_epoch).to_string()
}

/// Runs `channel list`.
pub async fn run(
    session: &Session<'_>,
    ledger: &dyn PaymentLedger,
    args: &ChannelListArgs,
) -> anyhow::Result<ExitStatus> {
    let accounts = match &args.from {
        Some(text) => vec![session.keys.account(text)?],
        None => session.wallet_addresses()?,
    };
    let records: Vec<ChannelRecord> = channels_of(ledger, &accounts)
        .await?
        .iter()
        .map(ChannelRecord::from)
        .collect();
    match session.output.format() {
        Format::Human => session.output.record(&ChannelTable(&records))?,
        Format::Json => {
            for record in &records {
                session.output.record(record)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// The channels in which any of `accounts` pays or is paid, each once,
/// ordered by expiry and then id.
async fn channels_of(
    ledger: &dyn PaymentLedger,
    accounts: &[Address],
) -> anyhow::Result<Vec<ChannelState>> {
    let mut channels = Vec::new();
    for account in accounts {
        for role in [ChannelRole::Payer, ChannelRole::Payee] {
            let found = ledger.channels(*account, role).await;
            channels.extend(found.map_err(ledger_error)?);
        }
    }
    channels.sort_by_key(|channel| (channel.expires_at_ms, channel.id));
    channels.dedup_by_key(|channel| channel.id);
    Ok(channels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Amount;

    #[test]
    fn a_terminal_gets_a_table_with_amounts_in_btt_and_a_date() {
        let state = ChannelState {
            id: ChannelId([7; 32]),
            payer: "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap(),
            payee: "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC".parse().unwrap(),
            amount: Amount {
                token: Token::Btt,
                base_units: 50_000_000,
            },
            redeemed: 20_500_000,
            expires_at_ms: 1_796_000_000_000,
            status: ChannelStatus::Open,
        };
        let records = [ChannelRecord::from(&state)];
        let table = ChannelTable(&records).human().unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 2, "{table}");
        for header in [
            "channel", "payer", "payee", "locked", "redeemed", "status", "expires",
        ] {
            assert!(lines[0].contains(header), "{table}");
        }
        for cell in ["50BTT", "20.5BTT", "open", "2026-11-30T00:53:20Z"] {
            assert!(lines[1].contains(cell), "{table}");
        }
        assert_eq!(ChannelTable(&[]).human().unwrap(), "no channels");
    }
}
