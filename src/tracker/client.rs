//! One entry point for announcing to and scraping any tracker URL: the scheme
//! picks HTTP(S) or UDP, and the whole operation, retries included, is bounded
//! by the client's timeout.

use std::future::Future;
use std::time::Duration;

use super::announce::{AnnounceRequest, AnnounceResponse, ScrapeStats};
use super::error::TrackerError;
use super::http::HttpTracker;
use super::udp::{UdpRetry, UdpTracker};

/// How a [`TrackerClient`] behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    /// The bound on one announce or scrape, retransmissions included.
    pub timeout: Duration,
    /// The UDP retransmission schedule.
    pub udp_retry: UdpRetry,
}

/// Announces and scrapes over HTTP(S) and UDP; cheap to share by reference,
/// and keeps HTTP connections and UDP connection ids between calls.
#[derive(Debug)]
pub struct TrackerClient {
    timeout: Duration,
    http: HttpTracker,
    udp: UdpTracker,
}

/// The transport a tracker URL asks for.
enum Transport {
    Http,
    Udp,
}

impl TrackerClient {
    /// A client with BEP 15's UDP schedule, bounded by `timeout` per call.
    pub fn new(timeout: Duration) -> TrackerClient {
        TrackerClient::with_options(ClientOptions {
            timeout,
            udp_retry: UdpRetry::default(),
        })
    }

    /// A client with every option chosen.
    pub fn with_options(options: ClientOptions) -> TrackerClient {
        TrackerClient {
            timeout: options.timeout,
            http: HttpTracker::new(options.timeout),
            udp: UdpTracker::new(options.udp_retry),
        }
    }

    /// Announces `request` to the tracker at `url`.
    pub async fn announce(
        &self,
        url: &str,
        request: &AnnounceRequest,
    ) -> Result<AnnounceResponse, TrackerError> {
        match transport(url)? {
            Transport::Http => self.bounded(url, self.http.announce(url, request)).await,
            Transport::Udp => self.bounded(url, self.udp.announce(url, request)).await,
        }
    }

    /// Asks the tracker whose announce URL is `url` for swarm counts. The
    /// result holds the torrents the tracker reported, in request order. No
    /// info-hash means no request: a full scrape is never asked for.
    pub async fn scrape(
        &self,
        url: &str,
        info_hashes: &[[u8; 20]],
    ) -> Result<Vec<ScrapeStats>, TrackerError> {
        let transport = transport(url)?;
        if info_hashes.is_empty() {
            return Ok(Vec::new());
        }
        match transport {
            Transport::Http => self.bounded(url, self.http.scrape(url, info_hashes)).await,
            Transport::Udp => self.bounded(url, self.udp.scrape(url, info_hashes)).await,
        }
    }

    async fn bounded<T>(
        &self,
        url: &str,
        operation: impl Future<Output = Result<T, TrackerError>>,
    ) -> Result<T, TrackerError> {
        tokio::time::timeout(self.timeout, operation)
            .await
            .unwrap_or_else(|_| {
                Err(TrackerError::Timeout {
                    url: url.to_owned(),
                })
            })
    }
}

fn transport(url: &str) -> Result<Transport, TrackerError> {
    let scheme = url
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http" | "https") => Ok(Transport::Http),
        Some("udp") => Ok(Transport::Udp),
        _ => Err(TrackerError::UnsupportedScheme {
            url: url.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_picks_the_transport() {
        assert!(matches!(
            transport("HTTPS://t/announce"),
            Ok(Transport::Http)
        ));
        assert!(matches!(transport("udp://t:1"), Ok(Transport::Udp)));
        for url in ["wss://t/announce", "t/announce", ""] {
            assert!(matches!(
                transport(url),
                Err(TrackerError::UnsupportedScheme { .. })
            ));
        }
    }
}
