"""The WeChat users bound to a tenant's phone (signing in by WeChat with no code): staff see them
on the account and remove them, within their sites and permissions; the tenant removes their
own; with no site allowing it nothing is offered and WeChat's answer signs nobody in. The flow
itself, against the sandbox over HTTP and in Chromium, is in tests/mobile_web."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.auth import tenant_wechat
from shared_models.models import Site, TenantWechatBinding
from shared_models.types import utcnow
from tests.backoffice.tenant_kit import sign_in

OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz1"


def _bind(db, account, phone: str = "13800138000", openid: str = OPENID) -> TenantWechatBinding:
    binding = tenant_wechat.bind(db, appid="wx1234567890abcdef", openid=openid, phone=phone,
                                 site_id=account.site_id, now=utcnow())
    db.commit()
    return binding


def test_staff_see_and_remove_the_bindings_of_an_accounts_phone(client, db, tenant_account, admin,
                                                                auth_headers):
    binding = _bind(db, tenant_account)
    _bind(db, tenant_account, phone="13900139000", openid="o-someone-else-entirely-0001")
    url = f"/api/v1/accounts/{tenant_account.id}/wechat-sign-ins"
    listed = client.get(url, headers=auth_headers("viewer"))
    assert listed.status_code == 200
    assert [(b["id"], b["openid"]) for b in listed.json] == [(binding.id, "oAbC…xYz1")]
    assert client.delete(f"{url}/{binding.id}", headers=auth_headers("viewer")).status_code == 403
    assert client.delete(f"{url}/{binding.id}", headers=admin).status_code == 204
    assert client.delete(f"{url}/{binding.id}", headers=admin).status_code == 404
    assert client.get(url, headers=admin).json == []


def test_staff_of_another_site_see_no_such_account(client, db, tenant_account, make_site, auth_headers):
    binding = _bind(db, tenant_account)
    elsewhere = auth_headers("operator", site_ids=[make_site().id])
    url = f"/api/v1/accounts/{tenant_account.id}/wechat-sign-ins"
    assert client.get(url, headers=elsewhere).status_code == 404
    assert client.delete(f"{url}/{binding.id}", headers=elsewhere).status_code == 404
    assert db.get(TenantWechatBinding, binding.id) is not None


def test_another_accounts_binding_is_not_found_through_this_account(client, db, make_tenant_account,
                                                                    admin):
    mine, theirs = make_tenant_account(), make_tenant_account(phone="13900139000")
    binding = _bind(db, theirs, phone="13900139000")
    url = f"/api/v1/accounts/{mine.id}/wechat-sign-ins/{binding.id}"
    assert client.delete(url, headers=admin).status_code == 404


def test_a_tenant_lists_and_removes_only_their_own(client, db, make_tenant_account):
    mine, theirs = make_tenant_account(), make_tenant_account(phone="13900139000")
    own = _bind(db, mine)
    other = _bind(db, theirs, phone="13900139000", openid="o-someone-else-entirely-0001")
    session = sign_in(client, db, mine)
    assert session["wechat_sign_in_account_id"] is None  # no site allows it
    assert [b["id"] for b in client.get("/api/v1/tenant/wechat/bindings").json] == [own.id]
    headers = {"X-CSRF-Token": session["csrf_token"]}
    assert client.delete(f"/api/v1/tenant/wechat/bindings/{other.id}", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/tenant/wechat/bindings/{own.id}", headers=headers).status_code == 204
    assert db.scalars(select(TenantWechatBinding.id)).all() == [other.id]


def test_an_openid_signs_in_as_the_phone_that_proved_itself_last(db, make_tenant_account):
    first, second = make_tenant_account(), make_tenant_account(phone="13900139000")
    moved = _bind(db, first)
    again = _bind(db, second, phone="13900139000")
    assert again.id == moved.id and again.phone == "13900139000"
    assert tenant_wechat.signing_in(db, "wx1234567890abcdef", OPENID) is None  # the site says no
    db.get(Site, second.site_id).tenant_wechat_sign_in = True
    assert tenant_wechat.signing_in(db, "wx1234567890abcdef", OPENID).phone == "13900139000"


def test_without_a_site_allowing_it_nothing_is_offered_and_nobody_signs_in(client):
    assert client.get("/api/v1/tenant/wechat/sign-in").json == {"available": False}
    start = client.get("/api/v1/tenant/wechat/sign-in/start")
    assert start.status_code == 302 and start.headers["Location"].endswith("/m/#/sign-in?wechat=off")
    forged = client.get("/api/v1/tenant/wechat/sign-in/callback",
                        query_string={"code": "x", "state": "1.abc"})
    assert forged.headers["Location"].endswith("/m/#/sign-in?wechat=refused")
    assert "wk_tenant" not in forged.headers.get("Set-Cookie", "")
    assert client.get("/api/v1/tenant/auth/session").status_code == 401
    # With a nonce cookie of its own, a state that names no site the usual way still only refuses.
    client.set_cookie("wk_wechat_state", "a-nonce", path="/api/v1/tenant/wechat/sign-in/callback")
    for state in ("²³.abc", "9" * 40 + ".abc", ".abc", "1"):
        odd = client.get("/api/v1/tenant/wechat/sign-in/callback", query_string={"code": "x", "state": state})
        assert odd.headers["Location"].endswith("/m/#/sign-in?wechat=refused"), state
