//! Times on the command line: an RFC 3339 time (`2026-12-31T00:00:00Z`) or
//! a duration counted from now, forward for deadlines (`--deadline 7days`)
//! and backward for starting points (`--since 1h`).

use crate::cli::exit::{with_status, ExitStatus};
use std::time::UNIX_EPOCH;

/// Which way a duration counts from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `--deadline 10s`: ten seconds from now.
    Future,
    /// `--since 1h`: an hour ago.
    Past,
}

pub use crate::clock::now_ms;

/// Milliseconds since the epoch of `text`: an RFC 3339 time, or a
/// duration from now in `direction`.
pub fn parse_when(text: &str, direction: Direction) -> anyhow::Result<i64> {
    let text = text.trim();
    if let Ok(time) = humantime::parse_rfc3339_weak(text) {
        let since_epoch = time.duration_since(UNIX_EPOCH).map_err(|_| {
            with_status(
                ExitStatus::BadInput,
                anyhow::anyhow!("time {text:?} is before 1970"),
            )
        })?;
        return Ok(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX));
    }
    let duration = humantime::parse_duration(text).map_err(|_| {
        with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!(
                "time {text:?} is neither an RFC 3339 time (2026-12-31T00:00:00Z) nor a duration (1h, 7days)"
            ),
        )
    })?;
    let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    Ok(match direction {
        Direction::Future => now_ms().saturating_add(ms),
        Direction::Past => now_ms().saturating_sub(ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations() {
        assert_eq!(
            parse_when("2026-12-31T00:00:00Z", Direction::Past).unwrap(),
            1_798_675_200_000
        );
        let before = now_ms();
        let soon = parse_when("10s", Direction::Future).unwrap();
        assert!(soon >= before + 10_000 && soon <= now_ms() + 10_000);
        let ago = parse_when("1h", Direction::Past).unwrap();
        assert!(ago <= now_ms() - 3_600_000);
        let error = parse_when("tomorrow-ish", Direction::Future).unwrap_err();
        assert_eq!(crate::cli::exit::classify(&error), ExitStatus::BadInput);
    }
}
