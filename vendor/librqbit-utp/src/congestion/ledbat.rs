//! btt patch: LEDBAT congestion control (RFC 6817), as BEP 29 describes for uTP.
//!
//! The one-way delay of each ACK is the peer's `timestamp_difference_microseconds`
//! (its clock when our packet came minus our timestamp in it, so it holds an unknown
//! clock offset). The base delay is the lowest sample of each of the last
//! [`BASE_HISTORY`] minutes, the current delay the lowest of the last
//! [`CURRENT_FILTER`] samples; their difference is the queuing delay. Per ACK the
//! window moves by `GAIN * off_target * bytes_acked * MSS / cwnd`, where
//! `off_target = (TARGET - queuing_delay) / TARGET`: up by about one MSS per RTT with
//! no queue, down as the queue passes [`TARGET_US`]. `off_target` is kept at -1 or
//! above, so one late sample cannot drop the window to its floor in one ACK. A loss
//! or a retransmission timeout halves the window; it never goes below
//! [`MIN_CWND`] MSS.
//!
//! Slow start (RFC 6817 allows it, no faster than TCP's) runs until a delay sample
//! shows a queuing delay of at least [`TARGET_US`] or a packet is lost: from a
//! window of two MSS, LEDBAT's linear growth alone takes hundreds of RTTs to fill
//! a fast path, and a queue that reaches the target ends the doubling at once.
//!
//! Delays are `u32` microseconds that wrap, so they are compared by wrapping
//! difference (samples of one flow lie within 2^31 µs of each other).

use std::time::{Duration, Instant};

use crate::rtte::RttEstimator;

use super::CongestionController;

/// The queuing delay LEDBAT aims for (BEP 29's and RFC 6817's 100 ms).
pub const TARGET_US: u32 = 100_000;
/// How fast the window follows the distance from the target (RFC 6817: at most 1).
const GAIN: f64 = 1.;
/// How many minutes of per-minute minimums make up the base delay.
pub const BASE_HISTORY: usize = 10;
const BASE_INTERVAL: Duration = Duration::from_secs(60);
/// How many recent samples the current delay is the minimum of.
pub const CURRENT_FILTER: usize = 4;
/// The smallest window, in MSS.
pub const MIN_CWND: usize = 2;
const INIT_CWND: usize = 2;

/// A LEDBAT congestion controller; all windows in bytes.
#[derive(Clone, Copy, PartialEq)]
pub struct Ledbat {
    cwnd: f64,
    mss: usize,
    slow_start: bool,
    base: BaseDelay,
    current: CurrentDelay,
    remote_window: usize,
}

impl core::fmt::Debug for Ledbat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ledbat cwnd={},slow_start={},base_delay_us={:?},queuing_delay_us={:?},mss={}",
            self.cwnd as usize,
            self.slow_start,
            self.base.delay(),
            self.queuing_delay_us(),
            self.mss
        )
    }
}

impl Ledbat {
    pub fn new(mss: usize) -> Ledbat {
        Ledbat {
            cwnd: (INIT_CWND * mss) as f64,
            mss,
            slow_start: true,
            base: BaseDelay::default(),
            current: CurrentDelay::default(),
            remote_window: usize::MAX,
        }
    }

    /// The congestion window in bytes (not limited by the remote window).
    pub fn cwnd(&self) -> usize {
        self.cwnd as usize
    }

    pub fn in_slow_start(&self) -> bool {
        self.slow_start
    }

    /// The base delay: the lowest sample of the last [`BASE_HISTORY`] minutes.
    pub fn base_delay_us(&self) -> Option<u32> {
        self.base.delay()
    }

    /// The current delay above the base delay.
    pub fn queuing_delay_us(&self) -> Option<u32> {
        let (current, base) = (self.current.delay()?, self.base.delay()?);
        Some(match earlier(current, base) {
            true => 0,
            false => current.wrapping_sub(base),
        })
    }

    /// Records one one-way delay sample, in microseconds.
    pub fn add_delay_sample(&mut self, now: Instant, one_way_delay_us: u32) {
        self.base.add(now, one_way_delay_us);
        self.current.add(one_way_delay_us);
        if self.queuing_delay_us() >= Some(TARGET_US) {
            self.slow_start = false;
        }
    }

