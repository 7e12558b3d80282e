//! TRON transactions carrying one btt transfer: building `Transaction.raw`,
//! its txID (SHA-256 of the raw bytes), signing, TRON's JSON shape in and out
//! (`txID`, `raw_data`, `raw_data_hex`, `signature`), and verification.
//!
//! Invariants: a parsed transaction's raw bytes are canonical (they re-encode
//! to themselves, so one meaning has one txID), its `txID` is the hash of
//! those bytes, and its `raw_data` JSON, when given, says what the bytes say.
//! [`SignedTransaction::verify`] adds: exactly one signature, made by the owner.

use super::contract::{ContractError, ContractJson, TransferCall};
use super::key::PrivateKey;
use super::proto;
use super::raw_json;
use super::{recover_address, Address, SignatureError};
use crate::amount::{Amount, Token};
use prost::Message;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Why a transaction cannot be built, parsed or accepted.
#[derive(Debug, Error)]
pub enum TxError {
    /// A field that must be hex is not.
    #[error("transaction field {field} is not hex: {input:?}")]
    NotHex { field: &'static str, input: String },
    /// `ref_block_bytes` must be 2 bytes and `ref_block_hash` 8.
    #[error("{field} must be {expected} bytes, got {length}")]
    BadBlockReference {
        field: &'static str,
        expected: usize,
        length: usize,
    },
    /// A negative fee limit.
    #[error("fee limit {fee_limit} is negative")]
    NegativeFeeLimit { fee_limit: i64 },
    /// Expiration not after the timestamp.
    #[error("expiration {expiration} is not after timestamp {timestamp}")]
    BadTimes { timestamp: i64, expiration: i64 },
    /// The JSON is not a transaction.
    #[error("transaction JSON is malformed: {reason}")]
    MalformedJson { reason: String },
    /// `raw_data_hex` is not a `Transaction.raw` message.
    #[error("raw_data_hex is not a TRON Transaction.raw: {reason}")]
    Decode { reason: String },
    /// The raw bytes hold fields btt does not write, or are encoded unusually.
    #[error("raw_data_hex is not in canonical form (unknown or reordered fields)")]
    NonCanonical,
    /// Not exactly one contract.
    #[error("transaction has {count} contracts, expected exactly 1")]
    ContractCount { count: usize },
    /// The contract is not a transfer btt accepts.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// `txID` is not the SHA-256 of the raw bytes.
    #[error("txID {claimed} does not match raw_data_hex (its hash is {computed})")]
    TxIdMismatch { claimed: String, computed: TxId },
    /// `raw_data` JSON disagrees with `raw_data_hex`.
    #[error("raw_data of {txid} disagrees with its raw_data_hex")]
    RawDataMismatch { txid: TxId },
    /// Nobody signed.
    #[error("transaction {txid} is not signed")]
    NotSigned { txid: TxId },
    /// More than one signature (multi-signature is not supported).
    #[error("transaction {txid} has {count} signatures, expected 1")]
    TooManySignatures { txid: TxId, count: usize },
    /// The signature is malformed.
    #[error("signature of {txid}: {source}")]
    Signature { txid: TxId, source: SignatureError },
    /// Someone other than the owner signed.
    #[error("transaction {txid} is signed by {signer}, not by its owner {owner}")]
    WrongSigner {
        txid: TxId,
        owner: Address,
        signer: Address,
    },
}

/// A transaction id: SHA-256 of `raw_data` bytes, written as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxId(pub [u8; 32]);

impl TxId {
    /// The txID of raw transaction bytes.
    pub fn of_raw(raw: &[u8]) -> TxId {
        TxId(Sha256::digest(raw).into())
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "TxId({self})")
    }
}

impl FromStr for TxId {
    type Err = TxError;

    fn from_str(input: &str) -> Result<TxId, TxError> {
        let bytes = decode_hex("txID", input)?;
        bytes.try_into().map(TxId).map_err(|_| TxError::NotHex {
            field: "txID",
            input: input.to_string(),
        })
    }
}

impl Serialize for TxId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TxId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TxId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The recent block a transaction names, which ties it to one chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockReference {
    /// Bytes 6..8 of the block id (the low 16 bits of its height).
    pub bytes: [u8; 2],
    /// Bytes 8..16 of the block id.
    pub hash: [u8; 8],
}

