"""The kiosk's client of the back office's `/api/v1/kiosk/...`: plain blocking calls here;
`background.py` runs them off the UI thread.

The kiosk keeps no money and no gateway keys: it holds the lookup's ticket and the order id,
and asks the back office for everything else.
"""

from __future__ import annotations

import uuid

import requests


class ApiDown(Exception):
    """The back office could not be reached, or answered with a server error."""


class ApiRefused(Exception):
    """The back office refused the request (4xx): its message, and the field it names."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


class KioskClient:
    def __init__(self, base_url: str, token: str, *, language: str = "zh", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/") + "/api/v1/kiosk"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.language = language

    @property
    def language(self) -> str:
        return self._language

    @language.setter
    def language(self, value: str) -> None:
        # The back office translates its refusals; the kiosk shows them as they come.
        self._language = value
        self.session.headers["Accept-Language"] = "zh-CN" if value == "zh" else "en"

    def close(self) -> None:
        self.session.close()

    def _call(self, method: str, path: str, *, json: dict | None = None,
              headers: dict | None = None) -> dict:
        try:
            response = self.session.request(method, self.base_url + path, json=json,
                                            headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise ApiDown(type(error).__name__) from None
        if response.status_code >= 500:
            raise ApiDown(f"HTTP {response.status_code}")
        try:
            body = response.json() if response.content else {}
        except ValueError:
            raise ApiDown("not JSON") from None
        if response.status_code >= 400:
            raise ApiRefused(response.status_code, *_first_error(body))
        return body

    def device(self) -> dict:
        return self._call("GET", "/device")

    def look_up(self, number: str, phone_last4: str | None = None) -> dict:
        body = {"number": number}
        if phone_last4:
            body["phone_last4"] = phone_last4
        return self._call("POST", "/lookups", json=body)

    def start_qr(self, ticket: str, amount: str, channel: str, key: str | None = None) -> dict:
        return self._call("POST", "/orders", json={"ticket": ticket, "amount": amount, "channel": channel},
                          headers={"Idempotency-Key": key or uuid.uuid4().hex})

    def pay_code(self, ticket: str, amount: str, auth_code: str, key: str | None = None) -> dict:
        # The key makes a retry after a lost answer replay the first, never charge twice.
        return self._call("POST", "/code-payments",
                          json={"ticket": ticket, "amount": amount, "auth_code": auth_code},
                          headers={"Idempotency-Key": key or uuid.uuid4().hex})

    def order(self, order_id: int) -> dict:
        return self._call("GET", f"/orders/{order_id}")

    def receipt(self, order_id: int) -> dict:
        return self._call("GET", f"/orders/{order_id}/receipt")

    def reprint(self, order_id: int) -> dict:
        return self._call("POST", f"/orders/{order_id}/reprint")


def _first_error(body: dict) -> tuple[str, str | None]:
    """The message to show, and the field it is about (flask-smorest's `errors.json`)."""
    errors = (body.get("errors") or {}).get("json") or {}
    for field, messages in errors.items():
        if isinstance(messages, list) and messages:
            return str(messages[0]), field
    return str(body.get("message") or "Refused"), None
