"""WeChat Pay v3 notifies: an AEAD_AES_256_GCM resource under the APIv3 key, signed headers."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from typing import Any

from Crypto.Cipher import AES

from ops.sandbox_gateway import formats, payments
from ops.sandbox_gateway.sandbox import Made, NotifyFormat, Sandbox
from ops.sandbox_gateway.state import Row
from ops.sandbox_gateway.wechat import transaction
from ops.sandbox_gateway.wechat_refunds import refund_view
from ops.sandbox_gateway.wechat_wire import signed_headers

# Seconds between tries: 15 tries over about 24 h.
SCHEDULE = (
    15.0,
    15.0,
    30.0,
    180.0,
    600.0,
    1200.0,
    1800.0,
    1800.0,
    1800.0,
    3600.0,
    10800.0,
    10800.0,
    10800.0,
    21600.0,
    21600.0,
)


def paid(sandbox: Sandbox, order: Row) -> Made:
    if order["kind"] == "code":
        return None  # code payments are settled by the query, never notified
    return (
        order["notify_url"],
        "TRANSACTION.SUCCESS",
        {
            "id": str(uuid.uuid4()),
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "original_type": "transaction",
            "associated_data": "transaction",
            "resource": transaction(order),
        },
    )


def refunded(sandbox: Sandbox, order: Row, refund: Row) -> Made:
    if refund["kind"] != "refund":
        return None
    view = refund_view(order, refund)
    resource = {
        "mchid": order["merchant"],
        "out_trade_no": order["out_trade_no"],
        "transaction_id": order["trade_no"],
        "out_refund_no": refund["out_refund_no"],
        "refund_id": refund["refund_no"],
        "refund_status": refund["status"],
        "success_time": view.get("success_time", ""),
        "user_received_account": "支付用户零钱",
        "amount": {k: view["amount"][k] for k in ("total", "refund", "payer_total", "payer_refund")},
    }
    return (
        refund["notify_url"],
        "REFUND.SUCCESS",
        {
            "id": str(uuid.uuid4()),
            "event_type": "REFUND.SUCCESS",
            "summary": "退款成功",
            "original_type": "refund",
            "associated_data": "refund",
            "resource": resource,
        },
    )


def encrypt(key: bytes, plaintext: bytes, associated_data: str) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # 12 characters, used as their ASCII bytes
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce.encode())
    cipher.update(associated_data.encode())
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext + tag).decode(),
        "nonce": nonce,
        "associated_data": associated_data,
    }


def request(sandbox: Sandbox, notify: Row) -> tuple[dict[str, str], bytes]:
    payload = notify["payload"]
    plaintext = json.dumps(payload["resource"], ensure_ascii=False, separators=(",", ":")).encode()
    resource = encrypt(sandbox.keys.apiv3_key, plaintext, payload["associated_data"])
    resource["original_type"] = payload["original_type"]
    body = json.dumps(
        {
            "id": payload["id"],
            "create_time": formats.rfc3339(notify["created_at"]),
            "resource_type": "encrypt-resource",
            "event_type": payload["event_type"],
            "summary": payload["summary"],
            "resource": resource,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    headers = signed_headers(
        sandbox, body, forged=notify["forge"] == payments.FORGED, probe=notify["forge"] == payments.PROBE
    )
    headers["Content-Type"] = "application/json"
    return headers, body


def accepted(status: int, body: bytes) -> bool:
    return status in (200, 204)


def mischief(
    sandbox: Sandbox, payload: dict[str, Any], action: str, script: dict[str, Any]
) -> dict[str, Any]:
    bent = json.loads(json.dumps(payload))
    resource = bent["resource"]
    if action == "wrong_amount":
        amount = (
            formats.parse_fen(script["amount"]) if script.get("amount") else resource["amount"]["total"] + 1
        )
        for name in ("total", "payer_total"):
            if name in resource["amount"]:
                resource["amount"][name] = amount
    else:
        resource["mchid"] = "19" + formats.digits(8)
        if "appid" in resource:
            resource["appid"] = "wx" + secrets.token_hex(8)
    return bent


FORMAT = NotifyFormat(
    schedule=SCHEDULE, paid=paid, refunded=refunded, request=request, accepted=accepted, mischief=mischief
)
