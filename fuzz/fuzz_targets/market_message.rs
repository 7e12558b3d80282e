//! Decoding arbitrary bytes as a `btt_market` message never panics, and a
//! decoded message encodes to a payload that decodes back to the same value.
#![no_main]

use btt::market::wire::MarketMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    if let Ok(message) = MarketMessage::from_payload(payload) {
        let again = MarketMessage::from_payload(&message.to_payload());
        assert_eq!(again.as_ref(), Ok(&message));
    }
});
