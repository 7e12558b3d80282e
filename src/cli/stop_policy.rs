//! When a torrent's run stops: what it does once complete ([`SeedPolicy`])
//! and why it stopped ([`StopReason`], the `stopped_by` of its summary).

use std::time::Duration;

/// What a torrent does once every wanted piece is verified.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SeedPolicy {
    /// Stop at once.
    Stop,
    /// Seed until the ratio or the time is reached, whichever comes first;
    /// with neither, until stopped otherwise (`--for`, a signal).
    Seed {
        /// Stop at this upload/download ratio.
        ratio: Option<f64>,
        /// Stop after seeding this long.
        time: Option<Duration>,
    },
}

impl SeedPolicy {
    /// `btt-get`'s policy: seed only when a ratio or a time is given.
    pub fn after_download(ratio: Option<f64>, time: Option<Duration>) -> SeedPolicy {
        if ratio.is_none() && time.is_none() {
            return SeedPolicy::Stop;
        }
        SeedPolicy::Seed { ratio, time }
    }

    /// Whether a complete torrent keeps running.
    pub fn seeds(self) -> bool {
        self != SeedPolicy::Stop
    }

    /// Why a complete torrent stops now, at `ratio` after seeding for
    /// `seeding_for`; `None` while it keeps seeding.
    pub fn reached(self, ratio: f64, seeding_for: Duration) -> Option<StopReason> {
        match self {
            SeedPolicy::Stop => Some(StopReason::Complete),
            SeedPolicy::Seed {
                ratio: Some(target),
                ..
            } if ratio >= target => Some(StopReason::Ratio),
            SeedPolicy::Seed {
                time: Some(time), ..
            } if seeding_for >= time => Some(StopReason::SeedTime),
            SeedPolicy::Seed { .. } => None,
        }
    }
}

/// How one torrent's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Downloaded and not asked to seed.
    Complete,
    /// The seed ratio was reached.
    Ratio,
    /// The seed time was reached.
    SeedTime,
    /// `--for` elapsed.
    TimeLimit,
    /// SIGINT or SIGTERM.
    Interrupted,
    /// No data arrived for `--stall-timeout`.
    Stalled,
    /// Paused over the control socket (`btt-seed pause`).
    Paused,
    /// Removed over the control socket or from the watch directory.
    Removed,
}

impl StopReason {
    /// The name in the `summary` record's `stopped_by`.
    pub fn name(self) -> &'static str {
        match self {
            StopReason::Complete => "complete",
            StopReason::Ratio => "ratio",
            StopReason::SeedTime => "seed_time",
            StopReason::TimeLimit => "time_limit",
            StopReason::Interrupted => "interrupted",
            StopReason::Stalled => "stalled",
            StopReason::Paused => "paused",
            StopReason::Removed => "removed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_download_seeds_only_when_told_how_long() {
        assert_eq!(SeedPolicy::after_download(None, None), SeedPolicy::Stop);
        assert!(!SeedPolicy::Stop.seeds());
        assert!(SeedPolicy::after_download(Some(1.0), None).seeds());
        assert!(SeedPolicy::after_download(None, Some(MINUTE)).seeds());
    }

    #[test]
    fn the_first_limit_reached_stops_seeding() {
        let both = SeedPolicy::Seed {
            ratio: Some(2.0),
            time: Some(MINUTE),
        };
        assert_eq!(both.reached(1.9, MINUTE / 2), None);
        assert_eq!(both.reached(2.0, MINUTE / 2), Some(StopReason::Ratio));
        assert_eq!(both.reached(1.0, MINUTE), Some(StopReason::SeedTime));
        assert_eq!(both.reached(3.0, MINUTE * 2), Some(StopReason::Ratio));
    }

    #[test]
    fn seeding_without_limits_never_stops_and_stop_stops_at_once() {
        let forever = SeedPolicy::Seed {
            ratio: None,
            time: None,
        };
        assert!(forever.seeds());
        assert_eq!(forever.reached(f64::MAX, MINUTE * 1000), None);
        assert_eq!(
            SeedPolicy::Stop.reached(0.0, Duration::ZERO),
            Some(StopReason::Complete)
        );
    }
}
