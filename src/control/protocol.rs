//! The control protocol: a client writes one [`Request`] per line as JSON,
//! the download answers each with one [`Response`] line. Every answer to a
//! request that worked is the download's [`DownloadStatus`] after it, so
//! `btt-bid set` prints what the download does now. Amounts are integer
//! base units (as strings of digits above `u64`, as in every btt record).

use crate::market::buyer::BuyerStatus;
use crate::market::events::btt_text;
use crate::market::price::{format_price, PricePerMib};
use serde::{Deserialize, Serialize};

/// What a client asks a running download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Its state now.
    Status,
    /// Bid this price per MiB from now on.
    SetBid {
        /// Base units per MiB.
        price_base_units: u64,
    },
    /// Set the budget of the run (refused below what it has paid).
    SetBudget {
        /// Base units.
        #[serde(with = "crate::amount::units_text")]
        budget_base_units: u128,
    },
    /// Stop paying; the download goes on free.
    Stop,
}

/// The download's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Response {
    /// It did what was asked; its state after it.
    Status(Box<DownloadStatus>),
    /// It refused, for this reason (one line).
    Error(String),
}

/// A running download that buys, at one moment (`download` records of `btt-bid`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadStatus {
    /// The torrent's info-hash, in hex.
    pub info_hash: String,
    /// The torrent's name.
    pub name: String,
    /// The `btt-get` process.
    pub pid: u32,
    /// Verified bytes per second over the last few seconds.
    pub download_rate: u64,
    /// Wanted bytes not yet verified.
    pub left: u64,
    /// The torrent's size in bytes.
    pub total_length: u64,
    /// The share of the torrent verified, from 0 to 1.
    pub progress: f64,
    /// Seconds until complete at the current rate; `None` while nothing arrives.
    pub eta_seconds: Option<u64>,
    /// The bid per MiB; `None` once paying stopped.
    pub bid: Option<String>,
    /// The same in base units per MiB.
    pub bid_base_units: Option<u64>,
    /// The price the dearest paid slot costs now; `None` when no slot is paid.
    pub price: Option<String>,
    /// The same in base units per MiB.
    pub price_base_units: Option<u64>,
    /// The budget of the run.
    pub budget: String,
    /// The same in base units.
    #[serde(with = "crate::amount::units_text")]
    pub budget_base_units: u128,
    /// Everything paid so far.
    pub spent: String,
    /// The same in base units.
    #[serde(with = "crate::amount::units_text")]
    pub spent_base_units: u128,
}

/// How a download is doing, besides its market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    /// Verified bytes per second lately.
    pub download_rate: u64,
    /// Wanted bytes not yet verified.
    pub left: u64,
    /// The torrent's size.
    pub total_length: u64,
}

impl DownloadStatus {
    /// The status of a download of `name` (`info_hash`) by `pid`.
    pub fn new(
        info_hash: String,
        name: String,
        pid: u32,
        transfer: Transfer,
        buyer: &BuyerStatus,
    ) -> DownloadStatus {
        let eta_seconds =
            (transfer.download_rate > 0).then(|| transfer.left.div_ceil(transfer.download_rate));
        let done = transfer.total_length.saturating_sub(transfer.left);
        DownloadStatus {
            info_hash,
            name,
            pid,
            download_rate: transfer.download_rate,
            left: transfer.left,
            total_length: transfer.total_length,
            progress: done as f64 / transfer.total_length.max(1) as f64,
            eta_seconds,
            bid: buyer.bid.map(|bid| format_price(bid, buyer.token)),
            bid_base_units: buyer.bid.map(|bid| bid.0),
            price: buyer.price.map(|price| format_price(price, buyer.token)),
            price_base_units: buyer.price.map(|price| price.0),
            budget: btt_text(buyer.budget, buyer.token),
            budget_base_units: buyer.budget,
            spent: btt_text(buyer.spent, buyer.token),
            spent_base_units: buyer.spent,
        }
    }

    /// The bid as a price, if any.
    pub fn bid_price(&self) -> Option<PricePerMib> {
        self.bid_base_units.map(PricePerMib)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_json_object_each() {
        let requests = [
            (Request::Status, r#"{"request":"status"}"#),
            (
                Request::SetBid {
                    price_base_units: 80_000,
                },
                r#"{"request":"set_bid","price_base_units":80000}"#,
            ),
            (
                Request::SetBudget {
                    budget_base_units: 30_000_000,
                },
                r#"{"request":"set_budget","budget_base_units":"30000000"}"#,
            ),
            (Request::Stop, r#"{"request":"stop"}"#),
        ];
        for (request, line) in requests {
            assert_eq!(serde_json::to_string(&request).unwrap(), line);
            assert_eq!(serde_json::from_str::<Request>(line).unwrap(), request);
        }
    }

    #[test]
    fn a_status_reads_back_and_has_an_eta_only_while_data_arrives() {
        let buyer = BuyerStatus {
            bid: Some(PricePerMib(50_000)),
            budget: 5_000_000,
            spent: 120_000,
            price: Some(PricePerMib(10_000)),
            token: crate::amount::Token::Btt,
        };
        let transfer = Transfer {
            download_rate: 1 << 20,
            left: 3 << 20,
            total_length: 4 << 20,
        };
        let status = DownloadStatus::new("ab".into(), "x".into(), 7, transfer, &buyer);
        assert_eq!((status.eta_seconds, status.progress), (Some(3), 0.25));
        assert_eq!(status.spent, "0.12BTT");
        let line = serde_json::to_string(&Response::Status(Box::new(status.clone()))).unwrap();
        assert_eq!(
            serde_json::from_str::<Response>(&line).unwrap(),
            Response::Status(Box::new(status))
        );
        let stalled = Transfer {
            download_rate: 0,
            ..transfer
        };
        let status = DownloadStatus::new("ab".into(), "x".into(), 7, stalled, &buyer);
        assert_eq!(status.eta_seconds, None);
    }
}
