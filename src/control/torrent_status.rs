//! One torrent of a running `btt-get` or `btt-seed run`, at one moment: the
//! record `btt-seed status` prints (`torrent_status`), one per torrent of
//! every process on the machine.
//!
//! Invariant: a paused torrent has no swarm, so its rates and peers are 0
//! and it has no ETA.

use crate::amount::Token;
use crate::market::events::btt_text;
use crate::market::price::{format_price, PricePerMib};
use serde::{Deserialize, Serialize};

/// What a torrent does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TorrentState {
    /// Wanted pieces are missing and it is fetching them.
    Downloading,
    /// Every wanted piece is verified; it uploads.
    Seeding,
    /// Its swarm is stopped until resumed.
    Paused,
}

impl TorrentState {
    /// The word a table shows.
    pub fn name(self) -> &'static str {
        match self {
            TorrentState::Downloading => "downloading",
            TorrentState::Seeding => "seeding",
            TorrentState::Paused => "paused",
        }
    }
}

/// A torrent of a running process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TorrentStatus {
    /// The torrent's info-hash, in hex.
    pub info_hash: String,
    /// The torrent's name.
    pub name: String,
    /// The process that runs it.
    pub pid: u32,
    /// Its program: `btt-get` or `btt-seed`.
    pub program: String,
    /// What it does now.
    pub state: TorrentState,
    /// The directory its content is in (under its name).
    pub data: String,
    /// The torrent's size in bytes.
    pub total_length: u64,
    /// Wanted bytes not yet verified.
    pub left: u64,
    /// The share of the torrent verified, from 0 to 1.
    pub progress: f64,
    /// Verified bytes per second over the last few seconds.
    pub download_rate: u64,
    /// Uploaded bytes per second over the last few seconds.
    pub upload_rate: u64,
    /// Verified bytes received by this process.
    pub downloaded: u64,
    /// Bytes uploaded by this process.
    pub uploaded: u64,
    /// Peers connected now.
    pub peers: usize,
    /// Upload over download, over every run on this data.
    pub ratio: f64,
    /// Seconds until complete at the current rate; `None` while nothing arrives.
    pub eta_seconds: Option<u64>,
    /// Its own upload limit, bytes per second; `None`: none.
    pub up_limit: Option<u64>,
    /// Its own download limit, bytes per second; `None`: none.
    pub down_limit: Option<u64>,
    /// Its ask per MiB, when it sells.
    pub ask: Option<String>,
    /// The same in base units per MiB.
    pub ask_base_units: Option<u64>,
    /// Paid for its download so far (a download that buys).
    pub paid: String,
    /// The same in base units.
    #[serde(with = "crate::amount::units_text")]
    pub paid_base_units: u128,
    /// Earned by its upload so far (a seeder that sells).
    pub earned: String,
    /// The same in base units.
    #[serde(with = "crate::amount::units_text")]
    pub earned_base_units: u128,
}

/// What a torrent has moved, as counted by its process.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moved {
    /// Verified bytes received.
    pub downloaded: u64,
    /// Bytes uploaded.
    pub uploaded: u64,
    /// Verified bytes per second lately.
    pub download_rate: u64,
    /// Uploaded bytes per second lately.
    pub upload_rate: u64,
    /// Peers connected.
    pub peers: usize,
    /// The lifetime ratio.
    pub ratio: f64,
}

/// What was paid and earned, in base units of `token`, and the ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    /// The token amounts and the ask are in (BTT without a market).
    pub token: Token,
    /// Paid for downloading.
    pub paid: u128,
    /// Earned by uploading.
    pub earned: u128,
    /// The ask of a torrent that sells.
    pub ask: Option<PricePerMib>,
}

impl TorrentStatus {
    /// The amounts as the record spells them.
    pub fn with_money(mut self, money: Money) -> TorrentStatus {
        self.paid = btt_text(money.paid, money.token);
        self.paid_base_units = money.paid;
        self.earned = btt_text(money.earned, money.token);
        self.earned_base_units = money.earned;
        self.ask = money.ask.map(|ask| format_price(ask, money.token));
        self.ask_base_units = money.ask.map(|ask| ask.0);
        self
    }

    /// The rates, counters and ETA of `moved` (none while paused).
    pub fn with_moved(mut self, moved: Moved) -> TorrentStatus {
        self.downloaded = moved.downloaded;
        self.uploaded = moved.uploaded;
        self.peers = moved.peers;
        self.ratio = moved.ratio;
        if self.state != TorrentState::Paused {
            self.download_rate = moved.download_rate;
            self.upload_rate = moved.upload_rate;
        }
        self.eta_seconds = match (self.state, self.download_rate) {
            (TorrentState::Downloading, rate) if rate > 0 => Some(self.left.div_ceil(rate)),
            _ => None,
        };
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paused() -> TorrentStatus {
        TorrentStatus {
            info_hash: "ab".into(),
            name: "x".into(),
            pid: 1,
            program: "btt-seed".into(),
            state: TorrentState::Paused,
            data: "/d".into(),
            total_length: 4 << 20,
            left: 3 << 20,
            progress: 0.25,
            download_rate: 0,
            upload_rate: 0,
            downloaded: 0,
            uploaded: 0,
            peers: 0,
            ratio: 0.0,
            eta_seconds: None,
            up_limit: None,
            down_limit: None,
            ask: None,
            ask_base_units: None,
            paid: String::new(),
            paid_base_units: 0,
            earned: String::new(),
            earned_base_units: 0,
        }
    }

    #[test]
    fn only_a_running_download_has_rates_and_an_eta() {
        let moved = Moved {
            download_rate: 1 << 20,
            upload_rate: 5,
            ..Moved::default()
        };
        let status = paused().with_moved(moved);
        assert_eq!((status.download_rate, status.eta_seconds), (0, None));
        let running = TorrentStatus {
            state: TorrentState::Downloading,
            ..paused()
        };
        let status = running.with_moved(moved);
        assert_eq!((status.upload_rate, status.eta_seconds), (5, Some(3)));
    }

    #[test]
    fn a_status_reads_back_with_its_amounts() {
        let status = paused().with_money(Money {
            token: Token::Btt,
            paid: 120_000,
            earned: 0,
            ask: None,
        });
        assert_eq!(status.paid, "0.12BTT");
        let line = serde_json::to_string(&status).unwrap();
        assert_eq!(
            serde_json::from_str::<TorrentStatus>(&line).unwrap(),
            status
        );
    }
}
