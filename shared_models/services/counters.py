"""Gapless numbers per site (receipts, account numbers): a counter row bumped under its row lock."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.models import SiteCounter


def next_value(db: Session, site_id: int, name: str) -> int:
    """The next number of the sequence; the row stays locked until the caller's transaction
    ends, so a rolled-back sale gives its number back and no number is skipped or repeated.

    One UPDATE ... RETURNING takes the lock and the number together: the row is hot (every
    sale of the site passes through it), so it is touched once, as late as the caller can."""
    bump = (update(SiteCounter).where(SiteCounter.site_id == site_id, SiteCounter.name == name)
            .values(value=SiteCounter.value + 1).returning(SiteCounter.value)
            .execution_options(synchronize_session=False))
    value = db.scalar(bump)
    if value is None:
        try:
            with db.begin_nested():
                db.add(SiteCounter(site_id=site_id, name=name, value=0))
        except IntegrityError:  # a concurrent first use created it
            pass
        value = db.scalar(bump)
    return value
