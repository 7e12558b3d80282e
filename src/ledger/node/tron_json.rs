//! The JSON shapes of TRON's full-node HTTP API that the ledger node
//! answers with, built from the ledger's own records: accounts
//! (`/wallet/getaccount`), blocks (`/wallet/getnowblock`, `/wallet/getblock`),
//! transactions (`/wallet/gettransactionbyid`) and their receipts
//! (`/wallet/gettransactioninfobyid`).
//!
//! A block is one applied change: its number is the change's sequence and
//! its id is, as on TRON, the 8-byte big-endian number followed by 24 bytes
//! of a hash (here SHA-256 over a tag, the ledger id and the number), so a
//! TRON client derives `ref_block_bytes` and `ref_block_hash` from it the
//! usual way. TRON amounts are int64, so a balance past `i64::MAX` is an
//! error rather than a wrong number.

use crate::amount::Token;
use crate::ledger::id::LedgerId;
use crate::ledger::TransferRecord;
use crate::tron::Address;
use crate::tron::SignedTransaction;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The TRC-10 id of BTT.
pub const BTT_TOKEN_ID: &str = "1002000";

/// The TRC-20 BTT contract.
pub const BTT_TRC20_CONTRACT: &str = "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4";

/// TRON's error shape: status 200 with `{"Error": message}`.
pub fn error(message: impl std::fmt::Display) -> Value {
    json!({ "Error": message.to_string() })
}

/// A base-unit amount as TRON's int64, or why not.
pub fn int64(units: u128) -> Result<i64, String> {
    i64::try_from(units).map_err(|_| format!("amount {units} does not fit TRON's int64"))
}

/// Writes an address as TRON does: base58 when `visible`, else 42 hex digits.
pub fn address(address: &Address, visible: bool) -> Value {
    if visible {
        Value::String(address.to_string())
    } else {
        Value::String(address.to_hex())
    }
}

/// An account with its TRX balance and TRC-10 BTT in `assetV2`.
pub fn account(owner: &Address, trx: u128, btt: u128, visible: bool) -> Result<Value, String> {
    let mut account = json!({
        "address": address(owner, visible),
        "balance": int64(trx)?,
    });
    if btt > 0 {
        account["assetV2"] = json!([{ "key": BTT_TOKEN_ID, "value": int64(btt)? }]);
    }
    Ok(account)
}

/// The id of block `number` on `ledger`.
pub fn block_id(ledger: &LedgerId, number: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"btt-block-v1");
    hasher.update(ledger.as_bytes());
    hasher.update(number.to_be_bytes());
    let mut id: [u8; 32] = hasher.finalize().into();
    id[..8].copy_from_slice(&number.to_be_bytes());
    id
}

/// The latest block: the change with the highest sequence (0 for a new ledger).
pub fn block(ledger: &LedgerId, number: u64, timestamp_ms: i64) -> Value {
    let parent = number
        .checked_sub(1)
        .map_or([0u8; 32], |parent| block_id(ledger, parent));
    json!({
        "blockID": hex::encode(block_id(ledger, number)),
        "block_header": {
            "raw_data": {
                "number": number,
                "timestamp": timestamp_ms,
                "parentHash": hex::encode(parent),
                "version": 1,
            }
        }
    })
}

/// A change as a TRON transaction, with the ledger's own record under `"btt"`.
pub fn transaction(record: &TransferRecord, visible: bool) -> Result<Value, String> {
    let (contract_type, value) = contract(record, visible)?;
    Ok(json!({
        "txID": hex::encode(record.txid),
        "ret": [{ "contractRet": "SUCCESS" }],
        "raw_data": {
            "contract": [{
                "parameter": {
                    "value": value,
                    "type_url": format!("type.googleapis.com/protocol.{contract_type}"),
                },
                "type": contract_type,
            }],
            "data": hex::encode(&record.memo),
            "timestamp": record.timestamp_ms,
        },
        "blockNumber": record.sequence,
        "btt": record,
    }))
}

