//! The HTTP tracker client (BEP 3, BEP 23 compact peers, BEP 7 `peers6`,
//! BEP 48 scrape).
//!
//! Binary query values (info-hash, peer id) are percent-encoded byte by byte,
//! keeping only RFC 3986 unreserved characters. A reply is read up to
//! [`MAX_BODY`] bytes; anything that is not one bencoded dictionary is
//! [`super::TrackerError::Malformed`], and a `failure reason` wins over the HTTP status.

use std::time::Duration;

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::StatusCode;

use crate::bencode::{self, Dict};

use super::announce::{AnnounceRequest, AnnounceResponse, ScrapeStats};
use super::error::TrackerError;
use super::peers::{decode_compact_v6, decode_peers};

/// The largest reply body accepted from a tracker.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Bytes that stay literal in a query value: RFC 3986 unreserved characters.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Talks to `http://` and `https://` trackers over the process's one
/// connection pool: every torrent's tracker client shares it, so a seeder of
/// thousands of torrents builds one TLS setup and pool, not one each.
#[derive(Debug, Clone)]
pub(crate) struct HttpTracker {
    client: reqwest::Client,
    timeout: Duration,
}

impl HttpTracker {
    /// A client that ignores proxy environment variables and gives up on a
    /// request after `timeout`.
    pub(crate) fn new(timeout: Duration) -> HttpTracker {
        HttpTracker {
            client: shared_client(),
            timeout,
        }
    }

    /// Announces to `url` and reads the reply.
    pub(crate) async fn announce(
        &self,
        url: &str,
        request: &AnnounceRequest,
    ) -> Result<AnnounceResponse, TrackerError> {
        let (status, body) = self.get(url, &announce_url(url, request)).await?;
        parse_announce(url, interpret(url, status, &body)?)
    }

    /// Scrapes the tracker behind announce URL `url` (BEP 48).
    pub(crate) async fn scrape(
        &self,
        url: &str,
        info_hashes: &[[u8; 20]],
    ) -> Result<Vec<ScrapeStats>, TrackerError> {
        let base = scrape_url(url).ok_or_else(|| TrackerError::ScrapeUnsupported {
            url: url.to_owned(),
        })?;
        let query = info_hashes
            .iter()
            .map(|hash| format!("info_hash={}", encode(hash)))
            .collect::<Vec<_>>()
            .join("&");
        let (status, body) = self.get(url, &with_query(&base, &query)).await?;
        parse_scrape(url, interpret(url, status, &body)?, info_hashes)
    }

    /// GETs `full_url` and reads the status and body of tracker `url`'s reply.
    async fn get(&self, url: &str, full_url: &str) -> Result<(StatusCode, Vec<u8>), TrackerError> {
        let mut response = self
            .client
            .get(full_url)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|source| request_error(url, source))?;
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|length| length > MAX_BODY as u64)
        {
            return Err(too_large(url));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|source| request_error(url, source))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(too_large(url));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body))
    }
}

/// The process's tracker HTTP client (reqwest clients share their pool
/// through clones).
fn shared_client() -> reqwest::Client {
    static SHARED: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let build = || {
        crate::http_client::builder()
            .no_proxy()
            // No idle connections kept: a torrent announces minutes apart,
            // and a kept connection belongs to the runtime that opened it.
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("btt/", env!("CARGO_PKG_VERSION")))
            .build()
            // Building only fails when the TLS backend cannot initialise;
            // the default client is the same configuration minus our options.
            .unwrap_or_default()
    };
    SHARED.get_or_init(build).clone()
}

fn too_large(url: &str) -> TrackerError {
    TrackerError::malformed(url, format!("reply larger than {MAX_BODY} bytes"))
}

fn request_error(url: &str, source: reqwest::Error) -> TrackerError {
    if source.is_timeout() {
        TrackerError::Timeout {
            url: url.to_owned(),
        }
    } else {
        TrackerError::Request {
            url: url.to_owned(),
            source,
        }
    }
}

/// Percent-encodes a binary or text query value.
pub(crate) fn encode(bytes: &[u8]) -> String {
    percent_encode(bytes, QUERY_VALUE).to_string()
}

/// Appends `query` to `base`, which may already carry a query (a passkey).
fn with_query(base: &str, query: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

/// The full announce URL for `request`.
pub(crate) fn announce_url(base: &str, request: &AnnounceRequest) -> String {
    let mut query = format!(
        "info_hash={}&peer_id={}&port={}&uploaded={}&downloaded={}&left={}&compact=1&key={:08x}",
        encode(&request.info_hash),
        encode(&request.peer_id),
        request.port,
        request.uploaded,
        request.downloaded,
        request.left,
        request.key,
    );
    if let Some(event) = request.event.as_query_value() {
        query.push_str(&format!("&event={event}"));
    }
    if let Some(num_want) = request.num_want {
        query.push_str(&format!("&numwant={num_want}"));
    }
    with_query(base, &query)
}

/// The BEP 48 scrape URL: the last path segment's `announce` becomes `scrape`.
pub(crate) fn scrape_url(announce: &str) -> Option<String> {
    let (path, query) = match announce.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (announce, None),
    };
    let (directory, segment) = path.rsplit_once('/')?;
    let rest = segment.strip_prefix("announce")?;
    let scrape = format!("{directory}/scrape{rest}");
    Some(match query {
        Some(query) => format!("{scrape}?{query}"),
        None => scrape,
    })
}

