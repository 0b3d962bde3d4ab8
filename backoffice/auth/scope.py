"""Site scoping: an operator sees and changes only the sites assigned to them."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from backoffice.auth.identity import current
from shared_models.errors import NotFound
from shared_models.scope import within_sites


def visible_site_ids() -> frozenset[int] | None:
    identity = current()
    return None if identity is None else identity.site_ids


def check_site(site_id: int | None, what: str = "site") -> None:
    """Refuse a site outside the caller's scope as if it did not exist (no probing)."""
    allowed = visible_site_ids()
    if site_id is not None and allowed is not None and site_id not in allowed:
        raise NotFound("No such {what}.", what=what)


def restrict(stmt: Select, column: InstrumentedAttribute) -> Select:
    """`stmt` limited to the caller's sites."""
    return within_sites(stmt, column, visible_site_ids())
