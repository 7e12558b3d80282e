//! `btt-tip buy LISTING`: buy a creator's content in one command. The
//! listing is checked (the seller's signature, this ledger, its expiry and
//! magnet); the encrypted file is downloaded as `btt-get` would (from anyone
//! who seeds it) before anything is paid, so a listing nobody serves costs
//! nothing; then the order is journaled durably and the price locked in the
//! ledger's purchase escrow; the seller's sealed key is awaited until the
//! delivery deadline, unsealed and checked against the listing's
//! commitment; only then are the plain files decrypted beside the download,
//! which stays in place to be seeded.
//!
//! A rerun continues the listing's journaled order, so a `buy` killed at
//! any point never charges twice: the ledger answers an order it holds with
//! the existing purchase; a rerun with another `-o` fetches and decrypts the
//! paid content there too. A seller that does not deliver by the deadline is
//! refunded to the buyer (here, or by `--status` later). A key that is not
//! the listing's is reported with the proof, exit 1, and nothing is decrypted.
//!
//! The stream on stdout is the purchase's: `purchase` records (and a
//! `purchase_proof`), with the download's own records nested in `download`
//! records (`{"type":"download","record":{...}}`).

use super::purchase_records::{PurchaseProof, PurchaseRecord};
use crate::amount::format_units;
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::get::{self, GetArgs};
use crate::cli::keys::Keys;
use crate::cli::ledger_choice::{ledger_error, LedgerArgs};
use crate::cli::market_run::BuyArgs as SlotBuyArgs;
use crate::cli::torrent_run::{self, PeerArgs};
use crate::cli::values::{parse_duration, parse_size};
use crate::cli::GlobalArgs;
use crate::config::Dirs;
use crate::ledger::{LedgerId, PurchaseState, PurchaseStatus, Signed};
use crate::magnet::Magnet;
use crate::output::Output;
use crate::payment::PaymentLedger;
use crate::purchase::buyer::{open_delivery, order};
use crate::purchase::journal::{Entry, Journal};
use crate::purchase::{decrypt_with_progress, ContentKey, SignedListing};
use crate::tip::journal::lock_file;
use crate::tron::Address;
use anyhow::Context;
use clap::Args;
use k256::ecdsa::SigningKey;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::when::now_ms;

/// How often the ledger is asked whether the seller delivered.
const DELIVERY_POLL: Duration = Duration::from_millis(500);

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
    global: &GlobalArgs,
    args: BuyListingArgs,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let listing = read_listing(&args.listing)?;
    let buyer = keys.unlock_named(&args.from)?.signing_key().clone();
    let payment_ledger = ledger.payment_ledger()?;
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| Journal::default_path(&Dirs::from_env().data));
    let journal = Journal::open(&journal_path).map_err(failure)?;
    let _lock = lock_file(&journal.lock_path(&Address::from_public_key(buyer.verifying_key())))
        .map_err(failure)?;
    let purchase = Purchase {
        ledger: payment_ledger,
        journal,
        buyer,
        listing,
        args,
        output,
    };
    crate::cli::runtime()?.block_on(purchase.run(ledger, global))
}

/// One `buy` run's inputs.
struct Purchase<'a> {
    ledger: Arc<dyn PaymentLedger>,
    journal: Journal,
    buyer: SigningKey,
    listing: SignedListing,
    args: BuyListingArgs,
    output: &'a Output,
}

