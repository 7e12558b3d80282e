//! How the control socket's records print: a torrent of a running process
//! (`torrent_status`, one per torrent in NDJSON) and, for a person, the
//! table of every torrent on the machine (`btt-seed status`, which
//! `--watch` redraws in place).

use super::swarm::bytes;
use super::Record;
use crate::control::protocol::{TorrentState, TorrentStatus};
use serde::Serialize;

/// Moves the cursor home and clears the terminal: a redrawn table.
const CLEAR: &str = "\x1b[H\x1b[2J";

impl Record for TorrentStatus {
    const TYPE: &'static str = "torrent_status";

    fn human(&self) -> Option<String> {
        Some(format!(
            "{} {} ({} pid {}): {}, {:.0}% done, up limit {}, down limit {}",
            short_hash(&self.info_hash),
            self.name,
            self.program,
            self.pid,
            self.state.name(),
            self.progress * 100.0,
            limit(self.up_limit),
            limit(self.down_limit)
        ))
    }
}

/// Every torrent of every running process, as one table for a person.
#[derive(Debug, Serialize)]
pub struct TorrentTable<'a> {
    /// The torrents, by info-hash.
    pub torrents: &'a [TorrentStatus],
    /// Whether the table replaces the last one on the screen (`--watch`).
    #[serde(skip)]
    pub redraw: bool,
}

impl Record for TorrentTable<'_> {
    const TYPE: &'static str = "torrent_table";

    fn human(&self) -> Option<String> {
        let clear = if self.redraw { CLEAR } else { "" };
        if self.torrents.is_empty() {
            return Some(format!(
                "{clear}no btt-get or btt-seed run is running on this machine"
            ));
        }
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.set_header([
            "info-hash",
            "name",
            "program",
            "pid",
            "state",
            "done",
            "down",
            "up",
            "peers",
            "ratio",
            "paid/earned",
            "eta",
        ]);
        for torrent in self.torrents {
            table.add_row(row(torrent));
        }
        Some(format!("{clear}{table}"))
    }
}

fn row(torrent: &TorrentStatus) -> Vec<String> {
    let dash = || "-".to_string();
    let money = match (torrent.paid_base_units, torrent.earned_base_units) {
        (0, 0) => dash(),
        (0, _) => format!("+{}", torrent.earned),
        (_, _) => format!("-{}", torrent.paid),
    };
    let running = torrent.state != TorrentState::Paused;
    let rate = |rate: u64| match running {
        true => format!("{}/s", bytes(rate)),
        false => dash(),
    };
    vec![
        short_hash(&torrent.info_hash).to_string(),
        torrent.name.clone(),
        torrent.program.clone(),
        torrent.pid.to_string(),
        torrent.state.name().to_string(),
        format!("{:.0}%", torrent.progress * 100.0),
        rate(torrent.download_rate),
        rate(torrent.upload_rate),
        torrent.peers.to_string(),
        format!("{:.2}", torrent.ratio),
        money,
        torrent.eta_seconds.map_or_else(dash, |seconds| {
            humantime::format_duration(std::time::Duration::from_secs(seconds)).to_string()
        }),
    ]
}

fn short_hash(info_hash: &str) -> &str {
    &info_hash[..info_hash.len().min(12)]
}

fn limit(rate: Option<u64>) -> String {
    rate.map_or_else(|| "none".to_string(), |rate| format!("{}/s", bytes(rate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: TorrentState, earned: u128) -> TorrentStatus {
        let line = r#"{"info_hash":"0123456789abcdef0123456789abcdef01234567","name":"album",
            "pid":7,"program":"btt-seed","state":"seeding","data":"/d","total_length":4,"left":0,
            "progress":1.0,"download_rate":0,"upload_rate":2048,"downloaded":0,"uploaded":9,
            "peers":2,"ratio":0.5,"eta_seconds":null,"up_limit":null,"down_limit":null,"ask":null,
            "ask_base_units":null,"paid":"0BTT","paid_base_units":"0","earned":"0.5BTT",
            "earned_base_units":"0"}"#;
        let status: TorrentStatus = serde_json::from_str(line).unwrap();
        TorrentStatus {
            state,
            earned_base_units: earned,
            ..status
        }
    }

    #[test]
    fn a_row_shows_rates_only_while_running_and_what_was_earned() {
        let seeding = row(&status(TorrentState::Seeding, 500_000));
        assert_eq!(seeding[0], "0123456789ab");
        assert_eq!(seeding[7], "2.0 KiB/s");
        assert_eq!(seeding[10], "+0.5BTT");
        let paused = row(&status(TorrentState::Paused, 0));
        assert_eq!((paused[4].as_str(), paused[7].as_str()), ("paused", "-"));
        assert_eq!(paused[10], "-");
    }

    #[test]
    fn a_redrawn_table_clears_the_screen_first() {
        let torrents = [status(TorrentState::Seeding, 0)];
        let table = TorrentTable {
            torrents: &torrents,
            redraw: true,
        };
        let text = table.human().unwrap();
        assert!(text.starts_with(CLEAR) && text.contains("album"), "{text}");
        let empty = TorrentTable {
            torrents: &[],
            redraw: false,
        };
        assert!(empty.human().unwrap().starts_with("no btt-get"));
    }
}
