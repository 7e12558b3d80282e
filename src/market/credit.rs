//! The seeder's credit window for one paying peer: it serves a winner at
//! most `window` bytes beyond what the vouchers it accepted cover, so its
//! loss to a payer that stops paying is bounded by the window.
//!
//! The account is kept exactly, in base units × MiB (`bytes × price`
//! summed over every admitted request at the price of the moment), so a
//! price that changes between rechokes neither loses nor invents a
//! fraction of a base unit. Invariant: after every admitted request, what
//! was served beyond what was paid is at most `window` bytes at the current
//! price ([`CreditWindow::unpaid_bytes`] ≤ `window`), so what is due never
//! passes the window's cost at the highest price charged. A request that
//! would break it is refused, and [`CreditWindow::due`] is what a `need_payment` asks
//! for. Bytes served while no price is set (a free slot) are not counted.

use super::price::{PricePerMib, MIB};

/// The credit window, in bytes, unless configured (`--credit`). A payer's
/// throughput is bounded by the window over the time a voucher takes to
/// come back (the piece verifies, the payer signs, the seller checks and
/// journals it): bench/market measured a paying download 6-8% slower than
/// a free one with 4 MiB at 400 MiB/s on loopback, and 3% with 16 MiB.
/// What a seller risks on a payer that stops paying is one window.
pub const DEFAULT_CREDIT: u64 = 16 << 20;

/// What one paying peer has been served and has paid, over its connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditWindow {
    window: u64,
    price: Option<PricePerMib>,
    /// Σ bytes × price of every counted request.
    served_value: u128,
    /// The highest cumulative voucher accepted, in base units.
    paid: u128,
}

impl CreditWindow {
    /// A peer served nothing yet, with no price (free) until one is set.
    pub fn new(window: u64) -> CreditWindow {
        CreditWindow {
            window,
            price: None,
            served_value: 0,
            paid: 0,
        }
    }

    /// The price of what is served from now on; `None` serves for free.
    pub fn set_price(&mut self, price: Option<PricePerMib>) {
        self.price = price.filter(|price| price.0 > 0);
    }

    /// The price now charged, if any.
    pub fn price(&self) -> Option<PricePerMib> {
        self.price
    }

    /// Admits `bytes` more if that stays within the window, and counts them
    /// at the current price; always admits while free.
    pub fn admit(&mut self, bytes: u64) -> bool {
        let Some(price) = self.price else {
            return true;
        };
        let price = u128::from(price.0);
        let allowed = self.paid * MIB + u128::from(self.window) * price;
        let served = self.served_value + u128::from(bytes) * price;
        if served > allowed {
            return false;
        }
        self.served_value = served;
        true
    }

    /// Records an accepted voucher: everything paid so far (a cumulative
    /// amount; a lower one than before changes nothing).
    pub fn paid(&mut self, cumulative: u128) {
        self.paid = self.paid.max(cumulative);
    }

    /// The base units due for what was served beyond what is paid, rounded
    /// down as the payer's own count is.
    pub fn due(&self) -> u128 {
        (self.served_value / MIB).saturating_sub(self.paid)
    }

    /// Bytes served and not covered by payment, at the current price (0
    /// while free).
    pub fn unpaid_bytes(&self) -> u64 {
        let Some(price) = self.price else {
            return 0;
        };
        let unpaid = self.served_value.saturating_sub(self.paid * MIB);
        u64::try_from(unpaid / u128::from(price.0)).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::price::cost_of;
    use proptest::prelude::*;

    const PRICE: PricePerMib = PricePerMib(50_000);
    const MIB: u64 = 1 << 20;

    fn priced(window: u64) -> CreditWindow {
        let mut credit = CreditWindow::new(window);
        credit.set_price(Some(PRICE));
        credit
    }

    #[test]
    fn a_payer_is_served_one_window_ahead_and_no_further() {
        let mut credit = priced(4 * MIB);
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
        let mut credit = priced(MIB);
        credit.paid(100_000);
        credit.paid(50_000);
        assert!(credit.admit(3 * MIB));
        assert!(!credit.admit(1));
    }

    #[test]
    fn a_free_slot_is_served_without_counting() {
        let mut credit = CreditWindow::new(MIB);
        assert!(credit.admit(100 * MIB));
        assert_eq!((credit.due(), credit.unpaid_bytes()), (0, 0));
        credit.set_price(Some(PricePerMib(0)));
        assert_eq!(credit.price(), None, "a zero price is free");
        assert!(credit.admit(100 * MIB));
    }

    #[test]
    fn a_price_change_keeps_what_was_owed_at_the_old_price() {
        let mut credit = priced(4 * MIB);
        assert!(credit.admit(2 * MIB));
        credit.set_price(Some(PricePerMib(100_000)));
        assert!(credit.admit(MIB));
        assert_eq!(credit.due(), 2 * 50_000 + 100_000);
        // 200,000 owed = 2 MiB at the new price; 2 MiB of window are left.
        assert!(credit.admit(2 * MIB));
        assert!(!credit.admit(1));
    }

    proptest! {
        #[test]
        fn the_loss_is_never_more_than_the_window_at_the_highest_price(
            window in 0u64..1 << 26,
            steps in prop::collection::vec(
                (0u64..1 << 22, 0u128..1 << 30, prop::option::of(1u64..10_000_000)),
                1..64,
            ),
        ) {
            let mut credit = CreditWindow::new(window);
            let mut paid = 0u128;
            let mut highest = PricePerMib(0);
            for (bytes, payment, price) in steps {
                credit.set_price(price.map(PricePerMib));
                highest = highest.max(price.map_or(highest, PricePerMib));
                if credit.admit(bytes) {
                    prop_assert!(credit.unpaid_bytes() <= window);
                }
                prop_assert!(credit.due() <= cost_of(window, highest));
                paid += payment;
                credit.paid(paid);
                prop_assert!(credit.due() <= cost_of(window, highest));
            }
        }
    }
}
