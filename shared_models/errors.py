"""Domain exceptions: one base class, mapped to HTTP once at the back office's edge."""

from __future__ import annotations


class WattkeeperError(Exception):
    """Base of every rule the domain refuses to break."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        # str(exc) reads in English; the back office translates `message` and then formats it.
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.field = field
        self.params = params


class InvalidValue(WattkeeperError):
    """A value has the wrong form (bad number, too many decimals, out of range)."""

    status = 422


class NotFound(WattkeeperError):
    """The thing asked for does not exist or is outside the caller's sites."""

    status = 404

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(message, field=field, **params)
        if field is not None:
            # An id in the request's body that names nothing makes the request unprocessable;
            # only an id in the path is a resource that is not there.
            self.status = 422


class Conflict(WattkeeperError):
    """The change clashes with existing data (duplicate serial, unit id taken, bus full)."""

    status = 409


class RuleViolation(WattkeeperError):
    """The change is well formed but breaks a business rule."""

    status = 422


class PermissionDenied(WattkeeperError):
    """The caller is authenticated but may not do this."""

    status = 403


class AuthenticationFailed(WattkeeperError):
    """Credentials are missing, wrong, expired or revoked."""

    status = 401


class TooManyAttempts(WattkeeperError):
    """Too many failed attempts; the caller must wait."""

    status = 429
