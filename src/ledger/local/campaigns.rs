//! Crowdfunding campaigns on the embedded ledger: the SQL side of
//! [`crate::ledger::escrow`]. A campaign's pledges live in a lock (see
//! [`super::locks`]); each pledge row remembers who pledged what, so a
//! missed goal refunds every pledge to the base unit.

use super::codec::{parse_address, parse_amount, parse_units};
use super::locks::{self, LockKind};
use super::store::{Store, Writer};
use crate::ledger::domain::{Authorise, Signed};
use crate::ledger::error::LedgerError;
use crate::ledger::escrow::{CampaignState, CampaignStatus, CreateCampaign, Pledge, PledgerTotal};
use crate::ledger::id::CampaignId;
use crate::ledger::MovementKind;
use crate::tron::Address;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

impl Store {
    /// Starts a campaign signed by its creator.
    pub fn create_campaign(
        &mut self,
        request: &Signed<CreateCampaign>,
    ) -> Result<CampaignState, LedgerError> {
        let ledger = self.ledger_id();
        let create = &request.request;
        request.verify_signer(&ledger, &create.creator)?;
        if create.goal.base_units == 0 {
            return Err(LedgerError::ZeroAmount);
        }
        let id = create.id(&ledger);
        self.write(|writer| {
            let created = locks::create(
                writer,
                &id.0,
                LockKind::Campaign,
                create.goal.token,
                create.deadline_ms,
            )?;
            if !created {
                return Err(LedgerError::CampaignExists { id });
            }
            writer
                .connection
                .execute(
                    "INSERT INTO campaigns (id, creator, beneficiary, goal, title, outcome)
                     VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
                    params![
                        id.0.as_slice(),
                        create.creator.as_bytes().as_slice(),
                        create.beneficiary.as_bytes().as_slice(),
                        create.goal.base_units.to_string(),
                        create.title
                    ],
                )
                .map_err(LedgerError::storage("creating a campaign"))?;
            require_campaign(writer.connection, id)
        })
    }

    /// Locks a pledge, signed by the pledger, until settlement.
    pub fn pledge(&mut self, request: &Signed<Pledge>) -> Result<CampaignState, LedgerError> {
        let ledger = self.ledger_id();
        let pledge = &request.request;
        request.verify_signer(&ledger, &pledge.pledger)?;
        let pledge_id = request.request.digest(&ledger);
        self.write(|writer| {
            let state = require_campaign(writer.connection, pledge.campaign)?;
            state.check_pledge(pledge, writer.now_ms)?;
            let record = locks::deposit(
                writer,
                &state.id.0,
                &pledge.pledger,
                &pledge.amount,
                MovementKind::Pledge,
            )?;
            let inserted = writer
                .connection
                .execute(
                    "INSERT OR IGNORE INTO pledges (id, campaign, pledger, amount, sequence)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        pledge_id.as_slice(),
                        state.id.0.as_slice(),
                        pledge.pledger.as_bytes().as_slice(),
                        pledge.amount.base_units.to_string(),
                        i64::try_from(record.sequence).unwrap_or(i64::MAX)
                    ],
                )
                .map_err(LedgerError::storage("recording a pledge"))?;
            if inserted != 1 {
                return Err(LedgerError::PledgeReplay {
                    id: state.id,
                    pledge: hex::encode(pledge_id),
                });
            }
            require_campaign(writer.connection, state.id)
        })
    }

    /// Settles a campaign after its deadline, once: everything to the
    /// beneficiary if the goal was met, else every pledge back to its pledger.
    pub fn settle_campaign(&mut self, id: CampaignId) -> Result<CampaignState, LedgerError> {
        self.write(|writer| {
            let state = require_campaign(writer.connection, id)?;
            let goal_met = state.check_settle(writer.now_ms)?;
            let outcome = if goal_met {
                release(writer, &state)?;
                "released"
            } else {
                refund_pledges(writer, &state)?;
                "refunded"
            };
            locks::settle(writer, &id.0)?;
            writer
                .connection
                .execute(
                    "UPDATE campaigns SET outcome = ?2 WHERE id = ?1",
                    params![id.0.as_slice(), outcome],
                )
                .map_err(LedgerError::storage("settling a campaign"))?;
            require_campaign(writer.connection, id)
        })
    }

    /// A campaign's state.
    pub fn campaign(&self, id: CampaignId) -> Result<Option<CampaignState>, LedgerError> {
        load_campaign(self.connection(), id)
    }
}

