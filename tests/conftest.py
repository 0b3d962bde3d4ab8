"""Fixtures shared by every test: databases, Redis, the app, clients and factories."""

from __future__ import annotations

import itertools

import pytest
from redis import Redis
from sqlalchemy.orm import Session

from shared_models.db import make_engine, make_session_factory
from tests.infra import EmbeddedRedis, require, scratch_databases

# Fixture modules shared by several packages of tests (the counter desk, report fixtures).
pytest_plugins = ["tests.money", "tests.reports", "tests.backoffice.tenant_kit"]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The suite's shared database, migrated once; tests roll back inside it."""
    databases = scratch_databases(tmp_path_factory.mktemp("db"))
    yield databases.create()
    databases.drop_all()


@pytest.fixture
def new_database(tmp_path):
    """Factory of databases of the test's own (`new_database(revision="head", postgres=False)`),
    for work that commits from several connections, threads or processes; dropped afterwards."""
    made = []

    def create(revision: str | None = "head", *, postgres: bool = False) -> str:
        databases = scratch_databases(tmp_path / f"db{len(made)}", postgres=postgres)
        made.append(databases)
        return databases.create(revision)

    yield create
    for databases in made:
        databases.drop_all()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    configured = require("WATTKEEPER_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    embedded = EmbeddedRedis(str(tmp_path_factory.mktemp("redis")))
    yield embedded.url
    embedded.stop()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    """One connection in an outer transaction that every test rolls back."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def db(connection) -> Session:
    """A session whose commits become savepoints inside the test's transaction."""
    session = make_session_factory(connection, join_transaction_mode="create_savepoint")()
    yield session
    session.close()


@pytest.fixture
def redis_client(redis_url):
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def app(database_url, redis_url, connection, redis_client):
    from backoffice import create_app

    return create_app({"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                       "SECRET_KEY": "test-secret",
                       "SESSION_FACTORY": make_session_factory(
                           connection, join_transaction_mode="create_savepoint")})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_operator(db):
    from backoffice.auth.accounts import save_operator
    from shared_models.enums import Role

    def make(role: Role | str = Role.ADMIN, *, password: str = "correct horse battery",
             site_ids: list[int] | None = None, **values):
        username = values.pop("username", f"op{next(_counter)}")
        operator = save_operator(db, {"username": username, "password": password,
                                      "role": Role(role), "all_sites": site_ids is None,
                                      "site_ids": site_ids or [], **values})
        db.commit()
        return operator

    return make


@pytest.fixture
def auth_headers(db, make_operator):
    """Bearer headers for a new operator of the given role."""
    from backoffice.auth.accounts import issue_token

    def make(role="admin", site_ids=None, **values) -> dict[str, str]:
        operator = make_operator(role, site_ids=site_ids, **values)
        _token, raw = issue_token(db, operator.id, "test", 1)
        db.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def admin(auth_headers):
    return auth_headers("admin")


@pytest.fixture
def make_site(db):
    from shared_models.registry import save_site

    def make(**values):
        n = next(_counter)
        site = save_site(db, {"code": f"S{n}", "name": f"Site {n}", **values})
        db.commit()
        return site

    return make


@pytest.fixture
def make_gateway(db, make_site):
    from shared_models.registry import save_gateway

    def make(site=None, bus_count: int = 1, **values):
        site = site or make_site()
        n = next(_counter)
        gateway = save_gateway(db, {"site_id": site.id, "name": f"GW{n}", "host": "127.0.0.1",
                                    "port": 10000 + n, "bus_count": bus_count, **values})
        db.commit()
        return gateway

    return make


@pytest.fixture
def make_meter(db, make_gateway):
    from shared_models.registry import save_meter

    def make(bus=None, address: int | None = None, **values):
        bus = bus or make_gateway().buses[0]
        n = next(_counter)
        meter = save_meter(db, {"bus_id": bus.id, "address": address or (n % 247) + 1,
                                "serial_number": f"M{n:08d}", **values})
        db.commit()
        return meter

    return make

