//! Tip streams: NDJSON tip requests read line by line, each answered in
//! order with one outcome (paid or refused) before the next line is read,
//! so a long-running pipe sees every answer as soon as it exists.
//!
//! Caps: `max_tip` bounds one tip; `budget` bounds what the stream pays in
//! all. A tip over either is refused and the stream goes on; once the budget
//! is spent exactly, the stream stops reading. Tips an earlier run of the
//! same input already paid (journaled ids) count against the budget as
//! well, so a rerun after a crash ends where one uninterrupted run would.
//!
//! Blank lines are skipped without an answer; line numbers still count them.

use super::error::TipError;
use super::request::{line_id, TipRequest};
use super::sender::{Payment, Tipper};
use crate::amount::BareNumber;
use crate::ledger::Ledger;
use crate::tron::Address;
use std::io::BufRead;
use thiserror::Error;

/// What a stream's lines may ask for: spending caps, in base units of the
/// ledger's BTT, and whether an amount without a unit is read as base units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// What an amount without a unit means.
    pub bare: BareNumber,
    /// The most one tip may be.
    pub max_tip: Option<u128>,
    /// The most the whole stream may pay.
    pub budget: Option<u128>,
}

impl Limits {
    /// Fails unless a tip of `amount` fits under the caps after `spent`.
    pub fn check(&self, amount: u128, spent: u128) -> Result<(), TipError> {
        if let Some(max) = self.max_tip.filter(|max| amount > *max) {
            return Err(TipError::OverMaxTip { amount, max });
        }
        let left = self.budget.map(|budget| budget.saturating_sub(spent));
        if let Some(left) = left.filter(|left| amount > *left) {
            return Err(TipError::OverBudget { amount, left });
        }
        Ok(())
    }
}

/// The answer to one line.
#[derive(Debug)]
pub struct LineOutcome {
    /// 1-based line number.
    pub line: u64,
    /// The line's client id, when it has one that could be read.
    pub id: Option<String>,
    /// Paid, or why not.
    pub result: Result<Payment, TipError>,
}

/// Why the stream stopped reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The input ended.
    EndOfInput,
    /// The budget was spent to the base unit.
    BudgetSpent,
}

/// Totals of a finished stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSummary {
    /// Lines read (blank ones included).
    pub lines: u64,
    /// Tips paid by this run.
    pub paid: u64,
    /// Tips found already paid by an earlier run.
    pub replayed: u64,
    /// Lines refused.
    pub refused: u64,
    /// Base units paid, this run and earlier runs of the same ids.
    pub spent: u128,
    /// What is left of the budget.
    pub budget_left: Option<u128>,
    /// Why reading stopped.
    pub stop: StopReason,
}

/// Why a stream ended early.
#[derive(Debug, Error)]
pub enum StreamError {
    /// A tip failed in a way that makes further tips unsafe.
    #[error("line {line}: {error}")]
    Fatal { line: u64, error: TipError },
    /// Reading the input failed.
    #[error("cannot read the tip requests: {error}")]
    Read { error: std::io::Error },
    /// Writing an answer failed.
    #[error("cannot write an answer: {error}")]
    Write { error: std::io::Error },
}

/// Pays the tips of `input`, handing each line's outcome to `answer` as
/// soon as it is known. A fatal error is handed to `answer` for its line
/// and then returned.
pub async fn run_stream<L: Ledger>(
    tipper: &Tipper<'_, L>,
    limits: Limits,
    mut input: impl BufRead,
    resolve: impl Fn(&str) -> Option<Address>,
    mut answer: impl FnMut(&LineOutcome) -> std::io::Result<()>,
) -> Result<StreamSummary, StreamError> {
    let mut summary = StreamSummary {
        lines: 0,
        paid: 0,
        replayed: 0,
        refused: 0,
        spent: 0,
        budget_left: limits.budget,
        stop: StopReason::EndOfInput,
    };
    let mut buffer = Vec::new();
    loop {
        if summary.budget_left == Some(0) {
            summary.stop = StopReason::BudgetSpent;
            return Ok(summary);
        }
        buffer.clear();
        let read = input
            .read_until(b'\n', &mut buffer)
            .map_err(|error| StreamError::Read { error })?;
        if read == 0 {
            return Ok(summary);
        }
        summary.lines += 1;
        let text = String::from_utf8_lossy(&buffer);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        let outcome = LineOutcome {
            line: summary.lines,
            id: line_id(line),
            result: pay_line(tipper, &limits, &summary, line, &resolve).await,
        };
        count(&mut summary, &outcome);
        answer(&outcome).map_err(|error| StreamError::Write { error })?;
        if let Err(error) = outcome.result {
            if error.is_fatal() {
                return Err(StreamError::Fatal {
                    line: outcome.line,
                    error,
                });
            }
        }
    }
}

