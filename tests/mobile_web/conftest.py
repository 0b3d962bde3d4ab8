"""The tenant pages' browser fixtures: the sandbox gateway, one back office seeded with the
console's demo (tenants with phones, readings) on a real port, and one Chromium.

Tests share the office, so each signs in as a tenant of its own (a demo account it picks)."""

from __future__ import annotations

import pytest

from backoffice import create_app
from shared_models.db import make_engine, make_session_factory
from tests.console.browser_kit import CHROMIUM, CHROMIUM_FLAGS, seed_console_demo
from tests.infra import scratch_databases
from tests.mobile_web.phone_kit import DEVICES, add_history
from tests.payments.sandbox_kit import serve, start_sandbox


@pytest.fixture(scope="package")
def sandbox(tmp_path_factory):
    running = start_sandbox(tmp_path_factory.mktemp("m-sandbox"))
    yield running
    running.stop()


@pytest.fixture(scope="package")
def office(tmp_path_factory, redis_url, sandbox):
    databases = scratch_databases(tmp_path_factory.mktemp("m-db"))
    engine = make_engine(databases.create())
    sessions = make_session_factory(engine)
    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                      "SESSION_FACTORY": sessions, "REDIS_URL": redis_url,
                      "SECRET_KEY": "mobile-test-secret", "PAYMENTS_FILE": str(sandbox.payments_toml),
                      # Every test signs in from the same address: no daily cap gets in the way.
                      "TENANT_CODES_PER_ADDRESS_DAY": 0, "TENANT_CHECKS_PER_ADDRESS": 0})
    ids = seed_console_demo(app)
    add_history(sessions, ids["site"], ids["admin"])
    served = serve(app)
    served.ids, served.sessions = ids, sessions
    yield served
    served.stop()
    engine.dispose()
    databases.drop_all()


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        DEVICES.update(playwright.devices)
        yield chromium
        chromium.close()
