//! Paying one tip: a signed TRON transfer with the memo in `raw_data.data`,
//! made idempotent by the [`TipLog`] when the request has a client id.
//!
//! The rule that keeps an id from being paid twice or lost:
//!
//! 1. A new id: sign a transaction T, write (id, T, `sending`) to the
//!    journal durably, then send T.
//! 2. Sending T (now or in a later run) ends in one of:
//!    - applied, or refused as a replay (an earlier attempt applied it):
//!      look T up, mark the id `paid`;
//!    - refused as expired: look T up once more (it may have been applied
//!      before it expired); if the ledger does not hold it, it never will,
//!      so T is replaced by a freshly signed T' (journaled before it is
//!      sent) and step 2 repeats once;
//!    - refused for good (balance, signature, ...): T was not applied; the
//!      id is `failed` and a later run retries it, starting with T itself;
//!    - anything else (a timeout, a lost connection, a storage failure):
//!      the id stays `sending` and the caller must stop; the next run
//!      settles T before anything else ([`Tipper::reconcile`]).
//!
//! So at any time at most one transaction per id can still be applied, and
//! a transaction is only given up once the ledger has refused it. Steps 1
//! and 2 run under the sender's journal lock, so two processes never race
//! on one id.
//!
//! On an EVM chain the ledger builds the transaction ([`Ledger::sign_kept`]):
//! T is signed with the sender's next nonce and journaled while the nonce
//! lock is held, then sent, and the lock is released once the node has T
//! (not after its confirmations, so other senders of the key wait only for
//! that); "expired" there means its nonce went to another transaction, so T
//! can never be mined and a replacement pays at most once.

use super::error::{transfer_answer, TipError, TransferAnswer};
use super::request::TipRequest;
use super::tip_log::{EntryState, Intent, LoggedTransaction, Scope, TipLog, TipLogError};
use crate::durable_sqlite::{self, LockError, PayerLock};
use crate::ledger::evm::nonce::SenderLock as NonceLock;
use crate::ledger::{ErrorKind, LedgerError};
use crate::ledger::{Ledger, TransferRecord};
use crate::tron::contract::DEFAULT_FEE_LIMIT;
use crate::tron::{Address, SignedTransaction, TransactionParams, TransferCall};
use crate::tron::{TxId, UnsignedTransaction};
use crate::wallet::PrivateKey;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How long a tip's transaction stays valid.
pub const TIP_LIFETIME_MS: i64 = 60_000;

/// A paid tip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The ledger's record of the transfer.
    pub record: TransferRecord,
    /// The id was paid before this call (nothing moved now).
    pub replayed: bool,
}

/// What [`Tipper::reconcile`] found for one id left `sending`.
#[derive(Debug)]
pub struct Reconciled {
    /// The client id.
    pub id: String,
    /// The transaction it named.
    pub txid: TxId,
    /// Paid, or why not (the id is then `failed` and its line retries it).
    pub outcome: Result<Payment, TipError>,
}

/// A freshly signed transaction, with the nonce lock an EVM ledger keeps
/// until it is sent.
struct Fresh<'l> {
    transaction: LoggedTransaction,
    nonce: Option<NonceLock<'l>>,
}

/// Pays tips from one key on one ledger, with one journal.
pub struct Tipper<'a, L> {
    ledger: &'a L,
    key: &'a PrivateKey,
    journal: &'a TipLog,
    scope: Scope,
    last_timestamp: AtomicI64,
}

