//! What `btt-tip` prints: receipts (with the same `txID` field btt-wallet's
//! receipts carry, so `jq -r .txID` feeds `btt-wallet tx`), per-line error
//! records of a stream, the stream's summary, incoming transfers for
//! `watch`, and campaigns.

use crate::amount::{format_units, Token};
use crate::cli::wallet::ReceiptRecord;
use crate::ledger::{CampaignState, CampaignStatus, TransferRecord};
use crate::output::Record;
use crate::tip::{Payment, StopReason, StreamSummary};
use crate::tron::Address;
use serde::Serialize;

pub use crate::clock::rfc3339;

fn amount_text(base_units: u128, token: Token) -> String {
    format!("{}{}", format_units(base_units, token), token.symbol())
}

/// A paid tip.
#[derive(Debug, Serialize)]
pub struct TipReceipt {
    /// The input line it answers (streams only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// txID, kind, from, to, amount, base_units, memo, sequence.
    #[serde(flatten)]
    pub receipt: ReceiptRecord,
    /// When the ledger applied it (RFC 3339).
    pub time: String,
    /// True when an earlier run paid this id and nothing moved now.
    pub replayed: bool,
}

impl TipReceipt {
    /// The receipt of `payment`, answering `line` and `id`.
    pub fn new(payment: &Payment, line: Option<u64>, id: Option<String>) -> TipReceipt {
        TipReceipt {
            line,
            id,
            receipt: ReceiptRecord::from(&payment.record),
            time: rfc3339(payment.record.applied_at_ms),
            replayed: payment.replayed,
        }
    }
}

impl Record for TipReceipt {
    const TYPE: &'static str = "receipt";

