//! Following the ledger for the transfers an address receives, so a stream
//! overlay can show tips live.
//!
//! Invariants: every incoming movement applied at or after the start time
//! is returned exactly once, in the ledger's sequence order. The follower
//! first reads the ledger's head, then the history since the start time up
//! to that head, and from then on only what comes after the last sequence
//! it has seen; so a movement applied while it starts is neither missed nor
//! returned twice.

use crate::ledger::{Ledger, LedgerError, TransferRecord};
use crate::tron::Address;

/// How many movements one ledger call asks for.
pub const PAGE: usize = 500;

/// Incoming movements found by one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Movements to the address, oldest first.
    pub incoming: Vec<TransferRecord>,
    /// The page was full: poll again at once, more are waiting.
    pub more: bool,
}

/// Follows the movements to one address.
pub struct Follower<'a, L> {
    ledger: &'a L,
    address: Address,
    since_ms: i64,
    after: Option<u64>,
}

impl<'a, L: Ledger> Follower<'a, L> {
    /// Follows `address` from movements applied at or after `since_ms`.
    pub fn new(ledger: &'a L, address: Address, since_ms: i64) -> Follower<'a, L> {
        Follower {
            ledger,
            address,
            since_ms,
            after: None,
        }
    }

    /// The movements to the address that are new since the last poll.
    pub async fn poll(&mut self) -> Result<Batch, LedgerError> {
        let (page, full) = match self.after {
            None => self.first_page().await?,
            Some(after) => {
                let page = self.ledger.history_after(self.address, after, PAGE).await?;
                let full = page.len() >= PAGE;
                (page, full)
            }
        };
        if let Some(last) = page.last() {
            self.after = Some(
                self.after
                    .map_or(last.sequence, |after| after.max(last.sequence)),
            );
        }
        let incoming = page
            .into_iter()
            .filter(|record| record.to == self.address)
            .collect();
        Ok(Batch {
            incoming,
            more: full,
        })
    }

    /// The history since the start time, up to the head read first.
    async fn first_page(&mut self) -> Result<(Vec<TransferRecord>, bool), LedgerError> {
        let head = self.ledger.head().await?;
        let mut page = self
            .ledger
            .history(self.address, self.since_ms, PAGE)
            .await?;
        let full = page.len() >= PAGE;
        page.retain(|record| record.sequence <= head);
        let reached = page.last().map_or(0, |last| last.sequence);
        self.after = Some(if full { reached } else { head });
        Ok((page, full))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::{Amount, Token};
    use crate::ledger::{LocalLedger, OpenOptions};

    const ALICE: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
    const BOB: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

    fn btt(base_units: u128) -> Amount {
        Amount {
            token: Token::Btt,
            base_units,
        }
    }

    #[tokio::test]
    async fn every_incoming_movement_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let options = OpenOptions {
            dev: true,
            ..OpenOptions::default()
        };
        let ledger = LocalLedger::open(&dir.path().join("ledger.sqlite"), options).unwrap();
        let alice: Address = ALICE.parse().unwrap();
        let bob: Address = BOB.parse().unwrap();
        ledger.mint(bob, btt(1)).await.unwrap();
        ledger.mint(alice, btt(2)).await.unwrap();
        let mut follower = Follower::new(&ledger, alice, 0);
        let first = follower.poll().await.unwrap();
        assert_eq!(first.incoming.len(), 1);
        assert!(!first.more);
        assert!(follower.poll().await.unwrap().incoming.is_empty());
        for units in 3..=5 {
            ledger.mint(alice, btt(units)).await.unwrap();
            ledger.mint(bob, btt(units)).await.unwrap();
        }
        let next = follower.poll().await.unwrap();
        let amounts: Vec<u128> = next.incoming.iter().map(|r| r.amount.base_units).collect();
        assert_eq!(amounts, [3, 4, 5]);
        assert!(follower.poll().await.unwrap().incoming.is_empty());

        let mut late = Follower::new(&ledger, alice, i64::MAX);
        assert!(late.poll().await.unwrap().incoming.is_empty());
        ledger.mint(alice, btt(6)).await.unwrap();
        let amounts: Vec<u128> = late
            .poll()
            .await
            .unwrap()
            .incoming
            .iter()
            .map(|r| r.amount.base_units)
            .collect();
        assert_eq!(amounts, [6]);
    }
}
