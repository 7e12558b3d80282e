//! Which pieces a peer (or we) have: one bit per piece, most significant bit
//! first, as on the wire (BEP 3). Spare bits past the last piece are always 0.

use thiserror::Error;

/// A fixed-length set of piece indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitfield {
    bytes: Vec<u8>,
    len: usize,
    ones: usize,
}

/// A bitfield received from a peer that does not fit the torrent.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BitfieldError {
    /// The byte count is not `ceil(pieces / 8)`.
    #[error("bitfield has {got} bytes, expected {expected}")]
    WrongLength { got: usize, expected: usize },
    /// A bit past the last piece is set.
    #[error("bitfield sets bits past the last piece")]
    SpareBitsSet,
}

impl Bitfield {
    /// An empty set for `len` pieces.
    pub fn new(len: usize) -> Bitfield {
        Bitfield {
            bytes: vec![0; len.div_ceil(8)],
            len,
            ones: 0,
        }
    }

    /// A full set for `len` pieces.
    pub fn full(len: usize) -> Bitfield {
        let mut bitfield = Bitfield::new(len);
        for index in 0..len {
            bitfield.set(index);
        }
        bitfield
    }

    /// Parses wire bytes for a torrent of `len` pieces, rejecting a wrong
    /// length or spare bits that are set.
    pub fn from_bytes(bytes: &[u8], len: usize) -> Result<Bitfield, BitfieldError> {
        let expected = len.div_ceil(8);
        if bytes.len() != expected {
            return Err(BitfieldError::WrongLength {
                got: bytes.len(),
                expected,
            });
        }
        let spare = expected * 8 - len;
        if spare > 0 && bytes[expected - 1] & ((1u8 << spare) - 1) != 0 {
            return Err(BitfieldError::SpareBitsSet);
        }
        let ones = bytes.iter().map(|byte| byte.count_ones() as usize).sum();
        Ok(Bitfield {
            bytes: bytes.to_vec(),
            len,
            ones,
        })
    }

    /// The wire bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of pieces this set covers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set covers no pieces at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many pieces are in the set.
    pub fn count(&self) -> usize {
        self.ones
    }

    /// Whether every piece is in the set.
    pub fn is_full(&self) -> bool {
        self.ones == self.len
    }

    /// Whether piece `index` is in the set; false past the end.
    pub fn get(&self, index: usize) -> bool {
        index < self.len && self.bytes[index / 8] & (0x80 >> (index % 8)) != 0
    }

    /// Adds piece `index`; returns false if it is past the end.
    pub fn set(&mut self, index: usize) -> bool {
        if index >= self.len {
            return false;
        }
        if !self.get(index) {
            self.bytes[index / 8] |= 0x80 >> (index % 8);
            self.ones += 1;
        }
        true
    }

    /// Removes piece `index`.
    pub fn clear(&mut self, index: usize) {
        if self.get(index) {
            self.bytes[index / 8] &= !(0x80 >> (index % 8));
            self.ones -= 1;
        }
    }

    /// The indices in the set, in order.
    pub fn iter_ones(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len).filter(|&index| self.get(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_wrong_length_and_spare_bits() {
        assert_eq!(
            Bitfield::from_bytes(&[0xff], 9),
            Err(BitfieldError::WrongLength {
                got: 1,
                expected: 2
            })
        );
        assert_eq!(
            Bitfield::from_bytes(&[0xff, 0x40], 9),
            Err(BitfieldError::SpareBitsSet)
        );
        assert_eq!(Bitfield::from_bytes(&[0xff, 0x80], 9).unwrap().count(), 9);
    }

    #[test]
    fn set_and_clear_keep_the_count() {
        let mut bitfield = Bitfield::new(10);
        assert!(bitfield.set(3));
        assert!(bitfield.set(3));
        assert!(!bitfield.set(10));
        assert_eq!(bitfield.count(), 1);
        bitfield.clear(3);
        assert_eq!(bitfield.count(), 0);
        assert!(Bitfield::full(10).is_full());
    }

    proptest! {
        #[test]
        fn wire_bytes_round_trip(indices in prop::collection::btree_set(0usize..100, 0..100)) {
            let mut bitfield = Bitfield::new(100);
            for &index in &indices {
                bitfield.set(index);
            }
            let parsed = Bitfield::from_bytes(bitfield.as_bytes(), 100).unwrap();
            prop_assert_eq!(parsed.iter_ones().collect::<Vec<_>>(), indices.into_iter().collect::<Vec<_>>());
        }
    }
}
