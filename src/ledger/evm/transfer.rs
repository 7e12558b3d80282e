//! Building and signing a transfer: the gas the node estimates (capped by
//! the user), the fees it quotes ([`super::fees`]), the payer's balance
//! checked against the most the transfer can cost, the next nonce under the
//! sender's lock, and the signature for the chain's id. EIP-1559 where the
//! latest block has a base fee, legacy EIP-155 otherwise; the memo is the
//! input data.
//!
//! Invariant: a transaction is signed only while its sender's nonce lock is
//! held, and the lock goes back to the caller with it, so no two senders of
//! one key sign the same nonce.

use super::fees::{self, FeePlan, Quote};
use super::node_error::bad;
use super::nonce::SenderLock;
use super::{EvmClient, EvmTransaction};
use crate::amount::{Amount, Token};
use crate::ledger::error::LedgerError;
use crate::ledger::Ledger;
use crate::tron::Address;
use crate::wallet::PrivateKey;
use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy::eips::{BlockNumberOrTag, Encodable2718};
use alloy::network::TxSignerSync;
use alloy::primitives::{Bytes, TxKind, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;

/// The fields of a transfer before its fees are set and it is signed.
struct Unsigned {
    chain_id: u64,
    nonce: u64,
    gas_limit: u64,
    to: TxKind,
    value: u128,
    input: Bytes,
}

impl EvmClient {
    /// The most a unit of gas costs a transaction sent now, in wei.
    pub async fn gas_price_now(&self) -> Result<u128, LedgerError> {
        Ok(self.fee_plan().await?.max_price())
    }

    /// The fee plan for a transaction sent now.
    pub(super) async fn fee_plan(&self) -> Result<FeePlan, LedgerError> {
        let node = self.node().await?;
        let latest = node
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| self.rpc_error(e))?
            .ok_or_else(|| bad("the node has no latest block".into()))?;
        let base_fee = latest.header.base_fee_per_gas.map(u128::from);
        let quote = match base_fee {
            Some(_) => Quote {
                base_fee,
                priority_fee: node
                    .get_max_priority_fee_per_gas()
                    .await
                    .map_err(|e| self.rpc_error(e))?,
                gas_price: 0,
            },
            None => Quote {
                base_fee,
                priority_fee: 0,
                gas_price: node.get_gas_price().await.map_err(|e| self.rpc_error(e))?,
            },
        };
        FeePlan::from_quote(quote)
    }

    /// Signs a transfer with the sender's next nonce and returns it with the
    /// sender's nonce lock, which the caller keeps until the node has taken
    /// or refused the transaction.
    pub async fn sign_locked(
        &self,
        key: &PrivateKey,
        to: Address,
        value: u128,
        memo: Vec<u8>,
    ) -> Result<(EvmTransaction, SenderLock<'_>), LedgerError> {
        let to = TxKind::Call(alloy::primitives::Address::from(to.evm_bytes()));
        self.sign_kind_locked(key, to, value, memo).await
    }

    /// [`EvmClient::sign_locked`] for a call (`TxKind::Call`) or a contract
    /// creation (`TxKind::Create`) with `input` as its data.
    pub(super) async fn sign_kind_locked(
        &self,
        key: &PrivateKey,
        to: TxKind,
        value: u128,
        input: Vec<u8>,
    ) -> Result<(EvmTransaction, SenderLock<'_>), LedgerError> {
        let chain_id = self.chain_id().await?;
        let sender = key.address();
        let from = alloy::primitives::Address::from(sender.evm_bytes());
        let input = Bytes::from(input);
        let lock = self.nonces.lock(chain_id, &sender).await?;
        let gas_limit = self.gas_limit(from, to, value, &input).await?;
        let plan = self.fee_plan().await?;
        self.check_balance(sender, value, gas_limit, &plan).await?;
        let nonce = self
            .node()
            .await?
            .get_transaction_count(from)
            .pending()
            .await
            .map_err(|e| self.rpc_error(e))?;
        let unsigned = Unsigned {
            chain_id,
            nonce,
            gas_limit,
            to,
            value,
            input,
        };
        let envelope = sign(key, unsigned, plan)?;
        Ok((EvmTransaction::from_raw(envelope.encoded_2718())?, lock))
    }

    /// The node's gas estimate for the transfer, checked against the user's cap.
    async fn gas_limit(
        &self,
        from: alloy::primitives::Address,
        to: TxKind,
        value: u128,
        input: &Bytes,
    ) -> Result<u64, LedgerError> {
        let mut request = TransactionRequest::default()
            .from(from)
            .value(U256::from(value))
            .input(input.clone().into());
        request.to = Some(to);
        let estimate = self
            .node()
            .await?
            .estimate_gas(request)
            .await
            .map_err(|e| self.rpc_error(e))?;
        fees::gas_limit(estimate, self.options.gas_cap)
    }

    /// Refuses a transfer its payer cannot cover, before it is signed.
    async fn check_balance(
        &self,
        sender: Address,
        value: u128,
        gas_limit: u64,
        plan: &FeePlan,
    ) -> Result<(), LedgerError> {
        let needed = fees::max_cost(value, gas_limit, plan)?;
        let available = self.balance(sender, Token::Bttc).await?;
        if available < needed {
            return Err(LedgerError::InsufficientBalance {
                address: sender,
                token: Token::Bttc,
                available,
                needed,
            });
        }
        Ok(())
    }
}

/// Signs `unsigned` at the prices of `plan` with `key`, for its chain.
fn sign(key: &PrivateKey, unsigned: Unsigned, plan: FeePlan) -> Result<TxEnvelope, LedgerError> {
    let signer = PrivateKeySigner::from_signing_key(key.signing_key().clone());
    let signing_error = |error: alloy::signers::Error| bad(format!("signing failed: {error}"));
    Ok(match plan {
        FeePlan::Eip1559 {
            max_fee,
            priority_fee,
        } => {
            let mut tx = TxEip1559 {
                chain_id: unsigned.chain_id,
                nonce: unsigned.nonce,
                gas_limit: unsigned.gas_limit,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: priority_fee,
                to: unsigned.to,
                value: U256::from(unsigned.value),
                access_list: Default::default(),
                input: unsigned.input,
            };
            let signature = signer
                .sign_transaction_sync(&mut tx)
                .map_err(signing_error)?;
            TxEnvelope::from(tx.into_signed(signature))
        }
        FeePlan::Legacy { gas_price } => {
            let mut tx = TxLegacy {
                chain_id: Some(unsigned.chain_id),
                nonce: unsigned.nonce,
                gas_price,
                gas_limit: unsigned.gas_limit,
                to: unsigned.to,
                value: U256::from(unsigned.value),
                input: unsigned.input,
            };
            let signature = signer
                .sign_transaction_sync(&mut tx)
                .map_err(signing_error)?;
            TxEnvelope::from(tx.into_signed(signature))
        }
    })
}

/// Refuses what this ledger cannot move: another token, or nothing.
pub(super) fn check_amount(amount: &Amount) -> Result<(), LedgerError> {
    if amount.token != Token::Bttc {
        return Err(LedgerError::TokenMismatch {
            expected: Token::Bttc,
            got: amount.token,
        });
    }
    if amount.base_units == 0 {
        return Err(LedgerError::ZeroAmount);
    }
    Ok(())
}
