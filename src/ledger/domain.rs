//! Domain-separated signed messages. Every channel and escrow operation is
//! authorised by a 65-byte recoverable signature over
//! `SHA-256(len(tag) ‖ tag ‖ ledger id ‖ fields...)`, where the tag names the
//! purpose and version (`btt-voucher-v1`, ...) and the ledger id names the
//! ledger. A signature made for one purpose or one ledger therefore recovers
//! to a different address anywhere else, and is rejected.
//!
//! Fields are fixed-width (addresses 21 bytes, ids 32, amounts a token byte
//! and 16 big-endian bytes, integers 8 big-endian bytes) and variable-length
//! bytes carry a 4-byte length prefix, so two different field lists never
//! encode to the same message.

use super::error::LedgerError;
use super::id::LedgerId;
use crate::amount::{Amount, Token};
use crate::tron::{recover_address, sign_digest, Address};
use k256::ecdsa::SigningKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;

/// What a signature authorises; each purpose has its own tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A payer opens a channel.
    ChannelOpen,
    /// A payer promises a cumulative amount to a channel's payee.
    Voucher,
    /// A payee redeems a voucher and keeps the channel open.
    ChannelRedeem,
    /// A payee redeems a voucher (or none) and closes the channel.
    ChannelClose,
    /// A payer takes back a channel's funds after its timeout.
    ChannelRefund,
    /// A creator starts a crowdfunding campaign.
    CampaignCreate,
    /// A pledger locks funds in a campaign.
    Pledge,
    /// A buyer locks a listing's price in a purchase escrow.
    PurchaseOpen,
    /// A seller delivers a sealed key and is paid the escrowed price.
    PurchaseDeliver,
    /// A seller offers content for sale (a purchase listing).
    Listing,
}

impl Purpose {
    /// The domain tag written first in every message of this purpose.
    pub fn tag(self) -> &'static str {
        match self {
            Purpose::ChannelOpen => "btt-channel-open-v1",
            Purpose::Voucher => "btt-voucher-v1",
            Purpose::ChannelRedeem => "btt-channel-redeem-v1",
            Purpose::ChannelClose => "btt-channel-close-v1",
            Purpose::ChannelRefund => "btt-channel-refund-v1",
            Purpose::CampaignCreate => "btt-campaign-create-v1",
            Purpose::Pledge => "btt-pledge-v1",
            Purpose::PurchaseOpen => "btt-purchase-open-v1",
            Purpose::PurchaseDeliver => "btt-purchase-deliver-v1",
            Purpose::Listing => "btt-listing-v1",
        }
    }
}

/// The one-byte code of a token inside signed messages.
pub fn token_code(token: Token) -> u8 {
    match token {
        Token::Trx => 1,
        Token::Btt => 2,
        Token::BttTrc20 => 3,
        Token::Bttc => 4,
    }
}

/// A message being encoded; [`DomainMessage::digest`] is what gets signed.
#[derive(Debug, Clone)]
pub struct DomainMessage {
    bytes: Vec<u8>,
}

impl DomainMessage {
    /// Starts a message for `purpose` on `ledger`.
    pub fn new(purpose: Purpose, ledger: &LedgerId) -> DomainMessage {
        let tag = purpose.tag().as_bytes();
        let mut bytes = Vec::with_capacity(128);
        bytes.push(tag.len() as u8);
        bytes.extend_from_slice(tag);
        bytes.extend_from_slice(ledger.as_bytes());
        DomainMessage { bytes }
    }

    /// Appends a 21-byte address.
    pub fn address(mut self, address: &Address) -> DomainMessage {
        self.bytes.extend_from_slice(address.as_bytes());
        self
    }

    /// Appends a 32-byte id.
    pub fn id(mut self, id: &[u8; 32]) -> DomainMessage {
        self.bytes.extend_from_slice(id);
        self
    }

