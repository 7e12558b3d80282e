//! Exit statuses shared by every binary, and the classification of an error
//! into one of them. Each man page documents this table.

use std::process::ExitCode;

/// The documented exit statuses. Scripts and cron jobs rely on these numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything asked was done.
    Success,
    /// A failure not covered below.
    Failure,
    /// The command line was wrong.
    Usage,
    /// An input (torrent, magnet, address, amount, JSON line) is malformed.
    BadInput,
    /// No peer, tracker or ledger could be reached in time.
    Unreachable,
    /// Another process holds the lock on the same state.
    Locked,
    /// A keystore could not be unlocked (wrong or missing password).
    WalletLocked,
    /// The account has too little to pay for what was asked.
    InsufficientFunds,
    /// Stopped by SIGINT or SIGTERM before the work was done; state was saved.
    Interrupted,
}

impl ExitStatus {
    /// Every status, in the order the man pages list them.
    pub const ALL: [ExitStatus; 9] = [
        ExitStatus::Success,
        ExitStatus::Failure,
        ExitStatus::Usage,
        ExitStatus::BadInput,
        ExitStatus::Unreachable,
        ExitStatus::Locked,
        ExitStatus::WalletLocked,
        ExitStatus::InsufficientFunds,
        ExitStatus::Interrupted,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::BadInput => 3,
            ExitStatus::Unreachable => 4,
            ExitStatus::Locked => 5,
            ExitStatus::WalletLocked => 6,
            ExitStatus::InsufficientFunds => 7,
            ExitStatus::Interrupted => 130,
        }
    }

    /// The stable name used as `code` in JSON error records.
    pub fn name(self) -> &'static str {
        match self {
            ExitStatus::Success => "ok",
            ExitStatus::Failure => "failure",
            ExitStatus::Usage => "usage",
            ExitStatus::BadInput => "bad_input",
            ExitStatus::Unreachable => "unreachable",
            ExitStatus::Locked => "locked",
            ExitStatus::WalletLocked => "wallet_locked",
            ExitStatus::InsufficientFunds => "insufficient_funds",
            ExitStatus::Interrupted => "interrupted",
        }
    }

    /// One line for the man page's EXIT STATUS section.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitStatus::Success => "success",
            ExitStatus::Failure => "failure not covered below",
            ExitStatus::Usage => "bad command line",
            ExitStatus::BadInput => {
                "malformed input: torrent, magnet, address, amount or JSON line"
            }
            ExitStatus::Unreachable => "no peer, tracker or ledger reachable in time",
            ExitStatus::Locked => "another process holds the lock on the same state",
            ExitStatus::WalletLocked => "keystore could not be unlocked",
            ExitStatus::InsufficientFunds => "balance too low",
            ExitStatus::Interrupted => "stopped by a signal; state was saved",
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// An error that carries the exit status it should end the process with.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StatusError {
    /// The status to exit with.
    pub status: ExitStatus,
    message: String,
}

/// Wraps `error` so that the process exits with `status`; the message is kept.
pub fn with_status(status: ExitStatus, error: impl Into<anyhow::Error>) -> anyhow::Error {
    let error = error.into();
    anyhow::Error::new(StatusError {
        status,
        message: format!("{error:#}"),
    })
}

/// Finds the exit status of an error: the first `StatusError` in its chain,
/// else `Failure`.
pub fn classify(error: &anyhow::Error) -> ExitStatus {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<StatusError>().map(|e| e.status))
        .unwrap_or(ExitStatus::Failure)
}

/// Whether the error is a closed stdout, which ends the process quietly with 0.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn classify_finds_status_under_context() {
        let error = Err::<(), _>(with_status(ExitStatus::BadInput, anyhow::anyhow!("bad")))
            .context("could not read x.torrent")
            .unwrap_err();
        assert_eq!(classify(&error), ExitStatus::BadInput);
        assert_eq!(format!("{error:#}"), "could not read x.torrent: bad");
    }

    #[test]
    fn unclassified_errors_are_failures() {
        assert_eq!(classify(&anyhow::anyhow!("x")), ExitStatus::Failure);
    }

    #[test]
    fn codes_are_distinct() {
        let mut codes: Vec<u8> = ExitStatus::ALL.iter().map(|s| s.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ExitStatus::ALL.len());
    }
}
