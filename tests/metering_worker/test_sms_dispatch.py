"""The SMS dispatcher: due rows only, retries with backoff, the failed state, leases, and two
concurrent dispatchers against one database never sending a message twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rq import SimpleWorker
from rq.cron import CronScheduler
from rq.serializers import JSONSerializer
from sqlalchemy import select

import metering_worker
from metering_worker import config
from metering_worker.jobs.queues import DEFAULT, queue
from metering_worker.sms.dispatch import LEASE, Settings, backoff, send_due
from metering_worker.sms.gsm import GsmModemDriver
from metering_worker.sms.http import HttpSmsDriver
from metering_worker.sms.outbox import OutboxDriver
from shared_models import registry
from shared_models.db import make_engine, make_session_factory
from shared_models.models import SmsMessage
from shared_models.models.notifications import SmsState
from shared_models.notifications.sms import notify
from shared_models.sales.accounts import open_account
from tests.metering_worker import sms_provider
from tests.metering_worker.sms_modem import SimulatedModem
from tests.metering_worker.sms_provider import SECRET, Provider

provider = sms_provider.provider  # the fixture
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)
ALARM = {"balance": "18.50", "threshold": "20.00"}
RECHARGE = {"amount": "10.00", "balance": "10.00", "receipt": 1}


def new_account(db, site_id: int, phone: str = "13800138000") -> int:
    gateway = registry.save_gateway(db, {"site_id": site_id, "name": f"GW{phone}", "host": "127.0.0.1",
                                         "port": 502, "bus_count": 1})
    meter = registry.save_meter(db, {"bus_id": gateway.buses[0].id, "address": 1,
                                     "serial_number": f"SMS{phone}"})
    return open_account(db, {"site_id": site_id, "tenant_name": "李四", "phone": phone,
                             "meter_ids": [meter.id]}, operator_id=None).id


@pytest.fixture
def sessions(connection):
    """Sessions on the test's connection, so the dispatcher's commits are rolled back after."""
    return make_session_factory(connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def account_id(db, make_site):
    site = make_site(sms_sender="物业")
    account = new_account(db, site.id)
    db.commit()
    return account


def message(db, sms_id: int) -> SmsMessage:
    return db.scalar(select(SmsMessage).where(SmsMessage.id == sms_id)
                     .execution_options(populate_existing=True))


def http(provider: Provider) -> HttpSmsDriver:
    return HttpSmsDriver(provider.url, key_id="k", secret=SECRET, timeout=2)


def test_outbox_driver_sends_due_rows_only(db, sessions, account_id):
    due = notify(db, account_id=account_id, kind="recharge", context=RECHARGE, at=NOON)
    night = datetime(2026, 11, 20, 23, 0, tzinfo=SHANGHAI)
    deferred = notify(db, account_id=account_id, kind="alarm1", context=ALARM, at=night)
    db.commit()
    outcome = send_due(sessions, OutboxDriver(), now=night + timedelta(minutes=1))
    assert outcome.sent == [due.id]
    sent = message(db, due.id)
    assert (sent.state, sent.provider, sent.provider_ref, sent.attempts) == (
        SmsState.SENT, "outbox", f"outbox-{due.id}", 1)
    assert message(db, deferred.id).state == SmsState.QUEUED
    # At 08:00 the quiet hours are over and the alarm goes.
    morning = datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)
    assert send_due(sessions, OutboxDriver(), now=morning).sent == [deferred.id]


def test_5xx_retries_with_backoff_then_fails_after_the_cap(db, sessions, account_id, provider):
    sms = notify(db, account_id=account_id, kind="recharge", context=RECHARGE, at=NOON)
    db.commit()
    provider.script += [(503, "busy")] * 3
    settings, now = Settings(max_attempts=3), NOON
    for attempt in (1, 2):
        assert send_due(sessions, http(provider), settings, now=now).retried == [sms.id]
        row = message(db, sms.id)
        assert (row.state, row.attempts) == (SmsState.QUEUED, attempt) and "503" in row.last_error
        assert row.next_attempt_at == now + backoff(attempt)
        # Not due again before its time.
        assert send_due(sessions, http(provider), settings, now=row.next_attempt_at - timedelta(seconds=1)
                        ).summary() == {"sent": 0, "retried": 0, "failed": 0}
        now = row.next_attempt_at
    assert send_due(sessions, http(provider), settings, now=now).failed == [sms.id]
    row = message(db, sms.id)
    assert (row.state, row.attempts, row.provider) == (SmsState.FAILED, 3, "http")


def test_a_retry_after_a_5xx_gets_through(db, sessions, account_id, provider):
    sms = notify(db, account_id=account_id, kind="recharge", context=RECHARGE, at=NOON)
    db.commit()
    provider.script += [(500, "oops"), (200, {"message_id": "m-1"})]
    send_due(sessions, http(provider), now=NOON)
    assert send_due(sessions, http(provider), now=NOON + backoff(1)).sent == [sms.id]
    row = message(db, sms.id)
    assert (row.state, row.provider_ref, row.attempts, row.last_error) == (SmsState.SENT, "m-1", 2, "")


def test_4xx_fails_at_once(db, sessions, account_id, provider):
    sms = notify(db, account_id=account_id, kind="recharge", context=RECHARGE, at=NOON)
    db.commit()
    provider.script.append((400, {"error": "bad number"}))
    assert send_due(sessions, http(provider), now=NOON).failed == [sms.id]
    assert message(db, sms.id).attempts == 1


def test_an_alarm_retry_never_lands_in_quiet_hours(db, sessions, account_id, provider):
    late = datetime(2026, 11, 20, 21, 59, 30, tzinfo=SHANGHAI)
    sms = notify(db, account_id=account_id, kind="alarm2", context=ALARM, at=late)
    db.commit()
    provider.script.append((502, "down"))
    send_due(sessions, http(provider), now=late)
    assert message(db, sms.id).next_attempt_at == datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)


def test_a_row_left_sending_by_a_dead_dispatcher_is_sent_again_after_the_lease(db, sessions, account_id):
    sms = notify(db, account_id=account_id, kind="recharge", context=RECHARGE, at=NOON)
    sms.state, sms.claim_token, sms.claimed_at = SmsState.SENDING, "dead", NOON
    db.commit()
    assert send_due(sessions, OutboxDriver(), now=NOON + LEASE - timedelta(seconds=1)).sent == []
    assert send_due(sessions, OutboxDriver(), now=NOON + LEASE + timedelta(seconds=1)).sent == [sms.id]
    row = message(db, sms.id)
    assert (row.state, row.attempts, row.claim_token) == (SmsState.SENT, 1, "")


def test_the_gsm_modem_through_the_dispatcher(db, sessions, account_id):
    good = notify(db, account_id=account_id, kind="recharge", context=RECHARGE, at=NOON)
    refused = new_account(db, good.site_id, phone="13900000000")
    bad = notify(db, account_id=refused, kind="recharge", context=RECHARGE, at=NOON)
    db.commit()
    with SimulatedModem(refused_numbers={"13900000000"}) as modem:
        outcome = send_due(sessions, GsmModemDriver(modem.port, send_timeout=2), now=NOON)
    assert outcome.sent == [good.id] and outcome.failed == [bad.id]
    assert "收据号1" in modem.texts()[0]
    assert "+CMS ERROR: 21" in message(db, bad.id).last_error


@pytest.fixture
def fresh_database(new_database):
    """A database of its own, so two dispatchers on separate connections see committed rows."""
    return new_database()


def test_two_concurrent_dispatchers_never_send_a_message_twice(fresh_database, provider):
    engine = make_engine(fresh_database)
    factory = make_session_factory(engine)
    with factory() as db:
        site = registry.save_site(db, {"code": "C1", "name": "Concurrent"})
        accounts = [new_account(db, site.id, phone=f"1380000{n:04d}") for n in range(4)]
        ids = [notify(db, account_id=accounts[n % 4], kind="recharge", at=NOON,
                      context={**RECHARGE, "receipt": n}).id for n in range(120)]
        db.commit()
    provider.delay = 0.002
    start, outcomes = threading.Barrier(2), []

    def dispatcher() -> None:
        start.wait()
        outcomes.append(send_due(factory, http(provider), Settings(batch=4), now=NOON))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()
    refs = [payload["client_ref"] for payload in provider.accepted]
    assert sorted(refs) == sorted(f"wk-{i}" for i in ids)  # every message exactly once
    assert sorted(outcomes[0].sent + outcomes[1].sent) == sorted(ids)
    assert outcomes[0].sent and outcomes[1].sent  # both dispatchers took part


def test_cron_job_sends_through_a_json_worker(fresh_database, redis_client, redis_url, monkeypatch):
    factory = make_session_factory(make_engine(fresh_database))
    with factory() as db:
        site = registry.save_site(db, {"code": "J1", "name": "Job"})
        sms_id = notify(db, account_id=new_account(db, site.id), kind="recharge", context=RECHARGE).id
        db.commit()
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("WATTKEEPER_SMS_DRIVER", "outbox")
    config.reset()
    try:
        scheduler = CronScheduler(connection=redis_client)
        scheduler.load_config_from_file(str(Path(metering_worker.__file__).with_name("cron_config.py")))
        [job] = [j for j in scheduler.get_jobs() if j.func_name.endswith("send_pending")]
        assert (job.queue_name, job.cron) == (DEFAULT, "* * * * *")
        job.enqueue(redis_client)  # what `rq cron` does every minute
        worker = SimpleWorker([queue(DEFAULT, redis_client)], connection=redis_client,
                              serializer=JSONSerializer)
        assert worker.work(burst=True)
    finally:
        config.reset()
    assert queue(DEFAULT, redis_client).failed_job_registry.count == 0
    with factory() as db:
        row = db.get(SmsMessage, sms_id)
        assert (row.state, row.provider) == (SmsState.SENT, "outbox")
    factory.kw["bind"].dispose()
