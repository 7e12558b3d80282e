//! The `btt_market` extension's wire format, version 1
//! (`docs/market-protocol.md`): the fields a market peer adds to its BEP 10
//! extended handshake ([`MarketHandshake`], under the key `btt_market`), and
//! the bencoded messages it sends under the extension's id
//! ([`MarketMessage`], a dictionary whose `t` names the message).
//!
//! Decoding is strict: a missing or mistyped field, an unknown message type,
//! a negative or oversized amount, an id or signature of the wrong length
//! are all errors (the peer is then dropped from the market); unknown extra
//! keys are ignored, so later versions can add fields. Amounts are base
//! units of BTT as bencode integers (at most `i64::MAX`).

use super::price::PricePerMib;
use crate::bencode::{self, Bencode, Dict, Value};
use crate::ledger::{ChannelId, LedgerId, Signature};
use crate::peer::ExtendedHandshake;
use crate::tron::Address;
use bytes::Bytes;
use std::str::FromStr;
use thiserror::Error;

/// The extension's name in the BEP 10 `m` dictionary.
pub const BTT_MARKET: &str = "btt_market";
/// The protocol version this implementation speaks.
pub const PROTOCOL_VERSION: i64 = 1;
/// The extended-handshake key that holds [`MarketHandshake`].
pub const HANDSHAKE_KEY: &str = "btt_market";

/// Why a market handshake or message is malformed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WireError {
    /// Not bencode.
    #[error("not bencode: {0}")]
    Bencode(String),
    /// Not a dictionary.
    #[error("a market message must be a dictionary")]
    NotADictionary,
    /// A field is missing or has the wrong type or range.
    #[error("bad or missing field {0:?}")]
    BadField(&'static str),
    /// A message type this version does not know.
    #[error("unknown market message type {0:?}")]
    UnknownType(String),
}

/// What a market peer says of itself in its extended handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketHandshake {
    /// The protocol version it speaks (`v`).
    pub version: i64,
    /// The wallet it pays from or is paid to (`wallet`, base58check).
    pub wallet: Address,
    /// The ledger its BTT lives on (`ledger`, 32 bytes).
    pub ledger: LedgerId,
    /// What it asks per MiB it uploads, when it sells (`ask`).
    pub ask: Option<PricePerMib>,
    /// How many bytes a seller serves a winner beyond what it was paid
    /// (`credit`); a payer signs a voucher at least every quarter of it.
    pub credit: Option<u64>,
    /// The most bytes per second a seller sends each paid slot (`rate`),
    /// when its upload is limited; what `btt-bid plan` expects a slot to give.
    pub slot_rate: Option<u64>,
}

impl MarketHandshake {
    /// What a peer's extended handshake says of its market: `None` unless it
    /// announces `btt_market` in `m` with a well-formed value under
    /// [`HANDSHAKE_KEY`] (a malformed one makes it a plain peer).
    pub fn of_peer(handshake: &ExtendedHandshake) -> Option<MarketHandshake> {
        let announced = handshake
            .extensions
            .get(BTT_MARKET)
            .is_some_and(|id| *id != 0);
        let value = handshake.extra.get(HANDSHAKE_KEY).filter(|_| announced)?;
        MarketHandshake::from_bencode(value).ok()
    }

    /// The value to put under [`HANDSHAKE_KEY`].
    pub fn to_bencode(&self) -> Bencode {
        let mut fields = vec![
            ("v", Bencode::Int(self.version)),
            ("wallet", Bencode::text(&self.wallet.to_string())),
            ("ledger", Bencode::Bytes(self.ledger.0.to_vec())),
        ];
        if let Some(ask) = self.ask {
            fields.push(("ask", price_value(ask)));
        }
        if let Some(credit) = self.credit {
            fields.push(("credit", amount_value(credit)));
        }
        if let Some(rate) = self.slot_rate {
            fields.push(("rate", amount_value(rate)));
        }
        Bencode::dict(fields)
    }

    /// Reads the value found under [`HANDSHAKE_KEY`].
    pub fn from_bencode(value: &Bencode) -> Result<MarketHandshake, WireError> {
        let encoded = value.encode();
        let decoded = bencode::decode(&encoded).map_err(|e| WireError::Bencode(e.to_string()))?;
        let dict = decoded.as_dict().ok_or(WireError::NotADictionary)?;
        let wallet = text_field(&dict, "wallet")?;
        Ok(MarketHandshake {
            version: int_field(&dict, "v")?,
            wallet: Address::from_str(wallet).map_err(|_| WireError::BadField("wallet"))?,
            ledger: LedgerId(fixed_field(&dict, "ledger")?),
            ask: optional(&dict, "ask", price_field)?,
            credit: optional(&dict, "credit", amount_field)?,
            slot_rate: optional(&dict, "rate", amount_field)?,
        })
    }
}

