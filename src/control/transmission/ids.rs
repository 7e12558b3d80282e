//! Transmission names torrents by small integers that last as long as the
//! process; btt names them by info-hash. The [`IdBook`] gives each info-hash
//! an id the first time it is seen and never gives that id to another.
//!
//! Invariant: ids start at 1, grow by one, and are never reused, so an id a
//! client kept can't name a different torrent later.

use crate::control::protocol::TorrentStatus;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a removed torrent is reported as `removed` to `recently-active`.
const REMEMBER_REMOVED: Duration = Duration::from_secs(60);

/// What the book keeps of one torrent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Its id.
    pub id: i64,
    /// When it was first seen, seconds since 1970.
    pub added: u64,
}

/// The ids given so far.
#[derive(Debug, Default)]
pub struct IdBook {
    next: i64,
    ids: HashMap<String, Entry>,
    removed: Vec<(i64, Instant)>,
}

impl IdBook {
    /// Gives an id to each torrent of `torrents` that has none, and notes the
    /// ids of those no longer listed as removed.
    pub fn sync(&mut self, torrents: &[TorrentStatus]) {
        let now = Instant::now();
        let listed: std::collections::HashSet<&str> = torrents
            .iter()
            .map(|torrent| torrent.info_hash.as_str())
            .collect();
        let removed: Vec<i64> = self
            .ids
            .iter()
            .filter(|(hash, _)| !listed.contains(hash.as_str()))
            .map(|(_, entry)| entry.id)
            .collect();
        self.ids.retain(|hash, _| listed.contains(hash.as_str()));
        self.removed.extend(removed.into_iter().map(|id| (id, now)));
        self.removed
            .retain(|(_, when)| now.duration_since(*when) < REMEMBER_REMOVED);
        for torrent in torrents {
            if !self.ids.contains_key(&torrent.info_hash) {
                self.next += 1;
                let entry = Entry {
                    id: self.next,
                    added: seconds_now(),
                };
                self.ids.insert(torrent.info_hash.clone(), entry);
            }
        }
    }

    /// The entry of the torrent of `info_hash`, once synced.
    pub fn entry(&self, info_hash: &str) -> Option<Entry> {
        self.ids.get(info_hash).copied()
    }

    /// The ids of torrents removed within the last minute.
    pub fn recently_removed(&self) -> Vec<i64> {
        self.removed.iter().map(|(id, _)| *id).collect()
    }
}

fn seconds_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::protocol::TorrentState;

    fn torrent(info_hash: &str) -> TorrentStatus {
        TorrentStatus {
            info_hash: info_hash.to_string(),
            name: info_hash.to_string(),
            pid: 1,
            program: "btt-seed".to_string(),
            state: TorrentState::Seeding,
            data: "/data".to_string(),
            total_length: 1,
            left: 0,
            progress: 1.0,
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
            paid: "0".to_string(),
            paid_base_units: 0,
            earned: "0".to_string(),
            earned_base_units: 0,
        }
    }

    #[test]
    fn an_id_is_never_given_to_another_torrent() {
        let mut book = IdBook::default();
        book.sync(&[torrent("a"), torrent("b")]);
        let (a, b) = (book.entry("a").unwrap().id, book.entry("b").unwrap().id);
        assert_eq!((a, b), (1, 2));
        book.sync(&[torrent("b")]);
        assert_eq!(book.entry("a"), None);
        assert_eq!(book.recently_removed(), vec![1]);
        book.sync(&[torrent("b"), torrent("a")]);
        assert_eq!(book.entry("a").unwrap().id, 3, "a comes back with a new id");
        assert_eq!(book.entry("b").unwrap().id, 2);
    }
}
