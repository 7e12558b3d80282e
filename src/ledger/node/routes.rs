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

/// `/wallet/getnowblock` body (usually empty).
#[derive(Debug, Default, Deserialize)]
struct BlockQuery {}

/// Reads a JSON body, treating an empty body as `{}`.
fn body<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, Value> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(text)
        .map_err(|error| tron_json::error(format!("invalid request body: {error}")))
}

fn answer(result: Result<Value, Value>) -> Json<Value> {
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

/// `POST /wallet/getnowblock`.
pub async fn get_now_block(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    answer(now_block(&ledger, &bytes).await)
}

async fn now_block(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let BlockQuery {} = body(bytes)?;
    let (number, timestamp_ms) = ledger
        .blocking(|store| {
            let head = store.head()?;
            let time = store
                .movement(head)?
                .map_or(store.now_ms(), |record| record.applied_at_ms);
            Ok((head, time))
        })
        .await
        .map_err(tron_json::error)?;
    Ok(tron_json::block(&ledger.id(), number, timestamp_ms))
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

/// `GET /btt/info`: the ledger id, the head sequence and whether minting is on.
pub async fn info(State(ledger): State<LocalLedger>) -> Json<Value> {
    let head = ledger.head().await;
    answer(
        head.map_err(tron_json::error)
            .map(|head| json!({ "ledger_id": ledger.id(), "head": head, "dev": ledger.is_dev() })),
    )
}
