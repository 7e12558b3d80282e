//! `btt-wallet`'s payment channel commands: `channel open`, `channel
//! close`, `channel refund`, `channel list` and `voucher`. They hold the chosen ledger as an
//! `Arc<dyn PaymentLedger>` ([`crate::payment`]), not through the generic
//! [`crate::cli::ledger_choice::LedgerTask`], and sign and pick vouchers with
//! the library's voucher code, the same the market uses.
//!
//! Exit statuses: too little balance is 7, a refused or malformed input 3,
//! a wrong password 6, an unreachable node 4, a storage failure 1.

use super::channel_list::{self, ChannelListArgs, ChannelRecord};
use super::ledger_commands::read_input;
use super::Session;
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::keys::wallet_name;
use crate::cli::ledger_choice::{ledger_error, payment_error, LedgerArgs};
use crate::cli::values::parse_duration;
use crate::ledger::{
    Authorise, ChannelId, ChannelState, LedgerError, LedgerId, OpenChannel, RefundChannel, Signed,
    Voucher,
};
use crate::output::{Output, Record};
use crate::payment::{
    close_with, higher_voucher, sign_voucher, LedgerFuture, PaymentError, PaymentLedger,
};
use crate::wallet::PrivateKey;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// `channel`.
#[derive(Debug, Args)]
pub struct ChannelArgs {
    #[command(subcommand)]
    pub command: ChannelCommand,
}

/// The channel subcommands.
#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Lock an amount for a payee until a timeout
    Open(ChannelOpenArgs),
    /// As the payee, redeem the highest voucher read from FILE (- for stdin) and close
    Close(ChannelCloseArgs),
    /// As the payer, take back the unredeemed funds after the timeout
    Refund(ChannelRefundArgs),
    /// The channels a wallet pays into or is paid through
    List(ChannelListArgs),
}

/// `channel open`.
#[derive(Debug, Args)]
pub struct ChannelOpenArgs {
    /// Payee: an address (T..., 41... hex or 0x...) or a wallet name
    pub payee: String,
    /// Amount to lock: 50BTT, or base units with --base-units
    pub amount: String,
    /// Wallet that pays
    #[arg(long)]
    pub from: String,
    /// How long until the payer may take the funds back (e.g. 24h)
    #[arg(long, value_parser = parse_duration, default_value = "24h")]
    pub timeout: std::time::Duration,
}

/// `channel close`.
#[derive(Debug, Args)]
pub struct ChannelCloseArgs {
    /// File of voucher records, one JSON object per line (- for stdin)
    pub file: PathBuf,
    /// Payee wallet (default: the wallet here whose address the vouchers name); the payee closes, the payer only signs vouchers
    #[arg(long)]
    pub from: Option<String>,
}

/// `channel refund`.
#[derive(Debug, Args)]
pub struct ChannelRefundArgs {
    /// The channel id
    pub channel: String,
    /// Wallet that paid
    #[arg(long)]
    pub from: String,
}

/// `voucher`.
#[derive(Debug, Args)]
pub struct VoucherArgs {
    /// The channel id
    pub channel: String,
    /// Cumulative amount the payee may redeem: 1.25BTT, or base units with --base-units
    pub amount: String,
    /// Wallet that paid into the channel
    #[arg(long)]
    pub from: String,
}

/// A payment command, once parsed.
#[derive(Debug)]
pub enum PaymentCommand {
    /// `channel`.
    Channel(ChannelArgs),
    /// `voucher`.
    Voucher(VoucherArgs),
}

impl PaymentCommand {
    /// How a user names it.
    fn name(&self) -> &'static str {
        match self {
            PaymentCommand::Voucher(_) => "voucher",
            PaymentCommand::Channel(args) => match args.command {
                ChannelCommand::Open(_) => "channel open",
                ChannelCommand::Close(_) => "channel close",
                ChannelCommand::Refund(_) => "channel refund",
                ChannelCommand::List(_) => "channel list",
            },
        }
    }
}

