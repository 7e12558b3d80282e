//! The market's two extensions in an in-process swarm ([`TestSwarm`]) over
//! a real embedded ledger: the seller's price-before-unchoke, credit
//! window, `need_payment` and voucher checks (forged, replayed, for another
//! channel, decreasing: refused, nothing paid), and the payer's rule of
//! paying only for verified data at a paid price, within its budget.

use super::buyer::{Buyer, BuyerConfig};
use super::events::{MarketEvent, MarketEvents};
use super::price::{cost_of, PricePerMib};
use super::seller::{payer_accounts, Seller, SellerConfig};
use super::seller_book::PAYMENT_GRACE;
use super::voucher_book::VoucherBook;
use super::wire::{MarketHandshake, MarketMessage, BTT_MARKET, HANDSHAKE_KEY, PROTOCOL_VERSION};
use crate::amount::Token;
use crate::ledger::local::fixtures::{self, address, btt, key, START_MS};
use crate::ledger::{
    ChannelState, Ledger, LedgerId, LocalLedger, OpenChannel, Signed, VoucherDomain,
};
use crate::payment::{sign_voucher, PaymentLedger};
use crate::peer::{ExtendedHandshake, Message};
use crate::swarm::test_swarm::{request, SwarmSetup, TestPeer, TestSwarm, PIECE};
use crate::swarm::Extension;
use bytes::Bytes;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(super) const PAYER: u8 = 1;
pub(super) const SELLER: u8 = 2;
const STRANGER: u8 = 3;
pub(super) const ASK: PricePerMib = PricePerMib(1_000_000);
/// The test peer's id for `btt_market` in its handshake.
const PEER_MARKET_ID: u8 = 7;
/// The swarm's id for it: after the built-in ut_pex (1) and ut_metadata (2).
const OUR_MARKET_ID: u8 = 3;

/// A dev ledger in `dir` with 1,000 BTT minted to the payer.
async fn ledger(dir: &tempfile::TempDir) -> Arc<LocalLedger> {
    let now = Arc::new(AtomicI64::new(START_MS));
    let options = fixtures::options(&now, true);
    let local = LocalLedger::open(&dir.path().join("ledger.sqlite"), options).unwrap();
    local
        .mint(address(PAYER), btt(1_000_000_000))
        .await
        .unwrap();
    Arc::new(local)
}

/// The test peer's extended handshake: it speaks the market as `wallet`.
fn handshake(wallet: u8, ledger: LedgerId, ask: Option<PricePerMib>) -> Message {
    selling_handshake(wallet, ledger, ask, None)
}

/// The handshake of a test peer that sells at `ask` with a `credit` window.
pub(super) fn selling_handshake(
    wallet: u8,
    ledger: LedgerId,
    ask: Option<PricePerMib>,
    credit: Option<u64>,
) -> Message {
    let market = MarketHandshake {
        version: PROTOCOL_VERSION,
        wallet: address(wallet),
        ledger,
        chain: None,
        ask,
        credit,
        slot_rate: None,
    };
    let mut handshake = ExtendedHandshake::default();
    handshake
        .extensions
        .insert(BTT_MARKET.to_string(), PEER_MARKET_ID);
    handshake
        .extra
        .insert(HANDSHAKE_KEY.to_string(), market.to_bencode());
    handshake.to_message()
}

pub(super) fn market(message: &MarketMessage) -> Message {
    Message::Extended {
        id: OUR_MARKET_ID,
        payload: message.to_payload(),
    }
}

/// The market messages among `messages`, in order.
pub(super) fn market_messages(messages: &[Message]) -> Vec<MarketMessage> {
    messages
        .iter()
        .filter_map(|message| match message {
            Message::Extended { id, payload } if *id == PEER_MARKET_ID => {
                MarketMessage::from_payload(payload).ok()
            }
            _ => None,
        })
        .collect()
}

/// Collects events as they come.
struct Recorded(Arc<Mutex<Vec<MarketEvent>>>);

