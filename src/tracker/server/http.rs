//! The embedded tracker's HTTP side: just enough HTTP/1.1 for `GET /announce`
//! and `GET /scrape`.
//!
//! One request per connection (`Connection: close`). The request head must
//! arrive within the read timeout and fit in [`MAX_REQUEST`] bytes; the body,
//! if any, is ignored. A bad tracker request gets a bencoded `failure reason`
//! with status 200, as clients expect; a bad HTTP request gets a 4xx.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use percent_encoding::percent_decode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::registry::{Announce, Families};
use super::Shared;
use crate::bencode::Bencode;
use crate::connection_slots::{ConnectionSlots, Slot};
use crate::tracker::announce::AnnounceEvent;
use crate::tracker::peers::{encode_compact, encode_dictionary};

/// The largest request head accepted.
pub const MAX_REQUEST: usize = 8 * 1024;

/// How long writing a reply may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until the listener fails for good. When
/// [`ServerOptions::max_connections`](super::ServerOptions) are open, a new
/// one takes the place of the longest-idle connection still waiting for its
/// request head ([`crate::connection_slots`]).
pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    let slots = ConnectionSlots::new(shared.options.max_connections);
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let (stream, peer, slot) = slots.accept(&listener).await?;
        let shared = Arc::clone(&shared);
        connections.spawn(async move {
            // A failed connection concerns that client only.
            let _ = handle(stream, peer, &slot, &shared).await;
        });
    }
}

/// An HTTP reply: status line and a body.
#[derive(Debug, PartialEq, Eq)]
struct Reply {
    status: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn ok(body: Bencode) -> Reply {
        Reply {
            status: "200 OK",
            body: body.encode(),
        }
    }

    fn failure(reason: &str) -> Reply {
        Reply::ok(Bencode::dict([("failure reason", Bencode::text(reason))]))
    }

    fn error(status: &'static str) -> Reply {
        Reply {
            status,
            body: status.as_bytes().to_vec(),
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.status,
            self.body.len()
        )
        .into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

/// Answers the one request of a connection; an evicted connection is
/// closed (after lingering) while it still waits for its request head.
async fn handle(
    mut stream: TcpStream,
    peer: SocketAddr,
    slot: &Slot,
    shared: &Shared,
) -> io::Result<()> {
    let head = tokio::select! {
        head = tokio::time::timeout(shared.options.read_timeout, read_head(&mut stream)) => head,
        () = slot.evicted() => {
            // Lingers unread, unless told to close sooner.
            tokio::select! {
                () = tokio::time::sleep(slot.linger()) => {}
                () = slot.evicted() => {}
            }
            return Ok(());
        }
    };
    let _busy = slot.busy();
    let reply = match head {
        Err(_) => Reply::error("408 Request Timeout"),
        Ok(Err(error)) => return Err(error),
        Ok(Ok(None)) => Reply::error("431 Request Header Fields Too Large"),
        Ok(Ok(Some(head))) => route(&head, peer.ip().to_canonical(), shared),
    };
    tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(&reply.to_bytes()).await?;
        stream.shutdown().await
    })
    .await
    .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
}

/// Reads up to the blank line ending the head; `None` when it is too long.
async fn read_head(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::with_capacity(1024);
    let mut buffer = [0; 1024];
    loop {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(buffer.get(..read).unwrap_or_default());
        if head.windows(4).any(|window| window == b"\r\n\r\n") {
            return Ok(Some(head));
        }
        if head.len() >= MAX_REQUEST {
            return Ok(None);
        }
    }
}

fn route(head: &[u8], source: IpAddr, shared: &Shared) -> Reply {
    let line = head.split(|&byte| byte == b'\r').next().unwrap_or_default();
    let Ok(line) = std::str::from_utf8(line) else {
        return Reply::error("400 Bad Request");
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Reply::error("400 Bad Request");
    };
    if method != "GET" {
        return Reply::error("405 Method Not Allowed");
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let params = parse_query(query);
    match path {
        "/announce" => announce(&params, source, shared),
        "/scrape" => scrape(&params, shared),
        _ => Reply::error("404 Not Found"),
    }
}

/// Query parameters with percent-decoded values; repeated keys are kept.
fn parse_query(query: &str) -> Vec<(String, Vec<u8>)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key.as_bytes())
                .decode_utf8_lossy()
                .into_owned();
            (key, percent_decode(value.as_bytes()).collect())
        })
        .collect()
}

fn param<'a>(params: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_slice())
}

fn number<T: std::str::FromStr>(params: &[(String, Vec<u8>)], name: &str) -> Option<T> {
    std::str::from_utf8(param(params, name)?).ok()?.parse().ok()
}

fn twenty_bytes(value: &[u8], name: &str) -> Result<[u8; 20], String> {
    value
        .try_into()
        .map_err(|_| format!("{name} must be 20 bytes, got {}", value.len()))
}

fn required_id(params: &[(String, Vec<u8>)], name: &str) -> Result<[u8; 20], String> {
    twenty_bytes(
        param(params, name).ok_or_else(|| format!("missing {name}"))?,
        name,
    )
}

