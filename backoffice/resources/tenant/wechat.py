"""Inside WeChat, the tenant pages learn the payer's openid (for JSAPI payments) through
WeChat's web authorisation; it is kept on the tenant's session, for this session only. Asked
with `bind` right after an SMS sign-in, where the site allows it, the openid is also bound to
the phone so that WeChat signs the tenant in next time (`wechat_sign_in`)."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, redirect, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import update

from backoffice import database, wechat_web_auth
from backoffice.auth import tenant_wechat
from backoffice.auth.identity import client_ip
from backoffice.auth.permissions import tenant_only
from backoffice.auth.tenant import authorize_tenant, mask, own_account
from backoffice.resources.blueprint import Blueprint
from shared_models import audit
from shared_models.audit import Actor
from shared_models.models import Site, TenantSession
from shared_models.types import utcnow

blp = Blueprint("tenant-wechat", __name__, url_prefix="/tenant/wechat",
                description="The payer's WeChat openid for JSAPI payments inside WeChat")

BACK = "/m/#/recharge"
HOME = "/m/#/home"  # after binding: WeChat signs the tenant in from now on


class WechatAuthorizeQuerySchema(Schema):
    account_id = fields.Integer(required=True)
    bind = fields.Boolean(load_default=False, metadata={
        "description": "Also bind the openid to the phone, so WeChat signs it in next time "
                       "(where the account's site allows it)"})


class WechatCallbackQuerySchema(WechatAuthorizeQuerySchema):
    code = fields.String(load_default="")
    state = fields.String(load_default="")


def _state(token: str, account_id: int, bind: bool) -> str:
    """Ties WeChat's answer to this session (so to this browser), this account and whether to
    bind: no one else's code is accepted, and `bind` cannot be added on the way back."""
    message = f"wechat-state:{token}:{account_id}:{int(bind)}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()[:32]


def public_url(path: str) -> str:
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path


@blp.route("/authorize")
class Authorize(MethodView):
    @tenant_only
    @blp.arguments(WechatAuthorizeQuerySchema, location="query")
    @blp.response(302, description="To WeChat's authorisation, which comes back to /callback")
    def get(self, args):
        """Send the page to WeChat's web authorisation (snsapi_base: no prompt)."""
        tenant = authorize_tenant()
        account = own_account(args["account_id"])
        settings = wechat_web_auth.settings_of(database.session().get(Site, account.site_id))
        back = public_url(url_for("tenant-wechat.Callback", account_id=account.id,
                               **({"bind": "true"} if args["bind"] else {})))
        state = _state(tenant.token, account.id, args["bind"])
        return redirect(wechat_web_auth.authorize_url(settings, back, state))


@blp.route("/callback")
class Callback(MethodView):
    @tenant_only
    @blp.arguments(WechatCallbackQuerySchema, location="query")
    @blp.response(302, description="Back to the tenant pages' top-up screen")
    def get(self, args):
        """WeChat's answer: the code is traded for the openid, kept on the session."""
        tenant = authorize_tenant()
        account = own_account(args["account_id"])
        settings = wechat_web_auth.settings_of(database.session().get(Site, account.site_id))
        back = HOME if args["bind"] else BACK
        expected = _state(tenant.token, account.id, args["bind"])
        if not hmac.compare_digest(args["state"], expected) or not args["code"]:
            return redirect(public_url(back + "?wechat=refused"))
        openid = wechat_web_auth.openid_for(settings, args["code"])
        if openid is None:
            return redirect(public_url(back + "?wechat=refused"))
        db = database.session()
        db.execute(update(TenantSession).where(TenantSession.id == tenant.session_id)
                   .values(wechat_openid=openid))
        site = db.get(Site, account.site_id)
        if args["bind"] and site.tenant_wechat_sign_in:
            binding = tenant_wechat.bind(db, appid=settings["appid"], openid=openid,
                                         phone=tenant.phone, site_id=site.id, now=utcnow())
            audit.record(db, "tenant_wechat_bound", "tenant_wechat_bindings", binding.id,
                         actor=Actor(None, "tenant " + mask(tenant.phone), client_ip()))
            return redirect(public_url(back + "?wechat=bound"))
        return redirect(public_url(back))
