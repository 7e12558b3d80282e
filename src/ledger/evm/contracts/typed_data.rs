//! EIP-712 typed data signed with the wallet's secp256k1 key: the payer's
//! channel vouchers and the seller's purchase listings. The domain is the
//! contract's: its name, version "1", the chain id and the contract's
//! address, so a signature is good on one chain and one contract only.
//!
//! Invariant: [`Eip712Signed::signer`] accepts exactly what the contracts'
//! `TypedSignatures` accepts (65 bytes, v 27 or 28, s in the lower half of
//! the curve order), so a signature checked here is never refused on chain
//! for its form, and a malleated copy of one is refused by both.

use crate::wallet::PrivateKey;
use alloy::primitives::{Address, Signature, B256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy::sol_types::{Eip712Domain, SolStruct};
use std::borrow::Cow;
use thiserror::Error;

/// The EIP-712 name of the channels contract's domain.
pub const CHANNELS_DOMAIN_NAME: &str = "btt channels";

/// The EIP-712 name of the purchases contract's domain.
pub const PURCHASES_DOMAIN_NAME: &str = "btt purchases";

/// Why a signature is not a valid signature of typed data.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TypedSignatureError {
    /// Not r, s and v in 65 bytes.
    #[error("signature has {length} bytes, expected 65")]
    Length { length: usize },
    /// v other than 27 or 28.
    #[error("signature v is {v}, expected 27 or 28")]
    RecoveryByte { v: u8 },
    /// s in the upper half of the curve order: a malleated signature.
    #[error("signature s is in the upper half of the curve order")]
    HighS,
    /// No public key recovers from it.
    #[error("signature recovers no signer")]
    Unrecoverable,
    /// Signed, but by someone else.
    #[error("signed by {signer}, not {expected}")]
    WrongSigner { expected: Address, signer: Address },
    /// The key could not sign.
    #[error("signing failed: {message}")]
    Signing { message: String },
}

/// The domain of contract `name` at `contract` on chain `chain_id`.
pub fn domain(name: &'static str, chain_id: u64, contract: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some(Cow::Borrowed(name)),
        Some(Cow::Borrowed("1")),
        Some(alloy::primitives::U256::from(chain_id)),
        Some(contract),
        None,
    )
}

/// A typed message with its signer's 65-byte signature (r, s, v as 27 or 28).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eip712Signed<T> {
    /// What was signed.
    pub message: T,
    /// r ‖ s ‖ v.
    pub signature: Vec<u8>,
}

impl<T: SolStruct> Eip712Signed<T> {
    /// `message` signed with `key` for `domain`.
    pub fn sign(
        key: &PrivateKey,
        domain: &Eip712Domain,
        message: T,
    ) -> Result<Eip712Signed<T>, TypedSignatureError> {
        let signer = PrivateKeySigner::from_signing_key(key.signing_key().clone());
        let signature = signer
            .sign_hash_sync(&message.eip712_signing_hash(domain))
            .map_err(|error| TypedSignatureError::Signing {
                message: error.to_string(),
            })?;
        Ok(Eip712Signed {
            message,
            signature: signature.as_bytes().to_vec(),
        })
    }

    /// Who signed the message for `domain`, by the contracts' rules.
    pub fn signer(&self, domain: &Eip712Domain) -> Result<Address, TypedSignatureError> {
        let signature = strict_signature(&self.signature)?;
        signature
            .recover_address_from_prehash(&self.message.eip712_signing_hash(domain))
            .map_err(|_| TypedSignatureError::Unrecoverable)
    }

    /// Checks that `expected` signed the message for `domain`.
    pub fn check_signer(
        &self,
        domain: &Eip712Domain,
        expected: Address,
    ) -> Result<(), TypedSignatureError> {
        let signer = self.signer(domain)?;
        if signer != expected {
            return Err(TypedSignatureError::WrongSigner { expected, signer });
        }
        Ok(())
    }

    /// The hash the signature is over.
    pub fn signing_hash(&self, domain: &Eip712Domain) -> B256 {
        self.message.eip712_signing_hash(domain)
    }
}

