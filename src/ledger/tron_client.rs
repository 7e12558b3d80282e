//! The `tron` backend: a client of a TRON full node's HTTP API
//! (`/wallet/getaccount`, `/wallet/triggerconstantcontract`,
//! `/wallet/getnowblock`, `/wallet/broadcasttransaction`,
//! `/wallet/gettransactionbyid`). Its BTT is the TRC-20 token (18 decimals,
//! `TriggerSmartContract` calling `transfer`); the TRC-10 `1002000` is
//! BTTOLD since the 2021 redenomination. It reads TRX, BTTOLD and BTT
//! balances (`balanceOf`, its one word
//! checked: exactly 32 bytes, at most 128 bits) and broadcasts signed transfers; TRON has
//! no faucet, no btt channels or campaigns and no account history in the
//! full-node API, so those are refused with [`LedgerError::Unsupported`]
//! (minting with [`LedgerError::MintDisabled`]).
//!
//! TRON answers status 200 with `{"Error": ...}` for a bad request and
//! `{"code", "txid", "message"}` (message hex) for a refused broadcast; the
//! codes are mapped back to the ledger's error kinds, so the CLI's exit
//! statuses work the same as on btt's own ledgers. A `btt-wallet node`
//! speaks the same subset, which is how this client is tested here.
//!
//! A broadcast transfer is not yet in a block: its record has sequence 0.

use super::channel::{
    ChannelRole, ChannelState, CloseChannel, OpenChannel, RedeemVoucher, RefundChannel,
};
use super::domain::Signed;
use super::error::LedgerError;
use super::error_kind::ErrorKind;
use super::escrow::{CampaignState, CreateCampaign, Pledge};
use super::id::{CampaignId, ChannelId, LedgerId, PurchaseId};
use super::purchase::{DeliverPurchase, OpenPurchase, PurchaseRole, PurchaseState};
use super::{Ledger, MovementKind, TransferRecord};
use crate::amount::{Amount, Token};
use crate::clock::now_ms;
use crate::tron::abi::{address_word, decode_amount_word, BALANCE_OF_SIGNATURE};
use crate::tron::contract::{btt_trc20_contract, BTT_TOKEN_ID};
use crate::tron::{Address, BlockReference, SignedTransaction};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// TronGrid's mainnet full node.
pub const MAINNET_URL: &str = "https://api.trongrid.io";

/// TronGrid's Nile testnet full node.
pub const NILE_URL: &str = "https://nile.trongrid.io";

const BACKEND: &str = "tron";

/// A client of one TRON full node.
#[derive(Debug, Clone)]
pub struct TronClient {
    base: String,
    http: reqwest::Client,
}

impl TronClient {
    /// A client of the full node at `base` (e.g. [`MAINNET_URL`]).
    pub fn new(base: &str) -> Result<TronClient, LedgerError> {
        let http = crate::http_client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|error| unreachable(base, &error))?;
        Ok(TronClient {
            base: base.trim_end_matches('/').to_string(),
            http,
        })
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, LedgerError> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .post(&url)
            .json(body)
            .send()
            .await
            .map_err(|error| unreachable(&url, &error))?;
        if !response.status().is_success() {
            return Err(unreachable(
                &url,
                &format!("HTTP status {}", response.status()),
            ));
        }
        let value: Value = response
            .json()
            .await
            .map_err(|error| unreachable(&url, &error))?;
        match value.get("Error") {
            Some(message) => Err(LedgerError::Remote {
                kind: ErrorKind::TronError,
                message: message
                    .as_str()
                    .map_or_else(|| message.to_string(), str::to_string),
            }),
            None => Ok(value),
        }
    }

    /// Broadcasts a signed transaction.
    pub async fn broadcast(&self, transaction: &SignedTransaction) -> Result<(), LedgerError> {
        let body = serde_json::to_value(transaction.to_json())
            .map_err(|error| unreachable(&self.base, &error))?;
        let answer = self.post("/wallet/broadcasttransaction", &body).await?;
        broadcast_result(&answer)
    }
}

/// Reads a broadcast answer: `{"result": true}` or a refusal.
pub fn broadcast_result(answer: &Value) -> Result<(), LedgerError> {
    if answer["result"] == json!(true) {
        return Ok(());
    }
    let code = answer["code"].as_str().unwrap_or("OTHER_ERROR");
    let raw = answer["message"].as_str().unwrap_or_default();
    let message = hex::decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| raw.to_string());
    // A btt node names its refusal too; a TRON node only has its code.
    let kind = answer["btt_code"]
        .as_str()
        .and_then(ErrorKind::from_code)
        .unwrap_or_else(|| refusal_kind(code, &message));
    Err(LedgerError::Remote {
        kind,
        message: format!("{code}: {message}"),
    })
}

