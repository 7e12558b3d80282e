//! Payment channels: a payer locks an amount of one token for one payee
//! until a timeout, then pays by signing vouchers for a growing cumulative
//! amount. The payee redeems the latest voucher (keeping the channel open)
//! or closes with it (the payee gets the cumulative amount, the payer the
//! rest); after the timeout the payer may take back what was not redeemed.
//! A channel closes exactly once.
//!
//! This file holds the signed requests and the checks that decide whether a
//! request may be applied to a channel's state; the backends store the state.
//! A voucher is signed in its ledger's [`VoucherDomain`]: btt's domain
//! message on btt's own ledgers, EIP-712 typed data on a channels contract.

use super::domain::{Authorise, DomainMessage, Purpose, Signature, Signed};
use super::error::LedgerError;
use super::evm::contracts::bindings;
use super::evm::contracts::typed_data::{self, CHANNELS_DOMAIN_NAME};
use super::id::{ChannelId, LedgerId};
use crate::amount::{Amount, Token};
use crate::tron::{recover_address, sign_digest, Address};
use alloy::primitives::U256;
use alloy::sol_types::{Eip712Domain, SolStruct};
use k256::ecdsa::SigningKey;
use serde::{Deserialize, Serialize};

/// The payer's request to open a channel; its digest is the channel id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenChannel {
    /// Who locks the funds and signs vouchers.
    pub payer: Address,
    /// Who may redeem vouchers and close.
    pub payee: Address,
    /// What is locked.
    pub amount: Amount,
    /// From this time on the payer may take back what was not redeemed.
    pub expires_at_ms: i64,
    /// Any number that makes this request unique among the payer's channels.
    pub nonce: u64,
}

impl Authorise for OpenChannel {
    const PURPOSE: Purpose = Purpose::ChannelOpen;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        DomainMessage::new(Self::PURPOSE, ledger)
            .address(&self.payer)
            .address(&self.payee)
            .amount(&self.amount)
            .integer(self.expires_at_ms)
            .bytes(&self.nonce.to_be_bytes())
    }
}

impl OpenChannel {
    /// The id the channel gets on `ledger`: the digest of this request.
    pub fn id(&self, ledger: &LedgerId) -> ChannelId {
        ChannelId(self.digest(ledger))
    }
}

/// The payer's promise of a cumulative amount to the payee of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// The channel paid from.
    pub channel: ChannelId,
    /// The channel's payee.
    pub payee: Address,
    /// Everything paid through this channel so far, not an increment.
    pub cumulative: Amount,
}

impl Authorise for Voucher {
    const PURPOSE: Purpose = Purpose::Voucher;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        DomainMessage::new(Self::PURPOSE, ledger)
            .id(self.channel.as_bytes())
            .address(&self.payee)
            .amount(&self.cumulative)
    }
}

/// btt's channels contract on one chain: what a voucher's EIP-712 domain names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainChannels {
    /// The chain's id (199 on BitTorrent Chain).
    pub chain_id: u64,
    /// The channels contract's address.
    pub contract: [u8; 20],
}

impl ChainChannels {
    /// The EIP-712 domain of the contract's vouchers.
    fn domain(&self) -> Eip712Domain {
        typed_data::domain(CHANNELS_DOMAIN_NAME, self.chain_id, self.contract.into())
    }
}

/// What binds a voucher's signature to one ledger, and how it is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoucherDomain {
    /// A ledger of btt's own, by id: btt's domain message ([`Authorise`]).
    Ledger(LedgerId),
    /// btt's channels contract on a chain: EIP-712 typed data
    /// `Voucher(bytes32 channel,address payee,uint256 cumulative)` under the
    /// contract's domain, what the contract itself checks.
    Chain(ChainChannels),
}

impl From<&LedgerId> for VoucherDomain {
    fn from(ledger: &LedgerId) -> VoucherDomain {
        VoucherDomain::Ledger(*ledger)
    }
}

impl VoucherDomain {
    /// The ledger id every signed message and the market handshake name: on
    /// a chain, the contract's EIP-712 domain separator (chain and contract).
    pub fn ledger(&self) -> LedgerId {
        match self {
            VoucherDomain::Ledger(id) => *id,
            VoucherDomain::Chain(chain) => LedgerId(chain.domain().separator().0),
        }
    }

    /// The contract, when the vouchers are a chain's.
    pub fn chain(&self) -> Option<ChainChannels> {
        match self {
            VoucherDomain::Ledger(_) => None,
            VoucherDomain::Chain(chain) => Some(*chain),
        }
    }

    /// The token channels hold and vouchers count: the TRC-10-shaped BTT
    /// on btt's ledgers, the chain's coin on a contract.
    pub fn token(&self) -> Token {
        match self {
            VoucherDomain::Ledger(_) => Token::Btt,
            VoucherDomain::Chain(_) => Token::Bttc,
        }
    }

    /// The digest a payer signs for `voucher`.
    pub fn digest(&self, voucher: &Voucher) -> [u8; 32] {
        match self {
            VoucherDomain::Ledger(id) => voucher.digest(id),
            VoucherDomain::Chain(chain) => {
                let typed = bindings::Voucher {
                    channel: voucher.channel.0.into(),
                    payee: voucher.payee.evm_bytes().into(),
                    cumulative: U256::from(voucher.cumulative.base_units),
                };
                typed.eip712_signing_hash(&chain.domain()).0
            }
        }
    }

    /// `voucher` signed with `key` in this domain.
    pub fn sign(&self, voucher: Voucher, key: &SigningKey) -> Signed<Voucher> {
        let signature = Signature(sign_digest(key, &self.digest(&voucher)));
        Signed {
            request: voucher,
            signature,
        }
    }

