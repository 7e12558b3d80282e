//! A chain's transactions as the ledger's [`TransferRecord`]s: what moved,
//! between whom, with which memo (the input data), in which block, and the
//! fee the payer paid (gas used × effective gas price, from the receipt).
//!
//! Invariants: only what the chain applied becomes a record (a mined,
//! successful transaction moving a non-zero value); every number the node
//! sends is checked before use (a value beyond u128, a fee that overflows,
//! a receipt of another transaction are refused, not truncated).

use super::super::error::LedgerError;
use super::super::{MovementKind, TransferRecord};
use crate::amount::{Amount, Token};
use crate::tron::Address;
use alloy::consensus::Transaction as _;
use alloy::network::TransactionResponse as _;
use alloy::rpc::types::{Transaction, TransactionReceipt};

/// The block a transaction was mined in, as far as a record needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockStamp {
    /// Its number: the record's sequence.
    pub number: u64,
    /// Its timestamp, seconds since the epoch.
    pub timestamp: u64,
}

impl BlockStamp {
    /// The block's time in milliseconds.
    pub fn time_ms(&self) -> i64 {
        i64::try_from(self.timestamp.saturating_mul(1000)).unwrap_or(i64::MAX)
    }
}

/// The record of a mined transaction and its receipt, or `None` when it
/// moved nothing (failed, or no value).
pub fn transfer_record(
    transaction: &Transaction,
    receipt: &TransactionReceipt,
    block: BlockStamp,
) -> Result<Option<TransferRecord>, LedgerError> {
    let hash = transaction.tx_hash();
    if receipt.transaction_hash != hash {
        return Err(bad(format!(
            "the receipt of {hash} is of {}",
            receipt.transaction_hash
        )));
    }
    let Some(to) = transaction.to() else {
        return Ok(None);
    };
    let value = u128::try_from(transaction.value())
        .map_err(|_| bad(format!("transaction {hash} moves more than u128")))?;
    if !receipt.status() || value == 0 {
        return Ok(None);
    }
    Ok(Some(TransferRecord {
        kind: MovementKind::Transfer,
        txid: hash.0,
        from: Address::from_evm(transaction.from().into_array()),
        to: Address::from_evm(to.into_array()),
        amount: Amount {
            token: Token::Bttc,
            base_units: value,
        },
        memo: transaction.input().to_vec(),
        timestamp_ms: block.time_ms(),
        sequence: block.number,
        applied_at_ms: block.time_ms(),
        fee: Some(fee(receipt)?),
    }))
}

/// What the payer paid for gas.
pub fn fee(receipt: &TransactionReceipt) -> Result<u128, LedgerError> {
    u128::from(receipt.gas_used)
        .checked_mul(receipt.effective_gas_price)
        .ok_or_else(|| bad(format!("the fee of {} overflows", receipt.transaction_hash)))
}

fn bad(message: String) -> LedgerError {
    LedgerError::BadAnswer {
        backend: "evm",
        message,
    }
}
