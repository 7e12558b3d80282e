//! TaPoS, as java-tron checks it: a transaction names a recent block of the
//! chain it is meant for (`ref_block_bytes`, bytes 6..8 of the block id, the
//! low 16 bits of its number; `ref_block_hash`, bytes 8..16), and is applied
//! only when that block is one of this ledger's latest [`WINDOW`] blocks.
//!
//! java-tron keeps one slot per value of `ref_block_bytes`, holding the
//! latest block whose number ends in those 16 bits, and refuses
//! (`TAPOS_ERROR`) a transaction whose `ref_block_hash` is not that block's,
//! or whose slot is empty. The ledger's blocks are its changes (block `n` is
//! the change with sequence `n`, block 0 the empty ledger) and their ids are
//! derived, not stored ([`block_id`]), so the slot is computed: the highest
//! number at or below the head with those low 16 bits. The rule is the same:
//! a block older than 65,536 blocks has been replaced in its slot by a newer
//! one, and a block of another ledger (the id covers the ledger id), of the
//! TRON network, or not made yet, is not in its slot.
//!
//! Block ids are predictable from the ledger id, so a reference to a future
//! block becomes good once the ledger reaches it. That is harmless: TaPoS
//! binds a transaction to this ledger and to a window of its history, and
//! the expiration (at most 24 hours) still bounds its life.

use super::error::LedgerError;
use super::id::LedgerId;
use super::node::tron_json::block_id;
use super::Transfer;
use crate::tron::BlockReference;

/// How many of the latest blocks a transaction may name (java-tron's).
pub const WINDOW: u64 = 1 << 16;

/// The number of the block in `reference`'s slot when the head is `head`.
fn slot(head: u64, reference: &BlockReference) -> Option<u64> {
    let low = u64::from(u16::from_be_bytes(reference.bytes));
    let candidate = (head & !(WINDOW - 1)) | low;
    if candidate <= head {
        Some(candidate)
    } else {
        candidate.checked_sub(WINDOW)
    }
}

/// Refuses `transfer` unless it names one of the latest [`WINDOW`] blocks of
/// `ledger`, whose latest block is `head`.
pub fn check(ledger: &LedgerId, head: u64, transfer: &Transfer) -> Result<(), LedgerError> {
    let reference = transfer.reference;
    let named = slot(head, &reference).map(|number| block_reference(ledger, number));
    if named == Some(reference) {
        return Ok(());
    }
    Err(LedgerError::Tapos {
        txid: hex::encode(transfer.txid),
        ref_block_bytes: hex::encode(reference.bytes),
        ref_block_hash: hex::encode(reference.hash),
        head,
    })
}

/// The reference a transaction names to point at block `number` of `ledger`.
pub fn block_reference(ledger: &LedgerId, number: u64) -> BlockReference {
    BlockReference::from_block_id(&block_id(ledger, number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::local::fixtures::{address, transfer};

    const LEDGER: LedgerId = LedgerId([5; 32]);

    fn naming(reference: BlockReference) -> Transfer {
        Transfer {
            reference,
            ..transfer(&address(1), &address(2), 1, 1)
        }
    }

    fn passes(head: u64, number: u64) -> bool {
        check(&LEDGER, head, &naming(block_reference(&LEDGER, number))).is_ok()
    }

    #[test]
    fn the_latest_65536_blocks_pass_and_older_ones_do_not() {
        assert!(passes(0, 0));
        let head = 200_000;
        assert!(passes(head, head));
        assert!(passes(head, head - 1));
        assert!(passes(head, head - (WINDOW - 1)));
        assert!(!passes(head, head - WINDOW));
        assert!(!passes(head, 1));
        assert!(passes(WINDOW - 1, 0));
        assert!(!passes(WINDOW, 0));
    }

    #[test]
    fn blocks_not_made_yet_do_not_pass() {
        assert!(!passes(0, 1));
        assert!(!passes(10, 11));
        assert!(!passes(10, 10 + WINDOW));
    }

    #[test]
    fn forged_and_foreign_references_are_refused_with_what_they_named() {
        let mut forged = block_reference(&LEDGER, 7);
        forged.hash[0] ^= 1;
        let error = check(&LEDGER, 9, &naming(forged)).unwrap_err();
        assert!(
            matches!(&error, LedgerError::Tapos { ref_block_bytes, head: 9, .. } if ref_block_bytes == "0007"),
            "{error}"
        );
        assert_eq!(error.code(), "tapos");
        let foreign = block_reference(&LedgerId([6; 32]), 7);
        assert!(check(&LEDGER, 9, &naming(foreign)).is_err());
        let tron = BlockReference::from_hex("0007", "939ece39d08a7abe").unwrap();
        assert!(check(&LEDGER, 9, &naming(tron)).is_err());
    }
}