    /// Appends a token byte and 16 big-endian bytes of base units.
    pub fn amount(mut self, amount: &Amount) -> DomainMessage {
        self.bytes.push(token_code(amount.token));
        self.bytes
            .extend_from_slice(&amount.base_units.to_be_bytes());
        self
    }

    /// Appends 8 big-endian bytes.
    pub fn integer(mut self, value: i64) -> DomainMessage {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// Appends a 4-byte length and the bytes.
    pub fn bytes(mut self, value: &[u8]) -> DomainMessage {
        let length = u32::try_from(value.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(&length.to_be_bytes());
        self.bytes.extend_from_slice(value);
        self
    }

    /// SHA-256 of the encoded message.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(&self.bytes).into()
    }
}

/// A 65-byte recoverable signature `r ‖ s ‖ v`, written as 130 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 65]);

impl fmt::Debug for Signature {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Signature({})", hex::encode(self.0))
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Signature, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
        let array: [u8; 65] = bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("a signature is 65 bytes (130 hex digits)"))?;
        Ok(Signature(array))
    }
}

/// A request that one party must sign: it knows its purpose and its fields.
pub trait Authorise {
    /// Which domain tag the request is signed under.
    const PURPOSE: Purpose;

    /// The message (after the tag and ledger id) the signature covers.
    fn message(&self, ledger: &LedgerId) -> DomainMessage;

    /// The digest a signer signs.
    fn digest(&self, ledger: &LedgerId) -> [u8; 32] {
        self.message(ledger).digest()
    }
}

/// A request with the signature of the party it must come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed<T> {
    /// What is asked. (Nested, not flattened: serde's flatten buffers
    /// values and cannot carry the u128 amounts.)
    pub request: T,
    /// The signature over the request's domain message.
    pub signature: Signature,
}

impl<T: Authorise> Signed<T> {
    /// Signs `request` for `ledger` with `key`.
    pub fn sign(request: T, key: &SigningKey, ledger: &LedgerId) -> Signed<T> {
        let signature = Signature(sign_digest(key, &request.digest(ledger)));
        Signed { request, signature }
    }

    /// The address whose key signed this request for `ledger`.
    pub fn signer(&self, ledger: &LedgerId) -> Result<Address, LedgerError> {
        recover_address(&self.request.digest(ledger), &self.signature.0)
            .map_err(|source| LedgerError::BadSignature { source })
    }

    /// Fails unless `expected` signed this request for `ledger`.
    pub fn verify_signer(&self, ledger: &LedgerId, expected: &Address) -> Result<(), LedgerError> {
        let signer = self.signer(ledger)?;
        if signer != *expected {
            return Err(LedgerError::WrongSigner {
                purpose: T::PURPOSE.tag(),
                expected: *expected,
                signer,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purpose_and_ledger_change_the_digest() {
        let ledger = LedgerId([1; 32]);
        let other = LedgerId([2; 32]);
        let base = DomainMessage::new(Purpose::Voucher, &ledger).integer(5);
        let other_ledger = DomainMessage::new(Purpose::Voucher, &other).integer(5);
        let other_purpose = DomainMessage::new(Purpose::ChannelClose, &ledger).integer(5);
        assert_ne!(base.digest(), other_ledger.digest());
        assert_ne!(base.digest(), other_purpose.digest());
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        let ledger = LedgerId([1; 32]);
        let one = DomainMessage::new(Purpose::Pledge, &ledger)
            .bytes(b"ab")
            .bytes(b"c");
        let two = DomainMessage::new(Purpose::Pledge, &ledger)
            .bytes(b"a")
            .bytes(b"bc");
        assert_ne!(one.digest(), two.digest());
    }

    #[test]
    fn signature_json_round_trips_and_rejects_short_input() {
        let signature = Signature([9; 65]);
        let json = serde_json::to_string(&signature).unwrap();
        assert_eq!(serde_json::from_str::<Signature>(&json).unwrap(), signature);
        assert!(serde_json::from_str::<Signature>("\"0909\"").is_err());
    }
}
