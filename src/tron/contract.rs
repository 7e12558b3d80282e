//! The one contract a btt transaction carries: a transfer of TRX
//! (`TransferContract`), of the TRC-10 BTT (`TransferAssetContract`, token id
//! `1002000`) or of the TRC-20 BTT (`TriggerSmartContract` calling
//! `transfer(address,uint256)` on `TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4`), in
//! protobuf and in TRON's JSON.
//!
//! Invariants: decoding accepts exactly what encoding produces for one of the
//! three tokens (a positive amount, no TRX or TRC-10 value attached to a
//! contract call, the right `type_url`), so a decoded transfer means what it says.

use super::abi::{self, AbiError};
use super::proto::{self, ContractType};
use super::{Address, AddressError};
use crate::amount::{Amount, Token};
use prost::Message;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use thiserror::Error;

/// The TRC-10 token id of BTT, as TRON writes it in `asset_name`.
pub const BTT_TOKEN_ID: &str = "1002000";

/// The TRC-20 BTT contract.
pub const BTT_TRC20_CONTRACT: &str = "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4";

/// The fee limit of a TRC-20 transfer unless the caller sets one: 100 TRX, in sun.
pub const DEFAULT_FEE_LIMIT: i64 = 100_000_000;

static BTT_TRC20_ADDRESS: LazyLock<Address> = LazyLock::new(|| {
    BTT_TRC20_CONTRACT
        .parse()
        .expect("the BTT contract address constant is valid")
});

/// The TRC-20 BTT contract's address.
pub fn btt_trc20_contract() -> Address {
    *BTT_TRC20_ADDRESS
}

/// Why a contract is not a transfer btt can build or accept.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContractError {
    /// A token that lives on another chain (BTT of BitTorrent Chain).
    #[error("{token:?} is not a TRON token: it moves on its own chain")]
    NotTron { token: Token },
    /// TRC-10 and TRX amounts are protobuf int64.
    #[error("amount {base_units} does not fit a TRON int64 amount")]
    AmountOutOfRange { base_units: u128 },
    /// Zero or negative amounts move nothing.
    #[error("amount {amount} is not positive")]
    NotPositive { amount: i64 },
    /// The contract has no parameter.
    #[error("contract has no parameter")]
    MissingParameter,
    /// A contract type btt does not handle.
    #[error("contract type {value} is not a transfer btt handles")]
    UnsupportedType { value: i32 },
    /// `type_url` disagrees with `type`.
    #[error("contract type_url {type_url:?} does not match type {expected}")]
    TypeUrlMismatch {
        type_url: String,
        expected: &'static str,
    },
    /// The parameter bytes are not the message they claim.
    #[error("contract parameter is not a valid {message}: {reason}")]
    Decode {
        message: &'static str,
        reason: String,
    },
    /// An address field is malformed.
    #[error("contract field {field}: {source}")]
    BadAddress {
        field: &'static str,
        source: AddressError,
    },
    /// A TRC-10 token other than BTT.
    #[error("asset {asset_name:?} is not BTT (token id {BTT_TOKEN_ID})")]
    UnsupportedAsset { asset_name: String },
    /// A smart contract other than the TRC-20 BTT.
    #[error("contract {address} is not the TRC-20 BTT contract {BTT_TRC20_CONTRACT}")]
    UnsupportedTokenContract { address: Address },
    /// TRX or a TRC-10 token attached to a TRC-20 call.
    #[error(
        "TRC-20 transfer carries call_value {call_value} / call_token_value {call_token_value}"
    )]
    ValueAttached {
        call_value: i64,
        call_token_value: i64,
    },
    /// The call data is not a TRC-20 transfer.
    #[error(transparent)]
    Abi(#[from] AbiError),
}

/// A transfer of one token from `owner` to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferCall {
    /// The sender, who must sign.
    pub owner: Address,
    /// The recipient.
    pub to: Address,
    /// What moves.
    pub amount: Amount,
}

