//! Where btt's three contracts are on a chain ([`ContractAddresses`]): the
//! named chains' deployments live with the chains themselves
//! ([`NamedChain::contracts`](crate::ledger::evm::chain::NamedChain)), and a
//! user names others as `CHANNELS,PURCHASES,CAMPAIGNS` (what `btt-wallet
//! deploy` prints).
//!
//! Invariant: an address is never guessed. A chain with no known deployment
//! is one line telling the user to name the contracts or deploy them.

use crate::ledger::evm::chain;
use alloy::primitives::Address;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Where btt's three contracts are on one chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractAddresses {
    /// The payment channels contract.
    pub channels: Address,
    /// The purchase escrow.
    pub purchases: Address,
    /// The crowdfunding campaigns contract.
    pub campaigns: Address,
}

/// Why there are no contract addresses to use.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContractAddressesError {
    /// The chain has no deployment btt knows of.
    #[error("btt's contracts are not deployed on chain {chain_id}{name} as far as btt knows: pass --contracts CHANNELS,PURCHASES,CAMPAIGNS, or deploy them with `btt-wallet deploy`")]
    NotDeployed { chain_id: u64, name: String },
    /// The text is not three addresses.
    #[error(
        "{text:?} is not CHANNELS,PURCHASES,CAMPAIGNS: three 0x addresses separated by commas"
    )]
    Malformed { text: String },
}

impl ContractAddresses {
    /// The deployment btt knows on chain `chain_id`.
    pub fn on_chain(chain_id: u64) -> Result<ContractAddresses, ContractAddressesError> {
        let named = chain::by_id(chain_id);
        named
            .and_then(|named| named.contracts)
            .ok_or_else(|| ContractAddressesError::NotDeployed {
                chain_id,
                name: named
                    .map(|named| format!(" ({})", named.name))
                    .unwrap_or_default(),
            })
    }
}

impl FromStr for ContractAddresses {
    type Err = ContractAddressesError;

    fn from_str(text: &str) -> Result<ContractAddresses, ContractAddressesError> {
        let malformed = || ContractAddressesError::Malformed {
            text: text.to_string(),
        };
        let addresses: Vec<Address> = text
            .split(',')
            .map(|part| part.trim().parse::<Address>())
            .collect::<Result<_, _>>()
            .map_err(|_| malformed())?;
        match addresses[..] {
            [channels, purchases, campaigns] => Ok(ContractAddresses {
                channels,
                purchases,
                campaigns,
            }),
            _ => Err(malformed()),
        }
    }
}

impl fmt::Display for ContractAddresses {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{},{},{}",
            self.channels, self.purchases, self.campaigns
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_chains_have_no_deployment_and_say_what_to_do() {
        for (chain_id, name) in [(199, " (bttc)"), (1029, " (bttc-donau)"), (31337, "")] {
            let error = ContractAddresses::on_chain(chain_id).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains(&format!("chain {chain_id}{name} ")),
                "{message}"
            );
            assert!(message.contains("--contracts"), "{message}");
            assert!(message.contains("btt-wallet deploy"), "{message}");
            assert!(!message.contains('\n'));
        }
    }

    #[test]
    fn three_addresses_read_back_as_written() {
        let addresses = ContractAddresses {
            channels: Address::repeat_byte(1),
            purchases: Address::repeat_byte(2),
            campaigns: Address::repeat_byte(3),
        };
        let text = addresses.to_string();
        assert_eq!(text.matches(",0x").count(), 2, "{text}");
        assert_eq!(text.parse(), Ok(addresses));
        let spaced = text.replace(',', ", ");
        assert_eq!(spaced.parse(), Ok(addresses));
        for bad in ["", "0x01", &format!("{text},{text}"), "a,b,c"] {
            assert!(
                matches!(
                    bad.parse::<ContractAddresses>(),
                    Err(ContractAddressesError::Malformed { .. })
                ),
                "{bad}"
            );
        }
    }
}
