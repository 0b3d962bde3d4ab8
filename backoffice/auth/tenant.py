"""The tenant behind a request: resolved from the tenant cookie, never from a staff session
or token, and allowed to see only the open accounts whose phone is the one they proved."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import current_app, g, request
from sqlalchemy import select

from backoffice import database
from backoffice.auth import tenant_sessions as sessions
from backoffice.auth.errors import AuthenticationFailed, PermissionDenied
from backoffice.auth.identity import SAFE_METHODS, client_ip
from shared_models.audit import Actor, set_actor
from shared_models.errors import NotFound
from shared_models.models import TenantAccount
from shared_models.models.accounts import AccountStatus
from shared_models.notifications.sms_policy import normalise_phone


@dataclass(frozen=True)
class Tenant:
    session_id: str
    token: str
    phone: str
    wechat_openid: str

    @property
    def masked_phone(self) -> str:
        return mask(self.phone)


def mask(phone: str) -> str:
    """138****8000: enough for a person to recognise their number, and for the system log."""
    return phone[:3] + "****" + phone[-4:]


def accounts_of(phone: str) -> list[TenantAccount]:
    """The open accounts whose phone is `phone`, oldest first. Phones are stored as staff typed
    them (+86, spaces, dashes): the last four digits narrow the search, normalising decides."""
    rows = database.session().scalars(
        select(TenantAccount).where(TenantAccount.status == AccountStatus.OPEN,
                                    TenantAccount.phone.like(f"%{phone[-4:]}"))
        .order_by(TenantAccount.id))
    return [row for row in rows if normalise_phone(row.phone) == phone]


def current_tenant() -> Tenant | None:
    """The signed-in tenant of this request, or None."""
    if "tenant" in g:
        return g.tenant
    tenant = None
    token = request.cookies.get(current_app.config["TENANT_COOKIE_NAME"])
    if token:
        row = sessions.resolve(database.session(), token,
                               current_app.config["TENANT_SESSION_IDLE_TIMEOUT"])
        if row is not None:
            tenant = Tenant(row.id, token, row.phone, row.wechat_openid)
            set_actor(database.session(), Actor(None, "tenant " + mask(row.phone), client_ip()))
        else:
            g.tenant_session_ended = True
    g.tenant = tenant
    return tenant


def authorize_tenant() -> Tenant:
    """The signed-in tenant, or 401; writes also need the session's CSRF token (403)."""
    tenant = current_tenant()
    if tenant is None:
        if g.get("tenant_session_ended"):
            raise AuthenticationFailed("Your session has ended; sign in again.")
        raise AuthenticationFailed("Authentication required.")
    if request.method not in SAFE_METHODS:
        expected = sessions.csrf_token(current_app.config["SECRET_KEY"], tenant.token)
        if not hmac.compare_digest(request.headers.get("X-CSRF-Token", ""), expected):
            raise PermissionDenied("Missing or wrong CSRF token (send the X-CSRF-Token header).")
    return tenant


def own_account(account_id: int) -> TenantAccount:
    """One of the tenant's own open accounts; any other id answers as one that does not exist."""
    tenant = authorize_tenant()
    account = database.session().get(TenantAccount, account_id)
    if (account is None or account.status != AccountStatus.OPEN
            or normalise_phone(account.phone) != tenant.phone):
        raise NotFound("No such {what}.", what="account")
    return account
