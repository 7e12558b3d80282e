//! The crowdfunding side of [`ContractPayments`]: btt's campaigns contract,
//! acting for one wallet. The creator's wallet creates, each pledger's
//! wallet pledges, and after the deadline any wallet settles a campaign
//! that met its goal (the beneficiary is paid); one that missed it is
//! refunded pledger by pledger, each wallet taking its own pledge back
//! (pulled, so one pledger that can not be paid blocks nobody).
//!
//! As on btt's ledgers a create request applies once: the id is the
//! contract's hash of the creator and the nonce, and a second create of it
//! is refused. A campaign
//! is read at the confirmations asked for, with its creator, title and
//! pledges from its events. Its status is `released` once settled,
//! `refunded` once its deadline passed short of the goal (each pledger
//! refunds its own), and `open` before.

use super::contract::{check_coin, wei, ContractPayments};
use crate::amount::{Amount, Token};
use crate::ledger::evm::contracts::campaigns::{CampaignsContract, NewCampaign};
use crate::ledger::evm::contracts::NATIVE;
use crate::ledger::listing_domain::nonce_word;
use crate::ledger::{
    CampaignId, CampaignState, CampaignStatus, CreateCampaign, LedgerError, Pledge, PledgerTotal,
    Signed,
};
use crate::tron::Address;
use alloy::primitives::{keccak256, B256};
use alloy::sol_types::SolValue;

impl ContractPayments {
    fn campaigns_contract(&self) -> CampaignsContract<'_> {
        CampaignsContract::new(&self.client, self.campaigns)
    }

    /// Creates `request`'s campaign, or answers with it when it exists.
    pub(super) async fn create(
        &self,
        request: Signed<CreateCampaign>,
    ) -> Result<CampaignState, LedgerError> {
        let create = &request.request;
        let key = self.check_mine(&request, &create.creator).await?;
        check_coin(create.goal.token)?;
        let creator = alloy::primitives::Address::from(create.creator.evm_bytes());
        let nonce = nonce_word(create.nonce);
        let id = CampaignId(keccak256((creator, nonce).abi_encode()).0);
        if self.campaign_state(id).await?.is_some() {
            return Err(LedgerError::CampaignExists { id });
        }
        let campaign = NewCampaign {
            beneficiary: create.beneficiary.evm_bytes().into(),
            token: NATIVE,
            goal: create.goal.base_units,
            deadline: u64::try_from(create.deadline_ms / 1000).unwrap_or(0),
            title: create.title.clone(),
            nonce,
        };
        let sent = self.campaigns_contract().create(key, &campaign).await?;
        self.paid(&sent.receipt);
        Ok(CampaignState {
            id: CampaignId(sent.event.campaign.0),
            creator: create.creator,
            beneficiary: create.beneficiary,
            goal: create.goal,
            raised: 0,
            deadline_ms: seconds_ms(sent.event.deadline),
            title: sent.event.title,
            status: CampaignStatus::Open,
            pledgers: Vec::new(),
        })
    }

    /// This wallet pledges `request`'s amount until the deadline.
    pub(super) async fn pledge_to(
        &self,
        request: Signed<Pledge>,
    ) -> Result<CampaignState, LedgerError> {
        let pledge = &request.request;
        let key = self.check_mine(&request, &pledge.pledger).await?;
        let state = self.existing_campaign(pledge.campaign).await?;
        state.check_pledge(pledge, self.next_block_time_ms().await?)?;
        let sent = self
            .campaigns_contract()
            .pledge(key, B256::from(state.id.0), pledge.amount.base_units)
            .await?;
        self.paid(&sent.receipt);
        Ok(with_pledge(state, pledge.pledger, pledge.amount.base_units))
    }

    /// After the deadline: pays the beneficiary when the goal was met, else
    /// takes this wallet's pledge back.
    pub(super) async fn settle(&self, id: CampaignId) -> Result<CampaignState, LedgerError> {
        let state = self.existing_campaign(id).await?;
        let key = self.key()?;
        let contract = self.campaigns_contract();
        let campaign = B256::from(id.0);
        let met = match state.status {
            CampaignStatus::Released => return Err(LedgerError::CampaignSettled { id }),
            CampaignStatus::Refunded => false,
            CampaignStatus::Open => state.check_settle(self.next_block_time_ms().await?)?,
        };
        let receipt = if met {
            contract.settle(key, campaign).await?.receipt
        } else {
            let pledger = key.address();
            let own = contract
                .pledge_of(campaign, pledger.evm_bytes().into())
                .await?;
            if own == 0 {
                return Err(LedgerError::NoPledgeToRefund { id, pledger });
            }
            contract.refund(key, campaign).await?.receipt
        };
        self.paid(&receipt);
        let status = if met {
            CampaignStatus::Released
        } else {
            CampaignStatus::Refunded
        };
        Ok(CampaignState { status, ..state })
    }

    async fn existing_campaign(&self, id: CampaignId) -> Result<CampaignState, LedgerError> {
        self.campaign_state(id)
            .await?
            .ok_or(LedgerError::UnknownCampaign { id })
    }

    /// A campaign as deep as the confirmations asked for, `None` before.
    pub(super) async fn campaign_state(
        &self,
        id: CampaignId,
    ) -> Result<Option<CampaignState>, LedgerError> {
        let contract = self.campaigns_contract();
        let campaign = B256::from(id.0);
        let held = contract.confirmed_campaign(campaign).await?;
        if held.beneficiary.is_zero() {
            return Ok(None);
        }
        if held.token != NATIVE {
            return Err(LedgerError::Unsupported {
                backend: "EVM campaigns contract",
                operation: "campaigns in an ERC-20 token (btt raises the chain's coin)",
            });
        }
        let created = contract.created(campaign).await?;
        let deadline_ms = seconds_ms(held.deadline);
        let (goal, raised) = (wei(held.goal)?, wei(held.pledged)?);
        let status = if held.settled {
            CampaignStatus::Released
        } else if raised < goal && self.next_block_time_ms().await? >= deadline_ms {
            CampaignStatus::Refunded
        } else {
            CampaignStatus::Open
        };
        let mut state = CampaignState {
            id,
            creator: Address::from_evm(created.creator.into_array()),
            beneficiary: Address::from_evm(held.beneficiary.into_array()),
            goal: Amount {
                token: Token::Bttc,
                base_units: goal,
            },
            raised: 0,
            deadline_ms,
            title: created.title,
            status,
            pledgers: Vec::new(),
        };
        for pledged in contract.pledges(campaign).await? {
            let pledger = Address::from_evm(pledged.pledger.into_array());
            state = with_pledge(state, pledger, wei(pledged.amount)?);
        }
        Ok(Some(state))
    }
}

/// `state` with `amount` more pledged by `pledger`.
fn with_pledge(mut state: CampaignState, pledger: Address, amount: u128) -> CampaignState {
    state.raised = state.raised.saturating_add(amount);
    match state
        .pledgers
        .iter_mut()
        .find(|total| total.pledger == pledger)
    {
        Some(total) => total.pledged = total.pledged.saturating_add(amount),
        None => state.pledgers.push(PledgerTotal {
            pledger,
            pledged: amount,
        }),
    }
    state
}

/// A contract's `uint64` seconds as milliseconds.
fn seconds_ms(seconds: u64) -> i64 {
    i64::try_from(seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000)
}
