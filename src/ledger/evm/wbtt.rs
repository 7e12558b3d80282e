//! WBTT, wrapped BTT: an ERC-20 on BTTC (a WETH9 fork) that holds the chain's
//! BTT one for one. Its balance is asked of the contract with `balanceOf`
//! through `eth_call`; the contract's address is the named chain's (BTTC
//! mainnet's) or the one the user gives.
//!
//! Invariant: the answer is hostile until checked: it must be exactly one
//! 32-byte word whose value fits 128 bits (wei, like every amount here);
//! anything else, an address without code included, is one short error that
//! names the contract, never a panic or a guessed zero.

use super::node_error::bad;
use super::EvmClient;
use crate::ledger::error::LedgerError;
use crate::tron::abi::{address_word, decode_amount_word, BALANCE_OF_SELECTOR};
use crate::tron::Address;
use alloy::primitives::{Bytes, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;

/// WBTT's contract on BitTorrent Chain mainnet (chain id 199).
pub const BTTC_WBTT: &str = "0x23181F21DEa5936e24163FFABa4Ea3B316B57f3C";

/// The call data of `balanceOf(owner)`.
pub fn balance_of_call(owner: &Address) -> Vec<u8> {
    let mut data = BALANCE_OF_SELECTOR.to_vec();
    data.extend_from_slice(&address_word(owner));
    data
}

/// The balance in a `balanceOf` answer of the contract `token`.
pub fn balance_of_answer(token: &Address, answer: &[u8]) -> Result<u128, LedgerError> {
    if answer.len() != 32 {
        return Err(bad(format!(
            "WBTT contract {} answered balanceOf with {} bytes, not one 32-byte word (is it an ERC-20?)",
            token.to_evm(),
            answer.len()
        )));
    }
    decode_amount_word(answer).map_err(|_| {
        bad(format!(
            "WBTT contract {} answered a balance beyond 128 bits",
            token.to_evm()
        ))
    })
}

/// A node's refusal of the call (a revert, say), with the contract named.
fn naming_the_contract(token: &Address, error: LedgerError) -> LedgerError {
    match error {
        LedgerError::Remote { kind, message } => LedgerError::Remote {
            kind,
            message: format!("WBTT contract {}: balanceOf: {message}", token.to_evm()),
        },
        other => other,
    }
}

impl EvmClient {
    /// The WBTT `owner` holds, when this client knows a WBTT contract.
    pub(super) async fn wbtt_balance_of(
        &self,
        owner: Address,
    ) -> Result<Option<u128>, LedgerError> {
        let Some(token) = self.options.wbtt else {
            return Ok(None);
        };
        let request = TransactionRequest::default()
            .to(alloy::primitives::Address::from(token.evm_bytes()))
            .value(U256::ZERO)
            .input(Bytes::from(balance_of_call(&owner)).into());
        let answer = self
            .node()
            .await?
            .call(request)
            .await
            .map_err(|e| naming_the_contract(&token, self.rpc_error(e)))?;
        balance_of_answer(&token, &answer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Address {
        BTTC_WBTT.parse().unwrap()
    }

    #[test]
    fn the_call_is_the_selector_and_the_owner_word() {
        let owner = Address::from_evm([0xab; 20]);
        let call = balance_of_call(&owner);
        assert_eq!(hex::encode(&call[..4]), "70a08231");
        assert_eq!(&call[4..16], &[0; 12]);
        assert_eq!(&call[16..], &[0xab; 20]);
    }

    #[test]
    fn only_one_word_that_fits_128_bits_is_a_balance() {
        let mut word = [0u8; 32];
        word[31] = 7;
        assert_eq!(balance_of_answer(&token(), &word).unwrap(), 7);
        word[16..].fill(0xff);
        assert_eq!(balance_of_answer(&token(), &word).unwrap(), u128::MAX);
        word[15] = 1;
        let huge = balance_of_answer(&token(), &word).unwrap_err().to_string();
        assert!(huge.contains("beyond 128 bits"), "{huge}");
        for answer in [
            &[][..],
            &[0u8; 31][..],
            &[0u8; 64][..],
            &vec![0u8; 1 << 20][..],
        ] {
            let message = balance_of_answer(&token(), answer).unwrap_err().to_string();
            assert!(message.contains("not one 32-byte word"), "{message}");
            assert!(message.len() < 300, "one short line: {message}");
        }
    }
}
