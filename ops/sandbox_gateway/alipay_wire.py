"""Alipay OpenAPI on the wire: the common parameters, the app's RSA2 signature, signed answers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response

from ops.sandbox_gateway.signing import alipay_request_string, rsa_sign, rsa_verify
from ops.sandbox_gateway.web import sandbox

WAP_PAY = "alipay.trade.wap.pay"
KNOWN_METHODS = frozenset(
    {
        "alipay.trade.precreate",
        "alipay.trade.pay",
        "alipay.trade.query",
        "alipay.trade.close",
        "alipay.trade.cancel",
        "alipay.trade.refund",
        "alipay.data.dataservice.bill.downloadurl.query",
        WAP_PAY,
    }
)
MESSAGES = {
    "10000": "Success",
    "10003": "order success pay inprocess",
    "20000": "Service Currently Unavailable",
    "40001": "Missing Required Arguments",
    "40002": "Invalid Arguments",
    "40004": "Business Failed",
}
SUB_MESSAGES = {
    "ACQ.TRADE_NOT_EXIST": "交易不存在",
    "ACQ.TRADE_HAS_CLOSE": "交易已经关闭",
    "ACQ.TRADE_HAS_SUCCESS": "交易已被支付",
    "ACQ.TRADE_STATUS_ERROR": "交易状态不合法",
    "ACQ.CONTEXT_INCONSISTENT": "交易信息被篡改",
    "ACQ.INVALID_PARAMETER": "参数无效",
    "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL": "退款金额超限",
    "ACQ.PAYMENT_AUTH_CODE_INVALID": "支付失败，获取顾客账户信息失败",
    "ACQ.PAYMENT_FAIL": "支付失败",
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": "买家余额不足",
    "ACQ.BILL_NOT_EXIST": "账单不存在",
    "isv.invalid-signature": "验签出错",
    "isv.missing-signature": "缺少签名参数",
    "isv.invalid-app-id": "无效的AppID参数",
    "isv.missing-app-id": "缺少AppID参数",
    "isv.invalid-method": "不存在的方法名",
    "isv.missing-method": "缺少方法名参数",
    "isv.invalid-signature-type": "无效的签名类型",
    "isv.missing-signature-type": "缺少签名类型参数",
    "isv.invalid-timestamp": "非法的时间戳参数",
    "isv.missing-timestamp": "缺少时间戳参数",
    "isv.invalid-charset": "字符集错误",
    "isv.invalid-format": "无效的数据格式",
    "isv.invalid-parameter": "参数无效",
}


class Refused(Exception):
    """A request the gateway answers with an error code instead of a result."""

    def __init__(self, sub_code: str, code: str = "40004") -> None:
        super().__init__(sub_code)
        self.code, self.sub_code = code, sub_code


def respond(method: str, node: dict[str, Any]) -> Response:
    """The response node signed over its exact text, as Alipay does (the client must not re-serialise)."""
    name = method.replace(".", "_") + "_response" if method in KNOWN_METHODS else "error_response"
    text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    sign = rsa_sign(sandbox().keys.alipay_private, text.encode("utf-8"))
    return Response(f'{{"{name}":{text},"sign":"{sign}"}}', content_type="application/json;charset=utf-8")


def success(**fields: Any) -> dict[str, Any]:
    return {"code": "10000", "msg": MESSAGES["10000"], **fields}


def failure(refused: Refused, **fields: Any) -> dict[str, Any]:
    return {
        "code": refused.code,
        "msg": MESSAGES[refused.code],
        "sub_code": refused.sub_code,
        "sub_msg": SUB_MESSAGES.get(refused.sub_code, refused.sub_code),
        **fields,
    }


def authenticate(fields: dict[str, str]) -> dict[str, Any]:
    """Check the common parameters and the app's signature; the biz_content on success."""
    for name, missing in (
        ("app_id", "isv.missing-app-id"),
        ("method", "isv.missing-method"),
        ("sign_type", "isv.missing-signature-type"),
        ("sign", "isv.missing-signature"),
        ("timestamp", "isv.missing-timestamp"),
    ):
        if not fields.get(name):
            raise Refused(missing, "40001")
    if fields["app_id"] != sandbox().merchant("alipay"):
        raise Refused("isv.invalid-app-id", "40002")
    if fields["method"] not in KNOWN_METHODS:
        raise Refused("isv.invalid-method", "40002")
    if fields["sign_type"] != "RSA2":
        raise Refused("isv.invalid-signature-type", "40002")
    if fields.get("charset", "utf-8").lower() != "utf-8":
        raise Refused("isv.invalid-charset", "40002")
    if fields.get("format", "JSON").upper() != "JSON":
        raise Refused("isv.invalid-format", "40002")
    try:
        datetime.strptime(fields["timestamp"], "%Y-%m-%d %H:%M:%S")
    except ValueError as error:
        raise Refused("isv.invalid-timestamp", "40002") from error
    if not rsa_verify(sandbox().keys.alipay_app_public, alipay_request_string(fields), fields["sign"]):
        raise Refused("isv.invalid-signature", "40002")
    try:
        biz = json.loads(fields.get("biz_content") or "{}")
    except ValueError as error:
        raise Refused("isv.invalid-parameter", "40002") from error
    if not isinstance(biz, dict):
        raise Refused("isv.invalid-parameter", "40002")
    return biz
