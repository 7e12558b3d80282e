//! Test fixtures for the embedded ledger: a dev ledger in a temporary
//! directory with a clock the test moves, deterministic keys, and builders
//! for transfers and signed requests.

use super::store::{Clock, OpenOptions, Store};
use crate::amount::{Amount, Token};
use crate::ledger::id::LedgerId;
use crate::ledger::tapos::block_reference;
use crate::ledger::Transfer;
use crate::tron::transaction::UnsignedTransaction;
use crate::tron::{Address, BlockReference, SignedTransaction, TransactionParams, TransferCall};
use crate::wallet::PrivateKey;
use k256::ecdsa::SigningKey;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tempfile::TempDir;

/// The time every fixture clock starts at.
pub const START_MS: i64 = 1_700_000_000_000;

/// A dev ledger in a temporary directory.
pub struct Fixture {
    /// Keeps the directory alive.
    pub dir: TempDir,
    /// The open store.
    pub store: Store,
    /// The store's clock; tests move it.
    pub now: Arc<AtomicI64>,
}

impl Fixture {
    /// A fresh dev ledger at [`START_MS`].
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temporary directory");
        let now = Arc::new(AtomicI64::new(START_MS));
        let store = Store::open(&dir.path().join("ledger.sqlite"), options(&now, true))
            .expect("open a fresh ledger");
        Fixture { dir, store, now }
    }

    /// The ledger file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("ledger.sqlite")
    }

    /// Another connection to the same file, sharing the clock.
    pub fn reopen(&self) -> Store {
        Store::open(&self.path(), options(&self.now, true)).expect("reopen the ledger")
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    /// [`transfer_on`] this fixture's ledger.
    pub fn transfer(&self, from: &Address, to: &Address, units: u128, tag: u64) -> Transfer {
        transfer_on(&self.store.ledger_id(), from, to, units, tag)
    }

    /// Mints `units` of BTT to `to`.
    pub fn fund(&mut self, to: &Address, units: u128) {
        self.store
            .mint(to, &btt(units))
            .expect("mint on a dev ledger");
    }

    /// Asserts that balances plus locks equal everything minted.
    pub fn assert_conserved(&self) {
        assert_eq!(
            self.store.total_supply(Token::Btt).unwrap(),
            self.store.minted(Token::Btt).unwrap()
        );
    }
}

/// Open options with a clock reading `now`.
pub fn options(now: &Arc<AtomicI64>, dev: bool) -> OpenOptions {
    let now = Arc::clone(now);
    OpenOptions {
        dev,
        clock: Clock::from_fn(move || now.load(Ordering::SeqCst)),
    }
}

/// A deterministic key; `seed` must not be 0.
pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).expect("a valid secp256k1 scalar")
}

/// The address of [`key`]`(seed)`.
pub fn address(seed: u8) -> Address {
    Address::from_public_key(key(seed).verifying_key())
}

/// `units` base units of TRC-10 BTT.
pub fn btt(units: u128) -> Amount {
    Amount {
        token: Token::Btt,
        base_units: units,
    }
}

/// A transfer valid for a minute after [`START_MS`], with txid `[tag; 32]`-like,
/// naming no ledger's block ([`transfer_on`] names one).
pub fn transfer(from: &Address, to: &Address, units: u128, tag: u64) -> Transfer {
    let mut txid = [0u8; 32];
    txid[..8].copy_from_slice(&tag.to_be_bytes());
    txid[31] = 1;
    Transfer {
        txid,
        from: *from,
        to: *to,
        amount: btt(units),
        memo: b"thanks".to_vec(),
        timestamp_ms: START_MS,
        expiration_ms: START_MS + 60_000,
        reference: NO_BLOCK,
        evidence: None,
    }
}

/// Like [`transfer`], naming block 0 of `ledger`, so TaPoS passes while the
/// head is below 65,536.
pub fn transfer_on(
    ledger: &LedgerId,
    from: &Address,
    to: &Address,
    units: u128,
    tag: u64,
) -> Transfer {
    Transfer {
        reference: block_reference(ledger, 0),
        ..transfer(from, to, units, tag)
    }
}

/// A block reference of no ledger.
const NO_BLOCK: BlockReference = BlockReference {
    bytes: [0, 1],
    hash: [7; 8],
};

/// A TRC-10 BTT transfer from [`key`]`(seed)`, signed, valid for a minute
/// after [`START_MS`]; `tag` goes into the memo so each tag has its own txid.
/// It names no ledger's block: [`signed_for`] makes one a ledger applies.
pub fn signed(seed: u8, to: &Address, units: u128, tag: u64) -> SignedTransaction {
    signed_at(seed, to, units, tag, (START_MS, START_MS + 60_000))
}

/// Like [`signed`], naming block 0 of `ledger` (good while its head is below 65,536).
pub fn signed_for(
    ledger: &LedgerId,
    seed: u8,
    to: &Address,
    units: u128,
    tag: u64,
) -> SignedTransaction {
    let times = (START_MS, START_MS + 60_000);
    sign(seed, to, units, tag, times, block_reference(ledger, 0))
}

/// Like [`signed`], with its own `(timestamp, expiration)`.
pub fn signed_at(
    seed: u8,
    to: &Address,
    units: u128,
    tag: u64,
    times: (i64, i64),
) -> SignedTransaction {
    sign(seed, to, units, tag, times, NO_BLOCK)
}

fn sign(
    seed: u8,
    to: &Address,
    units: u128,
    tag: u64,
    (timestamp, expiration): (i64, i64),
    reference: BlockReference,
) -> SignedTransaction {
    let owner = PrivateKey::from_signing_key(key(seed));
    let call = TransferCall {
        owner: owner.address(),
        to: *to,
        amount: btt(units),
    };
    let params = TransactionParams {
        reference,
        timestamp,
        expiration,
        memo: format!("thanks {tag}").into_bytes(),
        fee_limit: 0,
    };
    UnsignedTransaction::new(call, &params)
        .expect("a valid transfer")
        .sign(&owner)
}
