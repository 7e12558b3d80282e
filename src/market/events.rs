//! What the market tells the command that runs it: one record per market
//! event (`market_peer`, `bid`, `won`, `payment` on a payer; `earning` and
//! `settlement` on a seller; `refund` of a payer's expired channels), lines for a person on stderr, and the totals
//! that join each run's `summary`. Amounts are given twice, as text
//! (`0.05BTT`) and as integer base units (`..._base_units`), as every
//! btt record gives them (base units as strings of digits, which JSON
//! readers that hold numbers as doubles read exactly).

use super::price::{format_price, PricePerMib};
use crate::amount::{format_units, Token};
use crate::ledger::ChannelId;
use crate::tron::Address;
use serde::{Serialize, Serializer};
use std::net::SocketAddr;
use tokio::sync::mpsc;

/// One thing the market did.
#[derive(Debug, Clone)]
pub enum MarketEvent {
    /// A peer speaks the market on our ledger.
    Peer(MarketPeerRecord),
    /// We bid to a seller, or our bid or budget changed.
    Bid(BidRecord),
    /// A seller gave us a paid slot.
    Won(WonRecord),
    /// We signed a voucher.
    Payment(PaymentRecord),
    /// We accepted (and stored) a voucher.
    Earning(EarningRecord),
    /// A channel paying us was redeemed or closed on the ledger.
    Settlement(SettlementRecord),
    /// An expired channel of ours was refunded.
    Refund(RefundRecord),
    /// A line for a person (stderr), shown unless quiet.
    Notice(String),
    /// A warning (stderr).
    Warning(String),
}

/// Where market events go; sending never blocks and a closed receiver is ignored.
#[derive(Debug, Clone)]
pub struct MarketEvents(mpsc::UnboundedSender<MarketEvent>);

impl MarketEvents {
    /// A sender and the receiver the command prints from.
    pub fn channel() -> (MarketEvents, mpsc::UnboundedReceiver<MarketEvent>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (MarketEvents(sender), receiver)
    }

    /// Reports `event`.
    pub fn send(&self, event: MarketEvent) {
        let _ = self.0.send(event);
    }
}

/// `0.05BTT`.
pub fn btt_text(base_units: u128, token: Token) -> String {
    format!("{}BTT", format_units(base_units, token))
}

/// A market peer (`market_peer`).
#[derive(Debug, Clone, Serialize)]
pub struct MarketPeerRecord {
    /// Its address.
    pub peer: SocketAddr,
    /// Its wallet.
    pub wallet: Address,
    /// What it asks per MiB, when it sells.
    pub ask: Option<String>,
    /// The ask in base units per MiB.
    pub ask_base_units: Option<u64>,
}

impl MarketPeerRecord {
    /// The record of a peer with `wallet` asking `ask`.
    pub fn new(
        peer: SocketAddr,
        wallet: Address,
        ask: Option<PricePerMib>,
        token: Token,
    ) -> MarketPeerRecord {
        MarketPeerRecord {
            peer,
            wallet,
            ask: ask.map(|ask| format_price(ask, token)),
            ask_base_units: ask.map(|ask| ask.0),
        }
    }
}

/// A seller and a price per MiB, the body of `won`.
#[derive(Debug, Clone, Serialize)]
pub struct PeerPrice {
    /// The seller.
    pub peer: SocketAddr,
    /// The price per MiB.
    pub price: String,
    /// The price in base units per MiB.
    pub price_base_units: u64,
}

impl PeerPrice {
    /// `price` at `peer`.
    pub fn new(peer: SocketAddr, price: PricePerMib, token: Token) -> PeerPrice {
        PeerPrice {
            peer,
            price: format_price(price, token),
            price_base_units: price.0,
        }
    }
}

/// A bid sent to a seller, or a change of the download's own bid (`bid`).
#[derive(Debug, Clone, Serialize)]
pub struct BidRecord {
    /// The seller bid to; `None` when the download's bid or budget changed
    /// (by `btt-bid set`, `btt-bid stop` or auto-bid).
    pub peer: Option<SocketAddr>,
    /// The price offered per MiB; `None`: paying stopped.
    pub price: Option<String>,
    /// The price in base units per MiB.
    pub price_base_units: Option<u64>,
    /// The budget of the run now.
    pub budget: String,
    /// The same in base units.
    #[serde(serialize_with = "crate::amount::units_text::serialize")]
    pub budget_base_units: u128,
}

