//! Upload and download rate limits: a token bucket per direction, shared by
//! every peer of a torrent, and a global one shared by every torrent of the
//! process. `None` is no limit.
//!
//! Invariant: over any window of `w` seconds, at most
//! `rate × w + burst + one grant` bytes pass a limiter, where the burst is
//! [`BURST`] of the rate. The bucket starts with only the burst and a pause
//! banks no more, so neither the start nor a lull turns into an overshoot.
//! A grant larger than the tokens left is taken as a debt that it waits out
//! before its bytes pass, so a batch needs no bigger bucket; callers keep a
//! grant to [`Limits::grant_size`] so that one grant is no more than a burst.
//! With 100 ms of burst and grants of at most a burst, any 10 s window stays
//! within 2% of the rate (a grant is never smaller than one 16 KiB block,
//! which is more than a burst below 160 KiB/s).
//!
//! A torrent's own limit can change while it runs ([`Limits::set_torrent_rate`],
//! `btt-seed set`): the bucket keeps its tokens, clamped to the new burst.
//!
//! The bucket is one shared queue of debt: bytes pass in the order they were
//! reserved. A seller's upload limit is split by [`Share`]: while paid slots
//! have sent in the last second, free peers also pass a bucket of their own
//! at `--free-share` of the limit, so paid slots get the rest and free peers
//! keep that floor; with no paid traffic, free peers have the whole limit.
//! The paid part is split in proportion to price: each paid slot that sent
//! in the last second also passes a bucket of its own at
//! `paid part × its price ÷ Σ prices of those slots` ([`PaidSlots`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most a limiter lets through at once after a pause, as time at its rate.
pub const BURST: Duration = Duration::from_millis(100);

/// A token bucket refilled at `rate` bytes per second, holding at most
/// [`BURST`] of tokens.
#[derive(Debug)]
pub struct RateLimiter {
    /// Bytes per second; 0 is no limit.
    rate: AtomicU64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl Bucket {
    /// A bucket holding one burst at `rate` at `now`.
    fn full(rate: u64, now: Instant) -> Bucket {
        Bucket {
            tokens: burst_of(rate),
            refilled_at: now,
        }
    }

    /// Refills at `rate` up to one burst, takes `bytes`, and says how long
    /// to wait for a debt to be paid back.
    fn take(&mut self, rate: u64, bytes: u64, now: Instant) -> Duration {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate as f64).min(burst_of(rate));
        self.refilled_at = self.refilled_at.max(now);
        self.tokens -= bytes as f64;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / rate as f64)
        }
    }
}

impl RateLimiter {
    /// A limiter of `rate` bytes per second, or none.
    pub fn new(rate: Option<u64>) -> RateLimiter {
        RateLimiter::starting_at(rate, Instant::now())
    }

    /// A limiter whose bucket is full (one burst) at `now`.
    fn starting_at(rate: Option<u64>, now: Instant) -> RateLimiter {
        let rate = rate.unwrap_or(0);
        RateLimiter {
            rate: AtomicU64::new(rate),
            state: Mutex::new(Bucket::full(rate, now)),
        }
    }

    /// The limit in bytes per second; `None` without one.
    pub fn rate(&self) -> Option<u64> {
        Some(self.rate.load(Ordering::Relaxed)).filter(|rate| *rate > 0)
    }

    /// Changes the limit (`None` or 0: none) from now on.
    pub fn set_rate(&self, rate: Option<u64>) {
        self.rate.store(rate.unwrap_or(0), Ordering::Relaxed);
    }

    /// The bytes of one burst, the most a caller should ask for at once;
    /// `None` without a limit.
    pub fn burst(&self) -> Option<u64> {
        self.rate().map(|rate| burst_of(rate) as u64)
    }

