//! When each torrent of a process makes its first announce. A seeder of
//! thousands of torrents that announced them all at start would send a
//! storm to its trackers (and be refused by their connection limits); so
//! the first announces of one process pass through one pacer: the first
//! [`BURST`] go at once, the rest [`SPACING`] apart (20 a second: a
//! library of 10,000 torrents is announced over about eight minutes, and
//! each torrent's later announces keep that spread, a tracker interval
//! apart). A single torrent, or a few, announce at once.
//!
//! [`AnnouncePacing`] is the pure decision (a generic cell rate algorithm
//! over the instants it is given); [`AnnouncePacer`] applies it to the clock
//! for the sessions of a [`Client`](super::Client).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many first announces go at once.
pub const BURST: u32 = 16;
/// The spacing of first announces beyond the burst.
pub const SPACING: Duration = Duration::from_millis(50);

/// The schedule of first announces: each asks for its turn and waits the
/// returned time.
#[derive(Debug, Clone, Default)]
pub struct AnnouncePacing {
    /// When the next turn would start if no burst were allowed.
    next_turn: Option<Instant>,
}

impl AnnouncePacing {
    /// How long an announce asking at `now` waits for its turn.
    pub fn turn(&mut self, now: Instant) -> Duration {
        let unburst = self.next_turn.map_or(now, |next| next.max(now));
        self.next_turn = Some(unburst + SPACING);
        let starts = unburst
            .checked_sub(SPACING * (BURST - 1))
            .map_or(now, |start| start.max(now));
        starts - now
    }
}

/// The pacer of a process's first announces, shared by its sessions.
#[derive(Debug, Default)]
pub struct AnnouncePacer(Mutex<AnnouncePacing>);

impl AnnouncePacer {
    /// How long a first announce asking now waits for its turn.
    pub fn turn(&self) -> Duration {
        crate::sync::lock(&self.0).turn(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_torrents_announce_at_once() {
        let mut pacing = AnnouncePacing::default();
        let now = Instant::now();
        for _ in 0..BURST {
            assert_eq!(pacing.turn(now), Duration::ZERO);
        }
    }

    #[test]
    fn a_library_announces_at_a_bounded_rate_not_all_in_the_first_second() {
        let mut pacing = AnnouncePacing::default();
        let now = Instant::now();
        let waits: Vec<Duration> = (0..1000).map(|_| pacing.turn(now)).collect();
        let in_first_second = waits.iter().filter(|wait| wait.as_secs() == 0).count();
        assert_eq!(in_first_second, BURST as usize + 20 - 1);
        assert!(waits.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(waits[999], SPACING * (1000 - BURST));
    }

    #[test]
    fn turns_free_up_as_time_passes() {
        let mut pacing = AnnouncePacing::default();
        let start = Instant::now();
        for _ in 0..100 {
            pacing.turn(start);
        }
        let later = start + SPACING * 100;
        assert_eq!(pacing.turn(later), Duration::ZERO);
        let much_later = start + Duration::from_secs(3600);
        for _ in 0..BURST {
            assert_eq!(pacing.turn(much_later), Duration::ZERO);
        }
        assert_eq!(pacing.turn(much_later), SPACING);
    }
}
