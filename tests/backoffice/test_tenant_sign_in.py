"""Tenants sign in with an SMS code: the code comes through the outbox, lives 5 minutes, is
used once and allows 5 tries; the throttles hold; an unknown account answers like a known one;
the tenant session is no staff session."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shared_models.models import SmsMessage, TenantSignInCode
from shared_models.models.notifications import SmsKind
from tests.backoffice.tenant_kit import read_code, sign_in


def test_code_is_texted_through_the_outbox_and_signs_in(client, tenant_account, db):
    answer = client.post("/api/v1/tenant/auth/codes",
                         json={"account": tenant_account.number, "phone": "138 0013 8000"})
    assert answer.status_code == 202, answer.json
    assert answer.json == {"expires_in_s": 300, "resend_after_s": 60}
    message = db.scalar(select(SmsMessage).where(SmsMessage.account_id == tenant_account.id,
                                                 SmsMessage.kind == SmsKind.SIGN_IN_CODE))
    assert message.phone == "13800138000" and message.state.value == "queued"
    code = read_code(db, tenant_account.id)
    assert code in message.body
    signed = client.post("/api/v1/tenant/auth/session", json={
        "account": tenant_account.number, "phone": "13800138000", "code": code})
    assert signed.status_code == 200, signed.json
    assert signed.json["phone"] == "138****8000"
    assert [a["id"] for a in signed.json["accounts"]] == [tenant_account.id]
    assert client.get("/api/v1/tenant/auth/session").json["csrf_token"] == signed.json["csrf_token"]
    # Used once.
    again = client.post("/api/v1/tenant/auth/session", json={
        "account": tenant_account.number, "phone": "13800138000", "code": code})
    assert again.status_code == 401


def test_a_meter_serial_names_the_account_too(client, tenant_account, db):
    serial = tenant_account.meters[0].serial_number
    assert client.post("/api/v1/tenant/auth/codes",
                       json={"account": serial, "phone": "13800138000"}).status_code == 202
    answer = client.post("/api/v1/tenant/auth/session", json={
        "account": serial, "phone": "13800138000", "code": read_code(db, tenant_account.id)})
    assert answer.status_code == 200


def test_an_unknown_account_or_a_wrong_phone_answers_like_a_known_one(client, tenant_account, db):
    known = client.post("/api/v1/tenant/auth/codes",
                        json={"account": tenant_account.number, "phone": "13800138000"})
    unknown = client.post("/api/v1/tenant/auth/codes", json={"account": "NOPE-000001",
                                                             "phone": "13900139000"})
    wrong_phone = client.post("/api/v1/tenant/auth/codes",
                              json={"account": tenant_account.number, "phone": "13700137000"})
    assert known.status_code == unknown.status_code == wrong_phone.status_code == 202
    assert known.json == unknown.json == wrong_phone.json
    texts = db.scalars(select(SmsMessage).where(SmsMessage.kind == SmsKind.SIGN_IN_CODE)).all()
    assert [m.phone for m in texts] == ["13800138000"]  # nobody else was texted
    refused = [client.post("/api/v1/tenant/auth/session",
                           json={"account": account, "phone": phone, "code": "123456"})
               for account, phone in (("NOPE-000001", "13900139000"),
                                      (tenant_account.number, "13700137000"))]
    assert {r.status_code for r in refused} == {401}
    assert refused[0].json == refused[1].json


def test_a_resend_waits_60_seconds_for_known_and_unknown_alike(client, tenant_account):
    for account, phone in ((tenant_account.number, "13800138000"), ("NOPE-1", "13900139000")):
        assert client.post("/api/v1/tenant/auth/codes",
                           json={"account": account, "phone": phone}).status_code == 202
        again = client.post("/api/v1/tenant/auth/codes", json={"account": account, "phone": phone})
        assert again.status_code == 429
        assert 55 <= int(again.headers["Retry-After"]) <= 60
        assert "phone" in again.json["errors"]["json"]


def test_daily_cap_per_phone(client, tenant_account, app, redis_client):
    app.config["TENANT_CODES_PER_PHONE_DAY"] = 2
    for attempt in range(3):
        redis_client.delete("wk:throttle:tenant-code-resend:13800138000")  # the minute passes
        answer = client.post("/api/v1/tenant/auth/codes",
                             json={"account": tenant_account.number, "phone": "13800138000"})
        assert answer.status_code == (202 if attempt < 2 else 429)


def test_daily_cap_per_address(client, app):
    app.config["TENANT_CODES_PER_ADDRESS_DAY"] = 3
    answers = [client.post("/api/v1/tenant/auth/codes",
                           json={"account": f"X-{n}", "phone": f"1380013800{n}"}).status_code
               for n in range(5)]
    assert answers == [202, 202, 202, 429, 429]


def test_five_tries_then_the_code_is_dead(client, tenant_account, db):
    client.post("/api/v1/tenant/auth/codes",
                json={"account": tenant_account.number, "phone": "13800138000"})
    code = read_code(db, tenant_account.id)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post("/api/v1/tenant/auth/session", json={
            "account": tenant_account.number, "phone": "13800138000", "code": wrong}).status_code == 401
    right = client.post("/api/v1/tenant/auth/session", json={
        "account": tenant_account.number, "phone": "13800138000", "code": code})
    assert right.status_code == 401
    assert db.scalar(select(TenantSignInCode.attempts)) == 5


def test_an_expired_code_is_refused(client, tenant_account, db):
    client.post("/api/v1/tenant/auth/codes",
                json={"account": tenant_account.number, "phone": "13800138000"})
    code = read_code(db, tenant_account.id)
    row = db.scalar(select(TenantSignInCode))
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.commit()
    assert client.post("/api/v1/tenant/auth/session", json={
        "account": tenant_account.number, "phone": "13800138000", "code": code}).status_code == 401


def test_one_phone_holds_several_accounts(client, tenant_account, make_tenant_account, db):
    other = make_tenant_account(phone="+86 138-0013-8000")
    stranger = make_tenant_account(phone="13900139000")
    signed = sign_in(client, db, tenant_account)
    assert sorted(a["id"] for a in signed["accounts"]) == sorted([tenant_account.id, other.id])
    assert stranger.id not in {a["id"] for a in signed["accounts"]}


@pytest.mark.parametrize("path", ["/api/v1/accounts", "/api/v1/payments/orders",
                                  "/api/v1/meter-status", "/api/v1/auth/me"])
def test_staff_routes_answer_401_to_a_tenant_session(client, tenant_account, db, path):
    sign_in(client, db, tenant_account)
    assert client.get(path).status_code == 401


def test_signing_out_ends_the_session(client, tenant_account, db):
    signed = sign_in(client, db, tenant_account)
    assert client.delete("/api/v1/tenant/auth/session").status_code == 403  # no CSRF token
    assert client.delete("/api/v1/tenant/auth/session",
                         headers={"X-CSRF-Token": signed["csrf_token"]}).status_code == 204
    assert client.get("/api/v1/tenant/auth/session").status_code == 401


def test_a_staff_session_is_no_tenant(client, admin):
    assert client.get("/api/v1/tenant/auth/session", headers=admin).status_code == 401


def test_the_code_can_be_read_from_the_outbox_on_the_command_line(client, runner, tenant_account, db):
    client.post("/api/v1/tenant/auth/codes", json={"account": tenant_account.number, "phone": "13800138000"})
    shown = runner.invoke(args=["sms-outbox", "--kind", "sign_in_code"])
    assert shown.exit_code == 0, shown.output
    assert read_code(db, tenant_account.id) in shown.output and "13800138000" in shown.output
    assert runner.invoke(args=["sms-outbox", "--kind", "nope"]).exit_code == 2


def test_staff_never_read_a_sign_in_code_in_the_outbox(client, tenant_account, db, admin):
    client.post("/api/v1/tenant/auth/codes", json={"account": tenant_account.number,
                                                   "phone": "13800138000"})
    code = read_code(db, tenant_account.id)
    listed = client.get(f"/api/v1/sms?account_id={tenant_account.id}&kind=sign_in_code",
                        headers=admin).json
    assert len(listed) == 1 and code not in listed[0]["body"]
    assert "登录验证码为******，5分钟内有效" in listed[0]["body"]
    exported = client.get(f"/api/v1/sms/export?account_id={tenant_account.id}", headers=admin)
    workbook = load_workbook(BytesIO(exported.data), read_only=True)
    texts = [row[6] for row in workbook["SMS"].iter_rows(min_row=2, values_only=True)]
    workbook.close()
    assert len(texts) == 1 and code not in texts[0] and "******" in texts[0]
