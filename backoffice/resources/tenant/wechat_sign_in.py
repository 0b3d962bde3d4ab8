"""Signing in by WeChat with no code, inside WeChat: the page is sent to WeChat's snsapi_base
authorisation and comes back with a code, which the back office trades for the openid; an
openid bound to a phone (after one SMS sign-in, see `wechat.py`) opens that phone's session.
Off unless a site turns `tenant_wechat_sign_in` on. The tenant sees and removes their
bindings here; staff see and remove them on the account (`wechat_staff.py`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, redirect, request, url_for
from flask.views import MethodView
from sqlalchemy import select

from backoffice import database, throttle, wechat_web_auth
from backoffice.auth import tenant_sessions as sessions
from backoffice.auth import tenant_wechat
from backoffice.auth.identity import client_ip
from backoffice.auth.permissions import public, tenant_only
from backoffice.auth.tenant import accounts_of, authorize_tenant, mask
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.tenant.sign_in import set_session_cookie
from backoffice.resources.tenant.wechat import public_url
from backoffice.resources.tenant.wechat_schemas import (
    WechatBindingSchema,
    WechatSignInCallbackSchema,
    WechatSignInOfferSchema,
    WechatSignInQuerySchema,
)
from shared_models import audit
from shared_models.audit import Actor
from shared_models.errors import NotFound
from shared_models.models import Site, TenantWechatBinding
from shared_models.types import utcnow

blp = Blueprint("tenant-wechat-sign-in", __name__, url_prefix="/tenant/wechat",
                description="Signing in by WeChat inside WeChat, after one SMS sign-in")

# The browser's half of the state: WeChat's answer is accepted only in the browser that asked.
STATE_COOKIE = "wk_wechat_state"
STATE_LIFETIME_S = 600
SIGN_IN = "/m/#/sign-in"


def sign_in_site(code: str | None) -> tuple[Site, dict] | None:
    """The site (and its WeChat settings) whose official account signs tenants in: among the
    sites with the setting on and WeChat's authorisation set up (the one named by `code`, if
    any), the first, provided they all use one official account (an openid means nothing to
    another app). None when WeChat sign-in is not offered."""
    stmt = select(Site).where(Site.tenant_wechat_sign_in.is_(True)).order_by(Site.id)
    if code:
        stmt = stmt.where(Site.code == code)
    found = [(site, settings) for site in database.session().scalars(stmt)
             if (settings := wechat_web_auth.settings_or_none(site)) is not None]
    if not found or len({settings["appid"] for _site, settings in found}) != 1:
        return None
    return found[0]


def _state(nonce: str, site_id: int) -> str:
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(),
                   f"wechat-sign-in:{nonce}:{site_id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{site_id}.{mac}"


def _site_of_state(state: str, nonce: str) -> int | None:
    """The site the state was made for, if it was made for this browser's nonce."""
    site_id, _dot, _mac = state.partition(".")
    # ASCII digits only ("²" is a digit to str.isdigit, not to int), and no more than an id has.
    if not nonce or not (site_id.isascii() and site_id.isdigit() and len(site_id) <= 9):
        return None
    return int(site_id) if hmac.compare_digest(state, _state(nonce, int(site_id))) else None


def _back(path: str, *, token: str | None = None):
    response = redirect(public_url(path))
    response.delete_cookie(STATE_COOKIE, path=_state_path())
    return set_session_cookie(response, token) if token else response


def _state_path() -> str:
    return url_for("tenant-wechat-sign-in.SignInCallback")


@blp.route("/sign-in")
class SignInOffer(MethodView):
    @public
    @blp.arguments(WechatSignInQuerySchema, location="query")
    @blp.response(200, WechatSignInOfferSchema)
    def get(self, args):
        """Whether WeChat may sign tenants in here (the page goes to WeChat only if it may)."""
        return {"available": sign_in_site(args["site"]) is not None}


