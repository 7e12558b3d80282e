//! Everything that can go wrong talking to one tracker. Each variant names the
//! tracker URL so that a one-line message tells the user which tracker failed.

use thiserror::Error;

/// A failed announce or scrape.
#[derive(Debug, Error)]
pub enum TrackerError {
    /// The tracker answered with a failure reason (meant for the user).
    #[error("tracker {url} refused: {reason}")]
    Failure { url: String, reason: String },
    /// The HTTP tracker answered with a non-success status and no failure reason.
    #[error("tracker {url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    /// The reply is not a tracker reply: HTML, garbage, truncated or too large.
    #[error("tracker {url} sent a malformed reply: {reason}")]
    Malformed { url: String, reason: String },
    /// No reply within the client's timeout.
    #[error("tracker {url} timed out")]
    Timeout { url: String },
    /// The URL is not `http`, `https` or `udp`.
    #[error("tracker {url} uses an unsupported scheme")]
    UnsupportedScheme { url: String },
    /// The URL does not parse, or lacks a host or port.
    #[error("tracker URL {url} is invalid: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The tracker's announce URL has no scrape counterpart (BEP 48).
    #[error("tracker {url} does not support scrape")]
    ScrapeUnsupported { url: String },
    /// Connecting, sending or receiving failed.
    #[error("tracker {url} unreachable: {source}")]
    Io {
        url: String,
        #[source]
        source: std::io::Error,
    },
    /// The HTTP request failed below the HTTP layer (DNS, TCP, TLS).
    #[error("tracker {url} unreachable: {source}")]
    Request {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// A torrent with no trackers was asked to announce.
    #[error("the torrent lists no trackers")]
    NoTrackers,
}

impl TrackerError {
    /// A [`TrackerError::Malformed`] for `url`.
    pub(crate) fn malformed(url: &str, reason: impl Into<String>) -> TrackerError {
        TrackerError::Malformed {
            url: url.to_owned(),
            reason: reason.into(),
        }
    }
}
