//! `btt-tip TO AMOUNT` and `btt-tip -`: one tip, or a stream of them read
//! from stdin. Both unlock the payer first, open the journal, settle what an
//! earlier run left being sent, and then pay.

use super::records::{LineError, SummaryRecord, TipReceipt};
use super::{parse_btt, tip_error, tip_status, TipArgs};
use crate::cli::exit::{classify, with_status, ExitStatus};
use crate::cli::keys::Keys;
use crate::cli::ledger_choice::{run_on_ledger, LedgerArgs, LedgerTask};
use crate::cli::AmountArgs;
use crate::config::Dirs;
use crate::ledger::Ledger;
use crate::output::Output;
use crate::tip::request::MAX_ID_BYTES;
use crate::tip::{run_stream, Limits, LineOutcome, StreamError, TipLog, TipRequest, Tipper};
use crate::wallet::PrivateKey;

/// What to pay: one tip, or the lines of stdin.
enum Order {
    One(TipRequest),
    Stream,
}

/// Runs a tip or a stream.
pub fn run(
    keys: &Keys,
    ledger: &LedgerArgs,
    amounts: &AmountArgs,
    args: TipArgs,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let usage = |message: &str| with_status(ExitStatus::Usage, anyhow::anyhow!("{message}"));
    let to = args
        .to
        .ok_or_else(|| usage("give a recipient, or - for a stream"))?;
    let from = args
        .from
        .ok_or_else(|| usage("give the paying wallet with --from"))?;
    let token = ledger.native_token()?;
    let limits = Limits {
        bare: amounts.bare(),
        max_tip: args
            .max_tip
            .map(|text| parse_btt(amounts, "--max-tip", &text, token))
            .transpose()?,
        budget: args
            .budget
            .map(|text| parse_btt(amounts, "--budget", &text, token))
            .transpose()?,
    };
    let order = if to == "-" {
        if args.amount.is_some() || args.memo.is_some() || args.id.is_some() {
            return Err(usage(
                "with -, the amount, memo and id come from each input line",
            ));
        }
        Order::Stream
    } else {
        let amount = args
            .amount
            .ok_or_else(|| usage("give the amount to tip, e.g. 5BTT"))?;
        let amount = crate::amount::Amount {
            token,
            base_units: parse_btt(amounts, "amount", &amount, token)?,
        };
        Order::One(one_request(keys, &to, amount, args.memo, args.id)?)
    };
    let key = keys.unlock_named(&from)?;
    let journal_path = args
        .journal
        .unwrap_or_else(|| TipLog::default_path(&Dirs::from_env().data));
    let journal = TipLog::open(&journal_path).map_err(|error| tip_error(error.into()))?;
    run_on_ledger(
        ledger,
        PayTask {
            keys,
            token,
            key: &key,
            journal: &journal,
            limits,
            order,
            output,
        },
    )
}

fn one_request(
    keys: &Keys,
    to: &str,
    amount: crate::amount::Amount,
    memo: Option<String>,
    id: Option<String>,
) -> anyhow::Result<TipRequest> {
    if id
        .as_ref()
        .is_some_and(|id| id.is_empty() || id.len() > MAX_ID_BYTES)
    {
        return Err(with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("--id must be 1 to {MAX_ID_BYTES} bytes"),
        ));
    }
    Ok(TipRequest {
        to: recipient(keys, to)?,
        amount,
        memo: memo.unwrap_or_default(),
        id,
    })
}

/// The recipient named by `text`: an address, or a wallet's name.
fn recipient(keys: &Keys, text: &str) -> anyhow::Result<crate::tron::Address> {
    keys.account(text).map_err(|error| match classify(&error) {
        ExitStatus::BadInput => with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("unknown recipient {text:?}: not a TRON address or a wallet name"),
        ),
        _ => error,
    })
}

struct PayTask<'a> {
    keys: &'a Keys,
    token: crate::amount::Token,
    key: &'a PrivateKey,
    journal: &'a TipLog,
    limits: Limits,
    order: Order,
    output: &'a Output,
}

impl LedgerTask for PayTask<'_> {
    async fn run<L: Ledger>(self, ledger: &L) -> anyhow::Result<ExitStatus> {
        let tipper = Tipper::new(ledger, self.key, self.journal)
            .await
            .map_err(tip_error)?;
        self.reconcile(&tipper).await?;
        match &self.order {
            Order::One(request) => self.one(&tipper, request).await,
            Order::Stream => self.stream(&tipper).await,
        }
    }
}

impl PayTask<'_> {
    /// Settles the ids an earlier run left being sent, and says so on stderr.
    async fn reconcile<L: Ledger>(&self, tipper: &Tipper<'_, L>) -> anyhow::Result<()> {
        for settled in tipper.reconcile().await.map_err(tip_error)? {
            match settled.outcome {
                Ok(_) => self.output.info(format!(
                    "id {:?} left by an earlier run: paid by {}",
                    settled.id, settled.txid
                )),
                Err(error) => self.output.info(format!(
                    "id {:?} left by an earlier run: {} was not applied ({error}); its line retries it",
                    settled.id, settled.txid
                )),
            }
        }
        Ok(())
    }

    async fn one<L: Ledger>(
        &self,
        tipper: &Tipper<'_, L>,
        request: &TipRequest,
    ) -> anyhow::Result<ExitStatus> {
        self.limits
            .check(request.amount.base_units, 0)
            .map_err(tip_error)?;
        let payment = tipper.pay(request).await.map_err(tip_error)?;
        self.output
            .record(&TipReceipt::new(&payment, None, request.id.clone()))?;
        Ok(ExitStatus::Success)
    }

    async fn stream<L: Ledger>(&self, tipper: &Tipper<'_, L>) -> anyhow::Result<ExitStatus> {
        let mut first_refusal = None;
        let stdin = std::io::stdin().lock();
        let resolve = |name: &str| self.keys.account(name).ok();
        let result = run_stream(tipper, self.limits, stdin, resolve, |outcome| {
            if let Err(error) = &outcome.result {
                first_refusal.get_or_insert(tip_status(error));
            }
            self.answer(outcome)
        })
        .await;
        let summary = match result {
            Ok(summary) => summary,
            Err(StreamError::Fatal { line, error }) => {
                return Err(with_status(
                    tip_status(&error),
                    anyhow::anyhow!(
                        "line {line}: {error}; stopped (rerun the same input to go on)"
                    ),
                ))
            }
            Err(error) => return Err(error.into()),
        };
        self.output.record(&SummaryRecord::new(
            &summary,
            self.limits.budget,
            self.token,
        ))?;
        Ok(first_refusal.unwrap_or(ExitStatus::Success))
    }

    fn answer(&self, outcome: &LineOutcome) -> std::io::Result<()> {
        match &outcome.result {
            Ok(payment) => self.output.record(&TipReceipt::new(
                payment,
                Some(outcome.line),
                outcome.id.clone(),
            )),
            Err(error) => {
                let message = error.to_string();
                self.output
                    .warn(format!("line {}: {message}", outcome.line));
                self.output.record(&LineError {
                    line: outcome.line,
                    id: outcome.id.clone(),
                    code: tip_status(error).name(),
                    reason: error.reason().to_string(),
                    message,
                })
            }
        }
    }
}
