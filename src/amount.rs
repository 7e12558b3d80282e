//! Token amounts as exact integers of base units. `2.5BTT` and `0.1TRX` are
//! parsed without floats; more decimals than the token has, zero, negative and
//! overflowing amounts are errors. A bare number is refused unless the caller
//! says it means base units ([`BareNumber`]): `send X 5` must not move 5 sun. BTT has 6 decimals
//! as the TRC-10 token and 18 as the TRC-20 token and on BitTorrent Chain, so
//! `BTT` means the BTT of the ledger in use: the caller passes that token as
//! the default (`1.000000000000000001BTT` is exact on an 18-decimal ledger and
//! refused on a 6-decimal one). Where `BTT` means the TRC-20 token (TRON), the
//! TRC-10 token `1002000` is `BTTOLD`, its name since the 2021
//! redenomination (1 BTT = 1,000 BTTOLD), in what is parsed and what is shown
//! ([`Naming`]).

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// An asset btt can move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Token {
    /// TRX, 6 decimals (base unit: sun).
    Trx,
    /// The TRC-10 BTT, token id `1002000`, 6 decimals.
    Btt,
    /// The TRC-20 BTT (contract `TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4`), 18 decimals.
    BttTrc20,
    /// BTT on BitTorrent Chain (BTTC, an EVM chain), its native coin: 18 decimals
    /// (base unit: wei). Never a TRON contract's amount.
    Bttc,
}

impl Token {
    /// Digits after the decimal point in one whole token.
    pub fn decimals(self) -> u32 {
        match self {
            Token::Trx | Token::Btt => 6,
            Token::BttTrc20 | Token::Bttc => 18,
        }
    }

    /// The unit written after an amount on btt's own ledgers.
    pub fn symbol(self) -> &'static str {
        self.symbol_on(Naming::BttLedger)
    }

    /// The unit written after an amount on a ledger that names tokens so.
    pub fn symbol_on(self, naming: Naming) -> &'static str {
        match (self, naming) {
            (Token::Trx, _) => "TRX",
            (Token::Btt, Naming::Tron) => "BTTOLD",
            (Token::Btt | Token::BttTrc20 | Token::Bttc, _) => "BTT",
        }
    }
}

/// How a ledger names its BTT tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Naming {
    /// btt's own ledgers (embedded, a node), whose BTT has the TRC-10 shape,
    /// and BTTC: the ledger's BTT is `BTT`.
    #[default]
    BttLedger,
    /// TRON since the redenomination: the TRC-20 is `BTT`, the TRC-10
    /// `1002000` is `BTTOLD`.
    Tron,
}

impl Naming {
    /// How a ledger whose `BTT` is `default` names its tokens.
    pub fn of(default: Token) -> Naming {
        if default == Token::BttTrc20 {
            Naming::Tron
        } else {
            Naming::BttLedger
        }
    }
}

/// What a number written without a unit means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BareNumber {
    /// An error: the unit is required (the default everywhere).
    #[default]
    Refused,
    /// Base units of the default token (`--base-units`).
    BaseUnits,
}

/// A positive amount of one token, in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Amount {
    /// Which token.
    pub token: Token,
    /// Base units (1 BTT = 10^6 for TRC-10 BTT).
    pub base_units: u128,
}

/// Why a string is not an amount.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AmountError {
    /// Nothing, or not a number.
    #[error("invalid amount {input:?}: expected a number like 2.5BTT, 0.1TRX or base units")]
    Malformed { input: String },
    /// A minus sign.
    #[error("invalid amount {input:?}: negative")]
    Negative { input: String },
    /// Zero moves nothing.
    #[error("invalid amount {input:?}: zero")]
    Zero { input: String },
    /// More fractional digits than the token has.
    #[error("invalid amount {input:?}: {token} has {decimals} decimals")]
    TooManyDecimals {
        input: String,
        token: &'static str,
        decimals: u32,
    },
    /// A number with no unit where base units were not asked for.
    #[error("invalid amount {input:?}: no unit; write {input}BTT")]
    NoUnit { input: String },
    /// Larger than can be represented.
    #[error("invalid amount {input:?}: too large")]
    Overflow { input: String },
    /// A unit other than BTT or TRX.
    #[error("invalid amount {input:?}: unknown unit {unit:?} (use BTT or TRX)")]
    UnknownUnit { input: String, unit: String },
}

impl Amount {
    /// Parses `2.5BTT` or `2.5 TRX`; a bare number is refused.
    pub fn parse(input: &str, default: Token) -> Result<Amount, AmountError> {
        Amount::parse_with(input, default, BareNumber::Refused)
    }

