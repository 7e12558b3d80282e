//! Parsing arbitrary text as a magnet link never panics, and a parsed link
//! formats to a canonical form that parses back to the same value.
#![no_main]

use btt::magnet::Magnet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(magnet) = text.parse::<Magnet>() {
        let canonical = magnet.to_string();
        assert_eq!(canonical.parse::<Magnet>().as_ref(), Ok(&magnet));
    }
});
