//! Single reads of the chain, each checked against what was asked: a
//! transaction's receipt, a whole block, and the record of one mined
//! transaction with the fee it paid.
//!
//! Invariant: an answer about another hash or another block number than the
//! one asked for is refused, never used.

use super::node_error::bad;
use super::records::{self, BlockStamp};
use super::EvmClient;
use crate::ledger::error::LedgerError;
use crate::ledger::TransferRecord;
use alloy::eips::BlockNumberOrTag;
use alloy::providers::Provider;
use alloy::rpc::types::{Block, TransactionReceipt};

impl EvmClient {
    /// The receipt of `hash`, once mined.
    pub(super) async fn receipt(
        &self,
        hash: [u8; 32],
    ) -> Result<Option<TransactionReceipt>, LedgerError> {
        self.node()
            .await?
            .get_transaction_receipt(hash.into())
            .await
            .map_err(|e| self.rpc_error(e))
    }

    /// The record of the mined transaction `hash`, with its fee.
    pub(super) async fn record_of(
        &self,
        hash: [u8; 32],
        receipt: &TransactionReceipt,
    ) -> Result<Option<TransferRecord>, LedgerError> {
        let Some(transaction) = self
            .node()
            .await?
            .get_transaction_by_hash(hash.into())
            .await
            .map_err(|e| self.rpc_error(e))?
        else {
            return Ok(None);
        };
        if transaction.inner.tx_hash().0 != hash {
            return Err(bad(format!(
                "asked for 0x{}, got {}",
                hex::encode(hash),
                transaction.inner.tx_hash()
            )));
        }
        let number = receipt
            .block_number
            .ok_or_else(|| bad(format!("receipt of 0x{} names no block", hex::encode(hash))))?;
        let block = self.block(number).await?;
        records::transfer_record(&transaction, receipt, stamp(&block))
    }

    /// The latest block's time, in milliseconds: the chain's clock, which
    /// contracts compare expiries with.
    pub async fn chain_time_ms(&self) -> Result<i64, LedgerError> {
        let block = self
            .node()
            .await?
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| self.rpc_error(e))?
            .ok_or_else(|| bad("the latest block is missing".to_string()))?;
        let seconds = i64::try_from(block.header.timestamp).unwrap_or(i64::MAX);
        Ok(seconds.saturating_mul(1000))
    }

    /// Block `number`'s time, in milliseconds.
    pub async fn block_time_ms(&self, number: u64) -> Result<i64, LedgerError> {
        let block = self
            .node()
            .await?
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(|e| self.rpc_error(e))?
            .ok_or_else(|| bad(format!("block {number} is missing")))?;
        let seconds = i64::try_from(block.header.timestamp).unwrap_or(i64::MAX);
        Ok(seconds.saturating_mul(1000))
    }

    /// Block `number` with its transactions.
    pub(super) async fn block(&self, number: u64) -> Result<Block, LedgerError> {
        let block = self
            .node()
            .await?
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .full()
            .await
            .map_err(|e| self.rpc_error(e))?
            .ok_or_else(|| bad(format!("block {number} is missing")))?;
        if block.header.number != number {
            return Err(bad(format!(
                "asked for block {number}, got {}",
                block.header.number
            )));
        }
        Ok(block)
    }
}

/// Where and when `block` is.
pub(super) fn stamp(block: &Block) -> BlockStamp {
    BlockStamp {
        number: block.header.number,
        timestamp: block.header.timestamp,
    }
}
