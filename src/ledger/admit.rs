//! Admitting a signed TRON transaction to a ledger: the signature must be
//! the owner's ([`SignedTransaction::verify`]), and the transaction's times
//! must make sense by the ledger's clock, before its facts become a
//! [`Transfer`] the store applies.
//!
//! Time rules (TRON's, with the ledger's clock standing in for the head
//! block): a transaction may not claim to be made more than
//! [`MAX_CLOCK_SKEW_MS`] in the future, and may not stay valid for more
//! than [`MAX_VALIDITY_MS`] from now. An expiration already past is refused
//! by the store at apply time, against the same clock.

use super::error::LedgerError;
use super::Transfer;
use crate::tron::SignedTransaction;

/// How far in the future a transaction's timestamp may be.
pub const MAX_CLOCK_SKEW_MS: i64 = 60_000;

/// How far in the future an expiration may be (TRON: 24 hours).
pub const MAX_VALIDITY_MS: i64 = 24 * 60 * 60 * 1_000;

/// The signed transaction behind a transfer, kept so it can be served back
/// byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The `Transaction.raw` bytes (their SHA-256 is the txid).
    pub raw_data: Vec<u8>,
    /// The owner's 65-byte signature.
    pub signature: Vec<u8>,
}

/// Verifies `transaction` and turns it into a transfer, judged at `now_ms`.
pub fn admit(transaction: &SignedTransaction, now_ms: i64) -> Result<Transfer, LedgerError> {
    let verified = transaction
        .verify()
        .map_err(|source| LedgerError::BadTransaction { source })?;
    let txid = verified.txid.to_string();
    if verified.timestamp > now_ms.saturating_add(MAX_CLOCK_SKEW_MS) {
        return Err(LedgerError::TimestampInFuture {
            txid,
            timestamp_ms: verified.timestamp,
            now_ms,
        });
    }
    if verified.expiration > now_ms.saturating_add(MAX_VALIDITY_MS) {
        return Err(LedgerError::ExpirationTooFar {
            txid,
            expiration_ms: verified.expiration,
            now_ms,
        });
    }
    let signature = transaction
        .signatures()
        .first()
        .cloned()
        .unwrap_or_default();
    Ok(Transfer {
        txid: verified.txid.0,
        from: verified.owner,
        to: verified.to,
        amount: verified.amount,
        memo: verified.memo,
        timestamp_ms: verified.timestamp,
        expiration_ms: verified.expiration,
        reference: transaction.unsigned().reference(),
        evidence: Some(Evidence {
            raw_data: transaction.unsigned().raw_bytes().to_vec(),
            signature,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::local::fixtures::{address, signed, signed_at, START_MS};

    #[test]
    fn a_good_transaction_becomes_a_transfer_with_its_evidence() {
        let transaction = signed(1, &address(2), 7, 1);
        let transfer = admit(&transaction, START_MS).unwrap();
        assert_eq!(transfer.from, address(1));
        assert_eq!(transfer.to, address(2));
        assert_eq!(transfer.amount.base_units, 7);
        assert_eq!(transfer.txid, transaction.txid().0);
        let evidence = transfer.evidence.unwrap();
        assert_eq!(evidence.raw_data, transaction.unsigned().raw_bytes());
        assert_eq!(evidence.signature.len(), 65);
    }

    #[test]
    fn times_are_judged_by_the_clock() {
        let transaction = signed(1, &address(2), 7, 1);
        let early = admit(&transaction, START_MS - MAX_CLOCK_SKEW_MS - 1).unwrap_err();
        assert!(
            matches!(early, LedgerError::TimestampInFuture { .. }),
            "{early}"
        );
        assert!(admit(&transaction, START_MS - MAX_CLOCK_SKEW_MS).is_ok());
        let lasting = (START_MS, START_MS + MAX_VALIDITY_MS + 1);
        let far = admit(&signed_at(1, &address(2), 7, 1, lasting), START_MS).unwrap_err();
        assert!(matches!(far, LedgerError::ExpirationTooFar { .. }), "{far}");
        let day = (START_MS, START_MS + MAX_VALIDITY_MS);
        assert!(admit(&signed_at(1, &address(2), 7, 1, day), START_MS).is_ok());
    }

    #[test]
    fn a_signature_by_someone_else_is_refused() {
        let honest = signed(1, &address(2), 7, 1);
        let forged = crate::tron::SignedTransaction::from_parts(
            honest.unsigned().raw_bytes(),
            signed(3, &address(2), 7, 1).signatures().to_vec(),
        )
        .unwrap();
        let error = admit(&forged, START_MS).unwrap_err();
        assert!(
            matches!(error, LedgerError::BadTransaction { .. }),
            "{error}"
        );
    }
}
