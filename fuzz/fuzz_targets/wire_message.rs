//! Feeds arbitrary bytes to the peer wire decoders. None may panic, and every
//! message the codec accepts must encode back to exactly the bytes it came
//! from; handshakes and extended handshakes are parsed from the same input.

#![no_main]

use btt::peer::{ExtendedHandshake, Handshake, MessageCodec, WireLimits};
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::{Decoder, Encoder};

fuzz_target!(|data: &[u8]| {
    let mut codec = MessageCodec::new(WireLimits::default());
    let mut buffer = BytesMut::from(data);
    let mut consumed = 0;
    while let Ok(Some(message)) = codec.decode(&mut buffer) {
        let length = message.wire_length();
        let mut encoded = BytesMut::new();
        codec
            .encode(message, &mut encoded)
            .expect("a decoded message encodes");
        assert_eq!(&encoded[..], &data[consumed..consumed + length]);
        consumed += length;
    }
    if let Some(bytes) = data.first_chunk::<68>() {
        if let Ok(handshake) = Handshake::parse(bytes) {
            assert_eq!(&handshake.to_bytes(), bytes);
        }
    }
    if let Ok(handshake) = ExtendedHandshake::from_payload(data) {
        let reparsed = ExtendedHandshake::from_payload(&handshake.to_payload());
        assert_eq!(reparsed.ok(), Some(handshake));
    }
});
