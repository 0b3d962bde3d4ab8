"""Staff sessions live on the server: logout, password changes and deactivation end them."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from shared_models.types import utcnow

PASSWORD = "correct horse battery"


def _login(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password},
                           headers={"User-Agent": "pytest-browser/1.0"})
    assert response.status_code == 200
    return response.json["csrf_token"]


def _cookie(client, app) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _me(client) -> int:
    return client.get("/api/v1/auth/me").status_code


def _session_rows(db, operator_id):
    from shared_models.models import StaffSession

    db.expire_all()
    return list(db.scalars(select(StaffSession).where(StaffSession.operator_id == operator_id)))


@pytest.fixture
def browser(app):
    """Another browser: a client with its own cookie jar."""
    return app.test_client


def test_old_cookie_is_refused_after_logout(client, app, make_operator):
    operator = make_operator("viewer")
    csrf = _login(client, operator.username)
    stolen = _cookie(client, app)
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert _me(client) == 401


def test_replayed_cookie_after_logout_says_the_session_ended(client, app, make_operator):
    operator = make_operator("viewer")
    csrf = _login(client, operator.username)
    stolen = _cookie(client, app)
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    response = client.get("/api/v1/auth/me", headers={"Accept-Language": "zh-CN"})
    assert response.json["message"] == "会话已结束，请重新登录。"


def test_password_change_ends_the_other_sessions_but_keeps_this_one(client, browser, make_operator):
    operator = make_operator("viewer")
    other = browser()
    _login(other, operator.username)
    csrf = _login(client, operator.username)
    response = client.post("/api/v1/auth/password", headers={"X-CSRF-Token": csrf},
                           json={"current_password": PASSWORD, "new_password": "a new long password"})
    assert response.status_code == 204
    assert _me(other) == 401
    assert _me(client) == 200
    # The same CSRF token keeps working in the renewed session.
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204


def test_cookie_from_before_a_password_change_is_refused(client, app, make_operator):
    operator = make_operator("viewer")
    csrf = _login(client, operator.username)
    before = _cookie(client, app)
    client.post("/api/v1/auth/password", headers={"X-CSRF-Token": csrf},
                json={"current_password": PASSWORD, "new_password": "a new long password"})
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert _me(client) == 401


def test_admin_password_reset_ends_the_operators_sessions(client, admin, make_operator):
    operator = make_operator("viewer")
    _login(client, operator.username)
    response = client.patch(f"/api/v1/operators/{operator.id}", headers=admin,
                            json={"password": "reset by the admin"})
    assert response.status_code == 200
    assert _me(client) == 401


def test_deactivation_ends_sessions_for_good(client, admin, make_operator):
    operator = make_operator("viewer")
    _login(client, operator.username)
    assert client.patch(f"/api/v1/operators/{operator.id}", headers=admin,
                        json={"active": False}).status_code == 200
    assert _me(client) == 401
    # Turning the operator on again does not bring the old browser session back.
    assert client.patch(f"/api/v1/operators/{operator.id}", headers=admin,
                        json={"active": True}).status_code == 200
    assert _me(client) == 401


def test_logout_revokes_the_row_and_keeps_other_sessions(client, browser, db, make_operator):
    operator = make_operator("viewer")
    other = browser()
    _login(other, operator.username)
    csrf = _login(client, operator.username)
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    rows = _session_rows(db, operator.id)
    assert sorted(row.revoked_at is None for row in rows) == [False, True]
    assert _me(other) == 200


def test_session_row_holds_a_digest_the_address_and_the_browser(client, app, db, make_operator):
    operator = make_operator("viewer")
    _login(client, operator.username)
    (row,) = _session_rows(db, operator.id)
    assert row.client_ip == "127.0.0.1"
    assert row.user_agent == "pytest-browser/1.0"
    assert row.expires_at - row.created_at == app.config["PERMANENT_SESSION_LIFETIME"]
    # The database keeps only a digest: the cookie's token is not in it.
    serializer = app.session_interface.get_signing_serializer(app)
    token = serializer.loads(_cookie(client, app))["sid"]
    assert token != row.id and len(row.id) == 64
    assert "operator_id" not in serializer.loads(_cookie(client, app))


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
def test_idle_and_absolute_expiry(client, app, db, make_operator, column):
    operator = make_operator("viewer")
    _login(client, operator.username)
    (row,) = _session_rows(db, operator.id)
    past = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
    setattr(row, column, past if column == "last_seen_at" else utcnow() - timedelta(seconds=1))
    db.commit()
    assert _me(client) == 401


def test_last_seen_is_touched_at_most_once_a_minute(client, db, make_operator):
    operator = make_operator("viewer")
    _login(client, operator.username)
    (row,) = _session_rows(db, operator.id)
    first_seen = row.last_seen_at
    assert _me(client) == 200
    (row,) = _session_rows(db, operator.id)
    assert row.last_seen_at == first_seen
    row.last_seen_at = first_seen - timedelta(minutes=2)
    db.commit()
    assert _me(client) == 200
    (row,) = _session_rows(db, operator.id)
    assert row.last_seen_at > first_seen