impl BlockReference {
    /// The reference to a block, from its 32-byte id (height in the first 8 bytes).
    pub fn from_block_id(block_id: &[u8; 32]) -> BlockReference {
        let mut reference = BlockReference {
            bytes: [0; 2],
            hash: [0; 8],
        };
        reference.bytes.copy_from_slice(&block_id[6..8]);
        reference.hash.copy_from_slice(&block_id[8..16]);
        reference
    }

    /// Parses `ref_block_bytes` (4 hex digits) and `ref_block_hash` (16 hex digits).
    pub fn from_hex(bytes: &str, hash: &str) -> Result<BlockReference, TxError> {
        Ok(BlockReference {
            bytes: fixed("ref_block_bytes", &decode_hex("ref_block_bytes", bytes)?)?,
            hash: fixed("ref_block_hash", &decode_hex("ref_block_hash", hash)?)?,
        })
    }
}

/// Everything in a transaction besides the transfer itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionParams {
    /// The recent block named.
    pub reference: BlockReference,
    /// Creation time, milliseconds since the epoch.
    pub timestamp: i64,
    /// Expiry time, milliseconds since the epoch; after `timestamp`.
    pub expiration: i64,
    /// The memo (`raw_data.data`); empty for none.
    pub memo: Vec<u8>,
    /// Most sun a TRC-20 transfer may burn; not written for TRX or TRC-10.
    pub fee_limit: i64,
}

/// A transaction ready to be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsignedTransaction {
    raw: proto::TransactionRaw,
    raw_bytes: Vec<u8>,
    transfer: TransferCall,
    reference: BlockReference,
}

/// `raw_data` in TRON's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawDataJson {
    /// The one contract.
    pub contract: Vec<ContractJson>,
    /// Hex of 2 bytes.
    pub ref_block_bytes: String,
    /// Hex of 8 bytes.
    pub ref_block_hash: String,
    /// Milliseconds since the epoch.
    pub expiration: i64,
    /// The memo, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Sun, for TRC-20 transfers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_limit: Option<i64>,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
}

/// A transaction in TRON's JSON, as the full node's builder endpoints return it
/// (unsigned) and as `broadcasttransaction` takes it (signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionJson {
    /// Addresses are hex, not base58.
    pub visible: bool,
    /// SHA-256 of the raw bytes, hex.
    #[serde(rename = "txID")]
    pub txid: TxId,
    /// The decoded raw bytes.
    pub raw_data: RawDataJson,
    /// The raw bytes the txID hashes, hex.
    pub raw_data_hex: String,
    /// 65-byte signatures, hex; absent when unsigned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signature: Vec<String>,
}

/// What any TRON tool may send: the raw bytes are the authority.
#[derive(Deserialize)]
struct TransactionInput {
    #[serde(rename = "txID")]
    txid: String,
    #[serde(default)]
    raw_data: Option<serde_json::Value>,
    #[serde(default)]
    raw_data_hex: Option<String>,
    #[serde(default)]
    signature: Vec<String>,
}

impl UnsignedTransaction {
    /// Builds the transaction that carries `transfer`.
    pub fn new(
        transfer: TransferCall,
        params: &TransactionParams,
    ) -> Result<UnsignedTransaction, TxError> {
        if params.expiration <= params.timestamp {
            return Err(TxError::BadTimes {
                timestamp: params.timestamp,
                expiration: params.expiration,
            });
        }
        if params.fee_limit < 0 {
            return Err(TxError::NegativeFeeLimit {
                fee_limit: params.fee_limit,
            });
        }
        let fee_limit = match transfer.amount.token {
            Token::BttTrc20 => params.fee_limit,
            Token::Trx | Token::Btt | Token::Bttc => 0,
        };
        let raw = proto::TransactionRaw {
            ref_block_bytes: params.reference.bytes.to_vec(),
            ref_block_hash: params.reference.hash.to_vec(),
            expiration: params.expiration,
            data: params.memo.clone(),
            contract: vec![transfer.to_proto()?],
            timestamp: params.timestamp,
            fee_limit,
        };
        let raw_bytes = raw.encode_to_vec();
        Ok(UnsignedTransaction {
            raw,
            raw_bytes,
            transfer,
            reference: params.reference,
        })
    }

