//! The seller's side of the market, for `btt-seed run --ask --wallet`: the
//! [`Auction`] choker sells the regular slots, and this
//! [`SessionExtension`] speaks `btt_market` with each payer: it tells a
//! winner its price before the unchoke, loads the channel the payer names,
//! accepts its vouchers, and asks for payment when the credit window is
//! used up.
//!
//! Money work runs in one settlement task per torrent, in order: a voucher
//! is checked ([`VoucherCheck`]), written to the [`VoucherJournal`] with
//! fsync, and only then counted as paid, so more data is served on it only
//! after it is on disk; a `kill -9` loses no earnings. The task redeems the
//! journal's vouchers on the ledger every minute, closes a payer's channel
//! with its last voucher when the payer says `close` or leaves, and at the
//! end closes every channel left (also those a crashed run left behind,
//! when the next run starts).

use super::auction::Auction;
use super::credit::CreditWindow;
use super::events::{btt_text, EarningRecord, MarketEvent, MarketEvents, MarketPeerRecord};
use super::events::{MarketTotals, PeerTotal, SettlementRecord};
use super::journal::VoucherJournal;
use super::price::PricePerMib;
use super::seller_book::{BuyerAccount, SellerBook};
use super::settle::{mark, settle};
use super::wire::{MarketHandshake, MarketMessage, BTT_MARKET, HANDSHAKE_KEY, PROTOCOL_VERSION};
use crate::amount::{Amount, Token};
use crate::ledger::{ChannelId, ChannelState, LedgerId, Signature, Signed, Voucher};
use crate::metainfo::Torrent;
use crate::payment::{close_with, PaymentLedger, VoucherCheck};
use crate::peer::ExtendedHandshake;
use crate::swarm::picker::PeerKey;
use crate::swarm::UploadSlot;
use crate::swarm::{ChokerFactory, Extension, ExtensionPeer, PeerError, SessionExtension};
use crate::tron::Address;
use k256::ecdsa::SigningKey;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// How a seller trades (one config serves every torrent of a process).
#[derive(Clone)]
pub struct SellerConfig {
    /// Its price per MiB.
    pub ask: PricePerMib,
    /// Regular slots sold.
    pub slots: usize,
    /// Bytes served to a payer beyond what it paid.
    pub credit: u64,
    /// How often accepted vouchers are redeemed while trading.
    pub redeem_every: Duration,
    /// The most bytes per second each paid slot gets (from the upload
    /// limit), told to buyers; `None` when the upload is not limited.
    pub slot_rate: Option<u64>,
    /// The wallet's key, which signs redemptions and closes.
    pub key: SigningKey,
    /// The ledger the channels are on.
    pub ledger: Arc<dyn PaymentLedger>,
    /// Its id.
    pub ledger_id: LedgerId,
    /// Where accepted vouchers are kept.
    pub journal: Arc<VoucherJournal>,
    /// Where events go.
    pub events: MarketEvents,
}

/// Work for the settlement task.
enum Settle {
    /// The payer named its channel.
    Channel { peer: PeerKey, id: ChannelId },
    /// The payer sent a voucher.
    Voucher {
        peer: PeerKey,
        voucher: Signed<Voucher>,
    },
    /// The payer is done or gone: close its channel.
    Close { peer: PeerKey },
    /// Close everything and stop.
    Finish(oneshot::Sender<()>),
}

struct SellerShared {
    config: SellerConfig,
    wallet: Address,
    book: Arc<SellerBook>,
    work: mpsc::UnboundedSender<Settle>,
    said_other_ledger: Mutex<bool>,
}

/// The seller of one torrent's upload slots.
#[derive(Clone)]
pub struct Seller(Arc<SellerShared>);

impl Seller {
    /// A seller trading as `config` says; starts its settlement task.
    pub fn start(config: SellerConfig) -> Seller {
        let (work, jobs) = mpsc::unbounded_channel();
        let shared = Arc::new(SellerShared {
            wallet: Address::from_public_key(config.key.verifying_key()),
            config,
            book: Arc::new(SellerBook::default()),
            work,
            said_other_ledger: Mutex::new(false),
        });
        tokio::spawn(settlement(Arc::clone(&shared), jobs));
        Seller(shared)
    }