/// Decodes a reply body: a failure reason first, then the status, then the shape.
pub(crate) fn interpret<'a>(
    url: &str,
    status: StatusCode,
    body: &'a [u8],
) -> Result<Dict<'a>, TrackerError> {
    let http_error = || TrackerError::Http {
        url: url.to_owned(),
        status: status.as_u16(),
    };
    let value = match bencode::decode(body) {
        Ok(value) => value,
        Err(_) if !status.is_success() => return Err(http_error()),
        Err(error) if looks_like_html(body) => {
            return Err(TrackerError::malformed(
                url,
                format!("HTML instead of bencode ({error})"),
            ))
        }
        Err(error) => return Err(TrackerError::malformed(url, error.to_string())),
    };
    let dict = value.as_dict();
    if let Some(reason) = dict.and_then(|dict| dict.get("failure reason")) {
        return Err(TrackerError::Failure {
            url: url.to_owned(),
            reason: text(reason.as_bytes().unwrap_or_default()),
        });
    }
    if !status.is_success() {
        return Err(http_error());
    }
    dict.ok_or_else(|| TrackerError::malformed(url, "reply is not a dictionary"))
}

fn looks_like_html(body: &[u8]) -> bool {
    body.iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|&byte| byte == b'<')
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn seconds(url: &str, reply: Dict<'_>, key: &str) -> Result<Option<Duration>, TrackerError> {
    reply
        .get(key)
        .map(|value| {
            value
                .as_int()
                .and_then(|seconds| u64::try_from(seconds).ok())
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    TrackerError::malformed(url, format!("`{key}` is not a count of seconds"))
                })
        })
        .transpose()
}

fn count(dict: Dict<'_>, key: &str) -> Option<u32> {
    dict.get(key)
        .and_then(|value| value.as_int())
        .and_then(|number| u32::try_from(number).ok())
}

/// Reads a decoded announce reply.
pub(crate) fn parse_announce(url: &str, reply: Dict<'_>) -> Result<AnnounceResponse, TrackerError> {
    let interval = seconds(url, reply, "interval")?
        .ok_or_else(|| TrackerError::malformed(url, "no `interval`"))?;
    let min_interval = seconds(url, reply, "min interval")?;
    let mut peers = match reply.get("peers") {
        Some(peers) => {
            decode_peers(peers).map_err(|error| TrackerError::malformed(url, error.to_string()))?
        }
        None => Vec::new(),
    };
    if let Some(peers6) = reply.get("peers6").and_then(|peers6| peers6.as_bytes()) {
        peers.extend(
            decode_compact_v6(peers6)
                .map_err(|error| TrackerError::malformed(url, error.to_string()))?,
        );
    }
    Ok(AnnounceResponse {
        interval,
        min_interval,
        peers,
        seeders: count(reply, "complete"),
        leechers: count(reply, "incomplete"),
        warning: reply
            .get("warning message")
            .and_then(|warning| warning.as_bytes())
            .map(text),
    })
}

