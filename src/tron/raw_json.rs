//! TRON's JSON `raw_data` encoded back into `Transaction.raw` bytes, for
//! clients that send a transaction without `raw_data_hex` (tronpy does;
//! java-tron accepts both). Only the hex form is read (`"visible": false`:
//! addresses as 42 hex digits, bytes as hex), and only the fields btt
//! writes. The bytes decide: the caller parses them
//! ([`super::UnsignedTransaction::from_raw_bytes`]) and checks that the JSON
//! says what they say, so JSON with a field this encoder leaves out is
//! refused rather than changed.

use super::contract::{ContractJson, ContractValueJson};
use super::proto::{self, ContractType};
use super::transaction::{decode_hex, RawDataJson, TxError};
use prost::Message;

/// The contract types a `raw_data` may name.
const TYPES: [ContractType; 3] = [
    ContractType::TransferContract,
    ContractType::TransferAssetContract,
    ContractType::TriggerSmartContract,
];

/// The `Transaction.raw` bytes `raw` describes.
pub fn encode(raw: &RawDataJson) -> Result<Vec<u8>, TxError> {
    let contract = raw
        .contract
        .iter()
        .map(contract)
        .collect::<Result<_, _>>()?;
    let message = proto::TransactionRaw {
        ref_block_bytes: decode_hex("ref_block_bytes", &raw.ref_block_bytes)?,
        ref_block_hash: decode_hex("ref_block_hash", &raw.ref_block_hash)?,
        expiration: raw.expiration,
        data: optional("data", raw.data.as_deref())?,
        contract,
        timestamp: raw.timestamp,
        fee_limit: raw.fee_limit.unwrap_or_default(),
    };
    Ok(message.encode_to_vec())
}

fn optional(field: &'static str, hex: Option<&str>) -> Result<Vec<u8>, TxError> {
    hex.map_or(Ok(Vec::new()), |hex| decode_hex(field, hex))
}

fn contract(json: &ContractJson) -> Result<proto::Contract, TxError> {
    let kind = TYPES
        .into_iter()
        .find(|kind| kind.as_str_name() == json.contract_type)
        .ok_or_else(|| TxError::MalformedJson {
            reason: format!("contract type {:?} is not a transfer", json.contract_type),
        })?;
    Ok(proto::Contract {
        r#type: kind as i32,
        parameter: Some(proto::Any {
            type_url: json.parameter.type_url.clone(),
            value: value(kind, &json.parameter.value)?,
        }),
    })
}

fn value(kind: ContractType, value: &ContractValueJson) -> Result<Vec<u8>, TxError> {
    let owner_address = decode_hex("owner_address", &value.owner_address)?;
    let to_address = optional("to_address", value.to_address.as_deref())?;
    let amount = value.amount.unwrap_or_default();
    Ok(match kind {
        ContractType::TransferContract => proto::TransferContract {
            owner_address,
            to_address,
            amount,
        }
        .encode_to_vec(),
        ContractType::TransferAssetContract => proto::TransferAssetContract {
            asset_name: optional("asset_name", value.asset_name.as_deref())?,
            owner_address,
            to_address,
            amount,
        }
        .encode_to_vec(),
        _ => proto::TriggerSmartContract {
            owner_address,
            contract_address: optional("contract_address", value.contract_address.as_deref())?,
            data: optional("data", value.data.as_deref())?,
            ..Default::default()
        }
        .encode_to_vec(),
    })
}
