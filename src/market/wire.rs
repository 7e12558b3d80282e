//! The `btt_market` extension's wire format, versions 1 and 2
//! (`docs/market-protocol.md`): the fields a market peer adds to its BEP 10
//! extended handshake ([`MarketHandshake`], under the key `btt_market`), and
//! the bencoded messages it sends under the extension's id
//! ([`MarketMessage`], a dictionary whose `t` names the message).
//!
//! Decoding is strict: a missing or mistyped field, an unknown message type,
//! a negative or oversized amount, an id or signature of the wrong length
//! are all errors (the peer is then dropped from the market); unknown extra
//! keys are ignored, so later versions can add fields. Amounts are base
//! units of the ledger's token: bencode integers up to `i64::MAX`, decimal
//! digit strings above it (wei on a chain pass `i64::MAX` at 9.2 BTT).
//! Version 1 names a ledger of btt's by its id; version 2 names btt's
//! channels contract on a chain (chain id and address), whose voucher
//! domain separator is then the ledger id both sides compare.

use super::price::PricePerMib;
use crate::amount::Token;
use crate::bencode::{self, Bencode, Dict, Value};
use crate::ledger::{ChainChannels, ChannelId, LedgerId, Signature, VoucherDomain};
use crate::peer::ExtendedHandshake;
use crate::tron::Address;
use bytes::Bytes;
use std::str::FromStr;
use thiserror::Error;

/// The extension's name in the BEP 10 `m` dictionary.
pub const BTT_MARKET: &str = "btt_market";
/// The protocol version on btt's own ledgers.
pub const PROTOCOL_VERSION: i64 = 1;
/// The protocol version on a chain's channels contract.
pub const CHAIN_PROTOCOL_VERSION: i64 = 2;

/// The protocol version a peer trading in `domain` speaks.
pub fn protocol_version(domain: &VoucherDomain) -> i64 {
    match domain.chain() {
        None => PROTOCOL_VERSION,
        Some(_) => CHAIN_PROTOCOL_VERSION,
    }
}