fn parse_announce(params: &[(String, Vec<u8>)], source: IpAddr) -> Result<Announce, String> {
    let info_hash = required_id(params, "info_hash")?;
    let peer_id = required_id(params, "peer_id")?;
    let port: u16 = number(params, "port")
        .filter(|&port| port != 0)
        .ok_or("missing or invalid port")?;
    let event = match param(params, "event") {
        None => AnnounceEvent::None,
        Some(value) => std::str::from_utf8(value)
            .ok()
            .and_then(AnnounceEvent::from_query_value)
            .ok_or("unknown event")?,
    };
    Ok(Announce {
        info_hash,
        peer_id,
        addr: SocketAddr::new(source, port),
        // Without `left` a peer counts as a leecher.
        left: number(params, "left").unwrap_or(u64::MAX),
        event,
        num_want: number(params, "numwant"),
        families: Families::Both,
    })
}

fn announce(params: &[(String, Vec<u8>)], source: IpAddr, shared: &Shared) -> Reply {
    let announce = match parse_announce(params, source) {
        Ok(announce) => announce,
        Err(reason) => return Reply::failure(&reason),
    };
    let view = match shared.registry().announce(&announce, Instant::now()) {
        Ok(view) => view,
        Err(full) => return Reply::failure(&full.to_string()),
    };
    let compact = param(params, "compact") != Some(b"0");
    let mut reply = vec![
        ("complete", Bencode::Int(i64::from(view.seeders))),
        ("incomplete", Bencode::Int(i64::from(view.leechers))),
        ("interval", seconds(shared.options.interval)),
    ];
    if compact {
        let addrs: Vec<SocketAddr> = view.peers.iter().map(|(_, addr)| *addr).collect();
        reply.push(("peers", Bencode::Bytes(encode_compact(&addrs, false))));
        let peers6 = encode_compact(&addrs, true);
        if !peers6.is_empty() {
            reply.push(("peers6", Bencode::Bytes(peers6)));
        }
    } else {
        reply.push(("peers", encode_dictionary(&view.peers)));
    }
    Reply::ok(Bencode::dict(reply))
}

fn seconds(duration: Duration) -> Bencode {
    Bencode::Int(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

fn scrape(params: &[(String, Vec<u8>)], shared: &Shared) -> Reply {
    let hashes: Result<Vec<[u8; 20]>, String> = params
        .iter()
        .filter(|(key, _)| key == "info_hash")
        .map(|(_, value)| twenty_bytes(value, "info_hash"))
        .collect();
    let hashes = match hashes {
        Ok(hashes) if hashes.is_empty() => return Reply::failure("scrape needs an info_hash"),
        Ok(hashes) => hashes,
        Err(reason) => return Reply::failure(&reason),
    };
    let now = Instant::now();
    let mut registry = shared.registry();
    let files = hashes
        .iter()
        .map(|hash| {
            let stats = registry.scrape(hash, now);
            let counts = Bencode::dict([
                ("complete", Bencode::Int(i64::from(stats.seeders))),
                ("downloaded", Bencode::Int(i64::from(stats.completed))),
                ("incomplete", Bencode::Int(i64::from(stats.leechers))),
            ]);
            (hash.to_vec(), counts)
        })
        .collect();
    Reply::ok(Bencode::dict([("files", Bencode::Dict(files))]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_query_values() {
        let params = parse_query("info_hash=%00%FFa~&peer_id=x&&flag&numwant=7");
        assert_eq!(
            param(&params, "info_hash"),
            Some(&[0, 0xff, b'a', b'~'][..])
        );
        assert_eq!(param(&params, "flag"), Some(&b""[..]));
        assert_eq!(number::<usize>(&params, "numwant"), Some(7));
        assert_eq!(number::<usize>(&params, "missing"), None);
    }

    #[test]
    fn bad_announces_get_a_reason() {
        let source = IpAddr::from([127, 0, 0, 1]);
        let twenty = "aaaaaaaaaaaaaaaaaaaa";
        let cases = [
            ("", "missing info_hash"),
            ("info_hash=abc", "info_hash must be 20 bytes, got 3"),
            (&format!("info_hash={twenty}"), "missing peer_id"),
            (
                &format!("info_hash={twenty}&peer_id={twenty}"),
                "missing or invalid port",
            ),
            (
                &format!("info_hash={twenty}&peer_id={twenty}&port=0"),
                "missing or invalid port",
            ),
            (
                &format!("info_hash={twenty}&peer_id={twenty}&port=1&event=x"),
                "unknown event",
            ),
        ];
        for (query, reason) in cases {
            assert_eq!(
                parse_announce(&parse_query(query), source),
                Err(reason.to_owned()),
                "{query}"
            );
        }
    }

    #[test]
    fn reply_is_a_complete_http_response() {
        let bytes = Reply::error("404 Not Found").to_bytes();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(text.contains("Content-Length: 13\r\n"));
        assert!(text.contains("Connection: close\r\n\r\n404 Not Found"));
    }
}
