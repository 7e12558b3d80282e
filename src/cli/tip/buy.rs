//! `btt-tip buy LISTING`: buy a creator's content in one command. The
//! purchase itself (the order log, the escrow, resuming or refunding, the
//! wait for delivery, the key check, decryption) is the library's
//! [`Checkout`]; this file reads the flags, unlocks the wallet, downloads
//! the listing's encrypted file for it ([`listing_download`], from anyone
//! who seeds it), and prints what it reports.
//!
//! The stream on stdout is the purchase's: `purchase` records (and a
//! `purchase_proof`), with the download's own records nested in `download`
//! records (`{"type":"download","record":{...}}`).

use super::listing_download;
use super::purchase_records::{PurchaseProof, PurchaseRecord};
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::get;
use crate::cli::keys::Keys;
use crate::cli::ledger_choice::{ledger_status, LedgerArgs};
use crate::cli::torrent_run::{self, PeerArgs};
use crate::cli::values::{parse_duration, parse_size};
use crate::config::Dirs;
use crate::output::{Output, Progress};
use crate::purchase::checkout::{
    Checkout, CheckoutError, CheckoutEvent, CheckoutHost, DecryptProgress,
};
use crate::purchase::order_log::{Entry, OrderLog};
use crate::purchase::{Listing, SignedListing};
use crate::tron::Address;
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `btt-tip buy`.
#[derive(Debug, Args)]
pub struct BuyListingArgs {
    /// The listing to buy (written by btt-seed sell)
    pub listing: PathBuf,
    /// Wallet that pays
    #[arg(long, value_name = "WALLET")]
    pub from: String,
    /// Directory for the encrypted download and the plain files
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// The listing's .torrent file, instead of fetching its metadata from peers by the magnet
    #[arg(long, value_name = "FILE")]
    pub torrent: Option<PathBuf>,
    /// How long the seller has to deliver the key; after it the price is refunded
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "1h")]
    pub deadline: Duration,
    /// Only say where this listing's purchase stands (refunding it when the deadline passed undelivered)
    #[arg(long)]
    pub status: bool,
    /// The purchase journal (default: DATA/purchases.sqlite)
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub network: PeerArgs,
    /// Upload limit per second while downloading, e.g. 2MiB
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub up_limit: Option<u64>,
    /// Download limit per second, e.g. 10MiB
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub down_limit: Option<u64>,
    /// Give up the download (exit 4; nothing is paid before it completes, and a purchase paid by
    /// an earlier run stands: rerun to continue) when no data arrives for this long; 0 waits forever
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = get::STALL_TIMEOUT)]
    pub stall_timeout: Duration,
    /// Give up (exit 4, nothing paid) when the metadata of the listing's magnet does not arrive
    /// within this long
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5m")]
    pub metadata_timeout: Duration,
}

/// Runs `btt-tip buy`.
pub fn run(
    keys: &Keys,
    ledger: &LedgerArgs,
    args: BuyListingArgs,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let listing = read_listing(&args.listing)?;
    let wallet = keys.unlock_named(&args.from)?;
    let buyer = wallet.signing_key().clone();
    let log_path = args
        .journal
        .clone()
        .unwrap_or_else(|| OrderLog::default_path(&Dirs::from_env().data));
    let log = OrderLog::open(&log_path).map_err(failure)?;
    let buyer_address = Address::from_public_key(buyer.verifying_key());
    let _lock = crate::durable_sqlite::lock(&log.lock_path(&buyer_address)).map_err(failure)?;
    let checkout = Checkout {
        ledger: ledger.payment_ledger_for(&wallet)?,
        log,
        buyer,
        listing,
        deadline: args.deadline,
        output: args.output.clone(),
    };
    let host = BuyHost {
        args: &args,
        listing: &checkout.listing.listing,
        output,
    };
    crate::cli::runtime()?
        .block_on(host.buy(&checkout))
        .map_err(with_checkout_status)
}

/// What `btt-tip buy` gives its [`Checkout`]: the download and the printing.
struct BuyHost<'a> {
    args: &'a BuyListingArgs,
    listing: &'a Listing,
    output: &'a Output,
}

impl BuyHost<'_> {
    /// Buys the listing, or with `--status` says where its purchase stands.
    async fn buy(&self, checkout: &Checkout) -> anyhow::Result<ExitStatus> {
        let ledger_id = checkout.check_listing().await?;
        self.check_torrent_flag()?;
        if !self.args.status {
            checkout.run(&ledger_id, self).await?;
            return Ok(ExitStatus::Success);
        }
        let Some((entry, state)) = checkout.status(&ledger_id).await? else {
            return Err(bad_input(anyhow::anyhow!(
                "{} has not bought this listing on this ledger",
                self.args.from
            )));
        };
        self.output
            .record(&PurchaseRecord::of(&state, Some(&entry)))?;
        Ok(ExitStatus::Success)
    }

    /// Fails unless `--torrent` is the listing's torrent.
    fn check_torrent_flag(&self) -> anyhow::Result<()> {
        let Some(path) = &self.args.torrent else {
            return Ok(());
        };
        let listed = self.listing.info_hash;
        let torrent = torrent_run::load_torrent(&path.display().to_string())?;
        if torrent.info_hash != listed {
            return Err(bad_input(anyhow::anyhow!(
                "{} is torrent {}, but the listing sells {listed}",
                path.display(),
                torrent.info_hash
            )));
        }
        Ok(())
    }
}

