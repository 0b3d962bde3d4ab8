"""Operators and tokens: creation, changes and revocation, with the rules they follow."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.auth import sessions
from backoffice.auth.login import clear_lockouts
from backoffice.auth.passwords import MIN_LENGTH, hash_password
from shared_models import audit
from shared_models.errors import Conflict, InvalidValue, NotFound
from shared_models.models import ApiToken, Operator, Site
from shared_models.types import utcnow


def check_password_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidValue("The password needs at least {n} characters.", field="password",
                           n=MIN_LENGTH)


def _sites(db: Session, site_ids: list[int]) -> list[Site]:
    sites = list(db.scalars(select(Site).where(Site.id.in_(site_ids))))
    if len(sites) != len(set(site_ids)):
        raise NotFound("No such site.", field="site_ids")
    return sites


def save_operator(db: Session, values: dict[str, Any], operator: Operator | None = None) -> Operator:
    values = dict(values)
    password = values.pop("password", None)
    site_ids = values.pop("site_ids", None)
    username = values.get("username")
    if username is not None:
        clash = db.scalar(select(Operator.id).where(
            func.lower(Operator.username) == username.lower(),
            Operator.id != (operator.id if operator else -1)))
        if clash:
            raise Conflict("The username {username} is taken.", field="username", username=username)
    existing = operator is not None
    was_active = existing and operator.active
    operator = operator or Operator()
    for name, value in values.items():
        setattr(operator, name, value)
    if password is not None:
        check_password_strength(password)
        operator.password_hash = hash_password(password)
    if site_ids is not None:
        operator.sites = _sites(db, site_ids)
    db.add(operator)
    db.flush()
    if existing and password is not None:
        # A new password ends every browser session and lifts every lock on the username.
        ended = sessions.revoke_all(db, operator.id)
        cleared = clear_lockouts(db, operator.id)
        audit.record(db, "password_set", "operators", operator.id,
                     after={"sessions_ended": ended, "cleared_addresses": cleared})
    elif was_active and not operator.active:
        sessions.revoke_all(db, operator.id)
    return operator


def unlock(db: Session, operator: Operator) -> None:
    """Lift the login locks on an operator from every address, in the system log."""
    cleared = clear_lockouts(db, operator.id)
    audit.record(db, "unlock", "operators", operator.id, after={"cleared_addresses": cleared})


def issue_token(db: Session, operator_id: int, name: str, days: int) -> tuple[ApiToken, str]:
    """A new bearer token; the clear value is returned once and never stored."""
    if db.get(Operator, operator_id) is None:
        raise NotFound("No such operator.", field="operator_id")
    raw = "wk_" + secrets.token_urlsafe(32)
    token = ApiToken(operator_id=operator_id, name=name, token_hash=sessions.token_digest(raw),
                     prefix=raw[:10], expires_at=utcnow() + timedelta(days=days))
    db.add(token)
    db.flush()
    return token, raw


def revoke_token(db: Session, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.flush()