    /// The auction that sells this torrent's slots.
    pub fn choker(&self) -> ChokerFactory {
        let (ask, slots, book) = (
            self.0.config.ask,
            self.0.config.slots,
            Arc::clone(&self.0.book),
        );
        ChokerFactory::new(move || Box::new(Auction::selling(ask, slots, Arc::clone(&book))))
    }

    /// The `btt_market` extension of this seller.
    pub fn extension(&self) -> Extension {
        Extension::new(self.clone())
    }

    /// What payers of this torrent paid in this run, in base units.
    pub fn earned(&self) -> u128 {
        self.0
            .book
            .lock()
            .values()
            .map(|account| account.earned)
            .sum()
    }

    /// Closes the channel of every payer of this torrent on the ledger with
    /// its last voucher and returns what this run earned.
    pub async fn finish(&self) -> MarketTotals {
        let (done, finished) = oneshot::channel();
        if self.0.work.send(Settle::Finish(done)).is_ok() {
            let _ = finished.await;
        }
        let peers = self.0.book.lock();
        let market_peers: Vec<PeerTotal> = peers
            .values()
            .map(|account| PeerTotal {
                peer: account.addr,
                wallet: account.wallet,
                base_units: account.earned,
            })
            .collect();
        MarketTotals {
            spent_base_units: None,
            earned_base_units: Some(market_peers.iter().map(|p| p.base_units).sum()),
            market_peers,
        }
    }
}

impl SellerShared {
    fn our_handshake(&self) -> MarketHandshake {
        MarketHandshake {
            version: PROTOCOL_VERSION,
            wallet: self.wallet,
            ledger: self.config.ledger_id,
            ask: Some(self.config.ask),
            credit: Some(self.config.credit),
            slot_rate: self.config.slot_rate,
        }
    }

    fn notice(&self, line: String) {
        self.config.events.send(MarketEvent::Notice(line));
    }

    /// A payer's handshake: keep an account for it when it trades on our ledger.
    fn meet(&self, peer: &ExtensionPeer<'_>, theirs: MarketHandshake) {
        if theirs.ledger != self.config.ledger_id {
            let mut said = self
                .said_other_ledger
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if !std::mem::replace(&mut *said, true) {
                self.notice(format!(
                    "market peer {} is on another ledger; serving it as a plain peer",
                    peer.addr()
                ));
            }
            return;
        }
        if theirs.version != PROTOCOL_VERSION {
            return;
        }
        let record = MarketPeerRecord::new(peer.addr(), theirs.wallet, theirs.ask);
        self.config.events.send(MarketEvent::Peer(record));
        let account = BuyerAccount::new(
            peer.addr(),
            theirs.wallet,
            self.config.credit,
            peer.messenger(),
        );
        self.book.lock().entry(peer.key()).or_insert(account);
    }

    /// One market message from a payer; a refusal makes it a plain peer.
    fn on_message(
        &self,
        peer: &mut ExtensionPeer<'_>,
        message: MarketMessage,
    ) -> Result<(), String> {
        let key = peer.key();
        let mut peers = self.book.lock();
        let Some(account) = peers.get_mut(&key).filter(|account| account.trading) else {
            return Ok(());
        };
        match message {
            MarketMessage::Bid { price } => {
                peer.set_offer(Some(price));
                peer.request_rechoke();
                Ok(())
            }
            MarketMessage::Channel { .. } if account.price_sent.is_none() => {
                Err("it named a channel before any price".to_string())
            }
            MarketMessage::Channel { .. } if account.channel.is_some() => {
                Err("it named a second channel".to_string())
            }
            MarketMessage::Channel { id } => {
                account.channel = Some(id);
                let _ = self.work.send(Settle::Channel { peer: key, id });
                Ok(())
            }
            MarketMessage::Voucher {
                channel,
                cumulative,
                signature,
            } => {
                if account.channel != Some(channel) {
                    return Err("it sent a voucher for a channel it did not name".to_string());
                }
                let voucher = self.voucher(channel, cumulative, signature);
                let _ = self.work.send(Settle::Voucher { peer: key, voucher });
                Ok(())
            }
            MarketMessage::Close => {
                // Done paying: served free at once and its channel closed; a
                // later `bid` and `channel` start over with a new channel.
                account.channel = None;
                account.credit = CreditWindow::new(self.config.credit);
                account.refused_since = None;
                account.asked_to_pay = false;
                account.closed_in_slot = account.price_sent.is_some_and(|p| p.0 > 0);
                peer.set_offer(None);
                peer.request_rechoke();
                let _ = self.work.send(Settle::Close { peer: key });
                Ok(())
            }
            other => Err(format!("it sent {} to a seller", other.name())),
        }
    }

