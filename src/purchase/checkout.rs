//! The buyer's side of one purchase (`btt-tip buy`): the [`Checkout`] of a
//! listing. The listing is checked (the seller's signature, this ledger, its
//! expiry and magnet); the encrypted file is downloaded (by the
//! [`CheckoutHost`], from anyone who seeds it) before anything is paid, so a
//! listing nobody serves costs nothing; then the order is written to the
//! [`OrderLog`] durably and the price locked in the ledger's purchase escrow;
//! the seller's sealed key is awaited until the delivery deadline, unsealed
//! and checked against the listing's commitment; only then are the plain
//! files decrypted beside the download, which stays in place to be seeded.
//!
//! A rerun continues the listing's logged order, so a run stopped at any
//! point never charges twice: the ledger answers an order it holds with the
//! existing purchase; a rerun into another directory fetches and decrypts
//! the paid content there too. A seller that does not deliver by the
//! deadline is refunded to the buyer (here, or by [`Checkout::status`]
//! later). A key that is not the listing's is reported with the proof
//! ([`CheckoutEvent::WrongDelivery`]), and nothing is decrypted.
//!
//! Nothing here prints: what happens is a [`CheckoutEvent`] for the host.

use super::buyer::{open_delivery, order};
use super::order_log::{Entry, OrderLog, OrderLogError};
use super::SignedListing;
use super::{decrypt_with_progress, ContentError, ContentKey, Decrypted, ListingError};
use crate::amount::format_units;
use crate::clock::now_ms;
use crate::info_hash::InfoHash;
use crate::ledger::{LedgerError, LedgerId, PurchaseState, PurchaseStatus, Signed};
use crate::magnet::Magnet;
use crate::payment::PaymentLedger;
use crate::tron::Address;
use k256::ecdsa::SigningKey;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// How often the ledger is asked whether the seller delivered.
const DELIVERY_POLL: Duration = Duration::from_millis(500);

