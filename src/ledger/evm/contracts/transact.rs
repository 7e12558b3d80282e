//! One call to a contract as a transaction, and what it did: the call is
//! signed like a transfer (the sender's nonce lock, the node's gas estimate
//! under the user's cap, EIP-1559 or legacy fees), handed to the node, and
//! waited for with the confirmations asked for; its receipt gives the fee
//! and the one event the call emits. Reading a contract is an `eth_call`.
//!
//! Invariants: a call the contract refuses is refused before it is signed,
//! with the contract's reason, when the node's gas estimate reverts; one
//! that reverts once mined is a refusal whose fee was paid, never a success;
//! an event is read only from a log of the contract that was called.

use super::super::node_error::bad;
use super::super::EvmClient;
use crate::ledger::error::LedgerError;
use crate::ledger::error_kind::ErrorKind;
use crate::wallet::PrivateKey;
use alloy::eips::BlockNumberOrTag;
use alloy::primitives::{Address, Bytes, TxKind, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::{Filter, Log, TransactionReceipt, TransactionRequest};
use alloy::sol_types::{SolCall, SolEvent};

/// A mined, successful contract transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReceipt {
    /// The transaction's hash.
    pub transaction: B256,
    /// The block it is in.
    pub block: u64,
    /// What the sender paid for gas, in wei.
    pub fee: u128,
    /// The contract created, for a deployment.
    pub created: Option<Address>,
    logs: Vec<Log>,
}

/// A call's event with the receipt of its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent<E> {
    /// The event the call emitted.
    pub event: E,
    /// Its transaction.
    pub receipt: CallReceipt,
}

impl CallReceipt {
    /// The one `E` that `contract` logged in this transaction.
    pub fn event<E: SolEvent>(&self, contract: Address) -> Result<E, LedgerError> {
        let mut events = self
            .logs
            .iter()
            .filter(|log| log.address() == contract)
            .filter(|log| log.topic0() == Some(&E::SIGNATURE_HASH))
            .map(|log| E::decode_log_data(log.data()));
        match (events.next(), events.next()) {
            (Some(Ok(event)), None) => Ok(event),
            (Some(Err(error)), None) => Err(bad(format!(
                "{} event of {contract} does not decode: {error}",
                E::SIGNATURE
            ))),
            (None, _) => Err(bad(format!(
                "transaction {} has no {} event of {contract}",
                self.transaction,
                E::SIGNATURE
            ))),
            (Some(_), Some(_)) => Err(bad(format!(
                "transaction {} has more than one {} event of {contract}",
                self.transaction,
                E::SIGNATURE
            ))),
        }
    }
}

impl EvmClient {
    /// Sends `call` to `contract` from `key` with `value` wei, and returns
    /// the event `E` it emitted once the transaction is confirmed.
    pub async fn transact<C: SolCall, E: SolEvent>(
        &self,
        key: &PrivateKey,
        contract: Address,
        value: u128,
        call: &C,
    ) -> Result<Sent<E>, LedgerError> {
        let receipt = self
            .send_to(key, TxKind::Call(contract), value, call.abi_encode())
            .await?;
        Ok(Sent {
            event: receipt.event(contract)?,
            receipt,
        })
    }

    /// Signs and sends a transaction with `input`, and returns its receipt
    /// once confirmed: a refusal when it reverted.
    pub(super) async fn send_to(
        &self,
        key: &PrivateKey,
        to: TxKind,
        value: u128,
        input: Vec<u8>,
    ) -> Result<CallReceipt, LedgerError> {
        let (transaction, lock) = self.sign_kind_locked(key, to, value, input).await?;
        self.submit(&transaction, Some(lock)).await?;
        let receipt = self.confirmed(transaction.hash()).await?;
        call_receipt(receipt)
    }

    /// What `sender` paid in gas for transaction `hash`: nothing when
    /// someone else sent it or it is not mined.
    pub async fn fee_paid_by(&self, hash: B256, sender: Address) -> Result<u128, LedgerError> {
        let receipt = self
            .node()
            .await?
            .get_transaction_receipt(hash)
            .await
            .map_err(|e| self.rpc_error(e))?;
        Ok(receipt
            .filter(|receipt| receipt.from == sender)
            .map_or(0, |receipt| {
                u128::from(receipt.gas_used) * receipt.effective_gas_price
            }))
    }

