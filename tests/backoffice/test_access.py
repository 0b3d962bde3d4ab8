"""Authentication, permissions, sessions with CSRF, tokens, throttling and TOTP."""

import pyotp
import pytest

from backoffice.auth.permissions import (
    ATTRIBUTE,
    FRAMEWORK_PUBLIC_ENDPOINTS,
    PERMISSIONS,
    PUBLIC,
    TENANT,
)


def test_every_route_declares_a_permission(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FRAMEWORK_PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            handler = getattr(view_class, method.lower(), None) if view_class else view
            declared = getattr(handler, ATTRIBUTE, None)
            if declared not in (PUBLIC, TENANT) and declared not in PERMISSIONS:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_anonymous_call_to_protected_route_is_401(client):
    response = client.get("/api/v1/meters", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json == {"code": 401, "status": "Unauthorized",
                             "message": "Authentication required."}


def test_error_message_in_chinese_by_default(client):
    response = client.get("/api/v1/meters", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.json["message"] == "需要登录。"


def test_viewer_may_read_but_not_write(client, auth_headers):
    viewer = auth_headers("viewer")
    assert client.get("/api/v1/sites", headers=viewer).status_code == 200
    response = client.post("/api/v1/sites", json={"code": "X1", "name": "X"}, headers=viewer)
    assert response.status_code == 403


def test_operator_sees_only_their_sites(client, auth_headers, make_site):
    mine, other = make_site(), make_site()
    headers = auth_headers("operator", site_ids=[mine.id])
    listed = client.get("/api/v1/sites", headers=headers).json
    assert [site["id"] for site in listed] == [mine.id]
    assert client.get(f"/api/v1/sites/{other.id}", headers=headers).status_code == 404


def test_revoked_or_unknown_token_is_401(client, admin):
    assert client.get("/api/v1/sites", headers={"Authorization": "Bearer nope"}).status_code == 401
    issued = client.post("/api/v1/tokens", json={"operator_id": 1, "name": "kiosk 1"}, headers=admin)
    assert issued.status_code in (201, 422)


def test_issued_token_works_until_revoked(client, admin, make_operator):
    kiosk = make_operator("viewer")
    issued = client.post("/api/v1/tokens", json={"operator_id": kiosk.id, "name": "lobby"},
                         headers=admin).json
    bearer = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/sites", headers=bearer).status_code == 200
    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/sites", headers=bearer).status_code == 401


def _login(client, username, password="correct horse battery", **extra):
    return client.post("/api/v1/auth/login",
                       json={"username": username, "password": password, **extra})


def test_session_login_requires_csrf_on_writes(client, make_operator):
    operator = make_operator("admin")
    login = _login(client, operator.username)
    assert login.status_code == 200
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/v1/auth/me").json["operator"]["username"] == operator.username
    body = {"code": "CS1", "name": "Csrf site"}
    assert client.post("/api/v1/sites", json=body).status_code == 403
    ok = client.post("/api/v1/sites", json=body,
                     headers={"X-CSRF-Token": login.json["csrf_token"]})
    assert ok.status_code == 201


def test_wrong_password_is_401_and_locks_after_repeated_failures(client, make_operator, app):
    operator = make_operator("viewer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _login(client, operator.username, "wrong password!").status_code == 401
    assert _login(client, operator.username).status_code == 429


def test_failed_logins_are_in_the_system_log(client, make_operator, admin):
    operator = make_operator("viewer")
    _login(client, operator.username, "wrong password!")
    entries = client.get("/api/v1/audit", query_string={"action": "login_failed"},
                         headers=admin).json
    assert any(entry["actor_name"] == operator.username for entry in entries)


def test_too_many_failures_from_one_address_are_throttled(client, app):
    app.config["LOGIN_MAX_PER_IP"] = 3
    for n in range(3):
        assert _login(client, f"ghost{n}", "whatever-pass").status_code == 401
    assert _login(client, "ghost-next", "whatever-pass").status_code == 429


def test_totp_second_factor(client, make_operator):
    operator = make_operator("viewer")
    csrf = _login(client, operator.username).json["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    secret = client.post("/api/v1/auth/totp/setup", headers=headers).json["secret"]
    totp = pyotp.TOTP(secret)
    assert client.post("/api/v1/auth/totp/enable", json={"code": totp.now()},
                       headers=headers).status_code == 204
    client.post("/api/v1/auth/logout", headers=headers)
    assert _login(client, operator.username).status_code == 401
    assert _login(client, operator.username, totp_code="000000").status_code == 401
    assert _login(client, operator.username, totp_code=totp.now()).status_code == 200


@pytest.mark.parametrize("role", ["finance", "viewer", "auditor", "operator"])
def test_only_admin_manages_operators(client, auth_headers, role):
    response = client.post("/api/v1/operators", headers=auth_headers(role),
                           json={"username": "newbie", "password": "long enough pw", "role": "viewer"})
    assert response.status_code == 403
