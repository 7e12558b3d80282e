//! The torrents of one process, as its control socket sees them: each
//! torrent's session (none while paused), its data directory, its market
//! and the recent samples its rates are measured from.
//!
//! Invariants: one entry per info-hash; a paused entry keeps the limits
//! its session had, so resuming starts it with them; the registry only
//! observes and changes limits, it never starts or stops a session (the
//! process's run loop does, then tells the registry).

use super::protocol::{DownloadStatus, ProcessStatus, Transfer};
use super::torrent_status::{Money, Moved, TorrentState, TorrentStatus};
use crate::amount::Token;
use crate::market::buyer::Buyer;
use crate::market::price::{price_in_token, PricePerMib};
use crate::market::seller::Seller;
use crate::metainfo::Torrent;
use crate::swarm::session::TorrentLimits;
use crate::swarm::Session;
use crate::sync::lock;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The window rates are measured over.
const RATE_WINDOW: Duration = Duration::from_secs(5);

/// A torrent's side of the market.
#[derive(Clone)]
pub enum Trade {
    /// It buys its download (`btt-get --bid`).
    Buying(Buyer),
    /// It sells its upload (`btt-seed run --ask`).
    Selling(Seller),
}

/// What the process knows of one torrent.
struct Entry {
    torrent: Arc<Torrent>,
    data: PathBuf,
    session: Option<Arc<Session>>,
    trade: Option<Trade>,
    limits: TorrentLimits,
    /// (when, downloaded, uploaded), oldest first.
    samples: VecDeque<(Instant, u64, u64)>,
    /// The counters when it was paused.
    last: Moved,
    /// Wanted bytes not verified when it was paused.
    left: u64,
}

/// A torrent the registry knows, for the run loop to act on.
#[derive(Clone)]
pub struct Known {
    /// The torrent.
    pub torrent: Arc<Torrent>,
    /// Where its content is (under its name).
    pub data: PathBuf,
    /// Its own limits.
    pub limits: TorrentLimits,
    /// Its ask, when it sells.
    pub ask: Option<PricePerMib>,
    /// Whether it is paused.
    pub paused: bool,
}

/// The torrents of this process.
pub struct Registry {
    program: &'static str,
    torrents: Mutex<BTreeMap<String, Entry>>,
}

impl Registry {
    /// The registry of a `program` (`btt-get`, `btt-seed`) with no torrent yet.
    pub fn new(program: &'static str) -> Arc<Registry> {
        Arc::new(Registry {
            program,
            torrents: Mutex::new(BTreeMap::new()),
        })
    }

    /// Lists a running torrent (again, when it was paused).
    pub fn insert(
        &self,
        torrent: Arc<Torrent>,
        data: &Path,
        session: Arc<Session>,
        trade: Option<Trade>,
    ) {
        let entry = Entry {
            torrent: Arc::clone(&torrent),
            data: data.to_path_buf(),
            limits: session.limits(),
            session: Some(session),
            trade,
            samples: VecDeque::new(),
            last: Moved::default(),
            left: torrent.info.total_length,
        };
        lock(&self.torrents).insert(torrent.info_hash.to_string(), entry);
    }

    /// Marks a torrent paused: its session is gone, its limits are kept.
    pub fn pause(&self, info_hash: &str) {
        let mut torrents = lock(&self.torrents);
        if let Some(entry) = torrents.get_mut(info_hash) {
            if let Some(session) = entry.session.take() {
                entry.limits = session.limits();
                entry.last = moved(&session, &entry.samples);
                entry.left = session.stats().left;
            }
            entry.samples.clear();
        }
    }

    /// Forgets a torrent.
    pub fn remove(&self, info_hash: &str) {
        lock(&self.torrents).remove(info_hash);
    }

    /// What is known of a torrent.
    pub fn get(&self, info_hash: &str) -> Option<Known> {
        let torrents = lock(&self.torrents);
        torrents.get(info_hash).map(|entry| Known {
            torrent: Arc::clone(&entry.torrent),
            data: entry.data.clone(),
            limits: entry.limits,
            ask: match &entry.trade {
                Some(Trade::Selling(seller)) => Some(seller.ask()),
                _ => None,
            },
            paused: entry.session.is_none(),
        })
    }

    /// The session of a running torrent; `None` when it is paused or unknown.
    pub fn session(&self, info_hash: &str) -> Option<Arc<Session>> {
        lock(&self.torrents)
            .get(info_hash)
            .and_then(|entry| entry.session.clone())
    }

    /// Whether nothing is listed.
    pub fn is_empty(&self) -> bool {
        lock(&self.torrents).is_empty()
    }

    /// Changes a torrent's own limits (`Some(0)`: none, `None`: unchanged)
    /// and the ask of one that sells (in BTT's base units, as a flag reads
    /// it: converted to the seller's token); a paused one gets them when resumed.
    /// Refused (one line) for a torrent not here, or an ask of one that
    /// does not sell.
    pub fn set_limits(
        &self,
        info_hash: &str,
        up: Option<u64>,
        down: Option<u64>,
        ask: Option<PricePerMib>,
    ) -> Result<TorrentStatus, String> {
        let unknown = || format!("no torrent {info_hash} in process {}", std::process::id());
        {
            let mut torrents = lock(&self.torrents);
            let entry = torrents.get_mut(info_hash).ok_or_else(unknown)?;
            if let Some(ask) = ask {
                let Some(Trade::Selling(seller)) = &entry.trade else {
                    return Err(format!(
                        "{} does not sell its upload (btt-seed run --ask --wallet sells)",
                        entry.torrent.info.name
                    ));
                };
                let ask = price_in_token(ask, seller.token()).map_err(|error| error.to_string())?;
                seller.set_ask(ask);
            }
            let limit = |rate: u64| Some(rate).filter(|rate| *rate > 0);
            if let Some(up) = up {
                entry.limits.upload = limit(up);
            }
            if let Some(down) = down {
                entry.limits.download = limit(down);
            }
            if let Some(session) = &entry.session {
                session.set_limits(entry.limits);
            }
        }
        self.status(info_hash).ok_or_else(unknown)
    }

