//! The `local` backend: the ledger in an embedded SQLite file
//! (`DATA/ledger.sqlite`), shared by every btt process on the machine.
//!
//! [`Store`] is the synchronous store (one connection); [`LocalLedger`]
//! puts it behind the async [`Ledger`] trait by running its work on tokio's
//! blocking pool. Concurrent transfers in one process are group-committed:
//! each caller queues its transfer and asks for a flush; whichever flush
//! gets the store takes every queued transfer and applies them in one
//! transaction with one fsync, then answers each caller. Across processes,
//! SQLite's write lock (`BEGIN IMMEDIATE` plus a busy timeout) orders the
//! commits.
//!
//! A transfer arrives signed; its signature and times are checked
//! ([`admit()`]) before it is queued.
//!
//! A transfer whose future is dropped after it was queued may still be
//! applied; look it up by txid to know.

mod campaigns;
mod channels;
mod codec;
#[cfg(test)]
mod conservation_tests;
#[cfg(test)]
pub(crate) mod fixtures;
mod locks;
mod movements;
mod purchases;
pub mod schema;
pub mod store;

pub use store::{Clock, OpenOptions, Store};

use super::channel::{
    ChannelRole, ChannelState, CloseChannel, OpenChannel, RedeemVoucher, RefundChannel,
};
use super::domain::Signed;
use super::error::LedgerError;
use super::escrow::{CampaignState, CreateCampaign, Pledge};
use super::id::{CampaignId, ChannelId, LedgerId, PurchaseId};
use super::purchase::{DeliverPurchase, OpenPurchase, PurchaseRole, PurchaseState};
use super::{admit, Ledger, Transfer, TransferRecord};
use crate::amount::{Amount, Token};
use crate::config::Dirs;
use crate::sync::lock;
use crate::tron::{Address, SignedTransaction};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// The embedded ledger behind the async [`Ledger`] trait.
#[derive(Clone)]
pub struct LocalLedger {
    shared: Arc<Shared>,
}

struct Shared {
    store: Mutex<Store>,
    queue: Mutex<Vec<QueuedTransfer>>,
    ledger_id: LedgerId,
    dev: bool,
    clock: Clock,
}

struct QueuedTransfer {
    transfer: Transfer,
    reply: oneshot::Sender<Result<TransferRecord, LedgerError>>,
}

impl LocalLedger {
    /// Opens (creating if needed) the ledger file at `path`. This blocks on
    /// disk briefly; call it before entering hot async code.
    pub fn open(path: &Path, options: OpenOptions) -> Result<LocalLedger, LedgerError> {
        let clock = options.clock.clone();
        let store = Store::open(path, options)?;
        let ledger_id = store.ledger_id();
        let dev = store.is_dev();
        Ok(LocalLedger {
            shared: Arc::new(Shared {
                store: Mutex::new(store),
                queue: Mutex::new(Vec::new()),
                ledger_id,
                dev,
                clock,
            }),
        })
    }

    /// Opens the ledger of a data directory (`DATA/ledger.sqlite`).
    pub fn open_in(dirs: &Dirs, options: OpenOptions) -> Result<LocalLedger, LedgerError> {
        LocalLedger::open(&Store::default_path(dirs), options)
    }

    /// The ledger's id, without awaiting.
    pub fn id(&self) -> LedgerId {
        self.shared.ledger_id
    }

    /// Whether this ledger was opened for development (minting allowed).
    pub fn is_dev(&self) -> bool {
        self.shared.dev
    }

    /// Every base unit of `token` in balances and unsettled locks.
    pub async fn total_supply(&self, token: Token) -> Result<u128, LedgerError> {
        self.blocking(move |store| store.total_supply(token)).await
    }

    /// Every base unit of `token` ever minted.
    pub async fn minted(&self, token: Token) -> Result<u128, LedgerError> {
        self.blocking(move |store| store.minted(token)).await
    }

    /// The signed transaction a transfer was applied from, byte for byte.
    pub async fn signed_transaction(
        &self,
        txid: [u8; 32],
    ) -> Result<Option<SignedTransaction>, LedgerError> {
        self.blocking(move |store| store.signed_transaction(&txid))
            .await
    }

