//! TRON's protobuf messages, written by hand with the field numbers of
//! `core/Tron.proto` and `core/contract/*.proto` in TRON's protocol repository.
//! Only the fields btt produces are declared: a transaction carrying any other
//! field does not re-encode to its own bytes and is refused as non-canonical,
//! so a txID always names exactly one meaning.

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Any {
    /// `type.googleapis.com/protocol.<MessageName>`.
    #[prost(string, tag = "1")]
    pub type_url: String,
    /// The encoded message.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `Transaction.raw`: the bytes the txID hashes and the owner signs.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct TransactionRaw {
    /// Bytes 6..8 of a recent block's id (its height, low 16 bits).
    #[prost(bytes = "vec", tag = "1")]
    pub ref_block_bytes: Vec<u8>,
    /// Bytes 8..16 of that block's id.
    #[prost(bytes = "vec", tag = "4")]
    pub ref_block_hash: Vec<u8>,
    /// Milliseconds since the epoch after which the transaction is void.
    #[prost(int64, tag = "8")]
    pub expiration: i64,
    /// The memo.
    #[prost(bytes = "vec", tag = "10")]
    pub data: Vec<u8>,
    /// Exactly one contract in practice.
    #[prost(message, repeated, tag = "11")]
    pub contract: Vec<Contract>,
    /// Milliseconds since the epoch when the transaction was made.
    #[prost(int64, tag = "14")]
    pub timestamp: i64,
    /// Most sun a smart-contract call may burn.
    #[prost(int64, tag = "18")]
    pub fee_limit: i64,
}

/// `Transaction.Contract`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Contract {
    /// A `ContractType`.
    #[prost(enumeration = "ContractType", tag = "1")]
    pub r#type: i32,
    /// The contract message.
    #[prost(message, optional, tag = "2")]
    pub parameter: Option<Any>,
}

/// The subset of `Transaction.Contract.ContractType` btt handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ContractType {
    /// Never sent; proto3's zero value.
    AccountCreateContract = 0,
    /// Moves TRX.
    TransferContract = 1,
    /// Moves a TRC-10 token.
    TransferAssetContract = 2,
    /// Calls a smart contract (TRC-20 transfers).
    TriggerSmartContract = 31,
}

/// `TransferContract` (TRX).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct TransferContract {
    /// 21-byte sender address.
    #[prost(bytes = "vec", tag = "1")]
    pub owner_address: Vec<u8>,
    /// 21-byte recipient address.
    #[prost(bytes = "vec", tag = "2")]
    pub to_address: Vec<u8>,
    /// Sun.
    #[prost(int64, tag = "3")]
    pub amount: i64,
}

/// `TransferAssetContract` (TRC-10).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct TransferAssetContract {
    /// The token id as decimal ASCII (`b"1002000"` for BTT).
    #[prost(bytes = "vec", tag = "1")]
    pub asset_name: Vec<u8>,
    /// 21-byte sender address.
    #[prost(bytes = "vec", tag = "2")]
    pub owner_address: Vec<u8>,
    /// 21-byte recipient address.
    #[prost(bytes = "vec", tag = "3")]
    pub to_address: Vec<u8>,
    /// Base units.
    #[prost(int64, tag = "4")]
    pub amount: i64,
}

/// `TriggerSmartContract`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct TriggerSmartContract {
    /// 21-byte caller address.
    #[prost(bytes = "vec", tag = "1")]
    pub owner_address: Vec<u8>,
    /// 21-byte contract address.
    #[prost(bytes = "vec", tag = "2")]
    pub contract_address: Vec<u8>,
    /// Sun sent with the call.
    #[prost(int64, tag = "3")]
    pub call_value: i64,
    /// ABI-encoded call.
    #[prost(bytes = "vec", tag = "4")]
    pub data: Vec<u8>,
    /// TRC-10 amount sent with the call.
    #[prost(int64, tag = "5")]
    pub call_token_value: i64,
    /// TRC-10 token id sent with the call.
    #[prost(int64, tag = "6")]
    pub token_id: i64,
}

/// The `type_url` TRON writes for a contract message.
pub fn type_url(contract_type: ContractType) -> String {
    format!(
        "type.googleapis.com/protocol.{}",
        contract_type.as_str_name()
    )
}

impl ContractType {
    /// The enum value's name in TRON's proto, as TRON's JSON writes `type`.
    pub fn as_str_name(self) -> &'static str {
        match self {
            ContractType::AccountCreateContract => "AccountCreateContract",
            ContractType::TransferContract => "TransferContract",
            ContractType::TransferAssetContract => "TransferAssetContract",
            ContractType::TriggerSmartContract => "TriggerSmartContract",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn field_numbers_match_trons_wire_format() {
        let raw = TransactionRaw {
            ref_block_bytes: vec![0x29, 0x27],
            expiration: 1,
            timestamp: 2,
            fee_limit: 3,
            data: b"m".to_vec(),
            ..Default::default()
        };
        // tag = field << 3 | wire type: 1/2 → 0x0a, 8/0 → 0x40, 10/2 → 0x52, 14/0 → 0x70, 18/0 → 0x90 0x01
        assert_eq!(
            hex::encode(raw.encode_to_vec()),
            "0a022927400152016d70029001 03".replace(' ', "")
        );
    }

    #[test]
    fn type_urls_name_the_protocol_package() {
        assert_eq!(
            type_url(ContractType::TransferAssetContract),
            "type.googleapis.com/protocol.TransferAssetContract"
        );
    }
}
