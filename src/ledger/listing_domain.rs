//! What binds a seller's listing to one ledger, and how it is signed
//! ([`ListingDomain`]): btt's domain message on btt's own ledgers; on a
//! chain, EIP-712 `Listing(digest, seller, token, price, expiry)` under the
//! purchases contract's domain ([`ChainPurchases`]), exactly what
//! `Purchases.buy` checks before it takes an order. There the purchase id is
//! the contract's: `keccak256(abi.encode(buyer, listingHash, nonce))`.

use super::domain::Signature;
use super::evm::contracts::bindings::Purchases;
use super::evm::contracts::typed_data::{self, PURCHASES_DOMAIN_NAME};
use super::evm::contracts::NATIVE;
use super::id::{LedgerId, PurchaseId};
use crate::tron::Address;
use alloy::primitives::{keccak256, B256, U256};
use alloy::sol_types::{Eip712Domain, SolStruct, SolValue};
use std::fmt;

/// btt's purchases contract on one chain: what a listing's EIP-712 domain names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainPurchases {
    /// The chain's id (199 on BitTorrent Chain).
    pub chain_id: u64,
    /// The purchases contract's address.
    pub contract: [u8; 20],
}

/// The fields of a listing the purchases contract checks, in base units
/// (wei) and unix seconds; the rest of the listing is behind `digest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedTerms {
    /// What the listing commits to beyond these terms.
    pub digest: [u8; 32],
    /// Who is paid, and whose key signs the listing.
    pub seller: Address,
    /// The price in wei of the chain's coin.
    pub price: u128,
    /// Unix seconds from which the listing is no longer on offer.
    pub expires: i64,
}

impl ChainPurchases {
    /// The EIP-712 domain of the contract's listings.
    pub fn domain(&self) -> Eip712Domain {
        typed_data::domain(PURCHASES_DOMAIN_NAME, self.chain_id, self.contract.into())
    }

    /// The digest a seller signs for `terms`.
    pub fn signing_hash(&self, terms: &ListedTerms) -> [u8; 32] {
        typed(terms).eip712_signing_hash(&self.domain()).0
    }

    /// The id the contract gives `buyer`'s purchase of `terms` with `nonce`.
    pub fn purchase_id(&self, buyer: &Address, terms: &ListedTerms, nonce: u64) -> PurchaseId {
        let buyer = alloy::primitives::Address::from(buyer.evm_bytes());
        let listing_hash = typed(terms).eip712_hash_struct();
        let encoded = (buyer, listing_hash, nonce_word(nonce)).abi_encode();
        PurchaseId(keccak256(encoded).0)
    }
}

/// The listing as the contract takes it: priced in the chain's coin.
pub fn typed(terms: &ListedTerms) -> Purchases::Listing {
    Purchases::Listing {
        digest: B256::from(terms.digest),
        seller: terms.seller.evm_bytes().into(),
        token: NATIVE,
        price: U256::from(terms.price),
        expiry: u64::try_from(terms.expires).unwrap_or(0),
    }
}

/// A buyer's nonce as the contract's `bytes32`: big-endian in the low bytes.
pub fn nonce_word(nonce: u64) -> B256 {
    B256::from(U256::from(nonce))
}

/// What binds a listing's signature to one ledger, and how it is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingDomain {
    /// A ledger of btt's own, by id: btt's domain message.
    Ledger(LedgerId),
    /// btt's purchases contract on a chain: EIP-712 typed data.
    Chain(ChainPurchases),
}

impl From<&LedgerId> for ListingDomain {
    fn from(ledger: &LedgerId) -> ListingDomain {
        ListingDomain::Ledger(*ledger)
    }
}

/// Where a listing is sold, for messages.
impl fmt::Display for ListingDomain {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListingDomain::Ledger(ledger) => write!(formatter, "ledger {ledger}"),
            ListingDomain::Chain(chain) => write!(
                formatter,
                "the purchases contract {} on chain {}",
                Address::from_evm(chain.contract).to_evm(),
                chain.chain_id
            ),
        }
    }
}

/// What a purchases contract checks of the seller's listing before it takes
/// an order, beyond the order's own fields: the listing's expiry and the
/// seller's signature. btt's own ledgers leave that check to the seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SellerTerms {
    /// Unix seconds from which the listing is no longer on offer.
    pub expires: i64,
    /// The seller's signature over the listing.
    pub signature: Signature,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_fills_the_low_bytes_of_its_word() {
        let word = nonce_word(0x0102);
        assert_eq!(&word.0[..30], &[0u8; 30]);
        assert_eq!(&word.0[30..], &[1, 2]);
    }

    #[test]
    fn the_purchase_id_names_the_buyer_the_listing_and_the_nonce() {
        let chain = ChainPurchases {
            chain_id: 199,
            contract: [7; 20],
        };
        let terms = ListedTerms {
            digest: [1; 32],
            seller: Address::from_evm([2; 20]),
            price: 5,
            expires: 1_000,
        };
        let buyer = Address::from_evm([3; 20]);
        let id = chain.purchase_id(&buyer, &terms, 1);
        assert_ne!(id, chain.purchase_id(&buyer, &terms, 2));
        assert_ne!(
            id,
            chain.purchase_id(&Address::from_evm([4; 20]), &terms, 1)
        );
        let cheaper = ListedTerms { price: 4, ..terms };
        assert_ne!(id, chain.purchase_id(&buyer, &cheaper, 1));
    }
}
