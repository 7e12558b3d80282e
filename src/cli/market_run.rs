//! The market flags of `btt-seed run` (sell: `--ask`) and `btt-get` (buy:
//! `--bid`, `--budget`), what they build (a [`Seller`] or a [`Buyer`] and
//! the session options that plug it in), and the printing of what the
//! market reports: its records on stdout, its lines on stderr, and its
//! totals in the run's `summary`.

use super::exit::{classify, with_status, ExitStatus};
use super::keys::{wallet_name, Keys, PasswordArgs, Unlocking};
use super::ledger_choice::{ledger_error, LedgerArgs};
use super::values::{parse_duration, parse_size};
use crate::amount::{Amount, Token};
use crate::config::Dirs;
use crate::control::registry::Trade;
use crate::market::buyer::{Buyer, BuyerConfig};
use crate::market::events::{btt_text, MarketEvent, MarketEvents, MarketTotals};
use crate::market::expired_channels::refund_expired_channels;
use crate::market::payer_accounts::DEFAULT_CREDIT;
use crate::market::price::{
    format_price, in_token, parse_price, price_in_token, PriceError, PricePerMib,
};
use crate::market::seller::Seller;
use crate::market::seller_desk::{SellerDesk, SellerWallet, SellingTerms};
use crate::market::trading_end::{self, Trading};
use crate::market::voucher_book::VoucherBook;
use crate::output::{Output, Record};
use crate::payment::PaymentLedger;
use crate::swarm::choker::DEFAULT_SLOTS;
use crate::swarm::client::TorrentOptions;
use crate::swarm::events::Summary;
use crate::swarm::{ChokerFactory, Extension};
use clap::Args;
use k256::ecdsa::SigningKey;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// How `btt-seed run` sells its upload slots.
#[derive(Debug, Args)]
pub struct SellArgs {
    /// Sell the regular upload slots at no less than this price, e.g. 0.05BTT/MiB (needs --wallet)
    #[arg(long, value_name = "PRICE", value_parser = parse_price_flag, requires = "wallet")]
    pub ask: Option<PricePerMib>,
    /// The wallet that is paid (and signs redemptions)
    #[arg(long, value_name = "NAME")]
    pub wallet: Option<String>,
    /// Regular upload slots (sold with --ask, given by tit-for-tat without)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SLOTS)]
    pub slots: usize,
    /// What a payer may be served beyond what it has paid, e.g. 16MiB
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "16MiB")]
    pub credit: u64,
    /// The percentage of the upload limit free peers keep while paid slots send
    #[arg(long, value_name = "PERCENT", default_value_t = 20,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    pub free_share: u8,
    /// How often accepted vouchers are redeemed on the ledger while trading (and always at exit)
    #[arg(long, value_name = "DURATION", value_parser = parse_ledger_interval, default_value = "1m")]
    pub redeem_every: Duration,
    /// Redeem while trading only a voucher that adds at least this, e.g. 1BTT (default: ten times a redeem's fee now: nothing on btt's ledgers, gas on a chain); closing pays the rest
    #[arg(long, value_name = "AMOUNT")]
    pub redeem_above: Option<String>,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// Parses `--redeem-every` and `--deliver-every`: at least a second, so
/// the seller does not flood the ledger.
pub fn parse_ledger_interval(text: &str) -> Result<Duration, String> {
    let interval = parse_duration(text)?;
    if interval < Duration::from_secs(1) {
        return Err("ask the ledger at most once a second (e.g. 5s, 1m)".to_string());
    }
    Ok(interval)
}

/// `--redeem-above` in base units of `token`.
fn parse_redeem_above(text: &str, token: Token) -> anyhow::Result<u128> {
    let usage = |message: String| {
        with_status(
            ExitStatus::Usage,
            anyhow::anyhow!("--redeem-above {text:?}: {message}"),
        )
    };
    let amount = Amount::parse(text, token).map_err(|error| usage(error.to_string()))?;
    if amount.token != token {
        return Err(usage("the market is paid in BTT".to_string()));
    }
    Ok(amount.base_units)
}

