"""Resolve the caller from a bearer token or the session cookie, and check a permission."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import g, request, session
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from backoffice import database
from backoffice.auth.permissions import ROLE_PERMISSIONS
from shared_models.audit import Actor, set_actor
from shared_models.enums import Role
from shared_models.errors import AuthenticationFailed, PermissionDenied
from shared_models.models import ApiToken, Operator
from shared_models.types import utcnow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Identity:
    operator_id: int
    username: str
    role: Role
    site_ids: frozenset[int] | None  # None: every site
    via: str  # "session" or "token"

    def can(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _from_token(raw: str) -> Operator:
    db = database.session()
    # The operator and their sites come in the same round trip: every request needs them.
    token = db.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(raw))
                       .options(joinedload(ApiToken.operator).joinedload(Operator.sites))
                       ).unique().one_or_none()
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise AuthenticationFailed("The token is invalid, expired or revoked.")
    # Touch at most once a minute so reads do not turn into a write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    return token.operator


def _from_session() -> Operator | None:
    operator_id = session.get("operator_id")
    if operator_id is None:
        return None
    operator = database.session().get(Operator, operator_id)
    if operator is None or operator.session_epoch != session.get("epoch"):
        session.clear()
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent, session.get("csrf", "")):
            raise PermissionDenied("Missing or wrong CSRF token (send the X-CSRF-Token header).")
    return operator


def current() -> Identity | None:
    """The caller of this request, or None when anonymous."""
    if "identity" in g:
        return g.identity
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        operator, via = _from_token(header[7:].strip()), "token"
    else:
        operator, via = _from_session(), "session"
    identity = None
    if operator is not None:
        if not operator.active:
            raise AuthenticationFailed("This operator is disabled.")
        # Held for the request: the session's identity map is weak, and the sale paths read
        # the operator's sites again (found in the session, not queried, while this holds).
        g.operator = operator
        site_ids = operator.site_ids()
        identity = Identity(operator.id, operator.username, operator.role,
                            None if site_ids is None else frozenset(site_ids), via)
        set_actor(database.session(), Actor(operator.id, operator.username, client_ip()))
    g.identity = identity
    return identity


def authorize(permission: str) -> Identity:
    identity = current()
    if identity is None:
        raise AuthenticationFailed("Authentication required.")
    if not identity.can(permission):
        raise PermissionDenied("You do not have the permission {permission}.",
                               permission=permission)
    return identity


def client_ip() -> str:
    # Behind nginx, ProxyFix (configured in the app factory) has already resolved this.
    return request.remote_addr or ""