/// The ledger's kind for a TRON broadcast code.
fn refusal_kind(code: &str, message: &str) -> ErrorKind {
    match code {
        "SIGERROR" => ErrorKind::BadTransaction,
        "DUP_TRANSACTION_ERROR" => ErrorKind::Replay,
        "TRANSACTION_EXPIRATION_ERROR" => ErrorKind::Expired,
        "CONTRACT_VALIDATE_ERROR" if message.contains("balance is not sufficient") => {
            ErrorKind::InsufficientBalance
        }
        "CONTRACT_VALIDATE_ERROR"
        | "CONTRACT_EXE_ERROR"
        | "TAPOS_ERROR"
        | "TOO_BIG_TRANSACTION_ERROR" => ErrorKind::Refused,
        "BANDWITH_ERROR" => ErrorKind::InsufficientBalance,
        _ => ErrorKind::TronError,
    }
}

/// The balance of `token` in a `/wallet/getaccount` answer (`{}` for an
/// account TRON has never seen).
pub fn account_balance(account: &Value, token: Token) -> Result<u128, LedgerError> {
    let units = match token {
        Token::Trx => account["balance"].as_i64().unwrap_or(0),
        Token::Btt => account["assetV2"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|asset| asset["key"] == BTT_TOKEN_ID)
            .and_then(|asset| asset["value"].as_i64())
            .unwrap_or(0),
        Token::BttTrc20 => {
            return Err(LedgerError::Unsupported {
                backend: BACKEND,
                operation: "TRC-20 balances in an account (they are asked of the contract)",
            })
        }
        Token::Bttc => {
            return Err(LedgerError::Unsupported {
                backend: BACKEND,
                operation: "BTT of BitTorrent Chain",
            })
        }
    };
    u128::try_from(units).map_err(|_| LedgerError::Remote {
        kind: ErrorKind::TronError,
        message: format!("negative balance {units}"),
    })
}

/// The balance in a `balanceOf` answer: `constant_result` must be one
/// 32-byte word that fits 128 bits, after `result.result` is true.
pub fn trc20_balance(answer: &Value) -> Result<u128, LedgerError> {
    let refused = |message: String| LedgerError::Remote {
        kind: ErrorKind::TronError,
        message,
    };
    if answer["result"]["result"] != json!(true) {
        return Err(refused(format!("balanceOf was not answered: {answer}")));
    }
    let word = match answer["constant_result"].as_array().map(Vec::as_slice) {
        Some([word]) => word.as_str().and_then(|digits| hex::decode(digits).ok()),
        _ => None,
    }
    .ok_or_else(|| refused("balanceOf answered no single hex word".to_string()))?;
    decode_amount_word(&word).map_err(|error| refused(format!("balanceOf: {error}")))
}

/// The record of a transaction TRON holds, from its raw bytes (`None` for `{}`).
pub fn transaction_record(answer: &Value) -> Result<Option<TransferRecord>, LedgerError> {
    if answer.as_object().is_some_and(serde_json::Map::is_empty) {
        return Ok(None);
    }
    let minimal = json!({
        "txID": answer["txID"],
        "raw_data_hex": answer["raw_data_hex"],
        "signature": answer["signature"],
    });
    let signed = SignedTransaction::from_json(&minimal.to_string())
        .map_err(|source| LedgerError::BadTransaction { source })?;
    let unsigned = signed.unsigned();
    let call = unsigned.transfer();
    Ok(Some(TransferRecord {
        kind: MovementKind::Transfer,
        txid: signed.txid().0,
        from: call.owner,
        to: call.to,
        amount: call.amount,
        memo: unsigned.memo().to_vec(),
        timestamp_ms: unsigned.timestamp(),
        sequence: answer["blockNumber"].as_u64().unwrap_or(0),
        applied_at_ms: unsigned.timestamp(),
        fee: None,
    }))
}

fn unsupported(operation: &'static str) -> LedgerError {
    LedgerError::Unsupported {
        backend: BACKEND,
        operation,
    }
}

fn unreachable(url: &str, error: &dyn std::fmt::Display) -> LedgerError {
    LedgerError::Unreachable {
        url: url.to_string(),
        message: error.to_string(),
    }
}

impl Ledger for TronClient {
    /// TRON has no btt ledger id; this names the node's URL, so that nothing
    /// signed for a btt ledger is valid here.
    async fn ledger_id(&self) -> Result<LedgerId, LedgerError> {
        let mut hasher = Sha256::new();
        hasher.update(b"btt-tron-ledger-v1");
        hasher.update(self.base.as_bytes());
        Ok(LedgerId(hasher.finalize().into()))
    }