    /// The voucher a `voucher` message stands for: the payee is us, the token BTT.
    fn voucher(
        &self,
        channel: ChannelId,
        cumulative: u64,
        signature: Signature,
    ) -> Signed<Voucher> {
        Signed {
            request: Voucher {
                channel,
                payee: self.wallet,
                cumulative: Amount {
                    token: Token::Btt,
                    base_units: u128::from(cumulative),
                },
            },
            signature,
        }
    }

    /// Makes a peer that broke the protocol a plain peer.
    fn refuse(&self, peer: &mut ExtensionPeer<'_>, why: &str) {
        if let Some(account) = self.book.lock().get_mut(&peer.key()) {
            account.trading = false;
        }
        peer.set_offer(None);
        let line = format!(
            "market peer {}: {why}; serving it as a plain peer",
            peer.addr()
        );
        self.config.events.send(MarketEvent::Warning(line));
    }

    /// The peer's slot changed: charge its price from now on, and tell it
    /// the price before the unchoke goes out.
    fn on_slot(&self, peer: &ExtensionPeer<'_>, slot: UploadSlot) {
        let mut peers = self.book.lock();
        let Some(account) = peers.get_mut(&peer.key()) else {
            return;
        };
        let price = match slot {
            UploadSlot::Regular { price: Some(price) } if account.trading => Some(price),
            _ => None,
        };
        if price.is_none() && std::mem::take(&mut account.closed_in_slot) {
            // Its bid, if it made a new one, counts from the next rechoke.
            peer.request_rechoke();
        }
        account.credit.set_price(price);
        let told = match (slot, price) {
            (_, Some(price)) => Some(price),
            (UploadSlot::Choked, None) => return,
            (_, None) => account.price_sent.map(|_| PricePerMib(0)),
        };
        if let Some(told) = told.filter(|told| account.price_sent != Some(*told)) {
            account.price_sent = Some(told);
            peer.send(MarketMessage::Price { price: told }.to_payload());
        }
    }

    /// Once a second: ask a payer whose window is used up for what is due,
    /// unless that went out at the refusal.
    fn on_tick(&self, peer: &ExtensionPeer<'_>) {
        let mut peers = self.book.lock();
        let Some(account) = peers.get_mut(&peer.key()) else {
            return;
        };
        if let Some(payload) = account.payment_request() {
            peer.send(payload);
        }
    }
}

impl SessionExtension for Seller {
    type Peer = ();

    fn name(&self) -> &'static str {
        BTT_MARKET
    }

    fn new_peer(&self, _peer: &ExtensionPeer<'_>, _now: Instant) {}

    fn handshake_fields(&self, _torrent: &Torrent, handshake: &mut ExtendedHandshake) {
        let ours = self.0.our_handshake().to_bencode();
        handshake.extra.insert(HANDSHAKE_KEY.to_string(), ours);
    }

    fn on_handshake(
        &self,
        peer: &mut ExtensionPeer<'_>,
        _: &mut (),
        handshake: &ExtendedHandshake,
    ) {
        if let Some(theirs) = MarketHandshake::of_peer(handshake) {
            self.0.meet(peer, theirs);
        }
    }

    fn on_message(
        &self,
        peer: &mut ExtensionPeer<'_>,
        _: &mut (),
        payload: &[u8],
    ) -> Result<(), PeerError> {
        let outcome = match MarketMessage::from_payload(payload) {
            Ok(message) => self.0.on_message(peer, message),
            Err(error) => Err(error.to_string()),
        };
        if let Err(why) = outcome {
            self.0.refuse(peer, &why);
        }
        Ok(())
    }

    fn on_tick(&self, peer: &mut ExtensionPeer<'_>, _: &mut (), _now: Instant) {
        self.0.on_tick(peer);
    }

    fn on_slot(&self, peer: &mut ExtensionPeer<'_>, _: &mut (), slot: UploadSlot) {
        self.0.on_slot(peer, slot);
    }

    fn on_disconnect(&self, peer: &mut ExtensionPeer<'_>, _: &mut ()) {
        if self.0.book.lock().contains_key(&peer.key()) {
            let _ = self.0.work.send(Settle::Close { peer: peer.key() });
        }
    }
}

