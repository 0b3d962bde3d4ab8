"""Helpers every resource uses: scoped loading, paging of selects, workbook downloads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial

from flask import Response, current_app
from sqlalchemy import Select
from sqlalchemy.orm import Session

from backoffice import database
from backoffice.auth.identity import client_ip, current
from backoffice.auth.scope import check_site, visible_site_ids
from backoffice.pagination import SelectCollection
from shared_models import registry
from shared_models.audit import Actor
from shared_models.workbooks import xlsx

CHUNK_BYTES = 64 * 1024

# OpenAPI schema of a downloaded file.
BINARY = {"type": "string", "format": "binary"}


def load(model: type, obj_id: int, *, lock: bool = False):
    """A row by id, as a 404 when missing or outside the caller's sites."""
    obj = registry.get(database.session(), model, obj_id, lock=lock)
    check_site(registry.site_of(obj), registry.name_of(model))
    return obj


def reference(model: type, obj_id: int, field: str):
    """A row named by `field` of the request body: a 422 naming the field when it is missing
    or outside the caller's sites, the same answer for both (no probing)."""
    obj = registry.get(database.session(), model, obj_id, field=field)
    allowed = visible_site_ids()
    if allowed is not None and registry.site_of(obj) not in allowed:
        raise registry.not_found(model, field)
    return obj


def naive_utc(moment: datetime | None) -> datetime | str:
    """A UTC time as a spreadsheet cell (Excel has no time zones; the sheet says UTC)."""
    return moment.replace(tzinfo=None) if moment else ""


def caller_sessions() -> Callable[[], Session]:
    """Sessions apart from the request's, for work around a gateway call (no transaction stays
    open during it), attributed in the system log to the person asking."""
    identity = current()
    actor = Actor(identity.operator_id, identity.username, client_ip())
    return partial(current_app.extensions["wk_sessions"], info={"actor": actor})


def collection(stmt: Select) -> SelectCollection:
    return SelectCollection(database.session(), stmt)


def filter_by(stmt: Select, model: type, args: dict) -> Select:
    """Equality filters from query arguments whose names are columns of `model`."""
    for name, value in args.items():
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt


def download(spool, name: str) -> Response:
    """Stream a spooled workbook to the client as an attachment named `name`."""
    size = spool.seek(0, 2)
    spool.seek(0)
    return Response(_chunks(spool), mimetype=xlsx.MIME_TYPE, headers={
        "Content-Length": str(size), "Content-Disposition": f'attachment; filename="{name}"'})


def _chunks(spool) -> Iterator[bytes]:
    # The file closes when the body is sent or the client goes away (the server closes us).
    with spool:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