    /// BTT on TRON is the TRC-20 since the 2021 redenomination; the TRC-10
    /// `1002000` is BTTOLD.
    fn native_token(&self) -> Token {
        Token::BttTrc20
    }

    async fn head(&self) -> Result<u64, LedgerError> {
        let block = self.post("/wallet/getnowblock", &json!({})).await?;
        Ok(block["block_header"]["raw_data"]["number"]
            .as_u64()
            .unwrap_or(0))
    }

    async fn reference_block(&self) -> Result<BlockReference, LedgerError> {
        let block = self.post("/wallet/getnowblock", &json!({})).await?;
        let id = block["blockID"]
            .as_str()
            .and_then(|text| hex::decode(text).ok())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| unreachable(&self.base, &"getnowblock gave no 32-byte blockID"))?;
        Ok(BlockReference::from_block_id(&id))
    }

    async fn balance(&self, address: Address, token: Token) -> Result<u128, LedgerError> {
        if token == Token::BttTrc20 {
            let body = json!({
                "owner_address": address.to_string(),
                "contract_address": btt_trc20_contract().to_string(),
                "function_selector": BALANCE_OF_SIGNATURE,
                "parameter": hex::encode(address_word(&address)),
                "visible": true,
            });
            let answer = self.post("/wallet/triggerconstantcontract", &body).await?;
            return trc20_balance(&answer);
        }
        let body = json!({ "address": address.to_string(), "visible": true });
        let account = self.post("/wallet/getaccount", &body).await?;
        account_balance(&account, token)
    }

    async fn transfer(
        &self,
        transaction: SignedTransaction,
    ) -> Result<TransferRecord, LedgerError> {
        let verified = transaction
            .verify()
            .map_err(|source| LedgerError::BadTransaction { source })?;
        self.broadcast(&transaction).await?;
        Ok(TransferRecord {
            kind: MovementKind::Transfer,
            txid: verified.txid.0,
            from: verified.owner,
            to: verified.to,
            amount: verified.amount,
            memo: verified.memo,
            timestamp_ms: verified.timestamp,
            sequence: 0,
            applied_at_ms: now_ms(),
            fee: None,
        })
    }

    async fn mint(&self, _to: Address, _amount: Amount) -> Result<TransferRecord, LedgerError> {
        Err(LedgerError::MintDisabled)
    }

    async fn transaction(&self, txid: [u8; 32]) -> Result<Option<TransferRecord>, LedgerError> {
        let body = json!({ "value": hex::encode(txid) });
        let answer = self.post("/wallet/gettransactionbyid", &body).await?;
        transaction_record(&answer)
    }

    async fn history(
        &self,
        _address: Address,
        _since_ms: i64,
        _limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        Err(unsupported("account history"))
    }

    async fn history_after(
        &self,
        _address: Address,
        _after: u64,
        _limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        Err(unsupported("account history"))
    }

    async fn open_channel(&self, _: Signed<OpenChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported("payment channels"))
    }

    async fn redeem_voucher(&self, _: Signed<RedeemVoucher>) -> Result<ChannelState, LedgerError> {
        Err(unsupported("payment channels"))
    }

    async fn close_channel(&self, _: Signed<CloseChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported("payment channels"))
    }

    async fn refund_channel(&self, _: Signed<RefundChannel>) -> Result<ChannelState, LedgerError> {
        Err(unsupported("payment channels"))
    }

    async fn channel(&self, _: ChannelId) -> Result<Option<ChannelState>, LedgerError> {
        Err(unsupported("payment channels"))
    }

    async fn channels(&self, _: Address, _: ChannelRole) -> Result<Vec<ChannelState>, LedgerError> {
        Err(unsupported("payment channels"))
    }

    async fn create_campaign(
        &self,
        _: Signed<CreateCampaign>,
    ) -> Result<CampaignState, LedgerError> {
        Err(unsupported("campaigns"))
    }

    async fn pledge(&self, _: Signed<Pledge>) -> Result<CampaignState, LedgerError> {
        Err(unsupported("campaigns"))
    }

    async fn settle_campaign(&self, _: CampaignId) -> Result<CampaignState, LedgerError> {
        Err(unsupported("campaigns"))
    }

    async fn campaign(&self, _: CampaignId) -> Result<Option<CampaignState>, LedgerError> {
        Err(unsupported("campaigns"))
    }

    async fn open_purchase(&self, _: Signed<OpenPurchase>) -> Result<PurchaseState, LedgerError> {
        Err(unsupported("purchase escrow"))
    }

    async fn deliver_purchase(
        &self,
        _: Signed<DeliverPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        Err(unsupported("purchase escrow"))
    }

    async fn refund_purchase(&self, _: PurchaseId) -> Result<PurchaseState, LedgerError> {
        Err(unsupported("purchase escrow"))
    }

    async fn purchase(&self, _: PurchaseId) -> Result<Option<PurchaseState>, LedgerError> {
        Err(unsupported("purchase escrow"))
    }

    async fn purchases(
        &self,
        _: Address,
        _: PurchaseRole,
    ) -> Result<Vec<PurchaseState>, LedgerError> {
        Err(unsupported("purchase escrow"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/wallet/getaccount` as TRON's documentation shows it (trimmed), with
    /// a BTT entry in `assetV2`.
    const ACCOUNT: &str = r#"{
        "address": "41dd791d6b49e190062d650e6a23c575510d35f2f9",
        "balance": 1793227200,
        "create_time": 1776933207000,
        "latest_opration_time": 1777444809000,
        "free_net_usage": 441,
        "assetV2": [{"key": "1000001", "value": 5}, {"key": "1002000", "value": 2500000}]
    }"#;

    /// A refused broadcast as TRON's documentation shows it.
    const SIGERROR: &str = r#"{
        "code": "SIGERROR",
        "txid": "77ddfa7093cc5f745c0d3a54abb89ef070f983343c05e0f89e5a52f3e5401299",
        "message": "56616c6964617465207369676e6174757265206572726f723a206d69737320736967206f7220636f6e7472616374"
    }"#;

    #[test]
    fn account_fixtures_give_trx_and_btt() {
        let account: Value = serde_json::from_str(ACCOUNT).unwrap();
        assert_eq!(
            account_balance(&account, Token::Trx).unwrap(),
            1_793_227_200
        );
        assert_eq!(account_balance(&account, Token::Btt).unwrap(), 2_500_000);
        assert_eq!(account_balance(&json!({}), Token::Btt).unwrap(), 0);
        assert!(matches!(
            account_balance(&account, Token::BttTrc20),
            Err(LedgerError::Unsupported { .. })
        ));
    }

    #[test]
    fn broadcast_fixtures_map_to_refusals() {
        assert!(broadcast_result(&json!({ "result": true, "txid": "00" })).is_ok());
        let error = broadcast_result(&serde_json::from_str(SIGERROR).unwrap()).unwrap_err();
        match error {
            LedgerError::Remote { kind, message } => {
                assert_eq!(kind, ErrorKind::BadTransaction);
                assert!(message.contains("miss sig or contract"), "{message}");
            }
            other => panic!("{other}"),
        }
        let poor = json!({
            "code": "CONTRACT_VALIDATE_ERROR",
            "message": hex::encode("Contract validate error : Validate TransferContract error, balance is not sufficient."),
        });
        assert!(broadcast_result(&poor).unwrap_err().is_insufficient_funds());
    }

    /// `triggerconstantcontract` for `balanceOf` as TRON's documentation
    /// shows it (trimmed): 2.5 BTT of the 18-decimal TRC-20.
    const BALANCE_OF: &str = r#"{
        "result": {"result": true},
        "energy_used": 529,
        "constant_result": ["00000000000000000000000000000000000000000000000022b1c8c1227a0000"],
        "transaction": {"ret": [{}], "visible": false, "txID": "00"}
    }"#;

    #[test]
    fn balance_of_answers_are_read_and_checked() {
        let answer: Value = serde_json::from_str(BALANCE_OF).unwrap();
        assert_eq!(trc20_balance(&answer).unwrap(), 2_500_000_000_000_000_000);
        let huge = json!({"result": {"result": true}, "constant_result": ["01".repeat(32)]});
        assert!(trc20_balance(&huge).is_err());
        let two = json!({"result": {"result": true}, "constant_result": ["00".repeat(32), "00".repeat(32)]});
        assert!(trc20_balance(&two).is_err());
        let short = json!({"result": {"result": true}, "constant_result": ["00".repeat(31)]});
        assert!(trc20_balance(&short).is_err());
        let failed =
            json!({"result": {"code": "CONTRACT_EXE_ERROR"}, "constant_result": ["00".repeat(32)]});
        assert!(trc20_balance(&failed).is_err());
    }

    #[test]
    fn an_unknown_transaction_is_none() {
        assert_eq!(transaction_record(&json!({})).unwrap(), None);
    }
}
