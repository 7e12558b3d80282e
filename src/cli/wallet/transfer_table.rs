//! What `history` and `tx` print: each transfer's receipt with the time the
//! ledger applied it, as NDJSON records in a pipe, and on a terminal one
//! table with a header (time, direction, amount, from, to, memo, txID).
//!
//! The JSON records keep the receipt's fields (`txID` first, so `tx -`
//! reads them back) and add `time` (RFC 3339, UTC, milliseconds), as
//! btt-tip's receipts do.

use super::channel_list::rfc3339 as to_the_second;
use super::ledger_commands::ReceiptRecord;
use crate::amount::Naming;
use crate::cli::tip::rfc3339;
use crate::ledger::TransferRecord;
use crate::output::{Format, Output, Record};
use crate::tron::Address;
use serde::Serialize;

/// One transfer, seen from `account` for `history` (with a direction) or
/// alone for `tx`.
#[derive(Debug, Serialize)]
pub struct TransferLine {
    /// `in` or `out`, seen from the account asked about (`history` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    /// The change.
    #[serde(flatten)]
    pub receipt: ReceiptRecord,
    /// When the ledger applied it (RFC 3339).
    pub time: String,
    #[serde(skip)]
    applied_at_ms: i64,
}

impl TransferLine {
    /// A line of `history` of `account`.
    pub fn of_account(record: &TransferRecord, account: &Address, naming: Naming) -> TransferLine {
        let direction = if record.to == *account { "in" } else { "out" };
        TransferLine {
            direction: Some(direction),
            ..TransferLine::looked_up(record, naming)
        }
    }

    /// A transfer `tx` looked up: a receipt.
    pub fn looked_up(record: &TransferRecord, naming: Naming) -> TransferLine {
        TransferLine {
            direction: None,
            receipt: ReceiptRecord::named(record, naming),
            time: rfc3339(record.applied_at_ms),
            applied_at_ms: record.applied_at_ms,
        }
    }

    fn row(&self) -> Vec<String> {
        let details = &self.receipt.details;
        let mut row = vec![to_the_second(self.applied_at_ms)];
        if let Some(direction) = self.direction {
            row.push(direction.to_string());
        }
        row.extend([
            details.amount.clone(),
            details.shown_from(),
            details.shown_to(),
            details.memo.clone().unwrap_or_default(),
            self.receipt.txid.clone(),
        ]);
        row
    }
}

/// A line with a direction as the `history` record.
#[derive(Debug, Serialize)]
#[serde(transparent)]
struct History<'a>(&'a TransferLine);

impl Record for History<'_> {
    const TYPE: &'static str = "history";

    fn human(&self) -> Option<String> {
        Some(table(std::slice::from_ref(self.0)))
    }
}

/// A line without one as the `receipt` record `tx` prints.
#[derive(Debug, Serialize)]
#[serde(transparent)]
struct LookedUp<'a>(&'a TransferLine);

impl Record for LookedUp<'_> {
    const TYPE: &'static str = "receipt";

    fn human(&self) -> Option<String> {
        Some(table(std::slice::from_ref(self.0)))
    }
}

/// The transfers as a table with a header; "no transfers" for none.
fn table(lines: &[TransferLine]) -> String {
    if lines.is_empty() {
        return "no transfers".to_string();
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    let mut header = vec!["time"];
    if lines[0].direction.is_some() {
        header.push("dir");
    }
    header.extend(["amount", "from", "to", "memo", "txID"]);
    table.set_header(header);
    for line in lines {
        table.add_row(line.row());
    }
    table.to_string()
}

/// The whole table at once on a terminal.
#[derive(Debug, Serialize)]
#[serde(transparent)]
struct Table<'a>(&'a [TransferLine]);

impl Record for Table<'_> {
    const TYPE: &'static str = "transfers";

    fn human(&self) -> Option<String> {
        Some(table(self.0))
    }
}

/// Prints `lines`: one table on a terminal, one record each in a pipe.
pub fn print(output: &Output, lines: &[TransferLine]) -> std::io::Result<()> {
    if output.format() == Format::Human {
        return output.record(&Table(lines));
    }
    for line in lines {
        match line.direction {
            Some(_) => output.record(&History(line))?,
            None => output.record(&LookedUp(line))?,
        }
    }
    Ok(())
}