/// Why a checkout stopped.
#[derive(Debug, Error)]
pub enum CheckoutError {
    /// The listing is not for sale here and now.
    #[error(transparent)]
    Listing(#[from] ListingError),
    /// The listing's magnet does not parse.
    #[error("the listing's magnet: {0}")]
    UnreadableMagnet(String),
    /// The listing's magnet names another torrent than the listing.
    #[error("the listing's magnet is not of its info-hash {listed}")]
    MagnetOfAnotherTorrent { listed: InfoHash },
    /// The ledger failed or refused.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The order log could not be read or written.
    #[error(transparent)]
    OrderLog(#[from] OrderLogError),
    /// An order was logged but never reached the ledger.
    #[error("purchase {purchase} was journaled but never reached the ledger; rerun btt-tip buy to send it")]
    NeverSent { purchase: String },
    /// The seller did not deliver by the deadline; the price went back.
    #[error("the seller did not deliver purchase {purchase} by its deadline; {refunded} went back to {buyer}")]
    NotDelivered {
        purchase: String,
        refunded: String,
        buyer: Address,
    },
    /// The seller delivered something the listing did not promise.
    #[error("purchase {purchase}: {problem} (the purchase_proof record holds the signed listing and the sealed key)")]
    WrongDelivery { purchase: String, problem: String },
    /// Decrypting failed for another reason than the content.
    #[error(transparent)]
    Content(ContentError),
}

/// What a checkout reports.
#[derive(Debug)]
pub enum CheckoutEvent<'a> {
    /// Where a purchase stands, with its logged order when known.
    Purchase {
        state: &'a PurchaseState,
        entry: Option<&'a Entry>,
    },
    /// The receipt: the purchase's files, decrypted in this run.
    Decrypted {
        state: &'a PurchaseState,
        entry: &'a Entry,
        decrypted: &'a Decrypted,
    },
    /// The proof that the seller's delivery is not what the listing promised.
    WrongDelivery {
        state: &'a PurchaseState,
        listing: &'a SignedListing,
        problem: &'a str,
    },
    /// A line for a person.
    Notice(String),
    /// A warning for a person.
    Warning(String),
}

/// Shows how far decryption is.
pub trait DecryptProgress {
    /// `done` bytes are decrypted.
    fn set_position(&self, done: u64);
    /// Decryption ended.
    fn finish(&self);
}

/// What a checkout needs from the program running it: the download of the
/// listing's encrypted file, and a place for its events.
pub trait CheckoutHost {
    /// The program's error, which every [`CheckoutError`] becomes.
    type Error: From<CheckoutError>;
    /// Its progress display.
    type Progress: DecryptProgress;
    /// Downloads the listing's encrypted file; returns its path. `paid` is
    /// the order an earlier run paid, whose file on disk is to be re-hashed;
    /// without one, nothing is paid yet.
    fn fetch_encrypted(
        &self,
        paid: Option<&Entry>,
    ) -> impl Future<Output = Result<PathBuf, Self::Error>>;
    /// Reports `event`.
    fn report(&self, event: CheckoutEvent<'_>) -> Result<(), Self::Error>;
    /// A progress display for decrypting `total` bytes.
    fn decrypting(&self, total: u64) -> Self::Progress;
}

/// One buyer's purchase of one listing.
pub struct Checkout {
    /// The ledger of the escrow.
    pub ledger: Arc<dyn PaymentLedger>,
    /// The buyer's order log (its lock held by the caller).
    pub log: OrderLog,
    /// The buyer's key: pays, and unseals the delivered key.
    pub buyer: SigningKey,
    /// What is bought, its signature checked.
    pub listing: SignedListing,
    /// How long the seller has to deliver.
    pub deadline: Duration,
    /// Where the plain files go.
    pub output: PathBuf,
}

/// The order a run continues or placed, and the purchase the ledger holds.
struct Placed {
    entry: Entry,
    state: PurchaseState,
}

impl Checkout {
    /// The id of the ledger, once the listing is shown to be of it and of
    /// its magnet's torrent. An expired listing passes: expiry ends new
    /// orders only (checked when one is placed).
    pub async fn check_listing(&self) -> Result<LedgerId, CheckoutError> {
        let ledger_id = self.ledger.ledger_id().await?;
        let domain = self.ledger.listing_domain().await?;
        match self.listing.check_offer(&domain, now_ms() / 1000) {
            Ok(()) | Err(ListingError::Expired { .. }) => {}
            Err(other) => return Err(other.into()),
        }
        let listed = self.listing.listing.info_hash;
        let magnet: Magnet =
            self.listing
                .listing
                .magnet
                .parse()
                .map_err(|error: crate::magnet::MagnetError| {
                    CheckoutError::UnreadableMagnet(error.to_string())
                })?;
        if magnet.info_hashes.v1() != Some(listed) {
            return Err(CheckoutError::MagnetOfAnotherTorrent { listed });
        }
        Ok(ledger_id)
    }

    /// Buys the listing (or continues its logged purchase) into `output`.
    pub async fn run<H: CheckoutHost>(
        &self,
        ledger_id: &LedgerId,
        host: &H,
    ) -> Result<(), H::Error> {
        let (placed, encrypted) = match self.journaled_order(ledger_id, host).await? {
            Some(placed) => {
                host.report(placed.event())?;
                if self.already_decrypted(&placed, host)? {
                    return Ok(());
                }
                let encrypted = host.fetch_encrypted(Some(&placed.entry)).await?;
                (placed, encrypted)
            }
            None => {
                self.check_offer_now().await?;
                let encrypted = host.fetch_encrypted(None).await?;
                let placed = self.place_new_order(ledger_id).await?;
                host.report(placed.event())?;
                (placed, encrypted)
            }
        };
        let state = self.await_delivery(&placed.state, host).await?;
        let key = self.content_key(&state, host)?;
        self.decrypt(&encrypted, &key, &placed.entry, &state, host)
    }

    /// The newest purchase of the listing, refunded when its deadline
    /// passed undelivered; `None` when the buyer has not bought it here.
    pub async fn status(
        &self,
        ledger_id: &LedgerId,
    ) -> Result<Option<(Entry, PurchaseState)>, CheckoutError> {
        let Some(entry) = self.latest(ledger_id)? else {
            return Ok(None);
        };
        let Some(state) = self.ledger.purchase(entry.purchase).await? else {
            let purchase = hex::encode(entry.purchase.0);
            return Err(CheckoutError::NeverSent { purchase });
        };
        let state = self.refund_if_due(state).await?;
        Ok(Some((entry, state)))
    }