/// A stored signed transaction in TRON's JSON, with the ledger's own record
/// under `"btt"`.
pub fn signed_transaction(
    signed: &SignedTransaction,
    record: &TransferRecord,
) -> Result<Value, String> {
    let mut value = serde_json::to_value(signed.to_json()).map_err(|error| error.to_string())?;
    if let Some(object) = value.as_object_mut() {
        object.insert("ret".to_string(), json!([{ "contractRet": "SUCCESS" }]));
        object.insert("blockNumber".to_string(), json!(record.sequence));
        object.insert(
            "btt".to_string(),
            serde_json::to_value(record).map_err(|error| error.to_string())?,
        );
    }
    Ok(value)
}

fn contract(record: &TransferRecord, visible: bool) -> Result<(&'static str, Value), String> {
    let owner = address(&record.from, visible);
    let units = record.amount.base_units;
    Ok(match record.amount.token {
        Token::Trx => (
            "TransferContract",
            json!({ "owner_address": owner, "to_address": address(&record.to, visible), "amount": int64(units)? }),
        ),
        Token::Btt => {
            let asset = if visible {
                BTT_TOKEN_ID.to_string()
            } else {
                hex::encode(BTT_TOKEN_ID)
            };
            (
                "TransferAssetContract",
                json!({
                    "owner_address": owner,
                    "to_address": address(&record.to, visible),
                    "asset_name": asset,
                    "amount": int64(units)?,
                }),
            )
        }
        Token::Bttc => return Err("BTT of BitTorrent Chain is not a TRON transfer".to_string()),
        Token::BttTrc20 => {
            let contract: Address = BTT_TRC20_CONTRACT
                .parse()
                .map_err(|error| format!("BTT contract address: {error}"))?;
            (
                "TriggerSmartContract",
                json!({
                    "owner_address": owner,
                    "contract_address": address(&contract, visible),
                    "data": trc20_transfer_data(&record.to, units),
                }),
            )
        }
    })
}

/// The receipt of an applied change (`/wallet/gettransactioninfobyid`).
pub fn transaction_info(record: &TransferRecord, visible: bool) -> Result<Value, String> {
    let mut info = json!({
        "id": hex::encode(record.txid),
        "blockNumber": record.sequence,
        "blockTimeStamp": record.applied_at_ms,
        "contractResult": [""],
        "receipt": {},
    });
    if record.amount.token == Token::BttTrc20 {
        let contract: Address = BTT_TRC20_CONTRACT
            .parse()
            .map_err(|error| format!("BTT contract address: {error}"))?;
        info["contract_address"] = address(&contract, visible);
        info["receipt"] = json!({ "result": "SUCCESS" });
    }
    Ok(info)
}

/// ABI call data of `transfer(address,uint256)`.
fn trc20_transfer_data(to: &Address, units: u128) -> String {
    let mut data = Vec::with_capacity(68);
    data.extend_from_slice(&[0xa9, 0x05, 0x9c, 0xbb]);
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(&to.as_bytes()[1..]);
    data.extend_from_slice(&[0u8; 16]);
    data.extend_from_slice(&units.to_be_bytes());
    hex::encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ids_start_with_the_number() {
        let ledger = LedgerId([3; 32]);
        let id = block_id(&ledger, 0x0102);
        assert_eq!(&id[..8], &[0, 0, 0, 0, 0, 0, 1, 2]);
        assert_ne!(
            block_id(&ledger, 1)[8..],
            block_id(&LedgerId([4; 32]), 1)[8..]
        );
    }

    #[test]
    fn amounts_past_int64_are_errors() {
        assert_eq!(int64(5), Ok(5));
        assert!(int64(u128::from(u64::MAX)).is_err());
    }

    #[test]
    fn trc20_call_data_is_the_abi_encoding() {
        let to: Address = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap();
        let data = trc20_transfer_data(&to, 1);
        assert_eq!(data.len(), 136);
        assert!(data.starts_with("a9059cbb000000000000000000000000"));
        assert!(data.ends_with(&format!("{:064x}", 1)));
        assert_eq!(&data[32..72], &to.to_hex()[2..]);
    }
}
