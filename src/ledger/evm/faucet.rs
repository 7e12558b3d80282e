//! The faucet of a dev chain: a node that holds unlocked accounts (anvil)
//! pays from the first of them, at the prices btt would sign with. A public
//! node holds none, so minting there is refused.

use super::fees::FeePlan;
use super::node_error::{bad, unsupported};
use super::transfer::check_amount;
use super::EvmClient;
use crate::amount::Amount;
use crate::ledger::error::LedgerError;
use crate::ledger::{MovementKind, TransferRecord};
use crate::tron::Address;
use alloy::primitives::U256;
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;

impl EvmClient {
    /// Pays `amount` to `to` from the node's first unlocked account.
    pub(super) async fn faucet(
        &self,
        to: Address,
        amount: Amount,
    ) -> Result<TransferRecord, LedgerError> {
        check_amount(&amount)?;
        let faucet = self.dev_account().await?;
        let request = TransactionRequest::default()
            .from(faucet)
            .to(alloy::primitives::Address::from(to.evm_bytes()))
            .value(U256::from(amount.base_units));
        // The node would price it by its own rules, EIP-1559 even where the chain has none.
        let request = match self.fee_plan().await? {
            FeePlan::Eip1559 {
                max_fee,
                priority_fee,
            } => request
                .max_fee_per_gas(max_fee)
                .max_priority_fee_per_gas(priority_fee),
            FeePlan::Legacy { gas_price } => request.gas_price(gas_price),
        };
        let pending = self
            .node()
            .await?
            .send_transaction(request)
            .await
            .map_err(|e| self.rpc_error(e))?;
        let hash = pending.tx_hash().0;
        let receipt = self.confirmed(hash).await?;
        let mut record = self.record_of(hash, &receipt).await?.ok_or_else(|| {
            bad(format!(
                "faucet transaction 0x{} moved nothing",
                hex::encode(hash)
            ))
        })?;
        record.kind = MovementKind::Mint;
        Ok(record)
    }

    /// The first account the node signs for itself.
    async fn dev_account(&self) -> Result<alloy::primitives::Address, LedgerError> {
        let accounts = self
            .node()
            .await?
            .get_accounts()
            .await
            .map_err(|e| self.rpc_error(e))?;
        accounts.first().copied().ok_or_else(|| {
            unsupported("minting (its node holds no unlocked dev account to pay from)")
        })
    }
}
