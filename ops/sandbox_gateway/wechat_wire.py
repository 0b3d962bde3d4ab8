"""WeChat Pay v3 on the wire: the merchant's Authorization header, signed answers, body checks."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import Response, request

from ops.sandbox_gateway import formats
from ops.sandbox_gateway.sandbox import Sandbox
from ops.sandbox_gateway.signing import rsa_sign, rsa_verify, wechat_request_message, wechat_response_message
from ops.sandbox_gateway.web import sandbox

PREFIX = "/wechat"
SCHEME = "WECHATPAY2-SHA256-RSA2048"
PARAM = re.compile(r'(\w+)="([^"]*)"')
MAX_SKEW_SECONDS = 300


class ApiError(Exception):
    """An error answer: HTTP status plus WeChat's {"code", "message"}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def signed_headers(
    sandbox: Sandbox, body: bytes, forged: bool = False, probe: bool = False
) -> dict[str, str]:
    """The Wechatpay-* headers every response and notify carries (public-key mode). A probe is what
    WeChat sends to see that merchants check signatures: it must fail verification."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
    key = sandbox.forger_key() if forged else sandbox.keys.wechat_platform_private
    signature = rsa_sign(key, wechat_response_message(timestamp, nonce, body))
    if probe:
        signature = "WECHATPAY/SIGNTEST/" + signature
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": sandbox.keys.identity["wechat"]["platform_public_key_id"],
        "Request-ID": secrets.token_hex(16),
    }


def respond(
    sandbox: Sandbox,
    status: int,
    payload: dict[str, Any] | None = None,
    body: bytes | None = None,
    content_type: str = "application/json",
) -> Response:
    if body is None:
        body = (
            b""
            if payload is None
            else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        )
    headers = signed_headers(sandbox, body)
    return Response(body, status=status, headers=headers, content_type=content_type if body else None)


def error(sandbox: Sandbox, failure: ApiError) -> Response:
    return respond(sandbox, failure.status, {"code": failure.code, "message": failure.message})


def _paths(prefix: str) -> list[str]:
    """The path the merchant may have signed: with the base URL's prefix, or as the real API's."""
    path = request.path
    query = request.query_string.decode("latin-1")
    signed = [path, path[len(prefix) :]] if path.startswith(prefix + "/") else [path]
    return [p + ("?" + query if query else "") for p in signed]


def authenticate(sandbox: Sandbox, prefix: str) -> None:
    """Verify the Authorization header as WeChat does; ApiError 401 SIGN_ERROR when it fails."""
    header = request.headers.get("Authorization", "")
    if not header.startswith(SCHEME + " "):
        raise ApiError(401, "SIGN_ERROR", "Authorization 头缺失或格式错误")
    params = dict(PARAM.findall(header[len(SCHEME) + 1 :]))
    wechat = sandbox.keys.identity["wechat"]
    if any(not params.get(name) for name in ("mchid", "nonce_str", "signature", "timestamp", "serial_no")):
        raise ApiError(401, "SIGN_ERROR", "Authorization 参数不全")
    if params["mchid"] != wechat["mchid"]:
        raise ApiError(401, "SIGN_ERROR", "商户号与签名不匹配")
    if params["serial_no"].upper() != wechat["merchant_serial"]:
        raise ApiError(401, "SIGN_ERROR", "商户证书序列号有误")
    if not params["timestamp"].isdigit() or abs(int(params["timestamp"]) - time.time()) > MAX_SKEW_SECONDS:
        raise ApiError(401, "SIGN_ERROR", "请求时间戳与当前时间相差过大")
    body = request.get_data()
    for path in _paths(prefix):
        message = wechat_request_message(request.method, path, params["timestamp"], params["nonce_str"], body)
        if rsa_verify(sandbox.keys.wechat_merchant_public, message, params["signature"]):
            return
    raise ApiError(401, "SIGN_ERROR", "签名错误")


def json_body() -> dict[str, Any]:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError as failure:
        raise ApiError(400, "PARAM_ERROR", "请求体不是合法的JSON") from failure
    if not isinstance(body, dict):
        raise ApiError(400, "PARAM_ERROR", "请求体不是JSON对象")
    return body


def api(view: Callable[..., Response]) -> Callable[..., Response]:
    """Authenticate the merchant, then run the view; ApiError becomes WeChat's error answer."""

    def guarded(**kwargs: Any) -> Response:
        try:
            authenticate(sandbox(), PREFIX)
            return view(**kwargs)
        except ApiError as failure:
            return error(sandbox(), failure)

    guarded.__name__ = view.__name__
    return guarded


def ours(body: dict[str, Any], *, appid: bool = True) -> None:
    ident = sandbox().keys.identity["wechat"]
    if body.get("mchid") != ident["mchid"] or (appid and body.get("appid") != ident["appid"]):
        raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")


def need(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if not isinstance(body.get(name), str) or not body[name]:
            raise ApiError(400, "PARAM_ERROR", f"输入源“/body/{name}”映射到字段“{name}”必填性规则校验失败")


def total_of(body: dict[str, Any], name: str = "total") -> int:
    amount = body.get("amount")
    try:
        if not isinstance(amount, dict) or amount.get("currency", "CNY") != "CNY":
            raise ValueError("amount")
        return formats.parse_fen(amount.get(name))
    except ValueError as failure:
        raise ApiError(400, "PARAM_ERROR", f"amount.{name} 无效") from failure
