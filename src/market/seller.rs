//! The seller's side of the market, for `btt-seed run --ask --wallet`: the
//! [`Auction`] choker sells the regular slots, and this
//! [`SessionExtension`] speaks `btt_market` with each payer: it tells a
//! winner its price before the unchoke, loads the channel the payer names,
//! accepts its vouchers, and asks for payment when the credit window is
//! used up.
//!
//! Money work runs in one settlement task per torrent, in order: a voucher
//! is checked ([`VoucherCheck`](crate::payment::VoucherCheck)), written to the [`VoucherBook`] with
//! fsync, and only then counted as paid, so more data is served on it only
//! after it is on disk; a `kill -9` loses no earnings. The task redeems the
//! voucher book's vouchers on the ledger every minute, closes a payer's channel
//! with its last voucher when the payer says `close` or leaves, and at the
//! end closes every channel left (also those a crashed run left behind,
//! when the next run starts).

use super::auction::Auction;
use super::events::{btt_text, EarningRecord, MarketEvent, MarketEvents, MarketPeerRecord};
use super::events::{MarketTotals, PeerTotal, SettlementRecord};
use super::payer_accounts::{Clock, PayerAccounts};
use super::price::PricePerMib;
use super::seller_book::{PeerSession, SellerBook, Standing};
use super::settle::{mark, settle};
use super::voucher_book::VoucherBook;
use super::wire::{protocol_version, MarketHandshake, MarketMessage, BTT_MARKET, HANDSHAKE_KEY};
use crate::amount::{Amount, Token};
use crate::ledger::{ChannelId, ChannelState, Signature, Signed, Voucher, VoucherDomain};
use crate::metainfo::Torrent;
use crate::payment::{close_with, PaymentLedger};
use crate::peer::ExtendedHandshake;
use crate::swarm::picker::PeerKey;
use crate::swarm::UploadSlot;
use crate::swarm::{ChokerFactory, Extension, ExtensionPeer, PeerError, SessionExtension};
use crate::tron::Address;
use k256::ecdsa::SigningKey;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Its id and how its vouchers are signed.
    pub domain: VoucherDomain,
    /// Redeem while trading only vouchers that add at least this many base
    /// units; `None`: [`REDEEM_WORTH`] times what a redeem costs in fees
    /// now (nothing on btt's ledgers, gas on a chain). Closes pay the rest.
    pub redeem_above: Option<u128>,
    /// Where accepted vouchers are kept.
    pub voucher_book: Arc<VoucherBook>,
    /// What every payer owes the process (shared by all its torrents).
    pub accounts: Arc<PayerAccounts>,
    /// Where events go.
    pub events: MarketEvents,
}

/// How long before a channel's expiry, beyond two redeem intervals, its
/// seller stops giving credit against it and closes it: the payer may
/// refund an expired channel, so the seller's close must land first.
pub const EXPIRY_LEEWAY: Duration = Duration::from_secs(5);

/// The accounts of a seller that redeems every `redeem_every` with a credit
/// window of `credit` bytes: channels are used until two redeem intervals
/// and [`EXPIRY_LEEWAY`] before they expire.
/// Expiries are compared with `clock`.
pub fn payer_accounts(credit: u64, redeem_every: Duration, clock: Clock) -> PayerAccounts {
    let margin = redeem_every.saturating_mul(2).saturating_add(EXPIRY_LEEWAY);
    let margin_ms = i64::try_from(margin.as_millis()).unwrap_or(i64::MAX);
    PayerAccounts::new(credit, margin_ms, clock)
}

/// Work for the settlement task.
enum Settle {
    /// The payer named its channel.
    Channel {
        peer: PeerKey,
        wallet: Address,
        id: ChannelId,
    },
    /// The payer sent a voucher.
    Voucher {
        peer: PeerKey,
        wallet: Address,
        voucher: Signed<Voucher>,
    },
    /// The payer is done with the channel, or gone: close it.
    Close { id: ChannelId },
    /// Close everything and stop.
    Finish(oneshot::Sender<()>),
}