impl CheckoutHost for BuyHost<'_> {
    type Error = anyhow::Error;
    type Progress = Progress;

    /// Downloads the listing's encrypted file into `-o`; returns its path.
    /// For a purchase an earlier run paid (`paid`), what is on disk is
    /// re-hashed, since that run may have left it damaged; without one,
    /// nothing is paid yet, and a failure says so.
    async fn fetch_encrypted(&self, paid: Option<&Entry>) -> anyhow::Result<PathBuf> {
        let source = match &self.args.torrent {
            Some(path) => path.display().to_string(),
            None => self.listing.magnet.clone(),
        };
        let not_fetched = || match paid {
            Some(entry) => format!(
                "the encrypted file did not download; purchase {} stands: rerun to continue",
                hex::encode(entry.purchase.0)
            ),
            None => "the listing's file could not be fetched, so nothing was paid".to_string(),
        };
        let nested = self.output.clone().nested("download");
        let fetched = listing_download::download(self.args, &source, paid.is_some(), &nested)
            .await
            .with_context(not_fetched)?;
        if fetched.status != ExitStatus::Success {
            let why = fetched.status.meaning();
            let error = anyhow::anyhow!("{}: {why}", not_fetched());
            return Err(with_status(fetched.status, error));
        }
        if fetched.torrent.info.files.len() != 1 {
            let error = anyhow::anyhow!("the listing's torrent is not one encrypted file");
            return Err(with_status(ExitStatus::BadInput, error));
        }
        Ok(self.args.output.join(&fetched.torrent.info.name))
    }

    fn report(&self, event: CheckoutEvent<'_>) -> anyhow::Result<()> {
        match event {
            CheckoutEvent::Purchase { state, entry } => {
                self.output.record(&PurchaseRecord::of(state, entry))?;
            }
            CheckoutEvent::Decrypted {
                state,
                entry,
                decrypted,
            } => {
                let receipt = PurchaseRecord::of(state, Some(entry)).decrypted(decrypted);
                self.output.record(&receipt)?;
            }
            CheckoutEvent::WrongDelivery {
                state,
                listing,
                problem,
            } => self.output.record(&PurchaseProof {
                purchase: hex::encode(state.id.0),
                problem: problem.to_string(),
                listing: serde_json::from_str(&listing.to_json()).expect("a listing is JSON"),
                escrow: state.clone(),
            })?,
            CheckoutEvent::Notice(line) => self.output.info(line),
            CheckoutEvent::Warning(line) => self.output.warn(line),
        }
        Ok(())
    }

    fn decrypting(&self, total: u64) -> Progress {
        self.output.progress(total, "decrypting")
    }
}

impl DecryptProgress for Progress {
    fn set_position(&self, done: u64) {
        Progress::set_position(self, done);
    }

    fn finish(&self) {
        Progress::finish(self);
    }
}

/// `error` with the exit status of the checkout error in it, if it is one.
fn with_checkout_status(error: anyhow::Error) -> anyhow::Error {
    let status = match error.downcast_ref::<CheckoutError>() {
        None => return error,
        Some(CheckoutError::Ledger(ledger)) => ledger_status(ledger),
        Some(
            CheckoutError::Listing(_)
            | CheckoutError::UnreadableMagnet(_)
            | CheckoutError::MagnetOfAnotherTorrent { .. },
        ) => ExitStatus::BadInput,
        Some(CheckoutError::NotDelivered { .. }) => ExitStatus::Unreachable,
        Some(
            CheckoutError::OrderLog(_)
            | CheckoutError::NeverSent { .. }
            | CheckoutError::WrongDelivery { .. }
            | CheckoutError::Content(_),
        ) => ExitStatus::Failure,
    };
    with_status(status, error)
}

/// Reads and checks the seller's signature on the listing at `path`.
fn read_listing(path: &Path) -> anyhow::Result<SignedListing> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("could not read the listing {}", path.display()))
        .map_err(|error| with_status(ExitStatus::Usage, error))?;
    SignedListing::parse(&bytes)
        .map_err(|error| bad_input(anyhow::anyhow!("{}: {error}", path.display())))
}

fn bad_input(error: impl Into<anyhow::Error>) -> anyhow::Error {
    with_status(ExitStatus::BadInput, error.into())
}

fn failure(error: impl Into<anyhow::Error>) -> anyhow::Error {
    with_status(ExitStatus::Failure, error.into())
}