/// `raw_data.contract[i]` in TRON's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractJson {
    /// The contract message and its type URL.
    pub parameter: ParameterJson,
    /// The contract type's name (`TransferAssetContract`).
    #[serde(rename = "type")]
    pub contract_type: String,
}

/// `raw_data.contract[i].parameter` in TRON's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterJson {
    /// The contract's fields; zero and empty fields are left out, as TRON does.
    pub value: ContractValueJson,
    /// `type.googleapis.com/protocol.<type>`.
    pub type_url: String,
}

/// The fields of the three contracts; addresses are 42 hex digits (`41...`),
/// bytes are hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractValueJson {
    /// TRX or TRC-10 base units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// TRC-10 token id, hex of its ASCII digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_name: Option<String>,
    /// TRC-20 contract address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_address: Option<String>,
    /// TRC-20 call data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// The sender.
    pub owner_address: String,
    /// The TRX or TRC-10 recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_address: Option<String>,
}

impl TransferCall {
    /// The contract type that carries this transfer. Panics for
    /// [`Token::Bttc`], which [`TransferCall::to_proto`] (and so every
    /// transaction built) refuses.
    pub fn contract_type(&self) -> ContractType {
        match self.amount.token {
            Token::Trx => ContractType::TransferContract,
            Token::Btt => ContractType::TransferAssetContract,
            Token::BttTrc20 => ContractType::TriggerSmartContract,
            Token::Bttc => unreachable!("BTTC amounts are refused before a TRON contract is built"),
        }
    }

    /// The `Transaction.Contract` message; refused for a token TRON does not hold.
    pub fn to_proto(&self) -> Result<proto::Contract, ContractError> {
        if self.amount.token == Token::Bttc {
            return Err(ContractError::NotTron {
                token: self.amount.token,
            });
        }
        let owner_address = self.owner.as_bytes().to_vec();
        let to_address = self.to.as_bytes().to_vec();
        let value = match self.amount.token {
            Token::Trx => proto::TransferContract {
                owner_address,
                to_address,
                amount: self.int64_amount()?,
            }
            .encode_to_vec(),
            Token::Btt => proto::TransferAssetContract {
                asset_name: BTT_TOKEN_ID.as_bytes().to_vec(),
                owner_address,
                to_address,
                amount: self.int64_amount()?,
            }
            .encode_to_vec(),
            Token::BttTrc20 | Token::Bttc => proto::TriggerSmartContract {
                owner_address,
                contract_address: btt_trc20_contract().as_bytes().to_vec(),
                data: abi::encode_transfer(&self.to, self.amount.base_units),
                ..Default::default()
            }
            .encode_to_vec(),
        };
        let contract_type = self.contract_type();
        Ok(proto::Contract {
            r#type: contract_type as i32,
            parameter: Some(proto::Any {
                type_url: proto::type_url(contract_type),
                value,
            }),
        })
    }

    /// TRON's JSON of the contract (panics for [`Token::Bttc`], as
    /// [`TransferCall::contract_type`] does).
    pub fn to_json(&self) -> ContractJson {
        let contract_type = self.contract_type();
        let owner_address = self.owner.to_hex();
        let value = match self.amount.token {
            Token::Trx | Token::Btt => ContractValueJson {
                amount: i64::try_from(self.amount.base_units).ok(),
                asset_name: (self.amount.token == Token::Btt).then(|| hex::encode(BTT_TOKEN_ID)),
                contract_address: None,
                data: None,
                owner_address,
                to_address: Some(self.to.to_hex()),
            },
            Token::BttTrc20 | Token::Bttc => ContractValueJson {
                amount: None,
                asset_name: None,
                contract_address: Some(btt_trc20_contract().to_hex()),
                data: Some(hex::encode(abi::encode_transfer(
                    &self.to,
                    self.amount.base_units,
                ))),
                owner_address,
                to_address: None,
            },
        };
        ContractJson {
            parameter: ParameterJson {
                value,
                type_url: proto::type_url(contract_type),
            },
            contract_type: contract_type.as_str_name().to_string(),
        }
    }