/// The longest decimal amount (`u128::MAX` has 39 digits).
const MAX_AMOUNT_DIGITS: usize = 39;
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
    /// The ledger its BTT lives on: `ledger` (32 bytes) in version 1, the
    /// voucher domain separator of `chain` in version 2.
    pub ledger: LedgerId,
    /// The channels contract it pays through on a chain (`chain`, the chain
    /// id, and `contract`, 20 bytes), in version 2.
    pub chain: Option<ChainChannels>,
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
    /// The token its amounts are base units of: the chain's coin in
    /// version 2, the TRC-10-shaped BTT of btt's ledgers in version 1.
    pub fn token(&self) -> Token {
        match self.chain {
            Some(_) => Token::Bttc,
            None => Token::Btt,
        }
    }

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
        ];
        match self.chain {
            None => fields.push(("ledger", Bencode::Bytes(self.ledger.0.to_vec()))),
            Some(chain) => {
                let id = i64::try_from(chain.chain_id).unwrap_or(i64::MAX);
                fields.push(("chain", Bencode::Int(id)));
                fields.push(("contract", Bencode::Bytes(chain.contract.to_vec())));
            }
        }
        if let Some(ask) = self.ask {
            fields.push(("ask", price_value(ask)));
        }
        if let Some(credit) = self.credit {
            fields.push(("credit", count_value(credit)));
        }
        if let Some(rate) = self.slot_rate {
            fields.push(("rate", count_value(rate)));
        }
        Bencode::dict(fields)
    }

    /// Reads the value found under [`HANDSHAKE_KEY`].
    pub fn from_bencode(value: &Bencode) -> Result<MarketHandshake, WireError> {
        let encoded = value.encode();
        let decoded = bencode::decode(&encoded).map_err(|e| WireError::Bencode(e.to_string()))?;
        let dict = decoded.as_dict().ok_or(WireError::NotADictionary)?;
        let wallet = text_field(&dict, "wallet")?;
        let chain = optional(&dict, "chain", chain_field)?;
        let ledger = match chain {
            Some(chain) => VoucherDomain::Chain(chain).ledger(),
            None => LedgerId(fixed_field(&dict, "ledger")?),
        };
        Ok(MarketHandshake {
            version: int_field(&dict, "v")?,
            wallet: Address::from_str(wallet).map_err(|_| WireError::BadField("wallet"))?,
            ledger,
            chain,
            ask: optional(&dict, "ask", price_field)?,
            credit: optional(&dict, "credit", count_field)?,
            slot_rate: optional(&dict, "rate", count_field)?,
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
        cumulative: u128,
        signature: Signature,
    },
    /// Seeder to leecher: the credit window is used up; `amount` base units
    /// more are due before it serves more.
    NeedPayment { amount: u128 },
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
    amount_value(u128::from(price.0))
}

fn count_value(count: u64) -> Bencode {
    // Counts are checked to fit when read and when parsed from flags.
    Bencode::Int(i64::try_from(count).unwrap_or(i64::MAX))
}

/// An amount: an integer while bencode's `i64` holds it, decimal digits above.
fn amount_value(base_units: u128) -> Bencode {
    match i64::try_from(base_units) {
        Ok(small) => Bencode::Int(small),
        Err(_) => Bencode::text(&base_units.to_string()),
    }
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

fn count_field(dict: &Dict<'_>, key: &'static str) -> Result<u64, WireError> {
    let value = int_field(dict, key)?;
    u64::try_from(value).map_err(|_| WireError::BadField(key))
}

/// A non-negative integer, or a string of 1 to 39 decimal digits without a
/// leading zero that fits in `u128`.
fn amount_field(dict: &Dict<'_>, key: &'static str) -> Result<u128, WireError> {
    let bad = || WireError::BadField(key);
    let value = field(dict, key)?;
    if let Some(small) = value.as_int() {
        return u128::try_from(small).map_err(|_| bad());
    }
    let digits = value.as_str().ok_or_else(bad)?;
    let canonical = !digits.is_empty()
        && digits.len() <= MAX_AMOUNT_DIGITS
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return Err(bad());
    }
    digits.parse().map_err(|_| bad())
}

fn price_field(dict: &Dict<'_>, key: &'static str) -> Result<PricePerMib, WireError> {
    let units = amount_field(dict, key)?;
    u64::try_from(units)
        .map(PricePerMib)
        .map_err(|_| WireError::BadField(key))
}

/// The chain id under `key` and the 20-byte `contract` beside it.
fn chain_field(dict: &Dict<'_>, key: &'static str) -> Result<ChainChannels, WireError> {
    let chain_id = u64::try_from(int_field(dict, key)?).map_err(|_| WireError::BadField(key))?;
    Ok(ChainChannels {
        chain_id,
        contract: fixed_field(dict, "contract")?,
    })
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
                chain: None,
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

    /// btt's channels contract on BTTC at a made-up address.
    fn bttc_contract(byte: u8) -> ChainChannels {
        ChainChannels {
            chain_id: 199,
            contract: [byte; 20],
        }
    }

    #[test]
    fn a_chain_handshake_names_the_chain_and_contract_and_its_ledger_is_their_domain() {
        let chain = bttc_contract(7);
        let domain = VoucherDomain::Chain(chain);
        let handshake = MarketHandshake {
            version: protocol_version(&domain),
            wallet: address(),
            ledger: domain.ledger(),
            chain: Some(chain),
            ask: Some(PricePerMib(50_000_000_000_000_000)),
            credit: Some(4 << 20),
            slot_rate: None,
        };
        assert_eq!(handshake.version, CHAIN_PROTOCOL_VERSION);
        let encoded = handshake.to_bencode().encode();
        let text = String::from_utf8_lossy(&encoded);
        assert!(text.contains("5:chaini199e8:contract20:"), "{text}");
        assert!(!text.contains("ledger"), "{text}");
        let read = MarketHandshake::from_bencode(&handshake.to_bencode()).unwrap();
        assert_eq!(read, handshake);
        // Another contract or chain is another ledger: the two never trade.
        for other in [
            bttc_contract(8),
            ChainChannels {
                chain_id: 1029,
                ..chain
            },
        ] {
            let theirs = MarketHandshake {
                chain: Some(other),
                ..handshake.clone()
            };
            let read = MarketHandshake::from_bencode(&theirs.to_bencode()).unwrap();
            assert_ne!(read.ledger, domain.ledger());
        }
        let no_contract = Bencode::dict([
            ("v", Bencode::Int(2)),
            ("wallet", Bencode::text(&address().to_string())),
            ("chain", Bencode::Int(199)),
        ]);
        assert_eq!(
            MarketHandshake::from_bencode(&no_contract),
            Err(WireError::BadField("contract"))
        );
    }

    #[test]
    fn amounts_past_i64_travel_as_digits_and_only_canonical_digits_are_read() {
        for cumulative in [0, i64::MAX as u128, i64::MAX as u128 + 1, u128::MAX] {
            let voucher = MarketMessage::Voucher {
                channel: ChannelId([7; 32]),
                cumulative,
                signature: Signature([9; 65]),
            };
            let read = MarketMessage::from_payload(&voucher.to_payload());
            assert_eq!(read, Ok(voucher));
        }
        let big = MarketMessage::NeedPayment {
            amount: 10_000_000_000_000_000_000,
        };
        assert_eq!(
            &big.to_payload()[..],
            b"d6:amount20:100000000000000000001:t12:need_paymente"
        );
        let refused = |amount: &str| {
            let payload = format!("d6:amount{}:{amount}1:t12:need_paymente", amount.len());
            MarketMessage::from_payload(payload.as_bytes())
        };
        let too_big = format!("{}0", u128::MAX);
        for bad in ["", "01", "-1", "+1", "1e3", " 1", "12a", &too_big] {
            assert_eq!(refused(bad), Err(WireError::BadField("amount")), "{bad:?}");
        }
        assert_eq!(
            refused("340282366920938463463374607431768211455"),
            Ok(MarketMessage::NeedPayment { amount: u128::MAX })
        );
    }

    proptest! {
        #[test]
        fn arbitrary_payloads_never_panic(payload in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = MarketMessage::from_payload(&payload);
        }
    }
}
