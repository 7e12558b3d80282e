//! A seller's voucher check on arbitrary vouchers (channel id, payee,
//! cumulative amount and signature from the input) never panics, and
//! accepts only a voucher that the channel's payer signed for this ledger,
//! for this channel and payee, rising and within the deposit.
#![no_main]

use btt::amount::{Amount, Token};
use btt::ledger::{ChannelId, ChannelState, ChannelStatus, LedgerId, Signature, Signed, Voucher};
use btt::payment::VoucherCheck;
use btt::tron::Address;
use libfuzzer_sys::fuzz_target;

const LEDGER: LedgerId = LedgerId([1; 32]);
const DEPOSIT: u128 = 1_000_000;

fn channel() -> ChannelState {
    ChannelState {
        id: ChannelId([7; 32]),
        payer: "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap(),
        payee: "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC".parse().unwrap(),
        amount: Amount {
            token: Token::Btt,
            base_units: DEPOSIT,
        },
        redeemed: 0,
        expires_at_ms: i64::MAX,
        status: ChannelStatus::Open,
    }
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 1 + 8 + 65 {
        return;
    }
    let state = channel();
    let (flags, rest) = input.split_at(1);
    let (amount, signature) = rest.split_at(8);
    let mut signature_bytes = [0u8; 65];
    signature_bytes.copy_from_slice(&signature[..65]);
    let channel_id = if flags[0] & 1 == 0 {
        state.id
    } else {
        ChannelId([flags[0]; 32])
    };
    let payee: Address = if flags[0] & 2 == 0 {
        state.payee
    } else {
        state.payer
    };
    let cumulative = u128::from(u64::from_be_bytes(amount.try_into().unwrap()));
    let voucher = Signed {
        request: Voucher {
            channel: channel_id,
            payee,
            cumulative: Amount {
                token: Token::Btt,
                base_units: cumulative,
            },
        },
        signature: Signature(signature_bytes),
    };
    let mut check = VoucherCheck::new(&LEDGER, state.clone(), state.payee).unwrap();
    if check.accept(voucher.clone()).is_ok() {
        assert_eq!(voucher.signer(&LEDGER).ok(), Some(state.payer));
        assert_eq!((channel_id, payee), (state.id, state.payee));
        assert!(cumulative > 0 && cumulative <= DEPOSIT);
        assert_eq!(check.accepted(), cumulative);
    }
});
