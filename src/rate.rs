//! Upload and download rate limits: a token bucket per direction, shared by
//! every peer of a torrent, and a global one shared by every torrent of the
//! process. `None` is no limit.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A token bucket refilled at `rate` bytes per second, holding at most one
/// second of tokens so a pause does not turn into a burst.
#[derive(Debug)]
pub struct RateLimiter {
    rate: Option<u64>,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    /// A limiter of `rate` bytes per second, or none.
    pub fn new(rate: Option<u64>) -> RateLimiter {
        RateLimiter {
            rate: rate.filter(|rate| *rate > 0),
            state: Mutex::new(Bucket {
                tokens: rate.unwrap_or(0) as f64,
                refilled_at: Instant::now(),
            }),
        }
    }

    /// How long to wait before `bytes` may pass; takes the tokens either way.
    pub fn reserve(&self, bytes: u64, now: Instant) -> Duration {
        let Some(rate) = self.rate else {
            return Duration::ZERO;
        };
        let mut bucket = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let elapsed = now
            .saturating_duration_since(bucket.refilled_at)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate as f64).min(rate as f64);
        bucket.refilled_at = now;
        bucket.tokens -= bytes as f64;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / rate as f64)
        }
    }

    /// Waits until `bytes` may pass.
    pub async fn acquire(&self, bytes: u64) {
        let wait = self.reserve(bytes, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// One direction's limits for a torrent: its own bucket, then the process's.
#[derive(Debug, Clone)]
pub struct Limits {
    torrent: Arc<RateLimiter>,
    global: Arc<RateLimiter>,
}

impl Limits {
    /// A torrent limit of `torrent` bytes per second under the shared `global` one.
    pub fn new(torrent: Option<u64>, global: Arc<RateLimiter>) -> Limits {
        Limits {
            torrent: Arc::new(RateLimiter::new(torrent)),
            global,
        }
    }

    /// Waits until `bytes` may pass both limits.
    pub async fn acquire(&self, bytes: u64) {
        self.torrent.acquire(bytes).await;
        self.global.acquire(bytes).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_never_waits() {
        let limiter = RateLimiter::new(None);
        assert_eq!(
            limiter.reserve(u64::MAX / 2, Instant::now()),
            Duration::ZERO
        );
    }

    #[test]
    fn debt_is_paid_back_at_the_rate() {
        let limiter = RateLimiter::new(Some(1000));
        let start = Instant::now();
        assert_eq!(limiter.reserve(1000, start), Duration::ZERO);
        assert_eq!(limiter.reserve(500, start), Duration::from_millis(500));
        assert_eq!(
            limiter.reserve(0, start + Duration::from_millis(500)),
            Duration::ZERO
        );
    }

    #[tokio::test]
    async fn torrents_draw_on_one_global_bucket() {
        let global = Arc::new(RateLimiter::new(Some(1000)));
        let first = Limits::new(None, Arc::clone(&global));
        let second = Limits::new(Some(1_000_000), Arc::clone(&global));
        first.acquire(600).await;
        second.acquire(400).await;
        let wait = global.reserve(500, Instant::now());
        assert!(
            wait >= Duration::from_millis(400),
            "shared bucket drained: {wait:?}"
        );
    }

    #[test]
    fn idle_time_does_not_bank_more_than_one_second() {
        let limiter = RateLimiter::new(Some(1000));
        let start = Instant::now();
        let later = start + Duration::from_secs(60);
        assert_eq!(limiter.reserve(1000, later), Duration::ZERO);
        assert_eq!(limiter.reserve(1000, later), Duration::from_secs(1));
    }
}