/// A price that does not fit the ledger's token: a usage error.
fn price_error(error: PriceError) -> anyhow::Error {
    with_status(ExitStatus::Usage, anyhow::Error::new(error))
}

/// How `btt-get` buys upload slots.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("pricing").multiple(true).args(["bid", "deadline"]))]
pub struct BuyArgs {
    /// Bid this price for sellers' upload slots, e.g. 0.05BTT/MiB (needs --wallet and --budget)
    #[arg(long, value_name = "PRICE", value_parser = parse_price_flag, requires_all = ["wallet", "budget"])]
    pub bid: Option<PricePerMib>,
    /// The most to pay in this run, e.g. 20BTT
    #[arg(long, value_name = "AMOUNT", value_parser = parse_budget, requires = "pricing")]
    pub budget: Option<u128>,
    /// Auto-bid to finish within this long of the start, e.g. 30m: re-bid every rechoke from
    /// progress, never past --budget (needs --wallet and --budget; --bid is the first bid)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires_all = ["wallet", "budget"])]
    pub deadline: Option<Duration>,
    /// The wallet that pays
    #[arg(long, value_name = "NAME")]
    pub wallet: Option<String>,
    /// How long a channel's deposit stays locked if a seller never closes it
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "1h")]
    pub channel_timeout: Duration,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
}

impl BuyArgs {
    /// A download that buys no upload slots (`btt-tip buy` fetches its file so).
    pub fn none(ledger: LedgerArgs) -> BuyArgs {
        BuyArgs {
            bid: None,
            budget: None,
            deadline: None,
            wallet: None,
            channel_timeout: Duration::from_secs(3600),
            ledger,
            password: PasswordArgs {
                password_file: None,
                unsafe_password: None,
            },
        }
    }
}

/// Parses a `--bid` or `--ask` price for clap.
pub fn parse_price_flag(text: &str) -> Result<PricePerMib, String> {
    parse_price(text).map_err(|error| error.to_string())
}

/// Parses a `--budget` amount in BTT for clap, to base units.
pub fn parse_budget(text: &str) -> Result<u128, String> {
    let amount = Amount::parse(text, Token::Btt).map_err(|error| error.to_string())?;
    if amount.token != Token::Btt {
        return Err("the market is paid in BTT".to_string());
    }
    Ok(amount.base_units)
}

/// The wallet key and ledger a market side trades with.
struct Trader {
    key: SigningKey,
    ledger: Arc<dyn PaymentLedger>,
    domain: crate::ledger::VoucherDomain,
}

async fn trader(
    wallet: &str,
    ledger: &LedgerArgs,
    password: PasswordArgs,
) -> anyhow::Result<Trader> {
    let keys = Keys::from_env(password);
    let key = keys.unlock(&wallet_name(wallet)?)?;
    let ledger = ledger.payment_ledger_for(&key)?;
    let domain = ledger.voucher_domain().await.map_err(ledger_error)?;
    Ok(Trader {
        key: key.signing_key().clone(),
        ledger,
        domain,
    })
}

