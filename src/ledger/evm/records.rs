//! A chain's transactions as the ledger's [`TransferRecord`]s: what moved,
//! between whom, with which memo (the input data), in which block, and the
//! fee the payer paid (gas used × effective gas price, from the receipt).
//!
//! Invariants: only what the chain applied becomes a record (a mined,
//! successful transaction moving a non-zero value); every number the node
//! sends is checked before use (a value beyond u128, a fee that overflows,
//! a receipt of another transaction or block are refused, not truncated);
//! the payer is the address the signature recovers to, never only what the
//! node's `from` field claims.

use super::super::error::LedgerError;
use super::super::{MovementKind, TransferRecord};
use crate::amount::{Amount, Token};
use crate::tron::{recover_address, Address};
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
    if receipt.block_number != Some(block.number) {
        return Err(bad(format!(
            "the receipt of {hash} names block {:?}, not {}",
            receipt.block_number, block.number
        )));
    }
    let envelope = transaction.inner.inner();
    let signer = recover_address(
        &envelope.signature_hash().0,
        &envelope.signature().as_bytes(),
    )
    .map_err(|error| {
        bad(format!(
            "transaction {hash} has no valid signature: {error}"
        ))
    })?;
    let claimed = Address::from_evm(transaction.from().into_array());
    if signer != claimed {
        return Err(bad(format!(
            "transaction {hash} claims sender {}, but {} signed it",
            claimed.to_evm(),
            signer.to_evm()
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
        from: signer,
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope};
    use alloy::network::TxSignerSync;
    use alloy::primitives::{TxKind, U256};
    use alloy::signers::local::PrivateKeySigner;
    use serde_json::json;

    const KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";

    /// A mined transfer of 5 wei with memo "hi", as a node would describe
    /// it, claiming `from` as its sender.
    fn mined(from: alloy::primitives::Address) -> (Transaction, TransactionReceipt) {
        let signer = PrivateKeySigner::from_slice(&hex::decode(KEY).unwrap()).unwrap();
        let mut tx = TxEip1559 {
            chain_id: 199,
            nonce: 0,
            gas_limit: 21_000,
            max_fee_per_gas: 2,
            max_priority_fee_per_gas: 1,
            to: TxKind::Call(alloy::primitives::Address::repeat_byte(7)),
            value: U256::from(5),
            access_list: Default::default(),
            input: b"hi".to_vec().into(),
        };
        let signature = signer.sign_transaction_sync(&mut tx).unwrap();
        let envelope = TxEnvelope::from(tx.into_signed(signature));
        let hash = *envelope.tx_hash();
        let transaction = Transaction {
            inner: alloy::consensus::transaction::Recovered::new_unchecked(envelope, from),
            block_hash: Some([1; 32].into()),
            block_number: Some(5),
            transaction_index: Some(0),
            effective_gas_price: Some(1),
        };
        let receipt = serde_json::from_value(json!({
            "type": "0x2", "status": "0x1", "cumulativeGasUsed": "0x5208", "logs": [],
            "logsBloom": format!("0x{}", "00".repeat(256)),
            "transactionHash": hash, "transactionIndex": "0x0",
            "blockHash": format!("0x{}", "01".repeat(32)), "blockNumber": "0x5",
            "gasUsed": "0x5208", "effectiveGasPrice": "0x3",
            "from": from, "to": alloy::primitives::Address::repeat_byte(7), "contractAddress": null,
        }))
        .unwrap();
        (transaction, receipt)
    }

    fn alice() -> alloy::primitives::Address {
        let address: Address = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap();
        alloy::primitives::Address::from(address.evm_bytes())
    }

    const BLOCK: BlockStamp = BlockStamp {
        number: 5,
        timestamp: 1_700_000_000,
    };

    #[test]
    fn a_mined_transfer_becomes_a_record_with_its_fee() {
        let (transaction, receipt) = mined(alice());
        let record = transfer_record(&transaction, &receipt, BLOCK)
            .unwrap()
            .unwrap();
        assert_eq!(
            record.from.to_evm(),
            "0x928C9af0651632157ef27A2cf17Ca72c575a4d21"
        );
        assert_eq!(record.amount.base_units, 5);
        assert_eq!(record.memo, b"hi");
        assert_eq!(record.fee, Some(21_000 * 3));
        assert_eq!(
            (record.sequence, record.timestamp_ms),
            (5, 1_700_000_000_000)
        );
    }

    #[test]
    fn a_node_lying_about_sender_block_or_receipt_is_refused() {
        let (forged, receipt) = mined(alloy::primitives::Address::repeat_byte(9));
        assert!(matches!(
            transfer_record(&forged, &receipt, BLOCK),
            Err(LedgerError::BadAnswer { .. })
        ));
        let (transaction, receipt) = mined(alice());
        let elsewhere = BlockStamp { number: 6, ..BLOCK };
        assert!(transfer_record(&transaction, &receipt, elsewhere).is_err());
        let mut other = receipt.clone();
        other.transaction_hash = [2; 32].into();
        assert!(transfer_record(&transaction, &other, BLOCK).is_err());
        let mut expensive = receipt;
        expensive.effective_gas_price = u128::MAX;
        assert!(transfer_record(&transaction, &expensive, BLOCK).is_err());
    }
}
