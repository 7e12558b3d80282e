//! [`EvmTransaction`]: a signed EVM transaction as btt keeps it before
//! sending (the tip journal), so that after a crash the very same bytes can
//! be looked up by hash or sent again.
//!
//! Invariant: the bytes decode as one EIP-2718 transaction (legacy or
//! typed) with nothing left over, and the hash and nonce are the ones those
//! bytes carry; a journal row that was tampered with does not read back.

use super::super::error::LedgerError;
use alloy::consensus::{Transaction as _, TxEnvelope};
use alloy::eips::Decodable2718;

/// A signed EVM transaction's EIP-2718 bytes, with what they say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmTransaction {
    raw: Vec<u8>,
    hash: [u8; 32],
    nonce: u64,
}

impl EvmTransaction {
    /// Reads signed bytes, refusing anything that is not exactly one transaction.
    pub fn from_raw(raw: Vec<u8>) -> Result<EvmTransaction, LedgerError> {
        let envelope =
            TxEnvelope::decode_2718_exact(&raw).map_err(|error| LedgerError::BadAnswer {
                backend: "evm",
                message: format!("not a signed EVM transaction: {error}"),
            })?;
        Ok(EvmTransaction {
            hash: envelope.tx_hash().0,
            nonce: envelope.nonce(),
            raw,
        })
    }

    /// The signed bytes, as `eth_sendRawTransaction` takes them.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The transaction hash (its txid).
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The sender's nonce it uses.
    pub fn nonce(&self) -> u64 {
        self.nonce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_trailing_bytes_are_refused() {
        assert!(EvmTransaction::from_raw(vec![0x02, 0xc0]).is_err());
        assert!(EvmTransaction::from_raw(Vec::new()).is_err());
    }
}