/// The seller desk `args` ask for (none without `--ask`), after closing
/// every channel a crashed run left in the voucher book. `upload_limit` is
/// the process's, in bytes per second.
pub async fn seller_desk(
    args: &SellArgs,
    upload_limit: Option<u64>,
    events: MarketEvents,
) -> anyhow::Result<Option<SellerDesk>> {
    let (Some(ask), Some(wallet)) = (args.ask, args.wallet.as_deref()) else {
        return Ok(None);
    };
    let trader = trader(wallet, &args.ledger, args.password.clone()).await?;
    let ask = price_in_token(ask, trader.domain.token()).map_err(price_error)?;
    let redeem_above = args
        .redeem_above
        .as_deref()
        .map(|text| parse_redeem_above(text, trader.domain.token()))
        .transpose()?;
    let terms = SellingTerms {
        ask,
        slots: args.slots,
        credit: args.credit,
        redeem_every: args.redeem_every,
        redeem_above,
        free_share: args.free_share,
        upload_limit,
    };
    let wallet = SellerWallet {
        key: trader.key,
        ledger: trader.ledger,
        domain: trader.domain,
    };
    let path = VoucherBook::default_path(&Dirs::from_env());
    let desk = SellerDesk::open(terms, wallet, &path, events)
        .await
        .map_err(|error| {
            anyhow::anyhow!(
                "could not open the voucher journal {}: {error}",
                path.display()
            )
        })?;
    Ok(Some(desk))
}

/// The unchoke strategy of a torrent that sells nothing: tit-for-tat with `--slots`.
pub fn plain_choker(args: &SellArgs) -> ChokerFactory {
    ChokerFactory::tit_for_tat(args.slots)
}

/// The ledger a buyer pays through, while its wallet goes on unlocking in
/// the background (the download starts free meanwhile). On a chain's
/// contract every payment is a transaction from the wallet's own account:
/// the ledger gets the key the moment it is unlocked, before the buyer,
/// which signs nothing until then.
fn buying_ledger(
    args: &LedgerArgs,
    unlocking: Unlocking,
) -> anyhow::Result<(Arc<dyn PaymentLedger>, Unlocking)> {
    let Some(contracts) = args.contract_payments(None)? else {
        return Ok((args.payment_ledger()?, unlocking));
    };
    let contracts = Arc::new(contracts);
    let sender = Arc::clone(&contracts);
    let pending = unlocking.key;
    let key = tokio::spawn(async move {
        let key = pending
            .await
            .map_err(|error| anyhow::anyhow!("could not unlock the wallet: {error}"))??;
        sender.set_key(key.clone());
        Ok(key)
    });
    let address = unlocking.address;
    Ok((contracts, Unlocking { address, key }))
}

/// The key of a wallet being unlocked, once it is.
async fn unlocked_key(unlocking: Unlocking) -> anyhow::Result<SigningKey> {
    let key = unlocking
        .key
        .await
        .map_err(|error| anyhow::anyhow!("could not unlock the wallet: {error}"))??;
    Ok(key.signing_key().clone())
}

/// One torrent's side of the market, while it runs.
pub enum Market {
    /// `btt-seed run --ask`, with the free peers' share of the upload limit.
    Selling { seller: Seller, free_share: u8 },
    /// `btt-get --bid`, and why its wallet could not be unlocked, if it could not.
    Buying {
        buyer: Buyer,
        unlock_failure: watch::Receiver<Option<UnlockFailure>>,
        /// Unlocking, then refunding what expired channels hold: a run
        /// waits for it before it ends, however short its download.
        unlocking: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    },
}

/// Why the paying wallet could not be unlocked, kept to end the run with.
#[derive(Debug, Clone)]
pub struct UnlockFailure {
    status: ExitStatus,
    message: String,
}

