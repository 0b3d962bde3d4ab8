"""The outbox's queueing rules and the one-active-alarm-per-episode rule."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared_models.errors import NotFound
from shared_models.metering import alarms
from shared_models.metering.meter_states import state_of
from shared_models.models import Reading
from shared_models.models.commands import CommandKind, CommandState
from shared_models.models.metering import AlarmKind
from shared_models.remote_control import outbox
from shared_models.types import utcnow


def test_issue_queues_with_increasing_sequence(db, make_meter):
    meter = make_meter()
    first = outbox.issue(db, meter_id=meter.id, kind=CommandKind.TRIP)
    second = outbox.issue(db, meter_id=meter.id, kind=CommandKind.CLOSE)
    assert first.state == CommandState.QUEUED and first.site_id == meter.site_id
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.expires_at > first.created_at


def test_sequence_wraps_within_sixteen_bits(db, make_meter):
    meter = make_meter()
    state_of(db, meter.id).command_sequence = 0xFFFF
    assert outbox.issue(db, meter_id=meter.id, kind=CommandKind.TRIP).sequence == 1


def test_issue_to_unknown_meter_is_not_found(db):
    with pytest.raises(NotFound):
        outbox.issue(db, meter_id=999_999, kind=CommandKind.TRIP)


def test_alarm_raised_once_per_episode(db, make_meter):
    meter = make_meter()
    first, raised = alarms.raise_alarm(db, AlarmKind.LOST_COMM, site_id=meter.site_id, meter_id=meter.id)
    again, raised_again = alarms.raise_alarm(db, AlarmKind.LOST_COMM, site_id=meter.site_id,
                                             meter_id=meter.id)
    assert raised and not raised_again and again.id == first.id
    assert alarms.clear_alarm(db, AlarmKind.LOST_COMM, meter_id=meter.id).cleared_at is not None
    second, raised = alarms.raise_alarm(db, AlarmKind.LOST_COMM, site_id=meter.site_id, meter_id=meter.id)
    assert raised and second.id != first.id


def test_readings_cannot_be_changed(db, make_meter):
    meter = make_meter()
    zero = 0
    db.add(Reading(meter_id=meter.id, read_at=utcnow(), total_energy=zero, energy_sharp=zero,
                   energy_peak=zero, energy_flat=zero, energy_valley=zero, balance=zero))
    db.flush()
    with pytest.raises(DBAPIError), db.begin_nested():
        db.execute(text("UPDATE readings SET power_w = 5"))
