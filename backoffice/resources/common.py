"""Helpers every resource uses: scoped loading and paging of selects."""

from __future__ import annotations

from sqlalchemy import Select

from backoffice import database
from backoffice.auth.scope import check_site
from backoffice.pagination import SelectCollection
from shared_models.services import registry


def load(model: type, obj_id: int, *, lock: bool = False):
    """A row by id, as a 404 when missing or outside the caller's sites."""
    obj = registry.get(database.session(), model, obj_id, lock=lock)
    check_site(registry.site_of(obj), model.__tablename__[:-1])
    return obj


def collection(stmt: Select) -> SelectCollection:
    return SelectCollection(database.session(), stmt)


def filter_by(stmt: Select, model: type, args: dict) -> Select:
    """Equality filters from query arguments whose names are columns of `model`."""
    for name, value in args.items():
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt
