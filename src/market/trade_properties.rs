//! The payer against a hostile seller, as a property: any interleaving of
//! prices (above the bid too), chokes and unchokes, allowed-fast pieces,
//! pieces good and bad,
//! `need_payment`, `close`, disconnects and changes of the bid, and after
//! every step nothing signed passes the budget, the deposits locked on the
//! ledger never pass it, no voucher passes its channel's deposit, and what
//! was signed is at most what the verified paid-slot pieces owe. (The
//! seller's side is the property test in `payer_accounts`.)

use super::price::{cost_of, PricePerMib};
use super::trade_tests::{market, selling_handshake, BuyerWorld, ASK, PAYER, SELLER};
use super::wire::MarketMessage;
use crate::amount::Token;
use crate::ledger::local::fixtures::address;
use crate::ledger::Ledger;
use crate::peer::Message;
use crate::swarm::test_swarm::{TestPeer, PIECE};
use proptest::prelude::*;
use std::time::Duration;

/// What the payer starts with on the test ledger.
const FUNDS: u128 = 1_000_000_000;

/// One move of the hostile seller (or of the payer's owner).
#[derive(Debug, Clone)]
enum Move {
    /// A `price`, in asks (0: free; 3: above the bid of two asks).
    Price(u64),
    Choke,
    Unchoke,
    /// BEP 6: the payer may request this piece while choked.
    AllowFast(u32),
    /// Sends one requested piece, corrupted or not.
    Piece {
        corrupt: bool,
    },
    NeedPayment,
    Close,
    /// The payer's owner changes the bid: none, or this many asks.
    Bid(Option<u64>),
    Tick,
    /// The seller leaves and comes back as a new connection.
    Reconnect,
}

fn a_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        (0u64..4).prop_map(Move::Price),
        Just(Move::Choke),
        Just(Move::Unchoke),
        (0u32..8).prop_map(Move::AllowFast),
        any::<bool>().prop_map(|corrupt| Move::Piece { corrupt }),
        Just(Move::NeedPayment),
        Just(Move::Close),
        prop::option::of(1u64..4).prop_map(Move::Bid),
        Just(Move::Tick),
        Just(Move::Reconnect),
    ]
}

/// The seller's connection and what it saw.
struct SellerPeer {
    peer: TestPeer,
    asked: Vec<u32>,
    connection: u8,
    /// Σ verified bytes × price it sent while unchoked on a paid slot.
    owed_value: u128,
    /// The price the payer took (it refuses one above its bid).
    billable: u64,
    /// The payer's bid now, in base units per MiB (0: none).
    bid: u64,
    unchoked: bool,
}

impl SellerPeer {
    fn connect(world: &BuyerWorld, connection: u8) -> SellerPeer {
        let addr = format!("10.0.9.{connection}:6881");
        let peer = world.swarm.connect(&addr, connection, true);
        let handshake = selling_handshake(SELLER, world.ledger_id, Some(ASK), None);
        world.swarm.receive(&peer, handshake).unwrap();
        world.swarm.receive(&peer, Message::HaveAll).unwrap();
        SellerPeer {
            peer,
            asked: Vec::new(),
            connection,
            owed_value: 0,
            billable: 0,
            bid: 2 * ASK.0,
            unchoked: false,
        }
    }

    fn play(&mut self, world: &mut BuyerWorld, step: Move) {
        let swarm = &world.swarm;
        match step {
            Move::Price(asks) => {
                let price = asks * ASK.0;
                self.billable = if price <= self.bid { price } else { 0 };
                let price = PricePerMib(price);
                swarm
                    .receive(&self.peer, market(&MarketMessage::Price { price }))
                    .unwrap();
            }
            Move::Choke => {
                self.unchoked = false;
                swarm.receive(&self.peer, Message::Choke).unwrap();
            }
            Move::Unchoke => {
                self.unchoked = true;
                swarm.receive(&self.peer, Message::Unchoke).unwrap();
            }
            Move::AllowFast(index) => swarm
                .receive(&self.peer, Message::AllowedFast(index))
                .unwrap(),
            Move::Piece { corrupt } => self.send_piece(world, corrupt),
            Move::NeedPayment => {
                let asked = market(&MarketMessage::NeedPayment { amount: 1 });
                swarm.receive(&self.peer, asked).unwrap();
            }
            Move::Close => swarm
                .receive(&self.peer, market(&MarketMessage::Close))
                .unwrap(),
            Move::Bid(asks) => {
                self.bid = asks.map_or(0, |asks| asks * ASK.0);
                world
                    .buyer
                    .set_bid(asks.map(|asks| PricePerMib(asks * ASK.0)));
            }
            Move::Tick => swarm.tick(),
            Move::Reconnect => {
                swarm.disconnect(&self.peer);
                let (owed_value, bid) = (self.owed_value, self.bid);
                *self = SellerPeer::connect(world, self.connection + 1);
                (self.owed_value, self.bid) = (owed_value, bid);
            }
        }
    }

    /// Sends a piece the payer asked for (while unchoked, or allowed fast).
    fn send_piece(&mut self, world: &BuyerWorld, corrupt: bool) {
        self.asked
            .extend(self.peer.messages().iter().filter_map(|m| match m {
                Message::Request(request) => Some(request.index),
                _ => None,
            }));
        let Some(index) = self.asked.pop() else {
            return;
        };
        world.send_piece(&self.peer, index, corrupt);
        if !corrupt && self.unchoked {
            self.owed_value += u128::from(PIECE) * u128::from(self.billable);
        }
    }
}

/// The invariants after a step.
async fn check(world: &BuyerWorld, budget: u128, owed_value: u128) {
    let spent = world.buyer.spent();
    assert!(spent <= budget, "signed {spent} past the budget {budget}");
    let balance = Ledger::balance(&*world.ledger, address(PAYER), Token::Btt)
        .await
        .unwrap();
    let locked = FUNDS - balance;
    assert!(locked <= budget, "locked {locked} past the budget {budget}");
    let owed = owed_value / super::price::MIB;
    assert!(
        spent <= owed,
        "signed {spent}, the paid-slot pieces owe {owed}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn a_payer_never_signs_past_its_budget_or_for_what_it_was_not_sent_on_a_paid_slot(
        steps in prop::collection::vec(a_move(), 1..40),
        pieces_of_budget in 1u64..6,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let budget = cost_of(u64::from(PIECE) * pieces_of_budget, ASK);
            let mut world = BuyerWorld::start(budget).await;
            let mut seller = SellerPeer::connect(&world, 1);
            for step in steps {
                seller.play(&mut world, step);
                // Let a channel being opened land before looking.
                tokio::time::sleep(Duration::from_millis(5)).await;
                check(&world, budget, seller.owed_value).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            check(&world, budget, seller.owed_value).await;
        });
    }
}
