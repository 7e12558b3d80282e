//! What a swarm's market asks, seen without trading: a [`Quoter`] is a
//! [`SessionExtension`] that records the market handshake of every peer
//! that sells (`btt-bid quote`), and [`QuoteSummary`] sums the asks up:
//! those of the token most sellers are paid in (btt's ledgers' BTT, or wei
//! on a chain), since asks in different units do not compare.
//! It sends no market field of its own, so no seller takes it for a buyer.

use super::plan::Offer;
use super::price::{format_price, PricePerMib};
use super::wire::{MarketHandshake, BTT_MARKET, HANDSHAKE_KEY};
use crate::amount::Token;
use crate::peer::ExtendedHandshake;
use crate::swarm::{ExtensionPeer, PeerError, SessionExtension};
use crate::tron::Address;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One seller's ask (`quote`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// Its address.
    pub peer: SocketAddr,
    /// Its wallet.
    pub wallet: Address,
    /// The ledger it is paid on, in hex.
    pub ledger: String,
    /// The token its ask is base units of: `btt`, or `bttc` (wei) on a chain.
    pub token: Token,
    /// What it asks per MiB.
    pub ask: String,
    /// The same in base units per MiB.
    pub ask_base_units: u64,
    /// The most bytes per second it sends each paid slot; `None`: it did
    /// not say (its upload is not limited).
    pub slot_rate: Option<u64>,
}

impl Quote {
    /// The ask and the slot rate, as a plan takes them.
    pub fn offer(&self) -> Offer {
        Offer {
            ask: PricePerMib(self.ask_base_units),
            slot_rate: self.slot_rate,
        }
    }
}

/// The asks of a swarm, summed up (the `summary` of `btt-bid quote`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuoteSummary {
    /// The torrent quoted, as given: a path or a magnet link.
    pub torrent: String,
    /// Its size in bytes.
    pub total_length: u64,
    /// How many peers sell, in any token.
    pub sellers: usize,
    /// The token of the asks summed up: the one most sellers ask in.
    pub token: Token,
    /// The lowest ask per MiB.
    pub lowest_ask: String,
    /// The same in base units.
    pub lowest_ask_base_units: u64,
    /// The median ask per MiB (the lower middle one of an even count).
    pub median_ask: String,
    /// The same in base units.
    pub median_ask_base_units: u64,
}

impl QuoteSummary {
    /// The summary of `quotes` of `torrent` (`total_length` bytes); `None` when nobody sells.
    pub fn of(torrent: &str, total_length: u64, quotes: &[Quote]) -> Option<QuoteSummary> {
        let token = most_asked_in(quotes)?;
        let mut asks: Vec<u64> = quotes
            .iter()
            .filter(|quote| quote.token == token)
            .map(|quote| quote.ask_base_units)
            .collect();
        asks.sort_unstable();
        let lowest = *asks.first()?;
        let median = asks[(asks.len() - 1) / 2];
        Some(QuoteSummary {
            torrent: torrent.to_string(),
            total_length,
            sellers: quotes.len(),
            token,
            lowest_ask: format_price(PricePerMib(lowest), token),
            lowest_ask_base_units: lowest,
            median_ask: format_price(PricePerMib(median), token),
            median_ask_base_units: median,
        })
    }
}

/// The token most of `quotes` ask in (btt's ledgers' on a tie); `None` without quotes.
fn most_asked_in(quotes: &[Quote]) -> Option<Token> {
    let count = |token: Token| quotes.iter().filter(|quote| quote.token == token).count();
    let chain = count(Token::Bttc);
    match (count(Token::Btt), chain) {
        (0, 0) => None,
        (btt, chain) if chain > btt => Some(Token::Bttc),
        _ => Some(Token::Btt),
    }
}

/// Records the ask of every seller a session meets.
#[derive(Clone, Default)]
pub struct Quoter(Arc<Mutex<BTreeMap<SocketAddr, Quote>>>);

impl Quoter {
    /// The asks seen so far, by address.
    pub fn quotes(&self) -> Vec<Quote> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<SocketAddr, Quote>> {
        crate::sync::lock(&self.0)
    }
}

impl SessionExtension for Quoter {
    type Peer = ();

    fn name(&self) -> &'static str {
        BTT_MARKET
    }

    fn new_peer(&self, _peer: &ExtensionPeer<'_>, _now: Instant) {}

    fn on_handshake(
        &self,
        peer: &mut ExtensionPeer<'_>,
        _: &mut (),
        handshake: &ExtendedHandshake,
    ) {
        let Some(value) = handshake.extra.get(HANDSHAKE_KEY) else {
            return;
        };
        let Ok(theirs) = MarketHandshake::from_bencode(value) else {
            return;
        };
        let Some(ask) = theirs.ask else { return };
        let quote = Quote {
            peer: peer.addr(),
            wallet: theirs.wallet,
            ledger: hex::encode(theirs.ledger.0),
            token: theirs.token(),
            ask: format_price(ask, theirs.token()),
            ask_base_units: ask.0,
            slot_rate: theirs.slot_rate,
        };
        self.lock().insert(quote.peer, quote);
    }

    fn on_message(&self, _: &mut ExtensionPeer<'_>, _: &mut (), _: &[u8]) -> Result<(), PeerError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(port: u16, ask: u64, token: Token) -> Quote {
        Quote {
            peer: SocketAddr::from(([127, 0, 0, 1], port)),
            wallet: "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY".parse().unwrap(),
            ledger: String::new(),
            token,
            ask: format_price(PricePerMib(ask), token),
            ask_base_units: ask,
            slot_rate: None,
        }
    }

    #[test]
    fn the_summary_has_the_lowest_and_the_median_ask() {
        assert_eq!(QuoteSummary::of("x", 1, &[]), None);
        let quotes = [
            quote(1, 30_000, Token::Btt),
            quote(2, 10_000, Token::Btt),
            quote(3, 20_000, Token::Btt),
            quote(4, 50_000, Token::Btt),
        ];
        let summary = QuoteSummary::of("x", 1, &quotes).unwrap();
        assert_eq!(summary.sellers, 4);
        assert_eq!(summary.lowest_ask_base_units, 10_000);
        assert_eq!(summary.median_ask_base_units, 20_000);
        assert_eq!(summary.lowest_ask, "0.01BTT/MiB");
    }

    /// Asks in wei and in btt's ledgers' BTT do not compare: the summary
    /// is of the token most sellers ask in, and says which.
    #[test]
    fn the_summary_is_of_the_token_most_sellers_ask_in() {
        let wei_per_micro = 1_000_000_000_000;
        let quotes = [
            quote(1, 10_000, Token::Btt),
            quote(2, 20_000 * wei_per_micro, Token::Bttc),
            quote(3, 30_000 * wei_per_micro, Token::Bttc),
        ];
        let summary = QuoteSummary::of("x", 1, &quotes).unwrap();
        assert_eq!((summary.sellers, summary.token), (3, Token::Bttc));
        assert_eq!(summary.lowest_ask, "0.02BTT/MiB");
        assert_eq!(summary.median_ask, "0.02BTT/MiB");
        let tie = QuoteSummary::of("x", 1, &quotes[..2]).unwrap();
        assert_eq!(
            (tie.token, tie.lowest_ask.as_str()),
            (Token::Btt, "0.01BTT/MiB")
        );
    }
}
