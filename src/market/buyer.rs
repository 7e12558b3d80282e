//! The payer's side of the market, a [`SessionExtension`] of `btt-get
//! --wallet --bid --budget`: it bids to every seller whose ask it accepts,
//! opens a channel to each seller that gives it a paid slot (sized from the
//! budget), and pays by cumulative voucher for the bytes each seller sent
//! of every piece **after the piece verifies**. Free peers and the
//! optimistic slot keep downloading beside it; nothing here touches them.
//!
//! Invariants, each tested:
//! - never over budget: the deposits of every channel this run locks add
//!   up to at most the budget (a closed channel's unused deposit comes back
//!   to the budget only once the ledger says it is closed), and no voucher
//!   passes its channel's deposit;
//! - never paid for a piece that failed its hash, nor for a block that came
//!   while the seller choked us or on a free slot: each block is billed at
//!   the price of the slot it arrived on, and the bill is owed once its
//!   piece verifies;
//! - what is owed is `floor(Σ bytes × price / MiB)` over the verified
//!   billed blocks of the whole run, the same count the seller keeps per
//!   wallet: what a closed channel did not cover is paid on the next one.
//!
//! A voucher costs a signature here and a check and an fsync at the seller,
//! so one covers every piece verified since the last: it is signed once a
//! quarter of the seller's credit window (its handshake's `credit`) is owed,
//! when the seller asks with `need_payment`, at the next tick (a second)
//! and before `close`. A seller that names no window is paid piece by piece.
//! At most half the window is requested from a seller that charges us (see
//! [`requests_within`]), so that its window does not fill before the
//! voucher for the data already sent can come.

use super::events::{
    BidRecord, MarketEvent, MarketEvents, MarketPeerRecord, MarketTotals, PaymentRecord, PeerPrice,
    PeerTotal, WonRecord,
};
use super::price::{cost_of, format_price, PricePerMib, MIB};
use super::wire::{protocol_version, MarketHandshake, MarketMessage, BTT_MARKET, HANDSHAKE_KEY};
use crate::amount::{Amount, Token};
use crate::clock::now_ms;
use crate::ledger::{ChannelState, ChannelStatus, LedgerError, OpenChannel, Signed, VoucherDomain};
use crate::payment::{sign_voucher, PaymentLedger};
use crate::peer::ExtendedHandshake;
use crate::swarm::picker::{PeerKey, BLOCK_SIZE};
use crate::swarm::{ExtensionPeer, Messenger, PeerError, SessionExtension};
use crate::tron::Address;
use k256::ecdsa::SigningKey;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// How a payer trades.
pub struct BuyerConfig {
    /// What it offers per MiB at first.
    pub bid: PricePerMib,
    /// The most it may lock (and so pay) in this run at first, in base units.
    pub budget: u128,
    /// The paying wallet's address (its handshake names it).
    pub wallet: Address,
    /// The wallet's key, which signs channels and vouchers, when it is
    /// unlocked already; otherwise [`Buyer::unlocked`] gives it later (a
    /// standard keystore costs half a second of key derivation, and the
    /// download goes on as a free one meanwhile: the payer bids only once
    /// it can sign).
    pub key: Option<SigningKey>,
    /// The ledger the channels are on.
    pub ledger: Arc<dyn PaymentLedger>,
    /// Its id and how its vouchers are signed.
    pub domain: VoucherDomain,
    /// How long a channel stays locked before the payer may take it back.
    pub channel_timeout: Duration,
    /// The seller's credit window it expects, added to a channel's deposit.
    pub credit: u64,
    /// Where events go.
    pub events: MarketEvents,
}

/// Where a payer stands with one seller: one variant per state, the
/// channel carried by the states that have one.
#[derive(Debug, Clone)]
enum Standing {
    /// Trading with no channel yet: its first paid price opens one.
    Unfunded,
    /// A channel is being opened on the ledger (its deposit is reserved).
    Opening,
    /// Paying on this open channel.
    Paying(ChannelState),
    /// Done with this channel (we said `close`, or its deposit or the
    /// budget is used up): nothing more is signed on it; a new bid starts over.
    Closed(ChannelState),
    /// No channel will be opened (the ledger refused, or the budget is
    /// spent): it serves us for free.
    Free,
    /// It broke the protocol: a plain peer for the rest of the connection.
    Plain,
}

