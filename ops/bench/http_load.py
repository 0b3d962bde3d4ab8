"""A lean recharge client: one keep-alive connection per thread, retries with the same key."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass

RECHARGE_PATH = "/api/v1/sales/recharges"


@dataclass(frozen=True)
class Answer:
    """What the server said to one request: status, body and whether it was a replay."""

    status: int
    body: dict
    replayed: bool


class RechargeClient:
    """Posts recharges as a till would; a dropped connection is retried with the same
    Idempotency-Key, so a retry can never make a second sale."""

    def __init__(self, port: int, token: str, timeout: float = 10.0) -> None:
        self.port, self.timeout = port, timeout
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Accept-Language": "en"}
        self.connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        return self.connection

    def __enter__(self) -> RechargeClient:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def recharge_once(self, key: str, body: bytes) -> Answer:
        """One attempt; raises OSError / http.client.HTTPException when the connection fails."""
        connection = self._connect()
        try:
            connection.request("POST", RECHARGE_PATH, body=body,
                               headers={**self.headers, "Idempotency-Key": key})
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Answer(response.status, json.loads(payload) if payload else {},
                      response.getheader("Idempotent-Replayed") == "true")

    def recharge(self, key: str, body: bytes, *, deadline: float) -> Answer | None:
        """Retry on connection failures until acknowledged or `deadline` (monotonic) passes."""
        while True:
            try:
                return self.recharge_once(key, body)
            except (OSError, http.client.HTTPException):
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.05)


def recharge_body(account_id: int, amount: str, channel: str = "cash") -> bytes:
    return json.dumps({"account_id": account_id, "amount": amount, "channel": channel}).encode()
