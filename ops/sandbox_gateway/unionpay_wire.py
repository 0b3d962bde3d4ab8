"""UnionPay ACP 5.1.0 messages: the merchant's signature checked by certId, the gateway's with its cert."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from Crypto.PublicKey import RSA

from ops.sandbox_gateway import certs, formats
from ops.sandbox_gateway.sandbox import Sandbox
from ops.sandbox_gateway.signing import rsa_sign, rsa_verify, unionpay_digest
from ops.sandbox_gateway.state import Row

RESPONSE_TEXT = {
    "00": "成功[0000000]",
    "05": "交易已受理，请稍后查询交易结果",
    "10": "报文格式错误",
    "11": "验证签名失败",
    "12": "重复交易",
    "13": "报文交易要素缺失",
    "31": "商户状态不正确",
    "34": "查无此交易",
    "35": "原交易不存在或状态不正确",
    "36": "与原交易信息不符",
    "01": "交易失败",
}


class Refused(Exception):
    """A request answered with an ACP respCode other than 00."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def merchant_cert_id(sandbox: Sandbox) -> str:
    return str(certs.serial_of(certs.from_pem(sandbox.keys.unionpay_merchant_cert_pem)))


def verify_request(sandbox: Sandbox, fields: dict[str, str]) -> None:
    """The merchant's request: common fields, its certId, its signature (respCode 11 when wrong)."""
    for name in (
        "version",
        "encoding",
        "signMethod",
        "txnType",
        "txnSubType",
        "merId",
        "txnTime",
        "signature",
        "certId",
    ):
        if not fields.get(name):
            raise Refused("11" if name in ("signature", "certId") else "13")
    if fields["version"] != "5.1.0" or fields["signMethod"] != "01" or fields["encoding"].upper() != "UTF-8":
        raise Refused("10")
    try:
        formats.parse_compact(fields["txnTime"])
    except ValueError as error:
        raise Refused("10") from error
    if fields["certId"] != merchant_cert_id(sandbox):
        raise Refused("11")
    key = RSA.import_key(sandbox.keys.unionpay_merchant_cert_pem)
    if not rsa_verify(key, unionpay_digest(fields), fields["signature"]):
        raise Refused("11")
    if fields["merId"] != sandbox.merchant("unionpay"):
        raise Refused("31")


def sign(sandbox: Sandbox, fields: dict[str, Any], forged: bool = False) -> dict[str, str]:
    """Fields with signPubKeyCert and signature added (the certificate travels with the message)."""
    signed = {k: str(v) for k, v in fields.items()}
    signed.update(signMethod="01", signPubKeyCert=sandbox.keys.unionpay_signing_cert_pem)
    key = sandbox.forger_key() if forged else sandbox.keys.unionpay_signing_private
    signed["signature"] = rsa_sign(key, unionpay_digest(signed))
    return signed


def encode(fields: dict[str, str]) -> bytes:
    return urlencode(sorted(fields.items())).encode("utf-8")


def answer(sandbox: Sandbox, request_fields: dict[str, str], code: str, **more: Any) -> dict[str, str]:
    base = {
        name: request_fields.get(name, "")
        for name in (
            "version",
            "encoding",
            "bizType",
            "txnTime",
            "txnType",
            "txnSubType",
            "accessType",
            "merId",
            "orderId",
        )
    }
    base.update(respCode=code, respMsg=RESPONSE_TEXT.get(code, ""), **more)
    return sign(sandbox, {k: v for k, v in base.items() if v is not None})


def trace(ts: float, query_id: str) -> dict[str, str]:
    """traceNo, traceTime and settleDate of a transaction done at ts."""
    return {
        "traceNo": query_id[-6:],
        "traceTime": formats.local(ts).strftime("%m%d%H%M%S"),
        "settleDate": formats.local(ts).strftime("%m%d"),
    }


def order_trace(order: Row) -> dict[str, str]:
    return trace(order["paid_at"], order["trade_no"])
