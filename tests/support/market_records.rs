//! The bandwidth market's NDJSON records as the binaries print them: one
//! type per record `type`, with every field and no others
//! (`deny_unknown_fields`), so a field added to a record, or renamed, fails
//! the tests that read it. Addresses, wallets and channel ids are read as
//! their types; amounts in base units are printed as strings of digits and
//! read as [`Units`]; each record's [`MarketRecord::check`] holds its text
//! fields to what its typed ones say.

use super::{typed, Child};
use btt::amount::Token;
use btt::ledger::ChannelId;
use btt::tron::Address;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A record of one `type`.
pub trait MarketRecord: DeserializeOwned {
    /// Its `type` field.
    const TYPE: &'static str;

    /// Fails unless the record is consistent in itself.
    fn check(&self);
}

/// The records of type `T` among `records`, typed and checked.
pub fn records<T: MarketRecord>(records: &[Value]) -> Vec<T> {
    let of_type = records.iter().filter(|record| record["type"] == T::TYPE);
    let typed: Vec<T> = of_type.map(typed).collect();
    typed.iter().for_each(T::check);
    typed
}

/// The records of type `T` that `child` printed so far, typed and checked.
pub fn printed<T: MarketRecord>(child: &Child) -> Vec<T> {
    records(&child.json_records())
}

/// Polls until `child` printed `count` records of type `T` (or `within`
/// passed, which fails); returns them.
pub fn wait_records<T: MarketRecord>(child: &Child, count: usize, within: Duration) -> Vec<T> {
    wait_for(child, within, |found: &[T]| found.len() >= count)
}

/// Polls until the records of type `T` that `child` printed satisfy `done`
/// (or `within` passed, which fails); returns them.
pub fn wait_for<T: MarketRecord>(
    child: &Child,
    within: Duration,
    done: impl Fn(&[T]) -> bool,
) -> Vec<T> {
    let deadline = Instant::now() + within;
    loop {
        let found = printed::<T>(child);
        if done(&found) {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{}: not the {} records awaited within {within:?}\n{}",
            child.label(),
            T::TYPE,
            child.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An amount in base units, printed as a string of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Units(pub u128);

impl<'de> Deserialize<'de> for Units {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Units, D::Error> {
        let text = String::deserialize(deserializer)?;
        let digits = text.parse().map_err(|_| {
            serde::de::Error::custom(format!("base units are digits, not {text:?}"))
        })?;
        Ok(Units(digits))
    }
}

/// Fails unless `text` is an amount in BTT (`0.05BTT`) that is zero just
/// when `units` is.
fn amount_text(text: &str, units: Units) {
    let number = text
        .strip_suffix("BTT")
        .unwrap_or_else(|| panic!("{text:?} in BTT"));
    let zero = number.chars().all(|c| c == '0' || c == '.');
    assert_eq!(zero, units.0 == 0, "{text:?} and {units:?}");
}

/// Fails unless a voucher's `cumulative` text is its base units, and its
/// `increment` is more than nothing and no more than the whole.
fn voucher_amounts(cumulative: &str, units: Units, increment: Units) {
    amount_text(cumulative, units);
    assert!(
        0 < increment.0 && increment <= units,
        "{increment:?} of {units:?}"
    );
}

/// Fails unless `text` is a price per MiB (`0.01BTT/MiB`) that is zero just
/// when `units` is.
fn price_text(text: &str, units: u64) {
    let amount = text
        .strip_suffix("/MiB")
        .unwrap_or_else(|| panic!("{text:?} per MiB"));
    amount_text(amount, Units(u128::from(units)));
}

/// A market peer met (`market_peer`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketPeer {
    pub peer: SocketAddr,
    pub wallet: Address,
    pub ask: Option<String>,
    pub ask_base_units: Option<u64>,
}

impl MarketRecord for MarketPeer {
    const TYPE: &'static str = "market_peer";

    fn check(&self) {
        assert!(self.peer.port() != 0, "{self:?}");
        match (&self.ask, self.ask_base_units) {
            (Some(ask), Some(units)) => price_text(ask, units),
            (None, None) => {}
            _ => panic!("an ask in text and in base units, or neither: {self:?}"),
        }
    }
}

/// A bid sent to a seller, or (no `peer`) a change of the download's own bid (`bid`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bid {
    pub peer: Option<SocketAddr>,
    pub price: Option<String>,
    pub price_base_units: Option<u64>,
    pub budget: String,
    pub budget_base_units: Units,
}

impl MarketRecord for Bid {
    const TYPE: &'static str = "bid";

    fn check(&self) {
        assert!(self.peer.is_none_or(|peer| peer.port() != 0));
        match (&self.price, self.price_base_units) {
            (Some(price), Some(units)) => price_text(price, units),
            (None, None) => {}
            _ => panic!("a price in text and in base units, or neither: {self:?}"),
        }
        amount_text(&self.budget, self.budget_base_units);
    }
}

/// A paid slot won at its clearing price (`won`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Won {
    pub peer: SocketAddr,
    pub price: String,
    pub price_base_units: u64,
}