impl Recorded {
    fn start() -> (MarketEvents, Recorded) {
        let (events, mut receiver) = MarketEvents::channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                store.lock().unwrap().push(event);
            }
        });
        (events, Recorded(seen))
    }

    /// Waits until `wanted` holds of the events, or 10 s.
    async fn until(&self, what: &str, wanted: impl Fn(&[MarketEvent]) -> bool) {
        for _ in 0..1000 {
            if wanted(&self.0.lock().unwrap()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no {what} in {:?}", self.0.lock().unwrap());
    }

    fn earnings(&self) -> Vec<u128> {
        let events = self.0.lock().unwrap();
        let earned = events.iter().filter_map(|event| match event {
            MarketEvent::Earning(earning) => Some(earning.cumulative_base_units),
            _ => None,
        });
        earned.collect()
    }

    fn warnings(&self) -> usize {
        let events = self.0.lock().unwrap();
        events
            .iter()
            .filter(|event| matches!(event, MarketEvent::Warning(_)))
            .count()
    }
}

/// A seeding swarm that sells at [`ASK`] with a two-block credit window.
struct SellerWorld {
    swarm: TestSwarm,
    ledger: Arc<LocalLedger>,
    ledger_id: LedgerId,
    seller: Seller,
    events: Recorded,
    _dir: tempfile::TempDir,
}

impl SellerWorld {
    async fn start() -> SellerWorld {
        let dir = tempfile::tempdir().unwrap();
        let ledger = ledger(&dir).await;
        let ledger_id = Ledger::ledger_id(&*ledger).await.unwrap();
        let voucher_book = VoucherBook::open(&dir.path().join("vouchers.sqlite")).unwrap();
        let (events, recorded) = Recorded::start();
        let seller = Seller::start(SellerConfig {
            ask: ASK,
            slots: 1,
            credit: 2 * u64::from(PIECE),
            redeem_every: Duration::from_secs(60),
            slot_rate: None,
            key: key(SELLER),
            ledger: Arc::clone(&ledger) as Arc<dyn PaymentLedger>,
            domain: VoucherDomain::from(&ledger_id),
            redeem_above: None,
            voucher_book: Arc::new(voucher_book),
            accounts: Arc::new(payer_accounts(
                2 * u64::from(PIECE),
                Duration::from_secs(60),
                Arc::new(|| START_MS),
            )),
            events,
        });
        let swarm = TestSwarm::start(SwarmSetup {
            seeding: true,
            choker: seller.choker(),
            extensions: vec![Extension::new(seller.clone())],
            ..SwarmSetup::default()
        });
        SellerWorld {
            swarm,
            ledger,
            ledger_id,
            seller,
            events: recorded,
            _dir: dir,
        }
    }

    /// A payer that bid and won the slot: it was told the price, then unchoked.
    fn winner(&self, addr: &str) -> TestPeer {
        let mut peer = self.swarm.connect(addr, 1, true);
        let swarm = &self.swarm;
        swarm
            .receive(&peer, handshake(PAYER, self.ledger_id, None))
            .unwrap();
        swarm.receive(&peer, Message::Interested).unwrap();
        let bid = MarketMessage::Bid {
            price: PricePerMib(2 * ASK.0),
        };
        swarm.receive(&peer, market(&bid)).unwrap();
        peer.messages();
        swarm.rechoke();
        let sent = peer.messages();
        let price = sent
            .iter()
            .position(|m| matches!(m, Message::Extended { id, .. } if *id == PEER_MARKET_ID));
        let unchoke = sent.iter().position(|m| *m == Message::Unchoke);
        assert!(price.is_some(), "a price: {sent:?}");
        assert!(
            unchoke.is_none_or(|unchoke| price < Some(unchoke)),
            "price first: {sent:?}"
        );
        assert_eq!(
            market_messages(&sent),
            [MarketMessage::Price { price: ASK }],
            "a lone bidder pays the ask"
        );
        peer
    }

    /// Opens a channel of `deposit` from the payer to the seller and names it.
    async fn channel(&self, peer: &TestPeer, deposit: u128, nonce: u64) -> ChannelState {
        let open = OpenChannel {
            payer: address(PAYER),
            payee: address(SELLER),
            amount: btt(deposit),
            expires_at_ms: START_MS + 3_600_000,
            nonce,
        };
        let signed = Signed::sign(open, &key(PAYER), &self.ledger_id);
        let channel = Ledger::open_channel(&*self.ledger, signed).await.unwrap();
        let named = MarketMessage::Channel { id: channel.id };
        self.swarm.receive(peer, market(&named)).unwrap();
        self.until_funding(&channel).await;
        channel
    }

    /// Waits until the seller gives credit against `channel`, or 10 s.
    async fn until_funding(&self, channel: &ChannelState) {
        for _ in 0..1000 {
            if self.seller.accounts().funds(channel.id) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("channel {} never funded the payer", channel.id);
    }

    fn voucher(&self, peer: &TestPeer, channel: &ChannelState, units: u128, signer: u8) {
        let signed = sign_voucher(channel, btt(units), &key(PAYER), &self.ledger_id).unwrap();
        let signature = if signer == PAYER {
            signed.signature
        } else {
            Signed::sign(signed.request.clone(), &key(signer), &self.ledger_id).signature
        };
        let message = MarketMessage::Voucher {
            channel: channel.id,
            cumulative: units,
            signature,
        };
        self.swarm.receive(peer, market(&message)).unwrap();
    }

    async fn balance(&self, seed: u8) -> u128 {
        Ledger::balance(&*self.ledger, address(seed), Token::Btt)
            .await
            .unwrap()
    }
}

/// Requests `blocks` blocks and returns how many were queued for upload.
fn served(swarm: &TestSwarm, peer: &mut TestPeer, first: u32, blocks: u32) -> usize {
    served_and_told(swarm, peer, first, blocks).0
}

/// Requests `blocks` blocks: how many were queued for upload, and the
/// market messages that went out meanwhile.
fn served_and_told(
    swarm: &TestSwarm,
    peer: &mut TestPeer,
    first: u32,
    blocks: u32,
) -> (usize, Vec<MarketMessage>) {
    for index in first..first + blocks {
        swarm
            .receive(peer, Message::Request(request(index, 0)))
            .unwrap();
    }
    let (uploads, messages) = peer.uploads_and_messages();
    (uploads.len(), market_messages(&messages))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_winner_is_served_one_credit_window_then_asked_to_pay_and_resumed_once_paid() {
    let world = SellerWorld::start().await;
    let mut peer = world.winner("10.0.0.1:6881");
    let channel = world.channel(&peer, 1_000_000, 1).await;
    let (queued, asked) = served_and_told(&world.swarm, &mut peer, 0, 3);
    assert_eq!(queued, 2, "two blocks of credit");
    let due = cost_of(2 * u64::from(PIECE), ASK);
    assert_eq!(
        asked,
        [MarketMessage::NeedPayment { amount: due }],
        "asked at the refusal"
    );
    world.swarm.tick();
    assert!(
        market_messages(&peer.messages()).is_empty(),
        "asked once, not again at the tick"
    );
    world.voucher(&peer, &channel, due, PAYER);
    world
        .events
        .until("earning", |e| {
            e.iter().any(|e| matches!(e, MarketEvent::Earning(_)))
        })
        .await;
    assert!(
        peer.messages().contains(&Message::Unchoke),
        "told to request again"
    );
    assert_eq!(served(&world.swarm, &mut peer, 3, 3), 2, "a new window");
    world.swarm.disconnect(&peer);
    world
        .events
        .until("settlement", |e| {
            e.iter()
                .any(|e| matches!(e, MarketEvent::Settlement(s) if s.closed))
        })
        .await;
    assert_eq!(world.balance(SELLER).await, due);
    assert_eq!(world.balance(PAYER).await, 1_000_000_000 - due);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_replayed_other_channel_and_decreasing_vouchers_pay_nothing() {
    let world = SellerWorld::start().await;
    let cases: [(&str, u8, u128, bool); 4] = [
        ("forged", STRANGER, 200, false),
        ("replayed", PAYER, 100, false),
        ("decreasing", PAYER, 50, false),
        ("other channel", PAYER, 200, true),
    ];
    for (n, (case, signer, units, other_channel)) in cases.into_iter().enumerate() {
        let addr = format!("10.0.1.{}:6881", n + 1);
        let peer = world.winner(&addr);
        let channel = world.channel(&peer, 1_000_000, n as u64 + 10).await;
        world.voucher(&peer, &channel, 100, PAYER);
        let accepted = n + 1;
        world
            .events
            .until("earning", |e| {
                e.iter()
                    .filter(|e| matches!(e, MarketEvent::Earning(_)))
                    .count()
                    == accepted
            })
            .await;
        let warnings = world.events.warnings();
        if other_channel {
            let other = world.channel_without_naming(n as u64 + 100).await;
            world.voucher(&peer, &other, units, signer);
        } else {
            world.voucher(&peer, &channel, units, signer);
        }
        world
            .events
            .until(case, |e| {
                e.iter()
                    .filter(|e| matches!(e, MarketEvent::Warning(_)))
                    .count()
                    > warnings
            })
            .await;
        assert_eq!(
            world.events.earnings().len(),
            accepted,
            "{case}: nothing more accepted"
        );
        world.swarm.disconnect(&peer);
    }
    let closed = |e: &[MarketEvent]| {
        e.iter()
            .filter(|e| matches!(e, MarketEvent::Settlement(s) if s.closed))
            .count()
            == 4
    };
    world.events.until("four closes", closed).await;
    assert_eq!(
        world.balance(SELLER).await,
        4 * 100,
        "only the first voucher of each paid"
    );
    let _ = &world.seller;
}

impl SellerWorld {
    /// A second channel of the payer's to the seller that the peer never names.
    async fn channel_without_naming(&self, nonce: u64) -> ChannelState {
        let open = OpenChannel {
            payer: address(PAYER),
            payee: address(SELLER),
            amount: btt(1_000_000),
            expires_at_ms: START_MS + 3_600_000,
            nonce,
        };
        let signed = Signed::sign(open, &key(PAYER), &self.ledger_id);
        Ledger::open_channel(&*self.ledger, signed).await.unwrap()
    }
}

/// A leeching swarm that buys with a budget, and one seller peer.
pub(super) struct BuyerWorld {
    pub(super) swarm: TestSwarm,
    pub(super) ledger: Arc<LocalLedger>,
    pub(super) ledger_id: LedgerId,
    pub(super) buyer: Buyer,
    events: Recorded,
    _dir: tempfile::TempDir,
}

impl BuyerWorld {
    pub(super) async fn start(budget: u128) -> BuyerWorld {
        let dir = tempfile::tempdir().unwrap();
        let ledger = ledger(&dir).await;
        let ledger_id = Ledger::ledger_id(&*ledger).await.unwrap();
        let (events, recorded) = Recorded::start();
        let buyer = Buyer::new(BuyerConfig {
            bid: PricePerMib(2 * ASK.0),
            budget,
            wallet: address(PAYER),
            key: Some(key(PAYER)),
            ledger: Arc::clone(&ledger) as Arc<dyn PaymentLedger>,
            domain: VoucherDomain::from(&ledger_id),
            channel_timeout: Duration::from_secs(3600),
            credit: 0,
            events,
        });
        let swarm = TestSwarm::start(SwarmSetup {
            seeding: false,
            extensions: vec![Extension::new(buyer.clone())],
            ..SwarmSetup::default()
        });
        BuyerWorld {
            swarm,
            ledger,
            ledger_id,
            buyer,
            events: recorded,
            _dir: dir,
        }
    }

    /// A seller peer that got our bid, gave us the slot at `ask`, and saw
    /// the channel we opened; with the pieces we asked it for.
    async fn seller(&self, ask: PricePerMib) -> (TestPeer, crate::ledger::ChannelId, Vec<u32>) {
        self.seller_with_window(ask, None).await
    }

    /// [`BuyerWorld::seller`], when the seller names its credit window.
    async fn seller_with_window(
        &self,
        ask: PricePerMib,
        credit: Option<u64>,
    ) -> (TestPeer, crate::ledger::ChannelId, Vec<u32>) {
        let mut peer = self.swarm.connect("10.0.2.1:6881", 2, true);
        let swarm = &self.swarm;
        let theirs = selling_handshake(SELLER, self.ledger_id, Some(ask), credit);
        swarm.receive(&peer, theirs).unwrap();
        swarm.receive(&peer, Message::HaveAll).unwrap();
        let bids = market_messages(&peer.messages());
        assert!(
            bids.contains(&MarketMessage::Bid {
                price: PricePerMib(2 * ASK.0)
            }),
            "{bids:?}"
        );
        swarm
            .receive(&peer, market(&MarketMessage::Price { price: ask }))
            .unwrap();
        swarm.receive(&peer, Message::Unchoke).unwrap();
        let mut asked = Vec::new();
        for _ in 0..1000 {
            let sent = peer.messages();
            asked.extend(sent.iter().filter_map(|message| match message {
                Message::Request(request) => Some(request.index),
                _ => None,
            }));
            let named = market_messages(&sent)
                .into_iter()
                .find_map(|message| match message {
                    MarketMessage::Channel { id } => Some(id),
                    _ => None,
                });
            if let Some(id) = named {
                return (peer, id, asked);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no channel");
    }

    /// Sends the whole of piece `index` (one block), corrupted when `corrupt`.
    pub(super) fn send_piece(&self, peer: &TestPeer, index: u32, corrupt: bool) {
        let start = (index * PIECE) as usize;
        let mut data = self.swarm.content[start..start + PIECE as usize].to_vec();
        if corrupt {
            data[0] ^= 1;
        }
        let block = Message::Piece {
            index,
            begin: 0,
            data: Bytes::from(data),
        };
        self.swarm.receive(peer, block).unwrap();
    }
}

/// Sends `peer`'s next piece the payer asked for and has not had (noted in
/// `served`), reading the market messages sent meanwhile into `sent`. The
/// payer keeps only half a seller's window requested, so a test
/// that sends more than that waits for the requests its pieces free up.
async fn send_next_piece(
    world: &BuyerWorld,
    peer: &mut TestPeer,
    sent: &mut Vec<MarketMessage>,
    served: &mut Vec<u32>,
) {
    for _ in 0..1000 {
        sent.extend(market_messages(&peer.messages()));
        if let Some(index) = peer.requested().into_iter().find(|i| !served.contains(i)) {
            world.send_piece(peer, index, false);
            served.push(index);
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no piece asked for beyond {served:?}");
}

/// Collects the market messages sent to `peer` into `sent` until `done` holds of them.
async fn collect(
    peer: &mut TestPeer,
    sent: &mut Vec<MarketMessage>,
    done: impl Fn(&[MarketMessage]) -> bool,
) {
    for _ in 0..1000 {
        sent.extend(market_messages(&peer.messages()));
        if done(sent) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("not done: {sent:?}");
}

/// The cumulative amounts of the vouchers among `sent`.
fn cumulatives(sent: &[MarketMessage]) -> Vec<u128> {
    let vouchers = sent.iter().filter_map(|message| match message {
        MarketMessage::Voucher { cumulative, .. } => Some(*cumulative),
        _ => None,
    });
    vouchers.collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payer_pays_for_verified_pieces_only() {
    let mut world = BuyerWorld::start(1_000_000_000).await;
    let (mut peer, _channel, asked) = world.seller(ASK).await;
    assert!(asked.len() >= 3, "{asked:?}");
    world.send_piece(&peer, asked[0], false);
    world.send_piece(&peer, asked[1], true);
    world.send_piece(&peer, asked[2], false);
    world.swarm.until_verified(asked[0]).await;
    world.swarm.until_failed(asked[1]).await;
    world.swarm.until_verified(asked[2]).await;
    // Every piece is checked and the payer told; a tick pays all it owes.
    world.swarm.tick();
    let mut sent = Vec::new();
    collect(&mut peer, &mut sent, |_| true).await;
    let one_piece = cost_of(u64::from(PIECE), ASK);
    assert_eq!(
        cumulatives(&sent),
        [one_piece, 2 * one_piece],
        "the corrupt piece is not paid for"
    );
    assert_eq!(world.buyer.spent(), 2 * one_piece);
    let _ = (&world.ledger, &world.events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payer_signs_a_voucher_a_quarter_window_and_what_is_owed_when_asked_or_at_a_tick() {
    let world = BuyerWorld::start(1_000_000_000).await;
    let window = 8 * u64::from(PIECE);
    let (mut peer, _channel, asked) = world.seller_with_window(ASK, Some(window)).await;
    assert!(asked.len() <= 4, "half a window of requests: {asked:?}");
    let one_piece = cost_of(u64::from(PIECE), ASK);
    let (mut sent, mut served) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        send_next_piece(&world, &mut peer, &mut sent, &mut served).await;
    }
    collect(&mut peer, &mut sent, |sent| !cumulatives(sent).is_empty()).await;
    send_next_piece(&world, &mut peer, &mut sent, &mut served).await;
    world.swarm.until_verified(served[2]).await;
    collect(&mut peer, &mut sent, |_| true).await;
    assert_eq!(
        cumulatives(&sent),
        [2 * one_piece],
        "one voucher for the first quarter window, none yet for the third piece"
    );
    let asks = MarketMessage::NeedPayment { amount: one_piece };
    world.swarm.receive(&peer, market(&asks)).unwrap();
    collect(&mut peer, &mut sent, |sent| cumulatives(sent).len() >= 2).await;
    send_next_piece(&world, &mut peer, &mut sent, &mut served).await;
    world.swarm.until_verified(served[3]).await;
    world.swarm.tick();
    collect(&mut peer, &mut sent, |sent| cumulatives(sent).len() >= 3).await;
    assert_eq!(
        cumulatives(&sent),
        [2 * one_piece, 3 * one_piece, 4 * one_piece],
        "need_payment and then a tick pay what was verified since"
    );
    assert_eq!(world.buyer.spent(), 4 * one_piece);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_need_payment_with_nothing_owed_has_the_next_verified_piece_paid_at_once() {
    let world = BuyerWorld::start(1_000_000_000).await;
    let window = 8 * u64::from(PIECE);
    let (mut peer, _channel, _) = world.seller_with_window(ASK, Some(window)).await;
    let one_piece = cost_of(u64::from(PIECE), ASK);
    let (mut sent, mut served) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        send_next_piece(&world, &mut peer, &mut sent, &mut served).await;
    }
    collect(&mut peer, &mut sent, |sent| !cumulatives(sent).is_empty()).await;
    let asks = MarketMessage::NeedPayment { amount: 0 };
    world.swarm.receive(&peer, market(&asks)).unwrap();
    send_next_piece(&world, &mut peer, &mut sent, &mut served).await;
    collect(&mut peer, &mut sent, |sent| cumulatives(sent).len() >= 2).await;
    send_next_piece(&world, &mut peer, &mut sent, &mut served).await;
    world.swarm.until_verified(served[3]).await;
    collect(&mut peer, &mut sent, |_| true).await;
    assert_eq!(
        cumulatives(&sent),
        [2 * one_piece, 3 * one_piece],
        "the piece after the ask is paid without waiting for a tick, the next one by the quarter rule"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payer_never_signs_past_its_budget() {
    let one_piece = cost_of(u64::from(PIECE), ASK);
    let budget = one_piece + one_piece / 2;
    let world = BuyerWorld::start(budget).await;
    let (mut peer, channel, asked) = world.seller(ASK).await;
    let state = PaymentLedger::channel(&*world.ledger, channel)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.amount.base_units, budget, "the deposit is the budget");
    for index in asked.iter().take(3) {
        world.send_piece(&peer, *index, false);
    }
    let mut sent = Vec::new();
    collect(&mut peer, &mut sent, |sent| {
        sent.contains(&MarketMessage::Close)
    })
    .await;
    for index in asked.iter().take(3) {
        world.swarm.until_verified(*index).await;
    }
    // Every piece is checked and the payer told; a tick pays all it may.
    world.swarm.tick();
    collect(&mut peer, &mut sent, |_| true).await;
    assert_eq!(cumulatives(&sent), [one_piece, budget]);
    assert_eq!(world.buyer.spent(), budget);
    let _ = &world.events;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_winner_that_ignores_need_payment_falls_back_to_a_free_slot_at_the_next_rechoke() {
    let world = SellerWorld::start().await;
    let mut peer = world.winner("10.0.3.1:6881");
    world.channel(&peer, 1_000_000, 1).await;
    let refused_after = Instant::now();
    let (queued, asked) = served_and_told(&world.swarm, &mut peer, 0, 4);
    assert_eq!(queued, 2, "no more than the window unpaid");
    let due = cost_of(2 * u64::from(PIECE), ASK);
    assert_eq!(asked, [MarketMessage::NeedPayment { amount: due }]);
    // Rechoke until the payer is moved, then check that it was not before its grace.
    let mut told = Vec::new();
    let moved = async {
        loop {
            world.swarm.rechoke();
            told.extend(market_messages(&peer.messages()));
            if !told.is_empty() {
                return Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let bound = PAYMENT_GRACE + Duration::from_secs(10);
    let moved_at = tokio::time::timeout(bound, moved)
        .await
        .expect("moved to a free slot");
    assert!(
        moved_at.duration_since(refused_after) >= PAYMENT_GRACE,
        "not before the grace"
    );
    assert_eq!(
        told,
        [MarketMessage::Price {
            price: PricePerMib(0)
        }],
        "free from now on"
    );
    assert_eq!(
        served(&world.swarm, &mut peer, 4, 4),
        4,
        "a free slot is not metered"
    );
    assert_eq!(world.events.earnings(), Vec::<u128>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_payer_changes_its_bid_keeps_its_budget_above_what_it_paid_and_stops_paying() {
    let world = BuyerWorld::start(1_000_000_000).await;
    let (mut peer, _channel, asked) = world.seller(ASK).await;
    world.send_piece(&peer, asked[0], false);
    let mut sent = Vec::new();
    collect(&mut peer, &mut sent, |sent| !cumulatives(sent).is_empty()).await;
    let spent = world.buyer.spent();
    assert!(
        world.buyer.set_budget(spent - 1).is_err(),
        "below what was paid"
    );
    world.buyer.set_budget(spent).unwrap();
    world.buyer.set_bid(Some(PricePerMib(3 * ASK.0)));
    let raised = market_messages(&peer.messages());
    assert_eq!(
        raised,
        [MarketMessage::Bid {
            price: PricePerMib(3 * ASK.0)
        }]
    );
    world.send_piece(&peer, asked[1], false);
    // The payer says close when the piece it can't pay for verifies, right
    // after the voucher it would have signed.
    let mut capped = Vec::new();
    collect(&mut peer, &mut capped, |sent| {
        sent.contains(&MarketMessage::Close)
    })
    .await;
    assert!(
        cumulatives(&capped).is_empty(),
        "the budget is spent: {capped:?}"
    );
    world.buyer.set_bid(None);
    let status = world.buyer.status();
    assert_eq!(
        (status.bid, status.spent, status.budget),
        (None, spent, spent)
    );
    let withdrawn = market_messages(&peer.messages());
    assert_eq!(
        withdrawn,
        [MarketMessage::Bid {
            price: PricePerMib(0)
        }]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payer_that_says_close_stays_charged_in_its_slot_and_its_channel_is_closed() {
    let world = SellerWorld::start().await;
    let mut peer = world.winner("10.0.4.1:6881");
    let channel = world.channel(&peer, 1_000_000, 1).await;
    assert_eq!(
        served(&world.swarm, &mut peer, 0, 3),
        2,
        "two blocks of credit"
    );
    let due = cost_of(2 * u64::from(PIECE), ASK);
    world.voucher(&peer, &channel, due, PAYER);
    world
        .events
        .until("earning", |e| {
            e.iter().any(|e| matches!(e, MarketEvent::Earning(_)))
        })
        .await;
    world
        .swarm
        .receive(&peer, market(&MarketMessage::Close))
        .unwrap();
    let closed = |e: &[MarketEvent]| {
        e.iter()
            .any(|e| matches!(e, MarketEvent::Settlement(s) if s.closed))
    };
    world.events.until("close", closed).await;
    assert_eq!(
        served(&world.swarm, &mut peer, 3, 4),
        0,
        "still charged in the paid slot, and no channel funds it now"
    );
    world.swarm.rechoke();
    let told = market_messages(&peer.messages());
    assert_eq!(
        told,
        [MarketMessage::Price {
            price: PricePerMib(0)
        }]
    );
    assert_eq!(
        served(&world.swarm, &mut peer, 7, 4),
        4,
        "free once it left the paid slot"
    );
    assert_eq!(world.balance(SELLER).await, due);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payer_that_closed_and_bids_again_pays_through_a_new_channel() {
    let world = SellerWorld::start().await;
    let mut peer = world.winner("10.0.5.1:6881");
    let first = world.channel(&peer, 1_000_000, 1).await;
    assert_eq!(served(&world.swarm, &mut peer, 0, 2), 2);
    let due = cost_of(2 * u64::from(PIECE), ASK);
    world.voucher(&peer, &first, due, PAYER);
    let earnings = |count: usize| {
        move |e: &[MarketEvent]| {
            e.iter()
                .filter(|e| matches!(e, MarketEvent::Earning(_)))
                .count()
                >= count
        }
    };
    world.events.until("earning", earnings(1)).await;
    let close = market(&MarketMessage::Close);
    world.swarm.receive(&peer, close).unwrap();
    let bid = market(&MarketMessage::Bid {
        price: PricePerMib(2 * ASK.0),
    });
    world.swarm.receive(&peer, bid.clone()).unwrap();
    world.swarm.rechoke();
    assert_eq!(
        market_messages(&peer.messages()),
        [MarketMessage::Price {
            price: PricePerMib(0)
        }],
        "a bid made in the slot it closed counts only once it left that slot"
    );
    world.swarm.rechoke();
    assert_eq!(
        market_messages(&peer.messages()),
        [MarketMessage::Price { price: ASK }],
        "paid again"
    );
    let second = world.channel(&peer, 1_000_000, 2).await;
    assert_eq!(
        served(&world.swarm, &mut peer, 2, 3),
        2,
        "a new window of two blocks on the new channel"
    );
    world.voucher(&peer, &second, due, PAYER);
    world.events.until("second earning", earnings(2)).await;
    assert_eq!(world.seller.earned(), 2 * due);
    assert_eq!(world.events.warnings(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payer_that_stopped_and_bids_again_opens_a_new_channel() {
    let world = BuyerWorld::start(1_000_000_000).await;
    let (mut peer, first, asked) = world.seller(ASK).await;
    world.send_piece(&peer, asked[0], false);
    let mut sent = Vec::new();
    collect(&mut peer, &mut sent, |sent| !cumulatives(sent).is_empty()).await;
    world.buyer.set_bid(None);
    collect(&mut peer, &mut sent, |sent| {
        sent.contains(&MarketMessage::Close)
    })
    .await;
    world.buyer.set_bid(Some(PricePerMib(2 * ASK.0)));
    let bid = MarketMessage::Bid {
        price: PricePerMib(2 * ASK.0),
    };
    collect(&mut peer, &mut sent, |sent| {
        sent.ends_with(std::slice::from_ref(&bid))
    })
    .await;
    let price = market(&MarketMessage::Price { price: ASK });
    world.swarm.receive(&peer, price).unwrap();
    let mut again = Vec::new();
    let named = |sent: &[MarketMessage]| {
        sent.iter().find_map(|message| match message {
            MarketMessage::Channel { id } => Some(*id),
            _ => None,
        })
    };
    collect(&mut peer, &mut again, |sent| named(sent).is_some()).await;
    let second = named(&again).unwrap();
    assert_ne!(second, first, "a new channel");
    world.send_piece(&peer, asked[1], false);
    collect(&mut peer, &mut again, |sent| !cumulatives(sent).is_empty()).await;
    let one_piece = cost_of(u64::from(PIECE), ASK);
    assert_eq!(
        cumulatives(&again),
        [one_piece],
        "the new channel counts from 0"
    );
    assert_eq!(world.buyer.spent(), 2 * one_piece);
    let state = PaymentLedger::channel(&*world.ledger, second)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.payer, address(PAYER));
}

/// Waits for the swarm's requests to `peer` and returns the piece indexes asked.
async fn requested(peer: &mut TestPeer, wanted: impl Fn(&[u32]) -> bool) -> Vec<u32> {
    let mut asked = Vec::new();
    for _ in 0..1000 {
        asked.extend(peer.messages().iter().filter_map(|message| match message {
            Message::Request(request) => Some(request.index),
            _ => None,
        }));
        if wanted(&asked) {
            return asked;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("not requested: {asked:?}");
}

/// A hostile seller sends an allowed-fast piece while it chokes us, then a
/// price and the unchoke, then later moves us to a free slot (`price` 0) and
/// sends more: the payer pays for the one piece that came on the paid slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payer_is_billed_nothing_for_blocks_sent_while_choked_or_on_a_free_slot() {
    let world = BuyerWorld::start(1_000_000_000).await;
    let mut peer = world.swarm.connect("10.0.2.1:6881", 2, true);
    let swarm = &world.swarm;
    let theirs = selling_handshake(SELLER, world.ledger_id, Some(ASK), None);
    swarm.receive(&peer, theirs).unwrap();
    swarm.receive(&peer, Message::HaveAll).unwrap();
    swarm.receive(&peer, Message::AllowedFast(0)).unwrap();
    requested(&mut peer, |asked| asked.contains(&0)).await;
    world.send_piece(&peer, 0, false);
    swarm
        .receive(&peer, market(&MarketMessage::Price { price: ASK }))
        .unwrap();
    swarm.receive(&peer, Message::Unchoke).unwrap();
    let asked = requested(&mut peer, |asked| {
        asked.iter().filter(|i| **i != 0).count() >= 2
    })
    .await;
    let mut unchoked_asks = asked.into_iter().filter(|i| *i != 0);
    let (paid_piece, free_piece) = (unchoked_asks.next().unwrap(), unchoked_asks.next().unwrap());
    world.send_piece(&peer, paid_piece, false);
    let mut sent = Vec::new();
    collect(&mut peer, &mut sent, |sent| !cumulatives(sent).is_empty()).await;
    let free = market(&MarketMessage::Price {
        price: PricePerMib(0),
    });
    swarm.receive(&peer, free).unwrap();
    world.send_piece(&peer, free_piece, false);
    swarm.tick();
    collect(&mut peer, &mut sent, |_| true).await;
    let one_piece = cost_of(u64::from(PIECE), ASK);
    assert_eq!(cumulatives(&sent), [one_piece], "only the paid-slot piece");
    assert_eq!(world.buyer.spent(), one_piece);
}