struct SellerShared {
    config: SellerConfig,
    /// The ask now in base units per MiB (`config.ask` until changed).
    ask: Arc<AtomicU64>,
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
        let book = Arc::new(SellerBook::new(Arc::clone(&config.accounts)));
        let shared = Arc::new(SellerShared {
            wallet: Address::from_public_key(config.key.verifying_key()),
            ask: Arc::new(AtomicU64::new(config.ask.0)),
            config,
            book,
            work,
            said_other_ledger: Mutex::new(false),
        });
        tokio::spawn(settlement(Arc::clone(&shared), jobs));
        Seller(shared)
    }

    /// The auction that sells this torrent's slots.
    pub fn choker(&self) -> ChokerFactory {
        let (ask, slots, book) = (
            Arc::clone(&self.0.ask),
            self.0.config.slots,
            Arc::clone(&self.0.book),
        );
        ChokerFactory::new(move || {
            Box::new(Auction::selling(Arc::clone(&ask), slots, Arc::clone(&book)))
        })
    }

    /// The ask now.
    pub fn ask(&self) -> PricePerMib {
        PricePerMib(self.0.ask.load(Ordering::Relaxed))
    }

    /// Changes the ask: the auction clears at it from its next rechoke, and
    /// peers that connect from now on are told it (those connected already
    /// learn it as the price of a slot they win).
    pub fn set_ask(&self, ask: PricePerMib) {
        self.0.ask.store(ask.0, Ordering::Relaxed);
    }

    /// The `btt_market` extension of this seller.
    pub fn extension(&self) -> Extension {
        Extension::new(self.clone())
    }

    /// What every payer owes the process.
    pub fn accounts(&self) -> &PayerAccounts {
        &self.0.config.accounts
    }

    /// The token payers pay in.
    pub fn token(&self) -> Token {
        self.0.config.domain.token()
    }

    /// What payers of this torrent paid in this run, in base units.
    pub fn earned(&self) -> u128 {
        self.0
            .book
            .lock()
            .values()
            .map(|session| session.earned)
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
            .map(|session| PeerTotal {
                peer: session.addr,
                wallet: session.wallet,
                base_units: session.earned,
            })
            .collect();
        MarketTotals {
            spent_base_units: None,
            earned_base_units: Some(market_peers.iter().map(|p| p.base_units).sum()),
            fees_base_units: None,
            market_peers,
            token: self.token(),
        }
    }
}

impl SellerShared {
    fn our_handshake(&self) -> MarketHandshake {
        MarketHandshake {
            version: protocol_version(&self.config.domain),
            wallet: self.wallet,
            ledger: self.config.domain.ledger(),
            chain: self.config.domain.chain(),
            ask: Some(PricePerMib(self.ask.load(Ordering::Relaxed))),
            credit: Some(self.config.credit),
            slot_rate: self.config.slot_rate,
        }
    }

    fn notice(&self, line: String) {
        self.config.events.send(MarketEvent::Notice(line));
    }