impl MarketRecord for Won {
    const TYPE: &'static str = "won";

    fn check(&self) {
        assert!(self.peer.port() != 0);
        price_text(&self.price, self.price_base_units);
    }
}

/// A voucher the payer signed (`payment`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub peer: SocketAddr,
    pub channel: ChannelId,
    pub cumulative: String,
    pub cumulative_base_units: Units,
    pub increment_base_units: Units,
    pub pieces: u64,
}

impl MarketRecord for Payment {
    const TYPE: &'static str = "payment";

    fn check(&self) {
        assert!(self.peer.port() != 0 && self.pieces > 0, "{self:?}");
        let (units, increment) = (self.cumulative_base_units, self.increment_base_units);
        voucher_amounts(&self.cumulative, units, increment);
    }
}

/// A voucher the seller accepted (`earning`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Earning {
    pub peer: SocketAddr,
    pub payer: Address,
    pub channel: ChannelId,
    pub cumulative: String,
    pub cumulative_base_units: Units,
    pub increment_base_units: Units,
}

impl MarketRecord for Earning {
    const TYPE: &'static str = "earning";

    fn check(&self) {
        assert!(self.peer.port() != 0, "{self:?}");
        let (units, increment) = (self.cumulative_base_units, self.increment_base_units);
        voucher_amounts(&self.cumulative, units, increment);
    }
}

/// A channel paying the seller, redeemed or closed (`settlement`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settlement {
    pub channel: ChannelId,
    pub payer: Address,
    pub redeemed: String,
    pub redeemed_base_units: Units,
    pub closed: bool,
}

impl MarketRecord for Settlement {
    const TYPE: &'static str = "settlement";

    fn check(&self) {
        amount_text(&self.redeemed, self.redeemed_base_units);
    }
}

/// An expired channel of the payer's, refunded (`refund`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refund {
    pub channel: ChannelId,
    pub payee: Address,
    pub refunded: String,
    pub refunded_base_units: Units,
}

impl MarketRecord for Refund {
    const TYPE: &'static str = "refund";

    fn check(&self) {
        amount_text(&self.refunded, self.refunded_base_units);
    }
}

/// The last record of a torrent's run (`summary`), with the market's totals
/// when it traded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSummary {
    pub name: String,
    pub info_hash: String,
    pub complete: bool,
    pub downloaded: u64,
    pub uploaded: u64,
    pub seconds: f64,
    pub download_rate: u64,
    pub ratio: f64,
    pub lifetime_ratio: f64,
    pub stopped_by: String,
    /// What a payer signed.
    pub spent_base_units: Option<Units>,
    /// What a seller accepted.
    pub earned_base_units: Option<Units>,
    /// What a payer's ledger transactions cost (gas on a chain).
    pub fees_base_units: Option<Units>,
    /// The same per market peer (absent without a market).
    pub market_peers: Option<Vec<PeerTotal>>,
}

impl RunSummary {
    /// What the payer spent; fails for a run that did not pay.
    pub fn spent(&self) -> u128 {
        self.spent_base_units.expect("a payer's summary").0
    }

    /// What the seller earned; fails for a run that did not sell.
    pub fn earned(&self) -> u128 {
        self.earned_base_units.expect("a seller's summary").0
    }
}

impl MarketRecord for RunSummary {
    const TYPE: &'static str = "summary";