/// The settlement task: every ledger call and journal write of one seller, in order.
async fn settlement(shared: Arc<SellerShared>, jobs: mpsc::UnboundedReceiver<Settle>) {
    let mut redeem = tokio::time::interval(shared.config.redeem_every);
    redeem.tick().await;
    let mut jobs = Jobs {
        queue: jobs,
        held: None,
    };
    loop {
        tokio::select! {
            job = jobs.next() => match job {
                Some(Settle::Channel { peer, id }) => load_channel(&shared, peer, id).await,
                Some(Settle::Voucher { peer, voucher }) => accept_voucher(&shared, peer, voucher).await,
                Some(Settle::Close { peer }) => close_channel(&shared, peer).await,
                Some(Settle::Finish(done)) => {
                    finish(&shared).await;
                    let _ = done.send(());
                    return;
                }
                None => return,
            },
            _ = redeem.tick() => settle_journal(&shared.config, false).await,
        }
    }
}

/// The settlement task's work in order, but for vouchers: of a run of
/// queued vouchers from one payer only the last is checked and journaled
/// (each is cumulative, so the later one carries the earlier), which keeps
/// one fsync per batch when a fast payer sends many.
struct Jobs {
    queue: mpsc::UnboundedReceiver<Settle>,
    /// A job taken from the queue while looking for a later voucher.
    held: Option<Settle>,
}

impl Jobs {
    async fn next(&mut self) -> Option<Settle> {
        let job = match self.held.take() {
            Some(job) => job,
            None => self.queue.recv().await?,
        };
        let Settle::Voucher { peer, mut voucher } = job else {
            return Some(job);
        };
        while let Ok(next) = self.queue.try_recv() {
            match next {
                Settle::Voucher {
                    peer: from,
                    voucher: later,
                } if from == peer => voucher = later,
                other => {
                    self.held = Some(other);
                    break;
                }
            }
        }
        Some(Settle::Voucher { peer, voucher })
    }
}

/// Loads the channel a payer named; one we can't use makes it a plain peer.
async fn load_channel(shared: &SellerShared, peer: PeerKey, id: ChannelId) {
    let loaded = VoucherCheck::load(&*shared.config.ledger, id, shared.wallet).await;
    let mut peers = shared.book.lock();
    let Some(account) = peers.get_mut(&peer) else {
        return;
    };
    match loaded {
        Ok(check) => account.check = Some(check),
        Err(error) => {
            account.trading = false;
            let line = format!("market peer {}: channel {id}: {error}", account.addr);
            shared.config.events.send(MarketEvent::Warning(line));
        }
    }
}

/// Checks a voucher, stores it durably, and only then counts it as paid
/// (and lets the payer request again if its window had filled).
async fn accept_voucher(shared: &SellerShared, peer: PeerKey, voucher: Signed<Voucher>) {
    let checked = {
        let peers = shared.book.lock();
        let Some(mut check) = peers.get(&peer).and_then(|a| a.check.clone()) else {
            return;
        };
        check
            .accept(voucher.clone())
            .map(|increment| (check, increment))
    };
    let (check, increment) = match checked {
        Ok(checked) => checked,
        Err(error) => return refuse_voucher(shared, peer, &error.to_string()),
    };
    if let Err(error) = record(shared, voucher).await {
        let line = format!("could not store a voucher, so it is not counted: {error}");
        return shared.config.events.send(MarketEvent::Warning(line));
    }
    let mut peers = shared.book.lock();
    let Some(account) = peers.get_mut(&peer) else {
        return;
    };
    let cumulative = check.accepted();
    account.check = Some(check);
    account.credit.paid(cumulative);
    account.earned += increment;
    if account.refused_since.take().is_some() && account.credit.price().is_some() {
        if let Some(messenger) = &account.messenger {
            messenger.resume_requests();
        }
    }
    account.asked_to_pay = false;
    shared
        .config
        .events
        .send(MarketEvent::Earning(EarningRecord {
            peer: account.addr,
            payer: account.wallet,
            channel: account.channel.unwrap_or(ChannelId([0; 32])),
            cumulative: btt_text(cumulative),
            cumulative_base_units: cumulative,
            increment_base_units: increment,
        }));
}

