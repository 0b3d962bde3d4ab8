"""A tenant chooses on their phone which alarm texts they get: a muted kind is suppressed in the
outbox with its reason, the arrears notice cannot be turned off, and nobody else's account can
be changed."""

from __future__ import annotations

from sqlalchemy import select

from shared_models.models import SmsMessage
from shared_models.models.notifications import SmsKind, SmsState
from shared_models.notifications import sms
from tests.backoffice.tenant_kit import sign_in


def _headers(session) -> dict[str, str]:
    return {"X-CSRF-Token": session["csrf_token"], "Accept-Language": "en"}


def _alarm(db, account, kind: SmsKind) -> SmsMessage:
    context = {"balance": "8.00", "threshold": "10.00"} if kind != SmsKind.ARREARS else {"balance": "0.00"}
    return sms.notify(db, account_id=account.id, kind=kind.value, context=context)


def test_a_muted_alarm_is_suppressed_with_its_reason_and_arrears_still_goes(client, db, tenant_account):
    headers = _headers(sign_in(client, db, tenant_account))
    url = f"/api/v1/tenant/accounts/{tenant_account.id}/alerts"
    assert client.get(url).json == {"alarm1": True, "alarm2": True, "arrears": True}
    changed = client.put(url, json={"alarm1": False, "alarm2": True}, headers=headers)
    assert changed.status_code == 200, changed.json
    assert changed.json == {"alarm1": False, "alarm2": True, "arrears": True}
    assert client.put(url, json={"alarm1": False, "alarm2": True}, headers=headers).json == changed.json

    db.expire_all()
    first = _alarm(db, tenant_account, SmsKind.ALARM1)
    second = _alarm(db, tenant_account, SmsKind.ALARM2)
    cut = _alarm(db, tenant_account, SmsKind.ARREARS)
    assert (first.state, first.last_error) == (SmsState.SUPPRESSED, "the tenant turned alarm1 texts off")
    assert second.state == cut.state == SmsState.QUEUED


def test_arrears_cannot_be_turned_off_and_bad_input_names_its_field(client, db, tenant_account):
    headers = _headers(sign_in(client, db, tenant_account))
    url = f"/api/v1/tenant/accounts/{tenant_account.id}/alerts"
    refused = client.put(url, json={"alarm1": True, "alarm2": True, "arrears": False}, headers=headers)
    assert refused.status_code == 422 and "arrears" in refused.json["errors"]["json"]
    missing = client.put(url, json={"alarm1": "sometimes"}, headers=headers)
    assert missing.status_code == 422 and set(missing.json["errors"]["json"]) == {"alarm1", "alarm2"}
    db.expire_all()
    assert db.get(type(tenant_account), tenant_account.id).sms_muted == ""


def test_only_ones_own_account_and_only_with_the_csrf_token(client, db, tenant_account,
                                                           make_tenant_account, admin):
    other = make_tenant_account(phone="13900139000")
    headers = _headers(sign_in(client, db, tenant_account))
    url = f"/api/v1/tenant/accounts/{other.id}/alerts"
    assert client.get(url).status_code == 404
    assert client.put(url, json={"alarm1": False, "alarm2": False}, headers=headers).status_code == 404
    own = f"/api/v1/tenant/accounts/{tenant_account.id}/alerts"
    assert client.put(own, json={"alarm1": False, "alarm2": False}).status_code == 403
    db.expire_all()
    assert db.scalar(select(type(other).sms_muted).where(type(other).id == other.id)) == ""