/// What a payer knows of one seller.
struct SellerAccount {
    addr: SocketAddr,
    wallet: Address,
    /// The price of its slot now, as the seller last said (`None`: free).
    price: Option<PricePerMib>,
    standing: Standing,
    /// Σ bytes × price of the blocks of each unverified piece it sent on a paid slot.
    bills: HashMap<u32, u128>,
    /// Σ bytes × price of the verified data it sent at a paid price, in this run.
    owed_value: u128,
    /// The highest cumulative amount signed on its channel now.
    signed: u128,
    /// What was signed to it on channels closed before this one.
    paid_before: u128,
    /// Verified pieces it sent data of at a paid price.
    pieces: u64,
    /// Verified paid bytes not yet covered by a voucher.
    unsigned_bytes: u64,
    /// How many such bytes make a voucher (a quarter of its credit window).
    pay_every: u64,
    /// Its credit window, as its handshake said.
    credit: Option<u64>,
    /// It sent `need_payment` when nothing verified was unpaid: the next
    /// verified piece is paid at once, not at a quarter window.
    payment_asked: bool,
    /// What it asks per MiB.
    ask: PricePerMib,
    messenger: Option<Messenger>,
}

impl SellerAccount {
    /// What is owed in base units, rounded down as the seller counts.
    fn owed(&self) -> u128 {
        self.owed_value / MIB
    }

    /// Everything signed to it in this run.
    fn paid(&self) -> u128 {
        self.paid_before + self.signed
    }

    /// What is owed beyond what earlier channels paid: what this
    /// channel's vouchers must cover.
    fn owed_on_channel(&self) -> u128 {
        self.owed().saturating_sub(self.paid_before)
    }

    /// After a `close`, a new bid starts over: the closed channel waits in
    /// `closing` until the ledger says it is closed (its unused deposit
    /// stays locked until then), and the next paid price opens a new
    /// channel, whose vouchers also cover what the last one did not.
    fn start_over(&mut self, closing: &mut Vec<ChannelState>) {
        let Standing::Closed(channel) = &self.standing else {
            return;
        };
        closing.push(channel.clone());
        self.standing = Standing::Unfunded;
        self.paid_before += self.signed;
        self.signed = 0;
        self.unsigned_bytes = 0;
    }

    /// Whether we said we are done with its channel.
    fn closed(&self) -> bool {
        matches!(self.standing, Standing::Closed(_))
    }

    /// Stops paying on its channel, if it has one open: `close` goes out,
    /// and the channel waits for a new bid to be put in `closing`.
    fn close(&mut self) {
        let standing = std::mem::replace(&mut self.standing, Standing::Unfunded);
        self.standing = match standing {
            Standing::Paying(channel) => {
                if let Some(messenger) = &self.messenger {
                    messenger.send(MarketMessage::Close.to_payload());
                }
                Standing::Closed(channel)
            }
            other => other,
        };
    }
}

struct BuyerState {
    /// What we offer per MiB now; `None`: we stopped paying.
    bid: Option<PricePerMib>,
    /// The most this run may lock and sign, in base units.
    budget: u128,
    /// Σ deposits of channels opened or being opened, until the ledger
    /// shows them closed (less what they paid out).
    reserved: u128,
    /// Channels we are done with that the ledger may not have closed yet.
    closing: Vec<ChannelState>,
    /// Whether the bid was set by hand (`btt-bid set` or `stop`): auto-bid
    /// leaves it alone from then on.
    bid_by_hand: bool,
    sellers: HashMap<PeerKey, SellerAccount>,
    said_other_ledger: bool,
    /// What the ledger charged this run in fees (gas on a chain), which
    /// the budget pays too; read from the ledger at every lock.
    fees: u128,
}

impl BuyerState {
    /// Everything signed to every seller so far.
    fn spent(&self) -> u128 {
        self.sellers.values().map(SellerAccount::paid).sum()
    }

    /// What the budget allows beyond what was signed and paid in fees.
    fn spendable(&self) -> u128 {
        self.budget
            .saturating_sub(self.spent())
            .saturating_sub(self.fees)
    }
}

