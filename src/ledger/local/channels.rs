//! Payment channels on the embedded ledger: the SQL side of
//! [`crate::ledger::channel`]. A channel's funds live in a lock (see
//! [`super::locks`]); the `channels` row adds the parties and what the
//! payee has redeemed so far. Channels are found by id, or by payer or
//! payee through the `channels_payer` and `channels_payee` indexes.

use super::codec::{parse_address, parse_amount, parse_hash, parse_units};
use super::locks::{self, LockKind};
use super::store::{Store, Writer};
use crate::ledger::channel::{
    ChannelRole, ChannelState, ChannelStatus, CloseChannel, OpenChannel, RedeemVoucher,
    RefundChannel,
};
use crate::ledger::domain::Signed;
use crate::ledger::error::LedgerError;
use crate::ledger::id::ChannelId;
use crate::ledger::MovementKind;
use crate::tron::Address;
use rusqlite::{params, Connection, OptionalExtension};

impl Store {
    /// Opens a channel signed by its payer and locks its amount.
    pub fn open_channel(
        &mut self,
        request: &Signed<OpenChannel>,
    ) -> Result<ChannelState, LedgerError> {
        let ledger = self.ledger_id();
        let open = &request.request;
        request.verify_signer(&ledger, &open.payer)?;
        if open.amount.base_units == 0 {
            return Err(LedgerError::ZeroAmount);
        }
        let id = open.id(&ledger);
        self.write(|writer| {
            let created = locks::create(
                writer,
                &id.0,
                LockKind::Channel,
                open.amount.token,
                open.expires_at_ms,
            )?;
            if !created {
                return Err(LedgerError::ChannelExists { id });
            }
            writer
                .connection
                .execute(
                    "INSERT INTO channels (id, payer, payee, amount, redeemed) VALUES (?1, ?2, ?3, ?4, '0')",
                    params![
                        id.0.as_slice(),
                        open.payer.as_bytes().as_slice(),
                        open.payee.as_bytes().as_slice(),
                        open.amount.base_units.to_string()
                    ],
                )
                .map_err(LedgerError::storage("creating a channel"))?;
            locks::deposit(writer, &id.0, &open.payer, &open.amount, MovementKind::ChannelOpen)?;
            require_channel(writer.connection, id)
        })
    }

    /// Pays the increment of a voucher to the payee, who signed the request.
    pub fn redeem_voucher(
        &mut self,
        request: &Signed<RedeemVoucher>,
    ) -> Result<ChannelState, LedgerError> {
        let id = request.request.voucher.request.channel;
        self.write(|writer| {
            let state = require_channel(writer.connection, id)?;
            request.verify_signer(&writer.ledger, &state.payee)?;
            state.check_open()?;
            let increment = state.voucher_increment(&writer.ledger, &request.request.voucher)?;
            pay_payee(writer, &state, increment)?;
            require_channel(writer.connection, id)
        })
    }

    /// Closes a channel at the payee's request: the payee gets the voucher's
    /// cumulative amount, the payer the rest.
    pub fn close_channel(
        &mut self,
        request: &Signed<CloseChannel>,
    ) -> Result<ChannelState, LedgerError> {
        let id = request.request.channel;
        self.write(|writer| {
            let state = require_channel(writer.connection, id)?;
            request.verify_signer(&writer.ledger, &state.payee)?;
            state.check_open()?;
            let increment = match &request.request.voucher {
                Some(voucher) => state.voucher_increment(&writer.ledger, voucher)?,
                None => 0,
            };
            pay_payee(writer, &state, increment)?;
            let rest =
                state
                    .remaining()
                    .checked_sub(increment)
                    .ok_or_else(|| LedgerError::Corrupt {
                        what: format!("channel {id} pays more than it holds"),
                    })?;
            return_rest(writer, &state, rest)?;
            require_channel(writer.connection, id)
        })
    }