    /// Parses raw bytes, which must be canonical and carry one accepted transfer.
    pub fn from_raw_bytes(raw_bytes: &[u8]) -> Result<UnsignedTransaction, TxError> {
        let raw = proto::TransactionRaw::decode(raw_bytes).map_err(|error| TxError::Decode {
            reason: error.to_string(),
        })?;
        if raw.encode_to_vec() != raw_bytes {
            return Err(TxError::NonCanonical);
        }
        let reference = BlockReference {
            bytes: fixed("ref_block_bytes", &raw.ref_block_bytes)?,
            hash: fixed("ref_block_hash", &raw.ref_block_hash)?,
        };
        let transfer = match raw.contract.as_slice() {
            [contract] => TransferCall::from_proto(contract)?,
            contracts => {
                return Err(TxError::ContractCount {
                    count: contracts.len(),
                })
            }
        };
        Ok(UnsignedTransaction {
            raw_bytes: raw_bytes.to_vec(),
            raw,
            transfer,
            reference,
        })
    }

    /// The transaction of TRON's JSON: `raw_data_hex` decoded, else
    /// `raw_data` encoded (the hex form, for clients that send no
    /// `raw_data_hex`, such as tronpy); `raw_data`, when present, must say
    /// what the bytes say.
    pub fn from_json_parts(
        raw_data_hex: Option<&str>,
        raw_data: Option<&serde_json::Value>,
    ) -> Result<UnsignedTransaction, TxError> {
        let raw_bytes = match (raw_data_hex, raw_data) {
            (Some(hex), _) => decode_hex("raw_data_hex", hex)?,
            (None, Some(raw_data)) => {
                raw_json::encode(&malformed(serde_json::from_value(raw_data.clone()))?)?
            }
            (None, None) => {
                return Err(TxError::MalformedJson {
                    reason: "neither raw_data_hex nor raw_data".to_string(),
                })
            }
        };
        let unsigned = UnsignedTransaction::from_raw_bytes(&raw_bytes)?;
        if let Some(raw_data) = raw_data {
            let expected = malformed(serde_json::to_value(unsigned.raw_data_json()))?;
            if *raw_data != expected {
                return Err(TxError::RawDataMismatch {
                    txid: unsigned.txid(),
                });
            }
        }
        Ok(unsigned)
    }

    /// SHA-256 of the raw bytes.
    pub fn txid(&self) -> TxId {
        TxId::of_raw(&self.raw_bytes)
    }

    /// The `Transaction.raw` bytes.
    pub fn raw_bytes(&self) -> &[u8] {
        &self.raw_bytes
    }

    /// The transfer carried.
    pub fn transfer(&self) -> &TransferCall {
        &self.transfer
    }

    /// The recent block named (`ref_block_bytes`, `ref_block_hash`).
    pub fn reference(&self) -> BlockReference {
        self.reference
    }

    /// The memo bytes (empty for none).
    pub fn memo(&self) -> &[u8] {
        &self.raw.data
    }

    /// Creation time, milliseconds since the epoch.
    pub fn timestamp(&self) -> i64 {
        self.raw.timestamp
    }

    /// Expiry time, milliseconds since the epoch.
    pub fn expiration(&self) -> i64 {
        self.raw.expiration
    }

    /// The fee limit in sun (0 when not set).
    pub fn fee_limit(&self) -> i64 {
        self.raw.fee_limit
    }

    /// `raw_data` in TRON's JSON.
    pub fn raw_data_json(&self) -> RawDataJson {
        RawDataJson {
            contract: vec![self.transfer.to_json()],
            ref_block_bytes: hex::encode(&self.raw.ref_block_bytes),
            ref_block_hash: hex::encode(&self.raw.ref_block_hash),
            expiration: self.raw.expiration,
            data: (!self.raw.data.is_empty()).then(|| hex::encode(&self.raw.data)),
            fee_limit: (self.raw.fee_limit != 0).then_some(self.raw.fee_limit),
            timestamp: self.raw.timestamp,
        }
    }

