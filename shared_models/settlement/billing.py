"""Billing one meter's new readings: remote mode priced and taken from the wallet, local mode
booked from the meter's own balance, a swap's final stretch billed once."""

from __future__ import annotations

from decimal import Decimal

from shared_models.enums import ControlMode
from shared_models.ledger.posting import Entry
from shared_models.ledger.postpaid import consumption_source
from shared_models.ledger.rules import transfer
from shared_models.metering.meter_history import (
    Point,
    billable,
    final_point,
    last_billable,
    point_of,
    start_point,
)
from shared_models.models import Meter, MeterSwap, TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.models.ledger import TransactionKind
from shared_models.settlement import local_credit
from shared_models.tariffs.rounding import as_remainder, carry_round, round_exact

from .batch import Batch
from .rows import AccountRow, MeterRow, StateRow


def settle_meter(batch: Batch, meter_id: int) -> bool:
    """Walk the meter's readings after its cursor; whether it had any (then it is followed up)."""
    meter = batch.meters.get(meter_id)
    if meter is None:
        return False
    state = batch.states[meter_id]  # locked by batch.load, after the wallet
    readings = batch.readings.get(meter_id, [])
    swap = batch.swaps.get(meter_id)
    if swap is not None:
        _bill_swap_final(batch, swap)
    base = batch.bases.get(meter_id)
    for reading in readings:
        state.settled_reading_id = reading.id
        if not billable(reading):
            continue
        end = point_of(reading)
        if swap is not None and swap.swapped_at <= end.read_at and (
                base is None or base.read_at < swap.swapped_at):
            base = start_point(swap)
        if base is None:
            base = end
            continue
        if end.read_at <= base.read_at or end.total < base.total:
            continue  # out of order or backwards without the flag: never billed, never a base
        _book(batch, meter, base, end)
        base = end
    return bool(readings)


def _book(batch: Batch, meter: MeterRow, start: Point, end: Point) -> None:
    found = batch.account_at(meter.id, end.read_at)
    if found is None or start.read_at < found[1].attached_at:
        return  # not on an open account for the whole interval: no money
    if meter.control_mode == ControlMode.LOCAL:
        local_credit.book_consumption(batch.db, batch.site(meter.site_id), meter, start, end,
                                      lambda: round_exact(batch.price(meter, start, end).amount),
                                      batch=local_credit.Deferred(batch.entries, batch.posted))
    else:
        bill(batch, meter, found[0], start, end, f"consume:{meter.id}:{end.reading_id}",
             batch.states[meter.id])


def bill(batch: Batch, meter: Meter | MeterRow, account: AccountRow | TenantAccount, start: Point,
         end: Point, key: str, state: StateRow) -> None:
    """Take the priced energy from the wallet (into arrears if need be), once.

    The meter's running bill is rounded once, not each interval: the interval's exact cost
    joins the carried remainder and only whole cents are posted (`carry_round`), so a meter's
    postings always add up to its exact cost rounded half-up. `billed_until` marks the energy
    already in the carry, so an interval is never counted twice, posted or not. The posting
    waits in `batch.entries` for the batch's one write."""
    if end.total <= start.total or end.read_at <= start.read_at:
        return
    if (state.billed_until is not None and end.read_at <= state.billed_until) \
            or (meter.site_id, key) in batch.posted:
        return
    priced = batch.price(meter, start, end)
    # The stored carry is a Decimal on the 1e-12 grid: with an exact decimal cost the running
    # bill is rounded in integers, otherwise in rationals, to the same cents (`carry_round`).
    carry = (state.cost_carry or Decimal(0)) if state.carry_account_id == account.id else Decimal(0)
    amount, carry = carry_round(carry, priced.amount)
    state.cost_carry, state.carry_account_id = as_remainder(carry), account.id
    state.billed_until = end.read_at
    if amount == 0:
        return
    debited = debit_account(batch, account)
    note = " (estimated after a gap)" if priced.estimated else ""
    batch.entries.append(Entry(
        site_id=meter.site_id, kind=TransactionKind.CONSUMPTION,
        legs=transfer(debited, batch.revenue_of(meter.site_id).id, amount), external_key=key,
        reason=f"meter {meter.serial_number}: {end.total - start.total} kWh{note}",
        may_overdraw={debited}))
    batch.posted.add((meter.site_id, key))


def debit_account(batch: Batch, account: AccountRow | TenantAccount) -> int:
    """The ledger account a meter's consumption is taken from: the tenant's wallet (it may run
    into arrears), or a postpaid account's unbilled account. The one place that chooses it."""
    return consumption_source(batch.db, account, batch.wallet(account.id)).id


def _bill_swap_final(batch: Batch, swap: MeterSwap) -> None:
    """The old meter's last stretch, from its last reading up to the final reading taken at
    the swap, billed to the account once (remote mode)."""
    key = f"swapfinal:{swap.id}"
    old = batch.db.get(Meter, swap.old_meter_id)
    if old.control_mode != ControlMode.REMOTE or (old.site_id, key) in batch.posted:
        return
    last = last_billable(batch.db, old.id, until=swap.swapped_at)
    account = batch.db.get(TenantAccount, swap.account_id)
    if last is None or account.status != AccountStatus.OPEN:
        return
    old_state = batch.state(old.id)
    bill(batch, old, account, point_of(last), final_point(swap), key, old_state)
    # The account's sub-cent remainder goes on with the new meter, as its history does.
    new_state = batch.states[swap.new_meter_id]
    if old_state.carry_account_id == account.id and old_state.cost_carry \
            and new_state.carry_account_id in (None, account.id):
        new_state.cost_carry = (new_state.cost_carry or 0) + old_state.cost_carry
        new_state.carry_account_id, old_state.cost_carry = account.id, Decimal(0)
