"""What the admin has scripted: the next notifies' mischief, API failures, payment-code outcomes."""

from __future__ import annotations

import threading
from typing import Any

NOTIFY_ACTIONS = ("drop", "delay", "duplicate", "forge", "probe", "wrong_amount", "wrong_merchant")
CODE_OUTCOMES = ("success", "userpaying", "userpaying_forever", "declined", "insufficient")


class Scripts:
    """Consumed in order: a script aimed at one order wins over one aimed at the next notify."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notify: list[dict[str, Any]] = []
        self._failures: dict[str | None, int] = {}
        self._codes: dict[str, dict[str, Any]] = {}

    def add_notify(self, script: dict[str, Any]) -> None:
        if script.get("action") not in NOTIFY_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(NOTIFY_ACTIONS)}")
        with self._lock:
            self._notify.append(script)

    def take_notify(self, gateway: str, out_trade_no: str) -> dict[str, Any] | None:
        with self._lock:
            for aimed in (True, False):
                for index, script in enumerate(self._notify):
                    if script.get("gateway") not in (None, gateway):
                        continue
                    target = script.get("out_trade_no")
                    if (target == out_trade_no) if aimed else not target:
                        return self._notify.pop(index)
        return None

    def fail_api(self, count: int, gateway: str | None = None) -> None:
        with self._lock:
            self._failures[gateway] = self._failures.get(gateway, 0) + count

    def take_api_failure(self, gateway: str) -> bool:
        with self._lock:
            for key in (gateway, None):
                if self._failures.get(key, 0) > 0:
                    self._failures[key] -= 1
                    return True
        return False

    def set_code(self, auth_code: str, outcome: str, seconds: float = 0) -> None:
        if outcome not in CODE_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(CODE_OUTCOMES)}")
        with self._lock:
            self._codes[auth_code] = {"outcome": outcome, "seconds": seconds}

    def take_code(self, auth_code: str) -> dict[str, Any] | None:
        with self._lock:
            return self._codes.pop(auth_code, None)

    def pending(self) -> dict[str, Any]:
        with self._lock:
            failures = {str(k): v for k, v in self._failures.items()}
            return {"notify": list(self._notify), "api_failures": failures, "codes": sorted(self._codes)}
