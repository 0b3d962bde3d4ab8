"""WeChat Pay API v3: signed requests, verified answers and notifies, AES-GCM resources, bills."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote, urlencode, urlsplit

from Crypto.PublicKey.RSA import RsaKey

from shared_models.payments.gateways.base import (
    BadNotify,
    Charge,
    ChargeState,
    Checkout,
    GatewayRefused,
    GatewayUnavailable,
    Notification,
    RefundResult,
)
from shared_models.payments.gateways.transport import DEFAULT_TIMEOUT_S, Transport
from shared_models.payments.gateways.wechat_wire import decrypt_resource, parse_time
from shared_models.payments.gateways.wire import from_fen, nonce, rsa_sign, rsa_verify, shanghai, to_fen

log = logging.getLogger(__name__)

TIMESTAMP_WINDOW_S = 300
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"
TRADE_STATES = {
    "SUCCESS": ChargeState.PAID,
    "REFUND": ChargeState.REFUNDED,
    "NOTPAY": ChargeState.PENDING,
    "CLOSED": ChargeState.CLOSED,
    "REVOKED": ChargeState.CLOSED,
    "USERPAYING": ChargeState.USERPAYING,
    "PAYERROR": ChargeState.FAILED,
}
REFUND_STATES = {"SUCCESS": "succeeded", "PROCESSING": "processing", "ABNORMAL": "failed", "CLOSED": "failed"}
# Error codes that mean "try again": the outcome of the call is not known.
UNKNOWN_CODES = {"SYSTEM_ERROR", "BANK_ERROR", "BANKERROR", "FREQUENCY_LIMITED", "USERPAYING"}


class WechatGateway:
    """WeChat Pay v3 for one merchant; platform keys chosen by the serial each answer names."""

    channel = "wechat"
    poll_interval_s = 5
    poll_limit_s = 30

    def __init__(self, *, base_url: str, appid: str, mchid: str, merchant_serial: str,
                 merchant_private_key: RsaKey, platform_keys: Mapping[str, RsaKey], apiv3_key: bytes,
                 timeout_s: float = DEFAULT_TIMEOUT_S, transport: Transport | None = None) -> None:
        if len(apiv3_key) != 32:
            raise ValueError("the APIv3 key must be 32 bytes")
        self.base_url = base_url.rstrip("/")
        self.app_id = appid
        self.merchant_id = mchid
        self.merchant_serial = merchant_serial
        self._private_key = merchant_private_key
        self._platform_keys = dict(platform_keys)
        self._apiv3_key = apiv3_key
        self._transport = transport or Transport(timeout_s)

    def __repr__(self) -> str:
        return f"WechatGateway(base_url={self.base_url!r}, appid={self.app_id!r}, mchid={self.merchant_id!r})"

    # -- signatures --------------------------------------------------------------------------

    def authorization(self, method: str, url: str, body: str, *, timestamp: int | None = None,
                      nonce_str: str | None = None) -> str:
        # Signed over the URL as sent, minus scheme and host: the sandbox's prefix is part of it.
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        timestamp = int(time.time()) if timestamp is None else timestamp
        nonce_str = nonce_str or nonce()
        signature = rsa_sign(self._private_key,
                             f"{method}\n{path}\n{timestamp}\n{nonce_str}\n{body}\n".encode())
        return (f'WECHATPAY2-SHA256-RSA2048 mchid="{self.merchant_id}",nonce_str="{nonce_str}",'
                f'signature="{signature}",timestamp="{timestamp}",serial_no="{self.merchant_serial}"')

    def check_signature(self, body: bytes, headers: Mapping[str, str], *,
                        now: datetime | None = None) -> None:
        """The platform's signature over `timestamp\\nnonce\\nbody\\n`; raises BadNotify."""
        lower = {key.lower(): value for key, value in headers.items()}
        timestamp, nonce_str = lower.get("wechatpay-timestamp"), lower.get("wechatpay-nonce")
        signature, serial = lower.get("wechatpay-signature"), lower.get("wechatpay-serial")
        if not (timestamp and nonce_str and signature and serial):
            raise BadNotify("unsigned: Wechatpay-* headers missing")
        if signature.startswith(PROBE_PREFIX):
            # WeChat's own probes check that merchants reject bad signatures.
            raise BadNotify("probe signature (WECHATPAY/SIGNTEST/)")
        key = self._platform_keys.get(serial)
        if key is None:
            raise BadNotify(f"unknown platform serial {serial!r}")
        if not timestamp.isdigit():
            raise BadNotify("malformed Wechatpay-Timestamp")
        current = (now or datetime.now(UTC)).timestamp()
        if abs(current - int(timestamp)) > TIMESTAMP_WINDOW_S:
            raise BadNotify(f"stale: timestamp {timestamp} is more than {TIMESTAMP_WINDOW_S} s off")
        message = timestamp.encode() + b"\n" + nonce_str.encode() + b"\n" + body + b"\n"
        if not rsa_verify(key, message, signature):
            raise BadNotify("signature does not verify with the platform key")

    def jsapi_payload(self, prepay_id: str, *, timestamp: int | None = None,
                      nonce_str: str | None = None) -> dict:
        """What the browser hands to WeixinJSBridge: paySign over appId, timeStamp, nonceStr, package."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce_str = nonce_str or nonce()
        package = f"prepay_id={prepay_id}"
        pay_sign = rsa_sign(self._private_key, f"{self.app_id}\n{stamp}\n{nonce_str}\n{package}\n".encode())
        return {"appId": self.app_id, "timeStamp": stamp, "nonceStr": nonce_str, "package": package,
                "signType": "RSA", "paySign": pay_sign}

    # -- requests ----------------------------------------------------------------------------

    def call(self, method: str, path: str, payload: dict | None = None, *,
             query: dict[str, str] | None = None) -> tuple[int, dict]:
        """One v3 call; the status and the verified JSON (2xx), GatewayRefused for a 4xx."""
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload is not None else ""
        headers = {"Authorization": self.authorization(method, url, body), "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        response = self._transport.send(method, url, data=body.encode("utf-8") if body else None,
                                        headers=headers)
        try:
            self.check_signature(response.content, response.headers)
        except BadNotify as exc:
            raise GatewayUnavailable(f"WeChat {method} {path}: answer fails verification: {exc}") from exc
        try:
            answer = json.loads(response.content) if response.content else {}
        except ValueError as exc:
            raise GatewayUnavailable(f"WeChat {method} {path}: answer is not JSON") from exc
        if response.status_code >= 400:
            code, message = str(answer.get("code", response.status_code)), str(answer.get("message", ""))
            if code in UNKNOWN_CODES or response.status_code == 429:
                raise GatewayUnavailable(f"WeChat {method} {path}: {code} {message}")
            raise GatewayRefused(code, message)
        return response.status_code, answer

    def _order(self, out_trade_no: str, amount: Decimal, subject: str, **more) -> dict:
        return {"appid": self.app_id, "mchid": self.merchant_id, "description": subject,
                "out_trade_no": out_trade_no, "amount": {"total": to_fen(amount), "currency": "CNY"}, **more}

    @staticmethod
    def _path(out_trade_no: str) -> str:
        return f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}"

    # -- flows -------------------------------------------------------------------------------

    def checkout(self, *, flow: str, out_trade_no: str, amount: Decimal, subject: str,
                 notify_url: str, expires_at: datetime, created_at: datetime,
                 openid: str | None = None, return_url: str | None = None) -> Checkout:
        order = self._order(out_trade_no, amount, subject, notify_url=notify_url,
                            time_expire=shanghai(expires_at).isoformat(timespec="seconds"))
        if flow == "qr":
            _, answer = self.call("POST", "/v3/pay/transactions/native", order)
            return Checkout(qr_code=_field(answer, "code_url"))
        if flow == "jsapi":
            if not openid:
                raise ValueError("a JSAPI checkout needs the payer's openid")
            _, answer = self.call("POST", "/v3/pay/transactions/jsapi",
                                  {**order, "payer": {"openid": openid}})
            return Checkout(jsapi=self.jsapi_payload(_field(answer, "prepay_id")))
        raise ValueError(f"WeChat Pay has no {flow!r} checkout (qr or jsapi)")

    def pay_code(self, *, out_trade_no: str, amount: Decimal, subject: str, auth_code: str,
                 created_at: datetime, notify_url: str = "", store_id: str = "kiosk") -> Charge:
        order = self._order(out_trade_no, amount, subject, payer={"auth_code": auth_code},
                            scene_info={"store_info": {"out_id": store_id}})
        status, answer = self.call("POST", "/v3/pay/transactions/codepay", order)
        if status == 202 or answer.get("code") == "USERPAYING":
            return Charge(ChargeState.USERPAYING, answer.get("transaction_id"), None, None, answer)
        return self._charge(answer)

    def query(self, out_trade_no: str, *, created_at: datetime) -> Charge:
        try:
            _, answer = self.call("GET", self._path(out_trade_no), query={"mchid": self.merchant_id})
        except GatewayRefused as exc:
            if exc.code == "ORDER_NOT_EXIST":
                return Charge(ChargeState.NOT_FOUND, None, None, None, {"code": exc.code})
            raise
        return self._charge(answer)

    def close(self, out_trade_no: str, *, created_at: datetime) -> None:
        self.call("POST", self._path(out_trade_no) + "/close", {"mchid": self.merchant_id})

    def cancel(self, out_trade_no: str, *, created_at: datetime, amount: Decimal,
               trade_no: str | None, notify_url: str = "") -> None:
        """Reverse (撤销) a code payment: refunds it if paid, closes it if not."""
        self.call("POST", self._path(out_trade_no) + "/reverse",
                  {"appid": self.app_id, "mchid": self.merchant_id})

    def refund(self, *, out_trade_no: str, trade_no: str | None, out_refund_no: str,
               amount: Decimal, total: Decimal, created_at: datetime, reason: str = "",
               notify_url: str | None = None, requested_at: datetime | None = None) -> RefundResult:
        # The same out_refund_no refunds once: a retry after a timeout must reuse it.
        payload = {"out_trade_no": out_trade_no, "out_refund_no": out_refund_no,
                   "amount": {"refund": to_fen(amount), "total": to_fen(total), "currency": "CNY"}}
        if reason:
            payload["reason"] = reason
        if notify_url:
            payload["notify_url"] = notify_url
        _, answer = self.call("POST", "/v3/refund/domestic/refunds", payload)
        return self._refund_result(answer, amount)

    def refund_status(self, out_refund_no: str, *, requested_at: datetime | None = None) -> RefundResult:
        _, answer = self.call("GET", f"/v3/refund/domestic/refunds/{quote(out_refund_no, safe='')}")
        return self._refund_result(answer, None)

    def bill(self, day: date) -> bytes:
        """The day's ALL trade bill, gzip as downloaded, checked against its SHA1."""
        _, answer = self.call("GET", "/v3/bill/tradebill",
                              query={"bill_date": day.isoformat(), "bill_type": "ALL", "tar_type": "GZIP"})
        if answer.get("hash_type") != "SHA1" or not answer.get("hash_value"):
            raise GatewayUnavailable(f"WeChat tradebill: hash_type {answer.get('hash_type')!r}")
        url = _field(answer, "download_url")
        # The file itself is not signed by the platform; the hash from the signed answer vouches.
        response = self._transport.send("GET", url,
                                        headers={"Authorization": self.authorization("GET", url, "")})
        if response.status_code != 200:
            raise GatewayUnavailable(f"WeChat bill download: HTTP {response.status_code}")
        if hashlib.sha1(response.content).hexdigest().lower() != answer["hash_value"].lower():
            raise GatewayUnavailable("WeChat bill download does not match its SHA1")
        return response.content

    # -- notifies ----------------------------------------------------------------------------

    def verify_notify(self, body: bytes, headers: Mapping[str, str], *,
                      now: datetime | None = None) -> Notification:
        self.check_signature(body, headers, now=now)
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
            event_type, notify_id = envelope["event_type"], envelope["id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadNotify(f"malformed: {exc}") from exc
        if not isinstance(resource, dict):
            raise BadNotify("malformed: resource is not an object")
        try:
            fact = json.loads(decrypt_resource(self._apiv3_key, resource))
        except ValueError as exc:
            raise BadNotify("malformed: decrypted resource is not JSON") from exc
        try:
            if event_type.startswith("TRANSACTION."):
                return self._payment_notification(fact, notify_id)
            if event_type.startswith("REFUND."):
                return self._refund_notification(fact, notify_id)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadNotify(f"malformed resource: {exc!r}") from exc
        raise BadNotify(f"malformed: event_type {event_type!r}")

    def notify_reply(self, accepted: bool, message: str = "") -> tuple[int, bytes, dict[str, str]]:
        if accepted:
            return 204, b"", {}
        body = json.dumps({"code": "FAIL", "message": message or "rejected"}, ensure_ascii=False)
        return 500, body.encode("utf-8"), {"Content-Type": "application/json"}

    # -- reading answers ---------------------------------------------------------------------

    def _charge(self, answer: dict) -> Charge:
        state = TRADE_STATES.get(answer.get("trade_state", ""))
        if state is None:
            raise GatewayUnavailable(f"WeChat: unknown trade_state {answer.get('trade_state')!r}")
        try:
            total = (answer.get("amount") or {}).get("total")
            amount = from_fen(total) if total is not None else None
            paid_at = parse_time(answer.get("success_time"))
        except ValueError as exc:
            raise GatewayUnavailable(f"WeChat: malformed transaction: {exc}") from exc
        return Charge(state, answer.get("transaction_id"), amount, paid_at, answer)

    @staticmethod
    def _refund_result(answer: dict, asked: Decimal | None) -> RefundResult:
        state = REFUND_STATES.get(answer.get("status", ""))
        if state is None:
            raise GatewayUnavailable(f"WeChat refund: unknown status {answer.get('status')!r}")
        refund = (answer.get("amount") or {}).get("refund")
        try:
            amount = from_fen(refund) if refund is not None else asked
        except ValueError as exc:
            raise GatewayUnavailable(f"WeChat refund: {exc}") from exc
        if amount is None:
            raise GatewayUnavailable("WeChat refund: no amount in the answer")
        return RefundResult(state, answer.get("refund_id"), amount, answer)

    def _payment_notification(self, fact: dict, notify_id: str) -> Notification:
        state = TRADE_STATES.get(fact["trade_state"])
        if state is None:
            raise ValueError(f"trade_state {fact['trade_state']!r}")
        return Notification(
            channel=self.channel, kind="payment", out_trade_no=fact["out_trade_no"],
            trade_no=fact.get("transaction_id"), amount=from_fen(fact["amount"]["total"]), state=state,
            app_id=fact.get("appid", ""), merchant_id=fact.get("mchid", ""),
            paid_at=parse_time(fact.get("success_time")), notify_id=notify_id, refund_no=None, raw=fact)

    def _refund_notification(self, fact: dict, notify_id: str) -> Notification:
        # A refund resource carries no appid: app_id stays "".
        succeeded = fact["refund_status"] == "SUCCESS"
        return Notification(
            channel=self.channel, kind="refund", out_trade_no=fact["out_trade_no"],
            trade_no=fact.get("transaction_id"), amount=from_fen(fact["amount"]["refund"]),
            state=ChargeState.REFUNDED if succeeded else ChargeState.FAILED, app_id="",
            merchant_id=fact.get("mchid", ""), paid_at=parse_time(fact.get("success_time")),
            notify_id=notify_id, refund_no=fact["out_refund_no"], raw=fact)


def _field(answer: dict, name: str) -> str:
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise GatewayUnavailable(f"WeChat answer has no {name}")
    return value
