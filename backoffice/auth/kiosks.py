"""Kiosk devices: an operator of role `kiosk` at one site, with no password (it can never log
in), holding bearer tokens. Registering one issues its token (shown once); revoking one
deactivates it and revokes its tokens; its last call is its tokens' last use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.auth.accounts import issue_token, revoke_token
from shared_models import audit
from shared_models.enums import Role
from shared_models.errors import NotFound
from shared_models.models import ApiToken, Operator, Site

TOKEN_DAYS = 3650  # a kiosk is revoked by staff, not by a calendar


def register(db: Session, site_id: int, name: str) -> tuple[Operator, str]:
    site = db.get(Site, site_id)
    if site is None:
        raise NotFound("No such site.", field="site_id")
    count = db.scalar(select(func.count(Operator.id)).where(Operator.role == Role.KIOSK))
    device = Operator(username=f"kiosk-{site.code.lower()}-{count + 1}", display_name=name,
                      role=Role.KIOSK, all_sites=False, sites=[site], password_hash="")
    db.add(device)
    db.flush()
    _token, raw = issue_token(db, device.id, name, TOKEN_DAYS)
    audit.record(db, "kiosk_registered", "operators", device.id, after={"site_id": site.id, "name": name})
    return device, raw


def get(db: Session, device_id: int) -> Operator:
    device = db.get(Operator, device_id)
    if device is None or device.role != Role.KIOSK:
        raise NotFound("No such {what}.", what="kiosk")
    return device


def revoke(db: Session, device: Operator) -> None:
    device.active = False
    for token in db.scalars(select(ApiToken).where(ApiToken.operator_id == device.id)):
        revoke_token(db, token)
    db.flush()


def last_seen(db: Session, device_id: int) -> datetime | None:
    return db.scalar(select(func.max(ApiToken.last_used_at)).where(ApiToken.operator_id == device_id))
