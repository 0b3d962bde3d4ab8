"""One running sandbox: its keys, records, scripts, clock and the notify format of each gateway."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Crypto.PublicKey import RSA

from ops.sandbox_gateway import keys as keyring
from ops.sandbox_gateway.scripts import Scripts
from ops.sandbox_gateway.state import Row, Store

# (url, event, payload) of a notify to send, or None when the gateway sends none.
Made = tuple[str, str, dict[str, Any]] | None


@dataclass(frozen=True)
class NotifyFormat:
    """How one gateway notifies: when it retries, what it sends, what reply counts as received."""

    schedule: tuple[float, ...]  # seconds between tries, before scaling
    paid: Callable[[Sandbox, Row], Made]
    refunded: Callable[[Sandbox, Row, Row], Made]
    request: Callable[[Sandbox, Row], tuple[dict[str, str], bytes]]
    accepted: Callable[[int, bytes], bool]
    mischief: Callable[[Sandbox, dict[str, Any], str, dict[str, Any]], dict[str, Any]]
    return_to: Callable[[Sandbox, Row], str] | None = None  # where the wallet sends a WAP payer back


class Sandbox:
    """Shared by the request threads and the notify sender; `time_scale` multiplies every delay
    the sandbox chooses itself (retry intervals, USERPAYING, refund processing)."""

    def __init__(self, instance: Path, public_url: str, time_scale: float = 1.0) -> None:
        self.instance = Path(instance).resolve()
        self.keys = keyring.ensure(self.instance)
        self.public_url = public_url.rstrip("/")
        self.wechat_app_secret = keyring.wechat_app_secret(self.instance)
        self.payments_toml = keyring.write_payments_toml(self.instance, self.keys, self.public_url)
        self.store = Store(self.instance / "sandbox_gateway" / "state.sqlite3")
        self.scripts = Scripts()
        self.time_scale = time_scale
        self.formats: dict[str, NotifyFormat] = {}
        self.wake = threading.Event()
        # Refunds and state changes that check-then-write hold this (the web server is threaded).
        self.money_lock = threading.RLock()
        self._forger: RSA.RsaKey | None = None
        self.downloads: dict[str, tuple[float, str, bytes]] = {}  # token -> (expires, name, bytes)

    def forger_key(self) -> RSA.RsaKey:
        """A key that is not the gateway's, for notifies the admin wants forged."""
        with self.money_lock:
            if self._forger is None:
                self._forger = RSA.generate(2048)
            return self._forger

    def offer_download(self, name: str, data: bytes, seconds: float) -> str:
        """A one-off token for a bill file, valid for `seconds` (real seconds: links are fetched at once)."""
        token = secrets.token_urlsafe(16)
        with self.money_lock:
            now = time.time()
            self.downloads = {k: v for k, v in self.downloads.items() if v[0] > now}
            self.downloads[token] = (now + seconds, name, data)
        return token

    def download(self, token: str) -> tuple[str, bytes] | None:
        with self.money_lock:
            found = self.downloads.get(token)
        if not found or found[0] < time.time():
            return None
        return found[1], found[2]

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale

    def merchant(self, gateway: str) -> str:
        ident = self.keys.identity[gateway]
        return {"alipay": ident.get("app_id"), "wechat": ident.get("mchid"), "unionpay": ident.get("mer_id")}[
            gateway
        ]
