//! Parsing arbitrary bytes as a purchase listing never panics, and a listing
//! that parses has its seller's signature: it writes back to JSON that
//! parses to the same listing with the same digest.
#![no_main]

use btt::purchase::SignedListing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if let Ok(listing) = SignedListing::parse(input) {
        let again =
            SignedListing::parse(listing.to_json().as_bytes()).expect("written listing parses");
        assert_eq!(again, listing);
        assert_eq!(again.digest(), listing.digest());
    }
});
