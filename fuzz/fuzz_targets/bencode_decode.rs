//! Decoding arbitrary bytes never panics, and whatever decodes re-encodes
//! (with sorted keys) to the same length and decodes again to the same value.
#![no_main]

use btt::bencode::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode(data) {
        let owned = value.to_bencode();
        let encoded = owned.encode();
        assert_eq!(encoded.len(), data.len());
        let again = decode(&encoded).map(|value| value.to_bencode());
        assert_eq!(again.as_ref(), Ok(&owned));
    }
});
