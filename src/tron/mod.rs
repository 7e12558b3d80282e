//! TRON primitives btt's ledger speaks: addresses and recoverable secp256k1
//! signatures (transactions and the full-node API build on these).

pub mod address;
pub mod signature;

pub use address::{Address, AddressError};
pub use signature::{recover_address, sign_digest, SignatureError};
