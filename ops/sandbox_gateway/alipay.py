"""Alipay's gateway.do: server calls (POST) and the WAP pay link a phone opens (GET); bill downloads."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request

from ops.sandbox_gateway import payments
from ops.sandbox_gateway.alipay_trades import METHODS, open_order
from ops.sandbox_gateway.alipay_wire import SUB_MESSAGES, WAP_PAY, Refused, authenticate, failure, respond
from ops.sandbox_gateway.web import fail_when_scripted, sandbox

blueprint = Blueprint("alipay", __name__, url_prefix="/alipay")
fail_when_scripted(blueprint, "alipay")


@blueprint.post("/gateway.do")
def gateway() -> Response:
    # Official SDKs put common parameters in the query string and biz_content in the body.
    fields = request.values.to_dict()
    method = fields.get("method", "")
    try:
        biz = authenticate(fields)
        if method == WAP_PAY:
            raise Refused("isv.invalid-method", "40002")
        return respond(method, METHODS[method](biz, fields))
    except Refused as refused:
        return respond(method, failure(refused))


@blueprint.get("/bill/<token>")
def bill_download(token: str) -> Response:
    found = sandbox().download(token)
    if not found:
        return Response("the link has expired", status=404)
    name, data = found
    return Response(
        data, content_type="application/zip", headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@blueprint.get("/gateway.do")
def wap_pay() -> Response | str:
    """The phone opens the signed wap.pay URL the merchant built; the wallet page answers."""
    fields = request.args.to_dict()
    try:
        biz = authenticate(fields)
        if fields["method"] != WAP_PAY:
            raise Refused("isv.invalid-method", "40002")
        order = open_order(biz, fields, "wap")
    except Refused as refused:
        return render_template(
            "wallet_error.html", code=refused.sub_code, message=SUB_MESSAGES.get(refused.sub_code, "")
        ), 400
    return redirect(payments.wallet_url(sandbox(), order))
