//! Escrow: funds locked under an id until a condition settles them, once.
//! Channels (see [`super::channel`]) and crowdfunding campaigns are the two
//! kinds; both keep their locked funds in the same lock table, with a
//! deadline and a settled-once mark, and both show up in history as
//! movements to and from the lock's escrow address.
//!
//! A campaign collects pledges until its deadline. After the deadline anyone
//! may settle it: if the pledges reach the goal they all go to the
//! beneficiary, otherwise every pledge goes back to its pledger, to the base
//! unit. Nobody, the creator included, can take pledged funds any other way.

use super::domain::{Authorise, DomainMessage, Purpose};
use super::error::LedgerError;
use super::id::{CampaignId, LedgerId};
use crate::amount::Amount;
use crate::tron::Address;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The address that stands for a lock in history: `0x41 ‖` the first 20
/// bytes of SHA-256 over a tag, the ledger id and the lock id. No key is
/// known for it, so nobody can spend from it by a transfer.
pub fn escrow_address(ledger: &LedgerId, lock: &[u8; 32]) -> Address {
    let mut hasher = Sha256::new();
    hasher.update(b"btt-escrow-address-v1");
    hasher.update(ledger.as_bytes());
    hasher.update(lock);
    let digest = hasher.finalize();
    address_from_body(&digest[..20])
}

/// The source of minted funds: `0x41` and twenty zero bytes.
pub fn mint_address() -> Address {
    address_from_body(&[0u8; 20])
}

fn address_from_body(body: &[u8]) -> Address {
    let mut bytes = [0u8; 21];
    bytes[0] = crate::tron::address::ADDRESS_PREFIX;
    bytes[1..].copy_from_slice(body);
    Address::from_bytes(&bytes).expect("21 bytes with the 0x41 prefix form an address")
}

/// The creator's request to start a campaign; its digest is the campaign id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCampaign {
    /// Who starts the campaign.
    pub creator: Address,
    /// Who is paid if the goal is reached.
    pub beneficiary: Address,
    /// The token and amount to reach.
    pub goal: Amount,
    /// Pledges are accepted before this time; settlement from it on.
    pub deadline_ms: i64,
    /// A title for people.
    pub title: String,
    /// Any number that makes this request unique among the creator's campaigns.
    pub nonce: u64,
}

impl Authorise for CreateCampaign {
    const PURPOSE: Purpose = Purpose::CampaignCreate;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        DomainMessage::new(Self::PURPOSE, ledger)
            .address(&self.creator)
            .address(&self.beneficiary)
            .amount(&self.goal)
            .integer(self.deadline_ms)
            .bytes(self.title.as_bytes())
            .bytes(&self.nonce.to_be_bytes())
    }
}

impl CreateCampaign {
    /// The id the campaign gets on `ledger`.
    pub fn id(&self, ledger: &LedgerId) -> CampaignId {
        CampaignId(self.digest(ledger))
    }
}

/// A pledger's request to lock funds in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pledge {
    /// The campaign.
    pub campaign: CampaignId,
    /// Who pledges (and signs).
    pub pledger: Address,
    /// What is locked.
    pub amount: Amount,
    /// Any number that makes this pledge unique among the pledger's pledges.
    pub nonce: u64,
}

impl Authorise for Pledge {
    const PURPOSE: Purpose = Purpose::Pledge;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        DomainMessage::new(Self::PURPOSE, ledger)
            .id(self.campaign.as_bytes())
            .address(&self.pledger)
            .amount(&self.amount)
            .bytes(&self.nonce.to_be_bytes())
    }
}

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Taking pledges (or past the deadline and not yet settled).
    Open,
    /// Settled: the goal was met and the beneficiary was paid.
    Released,
    /// Settled: the goal was missed and every pledge went back.
    Refunded,
}

/// The sum one address pledged to a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PledgerTotal {
    /// The pledger.
    pub pledger: Address,
    /// Base units pledged in all.
    pub pledged: u128,
}

/// A campaign as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignState {
    /// The campaign id.
    pub id: CampaignId,
    /// Who started it.
    pub creator: Address,
    /// Who is paid if the goal is met.
    pub beneficiary: Address,
    /// The token and the amount to reach.
    pub goal: Amount,
    /// Base units pledged so far.
    pub raised: u128,
    /// End of pledging, start of settlement.
    pub deadline_ms: i64,
    /// The title.
    pub title: String,
    /// Open, released or refunded.
    pub status: CampaignStatus,
    /// Each pledger's total, by address.
    pub pledgers: Vec<PledgerTotal>,
}

impl CampaignState {
    /// Fails unless a pledge is allowed at `now_ms`.
    pub fn check_pledge(&self, pledge: &Pledge, now_ms: i64) -> Result<(), LedgerError> {
        self.check_unsettled()?;
        if now_ms >= self.deadline_ms {
            return Err(LedgerError::PledgeAfterDeadline {
                id: self.id,
                deadline_ms: self.deadline_ms,
                now_ms,
            });
        }
        if pledge.amount.token != self.goal.token {
            return Err(LedgerError::TokenMismatch {
                expected: self.goal.token,
                got: pledge.amount.token,
            });
        }
        if pledge.amount.base_units == 0 {
            return Err(LedgerError::ZeroAmount);
        }
        Ok(())
    }

    /// Fails unless settlement is allowed at `now_ms`; returns whether the goal was met.
    pub fn check_settle(&self, now_ms: i64) -> Result<bool, LedgerError> {
        self.check_unsettled()?;
        if now_ms < self.deadline_ms {
            return Err(LedgerError::SettleBeforeDeadline {
                id: self.id,
                deadline_ms: self.deadline_ms,
                now_ms,
            });
        }
        Ok(self.raised >= self.goal.base_units)
    }

    fn check_unsettled(&self) -> Result<(), LedgerError> {
        match self.status {
            CampaignStatus::Open => Ok(()),
            CampaignStatus::Released | CampaignStatus::Refunded => {
                Err(LedgerError::CampaignSettled { id: self.id })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escrow_addresses_differ_per_ledger_and_lock() {
        let one = escrow_address(&LedgerId([1; 32]), &[5; 32]);
        let two = escrow_address(&LedgerId([2; 32]), &[5; 32]);
        let three = escrow_address(&LedgerId([1; 32]), &[6; 32]);
        assert_ne!(one, two);
        assert_ne!(one, three);
        assert!(one.to_string().starts_with('T'));
    }

    #[test]
    fn mint_address_is_tron_zero_address() {
        assert_eq!(
            mint_address().to_string(),
            "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb"
        );
    }
}