fn refuse_voucher(shared: &SellerShared, peer: PeerKey, why: &str) {
    let mut peers = shared.book.lock();
    if let Some(account) = peers.get_mut(&peer) {
        account.trading = false;
        let line = format!("market peer {}: voucher refused: {why}", account.addr);
        shared.config.events.send(MarketEvent::Warning(line));
    }
}

/// Writes `voucher` to the journal (fsync) off the async threads.
async fn record(shared: &SellerShared, voucher: Signed<Voucher>) -> Result<(), String> {
    let journal = Arc::clone(&shared.config.journal);
    let ledger = shared.config.ledger_id;
    tokio::task::spawn_blocking(move || {
        journal.record(&ledger, &voucher).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Closes a payer's channel with its last voucher (or none, returning it all).
async fn close_channel(shared: &SellerShared, peer: PeerKey) {
    let (check, addr) = {
        let mut peers = shared.book.lock();
        let Some(account) = peers.get_mut(&peer) else {
            return;
        };
        (account.check.take(), account.addr)
    };
    let Some(check) = check else { return };
    let ledger = shared.config.ledger_id;
    let request = match check.best() {
        Some(best) => close_with(best.clone(), &shared.config.key, &ledger),
        None => {
            let close = crate::ledger::CloseChannel {
                channel: check.channel_id(),
                voucher: None,
            };
            Signed::sign(close, &shared.config.key, &ledger)
        }
    };
    match shared.config.ledger.close_channel(request).await {
        Ok(state) => {
            if let Err(error) = mark(&shared.config.journal, &state).await {
                let line = format!(
                    "could not record the close of channel {}: {error}",
                    state.id
                );
                shared.config.events.send(MarketEvent::Warning(line));
            }
            report_settlement(&shared.config, &state);
        }
        Err(error) => {
            let line = format!("could not close the channel of {addr} yet: {error}");
            shared.config.events.send(MarketEvent::Warning(line));
        }
    }
}

/// Reports what the ledger says a channel paid (the journal is marked
/// already, by [`settle`] or by [`close_channel`]).
fn report_settlement(config: &SellerConfig, state: &ChannelState) {
    let closed = state.status == crate::ledger::ChannelStatus::Closed;
    config
        .events
        .send(MarketEvent::Settlement(SettlementRecord {
            channel: state.id,
            payer: state.payer,
            redeemed: btt_text(state.redeemed),
            redeemed_base_units: state.redeemed,
            closed,
        }));
}

/// Redeems (or, with `close`, closes) every channel the journal holds
/// unsettled vouchers of; [`settle`] marks each in the journal.
async fn settle_journal(config: &SellerConfig, close: bool) {
    match settle(&config.journal, &*config.ledger, &config.key, close).await {
        Ok(states) => {
            for state in &states {
                report_settlement(config, state);
            }
        }
        Err(error) => {
            let line = format!("could not settle the voucher journal yet: {error}");
            config.events.send(MarketEvent::Warning(line));
        }
    }
}

/// The end of a run: close every payer's channel, then redeem what the
/// journal still holds (other torrents' payers may still be trading).
async fn finish(shared: &SellerShared) {
    let peers: Vec<PeerKey> = shared.book.lock().keys().copied().collect();
    for peer in peers {
        close_channel(shared, peer).await;
    }
    settle_journal(&shared.config, false).await;
}

/// Before any torrent trades: closes every channel an earlier run left in
/// the journal (its payers are gone), so a crash loses no earnings.
pub async fn settle_leftovers(config: &SellerConfig) {
    settle_journal(config, true).await;
}