/// `bytes` as a signature the contracts accept.
fn strict_signature(bytes: &[u8]) -> Result<Signature, TypedSignatureError> {
    let bytes: &[u8; 65] = bytes.try_into().map_err(|_| TypedSignatureError::Length {
        length: bytes.len(),
    })?;
    let v = bytes[64];
    if v != 27 && v != 28 {
        return Err(TypedSignatureError::RecoveryByte { v });
    }
    let signature = Signature::from_bytes_and_parity(&bytes[..64], v == 28);
    if signature.normalize_s().is_some() {
        return Err(TypedSignatureError::HighS);
    }
    Ok(signature)
}

#[cfg(test)]
mod tests {
    use super::super::bindings::Voucher;
    use super::*;
    use alloy::primitives::U256;

    fn key(byte: u8) -> PrivateKey {
        PrivateKey::from_bytes(&[byte; 32]).unwrap()
    }

    fn voucher() -> Voucher {
        Voucher {
            channel: B256::repeat_byte(7),
            payee: Address::repeat_byte(2),
            cumulative: U256::from(1_000u64),
        }
    }

    fn evm_address(key: &PrivateKey) -> Address {
        Address::from(key.address().evm_bytes())
    }

    fn channels(chain_id: u64, contract: u8) -> Eip712Domain {
        domain(
            CHANNELS_DOMAIN_NAME,
            chain_id,
            Address::repeat_byte(contract),
        )
    }

    #[test]
    fn the_signer_is_the_key_that_signed() {
        let payer = key(1);
        let signed = Eip712Signed::sign(&payer, &channels(199, 9), voucher()).unwrap();
        assert_eq!(signed.signer(&channels(199, 9)), Ok(evm_address(&payer)));
        assert!(signed
            .check_signer(&channels(199, 9), evm_address(&payer))
            .is_ok());
        let stranger = evm_address(&key(3));
        assert!(matches!(
            signed.check_signer(&channels(199, 9), stranger),
            Err(TypedSignatureError::WrongSigner { .. })
        ));
    }

    #[test]
    fn another_chain_or_contract_or_message_recovers_another_signer() {
        let payer = evm_address(&key(1));
        let signed = Eip712Signed::sign(&key(1), &channels(199, 9), voucher()).unwrap();
        for other in [channels(1029, 9), channels(199, 8)] {
            assert_ne!(signed.signer(&other).unwrap(), payer);
        }
        let mut raised = signed.clone();
        raised.message.cumulative += U256::from(1u64);
        assert_ne!(raised.signer(&channels(199, 9)).unwrap(), payer);
    }

    #[test]
    fn malformed_and_malleated_signatures_are_refused() {
        let domain = channels(199, 9);
        let signed = Eip712Signed::sign(&key(1), &domain, voucher()).unwrap();
        let mut short = signed.clone();
        short.signature.pop();
        assert_eq!(
            short.signer(&domain),
            Err(TypedSignatureError::Length { length: 64 })
        );
        let mut zero_v = signed.clone();
        zero_v.signature[64] -= 27;
        assert!(matches!(
            zero_v.signer(&domain),
            Err(TypedSignatureError::RecoveryByte { .. })
        ));
        assert_eq!(
            malleated(&signed).signer(&domain),
            Err(TypedSignatureError::HighS)
        );
    }

    /// The same signature with s replaced by n − s and v flipped: valid for
    /// plain ecrecover, refused by the contracts' rules.
    fn malleated(signed: &Eip712Signed<Voucher>) -> Eip712Signed<Voucher> {
        let signature = Signature::from_raw(&signed.signature).unwrap();
        let order = alloy::primitives::U256::from_be_slice(&hex::decode(SECP256K1_ORDER).unwrap());
        let high = Signature::new(signature.r(), order - signature.s(), !signature.v());
        Eip712Signed {
            message: signed.message.clone(),
            signature: high.as_bytes().to_vec(),
        }
    }

    const SECP256K1_ORDER: &str =
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
}
