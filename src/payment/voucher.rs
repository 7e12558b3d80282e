//! Cumulative vouchers: the payer signs, for one channel on one ledger, the
//! total it has paid so far; the payee keeps the highest one and redeems or
//! closes with it. A voucher is never an increment, so a lost or replayed
//! one costs nobody anything: only the highest counts.
//!
//! The payee's [`VoucherCheck`] accepts a voucher when the ledger would
//! ([`ChannelState::voucher_increment`]: the payer's signature for this
//! ledger, this channel, this payee, this token, not past the deposit, above
//! what was redeemed) and, further, when it rises above the highest voucher
//! the payee accepted before. A refused voucher leaves the check as it was.

use super::error::PaymentError;
use super::payment_ledger::PaymentLedger;
use crate::amount::Amount;
use crate::ledger::{
    ChannelId, ChannelState, CloseChannel, LedgerError, LedgerId, Signed, Voucher, VoucherDomain,
};
use crate::tron::Address;
use k256::ecdsa::SigningKey;

/// The payer's voucher promising `cumulative` in all through `channel`,
/// signed with `payer` for `ledger` (a [`LedgerId`] of btt's own ledgers or
/// a ledger's [`VoucherDomain`]); refused unless `payer` is the channel's payer.
pub fn sign_voucher(
    channel: &ChannelState,
    cumulative: Amount,
    payer: &SigningKey,
    ledger: impl Into<VoucherDomain>,
) -> Result<Signed<Voucher>, PaymentError> {
    let signer = Address::from_public_key(payer.verifying_key());
    if signer != channel.payer {
        return Err(PaymentError::NotPayer {
            id: channel.id,
            payer: channel.payer,
            signer,
        });
    }
    let voucher = Voucher {
        channel: channel.id,
        payee: channel.payee,
        cumulative,
    };
    Ok(ledger.into().sign(voucher, payer))
}

/// The payee's request, signed with `payee` for `ledger`, to close the
/// voucher's channel with it.
pub fn close_with(
    voucher: Signed<Voucher>,
    payee: &SigningKey,
    ledger: &LedgerId,
) -> Signed<CloseChannel> {
    let close = CloseChannel {
        channel: voucher.request.channel,
        voucher: Some(voucher),
    };
    Signed::sign(close, payee, ledger)
}

/// The voucher of the higher cumulative amount (`kept` on a tie); both must
/// name the same channel.
pub fn higher_voucher(
    kept: Signed<Voucher>,
    next: Signed<Voucher>,
) -> Result<Signed<Voucher>, PaymentError> {
    if kept.request.channel != next.request.channel {
        return Err(PaymentError::Ledger(
            LedgerError::VoucherForAnotherChannel {
                id: kept.request.channel,
                voucher_channel: next.request.channel,
            },
        ));
    }
    if next.request.cumulative.base_units > kept.request.cumulative.base_units {
        Ok(next)
    } else {
        Ok(kept)
    }
}

/// A payee's check of the vouchers of one open channel that pays it.
#[derive(Debug, Clone)]
pub struct VoucherCheck {
    ledger: VoucherDomain,
    channel: ChannelState,
    best: Option<Signed<Voucher>>,
}

impl VoucherCheck {
    /// A check of `channel` on `ledger` for its payee `me`; refused when the
    /// channel is closed or pays someone else.
    pub fn new(
        ledger: impl Into<VoucherDomain>,
        channel: ChannelState,
        me: Address,
    ) -> Result<VoucherCheck, PaymentError> {
        channel.check_open()?;
        if channel.payee != me {
            return Err(PaymentError::NotPayee {
                id: channel.id,
                payee: channel.payee,
                me,
            });
        }
        Ok(VoucherCheck {
            ledger: ledger.into(),
            channel,
            best: None,
        })
    }

    /// A check of the channel `id` as `ledger` holds it now.
    pub async fn load(
        ledger: &dyn PaymentLedger,
        id: ChannelId,
        me: Address,
    ) -> Result<VoucherCheck, PaymentError> {
        let domain = ledger.voucher_domain().await?;
        let channel = ledger
            .channel(id)
            .await?
            .ok_or(LedgerError::UnknownChannel { id })?;
        VoucherCheck::new(domain, channel, me)
    }

    /// Base units the payee holds vouchers for: the highest accepted, or
    /// what the channel had redeemed when the check began.
    pub fn accepted(&self) -> u128 {
        self.best.as_ref().map_or(self.channel.redeemed, |voucher| {
            voucher.request.cumulative.base_units
        })
    }

    /// The channel checked.
    pub fn channel_id(&self) -> ChannelId {
        self.channel.id
    }