    /// How long to wait before `bytes` may pass; takes the tokens either way.
    pub fn reserve(&self, bytes: u64, now: Instant) -> Duration {
        let Some(rate) = self.rate() else {
            return Duration::ZERO;
        };
        let mut bucket = crate::sync::lock(&self.state);
        bucket.take(rate, bytes, now)
    }

    /// Waits until `bytes` may pass.
    pub async fn acquire(&self, bytes: u64) {
        let wait = self.reserve(bytes, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// The tokens of one burst at `rate` bytes per second.
fn burst_of(rate: u64) -> f64 {
    rate as f64 * BURST.as_secs_f64()
}

/// How long paid traffic keeps free peers to their floor after it stops.
const PAID_ACTIVE: Duration = Duration::from_secs(1);

/// Which share of an upload limit bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    /// A paid slot: the peer (its swarm key) and the price it pays per MiB.
    Paid { peer: u64, price: u64 },
    /// Everyone else: free regular slots, the optimistic slot, allowed-fast pieces.
    Free,
}

/// Free peers' bucket while paid slots are busy.
#[derive(Debug)]
struct FreeFloor {
    bucket: RateLimiter,
    paid_at: Mutex<Option<Instant>>,
}

impl FreeFloor {
    fn paid_recently(&self, now: Instant) -> bool {
        let paid_at = self.paid_at.lock().unwrap_or_else(|p| p.into_inner());
        paid_at.is_some_and(|at| now.saturating_duration_since(at) < PAID_ACTIVE)
    }

    fn mark_paid(&self, now: Instant) {
        *self.paid_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(now);
    }
}

/// The paid part of a limit, split between the paid slots that sent in
/// the last second in proportion to their prices.
#[derive(Debug)]
pub struct PaidSlots {
    rate: u64,
    slots: Mutex<Vec<PaidSlot>>,
}

/// One paid slot's bucket, refilled at its share of the paid part.
#[derive(Debug)]
struct PaidSlot {
    peer: u64,
    price: u64,
    sent_at: Instant,
    bucket: Bucket,
}

impl PaidSlots {
    /// The paid part: `rate` bytes per second.
    pub fn new(rate: u64) -> PaidSlots {
        PaidSlots {
            rate: rate.max(1),
            slots: Mutex::new(Vec::new()),
        }
    }

    /// How long `peer`, paying `price`, waits before `bytes` pass its share;
    /// takes its tokens either way.
    pub fn reserve(&self, peer: u64, price: u64, bytes: u64, now: Instant) -> Duration {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.retain(|slot| now.saturating_duration_since(slot.sent_at) < PAID_ACTIVE);
        let others: u128 = slots
            .iter()
            .filter(|slot| slot.peer != peer)
            .map(|slot| u128::from(slot.price.max(1)))
            .sum();
        let weight = u128::from(price.max(1));
        let share = (u128::from(self.rate) * weight / (others + weight)).max(1);
        let share = u64::try_from(share).unwrap_or(self.rate);
        let index = match slots.iter().position(|slot| slot.peer == peer) {
            Some(index) => index,
            None => {
                slots.push(PaidSlot {
                    peer,
                    price,
                    sent_at: now,
                    bucket: Bucket::full(share, now),
                });
                slots.len() - 1
            }
        };
        let slot = &mut slots[index];
        slot.price = price;
        slot.sent_at = now;
        slot.bucket.take(share, bytes, now)
    }
}

/// One direction's limits for a torrent: its own bucket, then the process's.
#[derive(Debug, Clone)]
pub struct Limits {
    torrent: Arc<RateLimiter>,
    global: Arc<RateLimiter>,
    free: Option<Arc<FreeFloor>>,
    paid: Option<Arc<PaidSlots>>,
}

impl Limits {
    /// A torrent limit of `torrent` bytes per second under the shared `global` one.
    pub fn new(torrent: Option<u64>, global: Arc<RateLimiter>) -> Limits {
        Limits {
            torrent: Arc::new(RateLimiter::new(torrent)),
            global,
            free: None,
            paid: None,
        }
    }

    /// These limits with free peers held to `percent` of the tighter limit
    /// while paid slots send, and paid slots sharing the rest in proportion
    /// to price (no change without a limit, or at 100%).
    pub fn with_free_share(self, percent: u8) -> Limits {
        let rate = [self.torrent.rate(), self.global.rate()]
            .into_iter()
            .flatten()
            .min();
        let Some(rate) = rate.filter(|_| percent < 100) else {
            return self;
        };
        let floor = (rate * u64::from(percent) / 100).max(1);
        Limits {
            free: Some(Arc::new(FreeFloor {
                bucket: RateLimiter::new(Some(floor)),
                paid_at: Mutex::new(None),
            })),
            paid: Some(Arc::new(PaidSlots::new(rate - floor.min(rate)))),
            ..self
        }
    }

    /// Waits until `bytes` of `share` may pass.
    pub async fn acquire_share(&self, bytes: u64, share: Share) {
        if let (Some(free), Some(paid)) = (&self.free, &self.paid) {
            let now = Instant::now();
            let wait = match share {
                Share::Paid { peer, price } => {
                    free.mark_paid(now);
                    paid.reserve(peer, price, bytes, now)
                }
                Share::Free if free.paid_recently(now) => free.bucket.reserve(bytes, now),
                Share::Free => Duration::ZERO,
            };
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        self.acquire(bytes).await;
    }

    /// The torrent's own limit (`None`: none); the process's is unchanged.
    /// The free and paid shares keep the split of the limits they started with.
    pub fn set_torrent_rate(&self, rate: Option<u64>) {
        self.torrent.set_rate(rate);
    }

    /// The torrent's own limit.
    pub fn torrent_rate(&self) -> Option<u64> {
        self.torrent.rate()
    }

    /// The most bytes to ask for in one [`Limits::acquire`]: the smaller
    /// burst of the two limits (`u64::MAX` without any).
    pub fn grant_size(&self) -> u64 {
        let bursts = [self.torrent.burst(), self.global.burst()];
        bursts.into_iter().flatten().min().unwrap_or(u64::MAX)
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

    const MIB: u64 = 1024 * 1024;
    const BLOCK: u64 = 16 * 1024;
    const WINDOW: Duration = Duration::from_secs(10);

    /// Greedy senders on a simulated clock: each asks for `grant` bytes, and
    /// asks again as soon as its bytes have passed, waking `late` after the
    /// wait it was told (a busy machine's timers).
    struct Simulation {
        limiter: RateLimiter,
        start: Instant,
        grant: u64,
        late: Duration,
        /// When each sender asks next.
        senders: Vec<Instant>,
        /// When bytes passed, and how many, in time order.
        passed: Vec<(Instant, u64)>,
    }

    impl Simulation {
        fn new(rate: u64, grant: u64, senders: usize, late: Duration) -> Simulation {
            let start = Instant::now();
            Simulation {
                limiter: RateLimiter::starting_at(Some(rate), start),
                start,
                grant,
                late,
                senders: vec![start; senders],
                passed: Vec::new(),
            }
        }

        /// Runs every sender until `until` after the start.
        fn run_until(&mut self, until: Duration) {
            let end = self.start + until;
            while let Some((sender, asks)) = self.next_sender().filter(|(_, at)| *at < end) {
                let passes = asks + self.limiter.reserve(self.grant, asks);
                self.passed.push((passes, self.grant));
                self.senders[sender] = passes + self.late;
            }
            self.passed.sort();
        }

        /// Pauses every sender for `pause`.
        fn pause(&mut self, pause: Duration) {
            let resume = self.senders.iter().max().copied().unwrap_or(self.start) + pause;
            self.senders.fill(resume);
        }

        fn next_sender(&self) -> Option<(usize, Instant)> {
            self.senders
                .iter()
                .copied()
                .enumerate()
                .min_by_key(|(_, at)| *at)
        }

        /// The most bytes that passed in any window of `window`.
        fn most_in(&self, window: Duration) -> u64 {
            let mut most = 0;
            let mut inside = 0;
            let mut first = 0;
            for &(at, bytes) in &self.passed {
                inside += bytes;
                while self.passed[first].0 + window <= at {
                    inside -= self.passed[first].1;
                    first += 1;
                }
                most = most.max(inside);
            }
            most
        }

        fn total(&self) -> u64 {
            self.passed.iter().map(|(_, bytes)| bytes).sum()
        }
    }

    /// The most bytes a 10 s window may carry at `rate`: 3% over.
    fn window_bound(rate: u64) -> u64 {
        rate * WINDOW.as_secs() * 103 / 100
    }

    #[test]
    fn unlimited_never_waits() {
        let limiter = RateLimiter::new(None);
        assert_eq!(
            limiter.reserve(u64::MAX / 2, Instant::now()),
            Duration::ZERO
        );
        assert_eq!(limiter.burst(), None);
    }

    #[test]
    fn a_limit_set_while_running_applies_to_the_next_bytes() {
        let start = Instant::now();
        let limiter = RateLimiter::starting_at(None, start);
        limiter.set_rate(Some(10_000));
        assert_eq!(limiter.burst(), Some(1000));
        assert_eq!(limiter.reserve(6000, start), Duration::from_millis(600));
        limiter.set_rate(None);
        assert_eq!(limiter.reserve(u64::MAX / 2, start), Duration::ZERO);
        assert_eq!(limiter.rate(), None);
    }

    #[test]
    fn debt_is_paid_back_at_the_rate() {
        let start = Instant::now();
        let limiter = RateLimiter::starting_at(Some(10_000), start);
        assert_eq!(limiter.reserve(1000, start), Duration::ZERO);
        assert_eq!(limiter.reserve(5000, start), Duration::from_millis(500));
        assert_eq!(
            limiter.reserve(0, start + Duration::from_millis(500)),
            Duration::ZERO
        );
    }

    #[test]
    fn the_bucket_starts_with_one_burst() {
        let start = Instant::now();
        let limiter = RateLimiter::starting_at(Some(10_000), start);
        assert_eq!(limiter.burst(), Some(1000));
        assert_eq!(limiter.reserve(1000, start), Duration::ZERO);
        assert_eq!(limiter.reserve(1000, start), Duration::from_millis(100));
    }

    #[test]
    fn idle_time_banks_no_more_than_one_burst() {
        let start = Instant::now();
        let limiter = RateLimiter::starting_at(Some(10_000), start);
        let later = start + Duration::from_secs(60);
        assert_eq!(limiter.reserve(1000, later), Duration::ZERO);
        assert_eq!(limiter.reserve(1000, later), Duration::from_millis(100));
    }

    #[test]
    fn greedy_senders_stay_within_3_percent_over_every_10_s_window() {
        for (rate, senders) in [(20 * MIB, 8), (10 * MIB, 1), (MIB, 4), (256 * 1024, 2)] {
            let limiter = RateLimiter::new(Some(rate));
            // As a connection asks: 16 blocks, cut to one burst.
            let grant = limiter.burst().unwrap_or(BLOCK).clamp(BLOCK, 16 * BLOCK);
            let mut simulation = Simulation::new(rate, grant, senders, Duration::from_millis(1));
            simulation.run_until(Duration::from_secs(30));
            let most = simulation.most_in(WINDOW);
            assert!(most <= window_bound(rate), "{rate} B/s: {most} B in 10 s");
        }
    }

    #[test]
    fn a_pause_does_not_turn_into_an_overshoot() {
        let rate = 20 * MIB;
        let mut simulation = Simulation::new(rate, 256 * 1024, 4, Duration::ZERO);
        simulation.run_until(Duration::from_secs(5));
        simulation.pause(Duration::from_secs(60));
        simulation.run_until(Duration::from_secs(80));
        let most = simulation.most_in(WINDOW);
        assert!(most <= window_bound(rate), "{most} B in 10 s");
    }

    #[test]
    fn late_timers_still_reach_the_rate() {
        let rate = 20 * MIB;
        let mut simulation = Simulation::new(rate, 256 * 1024, 4, Duration::from_millis(20));
        simulation.run_until(Duration::from_secs(30));
        let total = simulation.total();
        assert!(total >= rate * 30 * 97 / 100, "{total} B in 30 s");
    }

    /// Greedy paid senders on a simulated clock, as [`Simulation`] does for
    /// one bucket: `(price, stops after)` each; returns the bytes each sent.
    fn paid_run(rate: u64, senders: &[(u64, Duration)], until: Duration) -> Vec<u64> {
        let start = Instant::now();
        let slots = PaidSlots::new(rate);
        let grant = 64 * 1024;
        let mut next = vec![start; senders.len()];
        let mut sent = vec![0; senders.len()];
        loop {
            let asking = (0..senders.len())
                .filter(|&i| next[i] < start + senders[i].1.min(until))
                .min_by_key(|&i| next[i]);
            let Some(i) = asking else { break };
            let passes = next[i] + slots.reserve(i as u64, senders[i].0, grant, next[i]);
            if passes < start + until {
                sent[i] += grant;
            }
            next[i] = passes;
        }
        sent
    }

    #[test]
    fn paid_slots_share_in_proportion_to_price() {
        let rate = 8 * MIB;
        let forever = Duration::from_secs(3600);
        let sent = paid_run(rate, &[(2000, forever), (1000, forever)], WINDOW);
        let (high, low) = (sent[0] as f64, sent[1] as f64);
        assert!((high / low - 2.0).abs() < 0.05, "{sent:?}");
        let total: u64 = sent.iter().sum();
        assert!(total <= window_bound(rate), "{total} B in 10 s");
        assert!(total >= rate * 10 * 97 / 100, "{total} B in 10 s");
    }

    #[test]
    fn a_paid_slot_alone_or_left_alone_gets_the_whole_paid_part() {
        let rate = 8 * MIB;
        let sent = paid_run(rate, &[(1000, Duration::from_secs(3600))], WINDOW);
        assert!(sent[0] >= rate * 10 * 97 / 100, "{sent:?}");
        let senders = [
            (1000, Duration::from_secs(3600)),
            (9000, Duration::from_secs(2)),
        ];
        let sent = paid_run(rate, &senders, WINDOW);
        let total: u64 = sent.iter().sum();
        // The dearer slot stopped at 2 s; a second later the other has it all.
        assert!(total >= rate * 9 * 97 / 100, "{sent:?}");
        assert!(sent[0] >= rate * 7, "{sent:?}");
    }

    #[test]
    fn a_grant_is_the_smaller_burst_of_the_two_limits() {
        let global = Arc::new(RateLimiter::new(Some(10 * MIB)));
        assert_eq!(
            Limits::new(Some(MIB), Arc::clone(&global)).grant_size(),
            MIB / 10
        );
        assert_eq!(Limits::new(None, global).grant_size(), MIB);
        let unlimited = Limits::new(None, Arc::new(RateLimiter::new(None)));
        assert_eq!(unlimited.grant_size(), u64::MAX);
    }

    #[tokio::test]
    async fn torrents_draw_on_one_global_bucket() {
        let global = Arc::new(RateLimiter::new(Some(10_000)));
        let first = Limits::new(None, Arc::clone(&global));
        let second = Limits::new(Some(1_000_000), Arc::clone(&global));
        first.acquire(600).await;
        second.acquire(400).await;
        let wait = global.reserve(500, Instant::now());
        assert!(
            wait >= Duration::from_millis(40),
            "shared bucket drained: {wait:?}"
        );
    }
}