    fn latest(&self, ledger_id: &LedgerId) -> Result<Option<Entry>, CheckoutError> {
        let buyer = Address::from_public_key(self.buyer.verifying_key());
        Ok(self.log.latest(ledger_id, &buyer, &self.listing.digest())?)
    }

    /// The listing's logged order and the purchase the ledger holds for
    /// it (sent now when an earlier run logged it and was stopped before
    /// the ledger had it); `None` when there is none, or it was refunded.
    async fn journaled_order<H: CheckoutHost>(
        &self,
        ledger_id: &LedgerId,
        host: &H,
    ) -> Result<Option<Placed>, H::Error> {
        let Some(entry) = self.latest(ledger_id)? else {
            return Ok(None);
        };
        let state = self.ledger.purchase(entry.purchase).await;
        match state.map_err(CheckoutError::from)? {
            Some(state) if state.status != PurchaseStatus::Refunded => {
                Ok(Some(Placed { entry, state }))
            }
            Some(_) => {
                let purchase = hex::encode(entry.purchase.0);
                let line = format!("purchase {purchase} was refunded; buying again");
                host.report(CheckoutEvent::Warning(line))?;
                Ok(None)
            }
            None => Ok(Some(self.send_order(ledger_id, entry).await?)),
        }
    }

    /// A new order, logged, then sent to the ledger's escrow.
    async fn place_new_order(&self, ledger_id: &LedgerId) -> Result<Placed, CheckoutError> {
        let entry = self.new_order(ledger_id).await?;
        self.send_order(ledger_id, entry).await
    }

    /// Sends the logged `entry` to the ledger: the price moves into its
    /// escrow (once: the ledger answers an order it holds with its purchase).
    async fn send_order(
        &self,
        ledger_id: &LedgerId,
        entry: Entry,
    ) -> Result<Placed, CheckoutError> {
        let signed = Signed::sign(entry.order.clone(), &self.buyer, ledger_id);
        let terms = self.listing.seller_terms();
        let state = self.ledger.open_purchase(signed, terms).await?;
        Ok(Placed { entry, state })
    }

    /// Fails unless the listing takes new orders on this ledger now (it
    /// may have expired while its file downloaded).
    async fn check_offer_now(&self) -> Result<(), CheckoutError> {
        let domain = self.ledger.listing_domain().await?;
        Ok(self.listing.check_offer(&domain, now_ms() / 1000)?)
    }

    /// A new order, written to the log. Its deadline is a whole second, as
    /// a chain's contract keeps it.
    async fn new_order(&self, ledger_id: &LedgerId) -> Result<Entry, CheckoutError> {
        self.check_offer_now().await?;
        let deadline_s = now_ms().saturating_add(duration_ms(self.deadline)) / 1000;
        let deadline_ms = deadline_s.saturating_mul(1000);
        let order = order(&self.listing, &self.buyer, deadline_ms, rand::random());
        let terms = self.listing.seller_terms();
        let entry = Entry {
            purchase: self.ledger.purchase_id(order.clone(), terms).await?,
            order,
            listing_json: self.listing.to_json(),
            created_ms: now_ms(),
            decrypted: None,
        };
        self.log.record(ledger_id, &entry)?;
        Ok(entry)
    }

    /// Whether an earlier run decrypted the purchase into this `output`
    /// and its files are still there. Decrypted elsewhere, the purchase is
    /// downloaded and decrypted into this `output` too (paid once).
    fn already_decrypted<H: CheckoutHost>(
        &self,
        placed: &Placed,
        host: &H,
    ) -> Result<bool, H::Error> {
        let Some(path) = placed.entry.decrypted.as_ref() else {
            return Ok(false);
        };
        if placed.state.status != PurchaseStatus::Delivered || !path.exists() {
            return Ok(false);
        }
        if path
            .parent()
            .is_some_and(|parent| same_directory(parent, &self.output))
        {
            host.report(placed.event())?;
            return Ok(true);
        }
        let line = format!(
            "purchase {} was decrypted into {}; fetching and decrypting it into {} as well (it is paid for)",
            hex::encode(placed.entry.purchase.0),
            path.display(),
            self.output.display()
        );
        host.report(CheckoutEvent::Notice(line))?;
        Ok(false)
    }

