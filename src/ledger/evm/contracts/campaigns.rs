//! The campaigns contract's calls ([`CampaignsContract`]): anyone creates a
//! campaign ([`NewCampaign`]; the id is the creator's and its nonce's hash);
//! pledgers pledge until the deadline; after it, `settle` pays the
//! beneficiary when the goal was met, and otherwise each pledger takes its
//! own pledge back with `refund`. The creator, the title and the pledges are
//! read back from the contract's events.

use super::bindings::Campaigns;
use super::coin_value;
use super::transact::{event_filter, wei, Sent};
use crate::ledger::error::LedgerError;
use crate::ledger::evm::EvmClient;
use crate::wallet::PrivateKey;
use alloy::primitives::{Address, B256, U256};

/// A campaign as its creator asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    /// Who is paid when the goal is met.
    pub beneficiary: Address,
    /// What is pledged: [`super::NATIVE`] for the chain's coin, or an ERC-20.
    pub token: Address,
    /// What must be pledged, in base units.
    pub goal: u128,
    /// The end of pledging (block timestamp, seconds).
    pub deadline: u64,
    /// A title for people.
    pub title: String,
    /// The creator's choice that makes the campaign id.
    pub nonce: B256,
}

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

    /// `creator` creates `campaign`.
    pub async fn create(
        &self,
        creator: &PrivateKey,
        campaign: &NewCampaign,
    ) -> Result<Sent<Campaigns::Created>, LedgerError> {
        let call = Campaigns::createCall {
            beneficiary: campaign.beneficiary,
            token: campaign.token,
            goal: U256::from(campaign.goal),
            deadline: campaign.deadline,
            title: campaign.title.clone(),
            nonce: campaign.nonce,
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

    /// A campaign's state on the newest block with the confirmations the
    /// client asks for (all zero for an id not created that deep).
    pub async fn confirmed_campaign(
        &self,
        campaign: B256,
    ) -> Result<Campaigns::campaignsReturn, LedgerError> {
        self.client
            .view_confirmed(self.address, &Campaigns::campaignsCall(campaign))
            .await
    }

    /// The `Created` event of `campaign`: its creator and title.
    pub async fn created(&self, campaign: B256) -> Result<Campaigns::Created, LedgerError> {
        Ok(self.client.only_event(self.address, campaign).await?.0)
    }

    /// Every pledge to `campaign`, oldest first.
    pub async fn pledges(&self, campaign: B256) -> Result<Vec<Campaigns::Pledged>, LedgerError> {
        let filter = event_filter::<Campaigns::Pledged>(self.address).topic1(campaign);
        let logs = self.client.decoded_logs(&filter).await?;
        Ok(logs.into_iter().map(|(pledged, _)| pledged).collect())
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
