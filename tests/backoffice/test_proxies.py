"""X-Forwarded-For is believed only from the configured number of proxies in front."""

import pytest

from backoffice import config

PEER = "192.0.2.50"  # the address the TCP connection comes from


@pytest.fixture
def app_behind(database_url, redis_url, connection, redis_client):
    """An app built with TRUSTED_PROXIES set (the proxy middleware is wired in the factory)."""
    from backoffice import create_app
    from shared_models.db import make_session_factory

    def make(trusted: int):
        return create_app({"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                           "SECRET_KEY": "test-secret", "TRUSTED_PROXIES": trusted,
                           "SESSION_FACTORY": make_session_factory(
                               connection, join_transaction_mode="create_savepoint")})

    return make


def _fail_login(client, username, forwarded):
    return client.post("/api/v1/auth/login", json={"username": username, "password": "wrong pw!"},
                       headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": PEER})


def _logged_addresses(client, admin, username):
    entries = client.get("/api/v1/audit", headers=admin,
                         query_string={"action": "login_failed", "actor_name": username}).json
    return {entry["ip"] for entry in entries}


def test_forged_forwarded_for_changes_neither_throttle_nor_log_by_default(client, app, admin):
    app.config["LOGIN_MAX_PER_IP"] = 3
    for n in range(3):
        assert _fail_login(client, "ghost", f"203.0.113.{n}").status_code == 401
    assert _fail_login(client, "ghost", "203.0.113.99").status_code == 429
    assert _logged_addresses(client, admin, "ghost") == {PEER}


def test_one_trusted_proxy_uses_the_right_most_entry(app_behind, auth_headers):
    app = app_behind(1)
    app.config["LOGIN_MAX_PER_IP"] = 2
    client = app.test_client()
    # The client wrote the first entry itself; the proxy appended the address it saw.
    assert _fail_login(client, "ghost", "10.9.9.9, 198.51.100.7").status_code == 401
    assert _fail_login(client, "ghost", "10.8.8.8, 198.51.100.7").status_code == 401
    assert _fail_login(client, "ghost", "198.51.100.7").status_code == 429
    assert _fail_login(client, "ghost", "10.9.9.9, 198.51.100.8").status_code == 401
    assert _logged_addresses(client, auth_headers("admin"), "ghost") == {"198.51.100.7", "198.51.100.8"}


def test_trusted_proxies_from_the_environment(monkeypatch):
    from flask import Flask

    monkeypatch.setenv("WATTKEEPER_TRUSTED_PROXIES", "2")
    app = Flask(__name__)
    config.load(app, {"SECRET_KEY": "x"})
    assert app.config["TRUSTED_PROXIES"] == 2


def test_no_proxies_trusted_by_default():
    assert config.Defaults.TRUSTED_PROXIES == 0