    /// A payer's handshake: keep an account for it when it trades on our ledger.
    fn meet(&self, peer: &ExtensionPeer<'_>, theirs: MarketHandshake) {
        if theirs.ledger != self.config.domain.ledger() {
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
        if theirs.version != protocol_version(&self.config.domain) {
            return;
        }
        let record = MarketPeerRecord::new(
            peer.addr(),
            theirs.wallet,
            theirs.ask,
            self.config.domain.token(),
        );
        self.config.events.send(MarketEvent::Peer(record));
        self.config.accounts.met(theirs.wallet, peer.addr().ip());
        let session = PeerSession::new(peer.addr(), theirs.wallet, peer.messenger());
        self.book.lock().entry(peer.key()).or_insert(session);
    }

    /// One market message from a payer; a refusal makes it a plain peer.
    fn on_message(
        &self,
        peer: &mut ExtensionPeer<'_>,
        message: MarketMessage,
    ) -> Result<(), String> {
        let key = peer.key();
        let mut peers = self.book.lock();
        let Some(session) = peers.get_mut(&key).filter(|s| s.standing.trading()) else {
            return Ok(());
        };
        let wallet = session.wallet;
        match message {
            MarketMessage::Bid { price } => {
                peer.set_offer(Some(price));
                peer.request_rechoke();
                Ok(())
            }
            MarketMessage::Channel { .. } if session.price_sent.is_none() => {
                Err("it named a channel before any price".to_string())
            }
            MarketMessage::Channel { .. } if session.channel.is_some() => {
                Err("it named a second channel".to_string())
            }
            MarketMessage::Channel { id } => {
                session.channel = Some(id);
                let _ = self.work.send(Settle::Channel {
                    peer: key,
                    wallet,
                    id,
                });
                Ok(())
            }
            MarketMessage::Voucher {
                channel,
                cumulative,
                signature,
            } => {
                if session.channel != Some(channel) {
                    return Err("it sent a voucher for a channel it did not name".to_string());
                }
                let voucher = self.voucher(channel, cumulative, signature);
                let _ = self.work.send(Settle::Voucher {
                    peer: key,
                    wallet,
                    voucher,
                });
                Ok(())
            }
            MarketMessage::Close => {
                // Done paying on this channel: it is closed with its last
                // voucher; what the wallet owes stays owed, and a paid slot
                // it still holds is still charged until the next rechoke.
                session.standing = session.standing.closed();
                if let Some(id) = session.channel.take() {
                    let _ = self.work.send(Settle::Close { id });
                }
                peer.set_offer(None);
                peer.request_rechoke();
                Ok(())
            }
            other => Err(format!("it sent {} to a seller", other.name())),
        }
    }

    /// The voucher a `voucher` message stands for: the payee is us, the token BTT.
    fn voucher(
        &self,
        channel: ChannelId,
        cumulative: u128,
        signature: Signature,
    ) -> Signed<Voucher> {
        Signed {
            request: Voucher {
                channel,
                payee: self.wallet,
                cumulative: Amount {
                    token: self.config.domain.token(),
                    base_units: cumulative,
                },
            },
            signature,
        }
    }

    /// Makes a peer that broke the protocol a plain peer.
    fn refuse(&self, peer: &mut ExtensionPeer<'_>, why: &str) {
        if let Some(session) = self.book.lock().get_mut(&peer.key()) {
            session.standing = session.standing.broke();
        }
        peer.set_offer(None);
        peer.request_rechoke();
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
        let Some(session) = peers.get_mut(&peer.key()) else {
            return;
        };
        let price = match slot {
            UploadSlot::Regular { price: Some(price) } if session.standing.trading() => {
                Some(price).filter(|price| price.0 > 0)
            }
            _ => None,
        };
        let before = session.standing;
        session.standing = before.slot_changed(price);
        if price.is_none() && matches!(before, Standing::ClosedInSlot(_)) {
            // Its bid, if it made a new one, counts from the next rechoke.
            peer.request_rechoke();
        }
        let told = match (slot, price) {
            (_, Some(price)) => Some(price),
            (UploadSlot::Choked, None) => return,
            (_, None) => session.price_sent.map(|_| PricePerMib(0)),
        };
        if let Some(told) = told.filter(|told| session.price_sent != Some(*told)) {
            session.price_sent = Some(told);
            peer.send(MarketMessage::Price { price: told }.to_payload());
        }
    }

    /// Once a second: ask a payer whose credit is used up for what is due,
    /// unless that went out at the refusal.
    fn on_tick(&self, peer: &ExtensionPeer<'_>) {
        let mut peers = self.book.lock();
        let Some(session) = peers.get_mut(&peer.key()) else {
            return;
        };
        if let Some(payload) = session.payment_request(self.book.accounts()) {
            peer.send(payload);
        }
    }

    /// The peer left: the channel it named is closed.
    fn on_disconnect(&self, peer: &ExtensionPeer<'_>) {
        let mut peers = self.book.lock();
        let Some(session) = peers.get_mut(&peer.key()) else {
            return;
        };
        session.standing = session.standing.slot_changed(None);
        if let Some(id) = session.channel.take() {
            let _ = self.work.send(Settle::Close { id });
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
        self.0.on_disconnect(peer);
    }
}

/// The settlement task: every ledger call and voucher book write of one seller, in order.
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
                Some(Settle::Channel { peer, wallet, id }) => {
                    load_channel(&shared, peer, wallet, id).await
                }
                Some(Settle::Voucher { peer, wallet, voucher }) => {
                    accept_voucher(&shared, peer, wallet, voucher).await
                }
                Some(Settle::Close { id }) => close_channel(&shared, id).await,
                Some(Settle::Finish(done)) => {
                    finish(&shared).await;
                    let _ = done.send(());
                    return;
                }
                None => return,
            },
            _ = redeem.tick() => redeem_and_close_expiring(&shared).await,
        }
    }
}

