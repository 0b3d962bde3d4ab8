"""Scripting the sandbox for tests and demos: act as the payer, bend notifies, fail calls, inspect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ops.sandbox_gateway import payments
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.web import sandbox

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
GATEWAYS = ("alipay", "wechat", "unionpay")


def problem(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def body() -> dict[str, Any]:
    found = request.get_json(silent=True)
    return found if isinstance(found, dict) else {}


def find_order(gateway: str, out_trade_no: str) -> Row | None:
    if gateway not in GATEWAYS:
        return None
    return sandbox().store.find_order(gateway, sandbox().merchant(gateway), out_trade_no)


@blueprint.get("/")
def overview() -> Response:
    box = sandbox()
    return jsonify(
        {
            "public_url": box.public_url,
            "payments_toml": str(box.payments_toml),
            "time_scale": box.time_scale,
            "identity": box.keys.identity,
            "scripts": box.scripts.pending(),
        }
    )


@blueprint.post("/orders/<gateway>/<out_trade_no>/<action>")
def pay_as_payer(gateway: str, out_trade_no: str, action: str) -> Response | tuple[Response, int]:
    """approve / decline, exactly as the wallet page's buttons (the order counts as scanned)."""
    order = find_order(gateway, out_trade_no)
    if not order:
        return problem(404, "no such order")
    if action not in ("approve", "decline"):
        return problem(404, "action is approve or decline")
    sandbox().store.update_order(order["id"], extra={**order["extra"], "seen": True})
    changed = (payments.approve if action == "approve" else payments.decline)(sandbox(), order)
    if not changed:
        return problem(409, f"the order is {sandbox().store.order(order['id'])['status']}")
    return jsonify(changed)


@blueprint.get("/orders")
def orders() -> Response:
    return jsonify(sandbox().store.orders(request.args.get("gateway")))


@blueprint.get("/payments")
def paid_orders() -> Response:
    return jsonify([o for o in sandbox().store.orders(request.args.get("gateway")) if o["paid_at"]])


@blueprint.get("/refunds")
def refunds() -> Response:
    return jsonify(sandbox().store.refunds(request.args.get("gateway")))


@blueprint.get("/notifies")
def notifies() -> Response:
    """Every notify with its attempts (time, HTTP status, reply, error, delivered)."""
    found = sandbox().store.notifies()
    if request.args.get("gateway"):
        found = [n for n in found if n["gateway"] == request.args["gateway"]]
    return jsonify(found)


@blueprint.post("/notify-scripts")
def script_notify() -> Response | tuple[Response, int]:
    """{action: drop|delay|duplicate|forge|wrong_amount|wrong_merchant, gateway?, out_trade_no?,
    seconds? (delay), times? (duplicate), amount? (wrong_amount, fen)}: bends the next notify."""
    script = {
        k: v
        for k, v in body().items()
        if k in ("action", "gateway", "out_trade_no", "seconds", "times", "amount")
    }
    try:
        sandbox().scripts.add_notify(script)
    except ValueError as error:
        return problem(400, str(error))
    return jsonify(sandbox().scripts.pending())


@blueprint.post("/api-failures")
def fail_api() -> Response | tuple[Response, int]:
    """{count, gateway?}: the next `count` API calls (of that gateway, or any) answer 503."""
    given = body()
    if (
        not isinstance(given.get("count"), int)
        or given["count"] < 1
        or given.get("gateway") not in (None, *GATEWAYS)
    ):
        return problem(400, "count must be a positive integer, gateway one of " + ", ".join(GATEWAYS))
    sandbox().scripts.fail_api(given["count"], given.get("gateway"))
    return jsonify(sandbox().scripts.pending())


@blueprint.post("/bill-omissions")
def omit_from_bill() -> Response | tuple[Response, int]:
    """{gateway, out_trade_no} leaves the order's payment out of bills; with out_refund_no, that refund."""
    given = body()
    order = find_order(str(given.get("gateway")), str(given.get("out_trade_no")))
    if not order:
        return problem(404, "no such order")
    if given.get("out_refund_no"):
        refund = sandbox().store.find_refund(order["gateway"], order["id"], str(given["out_refund_no"]))
        if not refund:
            return problem(404, "no such refund")
        return jsonify(sandbox().store.update_refund(refund["id"], omit_from_bill=1))
    return jsonify(sandbox().store.update_order(order["id"], omit_from_bill=1))


@blueprint.post("/codes")
def script_code() -> Response | tuple[Response, int]:
    """{auth_code, outcome: success|userpaying|userpaying_forever|declined|insufficient, seconds?}."""
    given = body()
    if not given.get("auth_code"):
        return problem(400, "auth_code is required")
    try:
        sandbox().scripts.set_code(
            str(given["auth_code"]), str(given.get("outcome")), float(given.get("seconds", 0))
        )
    except (TypeError, ValueError) as error:
        return problem(400, str(error))
    return jsonify(sandbox().scripts.pending())


@blueprint.post("/time-scale")
def time_scale() -> Response | tuple[Response, int]:
    """{time_scale}: every delay the sandbox chooses is multiplied by it (0.01: a hundred times faster)."""
    value = body().get("time_scale")
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return problem(400, "time_scale must be a positive number")
    sandbox().time_scale = float(value)
    return jsonify({"time_scale": sandbox().time_scale})
