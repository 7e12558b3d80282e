//! The campaigns contract's calls ([`CampaignsContract`]): anyone creates a
//! campaign; pledgers pledge until the deadline; after it, `settle` pays the
//! beneficiary when the goal was met, and otherwise each pledger takes its
//! own pledge back with `refund`.

use super::bindings::Campaigns;
use super::coin_value;
use super::transact::{wei, Sent};
use crate::ledger::error::LedgerError;
use crate::ledger::evm::EvmClient;
use crate::wallet::PrivateKey;
use alloy::primitives::{Address, B256, U256};

/// The campaigns contract at one address, reached through one client.
#[derive(Debug, Clone, Copy)]
pub struct CampaignsContract<'a> {
    client: &'a EvmClient,
    address: Address,
}

impl<'a> CampaignsContract<'a> {
    /// The campaigns contract at `address` on `client`'s chain.
    pub fn new(client: &'a EvmClient, address: Address) -> CampaignsContract<'a> {
        CampaignsContract { client, address }
    }

    /// The contract's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// `creator` creates a campaign paying `beneficiary` if `goal` of `token`
    /// is pledged by `deadline`.
    pub async fn create(
        &self,
        creator: &PrivateKey,
        beneficiary: Address,
        token: Address,
        goal: u128,
        deadline: u64,
    ) -> Result<Sent<Campaigns::Created>, LedgerError> {
        let call = Campaigns::createCall {
            beneficiary,
            token,
            goal: U256::from(goal),
            deadline,
        };
        self.client.transact(creator, self.address, 0, &call).await
    }

    /// `pledger` pledges `amount` to `campaign`.
    pub async fn pledge(
        &self,
        pledger: &PrivateKey,
        campaign: B256,
        amount: u128,
    ) -> Result<Sent<Campaigns::Pledged>, LedgerError> {
        let token = self.campaign(campaign).await?.token;
        let call = Campaigns::pledgeCall {
            campaign,
            amount: U256::from(amount),
        };
        let value = coin_value(token, amount);
        self.client
            .transact(pledger, self.address, value, &call)
            .await
    }

    /// After the deadline of a campaign that met its goal, `caller` (anyone)
    /// pays the pledges to the beneficiary.
    pub async fn settle(
        &self,
        caller: &PrivateKey,
        campaign: B256,
    ) -> Result<Sent<Campaigns::Settled>, LedgerError> {
        let call = Campaigns::settleCall { campaign };
        self.client.transact(caller, self.address, 0, &call).await
    }

    /// After the deadline of a campaign that missed its goal, `pledger` takes its pledge back.
    pub async fn refund(
        &self,
        pledger: &PrivateKey,
        campaign: B256,
    ) -> Result<Sent<Campaigns::Refunded>, LedgerError> {
        let call = Campaigns::refundCall { campaign };
        self.client.transact(pledger, self.address, 0, &call).await
    }

    /// A campaign's state as the contract holds it (all zero for an unknown id).
    pub async fn campaign(
        &self,
        campaign: B256,
    ) -> Result<Campaigns::campaignsReturn, LedgerError> {
        self.client
            .view(self.address, &Campaigns::campaignsCall(campaign))
            .await
    }

    /// What `pledger` has pledged to `campaign` and not taken back.
    pub async fn pledge_of(&self, campaign: B256, pledger: Address) -> Result<u128, LedgerError> {
        let pledged = self
            .client
            .view(
                self.address,
                &Campaigns::pledgesCall {
                    _0: campaign,
                    _1: pledger,
                },
            )
            .await?;
        wei(pledged, "a pledge")
    }
}
