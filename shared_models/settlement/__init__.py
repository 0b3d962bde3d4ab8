"""Settlement after each poll: bill or book every new reading, then alarms and enforcement.

`settle_meters` walks each meter's readings after its cursor (`MeterState.settled_reading_id`)
under the meter-state row lock, so two workers never settle one meter at once:
- remote mode (远程费控): the energy between two billable readings is priced with the tariff
  engine (per-band profile from the rate registers, tier cumulative from the readings, a
  catch-up after a gap marked estimated) and taken from the wallet (it may run into arrears);
- local mode (本地费控): the fall of the meter's own balance is booked (`local_credit`);
- the first reading of a meter only sets the baseline; a swap's start reading is the new
  meter's baseline, and the old meter's last stretch up to its final reading is billed once;
- readings of a meter not on an open account, or taken before it was attached, move the
  cursor and no money. Every booking has an external key (`consume:<meter>:<reading>`), so a
  re-run never bills twice.

A batch (one bus) is a pipeline of set-based steps: the meters on no open account have their
cursors moved in one statement (`unbilled`); the rest are loaded and locked together with their
readings, baselines, swaps, tariffs and already-posted keys (`batch`), as plain rows
(`rows`), walked (`billing`), their cursors written in one statement, their consumption posted
in one ledger write (`post_many`), then followed up together (`follow_up`).
Both entry points return the ids of the commands they queued: the caller commits, then
announces them to the transport.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.ledger.posting import post_many
from shared_models.metering.meter_history import swaps_into
from shared_models.metering.meter_states import state_of
from shared_models.models import AccountMeter, Meter, MeterState, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.types import utcnow

from .batch import Batch, Run, write_states
from .billing import settle_meter
from .follow_up import follow_up
from .unbilled import pending, skip_unbilled

__all__ = ["Credited", "after_credit", "settle_meters"]


def settle_meters(db: Session, meter_ids: Iterable[int], *, now: datetime | None = None) -> list[int]:
    """Settle each meter's new readings; returns the ids of the commands queued (trip, close,
    recharge pushes) for the caller to announce after it commits."""
    batch = Batch(db, now or utcnow())
    ids = sorted(set(meter_ids))  # a fixed order: row locks never deadlock
    if not ids:
        return []
    db.flush()
    waiting, swapped = pending(db, ids)
    batch.swaps = swaps_into(db, swapped) if swapped else {}
    walked = sorted({m for m, billable in waiting.items() if billable} | set(batch.swaps))
    skip_unbilled(batch, sorted(set(waiting) - set(walked)))
    if not walked:
        return []
    batch.load(walked)
    settled = [meter_id for meter_id in walked if settle_meter(batch, meter_id)]
    write_states(db, list(batch.states.values()))
    post_many(db, batch.entries, locked={w.id: w for w in batch.wallets.values()})
    return follow_up(batch, [(batch.meters[m], batch.states[m],
                              found[0] if (found := batch.account_at(m, batch.now)) else None)
                             for m in settled])


@dataclass(frozen=True)
class Credited:
    """What the follow-up of a credit did and saw: the commands it queued (announced after the
    caller commits), and the account's local-mode meter states it read locked, from which the
    money on the meters is counted without reading them again (`balances.account_money`)."""

    command_ids: list[int]
    local_states: list[MeterState]


# The account's current links (parameters a_id, a_now), as `Batch.account_at` finds them.
_CURRENT = (AccountMeter.account_id == bindparam("a_id"), AccountMeter.attached_at <= bindparam("a_now"),
            AccountMeter.detached_at.is_(None))
# The meters and their states in one locking read, built once: only the states are locked
# (`of`), as `settle_meters` takes them; the count of links tells whether every meter has a
# state row.
_ATTACHED_STATES = (select(Meter, MeterState,
                           select(func.count()).select_from(AccountMeter.__table__).where(*_CURRENT)
                           .scalar_subquery())
                    .join(AccountMeter, AccountMeter.meter_id == Meter.id)
                    .join(MeterState, MeterState.meter_id == Meter.id)
                    .where(*_CURRENT).order_by(Meter.id)
                    .with_for_update(of=MeterState.__table__)
                    .execution_options(populate_existing=True))
_ATTACHED = (select(Meter).join(AccountMeter, AccountMeter.meter_id == Meter.id)
             .where(*_CURRENT).order_by(Meter.id))


def _attached_with_states(db: Session, account_id: int, now: datetime) -> list[tuple[Meter, MeterState]]:
    """The account's meters now, each with its state row locked, in meter id order (after the
    account: the sale's lock order). One statement; a meter without a state row yet (never
    read) has one made and locked after it."""
    which = {"a_id": account_id, "a_now": now}
    rows = db.execute(_ATTACHED_STATES, which).all()
    if rows and len(rows) == rows[0][2]:
        return [(meter, state) for meter, state, _count in rows]
    found = {state.meter_id: state for _meter, state, _count in rows}
    return [(meter, found.get(meter.id) or state_of(db, meter.id, lock=True))
            for meter in db.scalars(_ATTACHED, which).all()]


def after_credit(db: Session, account_id: int, *, now: datetime | None = None) -> Credited:
    """Right after money reaches a wallet (a sale): push it onto a local-mode meter, clear
    alarms, and close remote-mode relays tripped for arrears, on fresh data. Returns the
    command ids to announce after the caller commits, and the local-mode meter states."""
    run = Run(db, now or utcnow())
    account = db.get(TenantAccount, account_id)  # the caller's, from the session
    attached = _attached_with_states(db, account_id, run.now)
    if not attached:
        return Credited([], [])
    is_open = account.status == AccountStatus.OPEN
    queued = follow_up(run, [(meter, state, account if is_open else None) for meter, state in attached])
    return Credited(queued, [state for meter, state in attached if meter.control_mode == ControlMode.LOCAL])
