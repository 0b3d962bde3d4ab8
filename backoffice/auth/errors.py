"""Refusals of the API's own authentication and authorisation; statuses in backoffice.errors."""

from __future__ import annotations

from shared_models.errors import WattkeeperError


class AuthenticationFailed(WattkeeperError):
    """Credentials are missing, wrong, expired or revoked."""


class PermissionDenied(WattkeeperError):
    """The caller is authenticated but may not do this."""


class TooManyAttempts(WattkeeperError):
    """Too many failed attempts; the caller must wait."""
