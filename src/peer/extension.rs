//! The extended handshake of the extension protocol (BEP 10): a bencoded
//! dictionary sent as extended message 0, naming the extensions the sender
//! supports (`m`) and a few facts about it.
//!
//! Known keys are typed and checked: a known key with a wrong type or an
//! out-of-range value is an error. Unknown keys (for instance the `btt`
//! extension's wallet fields) are kept in [`ExtendedHandshake::extra`] and
//! written back out, so extensions can add fields without touching this file.
//! The payload is read with the strict [`crate::bencode`] decoder, whose
//! nesting bound keeps a hostile payload from exhausting the stack; the
//! payload written is canonical (keys sorted).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::Bytes;

use super::error::WireError;
use super::message::Message;
use crate::bencode::{self, Bencode, Value};

/// A BEP 10 extended handshake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtendedHandshake {
    /// `m`: extension name to the message id the sender wants to receive it
    /// under; id 0 means the sender disabled that extension.
    pub extensions: BTreeMap<String, u8>,
    /// `v`: the sender's client name and version.
    pub client: Option<String>,
    /// `p`: the sender's listen port.
    pub listen_port: Option<u16>,
    /// `reqq`: how many outstanding requests the sender accepts.
    pub request_queue: Option<u32>,
    /// `metadata_size`: the size of the info dictionary (BEP 9).
    pub metadata_size: Option<u64>,
    /// `yourip`: the receiver's address as the sender sees it.
    pub your_ip: Option<IpAddr>,
    /// Every other key with a UTF-8 name, with its value (written back in
    /// canonical form: nested dictionary keys sorted).
    pub extra: BTreeMap<String, Bencode>,
}

impl ExtendedHandshake {
    /// The bencoded payload (without the extended message id byte).
    pub fn to_payload(&self) -> Bytes {
        let mut dict: BTreeMap<Vec<u8>, Bencode> = self
            .extra
            .iter()
            .map(|(key, value)| (key.clone().into_bytes(), value.clone()))
            .collect();
        let extensions = self
            .extensions
            .iter()
            .map(|(name, &id)| (name.clone().into_bytes(), Bencode::Int(i64::from(id))))
            .collect();
        dict.insert(b"m".to_vec(), Bencode::Dict(extensions));
        let known = [
            ("v", self.client.as_deref().map(Bencode::text)),
            ("p", self.listen_port.map(|p| Bencode::Int(i64::from(p)))),
            (
                "reqq",
                self.request_queue.map(|q| Bencode::Int(i64::from(q))),
            ),
            ("metadata_size", self.metadata_size.and_then(int_value)),
            ("yourip", self.your_ip.map(ip_value)),
        ];
        for (key, value) in known {
            if let Some(value) = value {
                dict.insert(key.as_bytes().to_vec(), value);
            }
        }
        Bytes::from(Bencode::Dict(dict).encode())
    }

    /// The extended message (id 0) carrying this handshake.
    pub fn to_message(&self) -> Message {
        Message::Extended {
            id: 0,
            payload: self.to_payload(),
        }
    }

    /// Parses a payload (without the extended message id byte).
    pub fn from_payload(payload: &[u8]) -> Result<ExtendedHandshake, WireError> {
        let dict = bencode::decode(payload)
            .map_err(|source| WireError::ExtendedHandshakeBencode { source })?
            .as_dict()
            .ok_or(WireError::ExtendedHandshakeNotADictionary)?;
        let mut handshake = ExtendedHandshake::default();
        for (key, value) in dict {
            handshake.set_field(key, value)?;
        }
        Ok(handshake)
    }

    fn set_field(&mut self, key: &[u8], value: Value<'_>) -> Result<(), WireError> {
        match key {
            b"m" => self.extensions = extension_map(value)?,
            b"v" => self.client = Some(client_name(value)?),
            b"p" => self.listen_port = Some(int_field("p", value)?),
            b"reqq" => self.request_queue = Some(int_field("reqq", value)?),
            b"metadata_size" => self.metadata_size = Some(int_field("metadata_size", value)?),
            b"yourip" => self.your_ip = Some(your_ip(value)?),
            _ => {
                if let Ok(key) = std::str::from_utf8(key) {
                    self.extra.insert(key.to_owned(), value.to_bencode());
                }
            }
        }
        Ok(())
    }
}

