//! The seller's state machine under arbitrary steps of hostile payers: each
//! input byte pair is one step (serve blocks on a paid slot, open and bind
//! a channel, pay a voucher, close, let time pass, change a connection's
//! standing), and after every step the invariants hold: what each wallet
//! was served unpaid stays within the credit window, a source address owes
//! at most its windows, what was credited is exactly the increments the
//! vouchers added, and no wallet is credited beyond its deposits.
#![no_main]

use btt::amount::{Amount, Token};
use btt::ledger::{
    ChannelState, ChannelStatus, LedgerId, OpenChannel, Signed, Voucher, VoucherDomain,
};
use btt::market::payer_accounts::{PayerAccounts, SOURCE_WINDOWS};
use btt::market::price::PricePerMib;
use btt::market::seller_book::Standing;
use btt::tron::Address;
use k256::ecdsa::SigningKey;
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const LEDGER: LedgerId = LedgerId([3; 32]);
const WINDOW: u64 = 1 << 20;
const MARGIN_MS: i64 = 10_000;
const PRICE: PricePerMib = PricePerMib(10_000);
const PAYERS: usize = 3;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).expect("a key")
}

fn address(seed: u8) -> Address {
    Address::from_public_key(key(seed).verifying_key())
}

fn btt(base_units: u128) -> Amount {
    Amount {
        token: Token::Btt,
        base_units,
    }
}

struct World {
    accounts: PayerAccounts,
    now: Arc<AtomicI64>,
    channels: Vec<ChannelState>,
    credited: [u128; PAYERS],
    standing: Standing,
}

impl World {
    fn step(&mut self, op: u8, arg: u8, nonce: u64) {
        let payer = 1 + arg % PAYERS as u8;
        let wallet = address(payer);
        match op % 6 {
            0 => {
                let source = IpAddr::from([10, 0, 0, arg >> 6]);
                let price = self.standing.charged().unwrap_or(PRICE);
                self.accounts.met(wallet, source);
                for _ in 0..=(arg >> 2) {
                    self.accounts.admit(wallet, source, 16 << 10, price);
                }
            }
            1 => {
                let now = self.now.load(Ordering::SeqCst);
                let deposit = u128::from(arg) * 1_000;
                let state = channel(payer, deposit, now + i64::from(arg) * 500, nonce);
                let seller = address(200);
                if self
                    .accounts
                    .bind(
                        wallet,
                        state.clone(),
                        VoucherDomain::from(&LEDGER),
                        seller,
                        false,
                    )
                    .is_ok()
                {
                    self.channels.push(state);
                }
            }
            2 => {
                let Some(state) = self.channels.get(usize::from(arg >> 4)).cloned() else {
                    return;
                };
                let voucher = Voucher {
                    channel: state.id,
                    payee: state.payee,
                    cumulative: btt(u128::from(arg) * 700),
                };
                let signed = Signed::sign(voucher, &key(payer), &LEDGER);
                if let Ok(increment) = self.accounts.accept(wallet, signed) {
                    assert_eq!(state.payer, wallet, "credited on another wallet's channel");
                    self.accounts.credit(wallet, increment);
                    self.credited[usize::from(payer - 1)] += increment;
                }
            }
            3 => {
                if let Some(state) = self.channels.get(usize::from(arg >> 4)) {
                    self.accounts.retire(state.id);
                }
            }
            4 => {
                self.now.fetch_add(i64::from(arg) * 100, Ordering::SeqCst);
            }
            _ => {
                self.standing = match arg % 4 {
                    0 => self.standing.slot_changed(Some(PRICE)),
                    1 => self.standing.slot_changed(None),
                    2 => self.standing.closed(),
                    _ => self.standing.broke(),
                };
            }
        }
    }

    fn check(&self) {
        let mut at_sources = 0u128;
        for payer in 1..=PAYERS as u8 {
            let wallet = address(payer);
            let unpaid = u128::from(self.accounts.unpaid_bytes(wallet, PRICE));
            assert!(
                unpaid <= u128::from(WINDOW),
                "payer {payer} owes {unpaid} bytes"
            );
            assert_eq!(
                self.accounts.paid(wallet),
                self.credited[usize::from(payer - 1)]
            );
            let deposits: u128 = self
                .channels
                .iter()
                .filter(|c| c.payer == wallet)
                .map(|c| c.amount.base_units)
                .sum();
            assert!(self.accounts.paid(wallet) <= deposits);
            at_sources += unpaid;
        }
        assert!(at_sources <= SOURCE_WINDOWS * u128::from(WINDOW) * PAYERS as u128);
    }
}

fn channel(payer: u8, deposit: u128, expires_at_ms: i64, nonce: u64) -> ChannelState {
    let open = OpenChannel {
        payer: address(payer),
        payee: address(200),
        amount: btt(deposit),
        expires_at_ms,
        nonce,
    };
    ChannelState {
        id: open.id(&LEDGER),
        payer: open.payer,
        payee: open.payee,
        amount: open.amount,
        redeemed: 0,
        expires_at_ms,
        status: ChannelStatus::Open,
    }
}

fuzz_target!(|input: &[u8]| {
    let now = Arc::new(AtomicI64::new(1_000_000));
    let clock = Arc::clone(&now);
    let mut world = World {
        accounts: PayerAccounts::new(
            WINDOW,
            MARGIN_MS,
            Arc::new(move || clock.load(Ordering::SeqCst)),
        ),
        now,
        channels: Vec::new(),
        credited: [0; PAYERS],
        standing: Standing::Free,
    };
    for (nonce, step) in input.chunks_exact(2).take(64).enumerate() {
        world.step(step[0], step[1], nonce as u64);
        world.check();
    }
});
