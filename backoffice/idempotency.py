"""Idempotency-Key for POSTs: the first successful answer is stored with the request's writes
and replayed to retries; the same key with a different request is refused. Keys are scoped to
the caller: an operator (or device), or a signed-in tenant's phone."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from flask import Response, current_app, g, request
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from backoffice import database
from backoffice.auth.identity import current
from shared_models.errors import Conflict, InvalidValue, RuleViolation
from shared_models.models import IdempotencyRecord, TenantIdempotencyRecord
from shared_models.types import utcnow

HEADER = "Idempotency-Key"


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    if request.mimetype == "multipart/form-data":
        # The boundary is random per attempt: compare the fields and files, not the raw bytes.
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True)):
            digest.update(f"{name}:{upload.filename}\n".encode())
            digest.update(upload.stream.read())
            upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise RuleViolation("This Idempotency-Key was already used for a different request.")
    if record.status_code == 0:
        # Claimed by a request that committed part of its work (an order, before calling a
        # gateway) and never answered: what it did is to be looked up, not done again.
        raise Conflict("The first request with this Idempotency-Key did not finish; look up "
                       "what it did before trying again.")
    return Response(record.response_body, status=record.status_code, mimetype="application/json",
                    headers={"Idempotent-Replayed": "true"})


def _statements(model: type, scope: str) -> tuple[dict, object]:
    table = model.__table__
    # Built once per dialect (PostgreSQL in production, SQLite in the demo): every POST with a
    # key claims it, and answers it if it succeeds.
    claim = {name: dialect.insert(table).on_conflict_do_nothing(index_elements=[scope, "key"])
             .returning(table.c.id) for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
    answer = (table.update().where(table.c.id == bindparam("r_id"))
              .values(status_code=bindparam("r_status"), response_body=bindparam("r_body")))
    return claim, answer


# Per kind of caller: the table, the column naming the caller, and its two statements.
_SCOPES = {"operator": (IdempotencyRecord, "operator_id", *_statements(IdempotencyRecord, "operator_id")),
           "tenant": (TenantIdempotencyRecord, "phone", *_statements(TenantIdempotencyRecord, "phone"))}


def _caller() -> tuple[str, object]:
    # A tenant route has resolved its tenant before this runs (requires(TENANT) wraps it).
    tenant = g.get("tenant")
    if tenant is not None:
        return "tenant", tenant.phone
    return "operator", current().operator_id


def request_key() -> str | None:
    """This request's Idempotency-Key: None without the header, refused unless 1-255 characters."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255:
        raise InvalidValue("Idempotency-Key must be 1 to 255 characters.", field=HEADER)
    return key


def idempotent(view: Callable) -> Callable:
    """Wrap a POST view (inside `requires`, so the caller is known)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request_key()
        if key is None:
            return view(*args, **kwargs)
        kind, caller = _caller()
        model, column, claim, answer = _SCOPES[kind]
        db = database.session()
        fingerprint = _fingerprint()
        # One round trip claims the key. On PostgreSQL a concurrent twin blocks here until the
        # first commits (then finds the conflict and replays) or rolls back (then inserts).
        record_id = db.execute(claim[db.get_bind().dialect.name], {
            column: caller, "key": key, "method": request.method,
            "path": request.path[:512], "request_hash": fingerprint, "status_code": 0,
            "response_body": "", "created_at": utcnow()}).scalar()
        if record_id is None:
            return _replay(db.scalar(select(model).where(
                getattr(model, column) == caller, model.key == key)
                .execution_options(populate_existing=True)), fingerprint)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            db.execute(answer, {"r_id": record_id, "r_status": response.status_code,
                               "r_body": response.get_data(as_text=True)})
        return response

    return wrapper