    /// The unsigned transaction in TRON's JSON.
    pub fn to_json(&self) -> TransactionJson {
        TransactionJson {
            visible: false,
            txid: self.txid(),
            raw_data: self.raw_data_json(),
            raw_data_hex: hex::encode(&self.raw_bytes),
            signature: Vec::new(),
        }
    }

    /// Signs the txID with `key`.
    pub fn sign(self, key: &PrivateKey) -> SignedTransaction {
        let signature = key.sign_digest(&self.txid().0).to_vec();
        SignedTransaction {
            unsigned: self,
            signatures: vec![signature],
        }
    }
}

/// A transaction with its signatures, not yet checked against its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTransaction {
    unsigned: UnsignedTransaction,
    signatures: Vec<Vec<u8>>,
}

/// The facts of a transfer whose signature is its owner's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTransfer {
    /// The transaction id.
    pub txid: TxId,
    /// The sender, who signed.
    pub owner: Address,
    /// The recipient.
    pub to: Address,
    /// What moves.
    pub amount: Amount,
    /// The memo bytes (empty for none).
    pub memo: Vec<u8>,
    /// Creation time, milliseconds since the epoch.
    pub timestamp: i64,
    /// Expiry time, milliseconds since the epoch.
    pub expiration: i64,
}

impl SignedTransaction {
    /// Parses TRON's JSON: the raw bytes (`raw_data_hex`, else `raw_data`
    /// encoded, see [`UnsignedTransaction::from_json_parts`]) must hash to
    /// `txID`; signatures are hex.
    pub fn from_json(text: &str) -> Result<SignedTransaction, TxError> {
        let input: TransactionInput =
            serde_json::from_str(text).map_err(|error| TxError::MalformedJson {
                reason: error.to_string(),
            })?;
        let unsigned = UnsignedTransaction::from_json_parts(
            input.raw_data_hex.as_deref(),
            input.raw_data.as_ref(),
        )?;
        let computed = unsigned.txid();
        if !input.txid.eq_ignore_ascii_case(&computed.to_string()) {
            return Err(TxError::TxIdMismatch {
                claimed: input.txid,
                computed,
            });
        }
        let signatures = input
            .signature
            .iter()
            .map(|signature| decode_hex("signature", signature))
            .collect::<Result<_, _>>()?;
        Ok(SignedTransaction {
            unsigned,
            signatures,
        })
    }

    /// Rebuilds a transaction from its `Transaction.raw` bytes and signatures
    /// (as a ledger stored them).
    pub fn from_parts(
        raw_bytes: &[u8],
        signatures: Vec<Vec<u8>>,
    ) -> Result<SignedTransaction, TxError> {
        Ok(SignedTransaction {
            unsigned: UnsignedTransaction::from_raw_bytes(raw_bytes)?,
            signatures,
        })
    }

    /// The signatures, as given.
    pub fn signatures(&self) -> &[Vec<u8>] {
        &self.signatures
    }

    /// The transaction in TRON's JSON.
    pub fn to_json(&self) -> TransactionJson {
        TransactionJson {
            signature: self.signatures.iter().map(hex::encode).collect(),
            ..self.unsigned.to_json()
        }
    }

    /// The transaction without its signatures.
    pub fn unsigned(&self) -> &UnsignedTransaction {
        &self.unsigned
    }

    /// The transaction id.
    pub fn txid(&self) -> TxId {
        self.unsigned.txid()
    }

    /// Checks that exactly one signature was made over the txID by the owner.
    pub fn verify(&self) -> Result<VerifiedTransfer, TxError> {
        let txid = self.txid();
        let signature = match self.signatures.as_slice() {
            [] => return Err(TxError::NotSigned { txid }),
            [signature] => signature,
            many => {
                return Err(TxError::TooManySignatures {
                    txid,
                    count: many.len(),
                })
            }
        };
        let signer = recover_address(&txid.0, signature)
            .map_err(|source| TxError::Signature { txid, source })?;
        let transfer = self.unsigned.transfer;
        if signer != transfer.owner {
            return Err(TxError::WrongSigner {
                txid,
                owner: transfer.owner,
                signer,
            });
        }
        Ok(VerifiedTransfer {
            txid,
            owner: transfer.owner,
            to: transfer.to,
            amount: transfer.amount,
            memo: self.unsigned.memo().to_vec(),
            timestamp: self.unsigned.timestamp(),
            expiration: self.unsigned.expiration(),
        })
    }
}