async fn pay_line<L: Ledger>(
    tipper: &Tipper<'_, L>,
    limits: &Limits,
    summary: &StreamSummary,
    line: &str,
    resolve: &impl Fn(&str) -> Option<Address>,
) -> Result<Payment, TipError> {
    let request = TipRequest::parse_line(line, tipper.token(), limits.bare, resolve)?;
    limits.check(request.amount.base_units, summary.spent)?;
    tipper.pay(&request).await
}

fn count(summary: &mut StreamSummary, outcome: &LineOutcome) {
    match &outcome.result {
        Ok(payment) => {
            if payment.replayed {
                summary.replayed += 1;
            } else {
                summary.paid += 1;
            }
            let amount = payment.record.amount.base_units;
            summary.spent = summary.spent.saturating_add(amount);
            summary.budget_left = summary.budget_left.map(|left| left.saturating_sub(amount));
        }
        Err(_) => summary.refused += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::{Amount, Token};
    use crate::ledger::{LocalLedger, OpenOptions};
    use crate::tip::TipLog;
    use crate::wallet::PrivateKey;

    const BOB: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

    async fn stream(
        ledger: &LocalLedger,
        journal: &TipLog,
        limits: Limits,
        input: &str,
    ) -> (Vec<(u64, Result<u128, String>)>, StreamSummary) {
        let key = PrivateKey::from_hex(
            "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0",
        )
        .unwrap();
        let tipper = Tipper::new(ledger, &key, journal).await.unwrap();
        let mut answers = Vec::new();
        let summary = run_stream(
            &tipper,
            limits,
            input.as_bytes(),
            |_| None,
            |outcome| {
                let result = match &outcome.result {
                    Ok(payment) => Ok(payment.record.amount.base_units),
                    Err(error) => Err(error.reason().to_string()),
                };
                answers.push((outcome.line, result));
                Ok(())
            },
        )
        .await
        .unwrap();
        (answers, summary)
    }

    #[tokio::test]
    async fn caps_refuse_lines_and_a_spent_budget_stops_the_stream() {
        let dir = tempfile::tempdir().unwrap();
        let options = OpenOptions {
            dev: true,
            ..OpenOptions::default()
        };
        let ledger = LocalLedger::open(&dir.path().join("ledger.sqlite"), options).unwrap();
        let journal = TipLog::open(&dir.path().join("tips.sqlite")).unwrap();
        let payer = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap();
        ledger
            .mint(
                payer,
                Amount {
                    token: Token::Btt,
                    base_units: 100,
                },
            )
            .await
            .unwrap();
        let line =
            |id: u32, units: u32| format!(r#"{{"to":"{BOB}","amount":"{units}","id":{id}}}"#);
        let input = [
            line(1, 4),
            "not json".to_string(),
            line(2, 6),
            String::new(),
            line(3, 5),
            line(4, 2),
            line(5, 1),
            line(6, 1),
        ]
        .join("\n");
        let limits = Limits {
            bare: BareNumber::BaseUnits,
            max_tip: Some(5),
            budget: Some(10),
        };
        let (answers, summary) = stream(&ledger, &journal, limits, &input).await;
        assert_eq!(
            answers,
            [
                (1, Ok(4)),
                (2, Err("malformed_json".to_string())),
                (3, Err("over_max_tip".to_string())),
                (5, Ok(5)),
                (6, Err("over_budget".to_string())),
                (7, Ok(1)),
            ]
        );
        assert_eq!(summary.stop, StopReason::BudgetSpent);
        assert_eq!((summary.paid, summary.refused, summary.spent), (3, 3, 10));

        let (again, summary) = stream(&ledger, &journal, limits, &input).await;
        assert_eq!(again, answers);
        assert_eq!((summary.paid, summary.replayed), (0, 3));
        let bob = ledger
            .balance(BOB.parse().unwrap(), Token::Btt)
            .await
            .unwrap();
        assert_eq!(bob, 10);
    }
}