impl Purchase<'_> {
    async fn run(
        self,
        ledger_args: &LedgerArgs,
        global: &GlobalArgs,
    ) -> anyhow::Result<ExitStatus> {
        let ledger_id = self.ledger.ledger_id().await.map_err(ledger_error)?;
        self.listing
            .check_offer(&ledger_id, now_ms() / 1000)
            .or_else(|error| match error {
                // Expiry ends new orders only (checked in `new_order`): a
                // journaled purchase is continued or shown after it.
                crate::purchase::ListingError::Expired { .. } => Ok(()),
                other => Err(other),
            })
            .map_err(bad_input)?;
        self.check_magnet()?;
        if self.args.status {
            return self.status(&ledger_id).await;
        }
        let (placed, encrypted) = match self.journaled_order(&ledger_id).await? {
            Some(placed) => {
                self.output
                    .record(&PurchaseRecord::of(&placed.state, Some(&placed.entry)))?;
                if let Some(done) = self.already_decrypted(&placed.entry, &placed.state) {
                    self.output.record(&done)?;
                    return Ok(ExitStatus::Success);
                }
                let encrypted = self
                    .download(ledger_args, global, Some(&placed.entry))
                    .await?;
                (placed, encrypted)
            }
            None => {
                self.check_offer_now(&ledger_id)?;
                let encrypted = self.download(ledger_args, global, None).await?;
                let placed = self.place_new_order(&ledger_id).await?;
                self.output
                    .record(&PurchaseRecord::of(&placed.state, Some(&placed.entry)))?;
                (placed, encrypted)
            }
        };
        let state = self.await_delivery(&placed.state).await?;
        let key = self.content_key(&state)?;
        self.decrypt(&encrypted, &key, &placed.entry, &state)
    }

    /// Fails unless the listing's magnet (and `--torrent`) name its info-hash.
    fn check_magnet(&self) -> anyhow::Result<()> {
        let listed = self.listing.listing.info_hash;
        let magnet: Magnet = self
            .listing
            .listing
            .magnet
            .parse()
            .map_err(|error| bad_input(anyhow::anyhow!("the listing's magnet: {error}")))?;
        if magnet.info_hashes.v1() != Some(listed) {
            return Err(bad_input(anyhow::anyhow!(
                "the listing's magnet is not of its info-hash {listed}"
            )));
        }
        if let Some(path) = &self.args.torrent {
            let torrent = torrent_run::load_torrent(&path.display().to_string())?;
            if torrent.info_hash != listed {
                return Err(bad_input(anyhow::anyhow!(
                    "{} is torrent {}, but the listing sells {listed}",
                    path.display(),
                    torrent.info_hash
                )));
            }
        }
        Ok(())
    }

    /// `--status`: the newest purchase of the listing, refunded when its
    /// deadline passed undelivered.
    async fn status(&self, ledger_id: &LedgerId) -> anyhow::Result<ExitStatus> {
        let entry = self.latest(ledger_id)?.ok_or_else(|| {
            bad_input(anyhow::anyhow!(
                "{} has not bought this listing on this ledger",
                self.args.from
            ))
        })?;
        let state = match self
            .ledger
            .purchase(entry.purchase)
            .await
            .map_err(ledger_error)?
        {
            Some(state) => state,
            None => {
                let error = anyhow::anyhow!(
                    "purchase {} was journaled but never reached the ledger; rerun btt-tip buy to send it",
                    hex::encode(entry.purchase.0)
                );
                return Err(with_status(ExitStatus::Failure, error));
            }
        };
        let state = self.refund_if_due(state).await?;
        self.output
            .record(&PurchaseRecord::of(&state, Some(&entry)))?;
        Ok(ExitStatus::Success)
    }

    fn latest(&self, ledger_id: &LedgerId) -> anyhow::Result<Option<Entry>> {
        let buyer = Address::from_public_key(self.buyer.verifying_key());
        self.journal
            .latest(ledger_id, &buyer, &self.listing.digest())
            .map_err(failure)
    }

    /// The listing's journaled order and the purchase the ledger holds for
    /// it (sent now when an earlier run journaled it and was stopped before
    /// the ledger had it); `None` when there is none, or it was refunded.
    async fn journaled_order(&self, ledger_id: &LedgerId) -> anyhow::Result<Option<Placed>> {
        let Some(entry) = self.latest(ledger_id)? else {
            return Ok(None);
        };
        match self
            .ledger
            .purchase(entry.purchase)
            .await
            .map_err(ledger_error)?
        {
            Some(state) if state.status != PurchaseStatus::Refunded => {
                Ok(Some(Placed { entry, state }))
            }
            Some(_) => {
                self.output.warn(format!(
                    "purchase {} was refunded; buying again",
                    hex::encode(entry.purchase.0)
                ));
                Ok(None)
            }
            None => self.send_order(ledger_id, entry).await.map(Some),
        }
    }

    /// A new order, journaled, then sent to the ledger's escrow.
    async fn place_new_order(&self, ledger_id: &LedgerId) -> anyhow::Result<Placed> {
        let entry = self.new_order(ledger_id)?;
        self.send_order(ledger_id, entry).await
    }

    /// Sends the journaled `entry` to the ledger: the price moves into its
    /// escrow (once: the ledger answers an order it holds with its purchase).
    async fn send_order(&self, ledger_id: &LedgerId, entry: Entry) -> anyhow::Result<Placed> {
        let signed = Signed::sign(entry.order.clone(), &self.buyer, ledger_id);
        let state = self
            .ledger
            .open_purchase(signed)
            .await
            .map_err(ledger_error)?;
        Ok(Placed { entry, state })
    }

    /// Fails unless the listing takes new orders on this ledger now (it
    /// may have expired while its file downloaded).
    fn check_offer_now(&self, ledger_id: &LedgerId) -> anyhow::Result<()> {
        self.listing
            .check_offer(ledger_id, now_ms() / 1000)
            .map_err(bad_input)
    }

    /// A new order, written to the journal.
    fn new_order(&self, ledger_id: &LedgerId) -> anyhow::Result<Entry> {
        self.check_offer_now(ledger_id)?;
        let deadline_ms = now_ms().saturating_add(duration_ms(self.args.deadline));
        let order = order(&self.listing, &self.buyer, deadline_ms, rand::random());
        let entry = Entry {
            purchase: order.id(ledger_id),
            order,
            listing_json: self.listing.to_json(),
            created_ms: now_ms(),
            decrypted: None,
        };
        self.journal.record(ledger_id, &entry).map_err(failure)?;
        Ok(entry)
    }

    /// The receipt of a purchase whose files an earlier run decrypted into
    /// this `-o` and are still there. Decrypted elsewhere, the purchase is
    /// downloaded and decrypted into this `-o` too (paid once).
    fn already_decrypted(&self, entry: &Entry, state: &PurchaseState) -> Option<PurchaseRecord> {
        let path = entry.decrypted.as_ref()?;
        if state.status != PurchaseStatus::Delivered || !path.exists() {
            return None;
        }
        if !same_directory(path.parent()?, &self.args.output) {
            self.output.info(format!(
                "purchase {} was decrypted into {}; fetching and decrypting it into {} as well (it is paid for)",
                hex::encode(entry.purchase.0),
                path.display(),
                self.args.output.display()
            ));
            return None;
        }
        Some(PurchaseRecord::of(state, Some(entry)))
    }

    /// Downloads the listing's encrypted file into `-o`; returns its path.
    /// For a purchase an earlier run paid (`paid`), what is on disk is
    /// re-hashed, since that run may have left it damaged; without one,
    /// nothing is paid yet, and a failure says so.
    async fn download(
        &self,
        ledger_args: &LedgerArgs,
        global: &GlobalArgs,
        paid: Option<&Entry>,
    ) -> anyhow::Result<PathBuf> {
        let source = match &self.args.torrent {
            Some(path) => path.display().to_string(),
            None => self.listing.listing.magnet.clone(),
        };
        let get_args = GetArgs {
            torrents: vec![source],
            output: self.args.output.clone(),
            metadata_only: false,
            metadata_timeout: self.args.metadata_timeout,
            network: self.args.network.clone(),
            select: None,
            sequential: false,
            recheck: paid.is_some(),
            seed_ratio: None,
            seed_time: None,
            run_for: None,
            stall_timeout: self.args.stall_timeout,
            up_limit: self.args.up_limit,
            down_limit: self.args.down_limit,
            on_complete: None,
            market: SlotBuyArgs::none(ledger_args.clone()),
            global: global.clone(),
            stdin: None,
        };
        let not_fetched = || match paid {
            Some(entry) => format!(
                "the encrypted file did not download; purchase {} stands: rerun to continue",
                hex::encode(entry.purchase.0)
            ),
            None => "the listing's file could not be fetched, so nothing was paid".to_string(),
        };
        let nested = self.output.clone().nested("download");
        let fetched = get::fetch(get_args, &nested)
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

    /// Waits for the seller's delivery until the deadline; refunds after it.
    async fn await_delivery(&self, state: &PurchaseState) -> anyhow::Result<PurchaseState> {
        let mut state = state.clone();
        if state.status == PurchaseStatus::Open {
            self.output.info(format!(
                "waiting for the seller to deliver the key (until {})",
                super::records::rfc3339(state.deadline_ms)
            ));
        }
        while state.status == PurchaseStatus::Open && now_ms() < state.deadline_ms {
            tokio::time::sleep(DELIVERY_POLL).await;
            state = self
                .ledger
                .purchase(state.id)
                .await
                .map_err(ledger_error)?
                .unwrap_or(state);
        }
        let state = self.refund_if_due(state).await?;
        match state.status {
            PurchaseStatus::Delivered => Ok(state),
            PurchaseStatus::Open | PurchaseStatus::Refunded => {
                self.output.record(&PurchaseRecord::of(&state, None))?;
                let error = anyhow::anyhow!(
                    "the seller did not deliver purchase {} by its deadline; {} {} went back to {}",
                    hex::encode(state.id.0),
                    format_units(state.price.base_units, state.price.token),
                    state.price.token.symbol(),
                    state.buyer
                );
                Err(with_status(ExitStatus::Unreachable, error))
            }
        }
    }

    /// Refunds `state` when it is open past its deadline.
    async fn refund_if_due(&self, state: PurchaseState) -> anyhow::Result<PurchaseState> {
        if state.status != PurchaseStatus::Open || now_ms() < state.deadline_ms {
            return Ok(state);
        }
        self.ledger
            .refund_purchase(state.id)
            .await
            .map_err(ledger_error)
    }

    /// The delivered key, or the proof that it is not the listing's.
    fn content_key(&self, state: &PurchaseState) -> anyhow::Result<ContentKey> {
        open_delivery(state, &self.listing, &self.buyer)
            .or_else(|problem| Err(self.proven(state, &problem)?))
    }

    /// Prints the proof that the seller's delivery is not what the listing
    /// promised, and the error (exit 1) that says so.
    fn proven(
        &self,
        state: &PurchaseState,
        problem: &dyn std::fmt::Display,
    ) -> anyhow::Result<anyhow::Error> {
        self.output.record(&PurchaseProof {
            purchase: hex::encode(state.id.0),
            problem: problem.to_string(),
            listing: serde_json::from_str(&self.listing.to_json()).expect("a listing is JSON"),
            escrow: state.clone(),
        })?;
        let error = anyhow::anyhow!(
            "purchase {}: {problem} (the purchase_proof record holds the signed listing and the sealed key)",
            hex::encode(state.id.0)
        );
        Ok(with_status(ExitStatus::Failure, error))
    }

    /// Decrypts `encrypted` into `-o` and prints the receipt.
    fn decrypt(
        &self,
        encrypted: &Path,
        key: &ContentKey,
        entry: &Entry,
        state: &PurchaseState,
    ) -> anyhow::Result<ExitStatus> {
        let progress = self
            .output
            .progress(self.listing.listing.size, "decrypting");
        let decrypted = decrypt_with_progress(encrypted, key, &self.args.output, &|done| {
            progress.set_position(done)
        });
        progress.finish();
        let decrypted = match decrypted {
            Ok(decrypted) => decrypted,
            Err(error) if error.is_bad_content() => {
                let problem =
                    format!("the listed file does not decrypt with the listing's key: {error}");
                return Err(self.proven(state, &problem)?);
            }
            Err(error) => return Err(failure(error)),
        };
        self.journal
            .mark_decrypted(&entry.purchase, &decrypted.path)
            .map_err(failure)?;
        let receipt = PurchaseRecord::of(state, Some(entry)).decrypted(&decrypted);
        self.output.record(&receipt)?;
        Ok(ExitStatus::Success)
    }
}

/// The order a run continues or placed, and the purchase the ledger holds.
struct Placed {
    entry: Entry,
    state: PurchaseState,
}

/// Whether `a` and `b` name one directory (either may be relative).
fn same_directory(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reads and checks the seller's signature on the listing at `path`.
fn read_listing(path: &Path) -> anyhow::Result<SignedListing> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("could not read the listing {}", path.display()))
        .map_err(|error| with_status(ExitStatus::Usage, error))?;
    SignedListing::parse(&bytes)
        .map_err(|error| bad_input(anyhow::anyhow!("{}: {error}", path.display())))
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn bad_input(error: impl Into<anyhow::Error>) -> anyhow::Error {
    with_status(ExitStatus::BadInput, error.into())
}

fn failure(error: impl Into<anyhow::Error>) -> anyhow::Error {
    with_status(ExitStatus::Failure, error.into())
}
