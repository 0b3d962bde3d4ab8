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
readings, baselines, swaps, tariffs and already-posted keys (`batch`), walked (`billing`), their
consumption posted in one ledger write (`post_many`), then followed up together (`follow_up`).
Both entry points return the ids of the commands they queued: the caller commits, then
announces them to the transport.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.ledger.posting import post_many
from shared_models.metering.meter_history import swaps_into
from shared_models.metering.meter_states import state_of
from shared_models.models import AccountMeter, Meter, MeterState, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.types import utcnow

from .batch import Batch, Run, write_states
from .billing import settle_meter
from .follow_up import follow_up
from .unbilled import maybe_billed, pending, skip_unbilled

__all__ = ["after_credit", "settle_meters"]


def settle_meters(db: Session, meter_ids: Iterable[int], *, now: datetime | None = None) -> list[int]:
    """Settle each meter's new readings; returns the ids of the commands queued (trip, close,
    recharge pushes) for the caller to announce after it commits."""
    batch = Batch(db, now or utcnow())
    ids = sorted(set(meter_ids))  # a fixed order: row locks never deadlock
    if not ids:
        return []
    db.flush()
    waiting = pending(db, ids)
    batch.swaps = swaps_into(db, ids)
    walked = sorted(maybe_billed(db, waiting) | set(batch.swaps))
    skip_unbilled(batch, sorted(set(waiting) - set(walked)))
    if not walked:
        return []
    batch.load(walked)
    settled = [meter_id for meter_id in walked if settle_meter(batch, meter_id)]
    write_states(db, [s for s in db.identity_map.values() if isinstance(s, MeterState)])
    post_many(db, batch.entries, locked={w.id: w for w in batch.wallets.values()})
    return follow_up(batch, [(batch.meters[m], batch.states[m], batch.account_at(m, batch.now))
                             for m in settled])


def after_credit(db: Session, account_id: int, *, now: datetime | None = None) -> list[int]:
    """Right after money reaches a wallet (a sale): push it onto a local-mode meter, clear
    alarms, and close remote-mode relays tripped for arrears, on fresh data. Returns the
    command ids to announce after the caller commits."""
    run = Run(db, now or utcnow())
    account = db.get(TenantAccount, account_id)  # the caller's, from the session
    # Each meter with its current link: what account_at would find for it again.
    attached = db.execute(select(Meter, AccountMeter).join(AccountMeter, AccountMeter.meter_id == Meter.id)
                          .where(AccountMeter.account_id == account_id, AccountMeter.attached_at <= run.now,
                                 AccountMeter.detached_at.is_(None)).order_by(Meter.id)).all()
    if not attached:
        return []
    # The meter states locked in one statement, after the account (the sale's lock order).
    states = {s.meter_id: s for s in db.scalars(
        select(MeterState).where(MeterState.meter_id.in_([meter.id for meter, _link in attached]))
        .order_by(MeterState.meter_id).with_for_update().execution_options(populate_existing=True))}
    is_open = account.status == AccountStatus.OPEN
    return follow_up(run, [(meter, states.get(meter.id) or state_of(db, meter.id, lock=True),
                            (account, link) if is_open else None) for meter, link in attached])