impl BidRecord {
    /// The record of a bid of `price` to `peer` (`None`: the download's
    /// own bid), under `budget`.
    pub fn new(
        peer: Option<SocketAddr>,
        price: Option<PricePerMib>,
        budget: u128,
        token: Token,
    ) -> BidRecord {
        BidRecord {
            peer,
            price: price.map(|price| format_price(price, token)),
            price_base_units: price.map(|price| price.0),
            budget: btt_text(budget, token),
            budget_base_units: budget,
        }
    }
}

/// A paid slot won at its clearing price (`won`).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct WonRecord(pub PeerPrice);

/// A voucher signed (`payment`).
#[derive(Debug, Clone, Serialize)]
pub struct PaymentRecord {
    /// The seller paid.
    pub peer: SocketAddr,
    /// The channel paid through.
    pub channel: ChannelId,
    /// Everything paid through it so far.
    pub cumulative: String,
    /// The same in base units.
    #[serde(serialize_with = "crate::amount::units_text::serialize")]
    pub cumulative_base_units: u128,
    /// What this voucher added, in base units.
    #[serde(serialize_with = "crate::amount::units_text::serialize")]
    pub increment_base_units: u128,
    /// Verified pieces (wholly or partly from this seller) paid for so far.
    pub pieces: u64,
}

/// A voucher accepted and stored (`earning`).
#[derive(Debug, Clone, Serialize)]
pub struct EarningRecord {
    /// The payer's connection.
    pub peer: SocketAddr,
    /// The payer's wallet.
    pub payer: Address,
    /// The channel.
    pub channel: ChannelId,
    /// Everything accepted through it so far.
    pub cumulative: String,
    /// The same in base units.
    #[serde(serialize_with = "crate::amount::units_text::serialize")]
    pub cumulative_base_units: u128,
    /// What this voucher added, in base units.
    #[serde(serialize_with = "crate::amount::units_text::serialize")]
    pub increment_base_units: u128,
}

/// A channel paying us, redeemed or closed on the ledger (`settlement`).
#[derive(Debug, Clone, Serialize)]
pub struct SettlementRecord {
    /// The channel.
    pub channel: ChannelId,
    /// Its payer.
    pub payer: Address,
    /// What the ledger has paid us through it in all.
    pub redeemed: String,
    /// The same in base units.
    #[serde(serialize_with = "crate::amount::units_text::serialize")]
    pub redeemed_base_units: u128,
    /// Whether it is closed now.
    pub closed: bool,
}

/// An expired channel of the payer's, refunded (`refund`).
#[derive(Debug, Clone, Serialize)]
pub struct RefundRecord {
    /// The channel.
    pub channel: ChannelId,
    /// The seller it paid.
    pub payee: Address,
    /// What came back.
    pub refunded: String,
    /// The same in base units.
    #[serde(serialize_with = "crate::amount::units_text::serialize")]
    pub refunded_base_units: u128,
}

/// One market peer's share of a run's totals.
#[derive(Debug, Clone, Serialize)]
pub struct PeerTotal {
    /// The peer's address.
    pub peer: SocketAddr,
    /// Its wallet.
    pub wallet: Address,
    /// What we paid it (payer) or it paid us (seller), in base units.
    #[serde(serialize_with = "crate::amount::units_text::serialize")]
    pub base_units: u128,
}

/// The market's part of a run's `summary` record.
#[derive(Debug, Clone, Serialize)]
pub struct MarketTotals {
    /// Everything this run signed vouchers for (payer).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "some_units")]
    pub spent_base_units: Option<u128>,
    /// Everything this run accepted vouchers for (seller).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "some_units")]
    pub earned_base_units: Option<u128>,
    /// The fees (gas on a chain) this run's ledger transactions cost the
    /// payer, which its budget paid as well; absent when there were none.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "some_units")]
    pub fees_base_units: Option<u128>,
    /// The same, per market peer.
    pub market_peers: Vec<PeerTotal>,
    /// The token the amounts are base units of (not printed: the record
    /// says base units; the text line says BTT).
    #[serde(skip)]
    pub token: Token,
}

fn some_units<S: Serializer>(base_units: &Option<u128>, serializer: S) -> Result<S::Ok, S::Error> {
    match base_units {
        Some(units) => serializer.collect_str(units),
        None => serializer.serialize_none(),
    }
}