    fn check(&self) {
        assert!(
            !self.name.is_empty() && self.info_hash.len() == 40,
            "{self:?}"
        );
        assert!(self.download_rate == 0 || self.downloaded > 0, "{self:?}");
        assert_eq!(self.uploaded == 0, self.ratio == 0.0, "{self:?}");
        assert!(
            self.seconds >= 0.0 && self.lifetime_ratio >= 0.0,
            "{self:?}"
        );
        let stops = [
            "complete",
            "ratio",
            "seed_time",
            "time_limit",
            "interrupted",
            "stalled",
            "paused",
            "removed",
        ];
        assert!(stops.contains(&self.stopped_by.as_str()), "{self:?}");
        let traded = self.spent_base_units.or(self.earned_base_units);
        assert_eq!(traded.is_some(), self.market_peers.is_some(), "{self:?}");
        assert!(self.fees_base_units.is_none() || self.spent_base_units.is_some());
        let shares = self.market_peers.iter().flatten();
        let total: u128 = shares.map(|share| share.base_units.0).sum();
        if let Some(traded) = traded {
            assert_eq!(total, traded.0, "the peers' shares add up: {self:?}");
        }
        for share in self.market_peers.iter().flatten() {
            assert!(share.peer.port() != 0, "{self:?}");
        }
    }
}

/// One market peer's share of a run's totals.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerTotal {
    pub peer: SocketAddr,
    pub wallet: Address,
    pub base_units: Units,
}

/// A seller's ask, from `btt-bid quote` (`quote`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    pub peer: SocketAddr,
    pub wallet: Address,
    pub ledger: String,
    pub token: Token,
    pub ask: String,
    pub ask_base_units: u64,
    pub slot_rate: Option<u64>,
}

impl MarketRecord for Quote {
    const TYPE: &'static str = "quote";

    fn check(&self) {
        assert_eq!(self.ledger.len(), 64, "the ledger id in hex: {self:?}");
        assert!(matches!(self.token, Token::Btt | Token::Bttc), "{self:?}");
        assert!(
            self.peer.port() != 0 && self.slot_rate != Some(0),
            "{self:?}"
        );
        price_text(&self.ask, self.ask_base_units);
    }
}

/// The asks of a swarm summed up, the last record of `btt-bid quote` (`summary`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteSummary {
    pub torrent: String,
    pub total_length: u64,
    pub sellers: usize,
    pub token: Token,
    pub lowest_ask: String,
    pub lowest_ask_base_units: u64,
    pub median_ask: String,
    pub median_ask_base_units: u64,
}

impl MarketRecord for QuoteSummary {
    const TYPE: &'static str = "summary";

    fn check(&self) {
        assert!(!self.torrent.is_empty() && self.total_length > 0 && self.sellers > 0);
        assert!(matches!(self.token, Token::Btt | Token::Bttc), "{self:?}");
        price_text(&self.lowest_ask, self.lowest_ask_base_units);
        price_text(&self.median_ask, self.median_ask_base_units);
        assert!(self.lowest_ask_base_units <= self.median_ask_base_units);
    }
}

/// `btt-bid plan`'s record: the library's type, which denies unknown fields.
impl MarketRecord for btt::market::plan::Plan {
    const TYPE: &'static str = "plan";

    fn check(&self) {
        price_text(&self.price, self.price_base_units);
        amount_text(&self.budget, Units(self.budget_base_units));
        assert!(self.lowest_cost_base_units <= self.most_cost_base_units);
    }
}

/// `btt-bid status`'s record: the library's type, which denies unknown fields.
impl MarketRecord for btt::control::protocol::DownloadStatus {
    const TYPE: &'static str = "download";

    fn check(&self) {
        amount_text(&self.budget, Units(self.budget_base_units));
        assert_eq!(
            self.bid.is_some(),
            self.bid_base_units.is_some(),
            "{self:?}"
        );
    }
}

/// A key delivered by a seller (`delivery`): the library's type, which
/// denies unknown fields.
impl MarketRecord for btt::cli::seed::Delivered {
    const TYPE: &'static str = "delivery";

    fn check(&self) {
        assert_eq!(self.purchase.len(), 64, "{self:?}");
        assert_eq!(self.listing.len(), 64, "{self:?}");
    }
}
