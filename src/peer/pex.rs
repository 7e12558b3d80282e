//! The peer exchange message `ut_pex` (BEP 11): a bencoded dictionary, sent
//! as an extension message (BEP 10), telling a peer which peers the sender
//! connected to (`added`, `added6`, with one flag byte per peer in `added.f`,
//! `added6.f`) and disconnected from (`dropped`, `dropped6`) since its last
//! message. Addresses are compact: 4 or 16 address bytes, then a big-endian
//! port.
//!
//! Decoding never trusts the sender: at most [`MAX_ADDED`] entries of each
//! added list and [`MAX_DROPPED`] of each dropped list are read (the rest are
//! ignored), a trailing partial entry is ignored, a missing flag byte reads
//! as no flags and surplus flag bytes are ignored, and addresses nobody can
//! dial (port 0, unspecified, multicast or broadcast IPs) are dropped. Only a
//! payload that is not a bencoded dictionary, or a known key that is not a
//! byte string, is an error. Encoding writes what it is given: the sender
//! keeps to the limits (see `crate::swarm`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::BitOr;

use bytes::Bytes;
use thiserror::Error;

use crate::bencode::{self, Bencode, Dict};

/// The extension's name in the BEP 10 handshake's `m` dictionary.
pub const UT_PEX: &str = "ut_pex";
/// The most added peers read from each of `added` and `added6`, and the most
/// a message we send carries in all (the limit clients agreed on).
pub const MAX_ADDED: usize = 50;
/// The most dropped peers read from each of `dropped` and `dropped6`, and the
/// most a message we send carries in all.
pub const MAX_DROPPED: usize = 50;

/// Bytes of a compact IPv4 address and port.
const COMPACT_V4: usize = 6;
/// Bytes of a compact IPv6 address and port.
const COMPACT_V6: usize = 18;

/// Why a `ut_pex` payload could not be read.
#[derive(Debug, Error, PartialEq)]
pub enum PexError {
    /// The payload is not strict, valid bencode.
    #[error("ut_pex message is not valid bencode: {source}")]
    Bencode {
        #[source]
        source: bencode::DecodeError,
    },
    /// The payload is bencode but not a dictionary.
    #[error("ut_pex message is not a bencoded dictionary")]
    NotADictionary,
    /// A known key holds something other than a byte string.
    #[error("ut_pex key {key:?} is not a byte string")]
    NotBytes {
        /// The key.
        key: &'static str,
    },
}

/// What a sender says about an added peer: one byte of bit flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PexFlags(u8);

impl PexFlags {
    /// No flags.
    pub const NONE: PexFlags = PexFlags(0);
    /// The peer prefers encrypted connections.
    pub const PREFERS_ENCRYPTION: PexFlags = PexFlags(0x01);
    /// The peer is a seed (or only uploads).
    pub const SEED: PexFlags = PexFlags(0x02);
    /// The peer supports uTP.
    pub const UTP: PexFlags = PexFlags(0x04);
    /// The peer supports `ut_holepunch`.
    pub const HOLEPUNCH: PexFlags = PexFlags(0x08);
    /// The sender reached the peer with an outgoing connection.
    pub const REACHABLE: PexFlags = PexFlags(0x10);

    /// The flags of a received flag byte (unknown bits kept).
    pub const fn from_bits(bits: u8) -> PexFlags {
        PexFlags(bits)
    }

    /// The flag byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: PexFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for PexFlags {
    type Output = PexFlags;

    fn bitor(self, other: PexFlags) -> PexFlags {
        PexFlags(self.0 | other.0)
    }
}

/// An added peer: where it listens, and what the sender says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PexPeer {
    /// Its listen address.
    pub addr: SocketAddr,
    /// What the sender knows of it.
    pub flags: PexFlags,
}

/// One `ut_pex` message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PexMessage {
    /// Peers the sender connected to since its last message (IPv4 first when decoded).
    pub added: Vec<PexPeer>,
    /// Peers the sender disconnected from since its last message.
    pub dropped: Vec<SocketAddr>,
}

