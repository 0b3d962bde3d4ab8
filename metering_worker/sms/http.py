"""An HTTP SMS provider: JSON POST signed with HMAC-SHA256 over the raw body."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

from metering_worker.sms.base import Outgoing, SendError

SIGNATURE_HEADER = "X-Signature"  # "sha256=<hex of HMAC-SHA256(secret, raw body)>"
KEY_HEADER = "X-Api-Key"


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class HttpSmsDriver:
    """2xx with a message id is sent; 4xx is refused for good (429 excepted: it is a retry);
    5xx, timeouts and connection errors are retried by the dispatcher."""

    name = "http"

    def __init__(self, url: str, *, key_id: str, secret: str, timeout: float = 10.0) -> None:
        if not url or not secret:
            raise ValueError("the HTTP SMS driver needs WATTKEEPER_SMS_HTTP_URL and "
                             "WATTKEEPER_SMS_HTTP_SECRET")
        self.url, self.key_id, self.secret, self.timeout = url, key_id, secret.encode(), timeout

    def __enter__(self) -> HttpSmsDriver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def body_of(self, message: Outgoing) -> bytes:
        # client_ref lets the provider drop a resend after a reply we never received; the
        # timestamp is signed with the rest, so a captured request cannot be replayed later.
        return json.dumps({"to": f"+86{message.phone}", "text": message.body,
                           "client_ref": f"wk-{message.id}",
                           "timestamp": datetime.now(UTC).isoformat(timespec="seconds")},
                          ensure_ascii=False, separators=(",", ":")).encode()

    def send(self, message: Outgoing) -> str:
        body = self.body_of(message)
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", KEY_HEADER: self.key_id,
            SIGNATURE_HEADER: sign(self.secret, body)})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode(errors="replace")
            exc.close()
            permanent = 400 <= exc.code < 500 and exc.code != 429
            raise SendError(f"provider answered {exc.code}: {detail}", permanent=permanent) from exc
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as exc:
            raise SendError(f"provider unreachable: {exc}") from exc
        try:
            reply = json.loads(payload or b"{}")
        except ValueError:
            reply = {}
        message_id = reply.get("message_id") or reply.get("id") if isinstance(reply, dict) else None
        if not message_id:
            raise SendError(f"provider answered {status} without a message id")
        return str(message_id)[:128]
