//! A signed transfer from the node's hands to its final record: broadcast
//! (or found already there after a crash), mined, confirmed by the number of
//! blocks asked for, and read back with its fee. Waiting is polled, with
//! pauses that grow from [`FIRST_POLL`] to [`POLL`], within a bound
//! ([`CONFIRM_TIMEOUT`]), never open-ended.
//!
//! Invariants: the node must take a transaction under the hash that was
//! signed; a transaction whose nonce went to another one is reported as
//! expired (it can never be mined), not retried; a mined transaction that
//! reverted is a refusal whose fee was paid.

use super::node_error::bad;
use super::nonce::SenderLock;
use super::{EvmClient, EvmTransaction};
use crate::ledger::error::LedgerError;
use crate::ledger::error_kind::ErrorKind;
use crate::ledger::{Ledger, TransferRecord};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionReceipt;
use std::time::{Duration, Instant};

/// How long a sent transfer may take to be mined and confirmed.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(300);

/// The first pause between polls of the receipt and the head: a dev chain
/// mines within milliseconds of taking a transaction.
const FIRST_POLL: Duration = Duration::from_millis(5);

/// The longest pause between polls (the pause doubles up to it).
const POLL: Duration = Duration::from_millis(200);

impl EvmClient {
    /// Hands signed bytes to the node; returns once it has taken them.
    pub(super) async fn broadcast(&self, transaction: &EvmTransaction) -> Result<(), LedgerError> {
        let pending = self
            .node()
            .await?
            .send_raw_transaction(transaction.raw())
            .await
            .map_err(|e| self.rpc_error(e))?;
        if pending.tx_hash().0 != transaction.hash() {
            return Err(bad(format!(
                "the node took 0x{} as {}",
                hex::encode(transaction.hash()),
                pending.tx_hash()
            )));
        }
        Ok(())
    }

    /// Sends `transaction` unless the chain already has it, and returns its
    /// record once confirmed. Refused as expired when its nonce went to
    /// another transaction: then it can never be mined.
    pub(super) async fn settle(
        &self,
        transaction: &EvmTransaction,
        lock: Option<SenderLock<'_>>,
    ) -> Result<TransferRecord, LedgerError> {
        self.submit(transaction, lock).await?;
        self.finish(transaction.hash()).await
    }

    /// Hands `transaction` to the node unless the chain already has it, then
    /// lets go of the sender's lock. Refused as expired when its nonce went
    /// to another transaction.
    pub(super) async fn submit(
        &self,
        transaction: &EvmTransaction,
        lock: Option<SenderLock<'_>>,
    ) -> Result<(), LedgerError> {
        if self.receipt(transaction.hash()).await?.is_some() {
            return Ok(());
        }
        let sent = self.broadcast(transaction).await;
        drop(lock);
        match sent {
            Err(error) if error.kind() == ErrorKind::Replay => {
                self.known_or_expired(transaction).await
            }
            other => other,
        }
    }

    /// The record of the sent transaction `hash` once it is final.
    pub(super) async fn finish(&self, hash: [u8; 32]) -> Result<TransferRecord, LedgerError> {
        let receipt = self.confirmed(hash).await?;
        self.record_of(hash, &receipt)
            .await?
            .ok_or_else(|| LedgerError::Remote {
                kind: ErrorKind::Refused,
                message: format!(
                    "transaction 0x{} was mined but reverted (its fee was paid)",
                    hex::encode(hash)
                ),
            })
    }

    /// After a "known" or "nonce too low" answer: fine when the node holds
    /// this very transaction, expired when its nonce went to another one.
    async fn known_or_expired(&self, transaction: &EvmTransaction) -> Result<(), LedgerError> {
        let hash = transaction.hash();
        let held = self
            .node()
            .await?
            .get_transaction_by_hash(hash.into())
            .await
            .map_err(|e| self.rpc_error(e))?;
        match held {
            Some(_) => Ok(()),
            None => Err(LedgerError::Remote {
                kind: ErrorKind::Expired,
                message: format!(
                    "nonce {} went to another transaction: 0x{} can never be mined",
                    transaction.nonce(),
                    hex::encode(hash)
                ),
            }),
        }
    }

    /// Waits until `hash` is mined with the confirmations asked for, and
    /// returns its receipt.
    pub(super) async fn confirmed(
        &self,
        hash: [u8; 32],
    ) -> Result<TransactionReceipt, LedgerError> {
        let deadline = Instant::now() + CONFIRM_TIMEOUT;
        let mut pause = FIRST_POLL;
        loop {
            if let Some(receipt) = self.receipt(hash).await? {
                if self.has_confirmations(&receipt).await? {
                    return Ok(receipt);
                }
            }
            if Instant::now() >= deadline {
                return Err(self.not_confirmed(hash));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(POLL);
        }
    }

    /// True when the block of `receipt` has the confirmations asked for.
    async fn has_confirmations(&self, receipt: &TransactionReceipt) -> Result<bool, LedgerError> {
        let mined = receipt.block_number.ok_or_else(|| {
            bad(format!(
                "receipt of {} names no block",
                receipt.transaction_hash
            ))
        })?;
        let head = self.head().await?;
        Ok(head.saturating_sub(mined) >= self.options.confirmations)
    }

    fn not_confirmed(&self, hash: [u8; 32]) -> LedgerError {
        LedgerError::Unreachable {
            url: self.options.url.clone(),
            message: format!(
                "transaction 0x{} was not confirmed within {CONFIRM_TIMEOUT:?}; look it up later with `btt-wallet tx`",
                hex::encode(hash)
            ),
        }
    }
}