struct BuyerShared {
    config: BuyerConfig,
    /// The wallet's key, once unlocked.
    key: OnceLock<SigningKey>,
    state: Mutex<BuyerState>,
}

/// The payer of one torrent's download.
#[derive(Clone)]
pub struct Buyer(Arc<BuyerShared>);

impl Buyer {
    /// A payer trading as `config` says.
    pub fn new(mut config: BuyerConfig) -> Buyer {
        let key = OnceLock::new();
        if let Some(unlocked) = config.key.take() {
            let _ = key.set(unlocked);
        }
        let state = BuyerState {
            bid: Some(config.bid),
            budget: config.budget,
            reserved: 0,
            closing: Vec::new(),
            bid_by_hand: false,
            sellers: HashMap::new(),
            said_other_ledger: false,
            fees: 0,
        };
        Buyer(Arc::new(BuyerShared {
            config,
            key,
            state: Mutex::new(state),
        }))
    }

    /// Tells every seller with a channel that we are done, so it closes the
    /// channel and the rest of the deposit comes back; returns the totals.
    pub fn finish(&self) -> MarketTotals {
        let mut state = self.0.lock();
        let keys: Vec<PeerKey> = state.sellers.keys().copied().collect();
        for key in keys {
            let voucher = self.0.settle_owed(&mut state, key);
            let Some(seller) = state.sellers.get_mut(&key) else {
                continue;
            };
            if let (Some(voucher), Some(messenger)) = (voucher, &seller.messenger) {
                messenger.send(voucher);
            }
            seller.close();
        }
        self.0.totals(&state)
    }

    /// The totals now: after the client stopped, everything this run signed,
    /// including a voucher a peer task signed after [`Buyer::finish`].
    pub fn totals(&self) -> MarketTotals {
        let state = self.0.lock();
        self.0.totals(&state)
    }

    /// Everything signed so far, in base units.
    pub fn spent(&self) -> u128 {
        self.0.lock().spent()
    }

    /// Offers `bid` to every seller from now on (sellers whose ask it
    /// meets); `None` stops paying: the bid is withdrawn and every open
    /// channel is closed by its seller, so the download goes on free. A bid
    /// after that starts over, with a new channel to each seller that gives
    /// it a paid slot. A change is reported as a `bid` record without a peer.
    pub fn set_bid(&self, bid: Option<PricePerMib>) {
        let mut state = self.0.lock();
        state.bid_by_hand = true;
        self.0.change_bid(&mut state, bid);
    }

    /// Auto-bid's [`Buyer::set_bid`]: refused (false) once the bid was set by hand.
    pub fn auto_bid(&self, bid: PricePerMib) -> bool {
        let mut state = self.0.lock();
        if state.bid_by_hand {
            let line = "the bid was set by hand: auto-bid is off for the rest of this download";
            self.0
                .config
                .events
                .send(MarketEvent::Notice(line.to_string()));
            return false;
        }
        self.0.change_bid(&mut state, Some(bid));
        true
    }

    /// The wallet is unlocked: bid to every seller met so far. A key of
    /// another wallet than the handshake named is refused (false), and the
    /// download stays free.
    pub fn unlocked(&self, key: SigningKey) -> bool {
        if Address::from_public_key(key.verifying_key()) != self.0.config.wallet {
            return false;
        }
        if self.0.key.set(key).is_err() {
            return true;
        }
        let state = self.0.lock();
        let (bid, budget) = (state.bid, state.budget);
        for seller in state.sellers.values() {
            self.0.offer(seller, bid, budget);
        }
        true
    }

    /// Sets the budget of this run; refused below what is already signed.
    /// A raise lets sellers whose channel the old budget closed be paid
    /// again. A change is reported as a `bid` record without a peer.
    pub fn set_budget(&self, budget: u128) -> Result<(), BudgetBelowSpent> {
        let mut state = self.0.lock();
        let spent = state.spent();
        if budget < spent {
            let token = self.0.token();
            return Err(BudgetBelowSpent {
                budget,
                spent,
                token,
            });
        }
        if state.budget == budget {
            return Ok(());
        }
        let raised = budget > state.budget;
        state.budget = budget;
        self.0.report_bid(state.bid, budget);
        let Some(bid) = state.bid.filter(|_| raised) else {
            return Ok(());
        };
        // Channels closed because the budget ran out trade again.
        let BuyerState {
            closing, sellers, ..
        } = &mut *state;
        for seller in sellers.values_mut().filter(|s| s.closed()) {
            seller.start_over(closing);
            self.0.offer(seller, Some(bid), budget);
        }
        Ok(())
    }

