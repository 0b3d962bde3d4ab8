"""Resolve the caller from a bearer token or the session cookie, and check a permission."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import current_app, g, request, session
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from backoffice import database
from backoffice.auth import sessions
from backoffice.auth.errors import AuthenticationFailed, PermissionDenied
from backoffice.auth.permissions import ROLE_PERMISSIONS
from backoffice.auth.sessions import token_digest
from shared_models.audit import Actor, set_actor
from shared_models.enums import Role
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


def _from_token(raw: str) -> Operator:
    db = database.session()
    # The operator and their sites come in the same round trip: every request needs them.
    token = db.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(raw))
                       .options(joinedload(ApiToken.operator).joinedload(Operator.sites))
                       ).unique().one_or_none()
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise AuthenticationFailed("The token is invalid, expired or revoked.")
    # Touch at most once a minute so reads do not turn into a write per request. A touch is
    # not a change (as a session's is not): written past the unit of work, so the system log
    # and its chain lock, which every audited write takes, stay out of the request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        db.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                   .execution_options(synchronize_session=False))
        set_committed_value(token, "last_used_at", now)
    return token.operator


def _from_session() -> Operator | None:
    token = session.get("sid")
    if token is None:
        return None
    row = sessions.resolve(database.session(), token, current_app.config["SESSION_IDLE_TIMEOUT"])
    if row is None:
        # Logged out, revoked, idle or expired: the cookie is dropped and the caller is anonymous.
        session.clear()
        g.session_ended = True
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent, session.get("csrf", "")):
            raise PermissionDenied("Missing or wrong CSRF token (send the X-CSRF-Token header).")
    return row.operator


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
        if g.get("session_ended"):
            raise AuthenticationFailed("Your session has ended; log in again.")
        raise AuthenticationFailed("Authentication required.")
    if not identity.can(permission):
        raise PermissionDenied("You do not have the permission {permission}.",
                               permission=permission)
    return identity


def client_ip() -> str:
    # X-Forwarded-For is applied (by ProxyFix, in the app factory) only when TRUSTED_PROXIES
    # says how many proxies stand in front; otherwise this is the TCP peer, which nobody forges.
    return request.remote_addr or ""
