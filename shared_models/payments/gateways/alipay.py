"""Alipay OpenAPI (gateway.do, RSA2): face-to-face QR, bar code, WAP, query, close, refund, bills."""

from __future__ import annotations

import io
import json
import logging
import math
import zipfile
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

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
from shared_models.payments.gateways.wire import (
    SHANGHAI,
    from_yuan,
    rsa_sign,
    rsa_verify,
    shanghai,
    sorted_pairs,
    utc_now,
    yuan_text,
)

log = logging.getLogger(__name__)

TRADE_STATES = {
    "WAIT_BUYER_PAY": ChargeState.PENDING,
    "TRADE_SUCCESS": ChargeState.PAID,
    "TRADE_FINISHED": ChargeState.PAID,  # paid and past the refund window
    "TRADE_CLOSED": ChargeState.CLOSED,
}
# 40004 sub-codes that mean "we do not know", not "no": retry or query.
UNKNOWN_SUB_CODES = {"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR"}
NOTIFY_FIELDS = ("notify_id", "app_id", "out_trade_no", "total_amount", "trade_status")


def parse_time(text: str | None) -> datetime | None:
    """Alipay's "YYYY-MM-DD HH:MM:SS" in Beijing time, as an aware UTC datetime."""
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI).astimezone(UTC)


def response_node(text: str, name: str) -> tuple[str, dict, str | None]:
    """The response node's raw JSON text exactly as sent (what `sign` covers), parsed, and sign."""
    decoder = json.JSONDecoder()
    try:
        whole = json.loads(text)
    except ValueError as exc:
        raise GatewayUnavailable(f"Alipay answered with no JSON: {text[:80]!r}") from exc
    if not isinstance(whole, dict):
        raise GatewayUnavailable("Alipay answered with no JSON object")
    key = name if name in whole else "error_response" if "error_response" in whole else None
    if key is None:
        raise GatewayUnavailable(f"Alipay answer has no {name}")
    # The node's text is found by decoding from just after its key: json.loads would re-order
    # nothing, but re-serialising could change spacing or escapes, and the sign covers bytes.
    marker = json.dumps(key)
    start = 0
    while True:
        at = text.find(marker, start)
        if at < 0:
            raise GatewayUnavailable(f"Alipay answer has no {key}")
        colon = at + len(marker)
        while colon < len(text) and text[colon] in " \t\r\n":
            colon += 1
        if colon < len(text) and text[colon] == ":":
            begin = colon + 1
            while text[begin] in " \t\r\n":
                begin += 1
            node, end = decoder.raw_decode(text, begin)
            if node == whole[key]:
                break
        start = at + 1
    sign = whole.get("sign")
    return text[begin:end], node, sign if isinstance(sign, str) else None


