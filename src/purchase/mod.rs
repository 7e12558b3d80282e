//! Selling and buying content: the content key and its commitment, the
//! encrypted file (age v1 over a tar stream), the seller's signed listing,
//! the content key sealed to one buyer, the seller's store of content keys
//! and delivery rounds with the check of each order against its listing,
//! the buyer's order, key check and order log ([`order_log`]), and the
//! [`checkout`] that runs a whole purchase on the buyer's side.
//!
//! The torrent of a sale is of the encrypted file, so any client can seed it;
//! only a buyer who unseals the key can read it, after checking the key
//! against the listing's commitment. See `docs/purchases.md` for the formats.

pub mod buyer;
pub mod checkout;
pub mod content;
pub mod content_key;
pub mod delivery;
pub mod key_store;
pub mod listing;
pub mod order_check;
pub mod order_log;
pub mod seal;
pub mod staging;

pub use content::{
    decrypt_to, decrypt_with_progress, encrypt_to, ContentError, Decrypted, Encrypted,
};
pub use content_key::{ContentKey, ContentKeyError};
pub use key_store::{KeyStore, KeyStoreError};
pub use listing::{Listing, ListingError, SignedListing};
pub use seal::{seal, unseal, SealContext, SealError, SealedKey};
