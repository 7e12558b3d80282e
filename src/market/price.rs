//! Prices of upload bandwidth: exact base units of BTT per MiB uploaded
//! ([`PricePerMib`]), parsed from `0.05BTT/MiB` (or base units per MiB),
//! and the two conversions the market lives on, both in integers:
//! what `bytes` cost at a price (rounded down, so a payer never pays for a
//! fraction of a base unit it did not get) and how many bytes an amount
//! covers (rounded down, so a seeder never serves past what it was paid).

use crate::amount::{format_units, Amount, AmountError, Token};
pub use crate::swarm::PricePerMib;
use thiserror::Error;

/// Bytes in a MiB, the unit prices are quoted for.
pub const MIB: u128 = 1 << 20;

/// Why a string is not a price.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PriceError {
    /// No `/MiB` unit.
    #[error("invalid price {input:?}: expected an amount per MiB, like 0.05BTT/MiB")]
    NoUnit { input: String },
    /// The amount before `/MiB` is not one.
    #[error("invalid price {input:?}: {source}")]
    Amount { input: String, source: AmountError },
    /// Not in BTT.
    #[error("invalid price {input:?}: the market is paid in BTT")]
    NotBtt { input: String },
    /// More base units per MiB than the wire carries.
    #[error("invalid price {input:?}: too large")]
    TooLarge { input: String },
}

/// Parses `0.05BTT/MiB` or `0.05BTT/mib`; a number without a unit is refused.
pub fn parse_price(input: &str) -> Result<PricePerMib, PriceError> {
    let text = input.trim();
    let amount = text
        .strip_suffix("/MiB")
        .or_else(|| text.strip_suffix("/mib"))
        .ok_or_else(|| PriceError::NoUnit {
            input: input.to_string(),
        })?;
    let amount = Amount::parse(amount, Token::Btt).map_err(|source| PriceError::Amount {
        input: input.to_string(),
        source,
    })?;
    if amount.token != Token::Btt {
        return Err(PriceError::NotBtt {
            input: input.to_string(),
        });
    }
    let base_units = u64::try_from(amount.base_units)
        .ok()
        .filter(|units| i64::try_from(*units).is_ok())
        .ok_or_else(|| PriceError::TooLarge {
            input: input.to_string(),
        })?;
    Ok(PricePerMib(base_units))
}

/// `units` of the TRC-10-shaped BTT (what flags parse to) in base units of
/// `token`, which holds BTT with as many or more decimals (wei of BTTC:
/// 10^12 per unit); `None` past `u128`.
pub fn in_token(units: u128, token: Token) -> Option<u128> {
    let extra = token.decimals().checked_sub(Token::Btt.decimals())?;
    units.checked_mul(10u128.checked_pow(extra)?)
}

/// `units` of `token` in units of the TRC-10-shaped BTT (what flags parse
/// to), rounded down: the inverse of [`in_token`].
pub fn from_token(units: u128, token: Token) -> u128 {
    let extra = token.decimals().saturating_sub(Token::Btt.decimals());
    units / 10u128.pow(extra)
}

/// A price parsed from a flag, in base units of `token` per MiB; refused
/// past what the wire carries.
pub fn price_in_token(price: PricePerMib, token: Token) -> Result<PricePerMib, PriceError> {
    in_token(u128::from(price.0), token)
        .and_then(|units| u64::try_from(units).ok())
        .map(PricePerMib)
        .ok_or_else(|| PriceError::TooLarge {
            input: format_price(price, Token::Btt),
        })
}

/// `0.05BTT/MiB`, for a price in base units of `token`.
pub fn format_price(price: PricePerMib, token: Token) -> String {
    format!("{}BTT/MiB", format_units(u128::from(price.0), token))
}

/// What `bytes` cost at `price`, in base units, rounded down.
pub fn cost_of(bytes: u64, price: PricePerMib) -> u128 {
    u128::from(bytes) * u128::from(price.0) / MIB
}

/// The bytes `paid` base units cover at `price`, rounded down; everything
/// when the price is zero.
pub fn bytes_covered(paid: u128, price: PricePerMib) -> u64 {
    if price.0 == 0 {
        return u64::MAX;
    }
    u64::try_from(paid * MIB / u128::from(price.0)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prices_parse_exactly() {
        assert_eq!(parse_price("0.05BTT/MiB"), Ok(PricePerMib(50_000)));
        assert_eq!(parse_price(" 2BTT/mib "), Ok(PricePerMib(2_000_000)));
        assert_eq!(parse_price("0.000007BTT/MiB"), Ok(PricePerMib(7)));
        assert_eq!(format_price(PricePerMib(50_000), Token::Btt), "0.05BTT/MiB");
    }

    #[test]
    fn bad_prices_say_what_is_wrong() {
        let message = |input: &str| parse_price(input).unwrap_err().to_string();
        assert!(message("0.05BTT").contains("expected an amount per MiB"));
        assert!(message("0.1TRX/MiB").contains("paid in BTT"));
        assert!(message("-1BTT/MiB").contains("negative"));
        assert!(message("0.0000001BTT/MiB").contains("decimals"));
        assert!(message("7/MiB").contains("no unit; write 7BTT"));
        assert!(message("99999999999999999999BTT/MiB").contains("too large"));
    }

    #[test]
    fn a_mib_at_a_price_costs_the_price_and_rounding_favours_the_side_that_gives() {
        let price = PricePerMib(50_000);
        assert_eq!(cost_of(1 << 20, price), 50_000);
        assert_eq!(cost_of(1, price), 0, "a byte costs less than a base unit");
        assert_eq!(bytes_covered(50_000, price), 1 << 20);
        assert_eq!(bytes_covered(49_999, price), (1 << 20) - 21);
        assert_eq!(bytes_covered(10, PricePerMib(0)), u64::MAX);
    }

    proptest! {
        #[test]
        fn what_is_paid_for_bytes_covers_at_most_those_bytes(bytes in 0u64..1 << 40, price in 1u64..10_000_000_000) {
            let price = PricePerMib(price);
            prop_assert!(bytes_covered(cost_of(bytes, price), price) <= bytes);
            prop_assert!(cost_of(bytes_covered(cost_of(bytes, price), price), price) <= cost_of(bytes, price));
        }
    }
}