class AlipayGateway:
    """Alipay through gateway.do with the app's RSA2 key; answers verified with Alipay's key."""

    channel = "alipay"
    poll_interval_s = 5
    poll_limit_s = 30

    def __init__(self, *, base_url: str, app_id: str, seller_id: str, app_private_key: RsaKey,
                 alipay_public_key: RsaKey, timeout_s: float = DEFAULT_TIMEOUT_S,
                 transport: Transport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.merchant_id = seller_id
        self._private_key = app_private_key
        self._public_key = alipay_public_key
        self._transport = transport or Transport(timeout_s)

    def __repr__(self) -> str:
        return f"AlipayGateway(base_url={self.base_url!r}, app_id={self.app_id!r})"

    # -- requests ----------------------------------------------------------------------------

    def signed_params(self, method: str, biz: dict, *, now: datetime | None = None,
                      **extra: str | None) -> dict[str, str]:
        params = {
            "app_id": self.app_id, "method": method, "format": "JSON", "charset": "utf-8",
            "sign_type": "RSA2", "version": "1.0",
            "timestamp": shanghai(now or utc_now()).strftime("%Y-%m-%d %H:%M:%S"),
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params.update({key: value for key, value in extra.items() if value})
        signed = {key: value for key, value in params.items() if value != ""}
        signed["sign"] = rsa_sign(self._private_key, sorted_pairs(signed).encode("utf-8"))
        return signed

    def call(self, method: str, biz: dict, *, notify_url: str | None = None) -> dict:
        """One gateway.do call; the verified response node, codes 10000 and 10003 returned."""
        params = self.signed_params(method, biz, notify_url=notify_url)
        response = self._transport.send(
            "POST", f"{self.base_url}/gateway.do", data=urlencode(params).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        text = response.content.decode("utf-8", errors="replace")
        raw, node, sign = response_node(text, method.replace(".", "_") + "_response")
        if not sign or not rsa_verify(self._public_key, raw.encode("utf-8"), sign):
            # An unsigned or forged answer says nothing: not even a refusal can be trusted.
            raise GatewayUnavailable(f"Alipay {method}: answer not signed by Alipay "
                                     f"(code {node.get('code')}, {node.get('sub_msg') or node.get('msg')})")
        code = node.get("code")
        if code in ("10000", "10003"):
            return node
        if code == "20000" or node.get("sub_code") in UNKNOWN_SUB_CODES:
            raise GatewayUnavailable(f"Alipay {method}: {code} {node.get('sub_code')} {node.get('sub_msg')}")
        raise GatewayRefused(node.get("sub_code") or str(code), node.get("sub_msg") or node.get("msg") or "")

    # -- flows -------------------------------------------------------------------------------

    def checkout(self, *, flow: str, out_trade_no: str, amount: Decimal, subject: str,
                 notify_url: str, expires_at: datetime, created_at: datetime,
                 openid: str | None = None, return_url: str | None = None) -> Checkout:
        minutes = max(1, math.ceil((expires_at - utc_now()).total_seconds() / 60))
        biz = {"out_trade_no": out_trade_no, "total_amount": yuan_text(amount), "subject": subject,
               "timeout_express": f"{minutes}m"}
        if flow == "qr":
            node = self.call("alipay.trade.precreate", biz, notify_url=notify_url)
            return Checkout(qr_code=node["qr_code"])
        if flow == "wap":
            # Not a server call: the phone opens this signed URL and Alipay's page takes over.
            params = self.signed_params("alipay.trade.wap.pay", {**biz, "product_code": "QUICK_WAP_WAY"},
                                        notify_url=notify_url, return_url=return_url)
            return Checkout(url=f"{self.base_url}/gateway.do?{urlencode(params)}")
        raise ValueError(f"Alipay has no {flow!r} checkout (qr or wap)")

    def pay_code(self, *, out_trade_no: str, amount: Decimal, subject: str, auth_code: str,
                 created_at: datetime, notify_url: str = "") -> Charge:
        node = self.call("alipay.trade.pay", {
            "out_trade_no": out_trade_no, "scene": "bar_code", "auth_code": auth_code,
            "total_amount": yuan_text(amount), "subject": subject})
        if node["code"] == "10003":
            return Charge(ChargeState.USERPAYING, node.get("trade_no"), None, None, node)
        return Charge(ChargeState.PAID, node.get("trade_no"), _amount(node),
                      parse_time(node.get("gmt_payment")), node)

    def query(self, out_trade_no: str, *, created_at: datetime) -> Charge:
        try:
            node = self.call("alipay.trade.query", {"out_trade_no": out_trade_no})
        except GatewayRefused as exc:
            if exc.code == "ACQ.TRADE_NOT_EXIST":
                return Charge(ChargeState.NOT_FOUND, None, None, None, {"sub_code": exc.code})
            raise
        state = TRADE_STATES.get(node.get("trade_status", ""))
        if state is None:
            raise GatewayUnavailable(f"Alipay query: unknown trade_status {node.get('trade_status')!r}")
        # Alipay closes a trade it refunded in full; one that was ever paid has send_pay_date.
        if state is ChargeState.CLOSED and node.get("send_pay_date"):
            state = ChargeState.REFUNDED
        return Charge(state, node.get("trade_no"), _amount(node), parse_time(node.get("send_pay_date")), node)

    def close(self, out_trade_no: str, *, created_at: datetime) -> None:
        try:
            self.call("alipay.trade.close", {"out_trade_no": out_trade_no})
        except GatewayRefused as exc:
            # A precreated order nobody scanned does not exist at Alipay: it is as closed as it gets.
            if exc.code != "ACQ.TRADE_NOT_EXIST":
                raise

    def cancel(self, out_trade_no: str, *, created_at: datetime, amount: Decimal,
               trade_no: str | None, notify_url: str = "") -> None:
        node = self.call("alipay.trade.cancel", {"out_trade_no": out_trade_no})
        if node.get("retry_flag") == "Y":
            raise GatewayUnavailable("Alipay trade.cancel asks to be retried")

    def refund(self, *, out_trade_no: str, trade_no: str | None, out_refund_no: str,
               amount: Decimal, total: Decimal, created_at: datetime,
               notify_url: str = "", requested_at: datetime | None = None) -> RefundResult:
        # Alipay announces refunds on the order's own notify_url. The same out_request_no never
        # refunds twice: a retry after a timeout must reuse it.
        node = self.call("alipay.trade.refund", {
            "out_trade_no": out_trade_no, "refund_amount": yuan_text(amount),
            "out_request_no": out_refund_no})
        return RefundResult("succeeded", node.get("trade_no"), amount, node)

    def bill_url(self, day: date) -> str:
        node = self.call("alipay.data.dataservice.bill.downloadurl.query",
                         {"bill_type": "trade", "bill_date": day.isoformat()})
        return node["bill_download_url"]

    def bill(self, day: date) -> bytes:
        """The day's trade bill as Alipay serves it: a zip of GBK CSV files."""
        response = self._transport.send("GET", self.bill_url(day))
        if response.status_code != 200:
            raise GatewayUnavailable(f"Alipay bill download: HTTP {response.status_code}")
        content = response.content
        # The download is not signed; a zip's CRCs at least catch a truncated or garbled file.
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                broken = archive.testzip()
        except zipfile.BadZipFile as exc:
            raise GatewayUnavailable("Alipay bill download is not a zip") from exc
        if broken is not None:
            raise GatewayUnavailable(f"Alipay bill download: {broken} fails its CRC")
        return content

    # -- notifies ----------------------------------------------------------------------------

    def verify_notify(self, body: bytes, headers: Mapping[str, str], *,
                      now: datetime | None = None) -> Notification:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadNotify("malformed: not a UTF-8 form") from exc
        fields = dict(pairs)
        if len(fields) != len(pairs):
            raise BadNotify("malformed: a field appears twice")
        sign = fields.get("sign")
        if not sign:
            raise BadNotify("unsigned")
        if fields.get("sign_type", "RSA2") != "RSA2":
            raise BadNotify(f"sign_type {fields.get('sign_type')!r} is not RSA2")
        content = {key: value for key, value in fields.items()
                   if key not in ("sign", "sign_type") and value != ""}
        if not rsa_verify(self._public_key, sorted_pairs(content).encode("utf-8"), sign):
            raise BadNotify("signature does not verify with the Alipay public key")
        missing = [name for name in NOTIFY_FIELDS if not fields.get(name)]
        if missing:
            raise BadNotify(f"malformed: no {', '.join(missing)}")
        state = TRADE_STATES.get(fields["trade_status"])
        if state is None:
            raise BadNotify(f"malformed: trade_status {fields['trade_status']!r}")
        try:
            total = from_yuan(fields["total_amount"])
            refunded = from_yuan(fields["refund_fee"]) if fields.get("refund_fee") else None
            paid_at = parse_time(fields.get("gmt_payment"))
        except ValueError as exc:
            raise BadNotify(f"malformed: {exc}") from exc
        # A refund is announced on the same trade_status_sync, with refund_fee and out_biz_no.
        is_refund = refunded is not None and bool(fields.get("out_biz_no"))
        return Notification(
            channel=self.channel, kind="refund" if is_refund else "payment",
            out_trade_no=fields["out_trade_no"], trade_no=fields.get("trade_no"),
            amount=refunded if is_refund else total,
            state=ChargeState.REFUNDED if is_refund else state,
            app_id=fields["app_id"], merchant_id=fields.get("seller_id", ""), paid_at=paid_at,
            notify_id=fields["notify_id"], refund_no=fields.get("out_biz_no") if is_refund else None,
            raw=fields)

    def notify_reply(self, accepted: bool, message: str = "") -> tuple[int, bytes, dict[str, str]]:
        # Anything but the exact body `success` makes Alipay send the notify again later.
        return 200, b"success" if accepted else b"fail", {"Content-Type": "text/plain; charset=utf-8"}


def _amount(node: dict) -> Decimal | None:
    try:
        return from_yuan(node["total_amount"]) if node.get("total_amount") else None
    except ValueError as exc:
        raise GatewayUnavailable(f"Alipay answer has a bad total_amount: {exc}") from exc
