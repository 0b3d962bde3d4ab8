"""Domain exceptions: one base class, mapped to HTTP once at the back office's edge."""

from __future__ import annotations


class WattkeeperError(Exception):
    """Base of every rule the domain refuses to break."""

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        # str(exc) reads in English; the back office translates `message` and then formats it.
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.field = field
        self.params = params


class InvalidValue(WattkeeperError):
    """A value has the wrong form (bad number, too many decimals, out of range)."""


class NotFound(WattkeeperError):
    """The thing asked for does not exist or is outside the caller's sites (`field`: which id)."""


class Conflict(WattkeeperError):
    """The change clashes with existing data (duplicate serial, unit id taken, bus full)."""


class RuleViolation(WattkeeperError):
    """The change is well formed but breaks a business rule."""

