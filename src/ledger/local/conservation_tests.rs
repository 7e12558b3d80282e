//! Property test over random sequences of transfers, channel, campaign and
//! purchase operations on a real ledger file: the total supply (balances plus locked
//! funds) always equals what was minted, every refusal leaves the sequence
//! number where it was, and no operation fails for a reason other than a
//! refusal.

use super::fixtures::{address, btt, key, transfer_on, Fixture, START_MS};
use crate::amount::Token;
use crate::ledger::channel::{CloseChannel, OpenChannel, RedeemVoucher, RefundChannel, Voucher};
use crate::ledger::domain::Signed;
use crate::ledger::error::LedgerError;
use crate::ledger::escrow::{CreateCampaign, Pledge};
use crate::ledger::id::{CampaignId, ChannelId, PurchaseId};
use crate::ledger::purchase::{BuyerKey, DeliverPurchase, OpenPurchase};
use proptest::prelude::*;

const ACTORS: u8 = 4;

#[derive(Debug, Clone)]
enum Op {
    Transfer {
        from: u8,
        to: u8,
        units: u128,
    },
    Open {
        payer: u8,
        payee: u8,
        units: u128,
    },
    Redeem {
        channel: usize,
        units: u128,
    },
    Close {
        channel: usize,
        units: Option<u128>,
    },
    Refund {
        channel: usize,
        signer: u8,
    },
    Pledge {
        pledger: u8,
        units: u128,
    },
    Settle,
    Buy {
        buyer: u8,
        seller: u8,
        units: u128,
        nonce: u64,
    },
    Deliver {
        purchase: usize,
        signer: u8,
    },
    RefundPurchase {
        purchase: usize,
    },
    Advance {
        ms: i64,
    },
}

fn actor() -> impl Strategy<Value = u8> {
    1..=ACTORS
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (actor(), actor(), 0u128..400).prop_map(|(from, to, units)| Op::Transfer {
            from,
            to,
            units
        }),
        (actor(), actor(), 0u128..400).prop_map(|(payer, payee, units)| Op::Open {
            payer,
            payee,
            units
        }),
        (0usize..8, 0u128..400).prop_map(|(channel, units)| Op::Redeem { channel, units }),
        (0usize..8, proptest::option::of(0u128..400))
            .prop_map(|(channel, units)| Op::Close { channel, units }),
        (0usize..8, actor()).prop_map(|(channel, signer)| Op::Refund { channel, signer }),
        (actor(), 0u128..400).prop_map(|(pledger, units)| Op::Pledge { pledger, units }),
        Just(Op::Settle),
        (actor(), actor(), 0u128..400, 0u64..3).prop_map(|(buyer, seller, units, nonce)| {
            Op::Buy {
                buyer,
                seller,
                units,
                nonce,
            }
        }),
        (0usize..8, actor()).prop_map(|(purchase, signer)| Op::Deliver { purchase, signer }),
        (0usize..8).prop_map(|purchase| Op::RefundPurchase { purchase }),
        (0i64..400_000).prop_map(|ms| Op::Advance { ms }),
    ]
}

struct World {
    fixture: Fixture,
    channels: Vec<ChannelId>,
    purchases: Vec<PurchaseId>,
    campaign: CampaignId,
    counter: u64,
}

impl World {
    fn new() -> World {
        let mut fixture = Fixture::new();
        for actor in 1..=ACTORS {
            fixture.fund(&address(actor), 1_000);
        }
        let ledger = fixture.store.ledger_id();
        let create = CreateCampaign {
            creator: address(1),
            beneficiary: address(2),
            goal: btt(700),
            deadline_ms: START_MS + 600_000,
            title: "prop".to_string(),
            nonce: 0,
        };
        let campaign = fixture
            .store
            .create_campaign(&Signed::sign(create, &key(1), &ledger))
            .expect("create the campaign");
        World {
            fixture,
            channels: Vec::new(),
            purchases: Vec::new(),
            campaign: campaign.id,
            counter: 0,
        }
    }

    fn channel(&self, index: usize) -> ChannelId {
        self.channels
            .get(index % self.channels.len().max(1))
            .copied()
            .unwrap_or(ChannelId([0; 32]))
    }

    fn purchase(&self, index: usize) -> PurchaseId {
        self.purchases
            .get(index % self.purchases.len().max(1))
            .copied()
            .unwrap_or(PurchaseId([0; 32]))
    }

    fn voucher(&self, channel: ChannelId, units: u128) -> Option<Signed<Voucher>> {
        let state = self.fixture.store.channel(channel).ok()??;
        let payer_seed = (1..=ACTORS).find(|seed| address(*seed) == state.payer)?;
        let promise = Voucher {
            channel,
            payee: state.payee,
            cumulative: btt(units),
        };
        Some(Signed::sign(
            promise,
            &key(payer_seed),
            &self.fixture.store.ledger_id(),
        ))
    }

