//! [`Health`]: whether a web seed may be asked now. A failed request (refused,
//! an HTTP error, a body of the wrong length) and a piece that failed its hash
//! check with the seed as its only source both back the seed off, for
//! [`FIRST_BACKOFF`] doubling up to [`MAX_BACKOFF`]; a request that succeeds
//! ends the streak. A seed that sent [`MAX_BAD_PIECES`] bad pieces, or that
//! can't serve the torrent at all (no byte ranges for a multi-file one), is
//! dropped for the rest of the run. Several requests of one seed are in
//! flight at once, so failures while it is already backed off are one
//! outage, not several.

use std::time::{Duration, Instant};

/// The pause after the first failure.
pub(super) const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest pause.
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Bad pieces after which a web seed is no longer asked.
pub(super) const MAX_BAD_PIECES: u32 = 3;

/// What a failure did to a web seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Setback {
    /// Already backed off: the failure belongs to the same outage.
    Absorbed,
    /// Backed off for this long.
    BackedOff(Duration),
    /// Dropped: too many bad pieces.
    Dropped,
}

/// The failure record of one web seed.
#[derive(Debug, Clone, Default)]
pub(super) struct Health {
    failures: u32,
    bad_pieces: u32,
    paused_until: Option<Instant>,
    dropped: bool,
}

impl Health {
    /// Whether the seed is dropped for good.
    pub(super) fn is_dropped(&self) -> bool {
        self.dropped
    }

    /// How long to wait before the next request, if at all.
    pub(super) fn wait(&self, now: Instant) -> Option<Duration> {
        self.paused_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// A request that answered as asked.
    pub(super) fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// A request that failed at `now`.
    pub(super) fn request_failed(&mut self, now: Instant) -> Setback {
        if self.wait(now).is_some() || self.dropped {
            return Setback::Absorbed;
        }
        self.back_off(now)
    }

    /// A failure that asking again can't mend (a server that can't serve
    /// ranges): the seed is dropped, once.
    pub(super) fn drop_for_good(&mut self) -> Setback {
        if self.dropped {
            return Setback::Absorbed;
        }
        self.dropped = true;
        Setback::Dropped
    }

    /// A piece from this seed alone that failed its hash check.
    pub(super) fn sent_bad_piece(&mut self, now: Instant) -> Setback {
        if self.dropped {
            return Setback::Absorbed;
        }
        self.bad_pieces += 1;
        if self.bad_pieces >= MAX_BAD_PIECES {
            self.dropped = true;
            return Setback::Dropped;
        }
        self.back_off(now)
    }

    fn back_off(&mut self, now: Instant) -> Setback {
        self.failures += 1;
        let doublings = (self.failures - 1).min(16);
        let pause = FIRST_BACKOFF
            .saturating_mul(1 << doublings)
            .min(MAX_BACKOFF);
        self.paused_until = Some(now + pause);
        Setback::BackedOff(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_bound_and_a_success_resets_it() {
        let mut health = Health::default();
        let mut now = Instant::now();
        let mut pauses = Vec::new();
        for _ in 0..9 {
            match health.request_failed(now) {
                Setback::BackedOff(pause) => pauses.push(pause.as_secs()),
                other => panic!("{other:?}"),
            }
            now += MAX_BACKOFF;
        }
        assert_eq!(pauses, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        health.succeeded();
        assert_eq!(
            health.request_failed(now),
            Setback::BackedOff(FIRST_BACKOFF)
        );
    }

    #[test]
    fn failures_during_a_pause_are_one_outage() {
        let mut health = Health::default();
        let now = Instant::now();
        assert_eq!(
            health.request_failed(now),
            Setback::BackedOff(FIRST_BACKOFF)
        );
        assert_eq!(health.request_failed(now), Setback::Absorbed);
        assert_eq!(health.wait(now), Some(FIRST_BACKOFF));
        let later = now + FIRST_BACKOFF;
        assert_eq!(health.wait(later), None);
        let second = FIRST_BACKOFF * 2;
        assert_eq!(health.request_failed(later), Setback::BackedOff(second));
    }

    #[test]
    fn a_seed_dropped_for_good_is_reported_once() {
        let mut health = Health::default();
        assert_eq!(health.drop_for_good(), Setback::Dropped);
        assert!(health.is_dropped());
        assert_eq!(health.drop_for_good(), Setback::Absorbed);
        assert_eq!(health.request_failed(Instant::now()), Setback::Absorbed);
    }

    #[test]
    fn a_seed_that_keeps_sending_bad_pieces_is_dropped() {
        let mut health = Health::default();
        let now = Instant::now();
        assert!(matches!(health.sent_bad_piece(now), Setback::BackedOff(_)));
        assert!(matches!(health.sent_bad_piece(now), Setback::BackedOff(_)));
        assert_eq!(health.sent_bad_piece(now), Setback::Dropped);
        assert!(health.is_dropped());
        assert_eq!(health.request_failed(now), Setback::Absorbed);
        assert_eq!(
            health.sent_bad_piece(now),
            Setback::Absorbed,
            "dropped once"
        );
    }
}
