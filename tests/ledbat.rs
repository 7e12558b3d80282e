//! The LEDBAT controller of btt's patched uTP crate (vendor/librqbit-utp,
//! RFC 6817), fed delay samples and acknowledged bytes by hand: no clock but
//! the `Instant`s given, so every figure is exact.

use librqbit_utp::Ledbat;
use std::time::{Duration, Instant};

const MSS: usize = 1400;
/// A one-way delay sample with an arbitrary clock offset, as a peer reports it.
const OFFSET_US: u32 = 4_000_000_000;

fn delay(queuing_ms: u32) -> u32 {
    OFFSET_US.wrapping_add(queuing_ms * 1000)
}

/// A controller out of slow start (one loss), with a base delay of `delay(0)`
/// and a window of `cwnd_mss` MSS.
fn congestion_avoidance(now: Instant, cwnd_mss: usize) -> Ledbat {
    let mut ledbat = Ledbat::new(MSS);
    ledbat.add_delay_sample(now, delay(0));
    ledbat.add_acked_bytes((2 * cwnd_mss - 2) * MSS);
    ledbat.on_loss();
    assert_eq!(ledbat.cwnd(), cwnd_mss * MSS);
    ledbat
}

/// Acks one window's worth of bytes, one MSS at a time, each with `queuing_ms`
/// (after enough samples of it to fill the current-delay filter).
fn ack_one_window(ledbat: &mut Ledbat, now: Instant, queuing_ms: u32) {
    for _ in 0..4 {
        ledbat.add_delay_sample(now, delay(queuing_ms));
    }
    for _ in 0..ledbat.cwnd() / MSS {
        ledbat.add_delay_sample(now, delay(queuing_ms));
        ledbat.add_acked_bytes(MSS);
    }
}

#[test]
fn slow_start_doubles_until_the_queue_reaches_the_target() {
    let now = Instant::now();
    let mut ledbat = Ledbat::new(MSS);
    assert_eq!(ledbat.cwnd(), 2 * MSS);
    ledbat.add_delay_sample(now, delay(0));
    ledbat.add_acked_bytes(2 * MSS);
    assert_eq!(ledbat.cwnd(), 4 * MSS);
    ledbat.add_delay_sample(now, delay(99));
    assert!(ledbat.in_slow_start());
    for _ in 0..4 {
        ledbat.add_delay_sample(now, delay(100));
    }
    assert!(!ledbat.in_slow_start());
}

#[test]
fn below_target_the_window_grows_by_about_one_mss_per_window() {
    let now = Instant::now();
    let mut ledbat = congestion_avoidance(now, 20);
    ack_one_window(&mut ledbat, now, 0);
    let grown = ledbat.cwnd();
    assert!(grown > 20 * MSS && grown <= 21 * MSS, "{grown}");
    // Half the target: half the growth.
    let mut ledbat = congestion_avoidance(now, 20);
    ack_one_window(&mut ledbat, now, 50);
    let grown = ledbat.cwnd() - 20 * MSS;
    assert!(grown > MSS * 4 / 10 && grown < MSS / 2, "{grown}");
}

#[test]
fn above_target_the_window_shrinks() {
    let now = Instant::now();
    let mut ledbat = congestion_avoidance(now, 20);
    ack_one_window(&mut ledbat, now, 150);
    let shrunk = ledbat.cwnd();
    assert!(shrunk < 20 * MSS && shrunk > 19 * MSS, "{shrunk}");
    // A queue far past the target shrinks no faster than twice the target does.
    let mut ledbat = congestion_avoidance(now, 20);
    ack_one_window(&mut ledbat, now, 5000);
    assert!(ledbat.cwnd() >= 18 * MSS, "{}", ledbat.cwnd());
}

#[test]
fn at_target_the_window_holds() {
    let now = Instant::now();
    let mut ledbat = congestion_avoidance(now, 20);
    ack_one_window(&mut ledbat, now, 100);
    assert_eq!(ledbat.cwnd(), 20 * MSS);
}