    /// Waits for the seller's delivery until the deadline; refunds after it.
    async fn await_delivery<H: CheckoutHost>(
        &self,
        state: &PurchaseState,
        host: &H,
    ) -> Result<PurchaseState, H::Error> {
        let mut state = state.clone();
        if state.status == PurchaseStatus::Open {
            let until = crate::clock::rfc3339(state.deadline_ms);
            let line = format!("waiting for the seller to deliver the key (until {until})");
            host.report(CheckoutEvent::Notice(line))?;
        }
        while state.status == PurchaseStatus::Open && now_ms() < state.deadline_ms {
            tokio::time::sleep(DELIVERY_POLL).await;
            let polled = self.ledger.purchase(state.id).await;
            state = polled.map_err(CheckoutError::from)?.unwrap_or(state);
        }
        let state = self.refund_if_due(state).await?;
        if state.status == PurchaseStatus::Delivered {
            return Ok(state);
        }
        host.report(CheckoutEvent::Purchase {
            state: &state,
            entry: None,
        })?;
        Err(CheckoutError::NotDelivered {
            purchase: hex::encode(state.id.0),
            refunded: format!(
                "{} {}",
                format_units(state.price.base_units, state.price.token),
                state.price.token.symbol()
            ),
            buyer: state.buyer,
        }
        .into())
    }

    /// Refunds `state` when it is open past its deadline.
    async fn refund_if_due(&self, state: PurchaseState) -> Result<PurchaseState, CheckoutError> {
        if state.status != PurchaseStatus::Open || now_ms() < state.deadline_ms {
            return Ok(state);
        }
        Ok(self.ledger.refund_purchase(state.id).await?)
    }

    /// The delivered key, or the proof that it is not the listing's.
    fn content_key<H: CheckoutHost>(
        &self,
        state: &PurchaseState,
        host: &H,
    ) -> Result<ContentKey, H::Error> {
        open_delivery(state, &self.listing, &self.buyer)
            .map_err(|problem| self.wrong_delivery(state, &problem.to_string(), host))
    }

    /// Reports the proof that the seller's delivery is not what the
    /// listing promised; returns the error that says so.
    fn wrong_delivery<H: CheckoutHost>(
        &self,
        state: &PurchaseState,
        problem: &str,
        host: &H,
    ) -> H::Error {
        let proof = CheckoutEvent::WrongDelivery {
            state,
            listing: &self.listing,
            problem,
        };
        if let Err(error) = host.report(proof) {
            return error;
        }
        CheckoutError::WrongDelivery {
            purchase: hex::encode(state.id.0),
            problem: problem.to_string(),
        }
        .into()
    }

    /// Decrypts `encrypted` into `output`, notes it in the log and reports
    /// the receipt.
    fn decrypt<H: CheckoutHost>(
        &self,
        encrypted: &Path,
        key: &ContentKey,
        entry: &Entry,
        state: &PurchaseState,
        host: &H,
    ) -> Result<(), H::Error> {
        let progress = host.decrypting(self.listing.listing.size);
        let decrypted = decrypt_with_progress(encrypted, key, &self.output, &|done| {
            progress.set_position(done)
        });
        progress.finish();
        let decrypted = match decrypted {
            Ok(decrypted) => decrypted,
            Err(error) if error.is_bad_content() => {
                let problem =
                    format!("the listed file does not decrypt with the listing's key: {error}");
                return Err(self.wrong_delivery(state, &problem, host));
            }
            Err(error) => return Err(CheckoutError::Content(error).into()),
        };
        self.log
            .mark_decrypted(&entry.purchase, &decrypted.path)
            .map_err(CheckoutError::from)?;
        host.report(CheckoutEvent::Decrypted {
            state,
            entry,
            decrypted: &decrypted,
        })
    }
}

impl Placed {
    fn event(&self) -> CheckoutEvent<'_> {
        CheckoutEvent::Purchase {
            state: &self.state,
            entry: Some(&self.entry),
        }
    }
}

/// Whether `a` and `b` name one directory (either may be relative).
fn same_directory(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
