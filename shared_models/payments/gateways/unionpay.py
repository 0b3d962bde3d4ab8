"""UnionPay ACP 5.1.0 (online/QR): signed form requests, answers and back notifies checked by chain."""

from __future__ import annotations

import base64
import binascii
import io
import logging
import zipfile
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import urlencode

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
from shared_models.payments.gateways.unionpay_wire import parse_message, sign_string, time_from_trace
from shared_models.payments.gateways.wire import from_fen, rsa_sign, rsa_verify, shanghai, to_fen
from shared_models.payments.gateways.x509 import Certificate, CertificateError, verify_chain

log = logging.getLogger(__name__)

# respCode / origRespCode that mean "in progress, ask again": the outcome is not known yet.
IN_PROGRESS = {"03", "04", "05"}
UNKNOWN_ORDER = "34"
DUPLICATE = "12"  # 重复交易: this orderId was sent before
PURCHASE, CANCEL, RETURN = "01", "31", "04"


class UnionpayGateway:
    """One UnionPay merchant (merId); answers trusted only from a certificate under the configured root."""

    channel = "unionpay"
    poll_interval_s = 5
    poll_limit_s = 30

    def __init__(self, *, base_url: str, mer_id: str, signing_key: RsaKey, signing_cert: Certificate,
                 root: Certificate, intermediate: Certificate, signer_cn: str,
                 back_url: str = "", timeout_s: float = DEFAULT_TIMEOUT_S,
                 transport: Transport | None = None) -> None:
        if signing_cert.public_key.n != signing_key.n:
            raise ValueError("the signing certificate does not hold the signing key's public half")
        self.base_url = base_url.rstrip("/")
        # UnionPay has no app id: the merchant code stands for both.
        self.app_id = self.merchant_id = mer_id
        self.cert_id = str(signing_cert.serial)
        # ACP requires a backUrl on cancels and returns too; callers that have none use this.
        self.back_url = back_url
        self._key = signing_key
        self._root, self._intermediate, self._signer_cn = root, intermediate, signer_cn
        self._transport = transport or Transport(timeout_s)

    def __repr__(self) -> str:
        return f"UnionpayGateway(base_url={self.base_url!r}, mer_id={self.merchant_id!r})"

    # -- signatures --------------------------------------------------------------------------

    def signed(self, fields: dict[str, str]) -> dict[str, str]:
        fields = {"version": "5.1.0", "encoding": "UTF-8", "signMethod": "01", "certId": self.cert_id,
                  "merId": self.merchant_id, "accessType": "0",
                  **{key: value for key, value in fields.items() if value != ""}}
        fields["signature"] = rsa_sign(self._key, sign_string(fields))
        return fields

    def check(self, fields: Mapping[str, str], *, now: datetime | None = None) -> None:
        """The message's own certificate chains to our root, then its signature; raises BadNotify."""
        pem, signature = fields.get("signPubKeyCert"), fields.get("signature")
        if not pem or not signature:
            raise BadNotify("unsigned: no signPubKeyCert or signature")
        if fields.get("signMethod") != "01":
            raise BadNotify(f"signMethod {fields.get('signMethod')!r} is not 01 (RSA)")
        try:
            cert = Certificate.from_pem(pem)
            verify_chain(cert, self._intermediate, self._root, now=now or datetime.now(UTC),
                         expected_cn=self._signer_cn)
        except CertificateError as exc:
            raise BadNotify(f"certificate refused: {exc}") from exc
        if not rsa_verify(cert.public_key, sign_string(fields), signature):
            raise BadNotify("signature does not verify with the message's certificate")

    # -- requests ----------------------------------------------------------------------------

    def call(self, path: str, fields: dict[str, str]) -> dict[str, str]:
        """One synchronous request; the verified answer, respCode 00 (or what `query` reads)."""
        response = self._transport.send(
            "POST", f"{self.base_url}/gateway/api/{path}", data=urlencode(self.signed(fields)).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
        try:
            answer = parse_message(response.content.decode("utf-8"))
            self.check(answer)
        except (UnicodeDecodeError, ValueError) as exc:
            raise GatewayUnavailable(f"UnionPay {path}: unreadable answer: {exc}") from exc
        except BadNotify as exc:
            raise GatewayUnavailable(f"UnionPay {path}: answer fails verification: {exc.reason}") from exc
        return answer

    def _require_ok(self, path: str, answer: dict[str, str]) -> dict[str, str]:
        code = answer.get("respCode", "")
        if code == "00":
            return answer
        if code in IN_PROGRESS or not code:
            raise GatewayUnavailable(f"UnionPay {path}: respCode {code!r} {answer.get('respMsg', '')}")
        raise GatewayRefused(code, answer.get("respMsg", ""))

    @staticmethod
    def _txn_time(moment: datetime) -> str:
        return shanghai(moment).strftime("%Y%m%d%H%M%S")

    # -- flows -------------------------------------------------------------------------------

    def checkout(self, *, flow: str, out_trade_no: str, amount: Decimal, subject: str,
                 notify_url: str, expires_at: datetime, created_at: datetime,
                 openid: str | None = None, return_url: str | None = None) -> Checkout:
        if flow != "qr":
            raise ValueError(f"UnionPay has no {flow!r} checkout (qr)")
        answer = self._require_ok("backTransReq.do", self.call("backTransReq.do", {
            "txnType": PURCHASE, "txnSubType": "07", "bizType": "000000", "channelType": "08",
            "orderId": out_trade_no, "txnTime": self._txn_time(created_at), "txnAmt": str(to_fen(amount)),
            "currencyCode": "156", "backUrl": notify_url, "payTimeout": self._txn_time(expires_at)}))
        if not answer.get("qrCode"):
            raise GatewayUnavailable("UnionPay QR order: answer has no qrCode")
        return Checkout(qr_code=answer["qrCode"])

    def pay_code(self, *, out_trade_no: str, amount: Decimal, subject: str, auth_code: str,
                 created_at: datetime, notify_url: str = "") -> Charge:
        """A payer's UnionPay code (被扫, txnSubType 06): accepted means "ask again", never paid yet."""
        answer = self._require_ok("backTransReq.do", self.call("backTransReq.do", {
            "txnType": PURCHASE, "txnSubType": "06", "bizType": "000000", "channelType": "08",
            "orderId": out_trade_no, "txnTime": self._txn_time(created_at), "txnAmt": str(to_fen(amount)),
            "currencyCode": "156", "qrNo": auth_code, "backUrl": notify_url or self.back_url}))
        return Charge(ChargeState.USERPAYING, answer.get("queryId"), None, None, answer)

    def query(self, out_trade_no: str, *, created_at: datetime) -> Charge:
        answer = self.call("queryTrans.do", {
            "txnType": "00", "txnSubType": "00", "bizType": "000000", "orderId": out_trade_no,
            "txnTime": self._txn_time(created_at)})
        code, original = answer.get("respCode", ""), answer.get("origRespCode")
        if code == UNKNOWN_ORDER or (code == "00" and not original):
            return Charge(ChargeState.NOT_FOUND, None, None, None, answer)
        self._require_ok("queryTrans.do", answer)
        if original == "00":
            state = ChargeState.PAID
        elif original in IN_PROGRESS:
            state = ChargeState.PENDING
        else:
            state = ChargeState.FAILED
        try:
            amount = from_fen(answer["txnAmt"]) if answer.get("txnAmt") else None
        except ValueError as exc:
            raise GatewayUnavailable(f"UnionPay query: {exc}") from exc
        return Charge(state, answer.get("queryId"), amount,
                      time_from_trace(answer) if state is ChargeState.PAID else None, answer)

    def close(self, out_trade_no: str, *, created_at: datetime) -> None:
        """A QR order nobody paid simply lapses at payTimeout: UnionPay has no close call."""
        charge = self.query(out_trade_no, created_at=created_at)
        if charge.state is ChargeState.PAID:
            raise GatewayRefused("PAID", "the order was paid: cancel or refund it instead")

    def _reverse(self, txn_type: str, order_id: str, trade_no: str | None, amount: Decimal,
                 notify_url: str, requested_at: datetime | None) -> dict[str, str]:
        if not trade_no:
            raise ValueError("UnionPay needs the purchase's queryId (trade_no) to cancel or return it")
        notify_url = notify_url or self.back_url
        if not notify_url:
            # Said before sending: UnionPay would refuse it anyway (respCode 13, a field missing).
            raise GatewayRefused("NO_BACK_URL", "UnionPay cancels and returns need a notify_url "
                                 "(or back_url in the unionpay settings)")
        answer = self.call("backTransReq.do", {
            "txnType": txn_type, "txnSubType": "00", "bizType": "000000", "channelType": "08",
            "orderId": order_id, "origQryId": trade_no,
            "txnTime": self._txn_time(requested_at or datetime.now(UTC)),
            "txnAmt": str(to_fen(amount)), "backUrl": notify_url})
        if answer.get("respCode") == DUPLICATE:
            # A retry under the same orderId: the first attempt reached UnionPay and stands; its
            # outcome comes by back notify, as a first answer's would.
            return answer
        return self._require_ok("backTransReq.do", answer)

    def cancel(self, out_trade_no: str, *, created_at: datetime, amount: Decimal,
               trade_no: str | None, notify_url: str = "") -> None:
        """Same-day cancel (消费撤销, 31) of the whole purchase, under a new orderId of its own."""
        self._reverse(CANCEL, f"{out_trade_no}C", trade_no, amount, notify_url, None)

    def refund(self, *, out_trade_no: str, trade_no: str | None, out_refund_no: str,
               amount: Decimal, total: Decimal, created_at: datetime, notify_url: str = "",
               requested_at: datetime | None = None) -> RefundResult:
        """Return (退货, 04), partial allowed; orderId = out_refund_no, so a retry is processed once.

        UnionPay names a transaction by orderId and txnTime together: pass the refund's first
        `requested_at` on retries and to `refund_status` (it is also in the result's raw txnTime).
        """
        requested_at = requested_at or datetime.now(UTC)
        answer = self._reverse(RETURN, out_refund_no, trade_no, amount, notify_url, requested_at)
        # 00 means accepted: the result arrives by back notify, or refund_status asks.
        return RefundResult("processing", answer.get("queryId"), amount,
                            {**answer, "txnTime": self._txn_time(requested_at)})

    def refund_status(self, out_refund_no: str, *, requested_at: datetime) -> RefundResult:
        """A return asked after: queryTrans.do with its orderId and the txnTime it was sent with."""
        answer = self.call("queryTrans.do", {
            "txnType": "00", "txnSubType": "00", "bizType": "000000", "orderId": out_refund_no,
            "txnTime": self._txn_time(requested_at)})
        code, original = answer.get("respCode", ""), answer.get("origRespCode")
        if code == UNKNOWN_ORDER or (code == "00" and not original):
            raise GatewayRefused(UNKNOWN_ORDER, f"UnionPay knows no return {out_refund_no} sent then")
        self._require_ok("queryTrans.do", answer)
        state = "succeeded" if original == "00" else "processing" if original in IN_PROGRESS else "failed"
        try:
            amount = from_fen(answer.get("txnAmt", ""))
        except ValueError as exc:
            raise GatewayUnavailable(f"UnionPay return query: {exc}") from exc
        return RefundResult(state, answer.get("queryId"), amount, answer)

    def bill(self, day: date) -> bytes:
        """The day's reconciliation zip (fileContent), checked whole by its CRCs."""
        answer = self._require_ok("fileTransRequest.do", self.call("fileTransRequest.do", {
            "txnType": "76", "txnSubType": "01", "bizType": "000000", "fileType": "00",
            "settleDate": day.strftime("%m%d"), "txnTime": self._txn_time(datetime.now(UTC))}))
        try:
            content = base64.b64decode(answer.get("fileContent", ""), validate=True)
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                broken = archive.testzip()
        except (binascii.Error, ValueError, zipfile.BadZipFile) as exc:
            raise GatewayUnavailable(f"UnionPay bill: fileContent is not a zip: {exc}") from exc
        if broken is not None:
            raise GatewayUnavailable(f"UnionPay bill: {broken} fails its CRC")
        return content

    # -- notifies ----------------------------------------------------------------------------

    def verify_notify(self, body: bytes, headers: Mapping[str, str], *,
                      now: datetime | None = None) -> Notification:
        try:
            fields = parse_message(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadNotify(f"malformed: {exc}") from exc
        self.check(fields, now=now)
        missing = [name for name in ("txnType", "orderId", "queryId", "respCode", "txnAmt", "merId")
                   if not fields.get(name)]
        if missing:
            raise BadNotify(f"malformed: no {', '.join(missing)}")
        try:
            amount = from_fen(fields["txnAmt"])
        except ValueError as exc:
            raise BadNotify(f"malformed: {exc}") from exc
        ok = fields["respCode"] == "00"
        if fields["txnType"] == PURCHASE:
            return Notification(
                channel=self.channel, kind="payment", out_trade_no=fields["orderId"],
                trade_no=fields["queryId"], amount=amount,
                state=ChargeState.PAID if ok else ChargeState.FAILED,
                app_id=fields["merId"], merchant_id=fields["merId"], paid_at=time_from_trace(fields),
                notify_id=fields["queryId"], refund_no=None, raw=fields)
        if fields["txnType"] in (CANCEL, RETURN):
            # The message names the return by its own orderId and the purchase by origQryId only.
            return Notification(
                channel=self.channel, kind="refund", out_trade_no="",
                trade_no=fields.get("origQryId") or None, amount=amount,
                state=ChargeState.REFUNDED if ok else ChargeState.FAILED,
                app_id=fields["merId"], merchant_id=fields["merId"], paid_at=time_from_trace(fields),
                notify_id=fields["queryId"], refund_no=fields["orderId"], raw=fields)
        raise BadNotify(f"malformed: txnType {fields['txnType']!r}")

    def notify_reply(self, accepted: bool, message: str = "") -> tuple[int, bytes, dict[str, str]]:
        # UnionPay only looks for HTTP 200; a refusal is said with a 4xx so it comes again.
        if accepted:
            return 200, b"ok", {"Content-Type": "text/plain"}
        return 400, (message or "rejected").encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"}
