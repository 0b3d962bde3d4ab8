"""The pyserial GSM driver against a simulated modem on a pseudo-terminal; PDU vectors."""

from __future__ import annotations

import time

import pytest

from metering_worker.sms import SendError
from metering_worker.sms.base import Outgoing
from metering_worker.sms.gsm import GsmModemDriver, ModemError
from metering_worker.sms.pdu import MessageTooLong, decode_submit, encode, split_units
from tests.metering_worker.sms_modem import SimulatedModem

TEXT = "【物业电费】尊敬的张三，您的电费账户S1-000001余额为18.50元，已低于一级报警值20.00元，请及时充值。"


@pytest.fixture
def modem():
    with SimulatedModem() as simulated:
        yield simulated


def driver(modem: SimulatedModem, **options) -> GsmModemDriver:
    return GsmModemDriver(modem.port, command_timeout=2.0, send_timeout=2.0, **options)


def test_fixed_pdu_vector():
    # "Hi" to 13800138000: SMS-SUBMIT, +86 international, UCS2, 24 h validity.
    (pdu,) = encode("13800138000", "Hi", reference=0, max_parts=1)
    assert pdu.hex == "0011000D91683108108300F00008A70400480069" and pdu.tpdu_length == 19


def test_long_text_splits_without_breaking_a_surrogate_pair():
    text = "a" * 66 + "😀" + "b" * 10  # the emoji's two code units straddle the 67-unit cut
    parts = split_units(text)
    assert [len(p) // 2 for p in parts] == [66, 12]
    assert "".join(p.decode("utf-16-be") for p in parts) == text


def test_chinese_alarm_reaches_the_modem_intact(modem):
    with driver(modem) as gsm:
        ref = gsm.send(Outgoing(1, "13800138000", TEXT))
    assert ref == "1" and modem.texts() == [TEXT]
    assert modem.received[0].number == "8613800138000" and modem.received[0].concat is None
    # Echo was on until ATE0; PDU mode was set before sending.
    assert modem.commands[:3] == ["AT", "ATE0", "AT+CMGF=0"]


def test_long_message_goes_as_concatenated_parts(modem):
    long_text = TEXT * 2  # 120 characters: two parts
    with driver(modem) as gsm:
        ref = gsm.send(Outgoing(300, "13800138000", long_text))
    assert ref == "1,2" and modem.texts() == [long_text]
    assert [r.concat for r in modem.received] == [(300 % 256, 2, 1), (300 % 256, 2, 2)]


def test_too_long_is_refused_for_good_before_anything_is_sent(modem):
    with driver(modem, max_parts=2) as gsm, pytest.raises(SendError) as refused:
        gsm.send(Outgoing(2, "13800138000", TEXT * 4))
    assert refused.value.permanent and "4 SMS parts" in str(refused.value)
    assert modem.received == []
    with pytest.raises(MessageTooLong):
        encode("13800138000", TEXT * 4, reference=1, max_parts=2)


def test_refused_number_is_a_permanent_cms_error(modem):
    modem.refused_numbers.add("13900000000")
    with driver(modem) as gsm:
        with pytest.raises(ModemError, match=r"\+CMS ERROR: 21") as refused:
            gsm.send(Outgoing(3, "13900000000", TEXT))
        assert refused.value.permanent
        assert gsm.send(Outgoing(4, "13800138000", TEXT)) == "1"  # the modem is still usable


def test_no_network_is_worth_a_retry(modem):
    modem.network_down = True
    with driver(modem) as gsm, pytest.raises(ModemError, match="331") as failed:
        gsm.send(Outgoing(5, "13800138000", TEXT))
    assert not failed.value.permanent


def test_a_silent_modem_times_out(modem):
    modem.silent = True
    with driver(modem) as gsm:
        started = time.monotonic()
        with pytest.raises(SendError, match="timeout") as timed_out:
            gsm.send(Outgoing(6, "13800138000", TEXT))
    # It waited out its 2 s timeout, then gave up: the loose ceiling only catches a hang, so a
    # loaded machine cannot fail it.
    assert not timed_out.value.permanent and 1.9 <= time.monotonic() - started < 20


def test_unknown_command_answers_error(modem):
    with driver(modem) as gsm, pytest.raises(ModemError, match="ERROR"):
        gsm.command(b"AT+BOGUS")


def test_a_missing_port_is_a_retry_not_a_crash():
    with pytest.raises(SendError, match="cannot open") as missing:
        GsmModemDriver("/dev/does-not-exist-wk").__enter__()
    assert not missing.value.permanent


def test_the_port_is_held_exclusively(modem):
    with driver(modem), pytest.raises(SendError, match="cannot open"):
        driver(modem).__enter__()


def test_decode_reads_what_encode_wrote():
    for pdu in encode("13800138000", TEXT * 2, reference=9, max_parts=4):
        number, _text, concat = decode_submit(pdu.hex)
        assert number == "8613800138000" and concat[:2] == (9, 2)