fn release(writer: &Writer<'_>, state: &CampaignState) -> Result<(), LedgerError> {
    if state.raised == 0 {
        return Ok(());
    }
    locks::pay_out(
        writer,
        &state.id.0,
        &state.beneficiary,
        state.raised,
        MovementKind::CampaignRelease,
    )?;
    Ok(())
}

fn refund_pledges(writer: &Writer<'_>, state: &CampaignState) -> Result<(), LedgerError> {
    for (pledger, units) in pledges(writer.connection, state.id)? {
        locks::pay_out(
            writer,
            &state.id.0,
            &pledger,
            units,
            MovementKind::CampaignRefund,
        )?;
    }
    Ok(())
}

/// Every pledge of a campaign, in the order made: (pledger, base units).
fn pledges(connection: &Connection, id: CampaignId) -> Result<Vec<(Address, u128)>, LedgerError> {
    let rows = connection
        .prepare_cached("SELECT pledger, amount FROM pledges WHERE campaign = ?1 ORDER BY sequence")
        .and_then(|mut statement| {
            statement
                .query_map([id.0.as_slice()], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(LedgerError::storage("reading pledges"))?;
    rows.into_iter()
        .map(|(pledger, amount)| Ok((parse_address(&pledger)?, parse_units(&amount)?)))
        .collect()
}

fn pledger_totals(
    connection: &Connection,
    id: CampaignId,
) -> Result<(u128, Vec<PledgerTotal>), LedgerError> {
    let mut totals: BTreeMap<Address, u128> = BTreeMap::new();
    let mut raised = 0u128;
    for (pledger, units) in pledges(connection, id)? {
        let overflow = || LedgerError::Overflow { address: pledger };
        let total = totals.entry(pledger).or_default();
        *total = total.checked_add(units).ok_or_else(overflow)?;
        raised = raised.checked_add(units).ok_or_else(overflow)?;
    }
    let pledgers = totals
        .into_iter()
        .map(|(pledger, pledged)| PledgerTotal { pledger, pledged })
        .collect();
    Ok((raised, pledgers))
}

fn require_campaign(connection: &Connection, id: CampaignId) -> Result<CampaignState, LedgerError> {
    load_campaign(connection, id)?.ok_or(LedgerError::UnknownCampaign { id })
}

fn load_campaign(
    connection: &Connection,
    id: CampaignId,
) -> Result<Option<CampaignState>, LedgerError> {
    let row = connection
        .prepare_cached(
            "SELECT c.creator, c.beneficiary, l.token, c.goal, c.title, l.deadline_ms, c.outcome
             FROM campaigns c JOIN locks l ON l.id = c.id WHERE c.id = ?1",
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
                        row.get::<_, Option<String>>(6)?,
                    ))
                })
                .optional()
        })
        .map_err(LedgerError::storage("reading a campaign"))?;
    let Some((creator, beneficiary, token, goal, title, deadline_ms, outcome)) = row else {
        return Ok(None);
    };
    let status = match outcome.as_deref() {
        None => CampaignStatus::Open,
        Some("released") => CampaignStatus::Released,
        Some("refunded") => CampaignStatus::Refunded,
        Some(other) => {
            return Err(LedgerError::Corrupt {
                what: format!("campaign outcome {other:?}"),
            })
        }
    };
    let (raised, pledgers) = pledger_totals(connection, id)?;
    Ok(Some(CampaignState {
        id,
        creator: parse_address(&creator)?,
        beneficiary: parse_address(&beneficiary)?,
        goal: parse_amount(&token, &goal)?,
        raised,
        deadline_ms,
        title,
        status,
        pledgers,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{address, btt, key, Fixture, START_MS};
    use super::*;
    use crate::amount::Token;

    const CREATOR: u8 = 1;
    const BENEFICIARY: u8 = 2;
    const DAY_MS: i64 = 86_400_000;

    /// A campaign with a goal of 1,000 and three funded pledgers (seeds 3, 4, 5).
    fn with_campaign() -> (Fixture, CampaignId) {
        let mut fixture = Fixture::new();
        for pledger in 3..=5 {
            fixture.fund(&address(pledger), 1_000);
        }
        let ledger = fixture.store.ledger_id();
        let create = CreateCampaign {
            creator: address(CREATOR),
            beneficiary: address(BENEFICIARY),
            goal: btt(1_000),
            deadline_ms: START_MS + DAY_MS,
            title: "Album 2".to_string(),
            nonce: 1,
        };
        let state = fixture
            .store
            .create_campaign(&Signed::sign(create, &key(CREATOR), &ledger))
            .unwrap();
        assert_eq!((state.raised, state.status), (0, CampaignStatus::Open));
        (fixture, state.id)
    }

    fn pledge(
        fixture: &mut Fixture,
        id: CampaignId,
        pledger: u8,
        units: u128,
        nonce: u64,
    ) -> Result<CampaignState, LedgerError> {
        let ledger = fixture.store.ledger_id();
        let request = Pledge {
            campaign: id,
            pledger: address(pledger),
            amount: btt(units),
            nonce,
        };
        fixture
            .store
            .pledge(&Signed::sign(request, &key(pledger), &ledger))
    }

    fn balance(fixture: &Fixture, seed: u8) -> u128 {
        fixture.store.balance(&address(seed), Token::Btt).unwrap()
    }

    #[test]
    fn a_met_goal_pays_the_beneficiary_once() {
        let (mut fixture, id) = with_campaign();
        pledge(&mut fixture, id, 3, 600, 1).unwrap();
        pledge(&mut fixture, id, 4, 300, 1).unwrap();
        let state = pledge(&mut fixture, id, 3, 150, 2).unwrap();
        assert_eq!(state.raised, 1_050);
        assert_eq!(
            state.pledgers[0],
            PledgerTotal {
                pledger: address(3),
                pledged: 750
            }
        );
        fixture.assert_conserved();
        let early = fixture.store.settle_campaign(id).unwrap_err();
        assert!(
            matches!(early, LedgerError::SettleBeforeDeadline { .. }),
            "{early}"
        );
        fixture.advance(DAY_MS);
        let settled = fixture.store.settle_campaign(id).unwrap();
        assert_eq!(settled.status, CampaignStatus::Released);
        assert_eq!(balance(&fixture, BENEFICIARY), 1_050);
        assert_eq!((balance(&fixture, 3), balance(&fixture, 4)), (250, 700));
        let twice = fixture.store.settle_campaign(id).unwrap_err();
        assert!(
            matches!(twice, LedgerError::CampaignSettled { .. }),
            "{twice}"
        );
        assert_eq!(balance(&fixture, BENEFICIARY), 1_050);
        fixture.assert_conserved();
    }

    #[test]
    fn a_missed_goal_refunds_every_pledge_exactly() {
        let (mut fixture, id) = with_campaign();
        pledge(&mut fixture, id, 3, 333, 1).unwrap();
        pledge(&mut fixture, id, 4, 1, 1).unwrap();
        pledge(&mut fixture, id, 3, 7, 2).unwrap();
        assert_eq!(balance(&fixture, 3), 660);
        fixture.advance(DAY_MS);
        let late = pledge(&mut fixture, id, 5, 900, 1).unwrap_err();
        assert!(
            matches!(late, LedgerError::PledgeAfterDeadline { .. }),
            "{late}"
        );
        let settled = fixture.store.settle_campaign(id).unwrap();
        assert_eq!(settled.status, CampaignStatus::Refunded);
        assert_eq!(
            (
                balance(&fixture, 3),
                balance(&fixture, 4),
                balance(&fixture, 5)
            ),
            (1_000, 1_000, 1_000)
        );
        assert_eq!(balance(&fixture, BENEFICIARY), 0);
        let after = pledge(&mut fixture, id, 5, 1, 2).unwrap_err();
        assert!(
            matches!(after, LedgerError::CampaignSettled { .. }),
            "{after}"
        );
        fixture.assert_conserved();
    }

    #[test]
    fn bad_pledges_are_refused_with_nothing_applied() {
        let (mut fixture, id) = with_campaign();
        pledge(&mut fixture, id, 3, 10, 1).unwrap();
        let head = fixture.store.head().unwrap();
        let replay = pledge(&mut fixture, id, 3, 10, 1).unwrap_err();
        assert!(
            matches!(replay, LedgerError::PledgeReplay { .. }),
            "{replay}"
        );
        let broke = pledge(&mut fixture, id, 6, 10, 1).unwrap_err();
        assert!(broke.is_insufficient_funds(), "{broke}");
        assert!(matches!(
            pledge(&mut fixture, id, 4, 0, 1),
            Err(LedgerError::ZeroAmount)
        ));
        let unknown = pledge(&mut fixture, CampaignId([1; 32]), 4, 5, 1).unwrap_err();
        assert!(
            matches!(unknown, LedgerError::UnknownCampaign { .. }),
            "{unknown}"
        );
        let ledger = fixture.store.ledger_id();
        let forged = Pledge {
            campaign: id,
            pledger: address(4),
            amount: btt(5),
            nonce: 9,
        };
        let forged = Signed::sign(forged, &key(3), &ledger);
        assert!(matches!(
            fixture.store.pledge(&forged),
            Err(LedgerError::WrongSigner { .. })
        ));
        let trx = Pledge {
            campaign: id,
            pledger: address(4),
            amount: crate::amount::Amount {
                token: Token::Trx,
                base_units: 5,
            },
            nonce: 10,
        };
        let trx = Signed::sign(trx, &key(4), &ledger);
        assert!(matches!(
            fixture.store.pledge(&trx),
            Err(LedgerError::TokenMismatch { .. })
        ));
        assert_eq!(fixture.store.head().unwrap(), head);
        assert_eq!(fixture.store.campaign(id).unwrap().unwrap().raised, 10);
        fixture.assert_conserved();
    }

    #[test]
    fn creating_twice_or_with_a_past_deadline_is_refused() {
        let (mut fixture, id) = with_campaign();
        let ledger = fixture.store.ledger_id();
        let create = CreateCampaign {
            creator: address(CREATOR),
            beneficiary: address(BENEFICIARY),
            goal: btt(1_000),
            deadline_ms: START_MS + DAY_MS,
            title: "Album 2".to_string(),
            nonce: 1,
        };
        assert_eq!(create.id(&ledger), id);
        let again = Signed::sign(create.clone(), &key(CREATOR), &ledger);
        assert!(matches!(
            fixture.store.create_campaign(&again),
            Err(LedgerError::CampaignExists { .. })
        ));
        let past = CreateCampaign {
            deadline_ms: START_MS,
            nonce: 2,
            ..create
        };
        let past = Signed::sign(past, &key(CREATOR), &ledger);
        assert!(matches!(
            fixture.store.create_campaign(&past),
            Err(LedgerError::DeadlineInPast { .. })
        ));
    }

    #[test]
    fn a_campaign_without_pledges_settles_to_a_refund_of_nothing() {
        let (mut fixture, id) = with_campaign();
        fixture.advance(DAY_MS);
        let settled = fixture.store.settle_campaign(id).unwrap();
        assert_eq!(
            (settled.status, settled.raised),
            (CampaignStatus::Refunded, 0)
        );
        fixture.assert_conserved();
    }
}