    /// One line per receipt in a stream; a small table for a single tip.
    fn human(&self) -> Option<String> {
        let details = &self.receipt.details;
        let verb = if self.replayed {
            "already paid"
        } else {
            "paid"
        };
        if let Some(line) = self.line {
            return Some(format!(
                "line {line}  {verb} {} to {}  txID {}",
                details.amount,
                details.shown_to(),
                self.receipt.txid
            ));
        }
        let mut rows = vec![
            ("txID", self.receipt.txid.clone()),
            ("from", details.shown_from()),
            ("to", details.shown_to()),
            ("amount", details.amount.clone()),
            ("memo", details.memo.clone().unwrap_or_default()),
            ("time", self.time.clone()),
        ];
        if self.replayed {
            rows.push(("note", "already paid by an earlier run".to_string()));
        }
        Some(
            rows.iter()
                .map(|(name, value)| format!("{name:<8}{value}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }
}

/// A stream line that was not paid.
#[derive(Debug, Serialize)]
pub struct LineError {
    /// The input line.
    pub line: u64,
    /// Its client id, when one could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The exit status name this refusal maps to (`bad_input`, `insufficient_funds`, ...).
    pub code: &'static str,
    /// What exactly: `malformed_json`, `over_budget`, a ledger refusal code, ...
    pub reason: String,
    /// One line for a person.
    pub message: String,
}

impl Record for LineError {
    const TYPE: &'static str = "error";

    fn human(&self) -> Option<String> {
        None
    }
}

/// The last record of a stream.
#[derive(Debug, Serialize)]
pub struct SummaryRecord {
    /// Lines read.
    pub lines: u64,
    /// Tips paid by this run.
    pub paid: u64,
    /// Tips an earlier run had paid.
    pub replayed: u64,
    /// Lines refused.
    pub refused: u64,
    /// What the paid and replayed tips add up to.
    pub spent: String,
    /// The same in base units.
    pub spent_base_units: String,
    /// What is left of `--budget`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_left: Option<String>,
    /// `end_of_input` or `budget_spent`.
    pub stopped: &'static str,
}

impl SummaryRecord {
    /// The record of `summary` under a budget of `budget` base units of `token`.
    pub fn new(summary: &StreamSummary, budget: Option<u128>, token: Token) -> SummaryRecord {
        SummaryRecord {
            lines: summary.lines,
            paid: summary.paid,
            replayed: summary.replayed,
            refused: summary.refused,
            spent: amount_text(summary.spent, token),
            spent_base_units: summary.spent.to_string(),
            budget_left: budget
                .map(|budget| amount_text(budget.saturating_sub(summary.spent), token)),
            stopped: match summary.stop {
                StopReason::EndOfInput => "end_of_input",
                StopReason::BudgetSpent => "budget_spent",
            },
        }
    }
}

impl Record for SummaryRecord {
    const TYPE: &'static str = "summary";

    fn human(&self) -> Option<String> {
        let stop = match self.stopped {
            "budget_spent" => "; stopped: budget spent",
            _ => "",
        };
        Some(format!(
            "{} paid, {} already paid, {} refused; spent {}{stop}",
            self.paid, self.replayed, self.refused, self.spent
        ))
    }
}

/// A transfer `watch` saw arrive.
#[derive(Debug, Serialize)]
pub struct IncomingRecord {
    /// txID, kind, from, to, amount, base_units, memo, sequence.
    #[serde(flatten)]
    pub receipt: ReceiptRecord,
    /// When the ledger applied it (RFC 3339).
    pub time: String,
}

impl From<&TransferRecord> for IncomingRecord {
    fn from(record: &TransferRecord) -> IncomingRecord {
        IncomingRecord {
            receipt: ReceiptRecord::from(record),
            time: rfc3339(record.applied_at_ms),
        }
    }
}

impl Record for IncomingRecord {
    const TYPE: &'static str = "incoming";

    fn human(&self) -> Option<String> {
        let details = &self.receipt.details;
        Some(format!(
            "{}  {:>16}  from {}  {}",
            self.time,
            details.amount,
            details.shown_from(),
            details.memo.as_deref().unwrap_or("")
        ))
    }
}

/// One pledger's total.
#[derive(Debug, Serialize)]
pub struct PledgerRecord {
    /// The pledger.
    pub address: Address,
    /// What they pledged in all.
    pub amount: String,
    /// The same in base units.
    pub base_units: String,
}

/// A campaign's state.
#[derive(Debug, Serialize)]
pub struct CampaignRecord {
    /// The campaign id (what `pledge`, `status` and `settle` take).
    pub id: String,
    /// The title.
    pub title: String,
    /// Who started it.
    pub creator: Address,
    /// Who is paid if the goal is met.
    pub beneficiary: Address,
    /// The goal.
    pub goal: String,
    /// The goal in base units.
    pub goal_base_units: String,
    /// Pledged so far.
    pub raised: String,
    /// The same in base units.
    pub raised_base_units: String,
    /// End of pledging, start of settlement (RFC 3339).
    pub deadline: String,
    /// The same in milliseconds since the epoch.
    pub deadline_ms: i64,
    /// `open`, `released` or `refunded`.
    pub status: CampaignStatus,
    /// Where the campaign stands as of now, and what `fund settle` will do.
    pub outlook: String,
    /// Each pledger's total.
    pub pledgers: Vec<PledgerRecord>,
}

impl CampaignRecord {
    /// The record of `state` as of `now_ms`.
    pub fn at(state: &CampaignState, now_ms: i64) -> CampaignRecord {
        let token = state.goal.token;
        CampaignRecord {
            id: state.id.to_string(),
            title: state.title.clone(),
            creator: state.creator,
            beneficiary: state.beneficiary,
            goal: amount_text(state.goal.base_units, token),
            goal_base_units: state.goal.base_units.to_string(),
            raised: amount_text(state.raised, token),
            raised_base_units: state.raised.to_string(),
            deadline: rfc3339(state.deadline_ms),
            deadline_ms: state.deadline_ms,
            status: state.status,
            outlook: outlook(state, now_ms),
            pledgers: state
                .pledgers
                .iter()
                .map(|pledger| PledgerRecord {
                    address: pledger.pledger,
                    amount: amount_text(pledger.pledged, token),
                    base_units: pledger.pledged.to_string(),
                })
                .collect(),
        }
    }
}

/// What a person wants to know of a campaign now: whether pledging is open,
/// and once it ended, what settling does (or did).
fn outlook(state: &CampaignState, now_ms: i64) -> String {
    let token = state.goal.token;
    let (raised, goal) = (
        amount_text(state.raised, token),
        amount_text(state.goal.base_units, token),
    );
    let deadline = crate::ledger::error::when(state.deadline_ms, now_ms);
    let outcome = match state.raised >= state.goal.base_units {
        true => format!("pays the beneficiary {raised} (goal met)"),
        false => format!("refunds every pledge ({raised} of {goal} raised)"),
    };
    match state.status {
        CampaignStatus::Released => format!("settled: the beneficiary was paid {raised}"),
        // On a chain (the only ledger in its coin) refunds are pulled, each
        // by its own pledger.
        CampaignStatus::Refunded if token == Token::Bttc => format!(
            "goal missed ({raised} of {goal} raised): each pledger takes its pledge back with `btt-tip fund settle {} --from WALLET`",
            state.id
        ),
        CampaignStatus::Refunded => "settled: every pledge was refunded".to_string(),
        CampaignStatus::Open if now_ms < state.deadline_ms => {
            format!("pledging open until {deadline}; settling then {outcome} as it stands")
        }
        CampaignStatus::Open => format!(
            "pledging ended {deadline}; not settled yet: `btt-tip fund settle {}` {outcome}",
            state.id
        ),
    }
}

impl Record for CampaignRecord {
    const TYPE: &'static str = "campaign";

    fn human(&self) -> Option<String> {
        let mut text = format!(
            "campaign {}\n  title        {}\n  status       {}\n  raised       {} of {}\n  deadline     {}\n  beneficiary  {}\n  pledgers     {}",
            self.id,
            self.title,
            self.outlook,
            self.raised,
            self.goal,
            self.deadline,
            self.beneficiary,
            self.pledgers.len()
        );
        for pledger in &self.pledgers {
            text.push_str(&format!("\n    {}  {}", pledger.address, pledger.amount));
        }
        Some(text)
    }
}