    /// Returns the unredeemed funds to the payer, who signed, after the timeout.
    pub fn refund_channel(
        &mut self,
        request: &Signed<RefundChannel>,
    ) -> Result<ChannelState, LedgerError> {
        let id = request.request.channel;
        self.write(|writer| {
            let state = require_channel(writer.connection, id)?;
            request.verify_signer(&writer.ledger, &state.payer)?;
            state.check_refund(writer.now_ms)?;
            return_rest(writer, &state, state.remaining())?;
            require_channel(writer.connection, id)
        })
    }

    /// A channel's state.
    pub fn channel(&self, id: ChannelId) -> Result<Option<ChannelState>, LedgerError> {
        load_channel(self.connection(), id)
    }

    /// Every channel, open or closed, in which `address` has `role`, by expiry and then id.
    pub fn channels_of(
        &self,
        address: &Address,
        role: ChannelRole,
    ) -> Result<Vec<ChannelState>, LedgerError> {
        load_channels_of(self.connection(), address, role)
    }
}

fn pay_payee(
    writer: &Writer<'_>,
    state: &ChannelState,
    increment: u128,
) -> Result<(), LedgerError> {
    if increment == 0 {
        return Ok(());
    }
    locks::pay_out(
        writer,
        &state.id.0,
        &state.payee,
        increment,
        MovementKind::ChannelPay,
    )?;
    let redeemed = state.redeemed + increment;
    writer
        .connection
        .execute(
            "UPDATE channels SET redeemed = ?2 WHERE id = ?1",
            params![state.id.0.as_slice(), redeemed.to_string()],
        )
        .map_err(LedgerError::storage("updating a channel"))?;
    Ok(())
}

fn return_rest(writer: &Writer<'_>, state: &ChannelState, rest: u128) -> Result<(), LedgerError> {
    if rest > 0 {
        locks::pay_out(
            writer,
            &state.id.0,
            &state.payer,
            rest,
            MovementKind::ChannelReturn,
        )?;
    }
    locks::settle(writer, &state.id.0)
}

fn require_channel(connection: &Connection, id: ChannelId) -> Result<ChannelState, LedgerError> {
    load_channel(connection, id)?.ok_or(LedgerError::UnknownChannel { id })
}

/// The columns a channel is read from, in [`RawChannel::from_row`]'s order.
const CHANNEL_SELECT: &str =
    "SELECT c.id, c.payer, c.payee, l.token, c.amount, c.redeemed, l.deadline_ms, l.settled_sequence
     FROM channels c JOIN locks l ON l.id = c.id";

/// A channel's columns as SQLite returns them, checked by [`RawChannel::parse`].
struct RawChannel {
    id: Vec<u8>,
    payer: Vec<u8>,
    payee: Vec<u8>,
    token: String,
    amount: String,
    redeemed: String,
    expires_at_ms: i64,
    settled: Option<i64>,
}

impl RawChannel {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawChannel> {
        Ok(RawChannel {
            id: row.get(0)?,
            payer: row.get(1)?,
            payee: row.get(2)?,
            token: row.get(3)?,
            amount: row.get(4)?,
            redeemed: row.get(5)?,
            expires_at_ms: row.get(6)?,
            settled: row.get(7)?,
        })
    }

    fn parse(self) -> Result<ChannelState, LedgerError> {
        Ok(ChannelState {
            id: ChannelId(parse_hash(self.id)?),
            payer: parse_address(&self.payer)?,
            payee: parse_address(&self.payee)?,
            amount: parse_amount(&self.token, &self.amount)?,
            redeemed: parse_units(&self.redeemed)?,
            expires_at_ms: self.expires_at_ms,
            status: if self.settled.is_some() {
                ChannelStatus::Closed
            } else {
                ChannelStatus::Open
            },
        })
    }
}

fn load_channel(
    connection: &Connection,
    id: ChannelId,
) -> Result<Option<ChannelState>, LedgerError> {
    let raw = connection
        .prepare_cached(&format!("{CHANNEL_SELECT} WHERE c.id = ?1"))
        .and_then(|mut statement| {
            statement
                .query_row([id.0.as_slice()], RawChannel::from_row)
                .optional()
        })
        .map_err(LedgerError::storage("reading a channel"))?;
    raw.map(RawChannel::parse).transpose()
}