    /// Parses `2.5BTT`, `2.5 TRX`, or a bare integer as `bare` says.
    /// A `BTT` suffix means `default` when that is a BTT token, else TRC-10 BTT.
    /// On BTTC (`default` [`Token::Bttc`]) `TRX` is refused: there is none.
    /// Where `BTT` is the TRC-20 (`default` [`Token::BttTrc20`]), `BTTOLD`
    /// is the TRC-10; elsewhere it is refused.
    pub fn parse_with(
        input: &str,
        default: Token,
        bare: BareNumber,
    ) -> Result<Amount, AmountError> {
        let text = input.trim();
        let malformed = || AmountError::Malformed {
            input: input.to_string(),
        };
        if text.starts_with('-') {
            return Err(AmountError::Negative {
                input: input.to_string(),
            });
        }
        let number_end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(number_end);
        let unit = unit.trim();
        let token = match unit.to_ascii_uppercase().as_str() {
            "" => None,
            "TRX" if default == Token::Bttc => {
                return Err(AmountError::UnknownUnit {
                    input: input.to_string(),
                    unit: unit.to_string(),
                })
            }
            "TRX" => Some(Token::Trx),
            "BTTOLD" if default == Token::BttTrc20 => Some(Token::Btt),
            "BTT" if default == Token::Trx => Some(Token::Btt),
            "BTT" => Some(default),
            _ => {
                return Err(AmountError::UnknownUnit {
                    input: input.to_string(),
                    unit: unit.to_string(),
                })
            }
        };
        let number = number.replace('_', "");
        if number.is_empty() || number == "." {
            return Err(malformed());
        }
        let base_units = match token {
            None if number.contains('.') => return Err(malformed()),
            None if bare == BareNumber::Refused => {
                return Err(AmountError::NoUnit {
                    input: text.to_string(),
                })
            }
            None => number.parse::<u128>().map_err(|_| AmountError::Overflow {
                input: input.to_string(),
            })?,
            Some(token) => whole_to_base_units(input, &number, token, Naming::of(default))?,
        };
        if base_units == 0 {
            return Err(AmountError::Zero {
                input: input.to_string(),
            });
        }
        Ok(Amount {
            token: token.unwrap_or(default),
            base_units,
        })
    }
}

/// `"2.5"` of a 6-decimal token is 2_500_000 base units, exactly.
fn whole_to_base_units(
    input: &str,
    number: &str,
    token: Token,
    naming: Naming,
) -> Result<u128, AmountError> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.contains('.') {
        return Err(AmountError::Malformed {
            input: input.to_string(),
        });
    }
    let decimals = token.decimals();
    if fraction.len() > decimals as usize {
        return Err(AmountError::TooManyDecimals {
            input: input.to_string(),
            token: token.symbol_on(naming),
            decimals,
        });
    }
    let overflow = || AmountError::Overflow {
        input: input.to_string(),
    };
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| overflow())?
    };
    let padded = format!("{fraction:0<width$}", width = decimals as usize);
    let fraction: u128 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| overflow())?
    };
    whole
        .checked_mul(10u128.pow(decimals))
        .and_then(|units| units.checked_add(fraction))
        .ok_or_else(overflow)
}

/// Writes base units as a decimal number of whole tokens, without trailing zeros.
pub fn format_units(base_units: u128, token: Token) -> String {
    let scale = 10u128.pow(token.decimals());
    let (whole, fraction) = (base_units / scale, base_units % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = token.decimals() as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

impl fmt::Display for Amount {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}{}",
            format_units(self.base_units, self.token),
            self.token.symbol()
        )
    }
}

/// Serde for base units written as a string of digits, as every btt
/// record writes them (JSON readers that hold numbers as doubles read them
/// exactly): `#[serde(with = "crate::amount::units_text")]`.
pub mod units_text {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `base_units` as its decimal digits.
    pub fn serialize<S: Serializer>(base_units: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(base_units)
    }

