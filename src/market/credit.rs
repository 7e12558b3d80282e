//! The seeder's credit window for one paying peer: it serves a winner at
//! most `window` bytes beyond what the vouchers it accepted cover at the
//! slot's price, so its loss to a payer that stops paying is bounded by the
//! window.
//!
//! Invariant: `served − covered(paid) ≤ window` after every call, where
//! `served` counts every byte admitted and `covered` rounds down
//! ([`bytes_covered`]). A request that would break it is refused, and the
//! amount still due is what a `need_payment` asks for. A window has one
//! price, the clearing price of the slot it belongs to.

use super::price::{bytes_covered, cost_of, PricePerMib};

/// The credit window, in bytes, unless configured (`--credit`).
pub const DEFAULT_CREDIT: u64 = 4 << 20;

/// What one paying peer has been served and has paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditWindow {
    price: PricePerMib,
    window: u64,
    served: u64,
    paid: u128,
}

impl CreditWindow {
    /// A peer that won a slot at `price`, served nothing yet.
    pub fn new(price: PricePerMib, window: u64) -> CreditWindow {
        CreditWindow {
            price,
            window,
            served: 0,
            paid: 0,
        }
    }

    /// Admits `bytes` more if that stays within the window; counts them then.
    pub fn admit(&mut self, bytes: u64) -> bool {
        let covered = bytes_covered(self.paid, self.price);
        let allowed = covered.saturating_add(self.window);
        match self.served.checked_add(bytes) {
            Some(served) if served <= allowed => {
                self.served = served;
                true
            }
            _ => false,
        }
    }

    /// Records an accepted voucher: everything paid so far (a cumulative
    /// amount; a lower one than before changes nothing).
    pub fn paid(&mut self, cumulative: u128) {
        self.paid = self.paid.max(cumulative);
    }

    /// The base units due for what was served beyond what is paid.
    pub fn due(&self) -> u128 {
        cost_of(self.served, self.price).saturating_sub(self.paid)
    }

    /// Bytes served and not covered by payment.
    pub fn unpaid_bytes(&self) -> u64 {
        self.served
            .saturating_sub(bytes_covered(self.paid, self.price))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PRICE: PricePerMib = PricePerMib(50_000);
    const MIB: u64 = 1 << 20;

    #[test]
    fn a_payer_is_served_one_window_ahead_and_no_further() {
        let mut credit = CreditWindow::new(PRICE, 4 * MIB);
        for _ in 0..4 {
            assert!(credit.admit(MIB));
        }
        assert!(!credit.admit(1), "the window is used up");
        assert_eq!(credit.due(), 4 * 50_000);
        credit.paid(2 * 50_000);
        assert!(credit.admit(2 * MIB));
        assert!(!credit.admit(1));
        assert_eq!(credit.unpaid_bytes(), 4 * MIB);
    }

    #[test]
    fn old_or_lower_vouchers_change_nothing() {
        let mut credit = CreditWindow::new(PRICE, MIB);
        credit.paid(100_000);
        credit.paid(50_000);
        assert!(credit.admit(3 * MIB));
        assert!(!credit.admit(1));
    }

    proptest! {
        #[test]
        fn served_but_unpaid_bytes_never_exceed_the_window(
            window in 0u64..1 << 26,
            price in 1u64..10_000_000,
            steps in prop::collection::vec((0u64..1 << 22, 0u128..1 << 30), 1..64),
        ) {
            let mut credit = CreditWindow::new(PricePerMib(price), window);
            let mut paid = 0u128;
            for (bytes, payment) in steps {
                credit.admit(bytes);
                paid += payment;
                credit.paid(paid);
                prop_assert!(credit.unpaid_bytes() <= window);
            }
        }
    }
}
