//! One line of a tip stream: `{"to":..., "amount":..., "memo":..., "id":...}`.
//!
//! `to` is a TRON address (or whatever the caller's resolver accepts, such
//! as a wallet name), `amount` a string like `"5BTT"` or `"2500000"` (base
//! units; JSON numbers are refused because `5` could mean either), `memo`
//! optional text, and `id` an optional client id (a string or an integer)
//! that the journal uses so one id is never paid twice. Other fields are
//! ignored, so records another tool printed can be piped in.

use crate::amount::{Amount, AmountError, BareNumber, Token};
use crate::tron::Address;
use serde_json::Value;
use thiserror::Error;

/// The longest memo a tip carries, in bytes.
pub const MAX_MEMO_BYTES: usize = 512;

/// The longest client id, in bytes.
pub const MAX_ID_BYTES: usize = 128;

/// A tip a line asked for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TipRequest {
    /// The recipient.
    pub to: Address,
    /// What to pay (TRC-10 BTT).
    pub amount: Amount,
    /// The memo (`raw_data.data`), possibly empty.
    pub memo: String,
    /// The client id that makes the tip idempotent, when given.
    pub id: Option<String>,
}

/// Why a line is not a tip request.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RequestError {
    /// Not JSON at all.
    #[error("malformed JSON: {reason}")]
    MalformedJson { reason: String },
    /// JSON, but not an object.
    #[error("a tip request is a JSON object, got {got}")]
    NotAnObject { got: String },
    /// A required field is absent or null.
    #[error("missing field {field:?}")]
    MissingField { field: &'static str },
    /// A field has the wrong JSON type.
    #[error("field {field:?} must be {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    /// `to` is neither an address nor anything the resolver knows.
    #[error("unknown address {input:?}: not a TRON address or a wallet name")]
    UnknownAddress { input: String },
    /// `amount` does not parse.
    #[error(transparent)]
    BadAmount(AmountError),
    /// Tips are paid in TRC-10 BTT only.
    #[error("amount {input:?} is not in BTT")]
    NotBtt { input: String },
    /// The memo is too long.
    #[error("memo is {length} bytes, at most {MAX_MEMO_BYTES} are allowed")]
    MemoTooLong { length: usize },
    /// The id is empty or too long.
    #[error("id must be 1 to {MAX_ID_BYTES} bytes, got {length}")]
    BadId { length: usize },
}

impl RequestError {
    /// A stable snake_case name for error records.
    pub fn reason(&self) -> &'static str {
        match self {
            RequestError::MalformedJson { .. } => "malformed_json",
            RequestError::NotAnObject { .. } => "not_an_object",
            RequestError::MissingField { .. } => "missing_field",
            RequestError::WrongType { .. } => "wrong_type",
            RequestError::UnknownAddress { .. } => "unknown_address",
            RequestError::BadAmount(_) => "bad_amount",
            RequestError::NotBtt { .. } => "not_btt",
            RequestError::MemoTooLong { .. } => "memo_too_long",
            RequestError::BadId { .. } => "bad_id",
        }
    }
}

/// The id a line names, if it can be read at all: error records carry it
/// even when the rest of the line is bad.
pub fn line_id(line: &str) -> Option<String> {
    let value: Value = serde_json::from_str(line).ok()?;
    id_text(value.get("id")?).ok().flatten()
}

impl TipRequest {
    /// Parses one line; `resolve` turns a `to` that is not an address into
    /// one (a wallet name, say), or gives `None`.
    pub fn parse_line(
        line: &str,
        token: Token,
        bare: BareNumber,
        resolve: impl Fn(&str) -> Option<Address>,
    ) -> Result<TipRequest, RequestError> {
        let value: Value =
            serde_json::from_str(line).map_err(|error| RequestError::MalformedJson {
                reason: error.to_string(),
            })?;
        let Value::Object(fields) = value else {
            return Err(RequestError::NotAnObject {
                got: json_kind(&value).to_string(),
            });
        };
        let field = |name: &'static str| fields.get(name).filter(|value| !value.is_null());
        let to_text =
            text_field("to", field("to"))?.ok_or(RequestError::MissingField { field: "to" })?;
        let amount_text = text_field("amount", field("amount"))?
            .ok_or(RequestError::MissingField { field: "amount" })?;
        let memo = text_field("memo", field("memo"))?.unwrap_or_default();
        let id = field("id").map(id_text).transpose()?.flatten();
        let to = to_text
            .parse::<Address>()
            .ok()
            .or_else(|| resolve(to_text))
            .ok_or_else(|| RequestError::UnknownAddress {
                input: to_text.to_string(),
            })?;
        let amount = parse_tip_amount(amount_text, token, bare).map_err(|error| match error {
            TipAmountError::Parse(error) => RequestError::BadAmount(error),
            TipAmountError::NotBtt => RequestError::NotBtt {
                input: amount_text.to_string(),
            },
        })?;
        if memo.len() > MAX_MEMO_BYTES {
            return Err(RequestError::MemoTooLong { length: memo.len() });
        }
        Ok(TipRequest {
            to,
            amount,
            memo: memo.to_string(),
            id,
        })
    }
}

