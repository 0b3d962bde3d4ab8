"""Switching an account between prepaid and postpaid: settled first, so every reading up to the
switch is booked under the mode it was read in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.errors import RuleViolation
from shared_models.ledger.books import lock_account
from shared_models.models import TenantAccount
from shared_models.models.accounts import AccountStatus, BillingMode
from shared_models.settlement import settle_meters
from shared_models.types import utcnow


def set_billing_mode(db: Session, account_id: int, mode: BillingMode, *,
                     now: datetime | None = None) -> tuple[TenantAccount, list[int]]:
    """Settle the account's meters, then switch its mode. Returns the account and the ids of the
    commands settlement queued (for the caller to announce after it commits).

    A meter that keeps its own wallet (本地费控) cannot be postpaid: it trips by itself when
    that wallet runs out."""
    account, _wallet = lock_account(db, account_id)
    if account.status != AccountStatus.OPEN:
        raise RuleViolation("The account is closed.", field="billing_mode")
    if account.billing_mode == mode:
        return account, []
    meters = account.meters
    if mode == BillingMode.POSTPAID and any(m.control_mode == ControlMode.LOCAL for m in meters):
        raise RuleViolation("A meter that keeps its own wallet cannot be billed postpaid.",
                            field="billing_mode")
    queued = settle_meters(db, [m.id for m in meters], now=now or utcnow())
    account.billing_mode = mode
    db.flush()
    return account, queued
