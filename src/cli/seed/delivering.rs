//! `btt-seed run --sell LISTING`: while seeding, deliver the content key of
//! each listed sale to every buyer who paid for it, one delivery round
//! ([`crate::purchase::delivery`]) every `--deliver-every`.
//!
//! Each listing is checked when the run starts: the seller signed it, it is
//! for this ledger, it is sold by `--wallet`, and its content key is in this
//! data directory's key store; any of these wrong is a one-line error before
//! seeding starts. A round that fails (the ledger unreachable) is a warning
//! and the next round tries again; a purchase left open is said once.
//! Every round is safe to repeat, so a kill at any point delivers nothing
//! twice: the ledger delivers and pays in one operation.

use super::deliver::print_round;
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::keys::{wallet_name, Keys, PasswordArgs};
use crate::cli::ledger_choice::{ledger_error, LedgerArgs};
use crate::cli::tip::when::now_ms;
use crate::config::Dirs;
use crate::output::Output;
use crate::payment::PaymentLedger;
use crate::purchase::delivery::{ListingFilter, Seller};
use crate::purchase::{KeyStore, SignedListing};
use crate::tron::Address;
use k256::ecdsa::SigningKey;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// What `--sell` needs from the command line.
pub struct SellFlags<'a> {
    /// The listings to deliver.
    pub listings: &'a [PathBuf],
    /// The seller's wallet name.
    pub wallet: &'a str,
    /// Its ledger.
    pub ledger: &'a LedgerArgs,
    /// What opens its keystore.
    pub password: &'a PasswordArgs,
    /// Time between rounds.
    pub every: Duration,
}

/// The delivery rounds of a run; they stop when this is dropped.
pub struct Delivering {
    task: JoinHandle<()>,
}

impl Drop for Delivering {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Delivering {
    /// Checks the listings and starts the rounds.
    pub async fn start(flags: SellFlags<'_>, output: &Output) -> anyhow::Result<Delivering> {
        let wallet = Keys::from_env(flags.password.clone()).unlock(&wallet_name(flags.wallet)?)?;
        let ledger = flags.ledger.payment_ledger_for(&wallet)?;
        let key = wallet.signing_key().clone();
        let domain = ledger.listing_domain().await.map_err(ledger_error)?;
        let seller = Address::from_public_key(key.verifying_key());
        let keys = KeyStore::new(&Dirs::from_env());
        let mut listings = HashMap::new();
        for path in flags.listings {
            let listing = read_listing(path)?;
            let bad = |why: String| {
                with_status(
                    ExitStatus::BadInput,
                    anyhow::anyhow!("--sell {}: {why}", path.display()),
                )
            };
            if listing.listing.domain != domain {
                return Err(bad(format!(
                    "the listing is for {}, but this seller sells on {domain}",
                    listing.listing.domain
                )));
            }
            if listing.listing.seller != seller {
                return Err(bad(format!(
                    "the listing is sold by {}, not by wallet {} ({seller})",
                    listing.listing.seller, flags.wallet
                )));
            }
            keys.load(&listing.digest())
                .map_err(|error| bad(error.to_string()))?;
            listings.insert(listing.digest(), listing);
        }
        let rounds = Rounds {
            key,
            keys,
            listings: ListingFilter::Only(listings),
            ledger,
            every: flags.every,
            output: output.clone(),
        };
        Ok(Delivering {
            task: tokio::spawn(rounds.run()),
        })
    }
}

fn read_listing(path: &PathBuf) -> anyhow::Result<SignedListing> {
    let bytes = std::fs::read(path).map_err(|error| {
        with_status(
            ExitStatus::Usage,
            anyhow::anyhow!("--sell {}: {error}", path.display()),
        )
    })?;
    SignedListing::parse(&bytes).map_err(|error| {
        with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("--sell {}: {error}", path.display()),
        )
    })
}

/// The loop of delivery rounds.
struct Rounds {
    key: SigningKey,
    keys: KeyStore,
    listings: ListingFilter,
    ledger: Arc<dyn PaymentLedger>,
    every: Duration,
    output: Output,
}

impl Rounds {
    async fn run(self) {
        let seller = Seller {
            key: &self.key,
            keys: &self.keys,
            listings: &self.listings,
        };
        let mut said = HashSet::new();
        let mut ticks = tokio::time::interval(self.every);
        loop {
            ticks.tick().await;
            match seller.deliver_round(&*self.ledger, now_ms()).await {
                Ok(mut round) => {
                    round
                        .skipped
                        .retain(|skipped| said.insert(skipped.purchase));
                    if let Err(error) = print_round(&round, &self.output) {
                        self.output
                            .warn(format!("could not print a delivery: {error}"));
                    }
                }
                Err(error) => self
                    .output
                    .warn(format!("delivery round failed, retrying: {error}")),
            }
        }
    }
}
