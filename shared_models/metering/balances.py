"""A tenant's money wherever it is: the wallet, recharges on their way to a meter, the meters.

For a remote-mode account (远程费控) the wallet is all of it. A local-mode meter (本地费控)
keeps its own wallet: a sale moves the money from the account's wallet onto the meter with a
recharge command, and until the meter shows that purchase the money is in transit. It is
still the tenant's: alarms, arrears, the receipt, the SMS and the account view count it, so a
tenant who has just paid is never told they are in arrears while the push is on its way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, String, cast, func, literal, select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.ledger.books import wallet_of
from shared_models.models import (
    AccountMeter,
    Command,
    LedgerTransaction,
    Meter,
    MeterState,
    Posting,
    TenantAccount,
)
from shared_models.models.commands import CommandKind

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AccountMoney:
    wallet: Decimal  # in the account's wallet
    in_transit: Decimal  # pushed to a local-mode meter that does not show it yet
    on_meters: Decimal  # the local-mode meters' own balances, as last read
    meters_read_at: datetime | None  # the oldest of those readings

    @property
    def total(self) -> Decimal:
        return self.wallet + self.in_transit + self.on_meters


def in_transit_amount(meter_id: ColumnElement[int], shown_count: ColumnElement[int | None]):
    """SQL for the money on its way to a meter (a correlated scalar subquery): its recharge
    pushes whose purchase count the meter does not show yet (`shown_count`, as last read) and
    whose money has not come back: queued, sent or verified-but-not-yet-read pushes, and failed
    ones not yet refunded (the meter may still have taken them). A verified push a later
    reading did not show was parked in suspense for a person: not counted. The amount is the
    push's own posting onto the meter-held account."""
    settled = select(LedgerTransaction.id).where(
        LedgerTransaction.site_id == Command.site_id,
        LedgerTransaction.external_key.in_([literal("pushback:") + cast(Command.id, String),
                                            literal("unshown:") + cast(Command.id, String)]))
    return (select(func.coalesce(func.sum(Posting.amount), ZERO))
            .join(Command, Command.ledger_transaction_id == Posting.transaction_id)
            .where(Command.meter_id == meter_id, Command.kind == CommandKind.RECHARGE,
                   Command.purchase_count > func.coalesce(shown_count, 0), Posting.amount > 0,
                   ~settled.exists())
            .scalar_subquery())


def in_transit(db: Session, states: Iterable[MeterState]) -> dict[int, Decimal]:
    """Per meter, the money on its way to it (`in_transit_amount`), one query for them all."""
    ids = [state.meter_id for state in states]
    if not ids:
        return {}
    return dict(db.execute(select(MeterState.meter_id,
                                  in_transit_amount(MeterState.meter_id, MeterState.purchase_count))
                           .where(MeterState.meter_id.in_(ids))).all())


def meter_money(db: Session, account: TenantAccount, state: MeterState) -> Decimal:
    """The money that keeps a local-mode meter on: its own balance, what is on its way to it,
    and what the wallet still holds for it (pushed once the meter is read fresh)."""
    wallet = (account.wallet or wallet_of(db, account.id)).balance
    return (state.balance or ZERO) + in_transit(db, [state])[state.meter_id] + wallet


def account_money(db: Session, account: TenantAccount,
                  local_states: Iterable[MeterState] | None = None) -> AccountMoney:
    """The account's money in its three places: one query for a remote-mode account (whose
    wallet is loaded with it), two more with local-mode meters. `local_states`: the states of
    the account's local-mode meters, if the caller has just read them (a sale's follow-up);
    then only what is in transit to them is read (nothing for a remote-mode account)."""
    wallet = (account.wallet or wallet_of(db, account.id)).balance
    if local_states is None:
        local_states = db.scalars(select(MeterState)
                                  .join(Meter, Meter.id == MeterState.meter_id)
                                  .join(AccountMeter, AccountMeter.meter_id == Meter.id)
                                  .where(AccountMeter.account_id == account.id,
                                         AccountMeter.detached_at.is_(None),
                                         Meter.control_mode == ControlMode.LOCAL))
    states = list(local_states)
    if not states:
        return AccountMoney(wallet, ZERO, ZERO, None)
    moving = in_transit(db, states)
    read = [s.last_read_at for s in states if s.last_read_at is not None]
    return AccountMoney(wallet, sum(moving.values(), ZERO),
                        sum((s.balance or ZERO for s in states), ZERO), min(read, default=None))