    /// Takes a sample of every running torrent's counters.
    pub fn sample(&self) {
        let now = Instant::now();
        let mut torrents = lock(&self.torrents);
        for entry in torrents.values_mut() {
            let Some(session) = &entry.session else {
                continue;
            };
            let stats = session.stats();
            let samples = &mut entry.samples;
            samples.push_back((now, stats.downloaded, stats.uploaded));
            while samples
                .front()
                .is_some_and(|(at, ..)| now.duration_since(*at) > RATE_WINDOW)
            {
                samples.pop_front();
            }
        }
    }

    /// The process and every torrent of it now, by info-hash.
    pub fn process(&self) -> ProcessStatus {
        let torrents = lock(&self.torrents);
        ProcessStatus {
            pid: std::process::id(),
            program: self.program.to_string(),
            torrents: torrents
                .values()
                .map(|entry| self.entry_status(entry))
                .collect(),
        }
    }

    /// One torrent now.
    pub fn status(&self, info_hash: &str) -> Option<TorrentStatus> {
        let torrents = lock(&self.torrents);
        torrents
            .get(info_hash)
            .map(|entry| self.entry_status(entry))
    }

    /// The download that buys, with its payer: what `btt-bid` controls.
    pub fn buying(&self) -> Option<(DownloadStatus, Buyer)> {
        let torrents = lock(&self.torrents);
        torrents.values().find_map(|entry| {
            let Some(Trade::Buying(buyer)) = &entry.trade else {
                return None;
            };
            let session = entry.session.as_ref()?;
            let transfer = Transfer {
                download_rate: rates(&entry.samples).0,
                left: session.stats().left,
                total_length: entry.torrent.info.total_length,
            };
            let status = DownloadStatus::new(
                entry.torrent.info_hash.to_string(),
                entry.torrent.info.name.clone(),
                std::process::id(),
                transfer,
                &buyer.status(),
            );
            Some((status, buyer.clone()))
        })
    }

    fn entry_status(&self, entry: &Entry) -> TorrentStatus {
        let torrent = &entry.torrent;
        let (state, left, moved, limits) = match &entry.session {
            Some(session) => {
                let stats = session.stats();
                let state = match stats.complete {
                    true => TorrentState::Seeding,
                    false => TorrentState::Downloading,
                };
                let moved = moved(session, &entry.samples);
                (state, stats.left, moved, session.limits())
            }
            None => (TorrentState::Paused, entry.left, entry.last, entry.limits),
        };
        let total_length = torrent.info.total_length;
        let status = TorrentStatus {
            info_hash: torrent.info_hash.to_string(),
            name: torrent.info.name.clone(),
            pid: std::process::id(),
            program: self.program.to_string(),
            state,
            data: entry.data.display().to_string(),
            total_length,
            left: left.min(total_length),
            progress: total_length.saturating_sub(left) as f64 / total_length.max(1) as f64,
            download_rate: 0,
            upload_rate: 0,
            downloaded: 0,
            uploaded: 0,
            peers: 0,
            ratio: 0.0,
            eta_seconds: None,
            up_limit: limits.upload,
            down_limit: limits.download,
            ask: None,
            ask_base_units: None,
            paid: String::new(),
            paid_base_units: 0,
            earned: String::new(),
            earned_base_units: 0,
        };
        status
            .with_moved(moved)
            .with_money(money(entry.trade.as_ref()))
    }
}

/// A session's counters and recent rates.
fn moved(session: &Session, samples: &VecDeque<(Instant, u64, u64)>) -> Moved {
    let stats = session.stats();
    let (download_rate, upload_rate) = rates(samples);
    Moved {
        downloaded: stats.downloaded,
        uploaded: stats.uploaded,
        download_rate,
        upload_rate,
        peers: stats.peers,
        ratio: session.ratio(),
    }
}

/// Bytes per second down and up over the samples kept.
fn rates(samples: &VecDeque<(Instant, u64, u64)>) -> (u64, u64) {
    let (Some((first_at, down0, up0)), Some((last_at, down1, up1))) =
        (samples.front(), samples.back())
    else {
        return (0, 0);
    };
    let seconds = last_at.duration_since(*first_at).as_secs_f64();
    if seconds <= 0.0 {
        return (0, 0);
    }
    let per_second = |from: u64, to: u64| (to.saturating_sub(from) as f64 / seconds) as u64;
    (per_second(*down0, *down1), per_second(*up0, *up1))
}

fn money(trade: Option<&Trade>) -> Money {
    let none = Money {
        token: Token::Btt,
        paid: 0,
        earned: 0,
        ask: None,
    };
    match trade {
        Some(Trade::Buying(buyer)) => {
            let status = buyer.status();
            Money {
                token: status.token,
                paid: status.spent,
                ..none
            }
        }
        Some(Trade::Selling(seller)) => Money {
            token: seller.token(),
            earned: seller.earned(),
            ask: Some(seller.ask()),
            ..none
        },
        None => none,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_the_change_over_the_samples_kept() {
        let start = Instant::now();
        let mut samples = VecDeque::new();
        assert_eq!(rates(&samples), (0, 0));
        samples.push_back((start, 100, 0));
        assert_eq!(rates(&samples), (0, 0));
        samples.push_back((start + Duration::from_secs(2), 2_100, 600));
        assert_eq!(rates(&samples), (1_000, 300));
    }
}
