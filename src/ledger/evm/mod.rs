//! The `evm` backend: an EVM chain's JSON-RPC (BitTorrent Chain, where BTT is
//! the native coin with 18 decimals, or any EVM node by URL), through alloy.
//!
//! What it does: balances (`eth_getBalance`); transfers it builds and signs
//! itself with the wallet's secp256k1 key (EIP-1559 where the latest block
//! has a base fee, legacy EIP-155 otherwise; gas estimated by the node and
//! capped by the user; the memo in the input data); the record of a transfer
//! once it is in a block and has the confirmations asked for, with the fee
//! it paid; history and `watch` read from the chain's blocks. Channels,
//! campaigns and purchases need btt's contracts (not yet deployed): they are
//! refused with [`LedgerError::Unsupported`], as on TRON.
//!
//! Invariants:
//! - The chain id is asked of the node, once, before anything is read or
//!   signed, and must be the named chain's; every transaction is signed for it.
//! - One key's nonces are used in order without gaps or reuse by any number
//!   of concurrent senders ([`nonce`]).
//! - Every answer is checked: amounts stay integers of wei (u128, refused
//!   beyond), a receipt must be of the transaction and block asked about, a
//!   sent transaction's hash must be the one signed, a record's payer is the
//!   signature's, and a node's message is shown as one printable line.
//! - History: a node keeps no index of native transfers, so history scans
//!   blocks: back from the head to the start time, at most
//!   [`HISTORY_BLOCKS`] of them; forward from a block to the head for
//!   `history_after`. Records of one block are returned together (the
//!   sequence is the block number), so a follower never misses the rest of a
//!   block.

pub mod chain;
pub mod fees;
pub mod nonce;
pub mod records;
pub mod signed;