/// Reads a decoded scrape reply: counts for the requested torrents the
/// tracker knows, in request order.
pub(crate) fn parse_scrape(
    url: &str,
    reply: Dict<'_>,
    info_hashes: &[[u8; 20]],
) -> Result<Vec<ScrapeStats>, TrackerError> {
    let Some(files) = reply.get("files").and_then(|files| files.as_dict()) else {
        return Err(TrackerError::malformed(url, "no `files` dictionary"));
    };
    Ok(info_hashes
        .iter()
        .filter_map(|hash| {
            let stats = files.get(hash)?.as_dict();
            let stat = |key| stats.and_then(|stats| count(stats, key)).unwrap_or(0);
            Some(ScrapeStats {
                info_hash: *hash,
                seeders: stat("complete"),
                leechers: stat("incomplete"),
                completed: stat("downloaded"),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::announce::AnnounceEvent;

    const URL: &str = "http://tracker.test/announce";

    fn request() -> AnnounceRequest {
        AnnounceRequest {
            info_hash: *b"\x00\x01 +/?&=%~-._azAZ09\xff",
            peer_id: *b"-BT0001-abcdefghijkl",
            port: 6881,
            uploaded: 1,
            downloaded: 2,
            left: 3,
            event: AnnounceEvent::Started,
            num_want: Some(25),
            key: 0xdead_beef,
        }
    }

    fn ok(body: &[u8]) -> Result<AnnounceResponse, TrackerError> {
        interpret(URL, StatusCode::OK, body).and_then(|reply| parse_announce(URL, reply))
    }

    #[test]
    fn announce_url_percent_encodes_binary_values() {
        let url = announce_url("http://t.test/announce?passkey=x", &request());
        assert_eq!(
            url,
            "http://t.test/announce?passkey=x&info_hash=%00%01%20%2B%2F%3F%26%3D%25~-._azAZ09%FF\
             &peer_id=-BT0001-abcdefghijkl&port=6881&uploaded=1&downloaded=2&left=3&compact=1\
             &key=deadbeef&event=started&numwant=25"
        );
    }

    #[test]
    fn regular_announce_has_no_event() {
        let mut request = request();
        request.event = AnnounceEvent::None;
        request.num_want = None;
        let url = announce_url(URL, &request);
        assert!(!url.contains("event="));
        assert!(!url.contains("numwant="));
    }

    #[test]
    fn scrape_url_follows_bep_48() {
        assert_eq!(
            scrape_url("http://t.test/announce").as_deref(),
            Some("http://t.test/scrape")
        );
        assert_eq!(
            scrape_url("http://t.test/x/announce.php?passkey=1").as_deref(),
            Some("http://t.test/x/scrape.php?passkey=1")
        );
        assert_eq!(scrape_url("http://t.test/a"), None);
        assert_eq!(scrape_url("http://t.test/announce/x"), None);
    }

    #[test]
    fn parses_compact_and_ipv6_peers() {
        let mut body =
            b"d8:completei3e10:incompletei4e8:intervali900e12:min intervali60e5:peers6:".to_vec();
        body.extend_from_slice(&[127, 0, 0, 1, 0x1a, 0xe1]);
        body.extend_from_slice(b"6:peers618:");
        body.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
        body.extend_from_slice(&[0, 80]);
        body.extend_from_slice(b"15:warning message4:slowe");
        let response = ok(&body).unwrap();
        assert_eq!(response.interval, Duration::from_secs(900));
        assert_eq!(response.min_interval, Some(Duration::from_secs(60)));
        assert_eq!(
            response.peers,
            vec![
                "127.0.0.1:6881".parse().unwrap(),
                "[::1]:80".parse().unwrap()
            ]
        );
        assert_eq!((response.seeders, response.leechers), (Some(3), Some(4)));
        assert_eq!(response.warning.as_deref(), Some("slow"));
    }

    #[test]
    fn parses_dictionary_peers() {
        let body =
            b"d8:intervali60e5:peersld2:ip9:127.0.0.27:peer id20:aaaaaaaaaaaaaaaaaaaa4:porti7eeee";
        let response = ok(body).unwrap();
        assert_eq!(response.peers, vec!["127.0.0.2:7".parse().unwrap()]);
        assert_eq!(response.seeders, None);
    }

    #[test]
    fn failure_reason_wins_even_over_an_error_status() {
        let body = b"d14:failure reason12:unregisterede";
        for status in [StatusCode::OK, StatusCode::BAD_REQUEST] {
            match interpret(URL, status, body) {
                Err(TrackerError::Failure { url, reason }) => {
                    assert_eq!((url.as_str(), reason.as_str()), (URL, "unregistered"))
                }
                other => panic!("expected a failure, got {other:?}"),
            }
        }
    }

    #[test]
    fn bad_replies_are_malformed_or_http_errors() {
        for body in [
            &b"  <html><body>login</body></html>"[..],
            b"garbage",
            b"li1ee",
            b"d5:peers6:abcdefe",
            b"d8:intervali-5ee",
            b"d8:intervali5e5:peers5:abcdee",
        ] {
            assert!(
                matches!(ok(body), Err(TrackerError::Malformed { .. })),
                "{body:?}"
            );
        }
        let deep = [vec![b'l'; 1_000_000], vec![b'e'; 1_000_000]].concat();
        assert!(matches!(ok(&deep), Err(TrackerError::Malformed { .. })));
        assert!(matches!(
            interpret(URL, StatusCode::NOT_FOUND, b"<html>"),
            Err(TrackerError::Http { status: 404, .. })
        ));
    }

    #[test]
    fn html_is_named_in_the_error() {
        let error = ok(b"<!DOCTYPE html>").unwrap_err();
        assert!(error.to_string().contains("HTML"), "{error}");
        assert!(error.to_string().contains(URL), "{error}");
    }

    #[test]
    fn parses_scrape_in_request_order() {
        let mut body = b"d5:filesd20:".to_vec();
        body.extend_from_slice(&[2; 20]);
        body.extend_from_slice(b"d8:completei1e10:downloadedi5e10:incompletei2ee20:");
        body.extend_from_slice(&[1; 20]);
        body.extend_from_slice(b"d8:completei9eeee");
        let reply = interpret(URL, StatusCode::OK, &body).unwrap();
        let stats = parse_scrape(URL, reply, &[[1; 20], [3; 20], [2; 20]]).unwrap();
        assert_eq!(
            stats,
            vec![
                ScrapeStats {
                    info_hash: [1; 20],
                    seeders: 9,
                    leechers: 0,
                    completed: 0
                },
                ScrapeStats {
                    info_hash: [2; 20],
                    seeders: 1,
                    leechers: 2,
                    completed: 5
                },
            ]
        );
    }
}