#[test]
fn the_current_delay_is_the_lowest_of_the_last_four_samples() {
    let now = Instant::now();
    let mut ledbat = Ledbat::new(MSS);
    ledbat.add_delay_sample(now, delay(0));
    for queuing_ms in [30, 10, 40, 20] {
        ledbat.add_delay_sample(now, delay(queuing_ms));
    }
    assert_eq!(ledbat.queuing_delay_us(), Some(10_000));
    for _ in 0..3 {
        ledbat.add_delay_sample(now, delay(50));
    }
    assert_eq!(ledbat.queuing_delay_us(), Some(20_000));
    ledbat.add_delay_sample(now, delay(50));
    assert_eq!(ledbat.queuing_delay_us(), Some(50_000));
}

#[test]
fn the_base_delay_is_the_lowest_of_the_last_ten_minutes() {
    let start = Instant::now();
    let minute = Duration::from_secs(60);
    let mut ledbat = Ledbat::new(MSS);
    ledbat.add_delay_sample(start, delay(5));
    ledbat.add_delay_sample(start + Duration::from_secs(30), delay(3));
    assert_eq!(ledbat.base_delay_us(), Some(delay(3)));
    // Later minutes' higher samples leave it where it is for ten minutes...
    for m in 1..10 {
        ledbat.add_delay_sample(start + minute * m, delay(20));
        assert_eq!(ledbat.base_delay_us(), Some(delay(3)), "minute {m}");
    }
    // ...then the minute of the 3 ms sample drops out.
    ledbat.add_delay_sample(start + minute * 10, delay(20));
    assert_eq!(ledbat.base_delay_us(), Some(delay(20)));
    // A lower sample lowers it at once.
    ledbat.add_delay_sample(start + minute * 10, delay(1));
    assert_eq!(ledbat.base_delay_us(), Some(delay(1)));
    // Ten silent minutes forget everything before them.
    ledbat.add_delay_sample(start + minute * 21, delay(7));
    assert_eq!(ledbat.base_delay_us(), Some(delay(7)));
}

#[test]
fn delays_compare_across_the_u32_wrap() {
    let now = Instant::now();
    let mut ledbat = Ledbat::new(MSS);
    ledbat.add_delay_sample(now, u32::MAX - 1000);
    ledbat.add_delay_sample(now, 9000);
    assert_eq!(ledbat.base_delay_us(), Some(u32::MAX - 1000));
    for _ in 0..4 {
        ledbat.add_delay_sample(now, 9000);
    }
    assert_eq!(ledbat.queuing_delay_us(), Some(10_001));
}

#[test]
fn a_loss_halves_the_window_down_to_two_mss() {
    let now = Instant::now();
    let mut ledbat = Ledbat::new(MSS);
    ledbat.add_acked_bytes(62 * MSS);
    assert_eq!(ledbat.cwnd(), 64 * MSS);
    ledbat.on_loss();
    assert!(!ledbat.in_slow_start());
    assert_eq!(ledbat.cwnd(), 32 * MSS);
    for _ in 0..10 {
        ledbat.on_loss();
    }
    assert_eq!(ledbat.cwnd(), 2 * MSS);
    // Far above target the window shrinks to the floor and no lower.
    ledbat.add_delay_sample(now, delay(0));
    for _ in 0..100 {
        ledbat.add_delay_sample(now, delay(1000));
        ledbat.add_acked_bytes(MSS);
    }
    assert_eq!(ledbat.cwnd(), 2 * MSS);
}

#[test]
fn the_window_grows_no_further_than_the_peer_accepts() {
    let mut ledbat = Ledbat::new(MSS);
    ledbat.set_remote_window_bytes(10 * MSS);
    ledbat.add_acked_bytes(100 * MSS);
    assert_eq!(ledbat.cwnd(), 10 * MSS);
}