use super::channel::{
    ChannelRole, ChannelState, CloseChannel, OpenChannel, RedeemVoucher, RefundChannel,
};
use super::domain::Signed;
use super::error::LedgerError;
use super::error_kind::ErrorKind;
use super::escrow::{CampaignState, CreateCampaign, Pledge};
use super::id::{CampaignId, ChannelId, LedgerId, PurchaseId};
use super::purchase::{DeliverPurchase, OpenPurchase, PurchaseRole, PurchaseState};
use super::{Ledger, TransferRecord};
use crate::amount::{Amount, Token};
use crate::tron::{Address, BlockReference, SignedTransaction};
use crate::wallet::PrivateKey;
use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy::eips::{BlockNumberOrTag, Encodable2718};
use alloy::network::TxSignerSync;
use alloy::primitives::{Bytes, TxKind, U256};
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::client::RpcClient;
use alloy::rpc::types::{Block, TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::{RpcError, TransportErrorKind};
use fees::{FeePlan, Quote};
use futures_util::{stream, StreamExt, TryStreamExt};
use nonce::{NonceLocks, SenderLock};
use records::BlockStamp;
use sha2::{Digest, Sha256};
pub use signed::EvmTransaction;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

const BACKEND: &str = "evm";

/// The most blocks `history` reads back from the head.
pub const HISTORY_BLOCKS: u64 = 10_000;

/// How many blocks are fetched at once while scanning.
const SCAN_CONCURRENCY: usize = 8;

/// How long one JSON-RPC request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a sent transfer may take to be mined and confirmed.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(300);

/// How often the receipt and the head are polled while waiting.
const POLL: Duration = Duration::from_millis(200);

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
        let http = alloy::transports::http::reqwest::Client::builder()
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

    /// The node, once it has proved to be the chain asked for.
    async fn node(&self) -> Result<&RootProvider, LedgerError> {
        self.chain_id().await?;
        Ok(&self.provider)
    }

    fn rpc_error(&self, error: RpcError<TransportErrorKind>) -> LedgerError {
        node_error(&self.options.url, error)
    }

    /// The fee plan for a transaction sent now.
    async fn fee_plan(&self) -> Result<FeePlan, LedgerError> {
        let latest = self
            .node()
            .await?
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| self.rpc_error(e))?
            .ok_or_else(|| bad("the node has no latest block".into()))?;
        let base_fee = latest.header.base_fee_per_gas.map(u128::from);
        let quote = match base_fee {
            Some(_) => Quote {
                base_fee,
                priority_fee: self
                    .node()
                    .await?
                    .get_max_priority_fee_per_gas()
                    .await
                    .map_err(|e| self.rpc_error(e))?,
                gas_price: 0,
            },
            None => Quote {
                base_fee,
                priority_fee: 0,
                gas_price: self
                    .node()
                    .await?
                    .get_gas_price()
                    .await
                    .map_err(|e| self.rpc_error(e))?,
            },
        };
        FeePlan::from_quote(quote)
    }

    /// Signs `unsigned` at the prices of `plan` with `key`, for its chain.
    fn sign(
        &self,
        key: &PrivateKey,
        unsigned: Unsigned,
        plan: FeePlan,
    ) -> Result<TxEnvelope, LedgerError> {
        let signer = PrivateKeySigner::from_signing_key(key.signing_key().clone());
        let signing_error = |error: alloy::signers::Error| bad(format!("signing failed: {error}"));
        Ok(match plan {
            FeePlan::Eip1559 {
                max_fee,
                priority_fee,
            } => {
                let mut tx = TxEip1559 {
                    chain_id: unsigned.chain_id,
                    nonce: unsigned.nonce,
                    gas_limit: unsigned.gas_limit,
                    max_fee_per_gas: max_fee,
                    max_priority_fee_per_gas: priority_fee,
                    to: TxKind::Call(unsigned.to),
                    value: U256::from(unsigned.value),
                    access_list: Default::default(),
                    input: unsigned.input,
                };
                let signature = signer
                    .sign_transaction_sync(&mut tx)
                    .map_err(signing_error)?;
                TxEnvelope::from(tx.into_signed(signature))
            }
            FeePlan::Legacy { gas_price } => {
                let mut tx = TxLegacy {
                    chain_id: Some(unsigned.chain_id),
                    nonce: unsigned.nonce,
                    gas_price,
                    gas_limit: unsigned.gas_limit,
                    to: TxKind::Call(unsigned.to),
                    value: U256::from(unsigned.value),
                    input: unsigned.input,
                };
                let signature = signer
                    .sign_transaction_sync(&mut tx)
                    .map_err(signing_error)?;
                TxEnvelope::from(tx.into_signed(signature))
            }
        })
    }

    /// Signs a transfer with the sender's next nonce and returns it with the
    /// sender's nonce lock, which the caller keeps until the node has taken
    /// or refused the transaction.
    pub async fn sign_locked(
        &self,
        key: &PrivateKey,
        to: Address,
        value: u128,
        memo: Vec<u8>,
    ) -> Result<(EvmTransaction, SenderLock<'_>), LedgerError> {
        let chain_id = self.chain_id().await?;
        let sender = key.address();
        let from = alloy::primitives::Address::from(sender.evm_bytes());
        let to_evm = alloy::primitives::Address::from(to.evm_bytes());
        let input = Bytes::from(memo);
        let estimate_request = TransactionRequest::default()
            .from(from)
            .to(to_evm)
            .value(U256::from(value))
            .input(input.clone().into());
        let lock = self.nonces.lock(chain_id, &sender).await?;
        let estimate = self
            .node()
            .await?
            .estimate_gas(estimate_request)
            .await
            .map_err(|e| self.rpc_error(e))?;
        let gas_limit = fees::gas_limit(estimate, self.options.gas_cap)?;
        let plan = self.fee_plan().await?;
        self.check_balance(sender, value, gas_limit, &plan).await?;
        let nonce = self
            .node()
            .await?
            .get_transaction_count(from)
            .pending()
            .await
            .map_err(|e| self.rpc_error(e))?;
        let unsigned = Unsigned {
            chain_id,
            nonce,
            gas_limit,
            to: to_evm,
            value,
            input,
        };
        let envelope = self.sign(key, unsigned, plan)?;
        Ok((EvmTransaction::from_raw(envelope.encoded_2718())?, lock))
    }

    /// Hands signed bytes to the node; returns once it has taken them.
    async fn broadcast(&self, transaction: &EvmTransaction) -> Result<(), LedgerError> {
        let pending = self
            .node()
            .await?
            .send_raw_transaction(transaction.raw())
            .await
            .map_err(|e| self.rpc_error(e))?;
        if pending.tx_hash().0 != transaction.hash() {
            return Err(bad(format!(
                "the node took 0x{} as {}",
                hex::encode(transaction.hash()),
                pending.tx_hash()
            )));
        }
        Ok(())
    }

    /// Sends `transaction` unless the chain already has it, and returns its
    /// record once confirmed. Refused as expired when its nonce went to
    /// another transaction: then it can never be mined.
    async fn settle(
        &self,
        transaction: &EvmTransaction,
        lock: Option<SenderLock<'_>>,
    ) -> Result<TransferRecord, LedgerError> {
        let hash = transaction.hash();
        if self.receipt(hash).await?.is_none() {
            let sent = self.broadcast(transaction).await;
            drop(lock);
            match sent {
                Ok(()) => {}
                Err(error) if error.kind() == ErrorKind::Replay => {
                    self.known_or_expired(transaction).await?;
                }
                Err(error) => return Err(error),
            }
        }
        self.finish(hash).await
    }

    /// The record of the sent transaction `hash` once it is final.
    async fn finish(&self, hash: [u8; 32]) -> Result<TransferRecord, LedgerError> {
        let receipt = self.confirmed(hash).await?;
        self.record_of(hash, &receipt)
            .await?
            .ok_or_else(|| LedgerError::Remote {
                kind: ErrorKind::Refused,
                message: format!(
                    "transaction 0x{} was mined but reverted (its fee was paid)",
                    hex::encode(hash)
                ),
            })
    }

    /// After a "known" or "nonce too low" answer: fine when the node holds
    /// this very transaction, expired when its nonce went to another one.
    async fn known_or_expired(&self, transaction: &EvmTransaction) -> Result<(), LedgerError> {
        let hash = transaction.hash();
        let held = self
            .node()
            .await?
            .get_transaction_by_hash(hash.into())
            .await
            .map_err(|e| self.rpc_error(e))?;
        match held {
            Some(_) => Ok(()),
            None => Err(LedgerError::Remote {
                kind: ErrorKind::Expired,
                message: format!(
                    "nonce {} went to another transaction: 0x{} can never be mined",
                    transaction.nonce(),
                    hex::encode(hash)
                ),
            }),
        }
    }

    /// Refuses a transfer its payer cannot cover, before it is signed.
    async fn check_balance(
        &self,
        sender: Address,
        value: u128,
        gas_limit: u64,
        plan: &FeePlan,
    ) -> Result<(), LedgerError> {
        let needed = fees::max_cost(value, gas_limit, plan)?;
        let available = self.balance(sender, Token::Bttc).await?;
        if available < needed {
            return Err(LedgerError::InsufficientBalance {
                address: sender,
                token: Token::Bttc,
                available,
                needed,
            });
        }
        Ok(())
    }

    /// Waits until `hash` is mined with the confirmations asked for, and
    /// returns its receipt.
    async fn confirmed(&self, hash: [u8; 32]) -> Result<TransactionReceipt, LedgerError> {
        let deadline = Instant::now() + CONFIRM_TIMEOUT;
        loop {
            if let Some(receipt) = self.receipt(hash).await? {
                let mined = receipt.block_number.ok_or_else(|| {
                    bad(format!(
                        "receipt of {} names no block",
                        receipt.transaction_hash
                    ))
                })?;
                let head = self.head().await?;
                if head.saturating_sub(mined) >= self.options.confirmations {
                    return Ok(receipt);
                }
            }
            if Instant::now() >= deadline {
                return Err(LedgerError::Unreachable {
                    url: self.options.url.clone(),
                    message: format!(
                        "transaction 0x{} was not confirmed within {CONFIRM_TIMEOUT:?}; look it up later with `btt-wallet tx`",
                        hex::encode(hash)
                    ),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn receipt(&self, hash: [u8; 32]) -> Result<Option<TransactionReceipt>, LedgerError> {
        self.node()
            .await?
            .get_transaction_receipt(hash.into())
            .await
            .map_err(|e| self.rpc_error(e))
    }

    /// The record of the mined transaction `hash`, with its fee.
    async fn record_of(
        &self,
        hash: [u8; 32],
        receipt: &TransactionReceipt,
    ) -> Result<Option<TransferRecord>, LedgerError> {
        let Some(transaction) = self
            .node()
            .await?
            .get_transaction_by_hash(hash.into())
            .await
            .map_err(|e| self.rpc_error(e))?
        else {
            return Ok(None);
        };
        if transaction.inner.tx_hash().0 != hash {
            return Err(bad(format!(
                "asked for 0x{}, got {}",
                hex::encode(hash),
                transaction.inner.tx_hash()
            )));
        }
        let number = receipt
            .block_number
            .ok_or_else(|| bad(format!("receipt of 0x{} names no block", hex::encode(hash))))?;
        let block = self.block(number).await?;
        records::transfer_record(&transaction, receipt, stamp(&block))
    }

    async fn block(&self, number: u64) -> Result<Block, LedgerError> {
        let block = self
            .node()
            .await?
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .full()
            .await
            .map_err(|e| self.rpc_error(e))?
            .ok_or_else(|| bad(format!("block {number} is missing")))?;
        if block.header.number != number {
            return Err(bad(format!(
                "asked for block {number}, got {}",
                block.header.number
            )));
        }
        Ok(block)
    }

    /// The records touching `address` in blocks `first..=last`, oldest first.
    async fn scan(
        &self,
        address: Address,
        first: u64,
        last: u64,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        if first > last {
            return Ok(Vec::new());
        }
        let blocks: Vec<Block> = stream::iter(first..=last)
            .map(|number| self.block(number))
            .buffered(SCAN_CONCURRENCY)
            .try_collect()
            .await?;
        let mut found = Vec::new();
        for block in &blocks {
            found.extend(self.block_records(block, address).await?);
        }
        Ok(found)
    }

    /// The records of one block that touch `address`.
    async fn block_records(
        &self,
        block: &Block,
        address: Address,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        let wanted = alloy::primitives::Address::from(address.evm_bytes());
        // An empty list reads as hashes as well as transactions: only a
        // non-empty list of hashes lacks what was asked for.
        let transactions = match block.transactions.as_transactions() {
            Some(transactions) => transactions,
            None if block.transactions.is_empty() => &[],
            None => {
                return Err(bad(format!(
                    "block {} came without its transactions",
                    block.header.number
                )))
            }
        };
        let mut found = Vec::new();
        for transaction in transactions {
            use alloy::consensus::Transaction as _;
            use alloy::network::TransactionResponse as _;
            if transaction.from() != wanted && transaction.to() != Some(wanted) {
                continue;
            }
            let hash = transaction.tx_hash().0;
            let receipt = self
                .receipt(hash)
                .await?
                .ok_or_else(|| bad(format!("no receipt for mined 0x{}", hex::encode(hash))))?;
            if let Some(record) = records::transfer_record(transaction, &receipt, stamp(block))? {
                found.push(record);
            }
        }
        Ok(found)
    }

    /// The first block at or after `since_ms`, at most [`HISTORY_BLOCKS`] back from `head`.
    async fn first_block_since(&self, since_ms: i64, head: u64) -> Result<u64, LedgerError> {
        let floor = head.saturating_sub(HISTORY_BLOCKS - 1);
        let (mut low, mut high) = (floor, head.saturating_add(1));
        while low < high {
            let middle = low + (high - low) / 2;
            if stamp(&self.block(middle).await?).time_ms() >= since_ms {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        Ok(low)
    }
}

/// The fields of a transfer before its fees are set and it is signed.
struct Unsigned {
    chain_id: u64,
    nonce: u64,
    gas_limit: u64,
    to: alloy::primitives::Address,
    value: u128,
    input: Bytes,
}

fn stamp(block: &Block) -> BlockStamp {
    BlockStamp {
        number: block.header.number,
        timestamp: block.header.timestamp,
    }
}

/// Refuses what this ledger cannot move: another token, or nothing.
fn check_amount(amount: &Amount) -> Result<(), LedgerError> {
    if amount.token != Token::Bttc {
        return Err(LedgerError::TokenMismatch {
            expected: Token::Bttc,
            got: amount.token,
        });
    }
    if amount.base_units == 0 {
        return Err(LedgerError::ZeroAmount);
    }
    Ok(())
}

/// Keeps whole blocks of `records` (oldest first) until `limit` is reached.
fn whole_blocks(records: Vec<TransferRecord>, limit: usize) -> Vec<TransferRecord> {
    let mut kept: Vec<TransferRecord> = Vec::new();
    for record in records {
        let same_block = kept
            .last()
            .is_some_and(|last| last.sequence == record.sequence);
        if kept.len() >= limit && !same_block {
            break;
        }
        kept.push(record);
    }
    kept
}

/// A JSON-RPC failure as a ledger error: the node's refusals by what they
/// say, everything else as an unreachable node.
fn node_error(url: &str, error: RpcError<TransportErrorKind>) -> LedgerError {
    match error.as_error_resp() {
        Some(payload) => {
            let message = one_line(&payload.message);
            LedgerError::Remote {
                kind: refusal_kind(&message),
                message,
            }
        }
        None => unreachable(url, &error),
    }
}

/// The ledger's kind for an EVM node's refusal message (geth, anvil and
/// BTTC's bor word them alike).
fn refusal_kind(message: &str) -> ErrorKind {
    let message = message.to_ascii_lowercase();
    if message.contains("insufficient funds") {
        ErrorKind::InsufficientBalance
    } else if message.contains("already known")
        || message.contains("already imported")
        || message.contains("nonce too low")
    {
        ErrorKind::Replay
    } else {
        ErrorKind::Refused
    }
}

/// The most of a node's message an error repeats.
const MESSAGE_CHARS: usize = 300;

/// A node's text as one printable line: control characters (newlines,
/// terminal escapes) become spaces, runs of spaces one, and it is cut short.
fn one_line(text: &str) -> String {
    let printable: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = printable.split_whitespace().collect();
    words.join(" ").chars().take(MESSAGE_CHARS).collect()
}

fn unreachable(url: &str, error: &dyn std::fmt::Display) -> LedgerError {
    LedgerError::Unreachable {
        url: url.to_string(),
        message: one_line(&error.to_string()),
    }
}

fn bad(message: String) -> LedgerError {
    LedgerError::BadAnswer {
        backend: BACKEND,
        message,
    }
}

fn unsupported(operation: &'static str) -> LedgerError {
    LedgerError::Unsupported {
        backend: BACKEND,
        operation,
    }
}

/// Channels, campaigns and purchases wait for btt's contracts on the chain.
const NEEDS_CONTRACTS: &str = "channels, campaigns and purchases yet (they need btt's contracts)";

impl Ledger for EvmClient {
    /// Names the chain: nothing btt signs for one chain is valid on another.
    async fn ledger_id(&self) -> Result<LedgerId, LedgerError> {
        let mut hasher = Sha256::new();
        hasher.update(b"btt-evm-ledger-v1");
        hasher.update(self.chain_id().await?.to_be_bytes());
        Ok(LedgerId(hasher.finalize().into()))
    }

    fn native_token(&self) -> Token {
        Token::Bttc
    }

    fn takes_tron_transactions(&self) -> bool {
        false
    }

    async fn send(
        &self,
        key: &PrivateKey,
        to: Address,
        amount: Amount,
        memo: Vec<u8>,
    ) -> Result<TransferRecord, LedgerError> {
        check_amount(&amount)?;
        let (transaction, lock) = self.sign_locked(key, to, amount.base_units, memo).await?;
        self.broadcast(&transaction).await?;
        drop(lock);
        self.finish(transaction.hash()).await
    }

    async fn sign_kept(
        &self,
        key: &PrivateKey,
        to: Address,
        amount: Amount,
        memo: Vec<u8>,
    ) -> Result<(EvmTransaction, SenderLock<'_>), LedgerError> {
        check_amount(&amount)?;
        self.sign_locked(key, to, amount.base_units, memo).await
    }

    async fn send_kept(
        &self,
        transaction: &EvmTransaction,
        lock: Option<SenderLock<'_>>,
    ) -> Result<TransferRecord, LedgerError> {
        self.settle(transaction, lock).await
    }

    async fn head(&self) -> Result<u64, LedgerError> {
        self.node()
            .await?
            .get_block_number()
            .await
            .map_err(|e| self.rpc_error(e))
    }

    async fn reference_block(&self) -> Result<BlockReference, LedgerError> {
        Err(unsupported("TRON transactions"))
    }

    async fn balance(&self, address: Address, token: Token) -> Result<u128, LedgerError> {
        if token != Token::Bttc {
            return Err(unsupported("tokens other than the chain's BTT"));
        }
        let wei = self
            .node()
            .await?
            .get_balance(alloy::primitives::Address::from(address.evm_bytes()))
            .await
            .map_err(|e| self.rpc_error(e))?;
        u128::try_from(wei).map_err(|_| bad(format!("balance of {address} is beyond u128")))
    }

    async fn transfer(&self, _: SignedTransaction) -> Result<TransferRecord, LedgerError> {
        Err(unsupported("TRON transactions"))
    }

    /// On a dev chain whose node holds unlocked accounts (anvil): pays from
    /// the first of them. A public node holds none: minting is refused.
    async fn mint(&self, to: Address, amount: Amount) -> Result<TransferRecord, LedgerError> {
        check_amount(&amount)?;
        let accounts = self
            .node()
            .await?
            .get_accounts()
            .await
            .map_err(|e| self.rpc_error(e))?;
        let Some(faucet) = accounts.first().copied() else {
            return Err(unsupported(
                "minting (its node holds no unlocked dev account to pay from)",
            ));
        };
        let request = TransactionRequest::default()
            .from(faucet)
            .to(alloy::primitives::Address::from(to.evm_bytes()))
            .value(U256::from(amount.base_units));
        // The node would price it by its own rules, EIP-1559 even where the chain has none.
        let request = match self.fee_plan().await? {
            FeePlan::Eip1559 {
                max_fee,
                priority_fee,
            } => request
                .max_fee_per_gas(max_fee)
                .max_priority_fee_per_gas(priority_fee),
            FeePlan::Legacy { gas_price } => request.gas_price(gas_price),
        };
        let pending = self
            .node()
            .await?
            .send_transaction(request)
            .await
            .map_err(|e| self.rpc_error(e))?;
        let hash = pending.tx_hash().0;
        let receipt = self.confirmed(hash).await?;
        let mut record = self.record_of(hash, &receipt).await?.ok_or_else(|| {
            bad(format!(
                "faucet transaction 0x{} moved nothing",
                hex::encode(hash)
            ))
        })?;
        record.kind = super::MovementKind::Mint;
        Ok(record)
    }

    async fn transaction(&self, txid: [u8; 32]) -> Result<Option<TransferRecord>, LedgerError> {
        match self.receipt(txid).await? {
            None => Ok(None),
            Some(receipt) => self.record_of(txid, &receipt).await,
        }
    }

    async fn history(
        &self,
        address: Address,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        let head = self.head().await?;
        let first = self.first_block_since(since_ms, head).await?;
        Ok(whole_blocks(self.scan(address, first, head).await?, limit))
    }

    async fn history_after(
        &self,
        address: Address,
        after: u64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        let head = self.head().await?;
        let first = after.saturating_add(1);
        Ok(whole_blocks(self.scan(address, first, head).await?, limit))
    }

    async fn open_channel(&self, _: Signed<OpenChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn redeem_voucher(&self, _: Signed<RedeemVoucher>) -> Result<ChannelState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn close_channel(&self, _: Signed<CloseChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn refund_channel(&self, _: Signed<RefundChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn channel(&self, _: ChannelId) -> Result<Option<ChannelState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn channels(&self, _: Address, _: ChannelRole) -> Result<Vec<ChannelState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn create_campaign(
        &self,
        _: Signed<CreateCampaign>,
    ) -> Result<CampaignState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn pledge(&self, _: Signed<Pledge>) -> Result<CampaignState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn settle_campaign(&self, _: CampaignId) -> Result<CampaignState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn campaign(&self, _: CampaignId) -> Result<Option<CampaignState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn open_purchase(&self, _: Signed<OpenPurchase>) -> Result<PurchaseState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn deliver_purchase(
        &self,
        _: Signed<DeliverPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn refund_purchase(&self, _: PurchaseId) -> Result<PurchaseState, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn purchase(&self, _: PurchaseId) -> Result<Option<PurchaseState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }

    async fn purchases(
        &self,
        _: Address,
        _: PurchaseRole,
    ) -> Result<Vec<PurchaseState>, LedgerError> {
        Err(unsupported(NEEDS_CONTRACTS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(sequence: u64) -> TransferRecord {
        TransferRecord {
            kind: super::super::MovementKind::Transfer,
            txid: [sequence as u8; 32],
            from: Address::from_evm([1; 20]),
            to: Address::from_evm([2; 20]),
            amount: Amount {
                token: Token::Bttc,
                base_units: 1,
            },
            memo: Vec::new(),
            timestamp_ms: 0,
            sequence,
            applied_at_ms: 0,
            fee: Some(0),
        }
    }

    #[test]
    fn pages_end_on_a_block_boundary() {
        let records = vec![at(1), at(2), at(2), at(2), at(3)];
        let sequences = |kept: Vec<TransferRecord>| -> Vec<u64> {
            kept.iter().map(|record| record.sequence).collect()
        };
        assert_eq!(sequences(whole_blocks(records.clone(), 2)), [1, 2, 2, 2]);
        assert_eq!(sequences(whole_blocks(records.clone(), 1)), [1]);
        assert_eq!(sequences(whole_blocks(records, 10)), [1, 2, 2, 2, 3]);
    }

    #[test]
    fn node_messages_become_one_printable_line() {
        assert_eq!(one_line("a\n\nb\u{1b}[31m c\r\n"), "a b [31m c");
        assert_eq!(one_line(&"x".repeat(1000)).len(), MESSAGE_CHARS);
    }

    #[test]
    fn node_refusals_are_classified() {
        assert_eq!(
            refusal_kind("insufficient funds for gas * price + value"),
            ErrorKind::InsufficientBalance
        );
        assert_eq!(refusal_kind("nonce too low"), ErrorKind::Replay);
        assert_eq!(refusal_kind("already known"), ErrorKind::Replay);
        assert_eq!(
            refusal_kind("transaction already imported"),
            ErrorKind::Replay
        );
        assert_eq!(refusal_kind("execution reverted"), ErrorKind::Refused);
    }
}
