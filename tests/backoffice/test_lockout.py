"""Failed logins lock a username for one address only; an admin can lift the lock."""

import pytest

PASSWORD = "correct horse battery"
ADDRESS_A = "198.51.100.1"
ADDRESS_B = "198.51.100.2"


def _login(client, username, password=PASSWORD, address=ADDRESS_A):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _lock(client, app, username, address=ADDRESS_A):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _login(client, username, "wrong password!", address).status_code == 401
    assert _login(client, username, address=address).status_code == 429


def test_failures_from_one_address_do_not_lock_the_user_out_from_another(client, app, make_operator):
    operator = make_operator("viewer")
    _lock(client, app, operator.username, ADDRESS_A)
    assert _login(client, operator.username, address=ADDRESS_B).status_code == 200
    assert _login(client, operator.username, address=ADDRESS_A).status_code == 429


def test_admin_unlock_lets_the_user_in_at_once_and_is_logged(client, app, admin, make_operator):
    operator = make_operator("viewer")
    _lock(client, app, operator.username)
    assert client.get(f"/api/v1/operators/{operator.id}", headers=admin).json["locked_until"]
    assert client.post(f"/api/v1/operators/{operator.id}/unlock", headers=admin).status_code == 204
    assert client.get(f"/api/v1/operators/{operator.id}", headers=admin).json["locked_until"] is None
    assert _login(client, operator.username).status_code == 200
    entries = client.get("/api/v1/audit", headers=admin,
                         query_string={"action": "unlock", "entity_id": str(operator.id)}).json
    assert len(entries) == 1
    assert entries[0]["entity"] == "operators" and entries[0]["actor_id"] not in (None, operator.id)
    assert entries[0]["after"] == {"cleared_addresses": 1}


def test_admin_password_reset_clears_the_lock(client, app, admin, make_operator):
    operator = make_operator("viewer")
    _lock(client, app, operator.username)
    client.patch(f"/api/v1/operators/{operator.id}", headers=admin, json={"password": "a fresh password"})
    assert _login(client, operator.username, "a fresh password").status_code == 200


def test_a_successful_login_resets_that_addresss_count(client, app, make_operator):
    operator = make_operator("viewer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        _login(client, operator.username, "wrong password!")
    assert _login(client, operator.username).status_code == 200
    assert _login(client, operator.username, "wrong password!").status_code == 401
    assert _login(client, operator.username).status_code == 200


def test_lock_ends_when_its_time_is_up(client, app, db, make_operator):
    from datetime import timedelta

    from sqlalchemy import update

    from shared_models.models import LoginLockout
    from shared_models.types import utcnow

    operator = make_operator("viewer")
    _lock(client, app, operator.username)
    db.execute(update(LoginLockout).where(LoginLockout.operator_id == operator.id)
               .values(locked_until=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert _login(client, operator.username).status_code == 200


@pytest.mark.parametrize("role", ["viewer", "auditor", "finance", "operator"])
def test_only_who_manages_operators_may_unlock(client, auth_headers, make_operator, role):
    operator = make_operator("viewer")
    response = client.post(f"/api/v1/operators/{operator.id}/unlock", headers=auth_headers(role))
    assert response.status_code == 403


def test_unlocking_an_unknown_operator_is_404(client, admin):
    assert client.post("/api/v1/operators/999999/unlock", headers=admin).status_code == 404
