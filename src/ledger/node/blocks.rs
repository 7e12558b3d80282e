//! The node's block endpoints, in java-tron's shapes: `getnodeinfo` (the
//! latest block's number and id), `getnowblock` (the
//! latest block with its transactions), `getblock` (`{"id_or_num",
//! "detail"}`, the latest when `id_or_num` is missing; the header alone
//! unless `detail`), `getblockbynum` (`{"num"}`) and `getblockbyid`
//! (`{"value"}`). An unknown block is `{}`.
//!
//! Block `n` is the ledger's change with sequence `n` (block 0 is the empty
//! ledger, with no transaction); see [`tron_json`] for its id. A block's
//! timestamp is when its change was applied, except the head's, which is the
//! ledger clock's now: a TRON chain makes a block every 3 s, so its head is
//! never older than that, and clients date what they build by it (TronWeb
//! sets `expiration` to the head block's timestamp plus 60 s). The ledger
//! makes a block only per change, so an idle ledger's head dated by its
//! change would make every such transaction expired on arrival.

use super::routes::{answer, body};
use super::tron_json;
use crate::ledger::{Ledger, LedgerError, LocalLedger, TransferRecord};
use crate::tron::SignedTransaction;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

/// `getnowblock` body (usually empty).
#[derive(Debug, Deserialize)]
struct NowQuery {
    #[serde(default)]
    visible: bool,
}

/// `getblock` body.
#[derive(Debug, Deserialize)]
struct BlockQuery {
    /// A number (decimal, as text or a JSON number) or a 64-hex-digit id.
    #[serde(default)]
    id_or_num: Option<Value>,
    #[serde(default)]
    detail: bool,
    #[serde(default)]
    visible: bool,
}

/// `getblockbynum` body.
#[derive(Debug, Deserialize)]
struct NumQuery {
    num: u64,
    #[serde(default)]
    visible: bool,
}

/// `getblockbyid` body.
#[derive(Debug, Deserialize)]
struct IdQuery {
    value: String,
    #[serde(default)]
    visible: bool,
}

/// Which block a request names.
enum Wanted {
    Latest,
    Number(u64),
    Id([u8; 32]),
}

/// One block as the store holds it.
struct Block {
    number: u64,
    timestamp_ms: i64,
    change: Option<TransferRecord>,
    signed: Option<SignedTransaction>,
}

/// `POST /wallet/getnodeinfo`: the latest block, as `block` and
/// `solidityBlock` (`"Num:N,ID:hex"`; tronpy builds on it), and the number
/// the node began from (0). Peers, flow and machine fields are left out: the
/// node has no peers.
pub async fn get_node_info(State(ledger): State<LocalLedger>) -> Json<Value> {
    answer(node_info(&ledger).await)
}

async fn node_info(ledger: &LocalLedger) -> Result<Value, Value> {
    let head = ledger.head().await.map_err(tron_json::error)?;
    let block = format!(
        "Num:{head},ID:{}",
        hex::encode(tron_json::block_id(&ledger.id(), head))
    );
    Ok(json!({ "beginSyncNum": 0, "block": block, "solidityBlock": block }))
}

/// `POST /wallet/getnowblock`: the latest block with its transactions.
pub async fn get_now_block(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    answer(now_block(&ledger, &bytes).await)
}

async fn now_block(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let query: NowQuery = body(bytes)?;
    serve(ledger, Wanted::Latest, true, query.visible).await
}

/// `POST /wallet/getblock {"id_or_num", "detail"}`.
pub async fn get_block(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    answer(block_query(&ledger, &bytes).await)
}

async fn block_query(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let query: BlockQuery = body(bytes)?;
    let wanted = match query.id_or_num {
        None | Some(Value::Null) => Wanted::Latest,
        Some(Value::String(text)) if text.is_empty() => Wanted::Latest,
        Some(Value::String(text)) if text.len() == 64 => Wanted::Id(parse_id(&text)?),
        Some(Value::String(text)) => Wanted::Number(parse_number(&text)?),
        Some(Value::Number(number)) => Wanted::Number(parse_number(&number.to_string())?),
        Some(other) => {
            return Err(tron_json::error(format!(
                "id_or_num {other} is not a block"
            )))
        }
    };
    serve(ledger, wanted, query.detail, query.visible).await
}

/// `POST /wallet/getblockbynum {"num"}`.
pub async fn get_block_by_num(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    answer(by_num(&ledger, &bytes).await)
}

async fn by_num(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let query: NumQuery = body(bytes)?;
    serve(ledger, Wanted::Number(query.num), true, query.visible).await
}

/// `POST /wallet/getblockbyid {"value"}`.
pub async fn get_block_by_id(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    answer(by_id(&ledger, &bytes).await)
}

async fn by_id(ledger: &LocalLedger, bytes: &Bytes) -> Result<Value, Value> {
    let query: IdQuery = body(bytes)?;
    let id = parse_id(&query.value)?;
    serve(ledger, Wanted::Id(id), true, query.visible).await
}

fn parse_id(text: &str) -> Result<[u8; 32], Value> {
    crate::ledger::id::parse_hex32(text).map_err(tron_json::error)
}

fn parse_number(text: &str) -> Result<u64, Value> {
    text.parse()
        .map_err(|_| tron_json::error(format!("id_or_num {text:?} is not a block number or id")))
}

/// The wanted block in TRON's JSON, or `{}` when there is none.
async fn serve(
    ledger: &LocalLedger,
    wanted: Wanted,
    detail: bool,
    visible: bool,
) -> Result<Value, Value> {
    let number = match wanted {
        Wanted::Latest => None,
        Wanted::Number(number) => Some(number),
        Wanted::Id(id) => match number_of(ledger, &id) {
            Some(number) => Some(number),
            None => return Ok(json!({})),
        },
    };
    let Some(block) = load(ledger, number).await.map_err(tron_json::error)? else {
        return Ok(json!({}));
    };
    let mut value = tron_json::block(&ledger.id(), block.number, block.timestamp_ms);
    if let (true, Some(change)) = (detail, &block.change) {
        let transaction = match &block.signed {
            Some(signed) => tron_json::signed_transaction(signed, change),
            None => tron_json::transaction(change, visible),
        };
        value["transactions"] = json!([transaction.map_err(tron_json::error)?]);
    }
    Ok(value)
}

/// The number of the block with this id on `ledger`, if the id is one of its.
fn number_of(ledger: &LocalLedger, id: &[u8; 32]) -> Option<u64> {
    let mut number = [0u8; 8];
    number.copy_from_slice(&id[..8]);
    let number = u64::from_be_bytes(number);
    (tron_json::block_id(&ledger.id(), number) == *id).then_some(number)
}

/// Block `number` (the head when `None`), if the ledger has reached it.
async fn load(ledger: &LocalLedger, number: Option<u64>) -> Result<Option<Block>, LedgerError> {
    ledger
        .blocking(move |store| {
            let head = store.head()?;
            let number = number.unwrap_or(head);
            if number > head {
                return Ok(None);
            }
            let change = store.movement(number)?;
            let signed = match &change {
                Some(record) => store.signed_transaction(&record.txid)?,
                None => None,
            };
            let timestamp_ms = if number == head {
                store.now_ms()
            } else {
                change.as_ref().map_or(0, |record| record.applied_at_ms)
            };
            Ok(Some(Block {
                number,
                timestamp_ms,
                change,
                signed,
            }))
        })
        .await
}