impl PexMessage {
    /// Whether the message says nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.dropped.is_empty()
    }

    /// The bencoded payload (without the extension message id). Every key is
    /// written, empty or not; IPv4-mapped IPv6 addresses go in the IPv4 lists.
    pub fn to_payload(&self) -> Bytes {
        let (mut added, mut added_flags) = (Vec::new(), Vec::new());
        let (mut added6, mut added6_flags) = (Vec::new(), Vec::new());
        for peer in &self.added {
            let (list, flags) = match peer.addr.ip().to_canonical() {
                IpAddr::V4(_) => (&mut added, &mut added_flags),
                IpAddr::V6(_) => (&mut added6, &mut added6_flags),
            };
            write_compact(peer.addr, list);
            flags.push(peer.flags.bits());
        }
        let (mut dropped, mut dropped6) = (Vec::new(), Vec::new());
        for &addr in &self.dropped {
            let list = match addr.ip().to_canonical() {
                IpAddr::V4(_) => &mut dropped,
                IpAddr::V6(_) => &mut dropped6,
            };
            write_compact(addr, list);
        }
        let dict = Bencode::dict([
            ("added", Bencode::Bytes(added)),
            ("added.f", Bencode::Bytes(added_flags)),
            ("added6", Bencode::Bytes(added6)),
            ("added6.f", Bencode::Bytes(added6_flags)),
            ("dropped", Bencode::Bytes(dropped)),
            ("dropped6", Bencode::Bytes(dropped6)),
        ]);
        Bytes::from(dict.encode())
    }

    /// Reads a payload (without the extension message id), within the
    /// bounds described in the module documentation.
    pub fn from_payload(payload: &[u8]) -> Result<PexMessage, PexError> {
        let dict = bencode::decode(payload)
            .map_err(|source| PexError::Bencode { source })?
            .as_dict()
            .ok_or(PexError::NotADictionary)?;
        let mut added = added_peers(dict, "added", "added.f", COMPACT_V4)?;
        added.extend(added_peers(dict, "added6", "added6.f", COMPACT_V6)?);
        let mut dropped = compact_addrs(byte_field(dict, "dropped")?, COMPACT_V4, MAX_DROPPED);
        dropped.extend(compact_addrs(
            byte_field(dict, "dropped6")?,
            COMPACT_V6,
            MAX_DROPPED,
        ));
        Ok(PexMessage { added, dropped })
    }
}

/// Whether anyone could dial `addr`: a port, and a unicast IP that names a host.
pub fn is_dialable(addr: SocketAddr) -> bool {
    let ip_ok = match addr.ip().to_canonical() {
        IpAddr::V4(ip) => !(ip.is_unspecified() || ip.is_multicast() || ip.is_broadcast()),
        IpAddr::V6(ip) => !(ip.is_unspecified() || ip.is_multicast()),
    };
    addr.port() != 0 && ip_ok
}

/// The byte string under `key`, empty when absent.
fn byte_field<'a>(dict: Dict<'a>, key: &'static str) -> Result<&'a [u8], PexError> {
    match dict.get(key) {
        None => Ok(&[]),
        Some(value) => value.as_bytes().ok_or(PexError::NotBytes { key }),
    }
}

/// The first [`MAX_ADDED`] entries of the compact list under `key`, each
/// with its flag byte from `flags_key` (none if missing), dialable ones only.
fn added_peers(
    dict: Dict<'_>,
    key: &'static str,
    flags_key: &'static str,
    entry_length: usize,
) -> Result<Vec<PexPeer>, PexError> {
    let list = byte_field(dict, key)?;
    let flags = byte_field(dict, flags_key)?;
    Ok(list
        .chunks_exact(entry_length)
        .take(MAX_ADDED)
        .enumerate()
        .filter_map(|(index, entry)| {
            let addr = read_compact(entry)?;
            let flags = PexFlags::from_bits(flags.get(index).copied().unwrap_or(0));
            Some(PexPeer { addr, flags })
        })
        .filter(|peer| is_dialable(peer.addr))
        .collect())
}

/// The first `limit` dialable addresses of a compact list.
fn compact_addrs(list: &[u8], entry_length: usize, limit: usize) -> Vec<SocketAddr> {
    list.chunks_exact(entry_length)
        .take(limit)
        .filter_map(read_compact)
        .filter(|addr| is_dialable(*addr))
        .collect()
}

/// One compact entry of 6 (IPv4) or 18 (IPv6) bytes.
fn read_compact(entry: &[u8]) -> Option<SocketAddr> {
    let (ip, port) = entry.split_at_checked(entry.len().checked_sub(2)?)?;
    let port = u16::from_be_bytes(<[u8; 2]>::try_from(port).ok()?);
    let ip = if let Ok(v4) = <[u8; 4]>::try_from(ip) {
        IpAddr::V4(Ipv4Addr::from(v4))
    } else {
        IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(ip).ok()?))
    };
    Some(SocketAddr::new(ip.to_canonical(), port))
}