    fn seed_of(&self, channel: ChannelId, payee: bool) -> u8 {
        let Ok(Some(state)) = self.fixture.store.channel(channel) else {
            return 1;
        };
        let wanted = if payee { state.payee } else { state.payer };
        (1..=ACTORS)
            .find(|seed| address(*seed) == wanted)
            .unwrap_or(1)
    }

    fn apply(&mut self, op: &Op) -> Result<(), LedgerError> {
        self.counter += 1;
        let ledger = self.fixture.store.ledger_id();
        let now = self.fixture.now.load(std::sync::atomic::Ordering::SeqCst);
        let store = &mut self.fixture.store;
        match op {
            Op::Transfer { from, to, units } => {
                let mut transfer = transfer_on(
                    &ledger,
                    &address(*from),
                    &address(*to),
                    *units,
                    self.counter,
                );
                transfer.expiration_ms = now + 60_000;
                store.apply_transfer(&transfer).map(drop)
            }
            Op::Open {
                payer,
                payee,
                units,
            } => {
                let open = OpenChannel {
                    payer: address(*payer),
                    payee: address(*payee),
                    amount: btt(*units),
                    expires_at_ms: now + 300_000,
                    nonce: self.counter,
                };
                let state = store.open_channel(&Signed::sign(open, &key(*payer), &ledger))?;
                self.channels.push(state.id);
                Ok(())
            }
            Op::Redeem { channel, units } => {
                let id = self.channel(*channel);
                let Some(voucher) = self.voucher(id, *units) else {
                    return Ok(());
                };
                let request = Signed::sign(
                    RedeemVoucher { voucher },
                    &key(self.seed_of(id, true)),
                    &ledger,
                );
                self.fixture.store.redeem_voucher(&request).map(drop)
            }
            Op::Close { channel, units } => {
                let id = self.channel(*channel);
                let voucher = units.and_then(|units| self.voucher(id, units));
                let request = CloseChannel {
                    channel: id,
                    voucher,
                };
                let request = Signed::sign(request, &key(self.seed_of(id, true)), &ledger);
                self.fixture.store.close_channel(&request).map(drop)
            }
            Op::Refund { channel, signer } => {
                let request = RefundChannel {
                    channel: self.channel(*channel),
                };
                self.fixture
                    .store
                    .refund_channel(&Signed::sign(request, &key(*signer), &ledger))
                    .map(drop)
            }
            Op::Pledge { pledger, units } => {
                let pledge = Pledge {
                    campaign: self.campaign,
                    pledger: address(*pledger),
                    amount: btt(*units),
                    nonce: self.counter,
                };
                store
                    .pledge(&Signed::sign(pledge, &key(*pledger), &ledger))
                    .map(drop)
            }
            Op::Settle => store.settle_campaign(self.campaign).map(drop),
            Op::Buy {
                buyer,
                seller,
                units,
                nonce,
            } => {
                let open = OpenPurchase {
                    buyer: address(*buyer),
                    seller: address(*seller),
                    listing: [*seller; 32],
                    buyer_key: BuyerKey::from_verifying_key(key(*buyer).verifying_key()),
                    price: btt(*units),
                    deadline_ms: START_MS + 300_000,
                    nonce: *nonce,
                };
                let state = store.open_purchase(&Signed::sign(open, &key(*buyer), &ledger))?;
                self.purchases.push(state.id);
                Ok(())
            }
            Op::Deliver { purchase, signer } => {
                let delivery = DeliverPurchase {
                    purchase: self.purchase(*purchase),
                    sealed_key: vec![*signer; 48],
                };
                let request = Signed::sign(delivery, &key(*signer), &ledger);
                self.fixture.store.deliver_purchase(&request).map(drop)
            }
            Op::RefundPurchase { purchase } => {
                let id = self.purchase(*purchase);
                self.fixture.store.refund_purchase(id).map(drop)
            }
            Op::Advance { ms } => {
                self.fixture.advance(*ms);
                Ok(())
            }
        }
    }
}

fn is_refusal(error: &LedgerError) -> bool {
    !matches!(
        error,
        LedgerError::Storage { .. }
            | LedgerError::Corrupt { .. }
            | LedgerError::CommitFailed { .. }
            | LedgerError::Open { .. }
            | LedgerError::Worker { .. }
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn supply_is_conserved_and_refusals_change_nothing(ops in proptest::collection::vec(op(), 1..40)) {
        let mut world = World::new();
        let minted = world.fixture.store.minted(Token::Btt).unwrap();
        for op in &ops {
            let head = world.fixture.store.head().unwrap();
            match world.apply(op) {
                Ok(()) => {}
                Err(error) => {
                    prop_assert!(is_refusal(&error), "{op:?} failed: {error}");
                    prop_assert_eq!(world.fixture.store.head().unwrap(), head, "{:?} refused but applied", op);
                }
            }
            prop_assert_eq!(world.fixture.store.total_supply(Token::Btt).unwrap(), minted, "after {:?}", op);
        }
    }
}
