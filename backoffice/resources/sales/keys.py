"""Who is selling, and the ledger key that ties a money-moving request to its one posting."""

from __future__ import annotations

import hashlib

from backoffice.auth.identity import current
from backoffice.idempotency import request_key


def operator_id() -> int:
    return current().operator_id


def external_key() -> str | None:
    """The Idempotency-Key of this request as a ledger external key, scoped to the caller as
    the key itself is; posted in the same transaction as the sale, so it can never post twice."""
    key = request_key()
    if key is None:
        return None
    scoped = f"idem:{operator_id()}:{key}"
    if len(scoped) > 255:
        scoped = f"idem:{operator_id()}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return scoped
