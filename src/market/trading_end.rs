//! How a torrent's trading ends, in one order for every program that runs
//! one (`btt-get`, `btt-seed run`): a buyer says `close` to its sellers
//! while they are still connected, the torrent stops, and only then are
//! its totals read, since peer tasks may sign a last voucher in between; a
//! seller stops serving first, then closes every channel on the ledger with
//! the last vouchers it holds.

use super::buyer::Buyer;
use super::events::MarketTotals;
use super::seller::Seller;
use std::future::Future;

/// The market side of one torrent.
pub enum Trading<'a> {
    /// It sells its upload slots.
    Selling(&'a Seller),
    /// It buys upload slots.
    Buying(&'a Buyer),
}

impl Trading<'_> {
    /// Stops the torrent with `stop` (its session, or the whole client) and
    /// ends the trading around it; returns what `stop` returned and the
    /// run's totals.
    pub async fn end<T>(self, stop: impl Future<Output = T>) -> (T, MarketTotals) {
        match self {
            Trading::Buying(buyer) => {
                buyer.finish();
                let stopped = stop.await;
                (stopped, buyer.totals())
            }
            Trading::Selling(seller) => {
                let stopped = stop.await;
                (stopped, seller.finish().await)
            }
        }
    }
}

/// [`Trading::end`] of a torrent that may not trade; without a market, it
/// only stops.
pub async fn end_run<T>(
    trading: Option<Trading<'_>>,
    stop: impl Future<Output = T>,
) -> (T, Option<MarketTotals>) {
    match trading {
        Some(trading) => {
            let (stopped, totals) = trading.end(stop).await;
            (stopped, Some(totals))
        }
        None => (stop.await, None),
    }
}
