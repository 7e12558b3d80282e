//! Payment channels on the embedded ledger: the SQL side of
//! [`crate::ledger::channel`]. A channel's funds live in a lock (see
//! [`super::locks`]); the `channels` row adds the parties and what the
//! payee has redeemed so far.

use super::codec::{parse_address, parse_amount, parse_units};
use super::locks::{self, LockKind};
use super::store::{Store, Writer};
use crate::ledger::channel::{
    ChannelState, ChannelStatus, CloseChannel, OpenChannel, RedeemVoucher, RefundChannel,
};
use crate::ledger::domain::Signed;
use crate::ledger::error::LedgerError;
use crate::ledger::id::ChannelId;
use crate::ledger::MovementKind;
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
            if open.expires_at_ms <= writer.now_ms {
                return Err(LedgerError::DeadlineInPast {
                    deadline_ms: open.expires_at_ms,
                    now_ms: writer.now_ms,
                });
            }
            let created = locks::create(
                writer.connection,
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
            let rest = state.remaining() - increment;
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

fn load_channel(
    connection: &Connection,
    id: ChannelId,
) -> Result<Option<ChannelState>, LedgerError> {
    let row = connection
        .prepare_cached(
            "SELECT c.payer, c.payee, l.token, c.amount, c.redeemed, l.deadline_ms, l.settled_sequence
             FROM channels c JOIN locks l ON l.id = c.id WHERE c.id = ?1",
        )
        .and_then(|mut statement| {
            statement
                .query_row([id.0.as_slice()], |row| {
                    Ok((
                        row.get::<_, Vec<u8>>(0)?,
                        row.get::<_, Vec<u8>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, i64>(5)?,
                        row.get::<_, Option<i64>>(6)?,
                    ))
                })
                .optional()
        })
        .map_err(LedgerError::storage("reading a channel"))?;
    let Some((payer, payee, token, amount, redeemed, expires_at_ms, settled)) = row else {
        return Ok(None);
    };
    Ok(Some(ChannelState {
        id,
        payer: parse_address(&payer)?,
        payee: parse_address(&payee)?,
        amount: parse_amount(&token, &amount)?,
        redeemed: parse_units(&redeemed)?,
        expires_at_ms,
        status: if settled.is_some() {
            ChannelStatus::Closed
        } else {
            ChannelStatus::Open
        },
    }))
}
