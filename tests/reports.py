"""Helpers for the report tests: a counter driven through the services, and a booking clock."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from unittest import mock

import pytest
from sqlalchemy import event
from sqlalchemy.orm.attributes import get_history

from shared_models.models import Sale
from shared_models.models.ledger import Channel
from shared_models.sales import accounts, sales, shifts


@contextmanager
def booked_at(instant: datetime):
    """Stamp the ledger transactions and sales written inside with `instant` instead of now
    (the services take the time themselves; reports are about which day things fall on)."""

    def on_insert(_mapper, _connection, target) -> None:
        target.created_at = instant
        if getattr(target, "completed_at", None) is not None:
            target.completed_at = instant

    def on_update(_mapper, _connection, target) -> None:
        if target.completed_at is not None and get_history(target, "completed_at").has_changes():
            target.completed_at = instant

    hooks = [(Sale, "before_insert", on_insert), (Sale, "before_update", on_update)]
    for hook in hooks:
        event.listen(*hook)
    try:
        # The ledger and completed sales are written with Core inserts that take their time
        # from the posting and sales services.
        with mock.patch("shared_models.ledger.posting.utcnow", return_value=instant), \
                mock.patch("shared_models.sales.sales.utcnow", return_value=instant):
            yield
    finally:
        for hook in hooks:
            event.remove(*hook)


class Counter:
    """One operator with an open shift at a site, selling through the services."""

    def __init__(self, db, site, operator, new_meter) -> None:
        self.db, self.site, self.operator, self._new_meter = db, site, operator, new_meter
        shifts.open_shift(db, operator.id, site.id)

    def open_account(self, name: str = "张三"):
        return accounts.open_account(self.db, {"site_id": self.site.id, "tenant_name": name,
                                               "meter_ids": [self._new_meter()]},
                                     operator_id=self.operator.id)

    def recharge(self, account, amount: str, channel: Channel = Channel.CASH, at=None) -> Sale:
        return self._at(at, sales.recharge, account_id=account.id, amount=Decimal(amount),
                        channel=channel, operator_id=self.operator.id)

    def refund(self, account, amount: str, channel: Channel = Channel.CASH, at=None) -> Sale:
        return self._at(at, sales.refund, account_id=account.id, amount=Decimal(amount),
                        channel=channel, operator_id=self.operator.id)

    def reverse(self, sale: Sale, at=None) -> Sale:
        return self._at(at, sales.reverse, sale.id, self.operator.id)

    def _at(self, at, action, *args, **kwargs):
        if at is None:
            return action(self.db, *args, **kwargs)
        with booked_at(at):
            return action(self.db, *args, **kwargs)


@pytest.fixture
def counter_for(db, make_operator, make_gateway, make_meter):
    def make(site, role: str = "operator") -> Counter:
        bus = make_gateway(site=site).buses[0]
        operator = make_operator(role, site_ids=[site.id])
        addresses = iter(range(1, 33))
        return Counter(db, site, operator, lambda: make_meter(bus=bus, address=next(addresses)).id)

    return make