impl Market {
    /// The buyer `args` ask for, if any. Its wallet unlocks in the
    /// background: the download starts free and the buyer bids once it can
    /// sign; a wallet that does not unlock ends the run
    /// ([`Market::unlock_failure`]).
    pub async fn buyer(args: &BuyArgs, events: MarketEvents) -> anyhow::Result<Option<Market>> {
        // Auto-bid without a first bid sets one as soon as the download starts.
        let first_bid = args.bid.or(args.deadline.map(|_| PricePerMib(0)));
        let (Some(bid), Some(budget), Some(wallet)) =
            (first_bid, args.budget, args.wallet.as_deref())
        else {
            return Ok(None);
        };
        let keys = Keys::from_env(args.password.clone());
        let unlocking = keys.unlock_in_background(&wallet_name(wallet)?)?;
        let (ledger, unlocking) = buying_ledger(&args.ledger, unlocking)?;
        let domain = ledger.voucher_domain().await.map_err(ledger_error)?;
        let bid = price_in_token(bid, domain.token()).map_err(price_error)?;
        let budget = in_token(budget, domain.token()).ok_or_else(|| {
            with_status(ExitStatus::Usage, anyhow::anyhow!("--budget is too large"))
        })?;
        let buyer = Buyer::new(BuyerConfig {
            bid,
            budget,
            wallet: unlocking.address,
            key: None,
            ledger: Arc::clone(&ledger),
            domain,
            channel_timeout: args.channel_timeout,
            credit: DEFAULT_CREDIT,
            events: events.clone(),
        });
        let (failed, unlock_failure) = watch::channel(None);
        let unlocked = buyer.clone();
        let unlocking = tokio::spawn(async move {
            let key = unlocked_key(unlocking).await.and_then(|key| {
                let ours = unlocked.unlocked(key.clone());
                ours.then_some(key)
                    .ok_or_else(|| anyhow::anyhow!("the unlocked key is not the wallet's"))
            });
            match key {
                Ok(key) => refund_expired_channels(&*ledger, &key, &events).await,
                Err(error) => {
                    failed.send_replace(Some(UnlockFailure::of(&error)));
                }
            }
        });
        Ok(Some(Market::Buying {
            buyer,
            unlock_failure,
            unlocking: std::sync::Mutex::new(Some(unlocking)),
        }))
    }

    /// Waits until the paying wallet is known not to unlock, and says why;
    /// never for a seller or a wallet that unlocked.
    pub async fn unlock_failure(&self) -> anyhow::Error {
        if let Market::Buying { unlock_failure, .. } = self {
            let mut watching = unlock_failure.clone();
            let failure = match watching.wait_for(Option::is_some).await {
                Ok(failure) => failure.clone(),
                Err(_) => None,
            };
            if let Some(failure) = failure {
                return with_status(failure.status, anyhow::anyhow!(failure.message));
            }
        }
        std::future::pending().await
    }

    /// The market of one more torrent `desk` sells.
    pub fn selling(desk: &SellerDesk) -> Market {
        Market::Selling {
            seller: desk.start_seller(),
            free_share: desk.free_share(),
        }
    }

    /// The payer, when this market buys.
    pub fn buying(&self) -> Option<&Buyer> {
        match self {
            Market::Buying { buyer, .. } => Some(buyer),
            Market::Selling { .. } => None,
        }
    }

    /// The torrent's market as the control socket shows it.
    pub fn trade(&self) -> Trade {
        match self {
            Market::Selling { seller, .. } => Trade::Selling(seller.clone()),
            Market::Buying { buyer, .. } => Trade::Buying(buyer.clone()),
        }
    }

    /// `options` with this market plugged in.
    pub fn plug_into(&self, options: TorrentOptions) -> TorrentOptions {
        let mut extensions = options.extensions.clone();
        match self {
            Market::Selling { seller, free_share } => {
                extensions.push(seller.extension());
                TorrentOptions {
                    choker: seller.choker(),
                    free_share: *free_share,
                    extensions,
                    ..options
                }
            }
            Market::Buying { buyer, .. } => {
                extensions.push(Extension::new(buyer.clone()));
                TorrentOptions {
                    extensions,
                    ..options
                }
            }
        }
    }

    /// What the progress bar shows of the market: the price paid and the
    /// spend so far, or what was earned; `None` before anything happened.
    pub fn status(&self) -> Option<String> {
        match self {
            Market::Selling { seller, .. } => {
                let earned = seller.earned();
                let token = seller.token();
                (earned > 0).then(|| format!("earned {}", btt_text(earned, token)))
            }
            Market::Buying { buyer, .. } => {
                let status = buyer.status();
                let spent = format!("spent {}", btt_text(status.spent, status.token));
                match status.price {
                    Some(price) => Some(format!("{} {spent}", format_price(price, status.token))),
                    None => (status.spent > 0).then_some(spent),
                }
            }
        }
    }

