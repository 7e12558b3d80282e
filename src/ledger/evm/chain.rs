//! The EVM chains btt knows by name, and how a `--ledger` URL is told to be
//! one: BitTorrent Chain mainnet (`bttc`, chain id 199) and its Donau testnet
//! (`bttc-donau`, 1029), each with a public JSON-RPC endpoint that a flag or
//! the config may replace. Any other chain is reached by URL; its chain id is
//! asked of the node (`eth_chainId`), never assumed.

use super::contracts::ContractAddresses;

/// BitTorrent Chain mainnet's chain id.
pub const BTTC_CHAIN_ID: u64 = 199;

/// BitTorrent Chain's Donau testnet's chain id.
pub const DONAU_CHAIN_ID: u64 = 1029;

/// The public JSON-RPC endpoint of BTTC mainnet.
pub const BTTC_RPC_URL: &str = "https://rpc.bittorrentchain.io";

/// The public JSON-RPC endpoint of the Donau testnet.
pub const DONAU_RPC_URL: &str = "https://pre-rpc.bittorrentchain.io";

/// A named chain: its endpoint and the chain id it must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedChain {
    /// The name on the command line.
    pub name: &'static str,
    /// The chain id its node must report.
    pub chain_id: u64,
    /// The default endpoint.
    pub url: &'static str,
    /// Its WBTT contract, where known.
    pub wbtt: Option<&'static str>,
    /// btt's contracts on it, once deployed (none is yet).
    pub contracts: Option<ContractAddresses>,
}

/// The chains `--ledger` names.
pub const NAMED_CHAINS: [NamedChain; 2] = [
    NamedChain {
        name: "bttc",
        chain_id: BTTC_CHAIN_ID,
        url: BTTC_RPC_URL,
        wbtt: Some(super::wbtt::BTTC_WBTT),
        contracts: None,
    },
    NamedChain {
        name: "bttc-donau",
        chain_id: DONAU_CHAIN_ID,
        url: DONAU_RPC_URL,
        wbtt: None,
        contracts: None,
    },
];

/// The named chain called `name`.
pub fn named(name: &str) -> Option<NamedChain> {
    NAMED_CHAINS.into_iter().find(|chain| chain.name == name)
}

/// The named chain whose id is `chain_id`.
pub fn by_id(chain_id: u64) -> Option<NamedChain> {
    NAMED_CHAINS
        .into_iter()
        .find(|chain| chain.chain_id == chain_id)
}

/// Confirmations a transfer waits for unless the user says otherwise: none
/// on a node of this machine (a dev chain mines at once and never reorgs),
/// a few on a public chain.
pub fn default_confirmations(url: &str) -> u64 {
    if is_loopback(url) {
        0
    } else {
        3
    }
}

/// True when `url` names a host on this machine.
pub fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_chain_ids() {
        assert_eq!(named("bttc").unwrap().chain_id, 199);
        assert_eq!(named("bttc-donau").unwrap().chain_id, 1029);
        assert_eq!(named("ethereum"), None);
    }

    #[test]
    fn only_this_machine_skips_confirmations() {
        assert_eq!(default_confirmations("http://127.0.0.1:8545"), 0);
        assert_eq!(default_confirmations("http://[::1]:8545"), 0);
        assert_eq!(default_confirmations("http://localhost:8545"), 0);
        assert_eq!(default_confirmations(BTTC_RPC_URL), 3);
        assert_eq!(default_confirmations("http://127.example.com"), 3);
    }
}
