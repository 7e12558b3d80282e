//! How values are written to and read back from SQLite columns (see
//! [`super::schema`] for the choices). Reading back checks everything, so a
//! damaged file gives [`LedgerError::Corrupt`] rather than a wrong value.

use crate::amount::{Amount, Token};
use crate::ledger::error::LedgerError;
use crate::ledger::MovementKind;
use crate::tron::Address;

/// The column text of a token.
pub fn token_name(token: Token) -> &'static str {
    match token {
        Token::Trx => "trx",
        Token::Btt => "btt",
        Token::BttTrc20 => "btt_trc20",
        Token::Bttc => "bttc",
    }
}

/// A token read from a column.
pub fn parse_token(text: &str) -> Result<Token, LedgerError> {
    match text {
        "trx" => Ok(Token::Trx),
        "btt" => Ok(Token::Btt),
        "btt_trc20" => Ok(Token::BttTrc20),
        "bttc" => Ok(Token::Bttc),
        _ => Err(corrupt(format!("unknown token {text:?}"))),
    }
}

/// The column text of a movement kind.
pub fn kind_name(kind: MovementKind) -> &'static str {
    match kind {
        MovementKind::Transfer => "transfer",
        MovementKind::Mint => "mint",
        MovementKind::ChannelOpen => "channel_open",
        MovementKind::ChannelPay => "channel_pay",
        MovementKind::ChannelReturn => "channel_return",
        MovementKind::Pledge => "pledge",
        MovementKind::CampaignRelease => "campaign_release",
        MovementKind::CampaignRefund => "campaign_refund",
        MovementKind::PurchaseLock => "purchase_lock",
        MovementKind::PurchaseRelease => "purchase_release",
        MovementKind::PurchaseRefund => "purchase_refund",
    }
}

/// A movement kind read from a column.
pub fn parse_kind(text: &str) -> Result<MovementKind, LedgerError> {
    let kinds = [
        MovementKind::Transfer,
        MovementKind::Mint,
        MovementKind::ChannelOpen,
        MovementKind::ChannelPay,
        MovementKind::ChannelReturn,
        MovementKind::Pledge,
        MovementKind::CampaignRelease,
        MovementKind::CampaignRefund,
        MovementKind::PurchaseLock,
        MovementKind::PurchaseRelease,
        MovementKind::PurchaseRefund,
    ];
    kinds
        .into_iter()
        .find(|kind| kind_name(*kind) == text)
        .ok_or_else(|| corrupt(format!("unknown movement kind {text:?}")))
}

/// Base units read from a decimal column.
pub fn parse_units(text: &str) -> Result<u128, LedgerError> {
    text.parse()
        .map_err(|_| corrupt(format!("amount {text:?} is not a base-unit integer")))
}

/// An amount read from token and decimal columns.
pub fn parse_amount(token: &str, units: &str) -> Result<Amount, LedgerError> {
    Ok(Amount {
        token: parse_token(token)?,
        base_units: parse_units(units)?,
    })
}

/// An address read from a 21-byte column.
pub fn parse_address(bytes: &[u8]) -> Result<Address, LedgerError> {
    Address::from_bytes(bytes).map_err(|error| corrupt(error.to_string()))
}

/// A 32-byte id or txid read from a column.
pub fn parse_hash(bytes: Vec<u8>) -> Result<[u8; 32], LedgerError> {
    bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| corrupt(format!("hash of {} bytes, expected 32", bytes.len())))
}

/// Converts a non-negative column integer.
pub fn parse_sequence(value: i64) -> Result<u64, LedgerError> {
    u64::try_from(value).map_err(|_| corrupt(format!("negative sequence {value}")))
}

fn corrupt(what: String) -> LedgerError {
    LedgerError::Corrupt { what }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_kinds_round_trip() {
        for token in [Token::Trx, Token::Btt, Token::BttTrc20, Token::Bttc] {
            assert_eq!(parse_token(token_name(token)).unwrap(), token);
        }
        assert_eq!(
            parse_kind(kind_name(MovementKind::CampaignRefund)).unwrap(),
            MovementKind::CampaignRefund
        );
        assert!(parse_kind("nope").is_err());
    }

    #[test]
    fn damaged_columns_are_corrupt_not_wrong() {
        assert!(matches!(
            parse_units("-1"),
            Err(LedgerError::Corrupt { .. })
        ));
        assert!(matches!(
            parse_units("1e5"),
            Err(LedgerError::Corrupt { .. })
        ));
        assert!(matches!(
            parse_address(&[0x41; 3]),
            Err(LedgerError::Corrupt { .. })
        ));
        assert_eq!(parse_units(&u128::MAX.to_string()).unwrap(), u128::MAX);
    }
}
