"""Password login with a second factor and throttling against guessing.

Two limits: failures per client address (Redis, any username), and failures of one username
from one address (a table row), which locks that username for that address only: a stranger
elsewhere cannot keep an operator out.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pyotp
from redis.exceptions import RedisError
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backoffice.auth.errors import AuthenticationFailed, TooManyAttempts
from backoffice.auth.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from shared_models import audit
from shared_models.audit import Actor
from shared_models.models import LoginLockout, Operator
from shared_models.types import utcnow

log = logging.getLogger(__name__)


class LoginPolicy:
    """Limits from the app config, and the Redis counter of failures per address."""

    def __init__(self, config, redis) -> None:
        self.max_failures = config["LOGIN_MAX_FAILURES"]
        self.lock = timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        self.max_per_ip = config["LOGIN_MAX_PER_IP"]
        self.ip_window = config["LOGIN_IP_WINDOW_S"]
        self.redis = redis

    def _ip_key(self, ip: str) -> str:
        return f"wk:login-failures:{ip}"

    def check_ip(self, ip: str) -> None:
        try:
            failures = int(self.redis.get(self._ip_key(ip)) or 0)
        except RedisError:
            log.warning("login throttling by address unavailable: Redis unreachable")
            return
        if failures >= self.max_per_ip:
            raise TooManyAttempts("Too many failed logins from this address; try again later.")

    def count_ip_failure(self, ip: str) -> None:
        try:
            with self.redis.pipeline() as pipe:
                pipe.incr(self._ip_key(ip)).expire(self._ip_key(ip), self.ip_window).execute()
        except RedisError:
            pass


def login(db: Session, policy: LoginPolicy, username: str, password: str,
          totp_code: str | None, ip: str) -> Operator:
    """The operator if the credentials are right; otherwise logs the failure and raises."""
    policy.check_ip(ip)
    operator = db.scalar(select(Operator).where(func.lower(Operator.username) == username.lower()))
    if operator is None or not operator.active:
        verify_password(dummy_hash(), password)  # same cost as a real check
        _fail(db, policy, None, username, ip, "unknown or disabled operator")
    lockout = db.get(LoginLockout, (operator.id, ip))
    if lockout is not None and lockout.locked_until and lockout.locked_until > utcnow():
        audit.record(db, "login_refused", "operators", operator.id,
                     after={"reason": "locked"}, actor=Actor(None, username, ip))
        raise TooManyAttempts("Too many failed logins; this account is locked for a while.")
    if not verify_password(operator.password_hash, password):
        _fail(db, policy, operator, username, ip, "wrong password")
    if operator.totp_enabled:
        if not totp_code:
            raise AuthenticationFailed("A one-time code is required.", field="totp_code")
        if not pyotp.TOTP(operator.totp_secret).verify(totp_code, valid_window=1):
            _fail(db, policy, operator, username, ip, "wrong one-time code")
    if lockout is not None:
        db.delete(lockout)
    if needs_rehash(operator.password_hash):
        operator.password_hash = hash_password(password)
    audit.record(db, "login", "operators", operator.id, actor=Actor(operator.id, username, ip))
    return operator


def _fail(db: Session, policy: LoginPolicy, operator: Operator | None, username: str,
          ip: str, reason: str) -> None:
    policy.count_ip_failure(ip)
    if operator is not None:
        _count_failure(db, policy, operator.id, ip)
    audit.record(db, "login_failed", "operators", operator.id if operator else "",
                 after={"reason": reason}, actor=Actor(None, username[:64], ip))
    raise AuthenticationFailed("Wrong username or password.")


def _count_failure(db: Session, policy: LoginPolicy, operator_id: int, ip: str) -> None:
    """One more failure of this username from this address; the limit-th locks it there."""
    now = utcnow()
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = (LoginLockout.operator_id == operator_id) & (LoginLockout.client_ip == ip)
    # One statement, so two failures at the same moment both count.
    stmt = insert(LoginLockout).values(operator_id=operator_id, client_ip=ip, failures=1,
                                       last_failure_at=now)
    db.execute(stmt.on_conflict_do_update(
        index_elements=[LoginLockout.operator_id, LoginLockout.client_ip],
        set_={"failures": case((LoginLockout.last_failure_at <= now - policy.lock, 1),
                               else_=LoginLockout.failures + 1),
              "last_failure_at": now}))
    db.execute(update(LoginLockout).where(key, LoginLockout.failures >= policy.max_failures)
               .values(failures=0, locked_until=now + policy.lock)
               .execution_options(synchronize_session=False))


def clear_lockouts(db: Session, operator_id: int) -> int:
    """Lift the locks and forget the failures of an operator from every address."""
    result = db.execute(delete(LoginLockout).where(LoginLockout.operator_id == operator_id)
                        .execution_options(synchronize_session="fetch"))
    return result.rowcount