    /// The bid, the budget and what was signed, now.
    pub fn status(&self) -> BuyerStatus {
        let state = self.0.lock();
        BuyerStatus {
            bid: state.bid,
            budget: state.budget,
            spent: state.spent(),
            price: state.sellers.values().filter_map(|s| s.price).max(),
            token: self.0.token(),
        }
    }
}

impl BuyerShared {
    /// Sets the bid (see [`Buyer::set_bid`]).
    fn change_bid(&self, state: &mut BuyerState, bid: Option<PricePerMib>) {
        if state.bid == bid {
            return;
        }
        state.bid = bid;
        let budget = state.budget;
        self.report_bid(bid, budget);
        let BuyerState {
            closing, sellers, ..
        } = state;
        for seller in sellers.values_mut() {
            if bid.is_none() && matches!(seller.standing, Standing::Paying(_)) {
                seller.price = None;
                seller.close();
            }
            if bid.is_some() {
                seller.start_over(closing);
            }
            self.offer(seller, bid, budget);
        }
    }

    /// The token channels and vouchers count.
    fn token(&self) -> Token {
        self.config.domain.token()
    }

    fn lock(&self) -> MutexGuard<'_, BuyerState> {
        let mut state = crate::sync::lock(&self.state);
        state.fees = self.config.ledger.fees_paid();
        state
    }

    fn totals(&self, state: &BuyerState) -> MarketTotals {
        let market_peers: Vec<PeerTotal> = state
            .sellers
            .values()
            .map(|seller| PeerTotal {
                peer: seller.addr,
                wallet: seller.wallet,
                base_units: seller.paid(),
            })
            .collect();
        MarketTotals {
            spent_base_units: Some(market_peers.iter().map(|p| p.base_units).sum()),
            earned_base_units: None,
            fees_base_units: (state.fees > 0).then_some(state.fees),
            market_peers,
            token: self.token(),
        }
    }

    fn our_handshake(&self) -> MarketHandshake {
        MarketHandshake {
            version: protocol_version(&self.config.domain),
            wallet: self.config.wallet,
            ledger: self.config.domain.ledger(),
            chain: self.config.domain.chain(),
            ask: None,
            credit: None,
            slot_rate: None,
        }
    }

    /// A seller's handshake: trade with it when it sells on our ledger at
    /// an ask we accept.
    fn meet(&self, peer: &mut ExtensionPeer<'_>, theirs: MarketHandshake) {
        let mut state = self.lock();
        if theirs.ledger != self.config.domain.ledger() {
            if !std::mem::replace(&mut state.said_other_ledger, true) {
                self.config.events.send(MarketEvent::Notice(format!(
                    "market peer {} is on another ledger; trading with it as a plain peer",
                    peer.addr()
                )));
            }
            return;
        }
        let Some(ask) = theirs.ask else { return };
        let record = MarketPeerRecord::new(peer.addr(), theirs.wallet, Some(ask), self.token());
        self.config.events.send(MarketEvent::Peer(record));
        if theirs.version != protocol_version(&self.config.domain) {
            return;
        }
        let seller = SellerAccount {
            addr: peer.addr(),
            wallet: theirs.wallet,
            price: None,
            standing: Standing::Unfunded,
            bills: HashMap::new(),
            owed_value: 0,
            signed: 0,
            paid_before: 0,
            pieces: 0,
            unsigned_bytes: 0,
            pay_every: theirs.credit.unwrap_or(0) / 4,
            credit: theirs.credit,
            payment_asked: false,
            ask,
            messenger: peer.messenger(),
        };
        let (bid, budget) = (state.bid, state.budget);
        self.offer(&seller, bid, budget);
        state.sellers.insert(peer.key(), seller);
    }

    /// Sends `seller` our bid when it meets its ask (a bid of 0, which no
    /// ask meets, withdraws an earlier one), and reports it.
    fn offer(&self, seller: &SellerAccount, bid: Option<PricePerMib>, budget: u128) {
        let trading = !matches!(seller.standing, Standing::Closed(_) | Standing::Plain);
        let can_sign = self.key.get().is_some();
        let price = bid.filter(|bid| *bid >= seller.ask && trading && can_sign);
        let sent = MarketMessage::Bid {
            price: price.unwrap_or(PricePerMib(0)),
        };
        if let Some(messenger) = &seller.messenger {
            messenger.send(sent.to_payload());
        }
        if let Some(price) = price {
            let record = BidRecord::new(Some(seller.addr), Some(price), budget, self.token());
            self.config.events.send(MarketEvent::Bid(record));
        }
    }

    /// Reports the download's own bid and budget, just changed.
    fn report_bid(&self, bid: Option<PricePerMib>, budget: u128) {
        let record = BidRecord::new(None, bid, budget, self.token());
        self.config.events.send(MarketEvent::Bid(record));
    }

    /// The seller's clearing price: open a channel on the first paid one,
    /// with a deposit for `length` bytes at that price, within the budget.
    fn on_price(
        self: &Arc<Self>,
        key: PeerKey,
        price: PricePerMib,
        length: u64,
    ) -> Result<(), Refusal> {
        let mut state = self.lock();
        let bid = state.bid.unwrap_or(PricePerMib(0));
        let Some(seller) = state.sellers.get_mut(&key) else {
            return Ok(());
        };
        if self.key.get().is_none() {
            // We have not bid yet: a price now is for a slot we never asked for.
            seller.price = None;
            return Ok(());
        }
        if price > bid {
            seller.price = None;
            let line = format!(
                "{} asked {} for its slot, above our bid of {}; not paying it",
                seller.addr,
                format_price(price, self.token()),
                format_price(bid, self.token())
            );
            self.config.events.send(MarketEvent::Notice(line));
            return Ok(());
        }
        seller.price = (price.0 > 0).then_some(price);
        if seller.price.is_none() {
            return Ok(());
        }
        let won = WonRecord(PeerPrice::new(seller.addr, price, self.token()));
        self.config.events.send(MarketEvent::Won(won));
        if !matches!(seller.standing, Standing::Unfunded) {
            return Ok(());
        }
        seller.standing = Standing::Opening;
        let wanted = cost_of(length.saturating_add(self.config.credit), price).max(1);
        let payee = seller.wallet;
        tokio::spawn(Arc::clone(self).open_channel(key, payee, wanted));
        Ok(())
    }

    /// How many requests to keep outstanding at seller `key`: within its
    /// credit window while it charges us, unlimited while it serves us free.
    fn request_limit(&self, key: PeerKey) -> Option<usize> {
        let state = self.lock();
        let seller = state.sellers.get(&key)?;
        seller.price.and(seller.credit).map(requests_within)
    }

    /// Gives back to the budget what the channels we are done with did not
    /// pay out, once the ledger shows them closed.
    async fn release_closed_channels(&self) {
        let closing = self.lock().closing.clone();
        let mut released = Vec::new();
        for channel in closing {
            let Ok(Some(state)) = self.config.ledger.channel(channel.id).await else {
                continue;
            };
            if state.status == ChannelStatus::Closed {
                released.push(state);
            }
        }
        let mut state = self.lock();
        for closed in released {
            state.closing.retain(|channel| channel.id != closed.id);
            let unused = closed.amount.base_units.saturating_sub(closed.redeemed);
            state.reserved = state.reserved.saturating_sub(unused);
        }
    }

    /// Locks up to `wanted` of the budget's room for a new channel to
    /// seller `key`, and `open_cost` for the fee of opening it until the
    /// ledger counts it; `None` (and the seller serves us free) when no room
    /// is left beyond that fee.
    fn reserve_deposit(&self, key: PeerKey, wanted: u128, open_cost: u128) -> Option<u128> {
        let mut state = self.lock();
        let room = state.budget.saturating_sub(state.reserved);
        let deposit = wanted.min(room.saturating_sub(state.fees).saturating_sub(open_cost));
        let seller = state.sellers.get_mut(&key)?;
        if deposit == 0 {
            seller.standing = Standing::Free;
            let line = format!(
                "budget spent: {} serves us for free from now on",
                seller.addr
            );
            self.config.events.send(MarketEvent::Notice(line));
            return None;
        }
        state.reserved += deposit + open_cost;
        Some(deposit)
    }

    /// Opens a channel of up to `wanted` to `payee` on the ledger, then
    /// tells the seller and pays what its verified data already owes.
    async fn open_channel(self: Arc<Self>, key: PeerKey, payee: Address, wanted: u128) {
        // A price comes only for a bid, and a bid only once we can sign.
        let Some(signer) = self.key.get() else {
            return;
        };
        self.release_closed_channels().await;
        let open_cost = match self.config.ledger.open_cost().await {
            Ok(cost) => cost,
            Err(error) => return self.serve_free(key, &error),
        };
        let Some(deposit) = self.reserve_deposit(key, wanted, open_cost) else {
            return;
        };
        let request = OpenChannel {
            payer: self.config.wallet,
            payee,
            amount: Amount {
                token: self.config.domain.token(),
                base_units: deposit,
            },
            expires_at_ms: now_ms().saturating_add(millis(self.config.channel_timeout)),
            nonce: rand::random(),
        };
        let signed = Signed::sign(request, signer, &self.config.domain.ledger());
        let opened = self.config.ledger.open_channel(signed).await;
        let mut state = self.lock();
        // The open's gas is in the ledger's fees now, read by `lock`.
        state.reserved -= open_cost;
        let spendable = state.spendable();
        let BuyerState {
            reserved, sellers, ..
        } = &mut *state;
        let Some(seller) = sellers.get_mut(&key) else {
            return;
        };
        if !matches!(seller.standing, Standing::Opening) {
            // It broke the protocol meanwhile: the channel is never named,
            // and its deposit comes back by refund after its timeout.
            return;
        }
        match opened {
            Ok(channel) => {
                let id = channel.id;
                seller.standing = Standing::Paying(channel);
                if let Some(messenger) = &seller.messenger {
                    messenger.send(MarketMessage::Channel { id }.to_payload());
                }
                if let Some((payload, record)) = self.pay(seller, spendable) {
                    if let Some(messenger) = &seller.messenger {
                        messenger.send(payload);
                    }
                    self.config.events.send(MarketEvent::Payment(record));
                }
            }
            Err(error) => {
                *reserved -= deposit;
                seller.standing = Standing::Free;
                self.config.events.send(MarketEvent::Warning(format!(
                    "could not open a channel to {}: {error}; it serves us for free",
                    seller.addr
                )));
            }
        }
    }

    /// Seller `key` serves us free: no channel could be opened to it.
    fn serve_free(&self, key: PeerKey, error: &LedgerError) {
        let mut state = self.lock();
        let Some(seller) = state.sellers.get_mut(&key) else {
            return;
        };
        seller.standing = Standing::Free;
        self.config.events.send(MarketEvent::Warning(format!(
            "could not open a channel to {}: {error}; it serves us for free",
            seller.addr
        )));
    }

    /// The most that may be signed to `seller` now: its channel's deposit,
    /// and no more than the budget has left; `None` without an open channel.
    fn payable(seller: &SellerAccount, spendable: u128) -> Option<u128> {
        let Standing::Paying(channel) = &seller.standing else {
            return None;
        };
        let cap = channel.amount.base_units;
        Some(cap.min(seller.signed.saturating_add(spendable)))
    }

    /// A voucher for everything `seller` is owed, when that is more than
    /// was signed; never past the channel's deposit.
    /// `spendable` is what the budget has left beyond everything signed.
    fn pay(
        &self,
        seller: &mut SellerAccount,
        spendable: u128,
    ) -> Option<(bytes::Bytes, PaymentRecord)> {
        let cumulative = seller
            .owed_on_channel()
            .min(Self::payable(seller, spendable)?);
        let Standing::Paying(channel) = &seller.standing else {
            return None;
        };
        if cumulative <= seller.signed {
            return None;
        }
        let amount = Amount {
            token: self.config.domain.token(),
            base_units: cumulative,
        };
        let domain = self.config.domain;
        let voucher = sign_voucher(channel, amount, self.key.get()?, domain).ok()?;
        let message = MarketMessage::Voucher {
            channel: channel.id,
            cumulative,
            signature: voucher.signature,
        };
        let record = PaymentRecord {
            peer: seller.addr,
            channel: channel.id,
            cumulative: super::events::btt_text(cumulative, self.config.domain.token()),
            cumulative_base_units: cumulative,
            increment_base_units: cumulative - seller.signed,
            pieces: seller.pieces,
        };
        seller.signed = cumulative;
        seller.unsigned_bytes = 0;
        seller.payment_asked = false;
        Some((message.to_payload(), record))
    }

    /// The voucher for what the seller `key` is owed now, if any, reported
    /// as a payment; the caller sends it.
    fn settle_owed(&self, state: &mut BuyerState, key: PeerKey) -> Option<bytes::Bytes> {
        let spendable = state.spendable();
        let seller = state.sellers.get_mut(&key)?;
        let (payload, record) = self.pay(seller, spendable)?;
        self.config.events.send(MarketEvent::Payment(record));
        Some(payload)
    }

    /// A block of piece `index` arrived from the peer: billed at the price
    /// of its slot now, or free while the peer chokes us or the slot is free.
    fn on_block(&self, peer: &ExtensionPeer<'_>, index: u32, bytes: u64) {
        if peer.choking_us() {
            return;
        }
        let mut state = self.lock();
        let Some(seller) = state.sellers.get_mut(&peer.key()) else {
            return;
        };
        if let Some(price) = seller.price {
            *seller.bills.entry(index).or_default() += u128::from(bytes) * u128::from(price.0);
        }
    }

    /// Piece `index` failed its hash check: what the peer sent of it is never paid.
    fn on_piece_failed(&self, peer: &ExtensionPeer<'_>, index: u32) {
        if let Some(seller) = self.lock().sellers.get_mut(&peer.key()) {
            seller.bills.remove(&index);
        }
    }

    /// A verified piece of which `bytes` came from the peer: its bill is
    /// owed now, and paid once a quarter window is owed; give up the slot
    /// once the deposit or the budget can't cover what is owed.
    fn on_piece_verified(&self, peer: &mut ExtensionPeer<'_>, index: u32, bytes: u64) {
        let mut state = self.lock();
        let spendable = state.spendable();
        let Some(seller) = state.sellers.get_mut(&peer.key()) else {
            return;
        };
        let Some(bill) = seller.bills.remove(&index) else {
            return;
        };
        seller.owed_value += bill;
        seller.pieces += 1;
        seller.unsigned_bytes = seller.unsigned_bytes.saturating_add(bytes);
        // Without a channel paying (after `close`, say), what is owed
        // waits for the next channel, if any.
        let Some(payable) = Self::payable(seller, spendable) else {
            return;
        };
        let capped = seller.owed_on_channel() > payable;
        if seller.unsigned_bytes < seller.pay_every && !capped && !seller.payment_asked {
            return;
        }
        if let Some((payload, record)) = self.pay(seller, spendable) {
            peer.send(payload);
            self.config.events.send(MarketEvent::Payment(record));
        }
        if capped {
            seller.close();
            peer.set_offer(None);
            let line = format!(
                "the channel to {} or the budget is used up; trading as a free peer",
                seller.addr
            );
            self.config.events.send(MarketEvent::Notice(line));
        }
    }

    /// Pays the peer what it is owed now, once a second for what was
    /// verified since the last voucher.
    fn pay_now(&self, peer: &mut ExtensionPeer<'_>) {
        let mut state = self.lock();
        if let Some(payload) = self.settle_owed(&mut state, peer.key()) {
            peer.send(payload);
        }
    }

    /// The seller's window is used up: pay what is owed now, or, when every
    /// verified byte is paid (the rest is still on its way), the next
    /// verified piece as soon as it verifies.
    fn on_need_payment(&self, peer: &mut ExtensionPeer<'_>) {
        let mut state = self.lock();
        match self.settle_owed(&mut state, peer.key()) {
            Some(payload) => {
                peer.send(payload);
            }
            None => {
                if let Some(seller) = state.sellers.get_mut(&peer.key()) {
                    seller.payment_asked = true;
                }
            }
        }
    }

    /// Stops trading with a seller that broke the protocol.
    fn refuse(&self, peer: &mut ExtensionPeer<'_>, why: &str) {
        let mut state = self.lock();
        if let Some(seller) = state.sellers.get_mut(&peer.key()) {
            seller.price = None;
            seller.standing = Standing::Plain;
        }
        peer.limit_requests(None);
        let line = format!(
            "market peer {}: {why}; trading as a plain peer",
            peer.addr()
        );
        self.config.events.send(MarketEvent::Warning(line));
    }
}

