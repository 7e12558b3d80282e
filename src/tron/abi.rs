//! The Solidity ABI encoding of the TRC-20 calls btt makes:
//! `transfer(address,uint256)` and `balanceOf(address)`, whose answer is one
//! uint256 word.
//! Addresses are 32-byte words holding the 20 bytes after TRON's 0x41 prefix,
//! left-padded with zeros; amounts are 256-bit big-endian words.

use super::{address::ADDRESS_PREFIX, Address};
use thiserror::Error;

/// `keccak256("transfer(address,uint256)")[..4]`.
pub const TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];

/// `keccak256("balanceOf(address)")[..4]`.
pub const BALANCE_OF_SELECTOR: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];

/// The signature TRON's `function_selector` field names for `balanceOf`.
pub const BALANCE_OF_SIGNATURE: &str = "balanceOf(address)";

/// Length of an encoded `transfer` call: selector and two words.
pub const TRANSFER_CALL_LEN: usize = 4 + 32 + 32;

/// Why call data is not a TRC-20 transfer btt accepts.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AbiError {
    /// Wrong length or selector.
    #[error("call data {data} is not transfer(address,uint256)")]
    NotTransfer { data: String },
    /// The address word has non-zero padding.
    #[error("call data address word {word} is not a 20-byte address")]
    BadAddressWord { word: String },
    /// The amount does not fit 128 bits.
    #[error("call data amount word {word} is too large")]
    AmountTooLarge { word: String },
    /// A word that is not 32 bytes.
    #[error("ABI word {word} is not 32 bytes")]
    NotAWord { word: String },
}

/// The 32-byte word of an address: its 20 bytes after the prefix, left-padded.
pub fn address_word(address: &Address) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(&address.as_bytes()[1..]);
    word
}

/// Reads an address word exactly as [`address_word`] writes it.
pub fn decode_address_word(word: &[u8]) -> Result<Address, AbiError> {
    let bad = || AbiError::BadAddressWord {
        word: hex::encode(word),
    };
    if word.len() != 32 {
        return Err(AbiError::NotAWord {
            word: hex::encode(word),
        });
    }
    let (padding, raw_address) = word.split_at(12);
    if padding.iter().any(|&byte| byte != 0) {
        return Err(bad());
    }
    let mut address = [ADDRESS_PREFIX; 21];
    address[1..].copy_from_slice(raw_address);
    Address::from_bytes(&address).map_err(|_| bad())
}

/// Reads a uint256 word that must fit 128 bits (an amount).
pub fn decode_amount_word(word: &[u8]) -> Result<u128, AbiError> {
    if word.len() != 32 {
        return Err(AbiError::NotAWord {
            word: hex::encode(word),
        });
    }
    let (high, low) = word.split_at(16);
    if high.iter().any(|&byte| byte != 0) {
        return Err(AbiError::AmountTooLarge {
            word: hex::encode(word),
        });
    }
    let mut amount = [0u8; 16];
    amount.copy_from_slice(low);
    Ok(u128::from_be_bytes(amount))
}

/// The uint256 word of an amount.
pub fn amount_word(amount: u128) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[16..].copy_from_slice(&amount.to_be_bytes());
    word
}

/// Encodes `transfer(to, amount)`.
pub fn encode_transfer(to: &Address, amount: u128) -> Vec<u8> {
    let mut data = Vec::with_capacity(TRANSFER_CALL_LEN);
    data.extend_from_slice(&TRANSFER_SELECTOR);
    data.extend_from_slice(&address_word(to));
    data.extend_from_slice(&amount_word(amount));
    data
}

/// Decodes `transfer(to, amount)` call data exactly as [`encode_transfer`] writes it.
pub fn decode_transfer(data: &[u8]) -> Result<(Address, u128), AbiError> {
    let not_transfer = || AbiError::NotTransfer {
        data: hex::encode(data),
    };
    let (selector, words) = data.split_at_checked(4).ok_or_else(not_transfer)?;
    if selector != TRANSFER_SELECTOR || words.len() != 64 {
        return Err(not_transfer());
    }
    let (to, amount) = words.split_at(32);
    Ok((decode_address_word(to)?, decode_amount_word(amount)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sha3::{Digest, Keccak256};

    fn alice() -> Address {
        "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap()
    }

    #[test]
    fn selector_is_the_keccak_of_the_signature() {
        let hash = Keccak256::digest(b"transfer(address,uint256)");
        assert_eq!(hash[..4], TRANSFER_SELECTOR);
    }

    #[test]
    fn balance_of_is_the_keccak_of_its_signature() {
        let hash = Keccak256::digest(BALANCE_OF_SIGNATURE.as_bytes());
        assert_eq!(hash[..4], BALANCE_OF_SELECTOR);
    }

    #[test]
    fn answer_words_are_checked() {
        assert_eq!(
            decode_amount_word(&amount_word(u128::MAX)).unwrap(),
            u128::MAX
        );
        let mut huge = [0u8; 32];
        huge[15] = 1;
        assert!(matches!(
            decode_amount_word(&huge),
            Err(AbiError::AmountTooLarge { .. })
        ));
        assert!(matches!(
            decode_amount_word(&[0u8; 31]),
            Err(AbiError::NotAWord { .. })
        ));
        assert_eq!(
            decode_address_word(&address_word(&alice())).unwrap(),
            alice()
        );
        assert!(decode_address_word(&[0xff; 32]).is_err());
    }

    #[test]
    fn encoding_pads_words() {
        let data = encode_transfer(&alice(), 1);
        assert_eq!(data.len(), TRANSFER_CALL_LEN);
        let expected = format!(
            "a9059cbb{}{}{:064x}",
            "0".repeat(24),
            &alice().to_hex()[2..],
            1
        );
        assert_eq!(hex::encode(&data), expected);
    }

    #[test]
    fn malformed_call_data_is_named() {
        let mut data = encode_transfer(&alice(), 5);
        data[4] = 1;
        assert!(matches!(
            decode_transfer(&data),
            Err(AbiError::BadAddressWord { .. })
        ));
        let mut data = encode_transfer(&alice(), 5);
        data[36] = 1;
        assert!(matches!(
            decode_transfer(&data),
            Err(AbiError::AmountTooLarge { .. })
        ));
        assert!(matches!(
            decode_transfer(&data[..67]),
            Err(AbiError::NotTransfer { .. })
        ));
        assert!(matches!(
            decode_transfer(&[0xa9]),
            Err(AbiError::NotTransfer { .. })
        ));
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(bytes in proptest::array::uniform20(any::<u8>()), amount: u128) {
            let mut raw = [ADDRESS_PREFIX; 21];
            raw[1..].copy_from_slice(&bytes);
            let to = Address::from_bytes(&raw).unwrap();
            prop_assert_eq!(decode_transfer(&encode_transfer(&to, amount)).unwrap(), (to, amount));
        }

        #[test]
        fn decode_never_panics(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = decode_transfer(&data);
        }
    }
}
