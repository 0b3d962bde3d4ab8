"""Gapless numbers per site (receipts, account numbers): a counter row taken FOR UPDATE."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.models import SiteCounter


def next_value(db: Session, site_id: int, name: str) -> int:
    """The next number of the sequence; the row stays locked until the caller's transaction
    ends, so a rolled-back sale gives its number back and no number is skipped or repeated."""
    stmt = (select(SiteCounter).where(SiteCounter.site_id == site_id, SiteCounter.name == name)
            .with_for_update().execution_options(populate_existing=True))
    counter = db.scalar(stmt)
    if counter is None:
        try:
            with db.begin_nested():
                db.add(SiteCounter(site_id=site_id, name=name, value=0))
        except IntegrityError:  # a concurrent first use created it
            pass
        counter = db.scalars(stmt).one()
    counter.value += 1
    db.flush()
    return counter.value
