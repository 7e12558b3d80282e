//! A selling process's desk: one wallet, ledger, voucher book and set of
//! payer accounts for every torrent it seeds. Opening it settles what a
//! crashed run left in the voucher book before anything new is sold, and
//! each torrent's [`Seller`] starts from it.

use super::events::MarketEvents;
use super::price::PricePerMib;
use super::seller::{payer_accounts, settle_leftovers, Seller, SellerConfig};
use super::voucher_book::{VoucherBook, VoucherBookError};
use crate::ledger::VoucherDomain;
use crate::payment::PaymentLedger;
use k256::ecdsa::SigningKey;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// What a seller sells and on which terms (`btt-seed run --ask`).
#[derive(Debug, Clone, Copy)]
pub struct SellingTerms {
    /// Its price per MiB.
    pub ask: PricePerMib,
    /// Regular slots sold.
    pub slots: usize,
    /// Bytes served to a payer beyond what it paid.
    pub credit: u64,
    /// How often accepted vouchers are redeemed while trading.
    pub redeem_every: Duration,
    /// What a voucher must add for a redeem while trading (see
    /// [`SellerConfig::redeem_above`]).
    pub redeem_above: Option<u128>,
    /// The percentage of the upload limit free peers keep.
    pub free_share: u8,
    /// The process's upload limit in bytes per second, if any.
    pub upload_limit: Option<u64>,
}

/// The wallet a seller is paid into and the ledger it trades on.
pub struct SellerWallet {
    /// The wallet's key, which signs redemptions and closes.
    pub key: SigningKey,
    /// The ledger the channels are on.
    pub ledger: Arc<dyn PaymentLedger>,
    /// Its id and how its vouchers are signed.
    pub domain: VoucherDomain,
}

/// A process's seller setup, shared by every torrent it sells.
pub struct SellerDesk {
    config: SellerConfig,
    free_share: u8,
}

impl SellerDesk {
    /// Opens the voucher book at `book`, then closes every channel a
    /// crashed run left in it.
    pub async fn open(
        terms: SellingTerms,
        wallet: SellerWallet,
        book: &Path,
        events: MarketEvents,
    ) -> Result<SellerDesk, VoucherBookError> {
        let book = VoucherBook::open(book)?;
        let slot_rate = terms
            .upload_limit
            .map(|limit| paid_slot_rate(limit, terms.free_share, terms.slots));
        let config = SellerConfig {
            ask: terms.ask,
            slots: terms.slots,
            credit: terms.credit,
            redeem_every: terms.redeem_every,
            slot_rate,
            key: wallet.key,
            ledger: wallet.ledger,
            domain: wallet.domain,
            redeem_above: terms.redeem_above,
            voucher_book: Arc::new(book),
            accounts: Arc::new(payer_accounts(
                terms.credit,
                terms.redeem_every,
                Arc::new(crate::clock::now_ms),
            )),
            events,
        };
        settle_leftovers(&config).await;
        Ok(SellerDesk {
            config,
            free_share: terms.free_share,
        })
    }

    /// The seller of one more torrent.
    pub fn start_seller(&self) -> Seller {
        Seller::start(self.config.clone())
    }

    /// The percentage of the upload limit free peers keep.
    pub fn free_share(&self) -> u8 {
        self.free_share
    }
}

/// What each of `slots` paid slots gets at most of an upload `limit` when
/// free peers keep `free_share` percent of it.
fn paid_slot_rate(limit: u64, free_share: u8, slots: usize) -> u64 {
    let paid = u128::from(limit) * u128::from(100 - free_share.min(100)) / 100;
    let slots = u128::try_from(slots.max(1)).unwrap_or(u128::MAX);
    u64::try_from(paid / slots).unwrap_or(u64::MAX)
}
