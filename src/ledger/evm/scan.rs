//! History and `watch` read from the chain's blocks: a node keeps no index
//! of native transfers, so the blocks themselves are scanned, back from the
//! head to a start time (found by bisecting block timestamps) or forward
//! from a block to the head.
//!
//! Invariants: at most [`HISTORY_BLOCKS`] blocks are read back from the
//! head; records of one block are returned together (the sequence is the
//! block number), so a follower paging by block never misses the rest of a
//! block.

use super::lookup::stamp;
use super::node_error::bad;
use super::{records, EvmClient};
use crate::ledger::error::LedgerError;
use crate::ledger::TransferRecord;
use crate::tron::Address;
use alloy::rpc::types::Block;
use futures_util::{stream, StreamExt, TryStreamExt};

/// The most blocks `history` reads back from the head.
pub const HISTORY_BLOCKS: u64 = 10_000;

/// How many blocks are fetched at once while scanning.
const SCAN_CONCURRENCY: usize = 8;

impl EvmClient {
    /// The records touching `address` in blocks `first..=last`, oldest first.
    pub(super) async fn scan(
        &self,
        address: Address,
        first: u64,
        last: u64,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        if first > last {
            return Ok(Vec::new());
        }
        let blocks: Vec<Block> = stream::iter(first..=last)
            .map(|number| self.block(number))
            .buffered(SCAN_CONCURRENCY)
            .try_collect()
            .await?;
        let mut found = Vec::new();
        for block in &blocks {
            found.extend(self.block_records(block, address).await?);
        }
        Ok(found)
    }

    /// The records of one block that touch `address`.
    async fn block_records(
        &self,
        block: &Block,
        address: Address,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        use alloy::consensus::Transaction as _;
        use alloy::network::TransactionResponse as _;
        let wanted = alloy::primitives::Address::from(address.evm_bytes());
        let mut found = Vec::new();
        for transaction in transactions_of(block)? {
            if transaction.from() != wanted && transaction.to() != Some(wanted) {
                continue;
            }
            let hash = transaction.tx_hash().0;
            let receipt = self
                .receipt(hash)
                .await?
                .ok_or_else(|| bad(format!("no receipt for mined 0x{}", hex::encode(hash))))?;
            if let Some(record) = records::transfer_record(transaction, &receipt, stamp(block))? {
                found.push(record);
            }
        }
        Ok(found)
    }

    /// The first block at or after `since_ms`, at most [`HISTORY_BLOCKS`] back from `head`.
    pub(super) async fn first_block_since(
        &self,
        since_ms: i64,
        head: u64,
    ) -> Result<u64, LedgerError> {
        let floor = head.saturating_sub(HISTORY_BLOCKS - 1);
        let (mut low, mut high) = (floor, head.saturating_add(1));
        while low < high {
            let middle = low + (high - low) / 2;
            if stamp(&self.block(middle).await?).time_ms() >= since_ms {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        Ok(low)
    }
}

/// The full transactions of `block`. An empty list reads as hashes as well
/// as transactions: only a non-empty list of hashes lacks what was asked for.
fn transactions_of(block: &Block) -> Result<&[alloy::rpc::types::Transaction], LedgerError> {
    match block.transactions.as_transactions() {
        Some(transactions) => Ok(transactions),
        None if block.transactions.is_empty() => Ok(&[]),
        None => Err(bad(format!(
            "block {} came without its transactions",
            block.header.number
        ))),
    }
}

/// Keeps whole blocks of `records` (oldest first) until `limit` is reached.
pub(super) fn whole_blocks(records: Vec<TransferRecord>, limit: usize) -> Vec<TransferRecord> {
    let mut kept: Vec<TransferRecord> = Vec::new();
    for record in records {
        let same_block = kept
            .last()
            .is_some_and(|last| last.sequence == record.sequence);
        if kept.len() >= limit && !same_block {
            break;
        }
        kept.push(record);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::{Amount, Token};
    use crate::ledger::MovementKind;

    fn at(sequence: u64) -> TransferRecord {
        TransferRecord {
            kind: MovementKind::Transfer,
            txid: [sequence as u8; 32],
            from: Address::from_evm([1; 20]),
            to: Address::from_evm([2; 20]),
            amount: Amount {
                token: Token::Bttc,
                base_units: 1,
            },
            memo: Vec::new(),
            timestamp_ms: 0,
            sequence,
            applied_at_ms: 0,
            fee: Some(0),
        }
    }

    #[test]
    fn pages_end_on_a_block_boundary() {
        let records = vec![at(1), at(2), at(2), at(2), at(3)];
        let sequences = |kept: Vec<TransferRecord>| -> Vec<u64> {
            kept.iter().map(|record| record.sequence).collect()
        };
        assert_eq!(sequences(whole_blocks(records.clone(), 2)), [1, 2, 2, 2]);
        assert_eq!(sequences(whole_blocks(records.clone(), 1)), [1]);
        assert_eq!(sequences(whole_blocks(records, 10)), [1, 2, 2, 2, 3]);
    }
}
