//! Transfer rates: a byte counter with a smoothed bytes-per-second estimate
//! and the rate of the last interval alone, updated once per second by the
//! session's ticker.

use std::time::Instant;

/// Counts bytes and estimates their recent rate.
#[derive(Debug, Clone)]
pub struct RateMeter {
    total: u64,
    counted_at_tick: u64,
    rate: f64,
    latest: f64,
    ticked_at: Instant,
}

impl RateMeter {
    /// A meter starting at zero.
    pub fn new(now: Instant) -> RateMeter {
        RateMeter {
            total: 0,
            counted_at_tick: 0,
            rate: 0.0,
            latest: 0.0,
            ticked_at: now,
        }
    }

    /// Counts `bytes` more.
    pub fn add(&mut self, bytes: u64) {
        self.total += bytes;
    }

    /// Folds the bytes since the last tick into the rate (a 5 s moving average).
    pub fn tick(&mut self, now: Instant) {
        let seconds = now.saturating_duration_since(self.ticked_at).as_secs_f64();
        if seconds <= 0.0 {
            return;
        }
        let instant_rate = (self.total - self.counted_at_tick) as f64 / seconds;
        let weight = (seconds / 5.0).min(1.0);
        self.rate += (instant_rate - self.rate) * weight;
        self.latest = instant_rate;
        self.counted_at_tick = self.total;
        self.ticked_at = now;
    }

    /// Bytes per second, recently.
    pub fn rate(&self) -> u64 {
        self.rate as u64
    }

    /// Bytes per second between the last two ticks, unsmoothed.
    pub fn latest(&self) -> u64 {
        self.latest as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rate_converges_on_a_steady_flow() {
        let start = Instant::now();
        let mut meter = RateMeter::new(start);
        for second in 1..=30 {
            meter.add(1000);
            meter.tick(start + Duration::from_secs(second));
        }
        assert!((990..=1000).contains(&meter.rate()), "{}", meter.rate());
    }

    #[test]
    fn the_latest_rate_is_the_last_interval_alone() {
        let start = Instant::now();
        let mut meter = RateMeter::new(start);
        meter.add(1000);
        meter.tick(start + Duration::from_secs(1));
        meter.add(4000);
        meter.tick(start + Duration::from_secs(3));
        assert_eq!(meter.latest(), 2000);
        assert!(meter.rate() < 2000, "smoothed: {}", meter.rate());
    }
}
