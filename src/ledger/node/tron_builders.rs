//! The node's TRON transaction endpoints: the builders
//! (`/wallet/createtransaction` for TRX, `/wallet/transferasset` for the
//! TRC-10 BTT, `/wallet/triggersmartcontract` for a TRC-20
//! `transfer(address,uint256)`), which answer an unsigned transaction
//! (`txID`, `raw_data`, `raw_data_hex`) referencing the ledger's head block
//! and valid for [`BUILT_LIFETIME_MS`], and `/wallet/broadcasttransaction`,
//! which applies a signed one.
//!
//! Built transactions are in TRON's `"visible": false` form (addresses hex)
//! whatever the request's `visible`; addresses in requests may be either.
//! A broadcast's `raw_data_hex` is the authority (its SHA-256 must be the
//! `txID` the signature covers); `raw_data`, when sent in the hex form, must
//! say the same, and is ignored when the request says `"visible": true`
//! (base58 addresses).
//!
//! `/wallet/triggerconstantcontract` answers the one constant call of the
//! TRC-20 BTT btt serves, `balanceOf(address)`, from the ledger's TRC-20
//! balances, as `{"result": {"result": true}, "constant_result": [WORD]}`.
//!
//! `/wallet/getsignweight` answers the owner permission and the transaction
//! with its `txID` for a `raw_data` (tronpy sends no `raw_data_hex`, and
//! broadcast accepts that too).
//!
//! Answers follow TRON's: status 200 always; a builder's refusal is
//! `{"Error": message}`; a broadcast answers `{"result": true, "txid"}` or
//! `{"code": TRON_CODE, "txid", "message": hex of the reason}` (text when
//! the request said `"visible": true`), with the ledger's own refusal name
//! under `"btt_code"` so a btt client can tell the refusals apart.

