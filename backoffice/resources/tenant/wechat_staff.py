"""Staff see which WeChat users sign an account's phone in with no code, and remove one (a lost
phone, a tenant who moved out): the next visit from that WeChat asks for an SMS code."""

from __future__ import annotations

from flask.views import MethodView

from backoffice import database
from backoffice.auth import tenant_wechat
from backoffice.auth.permissions import requires
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import load
from backoffice.resources.tenant.wechat_schemas import WechatBindingSchema
from shared_models.errors import NotFound
from shared_models.models import TenantAccount, TenantWechatBinding
from shared_models.notifications.sms_policy import normalise_phone

blp = Blueprint("account-wechat-sign-ins", __name__, url_prefix="/accounts",
                description="The WeChat users that sign an account's phone in (tenant pages)")


def _bindings(account: TenantAccount) -> list[TenantWechatBinding]:
    phone = normalise_phone(account.phone)
    return tenant_wechat.of_phone(database.session(), phone) if phone else []


@blp.route("/<int:account_id>/wechat-sign-ins")
class AccountWechatSignIns(MethodView):
    @requires("accounts.read")
    @blp.response(200, WechatBindingSchema(many=True))
    def get(self, account_id):
        """The WeChat users bound to the account's phone (they sign in with no code)."""
        return [{"id": b.id, "openid": tenant_wechat.mask_openid(b.openid),
                 "created_at": b.created_at, "last_used_at": b.last_used_at}
                for b in _bindings(load(TenantAccount, account_id))]


@blp.route("/<int:account_id>/wechat-sign-ins/<int:binding_id>")
class AccountWechatSignInById(MethodView):
    @requires("accounts.write")
    @blp.response(204)
    def delete(self, account_id, binding_id):
        """Remove a WeChat user's binding: their next visit asks for an SMS code."""
        found = [b for b in _bindings(load(TenantAccount, account_id)) if b.id == binding_id]
        if not found:
            raise NotFound("No such {what}.", what="WeChat sign-in")
        database.session().delete(found[0])
