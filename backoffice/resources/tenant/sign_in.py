"""Tenants sign in on their phones with an account (or meter) number, the phone on the account
and a code texted to it; the session is a tenant's, in a cookie of its own, apart from staff."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from backoffice import database, throttle, wechat_web_auth
from backoffice.auth import tenant_codes as codes
from backoffice.auth import tenant_sessions as sessions
from backoffice.auth.errors import AuthenticationFailed
from backoffice.auth.identity import client_ip
from backoffice.auth.permissions import public, tenant_only
from backoffice.auth.tenant import accounts_of, authorize_tenant, mask
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.tenant.sign_in_schemas import (
    TenantCodeRequestSchema,
    TenantCodeSentSchema,
    TenantSessionSchema,
    TenantSignInSchema,
)
from backoffice.resources.tenant.views import account_brief
from shared_models import audit
from shared_models.audit import Actor
from shared_models.errors import InvalidValue
from shared_models.models import Site
from shared_models.notifications.sms_policy import normalise_phone
from shared_models.types import utcnow

blp = Blueprint("tenant-auth", __name__, url_prefix="/tenant/auth",
                description="Tenants' sign-in on their phones: an SMS code, then a tenant session")

DAY = 86400


def _phone(raw: str) -> str:
    phone = normalise_phone(raw)
    if phone is None:
        raise InvalidValue("Enter the mobile number on the account.", field="phone")
    return phone


def _spend_code_budgets(phone: str, identifier: str) -> None:
    """The throttles on sending, keyed on what was asked (known or not), so that an unknown
    account is refused exactly when a known one would be."""
    config = current_app.config
    throttle.spend("tenant-codes-address", client_ip(), budget=config["TENANT_CODES_PER_ADDRESS_DAY"],
                   window_s=DAY)
    throttle.spend("tenant-codes-phone", phone, budget=config["TENANT_CODES_PER_PHONE_DAY"],
                   window_s=DAY, field="phone")
    throttle.spend("tenant-codes-account", identifier.upper(),
                   budget=config["TENANT_CODES_PER_ACCOUNT_DAY"], window_s=DAY, field="account")
    throttle.space_out("tenant-code-resend", phone, seconds=config["TENANT_CODE_RESEND_S"],
                       field="phone")


@blp.route("/codes")
class Codes(MethodView):
    @public
    @blp.arguments(TenantCodeRequestSchema)
    @blp.response(202, TenantCodeSentSchema)
    def post(self, data):
        """Text a sign-in code to the phone on the account (the same answer for any account)."""
        phone = _phone(data["phone"])
        _spend_code_budgets(phone, data["account"])
        db = database.session()
        account = codes.find_account(db, data["account"], phone)
        if account is not None:
            codes.send(db, account, phone, secret=current_app.config["SECRET_KEY"],
                       client_ip=client_ip(), now=utcnow())
        return {"expires_in_s": int(codes.LIFETIME.total_seconds()),
                "resend_after_s": current_app.config["TENANT_CODE_RESEND_S"]}


def _session_body(phone: str, token: str, openid: str) -> dict:
    accounts = accounts_of(phone)
    return {"phone": mask(phone), "accounts": [account_brief(a) for a in accounts],
            "csrf_token": sessions.csrf_token(current_app.config["SECRET_KEY"], token),
            "wechat_bound": bool(openid),
            "wechat_sign_in_account_id": wechat_sign_in_account(accounts)}


def wechat_sign_in_account(accounts: list) -> int | None:
    """The first account whose site lets WeChat sign this phone in (its setting on and WeChat's
    web authorisation set up): the binding is made through it. None where no site does."""
    db = database.session()
    for account in accounts:
        site = db.get(Site, account.site_id)
        if site.tenant_wechat_sign_in and wechat_web_auth.settings_or_none(site) is not None:
            return account.id
    return None


def set_session_cookie(response, token: str):
    """The tenant cookie: HttpOnly, SameSite=Lax (WeChat's redirect back is a top-level GET)."""
    config = current_app.config
    response.set_cookie(config["TENANT_COOKIE_NAME"], token,
                        max_age=int(config["TENANT_SESSION_LIFETIME"].total_seconds()),
                        httponly=True, samesite="Lax", secure=config["SESSION_COOKIE_SECURE"],
                        path="/")
    return response


@blp.route("/session")
class TenantSession(MethodView):
    @public
    @blp.arguments(TenantSignInSchema)
    @blp.response(200, TenantSessionSchema)
    def post(self, data):
        """Sign in with the texted code: a tenant session cookie and its CSRF token."""
        phone = _phone(data["phone"])
        throttle.spend("tenant-checks-address", client_ip(),
                       budget=current_app.config["TENANT_CHECKS_PER_ADDRESS"], window_s=600)
        db = database.session()
        actor = Actor(None, "tenant " + mask(phone), client_ip())
        try:
            account = codes.check(db, data["account"], phone, data["code"],
                                  secret=current_app.config["SECRET_KEY"], now=utcnow())
        except AuthenticationFailed:
            audit.record(db, "tenant_sign_in_failed", "tenant_accounts", "", actor=actor)
            database.commit_now()  # the spent try and its log entry survive the 401
            raise
        config = current_app.config
        token = sessions.start(db, phone, config["TENANT_SESSION_LIFETIME"], client_ip(),
                               request.user_agent.string)
        audit.record(db, "tenant_sign_in", "tenant_accounts", account.id, actor=actor)
        return set_session_cookie(current_app.make_response(
            (TenantSessionSchema().dump(_session_body(phone, token, "")), 200)), token)

    @tenant_only
    @blp.response(200, TenantSessionSchema)
    def get(self):
        """Who is signed in: the phone (partly hidden), its accounts, and the CSRF token."""
        tenant = authorize_tenant()
        return _session_body(tenant.phone, tenant.token, tenant.wechat_openid)

    @tenant_only
    @blp.response(204)
    def delete(self):
        """Sign out: the session ends on the server and the cookie is dropped."""
        tenant = authorize_tenant()
        sessions.revoke(database.session(), tenant.token)
        response = current_app.make_response(("", 204))
        response.delete_cookie(current_app.config["TENANT_COOKIE_NAME"], path="/")
        return response