impl<'a, L: Ledger> Tipper<'a, L> {
    /// A tipper paying from `key`.
    pub async fn new(
        ledger: &'a L,
        key: &'a PrivateKey,
        journal: &'a TipLog,
    ) -> Result<Tipper<'a, L>, TipError> {
        let ledger_id = ledger.ledger_id().await.map_err(TipError::Ledger)?;
        Ok(Tipper {
            ledger,
            key,
            journal,
            scope: Scope {
                ledger: ledger_id,
                sender: key.address(),
            },
            last_timestamp: AtomicI64::new(0),
        })
    }

    /// The paying address.
    pub fn sender(&self) -> Address {
        self.scope.sender
    }

    /// The token tips are paid in: the ledger's BTT.
    pub fn token(&self) -> crate::amount::Token {
        self.ledger.native_token()
    }

    /// Settles every id an earlier run left `sending`: paid if the ledger
    /// holds its transaction or takes it now, else `failed`. Stops at the
    /// first fatal error.
    pub async fn reconcile(&self) -> Result<Vec<Reconciled>, TipError> {
        let _lock = self.lock().await?;
        let mut settled = Vec::new();
        for entry in self.journal.sending(&self.scope)? {
            let txid = entry.transaction.txid();
            let kept = Fresh {
                transaction: entry.transaction,
                nonce: None,
            };
            let outcome = self.settle(&entry.id, kept, &entry.intent, false).await;
            let outcome = match outcome {
                Err(error) if error.is_fatal() => return Err(error),
                outcome => outcome,
            };
            settled.push(Reconciled {
                id: entry.id,
                txid,
                outcome,
            });
        }
        Ok(settled)
    }

    /// Pays `request`, at most once per id.
    pub async fn pay(&self, request: &TipRequest) -> Result<Payment, TipError> {
        let intent = Intent {
            recipient: request.to,
            base_units: request.amount.base_units,
            memo: request.memo.clone(),
        };
        let Some(id) = &request.id else {
            if !self.ledger.takes_tron_transactions() {
                return self.send_built(&intent).await;
            }
            let transaction = self.sign_tron(&intent).await?;
            return self.send_once(transaction).await;
        };
        let _lock = self.lock().await?;
        match self.journal.entry(&self.scope, id)? {
            None => {
                let fresh = self.sign(&intent).await?;
                self.journal
                    .write_sending(&self.scope, id, &intent, &fresh.transaction)?;
                self.settle(id, fresh, &intent, true).await
            }
            Some(entry) if entry.intent != intent => Err(TipError::IdReused {
                id: id.clone(),
                was: entry.intent,
            }),
            Some(entry) if entry.state == EntryState::Paid => {
                let record = self.lookup(entry.transaction.txid()).await?;
                Ok(Payment {
                    record,
                    replayed: true,
                })
            }
            Some(entry) => {
                let kept = Fresh {
                    transaction: entry.transaction,
                    nonce: None,
                };
                self.settle(id, kept, &intent, true).await
            }
        }
    }

    /// Waits for this sender's journal lock without blocking the async threads.
    async fn lock(&self) -> Result<PayerLock, TipError> {
        let path = self.journal.lock_path(&self.scope.sender);
        let waited = path.clone();
        tokio::task::spawn_blocking(move || durable_sqlite::lock(&waited))
            .await
            .map_err(|error| LockError {
                path,
                error: std::io::Error::other(error.to_string()),
            })
            .and_then(|locked| locked)
            .map_err(|error| TipError::from(TipLogError::from(error)))
    }

    /// Pays a tip without an id on a ledger that builds its own transactions.
    async fn send_built(&self, intent: &Intent) -> Result<Payment, TipError> {
        let memo = intent.memo.as_bytes().to_vec();
        let sent = self
            .ledger
            .send(self.key, intent.recipient, self.amount(intent), memo)
            .await;
        match sent {
            Ok(record) => Ok(Payment {
                record,
                replayed: false,
            }),
            Err(error) => match transfer_answer(&error) {
                TransferAnswer::Uncertain => Err(TipError::Uncertain {
                    txid: "(not known: the node did not answer)".to_string(),
                    error,
                }),
                _ => Err(TipError::Refused { error }),
            },
        }
    }

    /// Sends a transaction no journal entry names (a tip without an id).
    async fn send_once(&self, transaction: SignedTransaction) -> Result<Payment, TipError> {
        let txid = transaction.txid();
        match self.ledger.transfer(transaction).await {
            Ok(record) => Ok(Payment {
                record,
                replayed: false,
            }),
            Err(error) => match transfer_answer(&error) {
                TransferAnswer::Uncertain => Err(TipError::Uncertain {
                    txid: txid.to_string(),
                    error,
                }),
                _ => Err(TipError::Refused { error }),
            },
        }
    }

    /// Sends a journaled transaction to its ledger, releasing the nonce
    /// lock it was signed under once the ledger has it.
    async fn submit(
        &self,
        transaction: &LoggedTransaction,
        nonce: Option<NonceLock<'a>>,
    ) -> Result<TransferRecord, LedgerError> {
        match transaction {
            LoggedTransaction::Tron(transaction) => {
                self.ledger.transfer((**transaction).clone()).await
            }
            LoggedTransaction::Evm(transaction) => self.ledger.send_kept(transaction, nonce).await,
        }
    }

    /// Step 2 of the module's rule for the journaled `id`.
    async fn settle(
        &self,
        id: &str,
        fresh: Fresh<'a>,
        intent: &Intent,
        mut may_replace: bool,
    ) -> Result<Payment, TipError> {
        let Fresh {
            mut transaction,
            mut nonce,
        } = fresh;
        loop {
            let txid = transaction.txid();
            let sent = self.submit(&transaction, nonce.take()).await;
            let error = match sent {
                Ok(record) => return self.paid(id, record, false),
                Err(error) => error,
            };
            match transfer_answer(&error) {
                TransferAnswer::AlreadyApplied => {
                    let record = self.lookup(txid).await?;
                    return self.paid(id, record, true);
                }
                TransferAnswer::Expired => {
                    if let Some(record) = self.find(txid).await? {
                        return self.paid(id, record, true);
                    }
                    if !may_replace {
                        self.journal
                            .set_state(&self.scope, id, EntryState::Failed)?;
                        return Err(TipError::Refused { error });
                    }
                    may_replace = false;
                    let fresh = self.sign(intent).await?;
                    self.journal
                        .write_sending(&self.scope, id, intent, &fresh.transaction)?;
                    (transaction, nonce) = (fresh.transaction, fresh.nonce);
                }
                TransferAnswer::Refused => {
                    self.journal
                        .set_state(&self.scope, id, EntryState::Failed)?;
                    return Err(TipError::Refused { error });
                }
                TransferAnswer::Uncertain => {
                    return Err(TipError::Uncertain {
                        txid: txid.to_string(),
                        error,
                    })
                }
            }
        }
    }

    fn paid(&self, id: &str, record: TransferRecord, replayed: bool) -> Result<Payment, TipError> {
        self.journal.set_state(&self.scope, id, EntryState::Paid)?;
        Ok(Payment { record, replayed })
    }

    async fn find(&self, txid: TxId) -> Result<Option<TransferRecord>, TipError> {
        self.ledger
            .transaction(txid.0)
            .await
            .map_err(TipError::Ledger)
    }

    async fn lookup(&self, txid: TxId) -> Result<TransferRecord, TipError> {
        self.find(txid).await?.ok_or_else(|| TipError::Vanished {
            txid: txid.to_string(),
        })
    }

    /// What `intent` moves, in the ledger's BTT.
    fn amount(&self, intent: &Intent) -> crate::amount::Amount {
        crate::amount::Amount {
            token: self.token(),
            base_units: intent.base_units,
        }
    }

    /// Signs a fresh transaction for `intent`, of the ledger's kind.
    async fn sign(&self, intent: &Intent) -> Result<Fresh<'a>, TipError> {
        if self.ledger.takes_tron_transactions() {
            let transaction = LoggedTransaction::Tron(Box::new(self.sign_tron(intent).await?));
            return Ok(Fresh {
                transaction,
                nonce: None,
            });
        }
        let memo = intent.memo.as_bytes().to_vec();
        let (transaction, nonce) = self
            .ledger
            .sign_kept(self.key, intent.recipient, self.amount(intent), memo)
            .await
            .map_err(|error| match error.kind() {
                // Nothing was sent: a refusal is final, a silent node is not.
                ErrorKind::Unreachable => TipError::Ledger(error),
                _ => TipError::Refused { error },
            })?;
        Ok(Fresh {
            transaction: LoggedTransaction::Evm(transaction),
            nonce: Some(nonce),
        })
    }

    /// Signs a fresh TRON transaction for `intent`. Timestamps strictly increase
    /// within one tipper, so two identical tips never share a txid.
    async fn sign_tron(&self, intent: &Intent) -> Result<SignedTransaction, TipError> {
        let reference = self
            .ledger
            .reference_block()
            .await
            .map_err(TipError::Ledger)?;
        let timestamp = self.next_timestamp();
        let params = TransactionParams {
            reference,
            timestamp,
            expiration: timestamp + TIP_LIFETIME_MS,
            memo: intent.memo.as_bytes().to_vec(),
            fee_limit: DEFAULT_FEE_LIMIT,
        };
        let call = TransferCall {
            owner: self.key.address(),
            to: intent.recipient,
            amount: crate::amount::Amount {
                token: self.token(),
                base_units: intent.base_units,
            },
        };
        let unsigned =
            UnsignedTransaction::new(call, &params).map_err(|error| TipError::Build { error })?;
        Ok(unsigned.sign(self.key))
    }

    fn next_timestamp(&self) -> i64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            });
        let mut last = self.last_timestamp.load(Ordering::SeqCst);
        loop {
            let next = now.max(last.saturating_add(1));
            match self.last_timestamp.compare_exchange(
                last,
                next,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::{Amount, Token};
    use crate::ledger::{LocalLedger, OpenOptions};
    use crate::tron::BlockReference;

    const BOB: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

    struct Setup {
        _dir: tempfile::TempDir,
        ledger: LocalLedger,
        journal: TipLog,
        key: PrivateKey,
    }

    async fn setup() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let options = OpenOptions {
            dev: true,
            ..OpenOptions::default()
        };
        let ledger = LocalLedger::open(&dir.path().join("ledger.sqlite"), options).unwrap();
        let journal = TipLog::open(&dir.path().join("tips.sqlite")).unwrap();
        let key = PrivateKey::from_hex(
            "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0",
        )
        .unwrap();
        ledger.mint(key.address(), btt(1_000)).await.unwrap();
        Setup {
            _dir: dir,
            ledger,
            journal,
            key,
        }
    }

    fn btt(base_units: u128) -> Amount {
        Amount {
            token: Token::Btt,
            base_units,
        }
    }

    fn request(id: &str, units: u128) -> TipRequest {
        TipRequest {
            to: BOB.parse().unwrap(),
            amount: btt(units),
            memo: format!("tip {id}"),
            id: Some(id.to_string()),
        }
    }

    fn intent(request: &TipRequest) -> Intent {
        Intent {
            recipient: request.to,
            base_units: request.amount.base_units,
            memo: request.memo.clone(),
        }
    }

    async fn bob_balance(setup: &Setup) -> u128 {
        setup
            .ledger
            .balance(BOB.parse().unwrap(), Token::Btt)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_id_is_paid_once_and_replayed_after() {
        let setup = setup().await;
        let tipper = Tipper::new(&setup.ledger, &setup.key, &setup.journal)
            .await
            .unwrap();
        let first = tipper.pay(&request("a", 10)).await.unwrap();
        assert!(!first.replayed);
        assert_eq!(first.record.memo, b"tip a");
        let again = tipper.pay(&request("a", 10)).await.unwrap();
        assert!(again.replayed);
        assert_eq!(again.record.txid, first.record.txid);
        let reused = tipper.pay(&request("a", 11)).await.unwrap_err();
        assert_eq!(reused.reason(), "id_reused");
        assert_eq!(bob_balance(&setup).await, 10);
    }

    #[tokio::test]
    async fn tips_without_ids_never_share_a_txid() {
        let setup = setup().await;
        let tipper = Tipper::new(&setup.ledger, &setup.key, &setup.journal)
            .await
            .unwrap();
        let mut plain = request("x", 1);
        plain.id = None;
        for _ in 0..20 {
            tipper.pay(&plain).await.unwrap();
        }
        assert_eq!(bob_balance(&setup).await, 20);
    }

    #[tokio::test]
    async fn a_crash_after_the_ledger_applied_is_settled_without_paying_again() {
        let setup = setup().await;
        let tipper = Tipper::new(&setup.ledger, &setup.key, &setup.journal)
            .await
            .unwrap();
        let tip = request("b", 7);
        let transaction = tipper.sign_tron(&intent(&tip)).await.unwrap();
        setup
            .journal
            .write_sending(
                &tipper.scope,
                "b",
                &intent(&tip),
                &LoggedTransaction::Tron(Box::new(transaction.clone())),
            )
            .unwrap();
        setup.ledger.transfer(transaction.clone()).await.unwrap();
        // The process died here; the next run reconciles.
        let settled = tipper.reconcile().await.unwrap();
        assert_eq!(settled.len(), 1);
        let payment = settled[0].outcome.as_ref().unwrap();
        assert!(payment.replayed);
        assert_eq!(TxId(payment.record.txid), transaction.txid());
        assert!(tipper.pay(&tip).await.unwrap().replayed);
        assert_eq!(bob_balance(&setup).await, 7);
    }

    #[tokio::test]
    async fn a_crash_before_sending_sends_the_same_transaction() {
        let setup = setup().await;
        let tipper = Tipper::new(&setup.ledger, &setup.key, &setup.journal)
            .await
            .unwrap();
        let tip = request("c", 3);
        let transaction = tipper.sign_tron(&intent(&tip)).await.unwrap();
        setup
            .journal
            .write_sending(
                &tipper.scope,
                "c",
                &intent(&tip),
                &LoggedTransaction::Tron(Box::new(transaction.clone())),
            )
            .unwrap();
        let payment = tipper.pay(&tip).await.unwrap();
        assert!(!payment.replayed);
        assert_eq!(TxId(payment.record.txid), transaction.txid());
        assert_eq!(bob_balance(&setup).await, 3);
    }

    #[tokio::test]
    async fn an_expired_unapplied_transaction_is_replaced_once() {
        let setup = setup().await;
        let tipper = Tipper::new(&setup.ledger, &setup.key, &setup.journal)
            .await
            .unwrap();
        let tip = request("d", 4);
        let old = UnsignedTransaction::new(
            TransferCall {
                owner: setup.key.address(),
                to: tip.to,
                amount: tip.amount,
            },
            &TransactionParams {
                reference: BlockReference::from_block_id(&[0; 32]),
                timestamp: 1_000,
                expiration: 2_000,
                memo: tip.memo.as_bytes().to_vec(),
                fee_limit: DEFAULT_FEE_LIMIT,
            },
        )
        .unwrap()
        .sign(&setup.key);
        setup
            .journal
            .write_sending(
                &tipper.scope,
                "d",
                &intent(&tip),
                &LoggedTransaction::Tron(Box::new(old.clone())),
            )
            .unwrap();
        let settled = tipper.reconcile().await.unwrap();
        assert_eq!(settled[0].outcome.as_ref().unwrap_err().reason(), "expired");
        assert_eq!(
            setup
                .journal
                .entry(&tipper.scope, "d")
                .unwrap()
                .unwrap()
                .state,
            EntryState::Failed
        );
        let payment = tipper.pay(&tip).await.unwrap();
        assert_ne!(TxId(payment.record.txid), old.txid());
        assert_eq!(bob_balance(&setup).await, 4);
        assert!(tipper.pay(&tip).await.unwrap().replayed);
    }

    #[tokio::test]
    async fn a_refused_tip_is_failed_and_retried_later() {
        let setup = setup().await;
        let tipper = Tipper::new(&setup.ledger, &setup.key, &setup.journal)
            .await
            .unwrap();
        let too_much = request("e", 2_000);
        let error = tipper.pay(&too_much).await.unwrap_err();
        assert_eq!(error.reason(), "insufficient_balance");
        assert!(!error.is_fatal());
        setup
            .ledger
            .mint(setup.key.address(), btt(1_000))
            .await
            .unwrap();
        assert!(!tipper.pay(&too_much).await.unwrap().replayed);
        assert_eq!(bob_balance(&setup).await, 2_000);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_journals_on_one_file_pay_an_id_once() {
        let setup = setup().await;
        let other = TipLog::open(setup.journal.path()).unwrap();
        let first = Tipper::new(&setup.ledger, &setup.key, &setup.journal)
            .await
            .unwrap();
        let second = Tipper::new(&setup.ledger, &setup.key, &other)
            .await
            .unwrap();
        for round in 0..20 {
            let tip = request(&format!("race{round}"), 1);
            let (one, two) = tokio::join!(first.pay(&tip), second.pay(&tip));
            let (one, two) = (one.unwrap(), two.unwrap());
            assert_eq!(one.record.txid, two.record.txid);
            assert!(one.replayed != two.replayed, "round {round}");
        }
        assert_eq!(bob_balance(&setup).await, 20);
    }
}
