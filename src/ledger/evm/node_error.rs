//! How a node's failures become ledger errors: a JSON-RPC refusal is
//! classified by what it says (geth, anvil and BTTC's bor word them alike),
//! anything else is an unreachable node, and the answers the backend itself
//! finds wrong are [`LedgerError::BadAnswer`].
//!
//! Invariant: a node's text reaches the user as one printable line of at
//! most [`MESSAGE_CHARS`] characters (no newlines, no terminal escapes).

use super::super::error::LedgerError;
use super::super::error_kind::ErrorKind;
use alloy::transports::{RpcError, TransportErrorKind};

/// The backend's name in errors.
pub(super) const BACKEND: &str = "evm";

/// The most of a node's message an error repeats.
pub(super) const MESSAGE_CHARS: usize = 300;

/// A JSON-RPC failure as a ledger error: the node's refusals by what they
/// say, everything else as an unreachable node.
pub(super) fn node_error(url: &str, error: RpcError<TransportErrorKind>) -> LedgerError {
    match error.as_error_resp() {
        Some(payload) => {
            let message = one_line(&payload.message);
            LedgerError::Remote {
                kind: refusal_kind(&message),
                message,
            }
        }
        None => unreachable(url, &error),
    }
}

/// The ledger's kind for an EVM node's refusal message.
pub(super) fn refusal_kind(message: &str) -> ErrorKind {
    let message = message.to_ascii_lowercase();
    if message.contains("insufficient funds") {
        ErrorKind::InsufficientBalance
    } else if message.contains("already known")
        || message.contains("already imported")
        || message.contains("nonce too low")
    {
        ErrorKind::Replay
    } else {
        ErrorKind::Refused
    }
}

/// A node's text as one printable line: control characters (newlines,
/// terminal escapes) become spaces, runs of spaces one, and it is cut short.
pub(super) fn one_line(text: &str) -> String {
    let printable: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = printable.split_whitespace().collect();
    words.join(" ").chars().take(MESSAGE_CHARS).collect()
}

/// The node at `url` could not be asked.
pub(super) fn unreachable(url: &str, error: &dyn std::fmt::Display) -> LedgerError {
    LedgerError::Unreachable {
        url: url.to_string(),
        message: one_line(&error.to_string()),
    }
}

/// The node answered something this backend refuses to believe.
pub(super) fn bad(message: String) -> LedgerError {
    LedgerError::BadAnswer {
        backend: BACKEND,
        message,
    }
}

/// What this backend does not do.
pub(super) fn unsupported(operation: &'static str) -> LedgerError {
    LedgerError::Unsupported {
        backend: BACKEND,
        operation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_messages_become_one_printable_line() {
        assert_eq!(one_line("a\n\nb\u{1b}[31m c\r\n"), "a b [31m c");
        assert_eq!(one_line(&"x".repeat(1000)).len(), MESSAGE_CHARS);
    }

    #[test]
    fn node_refusals_are_classified() {
        assert_eq!(
            refusal_kind("insufficient funds for gas * price + value"),
            ErrorKind::InsufficientBalance
        );
        assert_eq!(refusal_kind("nonce too low"), ErrorKind::Replay);
        assert_eq!(refusal_kind("already known"), ErrorKind::Replay);
        assert_eq!(
            refusal_kind("transaction already imported"),
            ErrorKind::Replay
        );
        assert_eq!(refusal_kind("execution reverted"), ErrorKind::Refused);
    }
}
