"""Finding the account a tenant at a kiosk means, from a number typed on a numeric keypad or
scanned from a card or a meter's label, within the kiosk's own site.

A tenant types digits: "42" or "000042" is the account "<site code>-000042"; the whole
number ("DEMO-000042") comes from a card scanner. A meter's serial ("WK0000000042") is
printed on the meter: scanned whole, or typed as its digits (at least 8, so that a short
number is never read as a serial). An input that fits two different accounts finds none.
"""

from __future__ import annotations

import hmac
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.models import AccountMeter, Meter, Site, TenantAccount
from shared_models.models.accounts import AccountStatus

MIN_SERIAL_DIGITS = 8
_TYPED = re.compile(r"[0-9]{1,12}")
_SCANNED = re.compile(r"[A-Za-z0-9-]{1,48}")
_SERIAL_PREFIX = re.compile(r"[A-Za-z]*")


def find_account(db: Session, site: Site, entered: str) -> TenantAccount | None:
    """The one open account of `site` that `entered` names, or None."""
    entered = entered.strip()
    if not _SCANNED.fullmatch(entered):
        return None
    found = {a.id: a for a in _by_number(db, site, entered)}
    found.update((a.id, a) for a in _by_meter(db, site, entered))
    open_accounts = [a for a in found.values() if a.status == AccountStatus.OPEN]
    return open_accounts[0] if len(open_accounts) == 1 else None


def _by_number(db: Session, site: Site, entered: str) -> list[TenantAccount]:
    numbers = {entered.upper()}
    if _TYPED.fullmatch(entered) and len(entered) <= 6:
        numbers.add(f"{site.code}-{int(entered):06d}".upper())
    return list(db.scalars(select(TenantAccount).where(
        TenantAccount.site_id == site.id, func.upper(TenantAccount.number).in_(numbers))))


def _by_meter(db: Session, site: Site, entered: str) -> list[TenantAccount]:
    typed_digits = _TYPED.fullmatch(entered) and len(entered) >= MIN_SERIAL_DIGITS
    if not typed_digits and not any(c.isalpha() for c in entered):
        return []
    condition = (Meter.serial_number.endswith(entered, autoescape=True) if typed_digits
                 else func.upper(Meter.serial_number) == entered.upper())
    rows = db.execute(select(Meter.serial_number, TenantAccount)
                      .join(AccountMeter, AccountMeter.meter_id == Meter.id)
                      .join(TenantAccount, TenantAccount.id == AccountMeter.account_id)
                      .where(Meter.site_id == site.id, AccountMeter.detached_at.is_(None), condition))
    # Typed digits name a serial only as its whole number part ("WK" + the digits).
    return [account for serial, account in rows
            if not typed_digits or _SERIAL_PREFIX.fullmatch(serial[: len(serial) - len(entered)])]


def phone_matches(account: TenantAccount, last4: str) -> bool:
    """Whether `last4` are the last four digits of the account's phone (compared in constant time)."""
    digits = "".join(c for c in account.phone if c.isdigit())
    return len(digits) >= 4 and hmac.compare_digest(digits[-4:].encode(), last4.encode())


def has_phone(account: TenantAccount) -> bool:
    return sum(c.isdigit() for c in account.phone) >= 4


def mask_name(name: str) -> str:
    """Enough for a tenant to recognise their account, too little to learn a stranger's name:
    the first character of each word, and the last of a Chinese name of three or more."""
    words = name.split()
    masked = []
    for word in words:
        if len(word) == 1:
            masked.append(word)
        elif len(word) >= 3 and not word.isascii():
            masked.append(word[0] + "*" * (len(word) - 2) + word[-1])
        else:
            masked.append(word[0] + "*" * (len(word) - 1))
    return " ".join(masked)