fn field_error(key: &str, reason: &'static str) -> WireError {
    WireError::ExtendedHandshakeField {
        key: key.to_owned(),
        reason,
    }
}

fn int_value(value: u64) -> Option<Bencode> {
    i64::try_from(value).ok().map(Bencode::Int)
}

fn ip_value(ip: IpAddr) -> Bencode {
    match ip {
        IpAddr::V4(v4) => Bencode::Bytes(v4.octets().to_vec()),
        IpAddr::V6(v6) => Bencode::Bytes(v6.octets().to_vec()),
    }
}

/// An integer field that must fit `T` (so negative values are refused).
fn int_field<T: TryFrom<i64>>(key: &str, value: Value<'_>) -> Result<T, WireError> {
    let int = value
        .as_int()
        .ok_or_else(|| field_error(key, "expected an integer"))?;
    T::try_from(int).map_err(|_| field_error(key, "integer out of range"))
}

fn client_name(value: Value<'_>) -> Result<String, WireError> {
    value
        .as_bytes()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .ok_or_else(|| field_error("v", "expected a string"))
}

/// `m`: names that are not UTF-8 cannot match a registered extension and are
/// skipped; ids must be integers in `0..=255`.
fn extension_map(value: Value<'_>) -> Result<BTreeMap<String, u8>, WireError> {
    let entries = value
        .as_dict()
        .ok_or_else(|| field_error("m", "expected a dictionary"))?;
    let mut extensions = BTreeMap::new();
    for (name, id) in entries {
        let id = int_field("m", id)?;
        if let Ok(name) = std::str::from_utf8(name) {
            extensions.insert(name.to_owned(), id);
        }
    }
    Ok(extensions)
}

