"""The idle rule: after `idle_s` without a touch, a `countdown_s` "still there?" countdown, then
back home with everything cleared; never while a payment is pending.

Driven by `tick(now)` with a monotonic clock so tests need no waiting and no window.
"""

from __future__ import annotations

from enum import Enum


class IdlePhase(Enum):
    ACTIVE = "active"
    WARNING = "warning"  # the countdown is on screen
    EXPIRED = "expired"  # go home and clear


class IdleTimer:
    def __init__(self, idle_s: float = 60.0, countdown_s: float = 10.0, now: float = 0.0) -> None:
        self.idle_s, self.countdown_s = idle_s, countdown_s
        self.last_touch = now
        self.suspended = False  # a payment is pending
        self.enabled = True  # off on the home screen: there is nothing to clear

    def touch(self, now: float) -> None:
        self.last_touch = now

    def suspend(self, suspended: bool, now: float) -> None:
        self.suspended = suspended
        self.last_touch = now  # the countdown starts afresh when the payment is over

    def phase(self, now: float) -> IdlePhase:
        if self.suspended or not self.enabled:
            return IdlePhase.ACTIVE
        quiet = now - self.last_touch
        if quiet < self.idle_s:
            return IdlePhase.ACTIVE
        return IdlePhase.WARNING if quiet < self.idle_s + self.countdown_s else IdlePhase.EXPIRED

    def seconds_left(self, now: float) -> int:
        """Whole seconds left on the countdown (shown while WARNING)."""
        left = self.idle_s + self.countdown_s - (now - self.last_touch)
        return max(int(left + 0.999), 0)