/// Every channel in which `address` has `role`, by expiry and then id.
fn load_channels_of(
    connection: &Connection,
    address: &Address,
    role: ChannelRole,
) -> Result<Vec<ChannelState>, LedgerError> {
    let column = match role {
        ChannelRole::Payer => "payer",
        ChannelRole::Payee => "payee",
    };
    let sql = format!("{CHANNEL_SELECT} WHERE c.{column} = ?1 ORDER BY l.deadline_ms, c.id");
    let raws = connection
        .prepare_cached(&sql)
        .and_then(|mut statement| {
            statement
                .query_map([address.as_bytes().as_slice()], RawChannel::from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(LedgerError::storage("listing channels"))?;
    raws.into_iter().map(RawChannel::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{address, btt, key, Fixture, START_MS};
    use super::*;
    use crate::amount::Token;
    use crate::ledger::channel::Voucher;
    use crate::ledger::id::LedgerId;

    const PAYER: u8 = 1;
    const PAYEE: u8 = 2;

    fn open_request(units: u128, nonce: u64) -> OpenChannel {
        OpenChannel {
            payer: address(PAYER),
            payee: address(PAYEE),
            amount: btt(units),
            expires_at_ms: START_MS + 3_600_000,
            nonce,
        }
    }

    /// A fixture with the payer funded with 1,000 and a channel of 500 open.
    fn with_channel() -> (Fixture, ChannelId) {
        let mut fixture = Fixture::new();
        fixture.fund(&address(PAYER), 1_000);
        let ledger = fixture.store.ledger_id();
        let request = Signed::sign(open_request(500, 1), &key(PAYER), &ledger);
        let state = fixture.store.open_channel(&request).unwrap();
        (fixture, state.id)
    }

    fn voucher(ledger: &LedgerId, channel: ChannelId, units: u128) -> Signed<Voucher> {
        let promise = Voucher {
            channel,
            payee: address(PAYEE),
            cumulative: btt(units),
        };
        Signed::sign(promise, &key(PAYER), ledger)
    }

    fn close(
        fixture: &mut Fixture,
        id: ChannelId,
        units: Option<u128>,
        signer: u8,
    ) -> Result<ChannelState, LedgerError> {
        let ledger = fixture.store.ledger_id();
        let request = CloseChannel {
            channel: id,
            voucher: units.map(|units| voucher(&ledger, id, units)),
        };
        fixture
            .store
            .close_channel(&Signed::sign(request, &key(signer), &ledger))
    }

    fn redeem(
        fixture: &mut Fixture,
        voucher: Signed<Voucher>,
    ) -> Result<ChannelState, LedgerError> {
        let ledger = fixture.store.ledger_id();
        let request = Signed::sign(RedeemVoucher { voucher }, &key(PAYEE), &ledger);
        fixture.store.redeem_voucher(&request)
    }

    fn balances(fixture: &Fixture) -> (u128, u128) {
        let balance = |seed| fixture.store.balance(&address(seed), Token::Btt).unwrap();
        (balance(PAYER), balance(PAYEE))
    }

    #[test]
    fn opening_locks_the_amount_under_a_deterministic_id() {
        let (fixture, id) = with_channel();
        let ledger = fixture.store.ledger_id();
        assert_eq!(id, open_request(500, 1).id(&ledger));
        let state = fixture.store.channel(id).unwrap().unwrap();
        assert_eq!(
            (state.amount, state.redeemed, state.status),
            (btt(500), 0, ChannelStatus::Open)
        );
        assert_eq!(balances(&fixture), (500, 0));
        let history = fixture.store.history(&address(PAYER), 0, 10).unwrap();
        assert_eq!(history[1].kind, MovementKind::ChannelOpen);
        assert_eq!(
            history[1].to,
            crate::ledger::escrow::escrow_address(&ledger, &id.0)
        );
        fixture.assert_conserved();
    }

    #[test]
    fn opening_is_refused_when_signed_by_another_replayed_or_unfunded() {
        let (mut fixture, _) = with_channel();
        let ledger = fixture.store.ledger_id();
        let head = fixture.store.head().unwrap();
        let forged = Signed::sign(open_request(10, 2), &key(PAYEE), &ledger);
        assert!(matches!(
            fixture.store.open_channel(&forged),
            Err(LedgerError::WrongSigner { .. })
        ));
        let replayed = Signed::sign(open_request(500, 1), &key(PAYER), &ledger);
        assert!(matches!(
            fixture.store.open_channel(&replayed),
            Err(LedgerError::ChannelExists { .. })
        ));
        let too_big = Signed::sign(open_request(501, 3), &key(PAYER), &ledger);
        let error = fixture.store.open_channel(&too_big).unwrap_err();
        assert!(error.is_insufficient_funds(), "{error}");
        let zero = Signed::sign(open_request(0, 4), &key(PAYER), &ledger);
        assert!(matches!(
            fixture.store.open_channel(&zero),
            Err(LedgerError::ZeroAmount)
        ));
        let mut late = open_request(10, 5);
        late.expires_at_ms = START_MS;
        let late = Signed::sign(late, &key(PAYER), &ledger);
        assert!(matches!(
            fixture.store.open_channel(&late),
            Err(LedgerError::DeadlineInPast { .. })
        ));
        assert_eq!(fixture.store.head().unwrap(), head);
        assert_eq!(balances(&fixture), (500, 0));
        assert_eq!(
            fixture.store.channel(too_big.request.id(&ledger)).unwrap(),
            None
        );
    }

    #[test]
    fn close_pays_the_payee_the_voucher_and_the_payer_the_rest_once() {
        let (mut fixture, id) = with_channel();
        let state = close(&mut fixture, id, Some(125), PAYEE).unwrap();
        assert_eq!((state.redeemed, state.status), (125, ChannelStatus::Closed));
        assert_eq!(balances(&fixture), (875, 125));
        fixture.assert_conserved();
        let again = close(&mut fixture, id, Some(200), PAYEE).unwrap_err();
        assert!(
            matches!(again, LedgerError::ChannelClosed { .. }),
            "{again}"
        );
        let ledger = fixture.store.ledger_id();
        assert!(matches!(
            redeem(&mut fixture, voucher(&ledger, id, 300)),
            Err(LedgerError::ChannelClosed { .. })
        ));
        fixture.advance(3_600_000);
        let refund = Signed::sign(RefundChannel { channel: id }, &key(PAYER), &ledger);
        assert!(matches!(
            fixture.store.refund_channel(&refund),
            Err(LedgerError::ChannelClosed { .. })
        ));
        assert_eq!(balances(&fixture), (875, 125));
    }

    #[test]
    fn redeeming_keeps_the_channel_open_and_only_goes_up() {
        let (mut fixture, id) = with_channel();
        let ledger = fixture.store.ledger_id();
        let state = redeem(&mut fixture, voucher(&ledger, id, 100)).unwrap();
        assert_eq!((state.redeemed, state.status), (100, ChannelStatus::Open));
        let same = redeem(&mut fixture, voucher(&ledger, id, 100)).unwrap_err();
        assert!(
            matches!(
                same,
                LedgerError::VoucherNotAbove {
                    cumulative: 100,
                    redeemed: 100,
                    ..
                }
            ),
            "{same}"
        );
        let lower = redeem(&mut fixture, voucher(&ledger, id, 50)).unwrap_err();
        assert!(matches!(lower, LedgerError::VoucherNotAbove { .. }));
        redeem(&mut fixture, voucher(&ledger, id, 180)).unwrap();
        assert_eq!(balances(&fixture), (500, 180));
        let state = close(&mut fixture, id, None, PAYEE).unwrap();
        assert_eq!((state.redeemed, state.status), (180, ChannelStatus::Closed));
        assert_eq!(balances(&fixture), (820, 180));
        fixture.assert_conserved();
    }

    #[test]
    fn bad_vouchers_are_refused_with_nothing_applied() {
        let (mut fixture, id) = with_channel();
        let ledger = fixture.store.ledger_id();
        let head = fixture.store.head().unwrap();
        let above = close(&mut fixture, id, Some(501), PAYEE).unwrap_err();
        assert!(
            matches!(
                above,
                LedgerError::VoucherAboveLocked {
                    cumulative: 501,
                    locked: 500,
                    ..
                }
            ),
            "{above}"
        );
        let other_id = ChannelId([7; 32]);
        let request = CloseChannel {
            channel: id,
            voucher: Some(voucher(&ledger, other_id, 10)),
        };
        let error = fixture
            .store
            .close_channel(&Signed::sign(request, &key(PAYEE), &ledger))
            .unwrap_err();
        assert!(
            matches!(error, LedgerError::VoucherForAnotherChannel { .. }),
            "{error}"
        );
        let foreign_ledger = LedgerId([9; 32]);
        let foreign = voucher(&foreign_ledger, id, 10);
        let error = redeem(&mut fixture, foreign).unwrap_err();
        assert!(matches!(error, LedgerError::WrongSigner { .. }), "{error}");
        let mut by_payee = voucher(&ledger, id, 10);
        by_payee.signature = Signed::sign(by_payee.request.clone(), &key(PAYEE), &ledger).signature;
        assert!(matches!(
            redeem(&mut fixture, by_payee),
            Err(LedgerError::WrongSigner { .. })
        ));
        let mut other_payee = voucher(&ledger, id, 10);
        other_payee.request.payee = address(3);
        assert!(matches!(
            redeem(&mut fixture, other_payee),
            Err(LedgerError::VoucherForAnotherPayee { .. })
        ));
        let mut tampered = voucher(&ledger, id, 10);
        tampered.request.cumulative = btt(400);
        assert!(matches!(
            redeem(&mut fixture, tampered),
            Err(LedgerError::WrongSigner { .. })
        ));
        let stranger = close(&mut fixture, id, Some(10), 3).unwrap_err();
        assert!(
            matches!(stranger, LedgerError::WrongSigner { .. }),
            "{stranger}"
        );
        let by_payer = close(&mut fixture, id, Some(10), PAYER).unwrap_err();
        assert!(matches!(by_payer, LedgerError::WrongSigner { .. }));
        assert_eq!(fixture.store.head().unwrap(), head);
        assert_eq!(balances(&fixture), (500, 0));
        assert_eq!(
            fixture.store.channel(id).unwrap().unwrap().status,
            ChannelStatus::Open
        );
    }

    #[test]
    fn a_signature_for_one_purpose_is_not_valid_for_another() {
        let (mut fixture, id) = with_channel();
        let ledger = fixture.store.ledger_id();
        let payee_voucher = {
            let promise = Voucher {
                channel: id,
                payee: address(PAYEE),
                cumulative: btt(10),
            };
            Signed::sign(promise, &key(PAYEE), &ledger)
        };
        let request = CloseChannel {
            channel: id,
            voucher: None,
        };
        let reused = Signed {
            request,
            signature: payee_voucher.signature,
        };
        assert!(matches!(
            fixture.store.close_channel(&reused),
            Err(LedgerError::WrongSigner { .. })
        ));
    }

    #[test]
    fn refund_only_by_the_payer_after_the_timeout() {
        let (mut fixture, id) = with_channel();
        let ledger = fixture.store.ledger_id();
        redeem(&mut fixture, voucher(&ledger, id, 40)).unwrap();
        let refund = Signed::sign(RefundChannel { channel: id }, &key(PAYER), &ledger);
        let early = fixture.store.refund_channel(&refund).unwrap_err();
        assert!(
            matches!(early, LedgerError::RefundBeforeTimeout { .. }),
            "{early}"
        );
        fixture.advance(3_600_000);
        let by_payee = Signed::sign(RefundChannel { channel: id }, &key(PAYEE), &ledger);
        assert!(matches!(
            fixture.store.refund_channel(&by_payee),
            Err(LedgerError::WrongSigner { .. })
        ));
        assert_eq!(balances(&fixture), (500, 40));
        let state = fixture.store.refund_channel(&refund).unwrap();
        assert_eq!(state.status, ChannelStatus::Closed);
        assert_eq!(balances(&fixture), (960, 40));
        assert!(matches!(
            fixture.store.refund_channel(&refund),
            Err(LedgerError::ChannelClosed { .. })
        ));
        fixture.assert_conserved();
    }

    #[test]
    fn channels_are_listed_by_payer_or_payee_open_or_closed_by_expiry() {
        let (mut fixture, first) = with_channel();
        fixture.fund(&address(3), 100);
        let ledger = fixture.store.ledger_id();
        let mut sooner = open_request(100, 2);
        sooner.expires_at_ms = START_MS + 60_000;
        let sooner = fixture
            .store
            .open_channel(&Signed::sign(sooner, &key(PAYER), &ledger))
            .unwrap();
        let other = OpenChannel {
            payer: address(3),
            payee: address(PAYER),
            ..open_request(50, 3)
        };
        let other = fixture
            .store
            .open_channel(&Signed::sign(other, &key(3), &ledger))
            .unwrap();
        let closed = close(&mut fixture, first, Some(20), PAYEE).unwrap();
        let ids = |seed: u8, role| -> Vec<ChannelId> {
            let channels = fixture.store.channels_of(&address(seed), role);
            channels
                .unwrap()
                .into_iter()
                .map(|state| state.id)
                .collect()
        };
        assert_eq!(ids(PAYER, ChannelRole::Payer), [sooner.id, first]);
        assert_eq!(ids(PAYEE, ChannelRole::Payee), [sooner.id, first]);
        assert_eq!(ids(PAYER, ChannelRole::Payee), [other.id]);
        assert_eq!(ids(3, ChannelRole::Payer), [other.id]);
        assert!(ids(PAYEE, ChannelRole::Payer).is_empty());
        assert!(ids(9, ChannelRole::Payee).is_empty());
        let listed = fixture
            .store
            .channels_of(&address(PAYEE), ChannelRole::Payee)
            .unwrap();
        assert_eq!(listed, [sooner, closed]);
    }

    #[test]
    fn listing_by_party_uses_the_indexes() {
        let fixture = Fixture::new();
        for (column, index) in [("payer", "channels_payer"), ("payee", "channels_payee")] {
            let sql = format!("EXPLAIN QUERY PLAN {CHANNEL_SELECT} WHERE c.{column} = x'00'");
            let connection = fixture.store.connection();
            let mut statement = connection.prepare(&sql).unwrap();
            let details = statement.query_map([], |row| row.get::<_, String>(3));
            let plan: Vec<String> = details.unwrap().map(Result::unwrap).collect();
            let plan = plan.join("; ");
            assert!(plan.contains(index), "{column}: {plan}");
        }
    }

    #[test]
    fn unknown_channels_are_named() {
        let mut fixture = Fixture::new();
        let ledger = fixture.store.ledger_id();
        let refund = Signed::sign(
            RefundChannel {
                channel: ChannelId([1; 32]),
            },
            &key(PAYER),
            &ledger,
        );
        assert!(matches!(
            fixture.store.refund_channel(&refund),
            Err(LedgerError::UnknownChannel { .. })
        ));
    }

    #[test]
    fn signed_requests_round_trip_through_json() {
        let (fixture, id) = with_channel();
        let ledger = fixture.store.ledger_id();
        let request = CloseChannel {
            channel: id,
            voucher: Some(voucher(&ledger, id, 5)),
        };
        let signed = Signed::sign(request, &key(PAYEE), &ledger);
        let json = serde_json::to_string(&signed).unwrap();
        let back: Signed<CloseChannel> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, signed);
        assert_eq!(back.signer(&ledger).unwrap(), address(PAYEE));
    }
}