fn write_compact(addr: SocketAddr, out: &mut Vec<u8>) {
    match addr.ip().to_canonical() {
        IpAddr::V4(ip) => out.extend_from_slice(&ip.octets()),
        IpAddr::V6(ip) => out.extend_from_slice(&ip.octets()),
    }
    out.extend_from_slice(&addr.port().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v4(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn peer(text: &str, flags: PexFlags) -> PexPeer {
        PexPeer {
            addr: v4(text),
            flags,
        }
    }

    #[test]
    fn encodes_every_key_in_compact_form() {
        let message = PexMessage {
            added: vec![
                peer("10.0.0.1:6881", PexFlags::SEED | PexFlags::REACHABLE),
                peer("[2001:db8::1]:51413", PexFlags::NONE),
            ],
            dropped: vec![v4("10.0.0.2:80")],
        };
        let expected: &[u8] = b"d5:added6:\x0a\x00\x00\x01\x1a\xe17:added.f1:\x12\
6:added618:\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\xc8\xd5\
8:added6.f1:\x007:dropped6:\x0a\x00\x00\x02\x00\x508:dropped60:e";
        assert_eq!(&message.to_payload()[..], expected);
        assert_eq!(PexMessage::from_payload(expected).unwrap(), message);
    }

    #[test]
    fn ipv4_mapped_addresses_travel_as_ipv4() {
        let mapped = PexMessage {
            added: vec![peer("[::ffff:10.0.0.1]:6881", PexFlags::NONE)],
            dropped: vec![],
        };
        let decoded = PexMessage::from_payload(&mapped.to_payload()).unwrap();
        assert_eq!(decoded.added, [peer("10.0.0.1:6881", PexFlags::NONE)]);
    }

    #[test]
    fn a_libtorrent_style_message_with_only_some_keys_parses() {
        let payload =
            b"d5:added12:\x7f\x00\x00\x01\x1a\xe1\x7f\x00\x00\x02\x1a\xe27:added.f2:\x02\x10e";
        let message = PexMessage::from_payload(payload).unwrap();
        assert_eq!(
            message.added,
            [
                peer("127.0.0.1:6881", PexFlags::SEED),
                peer("127.0.0.2:6882", PexFlags::REACHABLE)
            ]
        );
        assert!(message.dropped.is_empty());
    }

    #[test]
    fn truncated_lists_and_mismatched_flags_are_tolerated() {
        // Two whole entries and three stray bytes; one flag byte for two peers.
        let payload = b"d5:added15:\x0a\x00\x00\x01\x00\x01\x0a\x00\x00\x02\x00\x02\x0a\x00\x00\
7:added.f1:\x02e";
        let message = PexMessage::from_payload(payload).unwrap();
        assert_eq!(
            message.added,
            [
                peer("10.0.0.1:1", PexFlags::SEED),
                peer("10.0.0.2:2", PexFlags::NONE)
            ]
        );
        let surplus = b"d5:added6:\x0a\x00\x00\x01\x00\x017:added.f3:\x02\x02\x02e";
        assert_eq!(PexMessage::from_payload(surplus).unwrap().added.len(), 1);
    }

    #[test]
    fn undialable_addresses_are_dropped() {
        let bad = [
            "10.0.0.1:0",
            "0.0.0.0:6881",
            "224.0.0.1:6881",
            "255.255.255.255:6881",
            "[::]:6881",
            "[ff02::1]:6881",
            "[::ffff:0.0.0.0]:6881",
        ];
        let message = PexMessage {
            added: bad.iter().map(|addr| peer(addr, PexFlags::NONE)).collect(),
            dropped: bad.iter().map(|addr| v4(addr)).collect(),
        };
        let decoded = PexMessage::from_payload(&message.to_payload()).unwrap();
        assert!(decoded.is_empty(), "{decoded:?}");
        assert!(is_dialable(v4("127.0.0.1:6881")));
        assert!(is_dialable(v4("[::1]:6881")));
    }

    #[test]
    fn entries_beyond_the_caps_are_ignored() {
        let many_v4: Vec<PexPeer> = (0..200u16)
            .map(|port| peer(&format!("10.0.0.1:{}", port + 1), PexFlags::NONE))
            .collect();
        let many_v6: Vec<PexPeer> = (0..200u16)
            .map(|port| peer(&format!("[2001:db8::1]:{}", port + 1), PexFlags::NONE))
            .collect();
        let message = PexMessage {
            added: [many_v4.clone(), many_v6.clone()].concat(),
            dropped: many_v4.iter().map(|peer| peer.addr).collect(),
        };
        let decoded = PexMessage::from_payload(&message.to_payload()).unwrap();
        assert_eq!(decoded.added[..MAX_ADDED], many_v4[..MAX_ADDED]);
        assert_eq!(decoded.added[MAX_ADDED..], many_v6[..MAX_ADDED]);
        assert_eq!(decoded.dropped.len(), MAX_DROPPED);
    }

    #[test]
    fn malformed_payloads_are_errors() {
        assert!(matches!(
            PexMessage::from_payload(b"d5:added"),
            Err(PexError::Bencode { .. })
        ));
        assert_eq!(
            PexMessage::from_payload(b"le"),
            Err(PexError::NotADictionary)
        );
        assert_eq!(
            PexMessage::from_payload(b"d5:addedi1ee"),
            Err(PexError::NotBytes { key: "added" })
        );
        assert_eq!(
            PexMessage::from_payload(b"d8:dropped6lee"),
            Err(PexError::NotBytes { key: "dropped6" })
        );
        assert_eq!(PexMessage::from_payload(b"de"), Ok(PexMessage::default()));
    }

    fn dialable_v4() -> impl Strategy<Value = SocketAddr> {
        (1u8..=223, any::<[u8; 3]>(), 1u16..).prop_map(|(first, [b, c, d], port)| {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::new(first, b, c, d)), port)
        })
    }

    fn dialable_v6() -> impl Strategy<Value = SocketAddr> {
        (0x2000u16..0x3fff, any::<[u16; 7]>(), 1u16..).prop_map(|(first, rest, port)| {
            let [b, c, d, e, f, g, h] = rest;
            SocketAddr::new(IpAddr::V6(Ipv6Addr::new(first, b, c, d, e, f, g, h)), port)
        })
    }

    fn added(addrs: impl Strategy<Value = SocketAddr>) -> impl Strategy<Value = Vec<PexPeer>> {
        prop::collection::vec(
            (addrs, any::<u8>()).prop_map(|(addr, bits)| PexPeer {
                addr,
                flags: PexFlags::from_bits(bits),
            }),
            0..=MAX_ADDED,
        )
    }

    /// Byte strings for the message's keys: compact-looking lengths and others.
    fn field_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            (0usize..40).prop_flat_map(|n| prop::collection::vec(any::<u8>(), n * 6..=n * 6)),
            (0usize..10).prop_flat_map(|n| prop::collection::vec(any::<u8>(), n * 18..=n * 18)),
        ]
    }

    proptest! {
        #[test]
        fn messages_round_trip(
            added_v4 in added(dialable_v4()),
            added_v6 in added(dialable_v6()),
            dropped_v4 in prop::collection::vec(dialable_v4(), 0..=MAX_DROPPED),
            dropped_v6 in prop::collection::vec(dialable_v6(), 0..=MAX_DROPPED),
        ) {
            let message = PexMessage {
                added: [added_v4, added_v6].concat(),
                dropped: [dropped_v4, dropped_v6].concat(),
            };
            prop_assert_eq!(PexMessage::from_payload(&message.to_payload()), Ok(message));
        }

        #[test]
        fn arbitrary_bytes_never_panic(payload in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = PexMessage::from_payload(&payload);
        }

        #[test]
        fn arbitrary_fields_stay_within_bounds(
            fields in prop::collection::btree_map(
                prop::sample::select(vec!["added", "added.f", "added6", "added6.f", "dropped", "dropped6", "x"]),
                field_bytes(),
                0..7,
            )
        ) {
            let payload = Bencode::dict(
                fields.into_iter().map(|(key, bytes)| (key, Bencode::Bytes(bytes))),
            )
            .encode();
            let message = PexMessage::from_payload(&payload).unwrap();
            prop_assert!(message.added.len() <= 2 * MAX_ADDED);
            prop_assert!(message.dropped.len() <= 2 * MAX_DROPPED);
            prop_assert!(message.added.iter().all(|peer| is_dialable(peer.addr)));
            prop_assert!(message.dropped.iter().all(|addr| is_dialable(*addr)));
        }
    }
}