/// Runs a payment command against the chosen ledger.
pub fn run(
    session: &Session<'_>,
    ledger: &LedgerArgs,
    command: PaymentCommand,
) -> anyhow::Result<ExitStatus> {
    let args = ledger;
    args.require_contracts(command.name())?;
    let ledger = args.payment_ledger()?;
    let commands = Commands {
        session,
        ledger: &*ledger,
        args,
    };
    crate::cli::runtime()?.block_on(commands.run(command))
}

struct Commands<'a> {
    session: &'a Session<'a>,
    ledger: &'a dyn PaymentLedger,
    args: &'a LedgerArgs,
}

impl Commands<'_> {
    async fn run(&self, command: PaymentCommand) -> anyhow::Result<ExitStatus> {
        let state = match command {
            PaymentCommand::Voucher(args) => return self.voucher(&args).await,
            PaymentCommand::Channel(args) => match args.command {
                ChannelCommand::Open(args) => self.open_channel(&args).await?,
                ChannelCommand::Close(args) => self.close_channel(&args).await?,
                ChannelCommand::Refund(args) => self.refund_channel(&args).await?,
                ChannelCommand::List(args) => {
                    return channel_list::run(self.session, self.ledger, &args).await
                }
            },
        };
        self.output().record(&ChannelRecord::from(&state))?;
        Ok(ExitStatus::Success)
    }

    fn output(&self) -> &Output {
        self.session.output
    }

    /// Runs `call` on the ledger that sends `key`'s requests: on btt's
    /// contracts one that sends from that wallet's account, on btt's own
    /// ledgers the one ledger (any wallet's signed request goes to it).
    async fn send_as<T>(
        &self,
        key: &PrivateKey,
        call: impl for<'l> FnOnce(&'l dyn PaymentLedger) -> LedgerFuture<'l, T>,
    ) -> anyhow::Result<T> {
        if self.args.pays_from_accounts()? {
            let ledger = self.args.payment_ledger_for(key)?;
            call(&*ledger).await.map_err(ledger_error)
        } else {
            call(self.ledger).await.map_err(ledger_error)
        }
    }

    async fn ledger_id(&self) -> anyhow::Result<LedgerId> {
        self.ledger.ledger_id().await.map_err(ledger_error)
    }

    async fn signed<T: Authorise>(
        &self,
        request: T,
        key: &PrivateKey,
    ) -> anyhow::Result<Signed<T>> {
        Ok(Signed::sign(
            request,
            key.signing_key(),
            &self.ledger_id().await?,
        ))
    }

    async fn open_channel(&self, args: &ChannelOpenArgs) -> anyhow::Result<ChannelState> {
        let payee = self.session.keys.account(&args.payee)?;
        let amount =
            self.session
                .amounts
                .parse("amount", &args.amount, self.args.native_token()?)?;
        let key = self.session.keys.unlock(&wallet_name(&args.from)?)?;
        let timeout = i64::try_from(args.timeout.as_millis()).unwrap_or(i64::MAX);
        let open = OpenChannel {
            payer: key.address(),
            payee,
            amount,
            expires_at_ms: super::now_ms().saturating_add(timeout),
            nonce: rand::random(),
        };
        let request = self.signed(open, &key).await?;
        self.send_as(&key, |ledger| ledger.open_channel(request))
            .await
    }

    async fn known_channel(&self, text: &str) -> anyhow::Result<ChannelState> {
        let id: ChannelId = text.parse().map_err(|error| {
            with_status(
                ExitStatus::BadInput,
                anyhow::anyhow!("channel id {text:?}: {error}"),
            )
        })?;
        self.ledger
            .channel(id)
            .await
            .map_err(ledger_error)?
            .ok_or_else(|| ledger_error(LedgerError::UnknownChannel { id }))
    }

    async fn voucher(&self, args: &VoucherArgs) -> anyhow::Result<ExitStatus> {
        let channel = self.known_channel(&args.channel).await?;
        let cumulative = self
            .session
            .amounts
            .parse("amount", &args.amount, channel.token())?;
        let key = self.session.keys.unlock(&wallet_name(&args.from)?)?;
        let domain = self.ledger.voucher_domain().await.map_err(ledger_error)?;
        let signed =
            sign_voucher(&channel, cumulative, key.signing_key(), domain).map_err(|error| {
                match error {
                    PaymentError::NotPayer { id, payer, .. } => with_status(
                        ExitStatus::BadInput,
                        anyhow::anyhow!(
                            "wallet {} is not the payer {payer} of channel {id}",
                            args.from
                        ),
                    ),
                    other => payment_error(other),
                }
            })?;
        self.output().record(&VoucherRecord(signed))?;
        Ok(ExitStatus::Success)
    }

    async fn close_channel(&self, args: &ChannelCloseArgs) -> anyhow::Result<ChannelState> {
        let voucher = highest_voucher(&read_input(&args.file)?, &args.file)?;
        let key = self.payee_key(args.from.as_deref(), &voucher.request)?;
        let request = close_with(voucher, key.signing_key(), &self.ledger_id().await?);
        self.send_as(&key, |ledger| ledger.close_channel(request))
            .await
    }

    /// The payee's key, which alone closes the channel of `voucher`: the
    /// wallet `from`, or the one here whose address the voucher names. A
    /// wallet that is not the payee (the payer who signed the voucher) is
    /// refused before anything is sent.
    fn payee_key(&self, from: Option<&str>, voucher: &Voucher) -> anyhow::Result<PrivateKey> {
        let payee = voucher.payee;
        let wrong = |who: String| {
            with_status(
                ExitStatus::BadInput,
                anyhow::anyhow!(
                    "channel {} is closed by its payee {payee}, and {who}: run `channel close` where the payee's wallet is, or name it with --from (the payer only signs vouchers)",
                    voucher.channel
                ),
            )
        };
        let Some(name) = from else {
            return match self.session.keys.wallet_named_by(&payee)? {
                Some(name) => self.session.keys.unlock(&name),
                None => Err(wrong("no wallet here has that address".to_string())),
            };
        };
        let name = wallet_name(name)?;
        if self.session.keys.wallet_address(&name)? != payee {
            return Err(wrong(format!("wallet {name} is not the payee")));
        }
        self.session.keys.unlock(&name)
    }

    async fn refund_channel(&self, args: &ChannelRefundArgs) -> anyhow::Result<ChannelState> {
        let channel = self.known_channel(&args.channel).await?;
        let key = self.session.keys.unlock(&wallet_name(&args.from)?)?;
        let refund = RefundChannel {
            channel: channel.id,
        };
        let request = self.signed(refund, &key).await?;
        self.send_as(&key, |ledger| ledger.refund_channel(request))
            .await
    }
}

/// The voucher with the highest cumulative amount among the JSON lines of
/// `text`; every voucher must name the same channel.
fn highest_voucher(text: &str, source: &Path) -> anyhow::Result<Signed<Voucher>> {
    let bad = |message: String| {
        with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("{}: {message}", source.display()),
        )
    };
    let mut best: Option<Signed<Voucher>> = None;
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let voucher: Signed<Voucher> = serde_json::from_str(line)
            .map_err(|error| bad(format!("line {}: not a voucher: {error}", number + 1)))?;
        best = Some(match best {
            None => voucher,
            Some(kept) => {
                let (first, other) = (kept.request.channel, voucher.request.channel);
                higher_voucher(kept, voucher)
                    .map_err(|_| bad(format!("vouchers name channels {first} and {other}")))?
            }
        });
    }
    best.ok_or_else(|| bad("no voucher".to_string()))
}

/// A payer-signed voucher, as `channel close` reads it back.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct VoucherRecord(pub Signed<Voucher>);

impl Record for VoucherRecord {
    const TYPE: &'static str = "voucher";

    fn human(&self) -> Option<String> {
        serde_json::to_string(&self.0).ok()
    }
}