fn your_ip(value: Value<'_>) -> Result<IpAddr, WireError> {
    let bytes = value
        .as_bytes()
        .ok_or_else(|| field_error("yourip", "expected a byte string"))?;
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Ok(IpAddr::V4(Ipv4Addr::from(v4)));
    }
    if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        return Ok(IpAddr::V6(Ipv6Addr::from(v6)));
    }
    Err(field_error("yourip", "expected 4 or 16 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> ExtendedHandshake {
        let mut handshake = ExtendedHandshake {
            client: Some("btt 0.1.0".into()),
            listen_port: Some(6881),
            request_queue: Some(250),
            metadata_size: Some(31_235),
            your_ip: Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))),
            ..ExtendedHandshake::default()
        };
        handshake.extensions.insert("ut_metadata".into(), 1);
        handshake.extensions.insert("ut_pex".into(), 2);
        handshake
            .extra
            .insert("btt".into(), Bencode::dict([("ask", Bencode::Int(5))]));
        handshake
    }

    #[test]
    fn round_trips_with_unknown_keys() {
        let handshake = sample();
        let payload = handshake.to_payload();
        assert_eq!(
            ExtendedHandshake::from_payload(&payload).unwrap(),
            handshake
        );
    }

    #[test]
    fn encodes_canonical_bencode() {
        let mut handshake = ExtendedHandshake {
            listen_port: Some(6881),
            ..ExtendedHandshake::default()
        };
        handshake.extensions.insert("ut_pex".into(), 2);
        handshake.extensions.insert("ut_metadata".into(), 1);
        assert_eq!(
            &handshake.to_payload()[..],
            b"d1:md11:ut_metadatai1e6:ut_pexi2ee1:pi6881ee"
        );
    }

    #[test]
    fn parses_a_libtorrent_style_handshake() {
        let payload = b"d12:complete_agoi-1e1:md11:lt_donthavei7e11:ut_metadatai2e6:ut_pexi0ee\
13:metadata_sizei5205e1:pi51413e4:reqqi512e11:upload_onlyi0e1:v16:Transmission 4.0\
6:yourip4:\x7f\x00\x00\x01e";
        let handshake = ExtendedHandshake::from_payload(payload).unwrap();
        assert_eq!(handshake.extensions.get("ut_metadata"), Some(&2));
        assert_eq!(handshake.extensions.get("ut_pex"), Some(&0));
        assert_eq!(handshake.client.as_deref(), Some("Transmission 4.0"));
        assert_eq!(handshake.listen_port, Some(51413));
        assert_eq!(handshake.request_queue, Some(512));
        assert_eq!(handshake.metadata_size, Some(5205));
        assert_eq!(handshake.your_ip, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(handshake.extra.get("complete_ago"), Some(&Bencode::Int(-1)));
        assert_eq!(handshake.extra.get("upload_only"), Some(&Bencode::Int(0)));
    }

    #[test]
    fn wrong_types_and_ranges_are_rejected() {
        let cases: [(&[u8], &str); 7] = [
            (b"d1:m3:abce", "m"),
            (b"d1:md3:fooi256eee", "m"),
            (b"d1:pi70000ee", "p"),
            (b"d1:p4:6881e", "p"),
            (b"d4:reqqi-1ee", "reqq"),
            (b"d1:vi1ee", "v"),
            (b"d6:yourip3:abce", "yourip"),
        ];
        for (payload, key) in cases {
            match ExtendedHandshake::from_payload(payload) {
                Err(WireError::ExtendedHandshakeField { key: got, .. }) => assert_eq!(got, key),
                other => panic!("{}: {other:?}", String::from_utf8_lossy(payload)),
            }
        }
        assert!(matches!(
            ExtendedHandshake::from_payload(b"li1ee"),
            Err(WireError::ExtendedHandshakeNotADictionary)
        ));
        assert!(matches!(
            ExtendedHandshake::from_payload(b"d1:m"),
            Err(WireError::ExtendedHandshakeBencode { .. })
        ));
        assert!(matches!(
            ExtendedHandshake::from_payload(b"d1:pi1e1:pi2ee"),
            Err(WireError::ExtendedHandshakeBencode {
                source: bencode::DecodeError::DuplicateKey { .. }
            })
        ));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing() {
        let mut payload = b"d1:x".to_vec();
        payload.extend(std::iter::repeat_n(b'l', 1_000_000));
        assert!(matches!(
            ExtendedHandshake::from_payload(&payload),
            Err(WireError::ExtendedHandshakeBencode {
                source: bencode::DecodeError::TooDeep {
                    limit: bencode::MAX_DEPTH,
                    ..
                }
            })
        ));
        let shallow = b"d1:xllleee1:md1:ai1eee";
        assert_eq!(
            ExtendedHandshake::from_payload(shallow)
                .unwrap()
                .extensions
                .get("a"),
            Some(&1)
        );
    }

    /// Values an extension might put in `extra`: integers, byte strings and
    /// nested lists and dictionaries.
    fn any_extra_value() -> impl Strategy<Value = Bencode> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Bencode::Int),
            prop::collection::vec(any::<u8>(), 0..16).prop_map(Bencode::Bytes),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Bencode::List),
                prop::collection::btree_map(prop::collection::vec(any::<u8>(), 0..6), inner, 0..4)
                    .prop_map(Bencode::Dict),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_payloads_never_panic(payload in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = ExtendedHandshake::from_payload(&payload);
        }

        #[test]
        fn arbitrary_handshakes_round_trip(
            extensions in prop::collection::btree_map("[a-z_]{1,12}", any::<u8>(), 0..6),
            client in proptest::option::of("[ -~]{0,20}"),
            listen_port in any::<Option<u16>>(),
            request_queue in any::<Option<u32>>(),
            metadata_size in proptest::option::of(0u64..=i64::MAX as u64),
            extra in prop::collection::btree_map("x[a-z]{0,8}", any_extra_value(), 0..4),
        ) {
            let handshake = ExtendedHandshake {
                extensions, client, listen_port, request_queue, metadata_size,
                your_ip: Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                extra,
            };
            let parsed = ExtendedHandshake::from_payload(&handshake.to_payload()).unwrap();
            prop_assert_eq!(parsed, handshake);
        }
    }
}
