//! The control protocol (`docs/control-protocol.md`): a client writes one
//! [`Request`] per line as JSON, the process answers each with one
//! [`Response`] line. The bid requests answer with the buying download's
//! [`DownloadStatus`] after them, so `btt-bid set` prints what the download
//! does now; the torrent requests answer with the [`TorrentStatus`] of the
//! torrents they name. Amounts are integer base units (as strings of digits
//! above `u64`, as in every btt record). Unknown requests and fields are
//! refused.

pub use super::torrent_status::{TorrentState, TorrentStatus};
use crate::market::buyer::BuyerStatus;
use crate::market::events::btt_text;
use crate::market::price::{format_price, PricePerMib};
use serde::{Deserialize, Serialize};

/// What a client asks a running process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// The state of its download that buys now.
    Status {},
    /// Every torrent of the process.
    Torrents {},
    /// Seed one more torrent (`btt-seed run` only).
    Add {
        /// The absolute path of its .torrent file.
        torrent: String,
    },
    /// Fetch a magnet link's metadata from its swarm, then seed it
    /// (`btt-seed run` only).
    AddMagnet {
        /// The magnet link.
        magnet: String,
    },
    /// Stop a torrent and forget it (`btt-seed run` only).
    Remove {
        /// Its whole info-hash, in hex.
        info_hash: String,
        /// Delete its data and resume file as well.
        #[serde(default)]
        delete_data: bool,
    },
    /// Stop a torrent's swarm, keeping it listed (`btt-seed run` only).
    Pause {
        /// Its whole info-hash, in hex.
        info_hash: String,
    },
    /// Start a paused torrent again (`btt-seed run` only).
    Resume {
        /// Its whole info-hash, in hex.
        info_hash: String,
    },
    /// Change a torrent's own limits; a limit not given stays as it is.
    SetLimits {
        /// Its whole info-hash, in hex.
        info_hash: String,
        /// Upload bytes per second; 0 is no limit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        up_limit: Option<u64>,
        /// Download bytes per second; 0 is no limit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        down_limit: Option<u64>,
        /// The ask of a torrent that sells, as `--ask` reads it (`0.02BTT/MiB`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ask: Option<String>,
    },
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
    Stop {},
}

/// The download's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Response {
    /// It did what was asked; its state after it.
    Status(Box<DownloadStatus>),
    /// It did what was asked; the torrents asked about, after it.
    Torrents(Vec<TorrentStatus>),
    /// The process and every torrent of it (the answer to `torrents`).
    Process(ProcessStatus),
    /// It refused, for this reason (one line).
    Error(String),
}

/// A running process and its torrents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessStatus {
    /// Its pid.
    pub pid: u32,
    /// Its program: `btt-get` or `btt-seed`.
    pub program: String,
    /// Its torrents, by info-hash.
    pub torrents: Vec<TorrentStatus>,
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
            (Request::Status {}, r#"{"request":"status"}"#),
            (Request::Torrents {}, r#"{"request":"torrents"}"#),
            (
                Request::Remove {
                    info_hash: "ab".into(),
                    delete_data: true,
                },
                r#"{"request":"remove","info_hash":"ab","delete_data":true}"#,
            ),
            (
                Request::SetLimits {
                    info_hash: "ab".into(),
                    up_limit: Some(0),
                    down_limit: None,
                    ask: None,
                },
                r#"{"request":"set_limits","info_hash":"ab","up_limit":0}"#,
            ),
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
            (Request::Stop {}, r#"{"request":"stop"}"#),
        ];
        for (request, line) in requests {
            assert_eq!(serde_json::to_string(&request).unwrap(), line);
            assert_eq!(serde_json::from_str::<Request>(line).unwrap(), request);
        }
    }

    #[test]
    fn unknown_requests_and_fields_are_refused() {
        for line in [
            r#"{"request":"status","extra":1}"#,
            r#"{"request":"torrents","x":null}"#,
            r#"{"request":"pause","info_hash":"ab","now":true}"#,
            r#"{"request":"reboot"}"#,
            r#"{"info_hash":"ab"}"#,
            r#"{"request":"set_limits","info_hash":"ab","up_limit":-1}"#,
            "garbage",
        ] {
            assert!(serde_json::from_str::<Request>(line).is_err(), "{line}");
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