/// A JSON (de)serialisation failure as a malformed transaction.
fn malformed<T>(result: Result<T, serde_json::Error>) -> Result<T, TxError> {
    result.map_err(|error| TxError::MalformedJson {
        reason: error.to_string(),
    })
}

pub(super) fn decode_hex(field: &'static str, input: &str) -> Result<Vec<u8>, TxError> {
    let digits = input.strip_prefix("0x").unwrap_or(input);
    hex::decode(digits).map_err(|_| TxError::NotHex {
        field,
        input: input.chars().take(80).collect(),
    })
}

fn fixed<const N: usize>(field: &'static str, bytes: &[u8]) -> Result<[u8; N], TxError> {
    bytes.try_into().map_err(|_| TxError::BadBlockReference {
        field,
        expected: N,
        length: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";

    fn key() -> PrivateKey {
        PrivateKey::from_hex(KEY).unwrap()
    }

    fn params() -> TransactionParams {
        TransactionParams {
            reference: BlockReference::from_hex("2927", "939ece39d08a7abe").unwrap(),
            timestamp: 1_700_000_000_000,
            expiration: 1_700_000_060_000,
            memo: b"thanks".to_vec(),
            fee_limit: 100_000_000,
        }
    }

    fn transfer(token: Token) -> TransferCall {
        TransferCall {
            owner: key().address(),
            to: "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC".parse().unwrap(),
            amount: Amount {
                token,
                base_units: 2_500_000,
            },
        }
    }

    fn signed(token: Token) -> SignedTransaction {
        UnsignedTransaction::new(transfer(token), &params())
            .unwrap()
            .sign(&key())
    }

    fn json_of(transaction: &SignedTransaction) -> serde_json::Value {
        serde_json::to_value(transaction.to_json()).unwrap()
    }

    #[test]
    fn json_round_trip_verifies_for_every_token() {
        for token in [Token::Trx, Token::Btt, Token::BttTrc20] {
            let transaction = signed(token);
            let text = serde_json::to_string(&transaction.to_json()).unwrap();
            let parsed = SignedTransaction::from_json(&text).unwrap();
            assert_eq!(parsed, transaction);
            let facts = parsed.verify().unwrap();
            assert_eq!(facts.owner, key().address());
            assert_eq!(facts.amount, transfer(token).amount);
            assert_eq!(facts.memo, b"thanks");
            assert_eq!(facts.txid, TxId::of_raw(transaction.unsigned().raw_bytes()));
        }
    }

    #[test]
    fn fee_limit_is_written_for_trc20_only() {
        assert_eq!(signed(Token::Btt).unsigned().fee_limit(), 0);
        assert_eq!(signed(Token::BttTrc20).unsigned().fee_limit(), 100_000_000);
        assert!(json_of(&signed(Token::Btt))["raw_data"]
            .get("fee_limit")
            .is_none());
    }

    #[test]
    fn tampered_txid_is_refused() {
        let mut json = json_of(&signed(Token::Btt));
        json["txID"] = serde_json::Value::String("00".repeat(32));
        let error = SignedTransaction::from_json(&json.to_string()).unwrap_err();
        assert!(matches!(error, TxError::TxIdMismatch { .. }), "{error}");
    }

    #[test]
    fn raw_data_that_lies_is_refused() {
        let mut json = json_of(&signed(Token::Btt));
        json["raw_data"]["contract"][0]["parameter"]["value"]["amount"] = 999_999_999.into();
        let error = SignedTransaction::from_json(&json.to_string()).unwrap_err();
        assert!(matches!(error, TxError::RawDataMismatch { .. }), "{error}");
    }

    #[test]
    fn raw_data_is_optional_on_input() {
        let mut json = json_of(&signed(Token::Trx));
        json.as_object_mut().unwrap().remove("raw_data");
        assert!(SignedTransaction::from_json(&json.to_string())
            .unwrap()
            .verify()
            .is_ok());
    }

    #[test]
    fn a_stranger_signature_is_named() {
        let stranger = PrivateKey::from_hex(&format!("{:064x}", 1)).unwrap();
        let transaction = UnsignedTransaction::new(transfer(Token::Btt), &params())
            .unwrap()
            .sign(&stranger);
        let error = transaction.verify().unwrap_err();
        assert!(
            matches!(error, TxError::WrongSigner { signer, .. } if signer == stranger.address()),
            "{error}"
        );
    }

    #[test]
    fn signature_count_is_checked() {
        let mut json = json_of(&signed(Token::Btt));
        json["signature"] = serde_json::json!([]);
        let unsigned = SignedTransaction::from_json(&json.to_string()).unwrap();
        assert!(matches!(unsigned.verify(), Err(TxError::NotSigned { .. })));
        let one = json_of(&signed(Token::Btt))["signature"][0].clone();
        json["signature"] = serde_json::json!([one.clone(), one]);
        let doubled = SignedTransaction::from_json(&json.to_string()).unwrap();
        assert!(matches!(
            doubled.verify(),
            Err(TxError::TooManySignatures { count: 2, .. })
        ));
    }

    #[test]
    fn non_canonical_bytes_are_refused() {
        let transaction = signed(Token::Btt);
        let mut raw = transaction.unsigned().raw_bytes().to_vec();
        raw.extend_from_slice(&[0x28, 0x01]); // field 5 (unknown), varint 1
        assert!(matches!(
            UnsignedTransaction::from_raw_bytes(&raw),
            Err(TxError::NonCanonical)
        ));
    }

    #[test]
    fn expiry_must_follow_timestamp() {
        let mut params = params();
        params.expiration = params.timestamp;
        assert!(matches!(
            UnsignedTransaction::new(transfer(Token::Btt), &params),
            Err(TxError::BadTimes { .. })
        ));
    }

    #[test]
    fn block_reference_comes_from_the_block_id() {
        let mut id = [0u8; 32];
        id[6] = 0x29;
        id[7] = 0x27;
        id[8..16].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let reference = BlockReference::from_block_id(&id);
        assert_eq!(reference.bytes, [0x29, 0x27]);
        assert_eq!(reference.hash, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(matches!(
            BlockReference::from_hex("29", "939ece39d08a7abe"),
            Err(TxError::BadBlockReference { expected: 2, .. })
        ));
        assert!(matches!(
            BlockReference::from_hex("2927", "xyz"),
            Err(TxError::NotHex { .. })
        ));
    }

    #[test]
    fn garbage_json_is_named() {
        assert!(matches!(
            SignedTransaction::from_json("{"),
            Err(TxError::MalformedJson { .. })
        ));
        let bad_hex = r#"{"txID":"00","raw_data_hex":"zz"}"#;
        assert!(matches!(
            SignedTransaction::from_json(bad_hex),
            Err(TxError::NotHex { .. })
        ));
    }

    /// A `TransferContract` as a TRON full node's builder returns it, from a
    /// node provider's `/wallet/broadcasttransaction` documentation.
    const NODE_RAW_DATA_HEX: &str = "0a025e4b220847c9dc89341b300d40f8fed3a2a72e5a66080112620a2d747970652e676f6f676c65617069732e636f6d2f70726f746f636f6c2e5472616e73666572436f6e747261637412310a1541608f8da72479edc7dd921e4c30bb7e7cddbe722e121541e9d79cc47518930bc322d9bf7cddd260a0260a8d18e8077093afd0a2a72e";

    #[test]
    fn a_full_node_transaction_parses_and_rebuilds_byte_for_byte() {
        let node_raw_data = serde_json::json!({
            "contract": [{
                "parameter": {
                    "value": {
                        "amount": 1000,
                        "owner_address": "41608f8da72479edc7dd921e4c30bb7e7cddbe722e",
                        "to_address": "41e9d79cc47518930bc322d9bf7cddd260a0260a8d"
                    },
                    "type_url": "type.googleapis.com/protocol.TransferContract"
                },
                "type": "TransferContract"
            }],
            "ref_block_bytes": "5e4b",
            "ref_block_hash": "47c9dc89341b300d",
            "expiration": 1591089627000i64,
            "timestamp": 1591089567635i64
        });
        let raw = hex::decode(NODE_RAW_DATA_HEX).unwrap();
        let parsed = UnsignedTransaction::from_raw_bytes(&raw).unwrap();
        assert_eq!(
            serde_json::to_value(parsed.raw_data_json()).unwrap(),
            node_raw_data
        );
        let params = TransactionParams {
            reference: BlockReference::from_hex("5e4b", "47c9dc89341b300d").unwrap(),
            timestamp: 1_591_089_567_635,
            expiration: 1_591_089_627_000,
            memo: Vec::new(),
            fee_limit: 0,
        };
        let rebuilt = UnsignedTransaction::new(*parsed.transfer(), &params).unwrap();
        assert_eq!(hex::encode(rebuilt.raw_bytes()), NODE_RAW_DATA_HEX);
        let json = serde_json::json!({
            "visible": false,
            "txID": TxId::of_raw(&raw).to_string(),
            "raw_data": node_raw_data,
            "raw_data_hex": NODE_RAW_DATA_HEX,
        });
        let unsigned = SignedTransaction::from_json(&json.to_string()).unwrap();
        assert!(matches!(unsigned.verify(), Err(TxError::NotSigned { .. })));
    }

    #[test]
    fn raw_data_without_its_hex_is_encoded_to_the_same_bytes() {
        for token in [Token::Trx, Token::Btt, Token::BttTrc20] {
            let original = signed(token);
            let mut json = json_of(&original);
            json.as_object_mut().unwrap().remove("raw_data_hex");
            let parsed = SignedTransaction::from_json(&json.to_string()).unwrap();
            assert_eq!(parsed, original, "{token:?}");

            let mut extra = json.clone();
            extra["raw_data"]["contract"][0]["Permission_id"] = 2.into();
            let refused = SignedTransaction::from_json(&extra.to_string());
            assert!(
                matches!(refused, Err(TxError::RawDataMismatch { .. })),
                "{token:?}: {refused:?}"
            );
            let mut changed = json.clone();
            changed["raw_data"]["timestamp"] = 1.into();
            let refused = SignedTransaction::from_json(&changed.to_string());
            assert!(matches!(refused, Err(TxError::TxIdMismatch { .. })));
        }
        let neither = r#"{"txID":"00"}"#;
        assert!(matches!(
            SignedTransaction::from_json(neither),
            Err(TxError::MalformedJson { .. })
        ));
    }

    #[test]
    fn negative_fee_limits_are_refused() {
        let mut params = params();
        params.fee_limit = -1;
        assert!(matches!(
            UnsignedTransaction::new(transfer(Token::BttTrc20), &params),
            Err(TxError::NegativeFeeLimit { fee_limit: -1 })
        ));
    }

    #[test]
    fn bttc_amounts_never_become_tron_transactions() {
        assert!(matches!(
            UnsignedTransaction::new(transfer(Token::Bttc), &params()),
            Err(TxError::Contract(ContractError::NotTron {
                token: Token::Bttc
            }))
        ));
    }

    proptest::proptest! {
        /// Changing any byte of the signed bytes, even with the txID recomputed,
        /// never yields a transaction that verifies as the owner's.
        #[test]
        fn altered_raw_bytes_never_verify(index in 0usize..200, flip in 1u8..=255) {
            let original = signed(Token::Btt);
            let mut json = json_of(&original);
            let mut raw = original.unsigned().raw_bytes().to_vec();
            let index = index % raw.len();
            raw[index] ^= flip;
            json["raw_data_hex"] = hex::encode(&raw).into();
            json["txID"] = TxId::of_raw(&raw).to_string().into();
            json.as_object_mut().unwrap().remove("raw_data");
            if let Ok(parsed) = SignedTransaction::from_json(&json.to_string()) {
                proptest::prop_assert!(parsed.verify().is_err());
            }
        }

        #[test]
        fn parsing_arbitrary_raw_bytes_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = UnsignedTransaction::from_raw_bytes(&bytes);
        }
    }
}
