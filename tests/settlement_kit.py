"""A site with meters, accounts and readings written the way the poller writes them."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared_models.enums import ControlMode
from shared_models.ledger.books import derived_balance, site_account, wallet_of
from shared_models.ledger.verify import verify
from shared_models.metering.meter_states import state_of
from shared_models.models import Alarm, Command, Reading, SmsMessage
from shared_models.models.commands import CommandKind, CommandState
from shared_models.models.ledger import AccountKind, Channel
from shared_models.models.metering import AlarmKind, ReadingQuality
from shared_models.sales import accounts, sales, shifts
from shared_models.settlement import settle_meters
from shared_models.tariffs import store as store
from shared_models.types import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = Decimal
TOU = {
    "prices": {"sharp": "1.2000", "peak": "0.9000", "flat": "0.6000", "valley": "0.3000"},
    "time_of_use": {"day_plan": [["22:00", "06:00", "valley"], ["06:00", "08:00", "flat"],
                                 ["08:00", "11:00", "peak"], ["11:00", "18:00", "flat"],
                                 ["18:00", "19:00", "sharp"], ["19:00", "22:00", "peak"]]},
}
_codes = itertools.count(1)


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def tomorrow() -> date:
    return datetime.now(SHANGHAI).date() + timedelta(days=1)


class Kit:
    """Drives settlement the way the worker does: write readings, then settle."""

    def __init__(self, db, site, bus, operator) -> None:
        self.db, self.site, self.bus, self.operator = db, site, bus, operator
        self.now: datetime | None = None
        self._shift = False
        self._addresses = itertools.count(1)

    def meter(self, mode: ControlMode = ControlMode.REMOTE):
        from shared_models.registry import save_meter

        n = next(self._addresses)
        meter = save_meter(self.db, {"bus_id": self.bus.id, "address": n,
                                     "serial_number": f"ST{self.site.id:04d}{n:06d}",
                                     "control_mode": mode})
        self.db.flush()
        return meter

    def account(self, *meters, balance: str = "0", **values):
        values = {"site_id": self.site.id, "tenant_name": "李四", "phone": "13800138000",
                  "meter_ids": [m.id for m in meters], **values}
        if D(balance) > 0:
            values.update(opening_balance=D(balance), carried_over_from="old")
        account = accounts.open_account(self.db, values, operator_id=self.operator.id)
        for link in account.links:  # opened before the readings the tests write
            link.attached_at -= timedelta(days=2)
        self.db.flush()
        return account

    def ago(self, minutes: int) -> datetime:
        return utcnow() - timedelta(minutes=minutes)

    def tou_plan(self, meters, document=TOU, effective: date | None = None):
        plan = store.create_plan(self.db, self.site.id, f"P{next(_codes)}", "tou")
        version = store.add_version(self.db, plan.id,
                                    effective or datetime.now(SHANGHAI).date(), document)
        store.publish_version(self.db, version.id)
        store.assign_to_meters(self.db, plan.id, [m.id for m in meters])
        return plan

    def read(self, meter, at: datetime, total: str, registers=None, *, balance: str = "0",
             count: int = 0, status: int = 0, relay_open: bool = False,
             quality: ReadingQuality = ReadingQuality.GOOD) -> Reading:
        """One reading plus the meter-state update the poller makes with it."""
        sharp, peak, flat, valley = (D(r) for r in registers) if registers else (
            D(0), D(0), D(total), D(0))
        reading = Reading(meter_id=meter.id, read_at=at, total_energy=D(total), energy_sharp=sharp,
                          energy_peak=peak, energy_flat=flat, energy_valley=valley,
                          balance=D(balance), purchase_count=count, status_bits=status,
                          quality=quality, power_w=100)
        self.db.add(reading)
        self.db.flush()
        state = state_of(self.db, meter.id)
        state.last_reading_id, state.last_read_at, state.relay_open = reading.id, at, relay_open
        state.balance, state.purchase_count, state.status_bits = D(balance), count, status
        state.online = True
        self.db.flush()
        self.now = at + timedelta(minutes=1)
        return reading

    def settle(self, *meters, now: datetime | None = None) -> list[int]:
        return settle_meters(self.db, [m.id for m in meters], now=now or self.now)

    def recharge(self, account, amount: str):
        if not self._shift:
            shifts.open_shift(self.db, self.operator.id, self.site.id)
            self._shift = True
        return sales.recharge(self.db, account_id=account.id, amount=D(amount),
                              channel=Channel.CASH, operator_id=self.operator.id)

    def wallet(self, account) -> Decimal:
        return wallet_of(self.db, account.id).balance

    def held(self, kind: AccountKind) -> Decimal:
        return derived_balance(self.db, site_account(self.db, self.site.id, kind).id)

    def commands(self, meter, *states: CommandState) -> list[Command]:
        stmt = select(Command).where(Command.meter_id == meter.id).order_by(Command.id)
        if states:
            stmt = stmt.where(Command.state.in_(states))
        return list(self.db.scalars(stmt))

    def pushes(self, meter) -> list[Command]:
        """The meter's recharge pushes (local mode), oldest first."""
        return [c for c in self.commands(meter) if c.kind == CommandKind.RECHARGE]

    def active_alarms(self, kind: AlarmKind) -> list[Alarm]:
        return list(self.db.scalars(select(Alarm).where(Alarm.kind == kind, Alarm.cleared_at.is_(None),
                                                        Alarm.site_id == self.site.id)))

    def texts(self, kind: str) -> list[SmsMessage]:
        """The site's SMS of one kind."""
        return list(self.db.scalars(select(SmsMessage).where(SmsMessage.site_id == self.site.id,
                                                             SmsMessage.kind == kind)))

    def finish(self, command: Command, state: CommandState, at: datetime) -> None:
        """What the command runner records when a command ends."""
        command.state, command.finished_at = state, at
        self.db.flush()

    def assert_books(self) -> None:
        report = verify(self.db, self.site.id)
        assert report.ok, report.problems
