//! The `evm` backend: an EVM chain's JSON-RPC (BitTorrent Chain, where BTT is
//! the native coin with 18 decimals, or any EVM node by URL), through alloy.
//!
//! What it does: balances (`eth_getBalance`); transfers it builds and signs
//! itself with the wallet's secp256k1 key ([`transfer`]); the record of a
//! transfer once it is in a block and has the confirmations asked for, with
//! the fee it paid ([`settle`]); history and `watch` read from the chain's
//! blocks ([`scan`]); WBTT balances ([`wbtt`]); btt's channel, purchase and
//! campaign contracts, their typed calls and EIP-712 signatures
//! ([`contracts`]). The `Ledger` trait's channels, campaigns and purchases
//! are not yet wired to those contracts: they are refused with
//! [`LedgerError::Unsupported`], as on TRON ([`ledger`]).
//!
//! This file holds the client and its one connection. Invariants:
//! - The chain id is asked of the node, once, before anything is read or
//!   signed, and must be the named chain's; every transaction is signed for it.
//! - One key's nonces are used in order without gaps or reuse by any number
//!   of concurrent senders ([`nonce`]).
//! - Every answer is checked: amounts stay integers of wei (u128, refused
//!   beyond), a receipt must be of the transaction and block asked about, a
//!   sent transaction's hash must be the one signed, a record's payer is the
//!   signature's, and a node's message is shown as one printable line
//!   ([`mod@node_error`]).

pub mod chain;
pub mod contracts;
mod faucet;
pub mod fees;
mod ledger;
mod lookup;
mod node_error;
pub mod nonce;
pub mod records;
mod scan;
mod settle;
pub mod signed;
mod transfer;
pub mod wbtt;

use super::error::LedgerError;
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::client::RpcClient;
use alloy::transports::{RpcError, TransportErrorKind};
use node_error::{node_error, unreachable};
use nonce::NonceLocks;
pub use scan::HISTORY_BLOCKS;
pub use signed::EvmTransaction;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How long one JSON-RPC request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How an EVM ledger is reached and how its transfers are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmOptions {
    /// The JSON-RPC endpoint.
    pub url: String,
    /// The chain id the node must report (a named chain's), if any.
    pub expected_chain_id: Option<u64>,
    /// Blocks on top of a transfer's before it is reported.
    pub confirmations: u64,
    /// The most gas one transaction may use.
    pub gas_cap: u64,
    /// Where the per-key nonce lock files live (`None`: this process only).
    pub lock_directory: Option<PathBuf>,
    /// The WBTT contract whose balances `balance` shows, if any ([`wbtt`]).
    pub wbtt: Option<crate::tron::Address>,
}

/// A client of one EVM JSON-RPC endpoint.
#[derive(Debug)]
pub struct EvmClient {
    options: EvmOptions,
    provider: RootProvider,
    chain_id: OnceCell<u64>,
    nonces: NonceLocks,
}

impl EvmClient {
    /// A client of `options.url`; nothing is asked of the node until used.
    pub fn new(options: EvmOptions) -> Result<EvmClient, LedgerError> {
        let url: url::Url = options
            .url
            .parse()
            .map_err(|error| LedgerError::Unreachable {
                url: options.url.clone(),
                message: format!("not a URL: {error}"),
            })?;
        let http = crate::http_client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| unreachable(&options.url, &error))?;
        let provider = RootProvider::new(RpcClient::new_http_with_client(http, url));
        Ok(EvmClient {
            nonces: NonceLocks::new(options.lock_directory.clone()),
            options,
            provider,
            chain_id: OnceCell::new(),
        })
    }

    /// The chain id the node reports (asked once), checked against the named chain's.
    pub async fn chain_id(&self) -> Result<u64, LedgerError> {
        self.chain_id
            .get_or_try_init(|| async {
                let got = self
                    .provider
                    .get_chain_id()
                    .await
                    .map_err(|e| self.rpc_error(e))?;
                match self.options.expected_chain_id {
                    Some(expected) if expected != got => Err(LedgerError::WrongChain {
                        url: self.options.url.clone(),
                        expected,
                        got,
                    }),
                    _ => Ok(got),
                }
            })
            .await
            .copied()
    }

    /// Blocks on top of a transaction's before it counts.
    pub fn confirmations(&self) -> u64 {
        self.options.confirmations
    }

    /// The node, once it has proved to be the chain asked for.
    async fn node(&self) -> Result<&RootProvider, LedgerError> {
        self.chain_id().await?;
        Ok(&self.provider)
    }

    /// A failed request to this client's node as a ledger error.
    fn rpc_error(&self, error: RpcError<TransportErrorKind>) -> LedgerError {
        node_error(&self.options.url, error)
    }
}
