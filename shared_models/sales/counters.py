"""Gapless numbers per site (receipts, account numbers): a counter row bumped under its row lock."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.models import SiteCounter

_COUNTERS = SiteCounter.__table__
# Built once: every sale of a site bumps its receipt counter.
_BUMP = (_COUNTERS.update()
         .where(_COUNTERS.c.site_id == bindparam("c_site"), _COUNTERS.c.name == bindparam("c_name"))
         .values(value=_COUNTERS.c.value + 1).returning(_COUNTERS.c.value))


def next_value(db: Session, site_id: int, name: str) -> int:
    """The next number of the sequence; the row stays locked until the caller's transaction
    ends, so a rolled-back sale gives its number back and no number is skipped or repeated.

    One UPDATE ... RETURNING takes the lock and the number together: the row is hot (every
    sale of the site passes through it), so it is touched once, as late as the caller can."""
    which = {"c_site": site_id, "c_name": name}
    value = db.execute(_BUMP, which).scalar()
    if value is None:
        try:
            with db.begin_nested():
                db.add(SiteCounter(site_id=site_id, name=name, value=0))
        except IntegrityError:  # a concurrent first use created it
            pass
        value = db.execute(_BUMP, which).scalar()
    return value
