//! The purchase escrow's calls ([`PurchasesContract`]): the seller signs a
//! listing ([`sign_listing`]); the buyer opens a purchase with it (`buy`),
//! paying the listed price; the seller delivers the sealed key before the
//! deadline (`deliver`), or from the deadline on anyone refunds the buyer
//! (`refund`). What the contract keeps of a purchase is read at the
//! confirmations asked for ([`PurchasesContract::confirmed_purchase`]); the
//! rest (the listing's digest, the buyer's key and nonce, the sealed key) is
//! read back from its `Opened` and `Delivered` events.

use super::bindings::Purchases::{self, Listing};
use super::coin_value;
use super::transact::{event_filter, wei, Sent};
use super::typed_data::{domain, Eip712Signed, TypedSignatureError, PURCHASES_DOMAIN_NAME};
use crate::ledger::error::LedgerError;
use crate::ledger::evm::node_error::bad;
use crate::ledger::evm::EvmClient;
use crate::ledger::purchase::BuyerKey;
use crate::wallet::PrivateKey;
use alloy::primitives::{Address, B256};
use alloy::sol_types::Eip712Domain;

/// What a buyer asks for when it opens a purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The seller's signed listing.
    pub listing: Eip712Signed<Listing>,
    /// The time (block timestamp, seconds) the seller must deliver before.
    pub deadline: u64,
    /// The key the content key is to be sealed to.
    pub buyer_key: BuyerKey,
    /// The buyer's choice that makes the purchase id: the same nonce for the
    /// same listing names the same purchase.
    pub nonce: B256,
}

impl Order {
    /// The contract call that opens this purchase.
    pub fn call(&self) -> Purchases::buyCall {
        Purchases::buyCall {
            listing: self.listing.message.clone(),
            signature: self.listing.signature.clone().into(),
            deadline: self.deadline,
            buyerKey: self.buyer_key.0.to_vec().into(),
            nonce: self.nonce,
        }
    }
}

/// The purchases contract at one address, reached through one client.
#[derive(Debug, Clone, Copy)]
pub struct PurchasesContract<'a> {
    client: &'a EvmClient,
    address: Address,
}

impl<'a> PurchasesContract<'a> {
    /// The purchases contract at `address` on `client`'s chain.
    pub fn new(client: &'a EvmClient, address: Address) -> PurchasesContract<'a> {
        PurchasesContract { client, address }
    }

    /// The contract's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The EIP-712 domain its listings are signed for.
    pub async fn domain(&self) -> Result<Eip712Domain, LedgerError> {
        let chain_id = self.client.chain_id().await?;
        Ok(domain(PURCHASES_DOMAIN_NAME, chain_id, self.address))
    }

    /// `buyer` opens a purchase of `order`'s listing at the listed price.
    pub async fn buy(
        &self,
        buyer: &PrivateKey,
        order: &Order,
    ) -> Result<Sent<Purchases::Opened>, LedgerError> {
        let listing = &order.listing.message;
        let value = coin_value(listing.token, wei(listing.price, "the listing's price")?);
        self.client
            .transact(buyer, self.address, value, &order.call())
            .await
    }

    /// The seller delivers `sealed_key` for `purchase` and is paid.
    pub async fn deliver(
        &self,
        seller: &PrivateKey,
        purchase: B256,
        sealed_key: &[u8],
    ) -> Result<Sent<Purchases::Delivered>, LedgerError> {
        let call = Purchases::deliverCall {
            purchase,
            sealedKey: sealed_key.to_vec().into(),
        };
        self.client.transact(seller, self.address, 0, &call).await
    }

    /// From the deadline on, `caller` (anyone) returns the price to the buyer.
    pub async fn refund(
        &self,
        caller: &PrivateKey,
        purchase: B256,
    ) -> Result<Sent<Purchases::Refunded>, LedgerError> {
        let call = Purchases::refundCall { purchase };
        self.client.transact(caller, self.address, 0, &call).await
    }

    /// A purchase's state on the newest block with the confirmations the
    /// client asks for (all zero for an id not opened that deep).
    pub async fn confirmed_purchase(
        &self,
        purchase: B256,
    ) -> Result<Purchases::purchasesReturn, LedgerError> {
        self.client
            .view_confirmed(self.address, &Purchases::purchasesCall(purchase))
            .await
    }

    /// The `Opened` event of `purchase` and the block it is in.
    pub async fn opened(&self, purchase: B256) -> Result<(Purchases::Opened, u64), LedgerError> {
        let (opened, log) = self.client.only_event(self.address, purchase).await?;
        let block = log
            .block_number
            .ok_or_else(|| bad(format!("the Opened log of {purchase} names no block")))?;
        Ok((opened, block))
    }

    /// The `Delivered` event of `purchase`.
    pub async fn delivered(&self, purchase: B256) -> Result<Purchases::Delivered, LedgerError> {
        Ok(self.client.only_event(self.address, purchase).await?.0)
    }

    /// The ids of the purchases `party` opened (as buyer) or sells (as
    /// seller), oldest first, from the contract's `Opened` events.
    pub async fn opened_with(
        &self,
        party: Address,
        seller: bool,
    ) -> Result<Vec<B256>, LedgerError> {
        let filter = event_filter::<Purchases::Opened>(self.address);
        let filter = if seller {
            filter.topic3(party.into_word())
        } else {
            filter.topic2(party.into_word())
        };
        let logs = self.client.logs(&filter).await?;
        Ok(logs
            .iter()
            .filter_map(|log| log.topics().get(1).copied())
            .collect())
    }

    /// A purchase's state as the contract holds it (all zero for an unknown id).
    pub async fn purchase(
        &self,
        purchase: B256,
    ) -> Result<Purchases::purchasesReturn, LedgerError> {
        self.client
            .view(self.address, &Purchases::purchasesCall(purchase))
            .await
    }
}

/// `seller`'s signature of `listing` for `domain`.
pub fn sign_listing(
    seller: &PrivateKey,
    domain: &Eip712Domain,
    listing: Listing,
) -> Result<Eip712Signed<Listing>, TypedSignatureError> {
    Eip712Signed::sign(seller, domain, listing)
}