    /// Runs `work` with the store on the blocking pool.
    pub async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || work(&mut lock(&shared.store)))
            .await
            .map_err(|error| LedgerError::Worker {
                message: error.to_string(),
            })?
    }

    async fn queue_transfer(&self, transfer: Transfer) -> Result<TransferRecord, LedgerError> {
        let (reply, answer) = oneshot::channel();
        lock(&self.shared.queue).push(QueuedTransfer { transfer, reply });
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || shared.flush())
            .await
            .map_err(|error| LedgerError::Worker {
                message: error.to_string(),
            })?;
        answer.await.map_err(|_| LedgerError::Worker {
            message: "the group commit dropped a transfer".to_string(),
        })?
    }
}

impl Shared {
    /// Applies every queued transfer in one commit and answers each caller.
    fn flush(&self) {
        let mut store = lock(&self.store);
        let queued = std::mem::take(&mut *lock(&self.queue));
        if queued.is_empty() {
            return;
        }
        let (transfers, replies): (Vec<_>, Vec<_>) = queued
            .into_iter()
            .map(|queued| (queued.transfer, queued.reply))
            .unzip();
        let results = store.apply_transfers(&transfers);
        for (reply, result) in replies.into_iter().zip(results) {
            // A caller that stopped waiting needs no answer.
            let _ = reply.send(result);
        }
    }
}

impl Ledger for LocalLedger {
    async fn ledger_id(&self) -> Result<LedgerId, LedgerError> {
        Ok(self.shared.ledger_id)
    }

    async fn head(&self) -> Result<u64, LedgerError> {
        self.blocking(|store| store.head()).await
    }

    async fn balance(&self, address: Address, token: Token) -> Result<u128, LedgerError> {
        self.blocking(move |store| store.balance(&address, token))
            .await
    }

    async fn transfer(
        &self,
        transaction: SignedTransaction,
    ) -> Result<TransferRecord, LedgerError> {
        let transfer = admit(&transaction, self.shared.clock.now_ms())?;
        self.queue_transfer(transfer).await
    }

    async fn mint(&self, to: Address, amount: Amount) -> Result<TransferRecord, LedgerError> {
        self.blocking(move |store| store.mint(&to, &amount)).await
    }

    async fn transaction(&self, txid: [u8; 32]) -> Result<Option<TransferRecord>, LedgerError> {
        self.blocking(move |store| store.transaction(&txid)).await
    }

    async fn history(
        &self,
        address: Address,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        self.blocking(move |store| store.history(&address, since_ms, limit))
            .await
    }

    async fn history_after(
        &self,
        address: Address,
        after: u64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        self.blocking(move |store| store.history_after(&address, after, limit))
            .await
    }

    async fn open_channel(
        &self,
        request: Signed<OpenChannel>,
    ) -> Result<ChannelState, LedgerError> {
        self.blocking(move |store| store.open_channel(&request))
            .await
    }

    async fn redeem_voucher(
        &self,
        request: Signed<RedeemVoucher>,
    ) -> Result<ChannelState, LedgerError> {
        self.blocking(move |store| store.redeem_voucher(&request))
            .await
    }

    async fn close_channel(
        &self,
        request: Signed<CloseChannel>,
    ) -> Result<ChannelState, LedgerError> {
        self.blocking(move |store| store.close_channel(&request))
            .await
    }

    async fn refund_channel(
        &self,
        request: Signed<RefundChannel>,
    ) -> Result<ChannelState, LedgerError> {
        self.blocking(move |store| store.refund_channel(&request))
            .await
    }

    async fn channel(&self, id: ChannelId) -> Result<Option<ChannelState>, LedgerError> {
        self.blocking(move |store| store.channel(id)).await
    }

    async fn channels(
        &self,
        address: Address,
        role: ChannelRole,
    ) -> Result<Vec<ChannelState>, LedgerError> {
        self.blocking(move |store| store.channels_of(&address, role))
            .await
    }

    async fn create_campaign(
        &self,
        request: Signed<CreateCampaign>,
    ) -> Result<CampaignState, LedgerError> {
        self.blocking(move |store| store.create_campaign(&request))
            .await
    }

    async fn pledge(&self, request: Signed<Pledge>) -> Result<CampaignState, LedgerError> {
        self.blocking(move |store| store.pledge(&request)).await
    }

