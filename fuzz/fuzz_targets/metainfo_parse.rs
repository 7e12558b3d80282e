//! Parsing arbitrary bytes as a .torrent (and as a bare info dictionary)
//! never panics; a parsed torrent keeps its invariants and survives
//! re-emission with the same info-hash.
#![no_main]

use btt::metainfo::Torrent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(torrent) = Torrent::from_bytes(data) {
        let info = &torrent.info;
        assert_eq!(
            info.files.iter().map(|file| file.length).sum::<u64>(),
            info.total_length
        );
        assert!(info.piece_count() > 0);
        let last = u32::try_from(info.piece_count() - 1).unwrap_or(u32::MAX);
        assert!(info.piece_size(last) > 0);
        let again = Torrent::from_bytes(&torrent.to_bytes()).map(|again| again.info_hash);
        assert_eq!(again, Ok(torrent.info_hash));
        let _ = torrent.summary();
    }
    let _ = Torrent::from_info_bytes(data, Vec::new());
});