    /// Fails unless `expected` signed `voucher` in this domain.
    pub fn verify_signer(
        &self,
        voucher: &Signed<Voucher>,
        expected: &Address,
    ) -> Result<(), LedgerError> {
        let digest = self.digest(&voucher.request);
        let signer = recover_address(&digest, &voucher.signature.0)
            .map_err(|source| LedgerError::BadSignature { source })?;
        if signer != *expected {
            return Err(LedgerError::WrongSigner {
                purpose: Voucher::PURPOSE.tag(),
                expected: *expected,
                signer,
            });
        }
        Ok(())
    }
}

/// The payee's request to cash a voucher and keep the channel open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemVoucher {
    /// The payer-signed voucher.
    pub voucher: Signed<Voucher>,
}

impl Authorise for RedeemVoucher {
    const PURPOSE: Purpose = Purpose::ChannelRedeem;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        signed_voucher_fields(DomainMessage::new(Self::PURPOSE, ledger), &self.voucher)
    }
}

/// The payee's request to close a channel, with the highest voucher if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseChannel {
    /// The channel to close.
    pub channel: ChannelId,
    /// The highest voucher received, or none to return everything unredeemed.
    pub voucher: Option<Signed<Voucher>>,
}

impl Authorise for CloseChannel {
    const PURPOSE: Purpose = Purpose::ChannelClose;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        let message = DomainMessage::new(Self::PURPOSE, ledger).id(self.channel.as_bytes());
        match &self.voucher {
            Some(voucher) => signed_voucher_fields(message, voucher),
            None => message.bytes(&[]),
        }
    }
}

/// The payer's request to take back a channel's unredeemed funds after the timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundChannel {
    /// The channel to refund.
    pub channel: ChannelId,
}

impl Authorise for RefundChannel {
    const PURPOSE: Purpose = Purpose::ChannelRefund;

    fn message(&self, ledger: &LedgerId) -> DomainMessage {
        DomainMessage::new(Self::PURPOSE, ledger).id(self.channel.as_bytes())
    }
}

fn signed_voucher_fields(message: DomainMessage, voucher: &Signed<Voucher>) -> DomainMessage {
    message
        .id(voucher.request.channel.as_bytes())
        .address(&voucher.request.payee)
        .amount(&voucher.request.cumulative)
        .bytes(&voucher.signature.0)
}

/// Whether a channel still holds funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelStatus {
    /// Funds are locked; vouchers can be redeemed.
    Open,
    /// Closed by the payee or refunded to the payer; nothing is locked.
    Closed,
}

/// Which side of a channel an address is on, for [`crate::ledger::Ledger::channels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelRole {
    /// The address locked the funds and signs vouchers.
    Payer,
    /// The address is paid.
    Payee,
}

/// A channel as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelState {
    /// The channel id.
    pub id: ChannelId,
    /// Who locked the funds.
    pub payer: Address,
    /// Who is paid.
    pub payee: Address,
    /// The token and the amount locked at opening.
    pub amount: Amount,
    /// Base units paid to the payee so far.
    pub redeemed: u128,
    /// From this time on the payer may refund.
    pub expires_at_ms: i64,
    /// Open or closed.
    pub status: ChannelStatus,
}

impl ChannelState {
    /// The token the channel holds.
    pub fn token(&self) -> Token {
        self.amount.token
    }

    /// Base units still locked.
    pub fn remaining(&self) -> u128 {
        self.amount.base_units.saturating_sub(self.redeemed)
    }

    /// Fails when the channel is closed.
    pub fn check_open(&self) -> Result<(), LedgerError> {
        match self.status {
            ChannelStatus::Open => Ok(()),
            ChannelStatus::Closed => Err(LedgerError::ChannelClosed { id: self.id }),
        }
    }

    /// Checks a voucher against this channel and returns the increment it
    /// pays over what was redeemed already.
    pub fn voucher_increment(
        &self,
        domain: impl Into<VoucherDomain>,
        voucher: &Signed<Voucher>,
    ) -> Result<u128, LedgerError> {
        let promise = &voucher.request;
        if promise.channel != self.id {
            return Err(LedgerError::VoucherForAnotherChannel {
                id: self.id,
                voucher_channel: promise.channel,
            });
        }
        if promise.payee != self.payee {
            return Err(LedgerError::VoucherForAnotherPayee {
                id: self.id,
                payee: self.payee,
                voucher_payee: promise.payee,
            });
        }
        if promise.cumulative.token != self.token() {
            return Err(LedgerError::TokenMismatch {
                expected: self.token(),
                got: promise.cumulative.token,
            });
        }
        domain.into().verify_signer(voucher, &self.payer)?;
        let cumulative = promise.cumulative.base_units;
        if cumulative > self.amount.base_units {
            return Err(LedgerError::VoucherAboveLocked {
                id: self.id,
                cumulative,
                locked: self.amount.base_units,
            });
        }
        if cumulative <= self.redeemed {
            return Err(LedgerError::VoucherNotAbove {
                id: self.id,
                cumulative,
                redeemed: self.redeemed,
            });
        }
        Ok(cumulative - self.redeemed)
    }

    /// Fails unless the payer may refund at `now_ms`.
    pub fn check_refund(&self, now_ms: i64) -> Result<(), LedgerError> {
        self.check_open()?;
        if now_ms < self.expires_at_ms {
            return Err(LedgerError::RefundBeforeTimeout {
                id: self.id,
                expires_at_ms: self.expires_at_ms,
                now_ms,
            });
        }
        Ok(())
    }
}
