"""The HTTP SMS driver against a real local HTTP server that checks the signature on the raw bytes."""

from __future__ import annotations

import pytest

from metering_worker.sms import driver_from_env
from metering_worker.sms.base import Outgoing, SendError
from metering_worker.sms.gsm import GsmModemDriver
from metering_worker.sms.http import HttpSmsDriver
from metering_worker.sms.outbox import OutboxDriver
from tests.metering_worker import sms_provider
from tests.metering_worker.sms_provider import SECRET, Provider

provider = sms_provider.provider  # the fixture
TEXT = "【物业电费】尊敬的张三，您的电费账户S1-000001已成功充值100.00元。"


def http_driver(provider: Provider, secret: str = SECRET, timeout: float = 2.0) -> HttpSmsDriver:
    return HttpSmsDriver(provider.url, key_id="wk-site-1", secret=secret, timeout=timeout)


def test_signed_request_is_accepted_with_a_message_id(provider):
    with http_driver(provider) as driver:
        assert driver.send(Outgoing(42, "13800138000", TEXT)) == "p-1"
    (sent,) = provider.accepted
    assert sent["to"] == "+8613800138000" and sent["text"] == TEXT
    assert sent["client_ref"] == "wk-42" and sent["key"] == "wk-site-1"
    assert provider.bad_signatures == 0


def test_a_wrong_secret_is_refused_for_good(provider):
    with pytest.raises(SendError, match="401") as refused:
        http_driver(provider, secret="wrong").send(Outgoing(1, "13800138000", TEXT))
    assert refused.value.permanent and provider.bad_signatures == 1


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (422, True), (429, False),
                                                   (500, False), (503, False)])
def test_status_classes(provider, status, permanent):
    provider.script.append((status, {"error": "nope"}))
    with pytest.raises(SendError, match=str(status)) as failed:
        http_driver(provider).send(Outgoing(1, "13800138000", TEXT))
    assert failed.value.permanent is permanent


def test_5xx_then_success_on_the_retry(provider):
    provider.script += [(502, "bad gateway"), (201, {"id": "abc"})]
    driver = http_driver(provider)
    with pytest.raises(SendError) as first:
        driver.send(Outgoing(7, "13800138000", TEXT))
    assert not first.value.permanent
    assert driver.send(Outgoing(7, "13800138000", TEXT)) == "abc"
    assert [a["client_ref"] for a in provider.accepted] == ["wk-7"]


def test_2xx_without_a_message_id_is_not_taken_as_sent(provider):
    provider.script.append((200, {"status": "queued"}))
    with pytest.raises(SendError, match="without a message id") as failed:
        http_driver(provider).send(Outgoing(1, "13800138000", TEXT))
    assert not failed.value.permanent


def test_a_slow_provider_times_out_as_a_retry(provider):
    provider.delay = 1.5
    with pytest.raises(SendError, match="unreachable") as failed:
        http_driver(provider, timeout=0.3).send(Outgoing(1, "13800138000", TEXT))
    assert not failed.value.permanent


def test_nobody_listening_is_a_retry():
    driver = HttpSmsDriver("http://127.0.0.1:9/sms", key_id="", secret="x", timeout=1)
    with pytest.raises(SendError, match="unreachable") as failed:
        driver.send(Outgoing(1, "13800138000", TEXT))
    assert not failed.value.permanent


def test_driver_choice_by_environment():
    assert isinstance(driver_from_env({}), OutboxDriver)
    gsm = driver_from_env({"WATTKEEPER_SMS_DRIVER": "gsm", "WATTKEEPER_SMS_GSM_PORT": "/dev/ttyS9"})
    assert isinstance(gsm, GsmModemDriver) and gsm.port == "/dev/ttyS9"
    http = driver_from_env({"WATTKEEPER_SMS_DRIVER": "http", "WATTKEEPER_SMS_HTTP_URL": "http://x/",
                            "WATTKEEPER_SMS_HTTP_SECRET": "k"})
    assert isinstance(http, HttpSmsDriver)
    with pytest.raises(ValueError, match="WATTKEEPER_SMS_HTTP_SECRET"):
        driver_from_env({"WATTKEEPER_SMS_DRIVER": "http", "WATTKEEPER_SMS_HTTP_URL": "http://x/"})
    with pytest.raises(ValueError, match="one of outbox, gsm, http"):
        driver_from_env({"WATTKEEPER_SMS_DRIVER": "pigeon"})
