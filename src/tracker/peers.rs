//! Peer lists in tracker replies: the compact forms (BEP 23: 6 bytes per IPv4
//! peer in `peers`; BEP 7: 18 bytes per IPv6 peer in `peers6`) and the
//! original dictionary form (BEP 3: a list of `{ip, port, peer id}`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use thiserror::Error;

use crate::bencode::{Bencode, Value};

/// A peer list that cannot be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PeersError {
    /// A compact list whose length is not a multiple of the entry size.
    #[error("compact peer list of {length} bytes is not a multiple of {entry}")]
    CompactLength { length: usize, entry: usize },
    /// `peers` is neither a byte string nor a list.
    #[error("peer list is neither compact nor a list")]
    WrongType,
}

const IPV4_ENTRY: usize = 6;
const IPV6_ENTRY: usize = 18;

/// Decodes a compact IPv4 list (`peers`, BEP 23).
pub fn decode_compact_v4(bytes: &[u8]) -> Result<Vec<SocketAddr>, PeersError> {
    decode_compact(bytes, IPV4_ENTRY, |ip| {
        <[u8; 4]>::try_from(ip)
            .ok()
            .map(|octets| IpAddr::V4(Ipv4Addr::from(octets)))
    })
}

/// Decodes a compact IPv6 list (`peers6`, BEP 7).
pub fn decode_compact_v6(bytes: &[u8]) -> Result<Vec<SocketAddr>, PeersError> {
    decode_compact(bytes, IPV6_ENTRY, |ip| {
        <[u8; 16]>::try_from(ip)
            .ok()
            .map(|octets| IpAddr::V6(Ipv6Addr::from(octets)))
    })
}

fn decode_compact(
    bytes: &[u8],
    entry: usize,
    ip: impl Fn(&[u8]) -> Option<IpAddr>,
) -> Result<Vec<SocketAddr>, PeersError> {
    if !bytes.len().is_multiple_of(entry) {
        return Err(PeersError::CompactLength {
            length: bytes.len(),
            entry,
        });
    }
    Ok(bytes
        .chunks_exact(entry)
        .filter_map(|chunk| {
            let (address, port) = chunk.split_at(entry - 2);
            let port = u16::from_be_bytes(port.try_into().ok()?);
            Some(SocketAddr::new(ip(address)?, port))
        })
        .collect())
}

/// Encodes peers of one family compactly; peers of the other family are skipped.
pub fn encode_compact(peers: &[SocketAddr], ipv6: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for peer in peers {
        match peer.ip() {
            IpAddr::V4(ip) if !ipv6 => out.extend_from_slice(&ip.octets()),
            IpAddr::V6(ip) if ipv6 => out.extend_from_slice(&ip.octets()),
            _ => continue,
        }
        out.extend_from_slice(&peer.port().to_be_bytes());
    }
    out
}

/// Reads `peers` in either form. Dictionary entries whose `ip` is not a
/// literal address (BEP 3 allows DNS names) or whose port is out of range are
/// skipped rather than resolved.
pub fn decode_peers(value: Value<'_>) -> Result<Vec<SocketAddr>, PeersError> {
    if let Some(bytes) = value.as_bytes() {
        return decode_compact_v4(bytes);
    }
    let entries = value.as_list().ok_or(PeersError::WrongType)?;
    Ok(entries.iter().filter_map(dictionary_peer).collect())
}

fn dictionary_peer(entry: Value<'_>) -> Option<SocketAddr> {
    let entry = entry.as_dict()?;
    let ip = entry.get("ip")?.as_str()?;
    let port = u16::try_from(entry.get("port")?.as_int()?).ok()?;
    Some(SocketAddr::new(ip.parse().ok()?, port))
}

/// Encodes peers as a BEP 3 dictionary list.
pub fn encode_dictionary(peers: &[([u8; 20], SocketAddr)]) -> Bencode {
    Bencode::List(
        peers
            .iter()
            .map(|(peer_id, addr)| {
                Bencode::dict([
                    ("ip", Bencode::text(&addr.ip().to_string())),
                    ("peer id", Bencode::Bytes(peer_id.to_vec())),
                    ("port", Bencode::Int(i64::from(addr.port()))),
                ])
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_compact_ipv4() {
        let peers = decode_compact_v4(&[127, 0, 0, 1, 0x1a, 0xe1, 10, 0, 0, 2, 0, 80]).unwrap();
        assert_eq!(
            peers,
            vec![
                "127.0.0.1:6881".parse().unwrap(),
                "10.0.0.2:80".parse().unwrap()
            ]
        );
    }

    #[test]
    fn rejects_a_truncated_compact_list() {
        assert_eq!(
            decode_compact_v4(&[1, 2, 3, 4, 5]),
            Err(PeersError::CompactLength {
                length: 5,
                entry: 6
            })
        );
        assert_eq!(
            decode_compact_v6(&[0; 19]),
            Err(PeersError::CompactLength {
                length: 19,
                entry: 18
            })
        );
    }

    #[test]
    fn decodes_dictionary_peers_and_skips_names() {
        let list = encode_dictionary(&[
            ([1; 20], "127.0.0.1:6881".parse().unwrap()),
            ([2; 20], "[::1]:6882".parse().unwrap()),
        ]);
        let Bencode::List(mut entries) = list else {
            panic!("not a list");
        };
        entries.push(Bencode::dict([
            ("ip", Bencode::text("tracker.example")),
            ("port", Bencode::Int(1)),
        ]));
        entries.push(Bencode::dict([
            ("ip", Bencode::text("10.0.0.1")),
            ("port", Bencode::Int(70000)),
        ]));
        let encoded = Bencode::List(entries).encode();
        let peers = decode_peers(crate::bencode::decode(&encoded).unwrap()).unwrap();
        assert_eq!(
            peers,
            vec![
                "127.0.0.1:6881".parse().unwrap(),
                "[::1]:6882".parse().unwrap()
            ]
        );
    }

    #[test]
    fn peers_of_another_type_are_rejected() {
        let integer = crate::bencode::decode(b"i6e").unwrap();
        assert_eq!(decode_peers(integer), Err(PeersError::WrongType));
    }

    #[test]
    fn encode_compact_keeps_one_family() {
        let peers: Vec<SocketAddr> = vec!["1.2.3.4:5".parse().unwrap(), "[::2]:7".parse().unwrap()];
        assert_eq!(encode_compact(&peers, false), vec![1, 2, 3, 4, 0, 5]);
        assert_eq!(encode_compact(&peers, true).len(), 18);
    }

    proptest! {
        #[test]
        fn compact_round_trips(
            v4 in proptest::collection::vec((any::<[u8; 4]>(), any::<u16>()), 0..20),
            v6 in proptest::collection::vec((any::<[u8; 16]>(), any::<u16>()), 0..20),
        ) {
            let v4: Vec<SocketAddr> = v4.into_iter().map(|(ip, port)| SocketAddr::from((ip, port))).collect();
            let v6: Vec<SocketAddr> = v6.into_iter().map(|(ip, port)| SocketAddr::from((ip, port))).collect();
            let all: Vec<SocketAddr> = v4.iter().chain(&v6).copied().collect();
            prop_assert_eq!(decode_compact_v4(&encode_compact(&all, false)), Ok(v4));
            prop_assert_eq!(decode_compact_v6(&encode_compact(&all, true)), Ok(v6));
        }
    }
}
