//! TRON primitives btt's ledger speaks: addresses, recoverable secp256k1
//! signatures, the transaction protobufs, transfers of TRX and BTT (TRC-10 and
//! TRC-20), transactions and their txIDs, and signed messages.

pub mod abi;
pub mod address;
pub mod contract;
pub mod key;
pub mod message;
pub mod proto;
mod raw_json;
pub mod signature;
pub mod transaction;

pub use address::{Address, AddressError};
pub use contract::{ContractError, TransferCall};
pub use signature::{recover_address, sign_digest, SignatureError};
pub use transaction::{
    BlockReference, SignedTransaction, TransactionJson, TransactionParams, TxError, TxId,
    UnsignedTransaction, VerifiedTransfer,
};
