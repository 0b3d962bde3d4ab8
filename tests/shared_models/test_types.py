"""Column types keep values exact on the database in use (SQLite or PostgreSQL)."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shared_models.models import Site


def test_money_and_price_survive_the_round_trip_and_sum_exactly(db, make_site):
    for _ in range(10):
        make_site(credit_cap=Decimal("0.10"), default_price=Decimal("0.1234"))
    total = db.scalar(select(func.sum(Site.credit_cap)).where(Site.credit_cap == Decimal("0.10")))
    assert total == Decimal("1.00")
    site = db.scalar(select(Site).where(Site.default_price == Decimal("0.1234")).limit(1))
    db.expire(site)
    assert site.default_price == Decimal("0.1234")


def test_timestamps_come_back_aware_in_utc(db, make_site):
    shanghai = timezone(timedelta(hours=8))
    site = make_site()
    site.created_at = datetime(2026, 1, 1, 8, 0, tzinfo=shanghai)
    db.commit()
    db.expire(site)
    assert site.created_at == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert site.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(db, make_site):
    from sqlalchemy.exc import StatementError

    site = make_site()
    site.created_at = datetime(2026, 1, 1)
    with pytest.raises(StatementError):
        db.flush()
    db.rollback()