@blp.route("/sign-in/start")
class SignInStart(MethodView):
    @public
    @blp.arguments(WechatSignInQuerySchema, location="query")
    @blp.response(302, description="To WeChat's authorisation, or back to the sign-in page "
                                   "(?wechat=off) where WeChat sign-in is not offered")
    def get(self, args):
        """Send the page to WeChat's web authorisation to sign in with no code."""
        found = sign_in_site(args["site"])
        if found is None:
            return _back(SIGN_IN + "?wechat=off")
        site, settings = found
        nonce = secrets.token_urlsafe(24)
        back = public_url(url_for("tenant-wechat-sign-in.SignInCallback"))
        response = redirect(wechat_web_auth.authorize_url(settings, back, _state(nonce, site.id)))
        response.set_cookie(STATE_COOKIE, nonce, max_age=STATE_LIFETIME_S, httponly=True,
                            samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
                            path=_state_path())
        return response


@blp.route("/sign-in/callback")
class SignInCallback(MethodView):
    @public
    @blp.arguments(WechatSignInCallbackSchema, location="query")
    @blp.response(302, description="Signed in (the tenant cookie) and to the home screen, or back "
                                   "to the sign-in page: ?wechat=unknown (no binding: sign in by "
                                   "SMS once), ?wechat=refused (a code or state not accepted)")
    def get(self, args):
        """WeChat's answer: the code is traded for the openid; a bound openid signs in."""
        throttle.spend("tenant-checks-address", client_ip(),
                       budget=current_app.config["TENANT_CHECKS_PER_ADDRESS"], window_s=600)
        site_id = _site_of_state(args["state"], request.cookies.get(STATE_COOKIE, ""))
        db = database.session()
        site = db.get(Site, site_id) if site_id is not None else None
        settings = wechat_web_auth.settings_or_none(site) if site is not None else None
        if settings is None or not site.tenant_wechat_sign_in or not args["code"]:
            return _back(SIGN_IN + "?wechat=refused")
        openid = wechat_web_auth.openid_for(settings, args["code"])
        if openid is None:
            return _back(SIGN_IN + "?wechat=refused")
        binding = tenant_wechat.signing_in(db, settings["appid"], openid)
        if binding is None or not accounts_of(binding.phone):
            return _back(SIGN_IN + "?wechat=unknown")
        config = current_app.config
        token = sessions.start(db, binding.phone, config["TENANT_SESSION_LIFETIME"], client_ip(),
                               request.user_agent.string, wechat_openid=openid)
        binding.last_used_at = utcnow()
        audit.record(db, "tenant_sign_in_wechat", "tenant_wechat_bindings", binding.id,
                     actor=Actor(None, "tenant " + mask(binding.phone), client_ip()))
        return _back("/m/#/home", token=token)


def _binding_view(binding: TenantWechatBinding, openid: str) -> dict:
    return {"id": binding.id, "openid": tenant_wechat.mask_openid(binding.openid),
            "created_at": binding.created_at, "last_used_at": binding.last_used_at,
            "this_wechat": binding.openid == openid}


@blp.route("/bindings")
class Bindings(MethodView):
    @tenant_only
    @blp.response(200, WechatBindingSchema(many=True))
    def get(self):
        """The WeChat users that sign this phone in with no code."""
        tenant = authorize_tenant()
        return [_binding_view(b, tenant.wechat_openid)
                for b in tenant_wechat.of_phone(database.session(), tenant.phone)]


@blp.route("/bindings/<int:binding_id>")
class BindingById(MethodView):
    @tenant_only
    @blp.response(204)
    def delete(self, binding_id):
        """Stop a WeChat user signing this phone in (the next visit asks for a code)."""
        tenant = authorize_tenant()
        db = database.session()
        binding = db.get(TenantWechatBinding, binding_id)
        if binding is None or binding.phone != tenant.phone:
            raise NotFound("No such {what}.", what="WeChat sign-in")
        db.delete(binding)
