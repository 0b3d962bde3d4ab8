"""A site's hot accounts are read once per process and database, and only once committed."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from shared_models.audit import SYSTEM, set_actor
from shared_models.db import make_engine, make_session_factory, upgrade
from shared_models.ledger.books import ensure_site_accounts, site_account
from shared_models.models.ledger import AccountKind, Channel
from shared_models.registry import save_site


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A database of its own: these tests commit for real."""
    url = f"sqlite:///{tmp_path_factory.mktemp('hot') / 'hot.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_session_factory(engine)


@pytest.fixture
def statements(engine):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def _new_site(sessions, code: str, *, accounts: bool = True) -> int:
    with sessions() as db:
        set_actor(db, SYSTEM)
        site = save_site(db, {"code": code, "name": code})
        if accounts:
            ensure_site_accounts(db, site.id)
        db.commit()
        return site.id


def _cash(sessions, site_id: int) -> tuple[int, int]:
    with sessions() as db:
        account = site_account(db, site_id, AccountKind.CLEARING, Channel.CASH)
        db.commit()
        return account.id, account.site_id


def test_a_committed_hot_account_is_not_read_again(sessions, statements):
    site_id = _new_site(sessions, "H1")
    first = _cash(sessions, site_id)
    statements.clear()
    assert _cash(sessions, site_id) == first
    assert not [s for s in statements if "ledger_accounts" in s]


def test_a_rolled_back_first_use_is_not_kept(sessions, statements):
    site_id = _new_site(sessions, "H2", accounts=False)
    with sessions() as db:
        site_account(db, site_id, AccountKind.CLEARING, Channel.CASH)
        site_account(db, site_id, AccountKind.CLEARING, Channel.CASH)  # found by the read
        db.rollback()
        db.commit()  # the same session commits later: what it saw before the rollback is gone
    statements.clear()
    with sessions() as db:
        account = site_account(db, site_id, AccountKind.CLEARING, Channel.CASH)
        db.commit()
        assert account.site_id == site_id and account.code == "clearing:cash"
    assert [s for s in statements if "ledger_accounts" in s]


def test_a_session_inside_an_outer_transaction_keeps_nothing(engine, sessions, statements):
    site_id = _new_site(sessions, "H3")
    for _ in range(2):
        with engine.connect() as conn:
            outer = conn.begin()
            db = Session(bind=conn, join_transaction_mode="create_savepoint")
            site_account(db, site_id, AccountKind.ENERGY_REVENUE)
            db.commit()
            db.close()
            outer.rollback()
    assert len([s for s in statements if "ledger_accounts" in s]) >= 2
