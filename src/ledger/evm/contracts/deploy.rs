//! Putting btt's three contracts on a chain from a funded wallet: one
//! creation transaction each, with the bytecode the pinned solc compiled
//! ([`bindings`](super::bindings)). The contracts have no constructor
//! arguments and no owner: whoever deploys them keeps no power over them.

use super::bindings::{Campaigns, Channels, Purchases};
use super::transact::CallReceipt;
use super::ContractAddresses;
use crate::ledger::error::LedgerError;
use crate::ledger::evm::node_error::bad;
use crate::ledger::evm::EvmClient;
use crate::wallet::PrivateKey;
use alloy::primitives::{Address, TxKind};

/// The contracts a deployment created, with their creation transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Where each contract now is.
    pub addresses: ContractAddresses,
    /// The creation transactions: channels, purchases, campaigns.
    pub receipts: [CallReceipt; 3],
}

impl EvmClient {
    /// Deploys the channels, purchases and campaigns contracts from `key`.
    pub async fn deploy_contracts(&self, key: &PrivateKey) -> Result<Deployment, LedgerError> {
        let channels = self.deploy_contract(key, &Channels::BYTECODE).await?;
        let purchases = self.deploy_contract(key, &Purchases::BYTECODE).await?;
        let campaigns = self.deploy_contract(key, &Campaigns::BYTECODE).await?;
        Ok(Deployment {
            addresses: ContractAddresses {
                channels: created(&channels)?,
                purchases: created(&purchases)?,
                campaigns: created(&campaigns)?,
            },
            receipts: [channels, purchases, campaigns],
        })
    }

    /// Deploys the contract whose creation code is `bytecode` from `key`;
    /// the receipt names its address.
    pub async fn deploy_contract(
        &self,
        key: &PrivateKey,
        bytecode: &[u8],
    ) -> Result<CallReceipt, LedgerError> {
        self.send_to(key, TxKind::Create, 0, bytecode.to_vec())
            .await
    }
}

/// The address a creation transaction's receipt names.
fn created(receipt: &CallReceipt) -> Result<Address, LedgerError> {
    receipt.created.ok_or_else(|| {
        bad(format!(
            "receipt of creation {} names no contract address",
            receipt.transaction
        ))
    })
}
