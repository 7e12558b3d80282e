//! The channels contract's calls ([`ChannelsContract`]): `open`, `topUp`,
//! `extend` and `refund` by the payer; `redeem` and `close` by the payee
//! with the payer's latest voucher; and the state of a channel. Amounts are
//! wei (or a token's base units); times are the chain's block timestamps in
//! seconds. A coin channel's deposit travels as the transaction's value, a
//! token channel's by `transferFrom` (the payer approves the contract first).

use super::bindings::{Channels, Voucher};
use super::coin_value;
use super::transact::Sent;
use super::typed_data::{domain, Eip712Signed, CHANNELS_DOMAIN_NAME};
use crate::ledger::error::LedgerError;
use crate::ledger::evm::EvmClient;
use crate::wallet::PrivateKey;
use alloy::primitives::{Address, B256, U256};
use alloy::rpc::types::Filter;
use alloy::sol_types::{Eip712Domain, SolEvent};

/// At least the gas a `redeem` uses (tests/evm_payments.rs checks it), for
/// judging whether a redeem is worth its fee before sending one.
pub const REDEEM_GAS: u64 = 80_000;

/// At least the gas an `open` uses (tests/evm_payments.rs checks it), which
/// a payer's budget sets aside before it opens a channel.
pub const OPEN_GAS: u64 = 200_000;

/// The channels contract at one address, reached through one client.
#[derive(Debug, Clone, Copy)]
pub struct ChannelsContract<'a> {
    client: &'a EvmClient,
    address: Address,
}

impl<'a> ChannelsContract<'a> {
    /// The channels contract at `address` on `client`'s chain.
    pub fn new(client: &'a EvmClient, address: Address) -> ChannelsContract<'a> {
        ChannelsContract { client, address }
    }

    /// The contract's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The EIP-712 domain its vouchers are signed for.
    pub async fn domain(&self) -> Result<Eip712Domain, LedgerError> {
        let chain_id = self.client.chain_id().await?;
        Ok(domain(CHANNELS_DOMAIN_NAME, chain_id, self.address))
    }

    /// Opens a channel from `payer` to `payee` with a deposit of `amount` of
    /// `token` ([`NATIVE`](super::NATIVE) for the chain's coin) until `expiry`.
    pub async fn open(
        &self,
        payer: &PrivateKey,
        payee: Address,
        token: Address,
        amount: u128,
        expiry: u64,
    ) -> Result<Sent<Channels::Opened>, LedgerError> {
        let call = Channels::openCall {
            payee,
            token,
            amount: U256::from(amount),
            expiry,
        };
        let value = coin_value(token, amount);
        self.client
            .transact(payer, self.address, value, &call)
            .await
    }

    /// Adds `amount` to the deposit of `payer`'s open channel.
    pub async fn top_up(
        &self,
        payer: &PrivateKey,
        channel: B256,
        amount: u128,
    ) -> Result<Sent<Channels::ToppedUp>, LedgerError> {
        let token = self.channel(channel).await?.token;
        let call = Channels::topUpCall {
            channel,
            amount: U256::from(amount),
        };
        let value = coin_value(token, amount);
        self.client
            .transact(payer, self.address, value, &call)
            .await
    }

    /// Moves the expiry of `payer`'s open channel to `expiry`.
    pub async fn extend(
        &self,
        payer: &PrivateKey,
        channel: B256,
        expiry: u64,
    ) -> Result<Sent<Channels::Extended>, LedgerError> {
        let call = Channels::extendCall { channel, expiry };
        self.client.transact(payer, self.address, 0, &call).await
    }

    /// The payee is paid what `voucher` adds to what it redeemed.
    pub async fn redeem(
        &self,
        payee: &PrivateKey,
        voucher: &Eip712Signed<Voucher>,
    ) -> Result<Sent<Channels::Redeemed>, LedgerError> {
        let call = Channels::redeemCall {
            channel: voucher.message.channel,
            cumulative: voucher.message.cumulative,
            signature: voucher.signature.clone().into(),
        };
        self.client.transact(payee, self.address, 0, &call).await
    }

    /// The payee closes with `voucher`: paid the rest of it, the payer the rest of the deposit.
    pub async fn close(
        &self,
        payee: &PrivateKey,
        voucher: &Eip712Signed<Voucher>,
    ) -> Result<Sent<Channels::Closed>, LedgerError> {
        let call = Channels::closeCall {
            channel: voucher.message.channel,
            cumulative: voucher.message.cumulative,
            signature: voucher.signature.clone().into(),
        };
        self.client.transact(payee, self.address, 0, &call).await
    }

    /// After expiry, the payer takes back what was not redeemed.
    pub async fn refund(
        &self,
        payer: &PrivateKey,
        channel: B256,
    ) -> Result<Sent<Channels::Refunded>, LedgerError> {
        let call = Channels::refundCall { channel };
        self.client.transact(payer, self.address, 0, &call).await
    }

    /// The ids of the channels `party` opened (as payer) or is paid by (as
    /// payee), oldest first, from the contract's `Opened` events.
    pub async fn opened_with(&self, party: Address, payee: bool) -> Result<Vec<B256>, LedgerError> {
        let topic = party.into_word();
        let filter = Filter::new()
            .address(self.address)
            .event_signature(Channels::Opened::SIGNATURE_HASH)
            .from_block(0);
        let filter = if payee {
            filter.topic3(topic)
        } else {
            filter.topic2(topic)
        };
        let logs = self.client.logs(&filter).await?;
        Ok(logs
            .iter()
            .filter_map(|log| log.topics().get(1).copied())
            .collect())
    }

    /// The transactions that paid out of `channel` (its `Redeemed` and
    /// `Closed` events), oldest first, each once.
    pub async fn payouts(&self, channel: B256) -> Result<Vec<B256>, LedgerError> {
        let filter = Filter::new()
            .address(self.address)
            .event_signature(vec![
                Channels::Redeemed::SIGNATURE_HASH,
                Channels::Closed::SIGNATURE_HASH,
            ])
            .topic1(channel)
            .from_block(0);
        let mut transactions: Vec<B256> = Vec::new();
        for log in self.client.logs(&filter).await? {
            if let Some(hash) = log
                .transaction_hash
                .filter(|hash| !transactions.contains(hash))
            {
                transactions.push(hash);
            }
        }
        Ok(transactions)
    }

    /// A channel's state as the contract holds it (all zero for an unknown id).
    pub async fn channel(&self, channel: B256) -> Result<Channels::channelsReturn, LedgerError> {
        self.client
            .view(self.address, &Channels::channelsCall(channel))
            .await
    }

    /// A channel's state on the newest block with the confirmations the
    /// client asks for (all zero for an id not opened that deep).
    pub async fn confirmed_channel(
        &self,
        channel: B256,
    ) -> Result<Channels::channelsReturn, LedgerError> {
        self.client
            .view_confirmed(self.address, &Channels::channelsCall(channel))
            .await
    }
}

/// `payer`'s voucher for `cumulative` in all on `channel` to `payee`.
pub fn sign_voucher(
    payer: &PrivateKey,
    domain: &Eip712Domain,
    channel: B256,
    payee: Address,
    cumulative: u128,
) -> Result<Eip712Signed<Voucher>, super::typed_data::TypedSignatureError> {
    let voucher = Voucher {
        channel,
        payee,
        cumulative: U256::from(cumulative),
    };
    Eip712Signed::sign(payer, domain, voucher)
}