    async fn settle_campaign(&self, id: CampaignId) -> Result<CampaignState, LedgerError> {
        self.blocking(move |store| store.settle_campaign(id)).await
    }

    async fn campaign(&self, id: CampaignId) -> Result<Option<CampaignState>, LedgerError> {
        self.blocking(move |store| store.campaign(id)).await
    }

    async fn open_purchase(
        &self,
        request: Signed<OpenPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        self.blocking(move |store| store.open_purchase(&request))
            .await
    }

    async fn deliver_purchase(
        &self,
        request: Signed<DeliverPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        self.blocking(move |store| store.deliver_purchase(&request))
            .await
    }

    async fn refund_purchase(&self, id: PurchaseId) -> Result<PurchaseState, LedgerError> {
        self.blocking(move |store| store.refund_purchase(id)).await
    }

    async fn purchase(&self, id: PurchaseId) -> Result<Option<PurchaseState>, LedgerError> {
        self.blocking(move |store| store.purchase(id)).await
    }

    async fn purchases(
        &self,
        address: Address,
        role: PurchaseRole,
    ) -> Result<Vec<PurchaseState>, LedgerError> {
        self.blocking(move |store| store.purchases_of(&address, role))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{self, address, btt, key, signed_for, START_MS};
    use super::*;
    use crate::ledger::channel::Voucher;
    use std::sync::atomic::AtomicI64;

    fn open_dev(dir: &tempfile::TempDir) -> LocalLedger {
        let now = Arc::new(AtomicI64::new(START_MS));
        LocalLedger::open(
            &dir.path().join("ledger.sqlite"),
            fixtures::options(&now, true),
        )
        .unwrap()
    }

    /// Pays through any backend, to show the trait is usable generically.
    async fn pay<L: Ledger>(ledger: &L, tag: u64) -> Result<TransferRecord, LedgerError> {
        let id = ledger.ledger_id().await?;
        ledger
            .transfer(signed_for(&id, 1, &address(2), 1, tag))
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_transfers_are_group_committed_without_overdraft() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open_dev(&dir);
        ledger.mint(address(1), btt(150)).await.unwrap();
        let tasks: Vec<_> = (0..200u64)
            .map(|tag| {
                let ledger = ledger.clone();
                tokio::spawn(async move { pay(&ledger, tag).await })
            })
            .collect();
        let mut applied = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => applied += 1,
                Err(error) => assert!(error.is_insufficient_funds(), "{error}"),
            }
        }
        assert_eq!(applied, 150);
        assert_eq!(ledger.balance(address(1), Token::Btt).await.unwrap(), 0);
        assert_eq!(ledger.balance(address(2), Token::Btt).await.unwrap(), 150);
        assert_eq!(ledger.head().await.unwrap(), 151);
        assert_eq!(
            ledger.total_supply(Token::Btt).await.unwrap(),
            ledger.minted(Token::Btt).await.unwrap()
        );
        let history = ledger.history_after(address(2), 0, 1_000).await.unwrap();
        let sequences: Vec<u64> = history.iter().map(|record| record.sequence).collect();
        assert_eq!(sequences, (2..=151).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn channels_work_through_the_trait() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open_dev(&dir);
        let id = ledger.ledger_id().await.unwrap();
        assert_eq!(id, ledger.id());
        ledger.mint(address(1), btt(100)).await.unwrap();
        let open = OpenChannel {
            payer: address(1),
            payee: address(2),
            amount: btt(60),
            expires_at_ms: START_MS + 1_000,
            nonce: 1,
        };
        let channel = ledger
            .open_channel(Signed::sign(open, &key(1), &id))
            .await
            .unwrap();
        let promise = Voucher {
            channel: channel.id,
            payee: address(2),
            cumulative: btt(25),
        };
        let close = CloseChannel {
            channel: channel.id,
            voucher: Some(Signed::sign(promise, &key(1), &id)),
        };
        let closed = ledger
            .close_channel(Signed::sign(close, &key(2), &id))
            .await
            .unwrap();
        assert_eq!(closed.redeemed, 25);
        assert_eq!(ledger.channel(channel.id).await.unwrap(), Some(closed));
        assert_eq!(ledger.balance(address(1), Token::Btt).await.unwrap(), 75);
        assert_eq!(ledger.balance(address(2), Token::Btt).await.unwrap(), 25);
    }
}