/// One market message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketMessage {
    /// Leecher to seeder: what it offers per MiB for a regular slot.
    Bid { price: PricePerMib },
    /// Seeder to a winner, just before the unchoke: the clearing price it
    /// pays per MiB while it holds the slot.
    Price { price: PricePerMib },
    /// Leecher to seeder: the channel it opened to pay it.
    Channel { id: ChannelId },
    /// Leecher to seeder: everything paid through `channel` so far.
    Voucher {
        channel: ChannelId,
        cumulative: u64,
        signature: Signature,
    },
    /// Seeder to leecher: the credit window is used up; `amount` base units
    /// more are due before it serves more.
    NeedPayment { amount: u64 },
    /// Either side: done trading; the seeder closes the channel with the
    /// last voucher.
    Close,
}

impl MarketMessage {
    /// Its `t`, for messages a person reads.
    pub fn name(&self) -> &'static str {
        match self {
            MarketMessage::Bid { .. } => "bid",
            MarketMessage::Price { .. } => "price",
            MarketMessage::Channel { .. } => "channel",
            MarketMessage::Voucher { .. } => "voucher",
            MarketMessage::NeedPayment { .. } => "need_payment",
            MarketMessage::Close => "close",
        }
    }

    /// The bencoded payload.
    pub fn to_payload(&self) -> Bytes {
        let fields = match self {
            MarketMessage::Bid { price } => {
                vec![("t", kind("bid")), ("price", price_value(*price))]
            }
            MarketMessage::Price { price } => {
                vec![("t", kind("price")), ("price", price_value(*price))]
            }
            MarketMessage::Channel { id } => {
                vec![
                    ("t", kind("channel")),
                    ("id", Bencode::Bytes(id.0.to_vec())),
                ]
            }
            MarketMessage::Voucher {
                channel,
                cumulative,
                signature,
            } => vec![
                ("t", kind("voucher")),
                ("channel", Bencode::Bytes(channel.0.to_vec())),
                ("cumulative", amount_value(*cumulative)),
                ("sig", Bencode::Bytes(signature.0.to_vec())),
            ],
            MarketMessage::NeedPayment { amount } => {
                vec![
                    ("t", kind("need_payment")),
                    ("amount", amount_value(*amount)),
                ]
            }
            MarketMessage::Close => vec![("t", kind("close"))],
        };
        Bytes::from(Bencode::dict(fields).encode())
    }

    /// Reads a payload; anything malformed is an error.
    pub fn from_payload(payload: &[u8]) -> Result<MarketMessage, WireError> {
        let value = bencode::decode(payload).map_err(|e| WireError::Bencode(e.to_string()))?;
        let dict = value.as_dict().ok_or(WireError::NotADictionary)?;
        match text_field(&dict, "t")? {
            "bid" => Ok(MarketMessage::Bid {
                price: price_field(&dict, "price")?,
            }),
            "price" => Ok(MarketMessage::Price {
                price: price_field(&dict, "price")?,
            }),
            "channel" => Ok(MarketMessage::Channel {
                id: ChannelId(fixed_field(&dict, "id")?),
            }),
            "voucher" => Ok(MarketMessage::Voucher {
                channel: ChannelId(fixed_field(&dict, "channel")?),
                cumulative: amount_field(&dict, "cumulative")?,
                signature: Signature(fixed_field(&dict, "sig")?),
            }),
            "need_payment" => Ok(MarketMessage::NeedPayment {
                amount: amount_field(&dict, "amount")?,
            }),
            "close" => Ok(MarketMessage::Close),
            other => Err(WireError::UnknownType(other.to_string())),
        }
    }
}

fn kind(name: &str) -> Bencode {
    Bencode::text(name)
}

fn price_value(price: PricePerMib) -> Bencode {
    amount_value(price.0)
}

fn amount_value(base_units: u64) -> Bencode {
    // Amounts are checked to fit when read and when parsed from flags.
    Bencode::Int(i64::try_from(base_units).unwrap_or(i64::MAX))
}

fn field<'a>(dict: &Dict<'a>, key: &'static str) -> Result<Value<'a>, WireError> {
    dict.get(key).ok_or(WireError::BadField(key))
}

fn optional<T>(
    dict: &Dict<'_>,
    key: &'static str,
    read: impl Fn(&Dict<'_>, &'static str) -> Result<T, WireError>,
) -> Result<Option<T>, WireError> {
    match dict.get(key) {
        Some(_) => read(dict, key).map(Some),
        None => Ok(None),
    }
}

fn int_field(dict: &Dict<'_>, key: &'static str) -> Result<i64, WireError> {
    field(dict, key)?.as_int().ok_or(WireError::BadField(key))
}

