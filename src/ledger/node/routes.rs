//! The node's HTTP endpoints. TRON's API takes a JSON body (POST, or GET
//! with a body) and answers status 200 with either the result or
//! `{"Error": ...}`; an unknown account or transaction is `{}`. The node
//! does the same, so a standard TRON client reads it unchanged.

use super::tron_json;
use crate::amount::Token;
use crate::ledger::{Ledger, LocalLedger};
use crate::tron::Address;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

/// `/wallet/getaccount` body.
#[derive(Debug, Deserialize)]
struct AccountQuery {
    address: String,
    #[serde(default)]
    visible: bool,
}

/// `/wallet/gettransactionbyid` body.
#[derive(Debug, Deserialize)]
struct TransactionQuery {
    value: String,
    #[serde(default)]
    visible: bool,
}

/// Reads a JSON body, treating an empty body as `{}`.
pub(super) fn body<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, Value> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(text)
        .map_err(|error| tron_json::error(format!("invalid request body: {error}")))
}

/// The result, or TRON's error shape.
pub(super) fn answer(result: Result<Value, Value>) -> Json<Value> {
    Json(result.unwrap_or_else(|error| error))
}

/// `POST /wallet/getaccount {"address": ..., "visible": bool}`.
pub async fn get_account(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    answer(account(&ledger, &bytes).await)
}

async fn account(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let query: AccountQuery = body(bytes)?;
    let owner: Address = query.address.parse().map_err(tron_json::error)?;
    let seen = ledger
        .history(owner, 0, 1)
        .await
        .map_err(tron_json::error)?;
    if seen.is_empty() {
        return Ok(json!({}));
    }
    let trx = ledger
        .balance(owner, Token::Trx)
        .await
        .map_err(tron_json::error)?;
    let btt = ledger
        .balance(owner, Token::Btt)
        .await
        .map_err(tron_json::error)?;
    tron_json::account(&owner, trx, btt, query.visible).map_err(tron_json::error)
}

/// `POST /wallet/gettransactionbyid {"value": txid}`. A transfer applied
/// from a signed transaction is answered with that transaction byte for byte
/// (`raw_data_hex`, `signature`; addresses hex, `"visible": false`); other
/// changes (mints, channel movements) with a description in TRON's shape.
pub async fn get_transaction_by_id(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    answer(transaction_by_id(&ledger, &bytes).await)
}

async fn transaction_by_id(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let query: TransactionQuery = body(bytes)?;
    let txid = crate::ledger::id::parse_hex32(&query.value).map_err(tron_json::error)?;
    let Some(record) = ledger.transaction(txid).await.map_err(tron_json::error)? else {
        return Ok(json!({}));
    };
    match ledger
        .signed_transaction(txid)
        .await
        .map_err(tron_json::error)?
    {
        Some(signed) => tron_json::signed_transaction(&signed, &record).map_err(tron_json::error),
        None => tron_json::transaction(&record, query.visible).map_err(tron_json::error),
    }
}

/// `POST /wallet/gettransactioninfobyid {"value": txid}`: the receipt of an
/// applied change (every applied change succeeded; the ledger charges no
/// fee, so java-tron's zero `fee` and empty bandwidth are left out, as it
/// leaves out zeros).
pub async fn get_transaction_info_by_id(
    State(ledger): State<LocalLedger>,
    bytes: Bytes,
) -> Json<Value> {
    answer(transaction_info(&ledger, &bytes).await)
}

async fn transaction_info(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let query: TransactionQuery = body(bytes)?;
    let txid = crate::ledger::id::parse_hex32(&query.value).map_err(tron_json::error)?;
    match ledger.transaction(txid).await.map_err(tron_json::error)? {
        Some(record) => {
            tron_json::transaction_info(&record, query.visible).map_err(tron_json::error)
        }
        None => Ok(json!({})),
    }
}

/// `GET /btt/info`: the ledger id, the head sequence and whether minting is on.
pub async fn info(State(ledger): State<LocalLedger>) -> Json<Value> {
    let head = ledger.head().await;
    answer(
        head.map_err(tron_json::error)
            .map(|head| json!({ "ledger_id": ledger.id(), "head": head, "dev": ledger.is_dev() })),
    )
}
