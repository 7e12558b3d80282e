//! How swarm events look: NDJSON records on a pipe; for a person the progress
//! bar shows progress and one line or table per notable event.

use super::Record;
use crate::swarm::events::{
    Completed, PeerBanned, PeersFound, PieceFailed, Progress, Started, Summary, TrackerFailed,
    WebSeedFailed,
};

/// A human-readable byte count (binary units).
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{count} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

impl Record for Started {
    const TYPE: &'static str = "started";
    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for Progress {
    const TYPE: &'static str = "progress";
    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for PieceFailed {
    const TYPE: &'static str = "piece_failed";
    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for PeerBanned {
    const TYPE: &'static str = "peer_banned";
    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for TrackerFailed {
    const TYPE: &'static str = "tracker_failed";
    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for WebSeedFailed {
    const TYPE: &'static str = "web_seed_failed";
    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for PeersFound {
    const TYPE: &'static str = "peers_found";
    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for Completed {
    const TYPE: &'static str = "completed";
    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for Summary {
    const TYPE: &'static str = "summary";
    fn human(&self) -> Option<String> {
        let state = if self.complete {
            "complete"
        } else {
            "incomplete"
        };
        Some(format!(
            "{}  {state}  {} down at {}/s, {} up, ratio {:.2}, {:.1}s ({})",
            self.name,
            bytes(self.downloaded),
            bytes(self.download_rate),
            bytes(self.uploaded),
            self.ratio,
            self.seconds,
            self.stopped_by
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_use_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
