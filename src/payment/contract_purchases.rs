//! The purchase escrow side of [`ContractPayments`]: btt's purchases
//! contract, acting for one wallet. The buyer's wallet opens (`buy`) with
//! the seller's EIP-712 listing, so the contract, not the seller, refuses an
//! order below the listed price; the seller's wallet delivers; any wallet
//! refunds from the deadline on.
//!
//! Opening is idempotent as on btt's ledgers: the id is the contract's hash
//! of the buyer, the listing and the nonce, so a rerun of the same order
//! finds its purchase and is answered with it, and nothing is sent twice.
//! A purchase is read at the confirmations asked for, with the fields the
//! contract does not store (the listing's digest, the buyer's key and nonce,
//! the sealed key) from its events.

use super::contract::{check_coin, wei, ContractPayments};
use crate::amount::{Amount, Token};
use crate::ledger::evm::contracts::bindings::Purchases;
use crate::ledger::evm::contracts::purchases::{Order, PurchasesContract};
use crate::ledger::evm::contracts::typed_data::Eip712Signed;
use crate::ledger::evm::contracts::NATIVE;
use crate::ledger::listing_domain::{nonce_word, typed};
use crate::ledger::{
    BuyerKey, ChainPurchases, DeliverPurchase, LedgerError, ListedTerms, OpenPurchase, PurchaseId,
    PurchaseRole, PurchaseState, PurchaseStatus, SellerTerms, Signed,
};
use crate::tron::Address;
use alloy::primitives::B256;

/// The contract's `State` of a purchase that exists.
const OPEN: u8 = 1;
const DELIVERED: u8 = 2;
const REFUNDED: u8 = 3;

