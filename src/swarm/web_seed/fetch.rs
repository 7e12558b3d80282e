//! One HTTP range request to a web seed, checked before its bytes are used:
//! the answer must be `206 Partial Content` for the range asked, and the
//! body exactly as long as the range. A `200 OK` is the whole file: taken
//! when the range is the whole file, and for a single-file torrent (a
//! server that can't serve ranges, such as Python's `http.server`) the
//! range is cut out of it as it streams by; otherwise the seed can't serve
//! this torrent ([`FetchError::NotPartial`]). Body bytes pass the
//! torrent's download limits as they arrive. A body that stalls for
//! [`READ_TIMEOUT`] fails the request.

use super::span::FileRange;
use crate::rate::Limits;
use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::StatusCode;
use std::time::Duration;

/// The longest wait for the connection or for the next bytes of a body.
pub(super) const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a range request failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum FetchError {
    /// Connecting, sending or reading failed.
    #[error("{0}")]
    Transport(#[from] reqwest::Error),
    /// Nothing arrived for [`READ_TIMEOUT`].
    #[error("no data for {} s", READ_TIMEOUT.as_secs())]
    Stalled,
    /// An HTTP status other than 206 (or 200 for a whole file).
    #[error("HTTP {status} for {url}")]
    Status {
        /// The status.
        status: StatusCode,
        /// The file URL asked.
        url: String,
    },
    /// A `200 OK` with the whole file to a request for part of a file of
    /// a multi-file torrent: the server can't serve ranges.
    #[error("can't serve byte ranges (it answered 200 with the whole file to a range request for {url})")]
    NotPartial {
        /// The file URL asked.
        url: String,
    },
    /// A `Content-Range` that is not the range asked.
    #[error("sent range {sent:?} for {url}, asked bytes {start}-{end}")]
    WrongRange {
        /// The header as sent.
        sent: String,
        /// First byte asked.
        start: u64,
        /// Last byte asked.
        end: u64,
        /// The file URL asked.
        url: String,
    },
    /// A body shorter or longer than the range.
    #[error("sent {received} bytes for {url}, asked {expected}")]
    WrongLength {
        /// Bytes asked.
        expected: u64,
        /// Bytes sent (counted up to one chunk past the range).
        received: u64,
        /// The file URL asked.
        url: String,
    },
}

/// A client for one web seed: keep-alive connections, no proxy from the
/// environment, a bounded connect time.
pub(super) fn client() -> reqwest::Client {
    crate::http_client::builder()
        .no_proxy()
        .connect_timeout(READ_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("btt/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building only fails when the TLS backend cannot initialise; the
        // default client is the same configuration minus our options.
        .unwrap_or_default()
}

/// What a good answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// The range asked.
    Range,
    /// The whole file, the range somewhere in it.
    WholeFile,
}

/// Fetches `range` of the file at `url` and appends its bytes to `into`;
/// `whole_answers` takes the range out of a `200` with the whole file (a
/// single-file torrent).
pub(super) async fn fetch_range(
    client: &reqwest::Client,
    url: &str,
    range: FileRange,
    limits: &Limits,
    whole_answers: bool,
    into: &mut Vec<u8>,
) -> Result<(), FetchError> {
    let last = range.start + range.length - 1;
    let request = client
        .get(url)
        .header(RANGE, format!("bytes={}-{last}", range.start));
    let mut response = within_timeout(request.send()).await??;
    let answer = check_status(&response, url, range, whole_answers)?;
    let mut skip = match answer {
        Answer::Range => 0,
        Answer::WholeFile => range.start,
    };
    let mut received = 0u64;
    while let Some(chunk) = within_timeout(response.chunk()).await?? {
        limits.acquire(chunk.len() as u64).await;
        let skipped = skip.min(chunk.len() as u64);
        skip -= skipped;
        let mut chunk = &chunk[skipped as usize..];
        if answer == Answer::WholeFile {
            // The rest of the file is not ours to read: stop at the range's end.
            chunk = &chunk[..chunk.len().min((range.length - received) as usize)];
        }
        received += chunk.len() as u64;
        if received > range.length {
            break;
        }
        into.extend_from_slice(chunk);
        if answer == Answer::WholeFile && received == range.length {
            break;
        }
    }
    if received != range.length {
        return Err(FetchError::WrongLength {
            expected: range.length,
            received,
            url: url.to_owned(),
        });
    }
    Ok(())
}

async fn within_timeout<T>(future: impl std::future::Future<Output = T>) -> Result<T, FetchError> {
    tokio::time::timeout(READ_TIMEOUT, future)
        .await
        .map_err(|_| FetchError::Stalled)
}

fn check_status(
    response: &reqwest::Response,
    url: &str,
    range: FileRange,
    whole_answers: bool,
) -> Result<Answer, FetchError> {
    let whole_file = range.start == 0 && range.length == range.file_length;
    match response.status() {
        StatusCode::PARTIAL_CONTENT => check_content_range(response, url, range),
        StatusCode::OK if whole_file => Ok(Answer::Range),
        StatusCode::OK if whole_answers => check_whole_length(response, url, range),
        StatusCode::OK => Err(FetchError::NotPartial {
            url: url.to_owned(),
        }),
        status => Err(FetchError::Status {
            status,
            url: url.to_owned(),
        }),
    }
}

/// A whole-file answer must be as long as the file, when it says.
fn check_whole_length(
    response: &reqwest::Response,
    url: &str,
    range: FileRange,
) -> Result<Answer, FetchError> {
    match response.content_length() {
        Some(length) if length != range.file_length => Err(FetchError::WrongLength {
            expected: range.file_length,
            received: length,
            url: url.to_owned(),
        }),
        _ => Ok(Answer::WholeFile),
    }
}

/// `Content-Range: bytes START-END/TOTAL` must name the range asked.
fn check_content_range(
    response: &reqwest::Response,
    url: &str,
    range: FileRange,
) -> Result<Answer, FetchError> {
    let end = range.start + range.length - 1;
    let sent = response
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let expected = format!("bytes {}-{end}/", range.start);
    if sent.starts_with(&expected) {
        return Ok(Answer::Range);
    }
    Err(FetchError::WrongRange {
        sent,
        start: range.start,
        end,
        url: url.to_owned(),
    })
}