/// Why an amount is not a tip amount.
#[derive(Debug, PartialEq, Eq)]
pub enum TipAmountError {
    /// It does not parse.
    Parse(AmountError),
    /// It names another token.
    NotBtt,
}

/// Parses a tip amount in `token`, the ledger's BTT: `5BTT`, `0.25BTT`, or
/// base units (of TRC-10 BTT, or wei on BTTC) when `bare` says so.
pub fn parse_tip_amount(
    text: &str,
    token: Token,
    bare: BareNumber,
) -> Result<Amount, TipAmountError> {
    let amount = Amount::parse_with(text, token, bare).map_err(TipAmountError::Parse)?;
    if amount.token != token {
        return Err(TipAmountError::NotBtt);
    }
    Ok(amount)
}

fn text_field<'a>(
    name: &'static str,
    value: Option<&'a Value>,
) -> Result<Option<&'a str>, RequestError> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(RequestError::WrongType {
            field: name,
            expected: "a string",
        }),
    }
}

/// An id is a string or an integer; an integer stands for its decimal text.
fn id_text(value: &Value) -> Result<Option<String>, RequestError> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(text) => text.clone(),
        Value::Number(number) if number.is_u64() || number.is_i64() => number.to_string(),
        _ => {
            return Err(RequestError::WrongType {
                field: "id",
                expected: "a string or an integer",
            })
        }
    };
    if text.is_empty() || text.len() > MAX_ID_BYTES {
        return Err(RequestError::BadId { length: text.len() });
    }
    Ok(Some(text))
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";

    fn parse(line: &str) -> Result<TipRequest, RequestError> {
        TipRequest::parse_line(line, Token::Btt, BareNumber::Refused, |name| {
            (name == "alice").then(|| ALICE.parse().unwrap())
        })
    }

    #[test]
    fn a_full_line_parses() {
        let request = parse(
            r#"{"to":"TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY","amount":"2.5BTT","memo":"hi","id":7}"#,
        )
        .unwrap();
        assert_eq!(request.to.to_string(), ALICE);
        assert_eq!(request.amount.base_units, 2_500_000);
        assert_eq!(request.memo, "hi");
        assert_eq!(request.id.as_deref(), Some("7"));
    }

    #[test]
    fn names_resolve_and_optional_fields_default() {
        let request = parse(r#"{"to":"alice","amount":"3BTT","type":"whatever"}"#).unwrap();
        assert_eq!(request.amount.base_units, 3_000_000);
        assert_eq!(request.memo, "");
        assert_eq!(request.id, None);
    }

    #[test]
    fn bad_lines_name_their_reason() {
        let cases = [
            ("{not json", "malformed_json"),
            ("[1]", "not_an_object"),
            (r#"{"amount":"1BTT"}"#, "missing_field"),
            (r#"{"to":"alice"}"#, "missing_field"),
            (r#"{"to":"alice","amount":5}"#, "wrong_type"),
            (
                r#"{"to":"TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZX","amount":"1BTT"}"#,
                "unknown_address",
            ),
            (r#"{"to":"bob","amount":"1BTT"}"#, "unknown_address"),
            (r#"{"to":"alice","amount":"-1BTT"}"#, "bad_amount"),
            (r#"{"to":"alice","amount":"0BTT"}"#, "bad_amount"),
            (r#"{"to":"alice","amount":"5"}"#, "bad_amount"),
            (r#"{"to":"alice","amount":"1TRX"}"#, "not_btt"),
            (r#"{"to":"alice","amount":"1BTT","id":""}"#, "bad_id"),
            (r#"{"to":"alice","amount":"1BTT","id":1.5}"#, "wrong_type"),
        ];
        for (line, reason) in cases {
            let error = parse(line).unwrap_err();
            assert_eq!(error.reason(), reason, "{line}: {error}");
        }
        let long_memo = format!(
            r#"{{"to":"alice","amount":"1BTT","memo":"{}"}}"#,
            "x".repeat(513)
        );
        assert_eq!(parse(&long_memo).unwrap_err().reason(), "memo_too_long");
    }

    #[test]
    fn ids_are_read_from_bad_lines_too() {
        assert_eq!(line_id(r#"{"id":"a1","amount":5}"#).as_deref(), Some("a1"));
        assert_eq!(line_id(r#"{"id":12}"#).as_deref(), Some("12"));
        assert_eq!(line_id("{oops"), None);
    }

    proptest::proptest! {
        #[test]
        fn no_line_panics(line in ".{0,200}") {
            let _ = parse(&line);
            let _ = line_id(&line);
        }
    }
}