impl ContractPayments {
    fn purchases_contract(&self) -> PurchasesContract<'_> {
        PurchasesContract::new(&self.client, self.purchases)
    }

    /// The contract's listing domain (the node is asked its chain id once).
    pub(super) async fn chain_purchases(&self) -> Result<ChainPurchases, LedgerError> {
        Ok(ChainPurchases {
            chain_id: self.client.chain_id().await?,
            contract: self.purchases.into_array(),
        })
    }

    /// The id the contract gives `order` of a listing with `terms`.
    pub(super) async fn order_id(
        &self,
        order: &OpenPurchase,
        terms: &SellerTerms,
    ) -> Result<PurchaseId, LedgerError> {
        let chain = self.chain_purchases().await?;
        Ok(chain.purchase_id(&order.buyer, &listed(order, terms), order.nonce))
    }

    /// Opens `request`'s purchase, or answers with it when it is open already.
    pub(super) async fn open_order(
        &self,
        request: Signed<OpenPurchase>,
        terms: SellerTerms,
    ) -> Result<PurchaseState, LedgerError> {
        let open = &request.request;
        let key = self.check_mine(&request, &open.buyer).await?;
        check_coin(open.price.token)?;
        open.check()?;
        let id = self.order_id(open, &terms).await?;
        if let Some(existing) = self.purchase_state(id).await? {
            return if existing.matches(open) {
                Ok(existing)
            } else {
                Err(LedgerError::PurchaseConflict { id })
            };
        }
        let order = Order {
            listing: Eip712Signed {
                message: typed(&listed(open, &terms)),
                signature: terms.signature.0.to_vec(),
            },
            deadline: u64::try_from(open.deadline_ms / 1000).unwrap_or(0),
            buyer_key: open.buyer_key,
            nonce: nonce_word(open.nonce),
        };
        let sent = self.purchases_contract().buy(key, &order).await?;
        self.paid(&sent.receipt);
        let opened_ms = self.client.block_time_ms(sent.receipt.block).await?;
        opened_state(PurchaseId(sent.event.purchase.0), &sent.event, opened_ms)
    }

    /// The seller's wallet delivers the sealed key and is paid.
    pub(super) async fn deliver_order(
        &self,
        request: Signed<DeliverPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        let delivery = &request.request;
        delivery.check()?;
        let state = self.existing_purchase(delivery.purchase).await?;
        let key = self.check_mine(&request, &state.seller).await?;
        if state.is_delivered_with(delivery) {
            return Ok(state);
        }
        state.check_deliver(self.next_block_time_ms().await?)?;
        let sent = self
            .purchases_contract()
            .deliver(key, B256::from(state.id.0), &delivery.sealed_key)
            .await?;
        self.paid(&sent.receipt);
        Ok(PurchaseState {
            status: PurchaseStatus::Delivered,
            sealed_key: Some(sent.event.sealedKey.to_vec()),
            ..state
        })
    }

    /// This wallet returns an undelivered purchase's price to its buyer.
    pub(super) async fn refund_order(&self, id: PurchaseId) -> Result<PurchaseState, LedgerError> {
        let state = self.existing_purchase(id).await?;
        state.check_refund(self.next_block_time_ms().await?)?;
        let sent = self
            .purchases_contract()
            .refund(self.key()?, B256::from(id.0))
            .await?;
        self.paid(&sent.receipt);
        Ok(PurchaseState {
            status: PurchaseStatus::Refunded,
            ..state
        })
    }

    /// Every purchase `address` opened or sells, oldest first, as deep as
    /// the confirmations asked for. One that btt could not have opened (a
    /// nonce beyond 64 bits, a buyer key of another length) is left out, so
    /// that a hostile buyer can not stop a seller from serving the rest.
    pub(super) async fn purchases_of(
        &self,
        address: Address,
        role: PurchaseRole,
    ) -> Result<Vec<PurchaseState>, LedgerError> {
        let party = alloy::primitives::Address::from(address.evm_bytes());
        let ids = self
            .purchases_contract()
            .opened_with(party, role == PurchaseRole::Seller)
            .await?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            match self.purchase_state(PurchaseId(id.0)).await {
                Ok(state) => found.extend(state),
                Err(LedgerError::BadAnswer { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(found)
    }

    async fn existing_purchase(&self, id: PurchaseId) -> Result<PurchaseState, LedgerError> {
        self.purchase_state(id)
            .await?
            .ok_or(LedgerError::UnknownPurchase { id })
    }

    /// A purchase as deep as the confirmations asked for, `None` before.
    pub(super) async fn purchase_state(
        &self,
        id: PurchaseId,
    ) -> Result<Option<PurchaseState>, LedgerError> {
        let contract = self.purchases_contract();
        let held = contract.confirmed_purchase(B256::from(id.0)).await?;
        if held.state == 0 {
            return Ok(None);
        }
        if held.token != NATIVE {
            return Err(LedgerError::Unsupported {
                backend: "EVM purchases contract",
                operation: "purchases in an ERC-20 token (btt sells in the chain's coin)",
            });
        }
        let (opened, block) = contract.opened(B256::from(id.0)).await?;
        let mut state = opened_state(id, &opened, self.client.block_time_ms(block).await?)?;
        state.status = match held.state {
            OPEN => PurchaseStatus::Open,
            DELIVERED => PurchaseStatus::Delivered,
            REFUNDED => PurchaseStatus::Refunded,
            other => {
                return Err(LedgerError::BadAnswer {
                    backend: "EVM purchases contract",
                    message: format!("purchase {id} is in state {other}, which btt does not know"),
                })
            }
        };
        if state.status == PurchaseStatus::Delivered {
            let delivered = contract.delivered(B256::from(id.0)).await?;
            state.sealed_key = Some(delivered.sealedKey.to_vec());
        }
        Ok(Some(state))
    }
}

/// The listing terms `order` names, with the expiry the seller signed.
fn listed(order: &OpenPurchase, terms: &SellerTerms) -> ListedTerms {
    ListedTerms {
        digest: order.listing,
        seller: order.seller,
        price: order.price.base_units,
        expires: terms.expires,
    }
}

/// An open purchase as its `Opened` event tells it.
fn opened_state(
    id: PurchaseId,
    opened: &Purchases::Opened,
    opened_ms: i64,
) -> Result<PurchaseState, LedgerError> {
    let buyer_key: [u8; 33] =
        opened
            .buyerKey
            .as_ref()
            .try_into()
            .map_err(|_| LedgerError::BadAnswer {
                backend: "EVM purchases contract",
                message: format!("purchase {id} names a buyer key that is not 33 bytes"),
            })?;
    Ok(PurchaseState {
        id,
        buyer: Address::from_evm(opened.buyer.into_array()),
        seller: Address::from_evm(opened.seller.into_array()),
        listing: opened.digest.0,
        buyer_key: BuyerKey(buyer_key),
        price: Amount {
            token: Token::Bttc,
            base_units: wei(opened.price)?,
        },
        opened_ms,
        deadline_ms: i64::try_from(opened.deadline)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000),
        nonce: nonce_of(id, opened.nonce)?,
        status: PurchaseStatus::Open,
        sealed_key: None,
    })
}

/// A nonce btt chose (it fits 64 bits); a purchase opened through another
/// tool with a larger one is refused, not truncated.
fn nonce_of(id: PurchaseId, word: B256) -> Result<u64, LedgerError> {
    let value = alloy::primitives::U256::from_be_bytes(word.0);
    u64::try_from(value).map_err(|_| LedgerError::BadAnswer {
        backend: "EVM purchases contract",
        message: format!("purchase {id} has a nonce beyond 64 bits; it was not opened by btt"),
    })
}