    /// Grows or shrinks the window for `bytes` newly acknowledged.
    pub fn add_acked_bytes(&mut self, bytes: usize) {
        if bytes == 0 {
            return;
        }
        match self.slow_start {
            true => self.cwnd += bytes as f64,
            false => {
                let queuing = self.queuing_delay_us().unwrap_or(0);
                let off_target =
                    ((TARGET_US as f64 - queuing as f64) / TARGET_US as f64).max(-1.);
                self.cwnd += GAIN * off_target * bytes as f64 * self.mss as f64 / self.cwnd;
            }
        }
        self.cwnd = self.cwnd.min(self.remote_window as f64);
        self.keep_above_floor();
    }

    /// Halves the window, for a lost packet or a retransmission timeout.
    pub fn on_loss(&mut self) {
        self.slow_start = false;
        self.cwnd /= 2.;
        self.keep_above_floor();
    }

    /// Limits the window's growth to what the peer accepts.
    pub fn set_remote_window_bytes(&mut self, bytes: usize) {
        self.remote_window = bytes;
    }

    fn keep_above_floor(&mut self) {
        self.cwnd = self.cwnd.max((MIN_CWND * self.mss) as f64);
    }
}

impl CongestionController for Ledbat {
    fn window(&self) -> usize {
        self.cwnd().min(self.remote_window)
    }

    fn sshthresh(&self) -> usize {
        match self.slow_start {
            true => usize::MAX,
            false => self.cwnd(),
        }
    }

    fn set_mss(&mut self, mss: usize) {
        self.mss = mss;
        self.keep_above_floor();
    }

    fn smss(&self) -> usize {
        self.mss
    }

    fn on_recovered(&mut self, new_cwnd_bytes: usize, _new_sshthresh: usize) {
        self.cwnd = new_cwnd_bytes as f64;
        self.keep_above_floor();
    }

    fn on_ack(&mut self, _now: Instant, len: usize, _rtt: &RttEstimator) {
        self.add_acked_bytes(len);
    }

    fn on_retransmission_timeout(&mut self, _now: Instant) {
        self.on_loss();
    }

    fn on_enter_recovery(&mut self, _now: Instant) {
        self.on_loss();
    }

    fn set_remote_window(&mut self, win: usize) {
        self.set_remote_window_bytes(win);
    }

    fn on_delay_sample(&mut self, now: Instant, one_way_delay_us: u32) {
        self.add_delay_sample(now, one_way_delay_us);
    }
}

/// Whether wrapping delay `a` is below `b`.
fn earlier(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

fn lowest(delays: impl Iterator<Item = u32>) -> Option<u32> {
    delays.reduce(|low, d| if earlier(d, low) { d } else { low })
}

/// The lowest delay of each of the last [`BASE_HISTORY`] minutes.
#[derive(Clone, Copy, PartialEq, Default)]
struct BaseDelay {
    minutes: [Option<u32>; BASE_HISTORY],
    newest: usize,
    newest_started: Option<Instant>,
}

impl BaseDelay {
    fn add(&mut self, now: Instant, delay: u32) {
        match self.newest_started {
            Some(started) if now.duration_since(started) < BASE_INTERVAL => {
                let low = &mut self.minutes[self.newest];
                *low = lowest(low.iter().copied().chain([delay]));
            }
            previous => {
                let minutes_passed = previous.map_or(0, |started| {
                    (now.duration_since(started).as_secs() / BASE_INTERVAL.as_secs()) as usize
                });
                for _ in 0..minutes_passed.min(BASE_HISTORY) {
                    self.newest = (self.newest + 1) % BASE_HISTORY;
                    self.minutes[self.newest] = None;
                }
                self.minutes[self.newest] = Some(delay);
                self.newest_started = Some(now);
            }
        }
    }

    fn delay(&self) -> Option<u32> {
        lowest(self.minutes.iter().flatten().copied())
    }
}

/// The last [`CURRENT_FILTER`] delays.
#[derive(Clone, Copy, PartialEq, Default)]
struct CurrentDelay {
    samples: [Option<u32>; CURRENT_FILTER],
    next: usize,
}

impl CurrentDelay {
    fn add(&mut self, delay: u32) {
        self.samples[self.next] = Some(delay);
        self.next = (self.next + 1) % CURRENT_FILTER;
    }

    fn delay(&self) -> Option<u32> {
        lowest(self.samples.iter().flatten().copied())
    }
}