    /// Reads base units from a string of decimal digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("not base units: {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(input: &str) -> Result<Amount, AmountError> {
        Amount::parse(input, Token::Btt)
    }

    #[test]
    fn decimal_amounts_are_exact() {
        assert_eq!(parse("2.5BTT").unwrap().base_units, 2_500_000);
        assert_eq!(parse("0.000001 btt").unwrap().base_units, 1);
        assert_eq!(parse("1_000BTT").unwrap().base_units, 1_000_000_000);
        let trx = parse("0.1TRX").unwrap();
        assert_eq!((trx.token, trx.base_units), (Token::Trx, 100_000));
        let trc20 = Amount::parse("1.000000000000000001BTT", Token::BttTrc20).unwrap();
        assert_eq!(trc20.base_units, 1_000_000_000_000_000_001);
        let old = Amount::parse("1000.5bttold", Token::BttTrc20).unwrap();
        assert_eq!((old.token, old.base_units), (Token::Btt, 1_000_500_000));
        assert!(matches!(
            Amount::parse("1BTTOLD", Token::Btt),
            Err(AmountError::UnknownUnit { .. })
        ));
        assert!(matches!(
            Amount::parse("1BTTOLD", Token::Bttc),
            Err(AmountError::UnknownUnit { .. })
        ));
        assert_eq!(Token::Btt.symbol_on(Naming::of(Token::BttTrc20)), "BTTOLD");
        let too_fine = Amount::parse("1.0000001BTTOLD", Token::BttTrc20).unwrap_err();
        assert_eq!(
            too_fine.to_string(),
            "invalid amount \"1.0000001BTTOLD\": BTTOLD has 6 decimals"
        );
        assert_eq!(Token::BttTrc20.symbol_on(Naming::Tron), "BTT");
        assert_eq!(Token::Btt.symbol_on(Naming::of(Token::Btt)), "BTT");
    }

    #[test]
    fn bare_integers_need_a_unit_or_base_units() {
        assert!(matches!(parse("5"), Err(AmountError::NoUnit { .. })));
        assert_eq!(
            parse("5").unwrap_err().to_string(),
            "invalid amount \"5\": no unit; write 5BTT"
        );
        let amount = Amount::parse_with("2500000", Token::Btt, BareNumber::BaseUnits).unwrap();
        assert_eq!((amount.token, amount.base_units), (Token::Btt, 2_500_000));
        assert!(matches!(parse("2.5"), Err(AmountError::Malformed { .. })));
    }

    #[test]
    fn bad_amounts_are_named() {
        assert!(matches!(
            parse("1.0000001BTT"),
            Err(AmountError::TooManyDecimals { decimals: 6, .. })
        ));
        assert!(matches!(parse("-1BTT"), Err(AmountError::Negative { .. })));
        assert!(matches!(parse("0BTT"), Err(AmountError::Zero { .. })));
        assert!(matches!(parse("0.0BTT"), Err(AmountError::Zero { .. })));
        assert!(matches!(
            parse("5ETH"),
            Err(AmountError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse("1.2.3BTT"),
            Err(AmountError::Malformed { .. })
        ));
        assert!(matches!(parse("BTT"), Err(AmountError::Malformed { .. })));
        assert!(matches!(parse(""), Err(AmountError::Malformed { .. })));
        assert!(matches!(
            parse("999999999999999999999999999999999999999999BTT"),
            Err(AmountError::Overflow { .. })
        ));
    }

    #[test]
    fn eighteen_decimals_are_exact_on_bttc() {
        fn parse18(text: &str) -> Result<Amount, AmountError> {
            Amount::parse(text, Token::Bttc)
        }
        let one_wei_over = parse18("1.000000000000000001BTT").unwrap();
        assert_eq!(one_wei_over.token, Token::Bttc);
        assert_eq!(one_wei_over.base_units, 1_000_000_000_000_000_001);
        assert_eq!(
            format_units(one_wei_over.base_units, Token::Bttc),
            "1.000000000000000001"
        );
        assert_eq!(parse18("0.000000000000000001BTT").unwrap().base_units, 1);
        let wei = Amount::parse_with("21000", Token::Bttc, BareNumber::BaseUnits);
        assert_eq!(wei.unwrap().base_units, 21_000);
        assert!(matches!(
            parse18("1.0000000000000000001BTT"),
            Err(AmountError::TooManyDecimals { decimals: 18, .. })
        ));
        assert!(matches!(
            parse18("1TRX"),
            Err(AmountError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse("1.000000000000000001BTT"),
            Err(AmountError::TooManyDecimals { decimals: 6, .. })
        ));
        // The largest u128 amount of whole BTT, and one more, on 18 decimals.
        let most = u128::MAX / 10u128.pow(18);
        assert!(parse18(&format!("{most}BTT")).is_ok());
        assert!(matches!(
            parse18(&format!("{}BTT", most + 1)),
            Err(AmountError::Overflow { .. })
        ));
    }

    #[test]
    fn display_trims_zeros() {
        assert_eq!(parse("2.50BTT").unwrap().to_string(), "2.5BTT");
        assert_eq!(parse("3TRX").unwrap().to_string(), "3TRX");
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(units in 1u128..u64::MAX as u128) {
            let text = format!("{}BTT", format_units(units, Token::Btt));
            prop_assert_eq!(parse(&text).unwrap().base_units, units);
        }

        #[test]
        fn eighteen_decimals_round_trip(units in 1u128..=u128::MAX) {
            let text = format!("{}BTT", format_units(units, Token::Bttc));
            prop_assert_eq!(Amount::parse(&text, Token::Bttc).unwrap().base_units, units);
        }
    }
}