    /// The highest voucher accepted, to redeem or close with.
    pub fn best(&self) -> Option<&Signed<Voucher>> {
        self.best.as_ref()
    }

    /// Accepts `voucher` and returns how many base units it adds to what
    /// was accepted before; a refusal leaves the check unchanged.
    pub fn accept(&mut self, voucher: Signed<Voucher>) -> Result<u128, PaymentError> {
        self.channel.voucher_increment(self.ledger, &voucher)?;
        let cumulative = voucher.request.cumulative.base_units;
        let accepted = self.accepted();
        if cumulative <= accepted {
            return Err(PaymentError::NotAboveAccepted {
                id: self.channel.id,
                cumulative,
                accepted,
            });
        }
        self.best = Some(voucher);
        Ok(cumulative - accepted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Token;
    use crate::ledger::local::fixtures::{address, btt, key, START_MS};
    use crate::ledger::{ChannelStatus, OpenChannel, Signature};

    const PAYER: u8 = 1;
    const PAYEE: u8 = 2;
    const STRANGER: u8 = 3;
    const LEDGER: LedgerId = LedgerId([1; 32]);
    const DEPOSIT: u128 = 500;

    fn channel() -> ChannelState {
        let open = OpenChannel {
            payer: address(PAYER),
            payee: address(PAYEE),
            amount: btt(DEPOSIT),
            expires_at_ms: START_MS + 3_600_000,
            nonce: 1,
        };
        ChannelState {
            id: open.id(&LEDGER),
            payer: open.payer,
            payee: open.payee,
            amount: open.amount,
            redeemed: 0,
            expires_at_ms: open.expires_at_ms,
            status: ChannelStatus::Open,
        }
    }

    fn check() -> VoucherCheck {
        VoucherCheck::new(&LEDGER, channel(), address(PAYEE)).unwrap()
    }

    fn voucher(units: u128) -> Signed<Voucher> {
        sign_voucher(&channel(), btt(units), &key(PAYER), &LEDGER).unwrap()
    }

    /// Signs a voucher with everything chosen by the test.
    fn voucher_with(
        channel: ChannelId,
        payee: Address,
        units: u128,
        signer: u8,
        ledger: &LedgerId,
    ) -> Signed<Voucher> {
        let promise = Voucher {
            channel,
            payee,
            cumulative: btt(units),
        };
        Signed::sign(promise, &key(signer), ledger)
    }

    /// Asserts `voucher` is refused after 100 was accepted, and that the
    /// check still holds the 100.
    fn assert_refused(voucher: Signed<Voucher>) -> PaymentError {
        let mut check = check();
        check.accept(self::voucher(100)).unwrap();
        let error = check.accept(voucher).unwrap_err();
        assert_eq!(check.accepted(), 100, "{error}");
        assert_eq!(check.best(), Some(&self::voucher(100)));
        error
    }

    #[test]
    fn rising_vouchers_are_accepted_up_to_the_deposit_each_for_its_increment() {
        let mut check = check();
        assert_eq!(check.accepted(), 0);
        assert_eq!(check.accept(voucher(100)).unwrap(), 100);
        assert_eq!(check.accept(voucher(250)).unwrap(), 150);
        assert_eq!(check.accept(voucher(DEPOSIT)).unwrap(), 250);
        assert_eq!(check.accepted(), DEPOSIT);
        assert_eq!(check.best(), Some(&voucher(DEPOSIT)));
    }

    #[test]
    fn a_voucher_signed_by_anyone_but_the_payer_is_refused() {
        let id = channel().id;
        let forged = voucher_with(id, address(PAYEE), 200, STRANGER, &LEDGER);
        let error = assert_refused(forged);
        assert!(
            matches!(error, PaymentError::Ledger(LedgerError::WrongSigner { .. })),
            "{error}"
        );
    }

    #[test]
    fn a_voucher_with_a_tampered_signature_is_refused() {
        let mut tampered = voucher(200);
        tampered.signature = Signature([0; 65]);
        let error = assert_refused(tampered);
        assert!(
            matches!(
                error,
                PaymentError::Ledger(LedgerError::BadSignature { .. })
            ),
            "{error}"
        );
        let mut raised = voucher(200);
        raised.request.cumulative = btt(300);
        let error = assert_refused(raised);
        assert!(
            matches!(error, PaymentError::Ledger(LedgerError::WrongSigner { .. })),
            "{error}"
        );
    }

    #[test]
    fn a_voucher_for_another_channel_is_refused() {
        let other = voucher_with(ChannelId([9; 32]), address(PAYEE), 200, PAYER, &LEDGER);
        let error = assert_refused(other);
        assert!(
            matches!(
                error,
                PaymentError::Ledger(LedgerError::VoucherForAnotherChannel { .. })
            ),
            "{error}"
        );
    }

    #[test]
    fn a_voucher_for_another_payee_is_refused() {
        let other = voucher_with(channel().id, address(STRANGER), 200, PAYER, &LEDGER);
        let error = assert_refused(other);
        assert!(
            matches!(
                error,
                PaymentError::Ledger(LedgerError::VoucherForAnotherPayee { .. })
            ),
            "{error}"
        );
    }

    #[test]
    fn an_equal_or_lower_cumulative_is_refused() {
        for units in [100, 99, 1] {
            let error = assert_refused(voucher(units));
            assert!(
                matches!(error, PaymentError::NotAboveAccepted { accepted: 100, .. }),
                "{units}: {error}"
            );
        }
    }

    #[test]
    fn a_cumulative_at_or_below_what_was_redeemed_is_refused() {
        let mut redeemed = channel();
        redeemed.redeemed = 300;
        let mut check = VoucherCheck::new(&LEDGER, redeemed, address(PAYEE)).unwrap();
        assert_eq!(check.accepted(), 300);
        let error = check.accept(voucher(300)).unwrap_err();
        assert!(
            matches!(
                error,
                PaymentError::Ledger(LedgerError::VoucherNotAbove { .. })
            ),
            "{error}"
        );
        assert_eq!(check.accept(voucher(301)).unwrap(), 1);
    }

    #[test]
    fn a_voucher_over_the_deposit_is_refused() {
        let error = assert_refused(voucher(DEPOSIT + 1));
        assert!(
            matches!(
                error,
                PaymentError::Ledger(LedgerError::VoucherAboveLocked { .. })
            ),
            "{error}"
        );
    }

    #[test]
    fn a_voucher_signed_for_another_ledger_is_refused() {
        let other = voucher_with(channel().id, address(PAYEE), 200, PAYER, &LedgerId([2; 32]));
        let error = assert_refused(other);
        assert!(
            matches!(error, PaymentError::Ledger(LedgerError::WrongSigner { .. })),
            "{error}"
        );
    }

    #[test]
    fn a_voucher_in_another_token_is_refused() {
        let mut other = voucher(200);
        other.request.cumulative.token = Token::Trx;
        let other = Signed::sign(other.request, &key(PAYER), &LEDGER);
        let error = assert_refused(other);
        assert!(
            matches!(
                error,
                PaymentError::Ledger(LedgerError::TokenMismatch { .. })
            ),
            "{error}"
        );
    }

    #[test]
    fn only_the_payee_checks_and_only_an_open_channel() {
        let error = VoucherCheck::new(&LEDGER, channel(), address(STRANGER)).unwrap_err();
        assert!(matches!(error, PaymentError::NotPayee { .. }), "{error}");
        let mut closed = channel();
        closed.status = ChannelStatus::Closed;
        let error = VoucherCheck::new(&LEDGER, closed, address(PAYEE)).unwrap_err();
        assert!(
            matches!(
                error,
                PaymentError::Ledger(LedgerError::ChannelClosed { .. })
            ),
            "{error}"
        );
    }

    #[test]
    fn only_the_payer_signs_vouchers() {
        let error = sign_voucher(&channel(), btt(10), &key(PAYEE), &LEDGER).unwrap_err();
        assert!(matches!(error, PaymentError::NotPayer { .. }), "{error}");
        let signed = voucher(10);
        assert_eq!(signed.request.payee, address(PAYEE));
        assert_eq!(signed.signer(&LEDGER).unwrap(), address(PAYER));
    }

    #[test]
    fn the_higher_voucher_of_one_channel_is_kept() {
        assert_eq!(higher_voucher(voucher(5), voucher(7)).unwrap(), voucher(7));
        assert_eq!(higher_voucher(voucher(7), voucher(5)).unwrap(), voucher(7));
        let mut tie = voucher(7);
        tie.signature = Signature([1; 65]);
        assert_eq!(higher_voucher(voucher(7), tie).unwrap(), voucher(7));
        let other = voucher_with(ChannelId([9; 32]), address(PAYEE), 9, PAYER, &LEDGER);
        assert!(higher_voucher(voucher(7), other).is_err());
    }

    #[test]
    fn the_close_request_carries_the_voucher_signed_by_the_payee() {
        let close = close_with(voucher(40), &key(PAYEE), &LEDGER);
        assert_eq!(close.request.channel, channel().id);
        assert_eq!(close.request.voucher, Some(voucher(40)));
        assert_eq!(close.signer(&LEDGER).unwrap(), address(PAYEE));
    }
}
