//! btt's contracts on an EVM chain (Solidity sources in `contracts/`):
//! one-directional payment channels ([`channels`]), the purchase escrow
//! ([`purchases`]) and crowdfunding campaigns ([`campaigns`]), each in the
//! chain's coin (token address [`NATIVE`]) or an ERC-20 such as WBTT.
//!
//! The pieces: the `sol!` types of the compiled contracts ([`bindings`]);
//! EIP-712 vouchers and listings signed with the wallet's key and checked by
//! the contracts' rules ([`typed_data`]); a call as a transaction, with its
//! fee and decoded event ([`transact`]); deploying them ([`deploy`]); and
//! where they are ([`addresses`]).
//!
//! Invariant: amounts cross this API as `u128` wei (or token base units),
//! as everywhere in btt; a contract's `uint256` beyond that is refused.

pub mod addresses;
pub mod bindings;
pub mod campaigns;
pub mod channels;
pub mod deploy;
pub mod purchases;
pub mod transact;
pub mod typed_data;

pub use addresses::{ContractAddresses, ContractAddressesError};
use alloy::primitives::Address;

/// The token address that stands for the chain's own coin (BTT on BTTC).
pub const NATIVE: Address = Address::ZERO;

/// The transaction value that pays `amount` of `token`: all of it for the
/// chain's coin, none for a token (moved by `transferFrom`).
fn coin_value(token: Address, amount: u128) -> u128 {
    if token == NATIVE {
        amount
    } else {
        0
    }
}
