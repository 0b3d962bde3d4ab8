"""Tickets: what a kiosk holds between a lookup and the payment, instead of an account id.

A ticket is signed with the back office's secret and names the account, the device that looked
it up and whether the phone was checked; it lasts 15 minutes. So a kiosk can only pay into, or
see, an account a tenant found at that kiosk, and ids cannot be walked.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from shared_models.errors import RuleViolation

SALT = "wattkeeper.kiosk-ticket"


@dataclass(frozen=True)
class Ticket:
    account_id: int
    device_id: int
    detailed: bool


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(ticket: Ticket) -> str:
    return _serializer().dumps([ticket.account_id, ticket.device_id, ticket.detailed])


def read(raw: str, device_id: int) -> Ticket:
    """The ticket, if this device was given it in the last 15 minutes; otherwise a 422."""
    try:
        account_id, issued_to, detailed = _serializer().loads(
            raw, max_age=current_app.config["KIOSK_TICKET_MAX_AGE_S"])
    except (BadSignature, ValueError, TypeError):
        account_id = issued_to = None
    if issued_to != device_id or not isinstance(account_id, int):
        raise RuleViolation("Look the account up again.", field="ticket")
    return Ticket(account_id, device_id, bool(detailed))