    /// The transfer a `Transaction.Contract` carries.
    pub fn from_proto(contract: &proto::Contract) -> Result<TransferCall, ContractError> {
        let contract_type = ContractType::try_from(contract.r#type)
            .ok()
            .filter(|kind| *kind != ContractType::AccountCreateContract)
            .ok_or(ContractError::UnsupportedType {
                value: contract.r#type,
            })?;
        let parameter = contract
            .parameter
            .as_ref()
            .ok_or(ContractError::MissingParameter)?;
        if parameter.type_url != proto::type_url(contract_type) {
            return Err(ContractError::TypeUrlMismatch {
                type_url: parameter.type_url.clone(),
                expected: contract_type.as_str_name(),
            });
        }
        let bytes = parameter.value.as_slice();
        match contract_type {
            ContractType::TransferContract => decode_trx(bytes),
            ContractType::TransferAssetContract => decode_trc10(bytes),
            _ => decode_trc20(bytes),
        }
    }

    fn int64_amount(&self) -> Result<i64, ContractError> {
        i64::try_from(self.amount.base_units).map_err(|_| ContractError::AmountOutOfRange {
            base_units: self.amount.base_units,
        })
    }
}

fn decode<M: Message + Default>(bytes: &[u8], message: &'static str) -> Result<M, ContractError> {
    M::decode(bytes).map_err(|error| ContractError::Decode {
        message,
        reason: error.to_string(),
    })
}

fn address(field: &'static str, bytes: &[u8]) -> Result<Address, ContractError> {
    Address::from_bytes(bytes).map_err(|source| ContractError::BadAddress { field, source })
}

fn positive(amount: i64) -> Result<u128, ContractError> {
    u128::try_from(amount)
        .ok()
        .filter(|units| *units > 0)
        .ok_or(ContractError::NotPositive { amount })
}

fn decode_trx(bytes: &[u8]) -> Result<TransferCall, ContractError> {
    let message: proto::TransferContract = decode(bytes, "TransferContract")?;
    Ok(TransferCall {
        owner: address("owner_address", &message.owner_address)?,
        to: address("to_address", &message.to_address)?,
        amount: Amount {
            token: Token::Trx,
            base_units: positive(message.amount)?,
        },
    })
}

fn decode_trc10(bytes: &[u8]) -> Result<TransferCall, ContractError> {
    let message: proto::TransferAssetContract = decode(bytes, "TransferAssetContract")?;
    if message.asset_name != BTT_TOKEN_ID.as_bytes() {
        return Err(ContractError::UnsupportedAsset {
            asset_name: String::from_utf8_lossy(&message.asset_name).into_owned(),
        });
    }
    Ok(TransferCall {
        owner: address("owner_address", &message.owner_address)?,
        to: address("to_address", &message.to_address)?,
        amount: Amount {
            token: Token::Btt,
            base_units: positive(message.amount)?,
        },
    })
}

fn decode_trc20(bytes: &[u8]) -> Result<TransferCall, ContractError> {
    let message: proto::TriggerSmartContract = decode(bytes, "TriggerSmartContract")?;
    let contract = address("contract_address", &message.contract_address)?;
    if contract != btt_trc20_contract() {
        return Err(ContractError::UnsupportedTokenContract { address: contract });
    }
    if message.call_value != 0 || message.call_token_value != 0 || message.token_id != 0 {
        return Err(ContractError::ValueAttached {
            call_value: message.call_value,
            call_token_value: message.call_token_value,
        });
    }
    let (to, base_units) = abi::decode_transfer(&message.data)?;
    if base_units == 0 {
        return Err(ContractError::NotPositive { amount: 0 });
    }
    Ok(TransferCall {
        owner: address("owner_address", &message.owner_address)?,
        to,
        amount: Amount {
            token: Token::BttTrc20,
            base_units,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(token: Token, base_units: u128) -> TransferCall {
        TransferCall {
            owner: "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap(),
            to: "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC".parse().unwrap(),
            amount: Amount { token, base_units },
        }
    }

    #[test]
    fn each_token_round_trips_through_protobuf() {
        for token in [Token::Trx, Token::Btt, Token::BttTrc20] {
            let transfer = call(token, 2_500_000);
            let decoded = TransferCall::from_proto(&transfer.to_proto().unwrap()).unwrap();
            assert_eq!(decoded, transfer);
        }
    }

    #[test]
    fn trc20_amounts_may_exceed_int64() {
        let big = call(Token::BttTrc20, u128::from(u64::MAX) * 1000);
        assert_eq!(
            TransferCall::from_proto(&big.to_proto().unwrap()).unwrap(),
            big
        );
        let too_big = call(Token::Btt, u128::from(u64::MAX));
        assert!(matches!(
            too_big.to_proto(),
            Err(ContractError::AmountOutOfRange { .. })
        ));
    }

    #[test]
    fn json_has_trons_shape() {
        let transfer = call(Token::Btt, 7);
        let json = serde_json::to_value(transfer.to_json()).unwrap();
        let expected = serde_json::json!({
            "parameter": {
                "value": {
                    "amount": 7,
                    "asset_name": "31303032303030",
                    "owner_address": transfer.owner.to_hex(),
                    "to_address": transfer.to.to_hex(),
                },
                "type_url": "type.googleapis.com/protocol.TransferAssetContract"
            },
            "type": "TransferAssetContract"
        });
        assert_eq!(json, expected);
    }

    #[test]
    fn btt_contract_constant_parses() {
        assert_eq!(btt_trc20_contract().to_string(), BTT_TRC20_CONTRACT);
    }

    #[test]
    fn foreign_assets_and_mismatched_types_are_refused() {
        let mut contract = call(Token::Btt, 1).to_proto().unwrap();
        let mut asset: proto::TransferAssetContract =
            Message::decode(contract.parameter.as_ref().unwrap().value.as_slice()).unwrap();
        asset.asset_name = b"1000001".to_vec();
        contract.parameter.as_mut().unwrap().value = asset.encode_to_vec();
        assert!(matches!(
            TransferCall::from_proto(&contract),
            Err(ContractError::UnsupportedAsset { .. })
        ));
        let mut relabelled = call(Token::Trx, 1).to_proto().unwrap();
        relabelled.r#type = ContractType::TransferAssetContract as i32;
        assert!(matches!(
            TransferCall::from_proto(&relabelled),
            Err(ContractError::TypeUrlMismatch { .. })
        ));
        let mut unknown = call(Token::Trx, 1).to_proto().unwrap();
        unknown.r#type = 4;
        assert!(matches!(
            TransferCall::from_proto(&unknown),
            Err(ContractError::UnsupportedType { value: 4 })
        ));
    }

    #[test]
    fn zero_and_negative_amounts_are_refused() {
        let mut contract = call(Token::Trx, 1).to_proto().unwrap();
        let mut trx: proto::TransferContract =
            Message::decode(contract.parameter.as_ref().unwrap().value.as_slice()).unwrap();
        trx.amount = -5;
        contract.parameter.as_mut().unwrap().value = trx.encode_to_vec();
        assert_eq!(
            TransferCall::from_proto(&contract),
            Err(ContractError::NotPositive { amount: -5 })
        );
    }

    #[test]
    fn other_smart_contracts_are_refused() {
        let mut contract = call(Token::BttTrc20, 1).to_proto().unwrap();
        let mut trigger: proto::TriggerSmartContract =
            Message::decode(contract.parameter.as_ref().unwrap().value.as_slice()).unwrap();
        trigger.contract_address = call(Token::Trx, 1).to.as_bytes().to_vec();
        contract.parameter.as_mut().unwrap().value = trigger.encode_to_vec();
        assert!(matches!(
            TransferCall::from_proto(&contract),
            Err(ContractError::UnsupportedTokenContract { .. })
        ));
    }
}
