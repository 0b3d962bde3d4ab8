"""The alarms list by meter and by account finds the alarms kept on the other one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shared_models.enums import ControlMode
from shared_models.metering import alarms
from shared_models.metering.meter_states import state_of
from shared_models.models import AccountMeter
from shared_models.models.metering import AlarmKind
from shared_models.settlement.enforcement import update_alarms
from shared_models.types import utcnow
from tests.settlement_kit import Kit

D = Decimal


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=D("1.0000"), alarm1_threshold=D("20.00"),
                     alarm2_threshold=D("5.00"))
    return Kit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))


def listed(client, headers, **query) -> set[tuple[str, str]]:
    response = client.get("/api/v1/alarms", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {(alarm["kind"], alarm["subject"]) for alarm in response.json}


@pytest.fixture
def tripped(db, kit):
    """A remote-mode meter whose account ran out: enforcement keeps the arrears alarm on the
    account; the meter has an alarm of its own too. Another account is in arrears as well."""
    meter, other_meter = kit.meter(ControlMode.REMOTE), kit.meter(ControlMode.REMOTE)
    account, other = kit.account(meter), kit.account(other_meter)
    for m, a in ((meter, account), (other_meter, other)):
        update_alarms(db, kit.site, m, a, state_of(db, m.id), D("-1.00"), utcnow())
    alarms.raise_alarm(db, AlarmKind.LOST_COMM, site_id=kit.site.id, meter_id=meter.id)
    db.commit()
    return meter, account


def test_the_meter_filter_finds_the_arrears_alarm_of_its_account(client, admin, tripped):
    meter, account = tripped
    assert listed(client, admin, meter_id=meter.id) == {
        ("arrears", f"account:{account.id}"), ("lost_comm", f"meter:{meter.id}")}
    assert listed(client, admin, meter_id=meter.id, kind="arrears", active="true") == {
        ("arrears", f"account:{account.id}")}


def test_the_account_filter_finds_the_alarms_of_its_meters(client, admin, tripped):
    meter, account = tripped
    assert listed(client, admin, account_id=account.id) == {
        ("arrears", f"account:{account.id}"), ("lost_comm", f"meter:{meter.id}")}


def test_a_local_meter_does_not_bring_its_neighbours_balance_alarms(client, admin, db, kit):
    # Local mode keeps balance alarms on each meter (with the account named on them): a meter
    # of the same account is not the subject of its neighbour's alarm.
    first, second = kit.meter(ControlMode.LOCAL), kit.meter(ControlMode.LOCAL)
    account = kit.account(first, second)
    state_of(db, first.id).balance = D("-1.00")
    update_alarms(db, kit.site, first, account, state_of(db, first.id), D("-1.00"), utcnow())
    db.commit()
    assert listed(client, admin, meter_id=second.id) == set()
    assert listed(client, admin, meter_id=first.id) == {("arrears", f"meter:{first.id}")}
    assert listed(client, admin, account_id=account.id) == {("arrears", f"meter:{first.id}")}


def test_only_alarms_while_the_meter_was_on_the_account(client, admin, db, kit):
    now = utcnow()
    meter, successor = kit.meter(), kit.meter()
    account = kit.account(successor)
    db.add(AccountMeter(account_id=account.id, meter_id=meter.id, attached_at=now - timedelta(days=10),
                        detached_at=now - timedelta(days=5)))
    db.flush()
    at = {name: now - timedelta(days=days) for name, days in
          (("before", 12), ("during", 7), ("cleared_during", 6), ("after", 1))}
    alarms.raise_alarm(db, AlarmKind.LOST_COMM, site_id=kit.site.id, meter_id=meter.id, at=at["during"])
    alarms.clear_alarm(db, AlarmKind.LOST_COMM, meter_id=meter.id, at=at["cleared_during"])
    alarms.raise_alarm(db, AlarmKind.OVERLOAD, site_id=kit.site.id, meter_id=meter.id, at=at["after"])
    alarms.raise_alarm(db, AlarmKind.ALARM1, site_id=kit.site.id, account_id=account.id, at=at["before"])
    alarms.clear_alarm(db, AlarmKind.ALARM1, account_id=account.id, at=at["cleared_during"])
    alarms.raise_alarm(db, AlarmKind.ARREARS, site_id=kit.site.id, account_id=account.id, at=at["after"])
    db.commit()
    assert listed(client, admin, meter_id=meter.id) == {
        ("lost_comm", f"meter:{meter.id}"), ("overload", f"meter:{meter.id}"),
        ("alarm1", f"account:{account.id}")}
    assert listed(client, admin, account_id=account.id) == {
        ("lost_comm", f"meter:{meter.id}"), ("alarm1", f"account:{account.id}"),
        ("arrears", f"account:{account.id}")}
