"""Inside WeChat, the tenant pages learn the payer's openid (for JSAPI payments) through
WeChat's web authorisation; it is kept on the tenant's session, for this session only."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, redirect, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import update

from backoffice import database, wechat_web_auth
from backoffice.auth.permissions import tenant_only
from backoffice.auth.tenant import authorize_tenant, own_account
from backoffice.resources.blueprint import Blueprint
from shared_models.models import Site, TenantSession

blp = Blueprint("tenant-wechat", __name__, url_prefix="/tenant/wechat",
                description="The payer's WeChat openid for JSAPI payments inside WeChat")

BACK = "/m/#/recharge"


class WechatAuthorizeQuerySchema(Schema):
    account_id = fields.Integer(required=True)


class WechatCallbackQuerySchema(WechatAuthorizeQuerySchema):
    code = fields.String(load_default="")
    state = fields.String(load_default="")


def _state(token: str, account_id: int) -> str:
    """Ties WeChat's answer to this session and account (no one else's code is accepted)."""
    message = f"wechat-state:{token}:{account_id}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()[:32]


def _public(path: str) -> str:
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
        back = _public(url_for("tenant-wechat.Callback", account_id=account.id))
        return redirect(wechat_web_auth.authorize_url(settings, back, _state(tenant.token, account.id)))


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
        if not hmac.compare_digest(args["state"], _state(tenant.token, account.id)) or not args["code"]:
            return redirect(_public(BACK + "?wechat=refused"))
        openid = wechat_web_auth.openid_for(settings, args["code"])
        if openid is None:
            return redirect(_public(BACK + "?wechat=refused"))
        database.session().execute(update(TenantSession).where(TenantSession.id == tenant.session_id)
                                   .values(wechat_openid=openid))
        return redirect(_public(BACK))
