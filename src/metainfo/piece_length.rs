//! Piece length: the limits a parsed torrent must respect and the automatic
//! choice for torrents we create.
//!
//! Parsing is liberal (any length from 1 byte to [`MAX_PIECE_LENGTH`]); creation
//! picks a power of two between [`MIN_AUTO_PIECE_LENGTH`] and
//! [`MAX_AUTO_PIECE_LENGTH`] that gives roughly 1000 to 2000 pieces.

/// The largest piece length a parsed torrent may have: 256 MiB.
pub const MAX_PIECE_LENGTH: u32 = 256 * 1024 * 1024;

/// The smallest piece length chosen automatically: 16 KiB, one block.
pub const MIN_AUTO_PIECE_LENGTH: u32 = 16 * 1024;

/// The largest piece length chosen automatically: 16 MiB.
pub const MAX_AUTO_PIECE_LENGTH: u32 = 16 * 1024 * 1024;

/// The most pieces an automatically chosen length aims for.
const TARGET_MAX_PIECES: u64 = 2000;

/// The piece length for `total` bytes: the smallest power of two in
/// 16 KiB..=16 MiB that keeps the piece count at or below 2000 (so between
/// 1000 and 2000 pieces whenever the bounds allow).
pub fn piece_length_for(total: u64) -> u32 {
    let mut length = MIN_AUTO_PIECE_LENGTH;
    while length < MAX_AUTO_PIECE_LENGTH && total.div_ceil(u64::from(length)) > TARGET_MAX_PIECES {
        length *= 2;
    }
    length
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_totals_get_the_minimum() {
        assert_eq!(piece_length_for(0), MIN_AUTO_PIECE_LENGTH);
        assert_eq!(piece_length_for(1), MIN_AUTO_PIECE_LENGTH);
        assert_eq!(piece_length_for(2000 * 16 * 1024), MIN_AUTO_PIECE_LENGTH);
    }

    #[test]
    fn one_gibibyte_gets_one_mebibyte_pieces() {
        assert_eq!(piece_length_for(1 << 30), 1 << 20);
    }

    #[test]
    fn huge_totals_get_the_maximum() {
        assert_eq!(piece_length_for(1 << 50), MAX_AUTO_PIECE_LENGTH);
        assert_eq!(piece_length_for(u64::MAX), MAX_AUTO_PIECE_LENGTH);
    }

    proptest! {
        #[test]
        fn aims_for_one_to_two_thousand_pieces(total in 1u64..(1 << 46)) {
            let length = piece_length_for(total);
            prop_assert!(length.is_power_of_two());
            prop_assert!((MIN_AUTO_PIECE_LENGTH..=MAX_AUTO_PIECE_LENGTH).contains(&length));
            let pieces = total.div_ceil(u64::from(length));
            prop_assert!(pieces <= 2000 || length == MAX_AUTO_PIECE_LENGTH);
            prop_assert!(pieces > 1000 || length == MIN_AUTO_PIECE_LENGTH);
        }
    }
}