/// The settlement task's work in order, but for vouchers: of a run of
/// queued vouchers from one payer only the last is checked and written to the voucher book
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
        let Settle::Voucher {
            peer,
            wallet,
            mut voucher,
        } = job
        else {
            return Some(job);
        };
        while let Ok(next) = self.queue.try_recv() {
            match next {
                Settle::Voucher {
                    peer: from,
                    voucher: later,
                    ..
                } if from == peer => voucher = later,
                other => {
                    self.held = Some(other);
                    break;
                }
            }
        }
        Some(Settle::Voucher {
            peer,
            wallet,
            voucher,
        })
    }
}

/// Binds the channel a payer named to its wallet's account, so its
/// requests are served on credit; one we can't use makes it a plain peer.
async fn load_channel(shared: &SellerShared, peer: PeerKey, wallet: Address, id: ChannelId) {
    let bound = bind_channel(shared, wallet, id).await;
    let mut peers = shared.book.lock();
    let Some(session) = peers.get_mut(&peer) else {
        return;
    };
    match bound {
        Ok(()) => session.paid_up(),
        Err(error) => {
            session.standing = session.standing.broke();
            session.channel = None;
            let line = format!("market peer {}: channel {id}: {error}", session.addr);
            shared.config.events.send(MarketEvent::Warning(line));
        }
    }
}

/// Reads channel `id` from the ledger and binds it to `wallet`'s account.
async fn bind_channel(shared: &SellerShared, wallet: Address, id: ChannelId) -> Result<(), String> {
    let ledger = shared.config.domain.ledger();
    let channel = shared
        .config
        .ledger
        .channel(id)
        .await
        .map_err(|error| error.to_string())?
        .ok_or_else(|| "no such channel on the ledger".to_string())?;
    let voucher_book = Arc::clone(&shared.config.voucher_book);
    let known = tokio::task::spawn_blocking(move || voucher_book.knows(&ledger, &id))
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| error.to_string())?;
    let accounts = &shared.config.accounts;
    accounts
        .bind(wallet, channel, shared.config.domain, shared.wallet, known)
        .map_err(|error| error.to_string())
}

/// Checks a voucher (once in the process: the channel's one check moves
/// on), stores it durably, and only then credits it to the wallet (and
/// lets the payer request again if its credit had run out).
async fn accept_voucher(
    shared: &SellerShared,
    peer: PeerKey,
    wallet: Address,
    voucher: Signed<Voucher>,
) {
    let accounts = &shared.config.accounts;
    let increment = match accounts.accept(wallet, voucher.clone()) {
        Ok(increment) => increment,
        Err(error) => return refuse_voucher(shared, peer, &error.to_string()),
    };
    let (channel, cumulative) = (
        voucher.request.channel,
        voucher.request.cumulative.base_units,
    );
    if let Err(error) = record(shared, voucher).await {
        let line = format!("could not store a voucher, so it is not counted: {error}");
        return shared.config.events.send(MarketEvent::Warning(line));
    }
    accounts.credit(wallet, increment);
    let mut peers = shared.book.lock();
    let Some(session) = peers.get_mut(&peer) else {
        return;
    };
    session.earned += increment;
    session.paid_up();
    shared
        .config
        .events
        .send(MarketEvent::Earning(EarningRecord {
            peer: session.addr,
            payer: wallet,
            channel,
            cumulative: btt_text(cumulative, shared.config.domain.token()),
            cumulative_base_units: cumulative,
            increment_base_units: increment,
        }));
}

fn refuse_voucher(shared: &SellerShared, peer: PeerKey, why: &str) {
    let mut peers = shared.book.lock();
    if let Some(session) = peers.get_mut(&peer) {
        session.standing = session.standing.broke();
        let line = format!("market peer {}: voucher refused: {why}", session.addr);
        shared.config.events.send(MarketEvent::Warning(line));
    }
}