    /// This torrent's side of the market, once a paying wallet's
    /// unlocking (and the refunds after it) is over.
    async fn trading(&self) -> Trading<'_> {
        match self {
            Market::Selling { seller, .. } => Trading::Selling(seller),
            Market::Buying {
                buyer, unlocking, ..
            } => {
                let unlocking = crate::sync::lock(unlocking).take();
                if let Some(unlocking) = unlocking {
                    let _ = unlocking.await;
                }
                Trading::Buying(buyer)
            }
        }
    }
}

/// Stops a torrent's run with `stop` and ends `market`'s trading around it
/// (see [`trading_end`]); returns what `stop`
/// returned and the market's totals.
pub async fn end_run<T>(
    market: Option<&Market>,
    stop: impl Future<Output = T>,
) -> (T, Option<MarketTotals>) {
    let trading = match market {
        Some(market) => Some(market.trading().await),
        None => None,
    };
    trading_end::end_run(trading, stop).await
}

/// The `summary` record with the market's totals in it.
#[derive(Debug, Serialize)]
pub struct MarketSummary {
    /// The run's summary.
    #[serde(flatten)]
    pub summary: Summary,
    /// What the market spent or earned.
    #[serde(flatten)]
    pub market: Option<MarketTotals>,
}

impl UnlockFailure {
    fn of(error: &anyhow::Error) -> UnlockFailure {
        UnlockFailure {
            status: classify(error),
            message: format!("{error:#}"),
        }
    }
}

impl Record for MarketSummary {
    const TYPE: &'static str = "summary";

    fn human(&self) -> Option<String> {
        let line = self.summary.human()?;
        let Some(market) = &self.market else {
            return Some(line);
        };
        let fees = market
            .fees_base_units
            .map(|units| format!(" and {} in fees", btt_text(units, market.token)));
        let spent = market.spent_base_units.map(|units| {
            let fees = fees.unwrap_or_default();
            format!(", spent {}{fees}", btt_text(units, market.token))
        });
        let earned = market
            .earned_base_units
            .map(|units| format!(", earned {}", btt_text(units, market.token)));
        Some(format!(
            "{line}{}{}",
            spent.unwrap_or_default(),
            earned.unwrap_or_default()
        ))
    }
}

/// Prints market events until told to stop, then what is left.
pub struct MarketPrinter {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl MarketPrinter {
    /// Starts printing `events` to `output`.
    pub fn start(output: Output, events: mpsc::UnboundedReceiver<MarketEvent>) -> MarketPrinter {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(print_events(output, events, stopped));
        MarketPrinter { stop, task }
    }

    /// Prints what is queued and stops.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

async fn print_events(
    output: Output,
    mut events: mpsc::UnboundedReceiver<MarketEvent>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            Some(event) = events.recv() => print_event(&output, event),
            _ = &mut stopped => break,
        }
    }
    while let Ok(event) = events.try_recv() {
        print_event(&output, event);
    }
}

fn print_event(output: &Output, event: MarketEvent) {
    let printed = match event {
        MarketEvent::Peer(record) => output.record(&record),
        MarketEvent::Bid(record) => output.record(&record),
        MarketEvent::Won(record) => output.record(&record),
        MarketEvent::Payment(record) => output.record(&record),
        MarketEvent::Earning(record) => output.record(&record),
        MarketEvent::Settlement(record) => output.record(&record),
        MarketEvent::Refund(record) => output.record(&record),
        MarketEvent::Notice(line) => {
            output.info(line);
            Ok(())
        }
        MarketEvent::Warning(line) => {
            output.warn(line);
            Ok(())
        }
    };
    // A closed stdout ends the run elsewhere; nothing to add here.
    let _ = printed;
}