use super::tron_json;
use crate::amount::{Amount, Token};
use crate::ledger::error::LedgerError;
use crate::ledger::{Ledger, LocalLedger};
use crate::tron::abi::{
    amount_word, decode_address_word, decode_transfer, BALANCE_OF_SIGNATURE, TRANSFER_SELECTOR,
};
use crate::tron::contract::{btt_trc20_contract, BTT_TOKEN_ID};
use crate::tron::{
    Address, BlockReference, SignedTransaction, TransactionParams, TransferCall,
    UnsignedTransaction,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

/// How long a built transaction stays valid (TRON's default is 60 s).
pub const BUILT_LIFETIME_MS: i64 = 60_000;

/// The TRC-20 function the builder accepts.
const TRANSFER_SIGNATURE: &str = "transfer(address,uint256)";

/// `/wallet/createtransaction` and `/wallet/transferasset` bodies.
#[derive(Debug, Deserialize)]
struct TransferRequest {
    owner_address: String,
    to_address: String,
    amount: i64,
    #[serde(default)]
    asset_name: Option<String>,
    /// The memo, hex (TRON's `extra_data`).
    #[serde(default)]
    extra_data: Option<String>,
}

/// `/wallet/triggersmartcontract` body.
#[derive(Debug, Deserialize)]
struct TriggerRequest {
    owner_address: String,
    contract_address: String,
    function_selector: String,
    parameter: String,
    #[serde(default)]
    fee_limit: i64,
    #[serde(default)]
    call_value: i64,
}

/// `/wallet/triggerconstantcontract` body (the fields a constant call needs).
#[derive(Deserialize)]
struct ConstantRequest {
    contract_address: String,
    function_selector: String,
    parameter: String,
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, Value> {
    serde_json::from_slice(bytes)
        .map_err(|error| tron_json::error(format!("invalid request body: {error}")))
}

fn address(text: &str) -> Result<Address, Value> {
    text.parse().map_err(tron_json::error)
}

fn units(amount: i64) -> Result<u128, Value> {
    u128::try_from(amount)
        .ok()
        .filter(|units| *units > 0)
        .ok_or_else(|| tron_json::error(format!("amount must be positive, got {amount}")))
}

fn memo(extra_data: Option<&str>) -> Result<Vec<u8>, Value> {
    extra_data.map_or(Ok(Vec::new()), |text| {
        hex::decode(text).map_err(|_| tron_json::error(format!("extra_data {text:?} is not hex")))
    })
}

/// Builds an unsigned transaction naming the ledger's head block.
async fn build(
    ledger: &LocalLedger,
    call: TransferCall,
    memo: Vec<u8>,
    fee_limit: i64,
) -> Result<UnsignedTransaction, Value> {
    let head = ledger.head().await.map_err(tron_json::error)?;
    let now = ledger
        .blocking(|store| Ok(store.now_ms()))
        .await
        .map_err(tron_json::error)?;
    let params = TransactionParams {
        reference: BlockReference::from_block_id(&tron_json::block_id(&ledger.id(), head)),
        timestamp: now,
        expiration: now + BUILT_LIFETIME_MS,
        memo,
        fee_limit,
    };
    UnsignedTransaction::new(call, &params).map_err(tron_json::error)
}

fn unsigned_json(transaction: &UnsignedTransaction) -> Value {
    serde_json::to_value(transaction.to_json()).unwrap_or_else(tron_json::error)
}

/// `POST /wallet/createtransaction`: a TRX transfer.
pub async fn create_transaction(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    Json(
        transfer(&ledger, &bytes, Token::Trx)
            .await
            .unwrap_or_else(|e| e),
    )
}

/// `POST /wallet/transferasset`: a transfer of the TRC-10 BTT.
pub async fn transfer_asset(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    Json(
        transfer(&ledger, &bytes, Token::Btt)
            .await
            .unwrap_or_else(|e| e),
    )
}

async fn transfer(ledger: &LocalLedger, bytes: &Bytes, token: Token) -> Result<Value, Value> {
    let request: TransferRequest = parse(bytes)?;
    if token == Token::Btt {
        check_asset(request.asset_name.as_deref())?;
    }
    let call = TransferCall {
        owner: address(&request.owner_address)?,
        to: address(&request.to_address)?,
        amount: Amount {
            token,
            base_units: units(request.amount)?,
        },
    };
    let built = build(ledger, call, memo(request.extra_data.as_deref())?, 0).await?;
    Ok(unsigned_json(&built))
}

/// The asset must be BTT's id, as text or as the hex of its text.
fn check_asset(asset_name: Option<&str>) -> Result<(), Value> {
    let name = asset_name.unwrap_or_default();
    let decoded = hex::decode(name)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    if name == BTT_TOKEN_ID || decoded.as_deref() == Some(BTT_TOKEN_ID) {
        return Ok(());
    }
    Err(tron_json::error(format!(
        "asset {name:?} is not served here; only BTT ({BTT_TOKEN_ID})"
    )))
}

/// `POST /wallet/triggersmartcontract`: a TRC-20 BTT `transfer(address,uint256)`.
pub async fn trigger_smart_contract(
    State(ledger): State<LocalLedger>,
    bytes: Bytes,
) -> Json<Value> {
    Json(trigger(&ledger, &bytes).await.unwrap_or_else(|e| e))
}

async fn trigger(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let request: TriggerRequest = parse(bytes)?;
    if address(&request.contract_address)? != btt_trc20_contract() {
        return Err(tron_json::error(format!(
            "contract {} is not served here; only the BTT TRC-20",
            request.contract_address
        )));
    }
    if request.function_selector.replace(' ', "") != TRANSFER_SIGNATURE || request.call_value != 0 {
        return Err(tron_json::error(format!(
            "only {TRANSFER_SIGNATURE} without call_value is served"
        )));
    }
    let parameter =
        hex::decode(&request.parameter).map_err(|_| tron_json::error("parameter is not hex"))?;
    let data = [TRANSFER_SELECTOR.as_slice(), &parameter].concat();
    let (to, base_units) = decode_transfer(&data).map_err(tron_json::error)?;
    let call = TransferCall {
        owner: address(&request.owner_address)?,
        to,
        amount: Amount {
            token: Token::BttTrc20,
            base_units,
        },
    };
    let built = build(ledger, call, Vec::new(), request.fee_limit).await?;
    Ok(json!({ "result": { "result": true }, "transaction": unsigned_json(&built) }))
}

/// `POST /wallet/triggerconstantcontract`: the TRC-20 BTT's `balanceOf(address)`.
pub async fn trigger_constant_contract(
    State(ledger): State<LocalLedger>,
    bytes: Bytes,
) -> Json<Value> {
    Json(constant(&ledger, &bytes).await.unwrap_or_else(|e| e))
}

async fn constant(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let request: ConstantRequest = parse(bytes)?;
    if address(&request.contract_address)? != btt_trc20_contract() {
        return Err(tron_json::error(format!(
            "contract {} is not served here; only the BTT TRC-20",
            request.contract_address
        )));
    }
    if request.function_selector.replace(' ', "") != BALANCE_OF_SIGNATURE {
        return Err(tron_json::error(format!(
            "only the constant call {BALANCE_OF_SIGNATURE} is served"
        )));
    }
    let word =
        hex::decode(&request.parameter).map_err(|_| tron_json::error("parameter is not hex"))?;
    let owner = decode_address_word(&word).map_err(tron_json::error)?;
    let balance = ledger
        .balance(owner, Token::BttTrc20)
        .await
        .map_err(tron_json::error)?;
    Ok(json!({
        "result": { "result": true },
        "constant_result": [hex::encode(amount_word(balance))],
    }))
}

/// `POST /wallet/getsignweight`: what java-tron answers for a transaction of
/// an account with the default owner permission (its own key, weight 1,
/// threshold 1), and the transaction with its `txID` and `raw_data_hex`.
/// tronpy builds this way: it sends `raw_data` alone and signs the `txID`
/// it gets back.
pub async fn get_sign_weight(bytes: Bytes) -> Json<Value> {
    Json(sign_weight(&bytes).unwrap_or_else(|e| e))
}

fn sign_weight(bytes: &Bytes) -> Result<Value, Value> {
    let body: Value = parse(bytes)?;
    let hex = body["raw_data_hex"].as_str();
    let raw_data = body.get("raw_data").filter(|raw| !raw.is_null());
    let unsigned = UnsignedTransaction::from_json_parts(hex, raw_data).map_err(tron_json::error)?;
    let owner = unsigned.transfer().owner.to_hex();
    Ok(json!({
        "permission": {
            "type": "Owner",
            "permission_name": "owner",
            "threshold": 1,
            "keys": [{ "address": owner, "weight": 1 }],
        },
        "transaction": {
            "result": { "result": true },
            "txid": unsigned.txid().to_string(),
            "transaction": unsigned_json(&unsigned),
        },
    }))
}

/// `POST /wallet/broadcasttransaction`: applies a signed transaction.
pub async fn broadcast_transaction(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    let mut body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let visible = body["visible"] == json!(true);
    if let (true, Some(object)) = (visible, body.as_object_mut()) {
        object.remove("raw_data");
    }
    let signed = match SignedTransaction::from_json(&body.to_string()) {
        Ok(signed) => signed,
        Err(error) => {
            let error = LedgerError::BadTransaction { source: error };
            return Json(refusal(&error, None, visible));
        }
    };
    let txid = signed.txid();
    match ledger.transfer(signed).await {
        Ok(_) => Json(json!({ "result": true, "txid": txid.to_string() })),
        Err(error) => Json(refusal(&error, Some(txid.to_string()), visible)),
    }
}

/// A broadcast refusal in TRON's shape.
fn refusal(error: &LedgerError, txid: Option<String>, visible: bool) -> Value {
    let text = error.to_string();
    let message = if visible { text } else { hex::encode(text) };
    let mut answer = json!({
        "code": tron_code(error),
        "message": message,
        "btt_code": error.code(),
    });
    if let Some(txid) = txid {
        answer["txid"] = json!(txid);
    }
    answer
}

/// The TRON broadcast code closest to a ledger refusal.
pub fn tron_code(error: &LedgerError) -> &'static str {
    match error {
        LedgerError::BadTransaction { .. } => "SIGERROR",
        LedgerError::Replay { .. } => "DUP_TRANSACTION_ERROR",
        LedgerError::Tapos { .. } => "TAPOS_ERROR",
        LedgerError::Expired { .. }
        | LedgerError::ExpirationTooFar { .. }
        | LedgerError::TimestampInFuture { .. } => "TRANSACTION_EXPIRATION_ERROR",
        LedgerError::Storage { .. }
        | LedgerError::CommitFailed { .. }
        | LedgerError::Worker { .. } => "OTHER_ERROR",
        _ => "CONTRACT_VALIDATE_ERROR",
    }
}