/// Writes `voucher` to the voucher book (fsync) off the async threads.
async fn record(shared: &SellerShared, voucher: Signed<Voucher>) -> Result<(), String> {
    let voucher_book = Arc::clone(&shared.config.voucher_book);
    let ledger = shared.config.domain.ledger();
    tokio::task::spawn_blocking(move || {
        voucher_book
            .record(&ledger, &voucher)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Takes channel `id` out of use and closes it on the ledger with its
/// last voucher (or none, returning it all); nothing when it was closed already.
async fn close_channel(shared: &SellerShared, id: ChannelId) {
    let Some(check) = shared.config.accounts.retire(id) else {
        return;
    };
    let ledger = shared.config.domain.ledger();
    let request = match check.best() {
        Some(best) => close_with(best.clone(), &shared.config.key, &ledger),
        None => {
            let close = crate::ledger::CloseChannel {
                channel: id,
                voucher: None,
            };
            Signed::sign(close, &shared.config.key, &ledger)
        }
    };
    match shared.config.ledger.close_channel(request).await {
        Ok(state) => {
            if let Err(error) = mark(&shared.config.voucher_book, &state).await {
                let line = format!(
                    "could not record the close of channel {}: {error}",
                    state.id
                );
                shared.config.events.send(MarketEvent::Warning(line));
            }
            report_settlement(&shared.config, &state);
        }
        Err(error) => {
            let line = format!("could not close channel {id} yet: {error}");
            shared.config.events.send(MarketEvent::Warning(line));
        }
    }
}

/// Reports what the ledger says a channel paid (the voucher book is marked
/// already, by [`settle`] or by [`close_channel`]).
fn report_settlement(config: &SellerConfig, state: &ChannelState) {
    let closed = state.status == crate::ledger::ChannelStatus::Closed;
    config
        .events
        .send(MarketEvent::Settlement(SettlementRecord {
            channel: state.id,
            payer: state.payer,
            redeemed: btt_text(state.redeemed, config.domain.token()),
            redeemed_base_units: state.redeemed,
            closed,
        }));
}

/// How many times its fee a redeem while trading must bring in.
pub const REDEEM_WORTH: u128 = 10;

/// The redeem tick: redeems the voucher book's vouchers worth their fee, and
/// closes every channel whose credit ended before its expiry.
async fn redeem_and_close_expiring(shared: &SellerShared) {
    settle_voucher_book(&shared.config, false).await;
    for id in shared.config.accounts.expiring() {
        close_channel(shared, id).await;
    }
}

/// Redeems (or, with `close`, closes) every channel the voucher book holds
/// unsettled vouchers of; [`settle`] marks each in the voucher book. A channel
/// the ledger reports closed (by a refund, say) gives no more credit.
async fn settle_voucher_book(config: &SellerConfig, close: bool) {
    let redeem_above = redeem_threshold(config).await;
    match settle(
        &config.voucher_book,
        &*config.ledger,
        &config.key,
        close,
        redeem_above,
    )
    .await
    {
        Ok(states) => {
            for state in &states {
                if state.status == crate::ledger::ChannelStatus::Closed {
                    config.accounts.retire(state.id);
                }
                report_settlement(config, state);
            }
        }
        Err(error) => {
            let line = format!("could not settle the voucher journal yet: {error}");
            config.events.send(MarketEvent::Warning(line));
        }
    }
}

/// What a voucher must add for a redeem while trading: `--redeem-above`, or
/// [`REDEEM_WORTH`] times a redeem's fee now (when the ledger can't say,
/// every voucher is redeemed).
async fn redeem_threshold(config: &SellerConfig) -> u128 {
    if let Some(above) = config.redeem_above {
        return above;
    }
    let cost = config.ledger.redeem_cost().await.unwrap_or(0);
    cost.saturating_mul(REDEEM_WORTH)
}

/// The end of a run: close every payer's channel, then redeem what the
/// voucher book still holds (other torrents' payers may still be trading).
async fn finish(shared: &SellerShared) {
    let channels: Vec<ChannelId> = shared
        .book
        .lock()
        .values_mut()
        .filter_map(|session| session.channel.take())
        .collect();
    for id in channels {
        close_channel(shared, id).await;
    }
    settle_voucher_book(&shared.config, false).await;
}

/// Before any torrent trades: closes every channel an earlier run left in
/// the voucher book (its payers are gone), so a crash loses no earnings.
pub async fn settle_leftovers(config: &SellerConfig) {
    settle_voucher_book(config, true).await;
}