    /// The logs `filter` selects (`eth_getLogs`).
    pub async fn logs(&self, filter: &Filter) -> Result<Vec<Log>, LedgerError> {
        self.node()
            .await?
            .get_logs(filter)
            .await
            .map_err(|e| self.rpc_error(e))
    }

    /// Every `E` that `filter` selects (built by [`event_filter`]), decoded,
    /// with its log.
    pub async fn decoded_logs<E: SolEvent>(
        &self,
        filter: &Filter,
    ) -> Result<Vec<(E, Log)>, LedgerError> {
        let logs = self.logs(filter).await?;
        logs.into_iter()
            .map(|log| {
                let event = E::decode_log_data(log.data()).map_err(|error| {
                    bad(format!("{} event does not decode: {error}", E::SIGNATURE))
                })?;
                Ok((event, log))
            })
            .collect()
    }

    /// The one `E` that `contract` logged with `topic` as its first indexed
    /// field: an event a contract logs once per id.
    pub async fn only_event<E: SolEvent>(
        &self,
        contract: Address,
        topic: B256,
    ) -> Result<(E, Log), LedgerError> {
        let events = self
            .decoded_logs::<E>(&event_filter::<E>(contract).topic1(topic))
            .await?;
        <[(E, Log); 1]>::try_from(events)
            .map(|[only]| only)
            .map_err(|events| {
                bad(format!(
                    "{topic} has {} {} events, not one",
                    events.len(),
                    E::SIGNATURE
                ))
            })
    }

    /// What `call` of `contract` answers now (`eth_call` on the latest block).
    pub async fn view<C: SolCall>(
        &self,
        contract: Address,
        call: &C,
    ) -> Result<C::Return, LedgerError> {
        self.view_at(contract, call, BlockNumberOrTag::Latest).await
    }

    /// What `call` of `contract` answers on the newest block with the
    /// confirmations asked for on top: state a transaction changed is seen
    /// only once it is that deep.
    pub async fn view_confirmed<C: SolCall>(
        &self,
        contract: Address,
        call: &C,
    ) -> Result<C::Return, LedgerError> {
        let head = self
            .node()
            .await?
            .get_block_number()
            .await
            .map_err(|e| self.rpc_error(e))?;
        let block = head.saturating_sub(self.confirmations());
        self.view_at(contract, call, BlockNumberOrTag::Number(block))
            .await
    }

    async fn view_at<C: SolCall>(
        &self,
        contract: Address,
        call: &C,
        block: BlockNumberOrTag,
    ) -> Result<C::Return, LedgerError> {
        let request = TransactionRequest::default()
            .to(contract)
            .input(Bytes::from(call.abi_encode()).into());
        let answer = self
            .node()
            .await?
            .call(request)
            .block(block.into())
            .await
            .map_err(|e| self.rpc_error(e))?;
        C::abi_decode_returns(&answer).map_err(|error| {
            bad(format!(
                "{contract} answered {} with {} bytes that do not decode: {error}",
                C::SIGNATURE,
                answer.len()
            ))
        })
    }
}

/// Every `E` that `contract` logged, from the first block.
pub fn event_filter<E: SolEvent>(contract: Address) -> Filter {
    Filter::new()
        .address(contract)
        .event_signature(E::SIGNATURE_HASH)
        .from_block(0)
}

/// The receipt of a mined transaction, refused when it reverted.
fn call_receipt(receipt: TransactionReceipt) -> Result<CallReceipt, LedgerError> {
    let transaction = receipt.transaction_hash;
    if !receipt.status() {
        return Err(LedgerError::Remote {
            kind: ErrorKind::Refused,
            message: format!("transaction {transaction} was mined but reverted (its fee was paid)"),
        });
    }
    let block = receipt
        .block_number
        .ok_or_else(|| bad(format!("receipt of {transaction} names no block")))?;
    Ok(CallReceipt {
        transaction,
        block,
        fee: u128::from(receipt.gas_used) * receipt.effective_gas_price,
        created: receipt.contract_address,
        logs: receipt.inner.logs().to_vec(),
    })
}

/// `value` as wei, which btt keeps in 128 bits; `what` names it in the refusal.
pub(super) fn wei(value: U256, what: &str) -> Result<u128, LedgerError> {
    u128::try_from(value).map_err(|_| bad(format!("{what} of {value} is beyond 128 bits")))
}
