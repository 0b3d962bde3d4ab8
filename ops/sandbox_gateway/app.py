"""The sandbox's Flask app: the three gateways, the wallet pages and the admin endpoints."""

from __future__ import annotations

from flask import Flask

from ops.sandbox_gateway import (
    admin,
    alipay,
    alipay_notify,
    unionpay,
    unionpay_notify,
    wallet,
    wechat,
    wechat_notify,
    wechat_oauth,
    wechat_refunds,
)
from ops.sandbox_gateway.sandbox import Sandbox


def create_app(sandbox: Sandbox) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["sandbox"] = sandbox
    sandbox.formats.update(
        alipay=alipay_notify.FORMAT, wechat=wechat_notify.FORMAT, unionpay=unionpay_notify.FORMAT
    )
    for blueprint in (
        alipay.blueprint,
        wechat.blueprint,
        wechat_oauth.open_platform,
        wechat_oauth.sns_api,
        wechat_oauth.oauth_admin,
        wechat_refunds.blueprint,
        unionpay.blueprint,
        wallet.blueprint,
        admin.blueprint,
    ):
        app.register_blueprint(blueprint)
    return app