/// Why a seller is dropped from the market.
struct Refusal(String);

/// A budget lower than what a run has already signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a budget of {} is below the {} already paid",
    super::events::btt_text(*.budget, *.token),
    super::events::btt_text(*.spent, *.token)
)]
pub struct BudgetBelowSpent {
    /// The budget asked for.
    pub budget: u128,
    /// What was signed.
    pub spent: u128,
    /// The token both are base units of.
    pub token: Token,
}

/// A payer's state at one moment, for `btt-bid status` and the progress bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerStatus {
    /// The bid now; `None` once paying stopped.
    pub bid: Option<PricePerMib>,
    /// The budget now, in base units.
    pub budget: u128,
    /// Everything signed, in base units.
    pub spent: u128,
    /// The highest price a seller charges now, if any slot is paid.
    pub price: Option<PricePerMib>,
    /// The token of the ledger: what the amounts and prices are base units of.
    pub token: Token,
}

impl SessionExtension for Buyer {
    type Peer = ();

    fn name(&self) -> &'static str {
        BTT_MARKET
    }

    fn new_peer(&self, _peer: &ExtensionPeer<'_>, _now: Instant) {}

    fn handshake_fields(
        &self,
        _torrent: &crate::metainfo::Torrent,
        handshake: &mut ExtendedHandshake,
    ) {
        let ours = self.0.our_handshake().to_bencode();
        handshake.extra.insert(HANDSHAKE_KEY.to_string(), ours);
    }

    fn on_handshake(
        &self,
        peer: &mut ExtensionPeer<'_>,
        _: &mut (),
        handshake: &ExtendedHandshake,
    ) {
        let Some(theirs) = MarketHandshake::of_peer(handshake) else {
            return;
        };
        if !self.0.lock().sellers.contains_key(&peer.key()) {
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
            Ok(MarketMessage::Price { price }) => {
                let length = peer.torrent().info.total_length;
                let outcome = self.0.on_price(peer.key(), price, length);
                peer.limit_requests(self.0.request_limit(peer.key()));
                outcome
            }
            Ok(MarketMessage::NeedPayment { .. }) => {
                self.0.on_need_payment(peer);
                Ok(())
            }
            Ok(MarketMessage::Close) => Ok(()),
            Ok(other) => Err(Refusal(format!("it sent {} to a payer", other.name()))),
            Err(error) => Err(Refusal(error.to_string())),
        };
        if let Err(Refusal(why)) = outcome {
            self.0.refuse(peer, &why);
        }
        Ok(())
    }

    fn on_tick(&self, peer: &mut ExtensionPeer<'_>, _: &mut (), _now: Instant) {
        self.0.pay_now(peer);
    }

    fn on_block(&self, peer: &mut ExtensionPeer<'_>, _: &mut (), index: u32, bytes: u64) {
        self.0.on_block(peer, index, bytes);
    }

    fn on_piece_failed(&self, peer: &mut ExtensionPeer<'_>, _: &mut (), index: u32) {
        self.0.on_piece_failed(peer, index);
    }

    fn on_piece_verified(&self, peer: &mut ExtensionPeer<'_>, _: &mut (), index: u32, bytes: u64) {
        self.0.on_piece_verified(peer, index, bytes);
    }
}

/// How many block requests to keep outstanding at a seller that charges
/// us, whose credit window is `credit` bytes: half of it. The seller
/// counts a block when it takes the request, and we pay once its piece
/// verifies, so requests in flight, pieces being verified, the quarter
/// window a voucher waits for and the time the voucher takes to be
/// checked must fit in the window together; a payer that asks for more is
/// refused until its voucher comes, and waits a round trip each time.
/// bench/market on loopback: half the window in flight and a voucher every
/// quarter kept a paying download at 100% of a free one's throughput
/// (a quarter and an eighth: 99.6%; half and an eighth: 95.8%).
fn requests_within(credit: u64) -> usize {
    let blocks = credit / 2 / u64::from(BLOCK_SIZE);
    usize::try_from(blocks).unwrap_or(usize::MAX)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
