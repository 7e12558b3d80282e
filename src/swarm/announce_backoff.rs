//! How soon a torrent announces again while it has no peers. A tracker's
//! interval is minutes long; a leecher that announced just before its only
//! seeder did would wait that long for it. So while a torrent has no peer,
//! the next announce comes after [`FIRST_RETRY`], doubling each time up to
//! the tracker's interval; a tracker's `min interval` is always honoured,
//! and the wait is the interval again once there are peers.
//!
//! A pure decision: the announcers (the session's and the metadata
//! phase's) ask it after each answer.

use std::time::Duration;

/// The first wait after an answer that left the torrent without peers.
pub const FIRST_RETRY: Duration = Duration::from_secs(2);

/// The wait of the next lonely announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LonelyBackoff {
    next: Duration,
}

impl Default for LonelyBackoff {
    fn default() -> Self {
        LonelyBackoff { next: FIRST_RETRY }
    }
}

impl LonelyBackoff {
    /// How long to wait after an answer with `interval` and `min_interval`,
    /// when the torrent is `lonely` (no peer to talk to).
    pub fn wait(
        &mut self,
        interval: Duration,
        min_interval: Option<Duration>,
        lonely: bool,
    ) -> Duration {
        if !lonely {
            self.next = FIRST_RETRY;
            return interval;
        }
        let wait = self.next.min(interval);
        self.next = self.next.saturating_mul(2);
        wait.max(min_interval.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_secs(1800);

    #[test]
    fn a_lonely_torrent_announces_soon_then_less_often_up_to_the_interval() {
        let mut backoff = LonelyBackoff::default();
        let waits: Vec<u64> = (0..12)
            .map(|_| backoff.wait(INTERVAL, None, true).as_secs())
            .collect();
        assert_eq!(
            waits,
            [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1800, 1800]
        );
    }

    #[test]
    fn peers_reset_the_backoff_and_min_interval_is_honoured() {
        let mut backoff = LonelyBackoff::default();
        backoff.wait(INTERVAL, None, true);
        backoff.wait(INTERVAL, None, true);
        assert_eq!(backoff.wait(INTERVAL, None, false), INTERVAL);
        assert_eq!(backoff.wait(INTERVAL, None, true), FIRST_RETRY);
        let min = Some(Duration::from_secs(60));
        assert_eq!(backoff.wait(INTERVAL, min, true), Duration::from_secs(60));
        let short = Duration::from_secs(1);
        assert_eq!(backoff.wait(short, None, true), short);
    }
}