fn amount_field(dict: &Dict<'_>, key: &'static str) -> Result<u64, WireError> {
    let value = int_field(dict, key)?;
    u64::try_from(value).map_err(|_| WireError::BadField(key))
}

fn price_field(dict: &Dict<'_>, key: &'static str) -> Result<PricePerMib, WireError> {
    amount_field(dict, key).map(PricePerMib)
}

fn text_field<'a>(dict: &Dict<'a>, key: &'static str) -> Result<&'a str, WireError> {
    field(dict, key)?.as_str().ok_or(WireError::BadField(key))
}

fn fixed_field<const N: usize>(dict: &Dict<'_>, key: &'static str) -> Result<[u8; N], WireError> {
    let bytes = field(dict, key)?
        .as_bytes()
        .ok_or(WireError::BadField(key))?;
    bytes.try_into().map_err(|_| WireError::BadField(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn address() -> Address {
        "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap()
    }

    fn every_message() -> Vec<MarketMessage> {
        vec![
            MarketMessage::Bid {
                price: PricePerMib(50_000),
            },
            MarketMessage::Price {
                price: PricePerMib(20_000),
            },
            MarketMessage::Channel {
                id: ChannelId([7; 32]),
            },
            MarketMessage::Voucher {
                channel: ChannelId([7; 32]),
                cumulative: 123_456,
                signature: Signature([9; 65]),
            },
            MarketMessage::NeedPayment { amount: 4096 },
            MarketMessage::Close,
        ]
    }

    #[test]
    fn every_message_round_trips() {
        for message in every_message() {
            assert_eq!(
                MarketMessage::from_payload(&message.to_payload()),
                Ok(message)
            );
        }
    }

    #[test]
    fn the_wire_form_is_the_documented_one() {
        let bid = MarketMessage::Bid {
            price: PricePerMib(50_000),
        };
        assert_eq!(&bid.to_payload()[..], b"d5:pricei50000e1:t3:bide");
        assert_eq!(&MarketMessage::Close.to_payload()[..], b"d1:t5:closee");
    }

    #[test]
    fn malformed_messages_are_refused() {
        let refused = |payload: &[u8]| MarketMessage::from_payload(payload).unwrap_err();
        assert_eq!(refused(b"i1e"), WireError::NotADictionary);
        assert_eq!(refused(b"d1:t3:bide"), WireError::BadField("price"));
        assert_eq!(
            refused(b"d5:pricei-1e1:t3:bide"),
            WireError::BadField("price")
        );
        assert_eq!(
            refused(b"d5:price3:abc1:t3:bide"),
            WireError::BadField("price")
        );
        assert_eq!(
            refused(b"d1:t4:tipse"),
            WireError::UnknownType("tips".into())
        );
        assert_eq!(
            refused(b"d2:id3:abc1:t7:channele"),
            WireError::BadField("id")
        );
        assert!(matches!(refused(b"d1:t"), WireError::Bencode(_)));
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let payload = b"d5:extrai1e5:pricei5e1:t5:pricee";
        assert_eq!(
            MarketMessage::from_payload(payload),
            Ok(MarketMessage::Price {
                price: PricePerMib(5)
            })
        );
    }

    #[test]
    fn handshakes_round_trip_with_and_without_an_ask_a_credit_window_and_a_rate() {
        let offers = [
            (None, None, None),
            (Some(PricePerMib(20_000)), Some(4 << 20), None),
            (Some(PricePerMib(20_000)), Some(4 << 20), Some(3 << 20)),
        ];
        for (ask, credit, slot_rate) in offers {
            let handshake = MarketHandshake {
                version: PROTOCOL_VERSION,
                wallet: address(),
                ledger: LedgerId([3; 32]),
                ask,
                credit,
                slot_rate,
            };
            let read = MarketHandshake::from_bencode(&handshake.to_bencode());
            assert_eq!(read, Ok(handshake));
        }
    }

    #[test]
    fn a_handshake_with_a_bad_wallet_or_ledger_is_refused() {
        let bad_wallet = Bencode::dict([
            ("v", Bencode::Int(1)),
            ("wallet", Bencode::text("not-an-address")),
            ("ledger", Bencode::Bytes(vec![3; 32])),
        ]);
        assert_eq!(
            MarketHandshake::from_bencode(&bad_wallet),
            Err(WireError::BadField("wallet"))
        );
        let short_ledger = Bencode::dict([
            ("v", Bencode::Int(1)),
            ("wallet", Bencode::text(&address().to_string())),
            ("ledger", Bencode::Bytes(vec![3; 31])),
        ]);
        assert_eq!(
            MarketHandshake::from_bencode(&short_ledger),
            Err(WireError::BadField("ledger"))
        );
    }

    proptest! {
        #[test]
        fn arbitrary_payloads_never_panic(payload in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = MarketMessage::from_payload(&payload);
        }
    }
}
