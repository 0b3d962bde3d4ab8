"""Stored tariffs: plans, draft and published versions, where they apply, and their dry run.

The entry points other parts call: `tariff_for_meter` (settlement, once per meter per poll),
the plan, version and assignment functions the API uses, and `dry_run`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from shared_models.errors import Conflict, InvalidValue, NotFound, RuleViolation
from shared_models.models import Meter, Site, TenantAccount
from shared_models.models.tariffs import (
    TariffAssignment,
    TariffPlan,
    TariffPlanVersion,
    VersionStatus,
)
from shared_models.registry import get
from shared_models.tariffs import Tariff
from shared_models.tariffs.dry_run import DryRunRow, dry_run, monthly_consumption
from shared_models.tariffs.lookup import (
    EffectiveTariff,
    effective_tariff,
    forget,
    plan_schedule,
    tariff_for_meter,
)
from shared_models.types import utcnow

__all__ = [
    "DryRunRow",
    "EffectiveTariff",
    "add_version",
    "assign_to_account",
    "assign_to_meters",
    "create_plan",
    "delete_draft",
    "dry_run",
    "effective_tariff",
    "monthly_consumption",
    "parse_tariff",
    "plan_schedule",
    "publish_version",
    "save_draft",
    "set_site_default",
    "tariff_for_meter",
]

# --- plans and versions --------------------------------------------------------------------


def parse_tariff(data: object) -> Tariff:
    """The engine's Tariff from its JSON form; a 422 naming the path of the bad part."""
    try:
        return Tariff.from_dict(data)
    except InvalidValue as exc:
        path = "tariff" + ("" if not exc.field else
                           exc.field if exc.field.startswith("[") else f".{exc.field}")
        reason = str(exc.params.get("reason", exc))
        raise InvalidValue("The tariff is invalid at {path}: {reason}", field=path, path=path,
                           reason=reason) from None


def create_plan(db: Session, site_id: int, code: str, name: str,
                description: str = "") -> TariffPlan:
    get(db, Site, site_id)
    if db.scalar(select(TariffPlan.id).where(TariffPlan.site_id == site_id,
                                             TariffPlan.code == code)):
        raise Conflict("Tariff plan code {code} is already used.", field="code", code=code)
    plan = TariffPlan(site_id=site_id, code=code, name=name, description=description)
    db.add(plan)
    db.flush()
    return plan


def add_version(db: Session, plan_id: int, effective_from: date, tariff: object, *,
                note: str = "", operator_id: int | None = None) -> TariffPlanVersion:
    """A new draft version of a plan."""
    get(db, TariffPlan, plan_id)
    version = TariffPlanVersion(plan_id=plan_id, effective_from=effective_from,
                                tariff=parse_tariff(tariff).to_dict(), note=note,
                                status=VersionStatus.DRAFT, created_by_id=operator_id)
    db.add(version)
    db.flush()
    return version


def save_draft(db: Session, version_id: int, values: dict[str, Any]) -> TariffPlanVersion:
    """Change a draft's effective date, tariff or note; published versions never change."""
    version = _draft(db, version_id)
    if "tariff" in values:
        version.tariff = parse_tariff(values["tariff"]).to_dict()
    for name in ("effective_from", "note"):
        if name in values:
            setattr(version, name, values[name])
    db.flush()
    return version


def delete_draft(db: Session, version_id: int) -> None:
    db.delete(_draft(db, version_id))
    db.flush()


def _draft(db: Session, version_id: int) -> TariffPlanVersion:
    version = get(db, TariffPlanVersion, version_id, lock=True)
    if version.status is VersionStatus.PUBLISHED:
        raise Conflict("A published tariff version cannot be changed; add a new version.")
    return version


def publish_version(db: Session, version_id: int,
                    operator_id: int | None = None) -> TariffPlanVersion:
    """Put a draft in force from its effective date. Publishing again changes nothing."""
    version = get(db, TariffPlanVersion, version_id, lock=True)
    if version.status is VersionStatus.PUBLISHED:
        return version
    site = get(db, Site, version.plan.site_id)
    today = datetime.now(ZoneInfo(site.timezone)).date()
    if version.effective_from < today:
        # Readings already billed at the old prices would no longer match the tariff history.
        raise RuleViolation("A tariff cannot take effect in the past ({date}).",
                            field="effective_from", date=version.effective_from.isoformat())
    clash = db.scalar(select(TariffPlanVersion.id).where(
        TariffPlanVersion.plan_id == version.plan_id,
        TariffPlanVersion.status == VersionStatus.PUBLISHED,
        TariffPlanVersion.effective_from == version.effective_from))
    if clash:
        raise Conflict("Another published version of this plan starts on {date}.",
                       field="effective_from", date=version.effective_from.isoformat())
    parse_tariff(version.tariff)
    version.status = VersionStatus.PUBLISHED
    version.published_by_id = operator_id
    version.published_at = utcnow()
    db.flush()
    forget(db)
    return version


# --- where plans apply -----------------------------------------------------------------------


def assign_to_meters(db: Session, plan_id: int | None,
                     meter_ids: Iterable[int]) -> list[TariffAssignment | None]:
    """Give meters their own plan (None: back to their account's or site's); all or none."""
    ids = list(dict.fromkeys(meter_ids))
    meters = {m.id: m for m in db.scalars(select(Meter).where(Meter.id.in_(ids)))}
    missing = [i for i in ids if i not in meters]
    if missing:
        raise NotFound("No such meter: {ids}.", field="meter_ids",
                       ids=", ".join(map(str, missing)))
    plan = _plan_for(db, plan_id, {m.site_id for m in meters.values()})
    return [_assign(db, TariffAssignment.meter_id, meters[i].site_id, i, plan) for i in ids]


def assign_to_account(db: Session, plan_id: int | None,
                      account_id: int) -> TariffAssignment | None:
    """Give an account a plan for all its meters that have none of their own."""
    account = get(db, TenantAccount, account_id)
    plan = _plan_for(db, plan_id, {account.site_id})
    return _assign(db, TariffAssignment.account_id, account.site_id, account_id, plan)


def set_site_default(db: Session, site_id: int, plan_id: int | None) -> TariffAssignment | None:
    """The plan of every meter of the site without a meter or account plan."""
    get(db, Site, site_id)
    plan = _plan_for(db, plan_id, {site_id})
    return _assign(db, None, site_id, None, plan)


def assignments(db: Session, site_id: int) -> list[TariffAssignment]:
    return list(db.scalars(select(TariffAssignment).where(TariffAssignment.site_id == site_id)
                           .order_by(TariffAssignment.id)))


def _plan_for(db: Session, plan_id: int | None, site_ids: set[int]) -> TariffPlan | None:
    if plan_id is None:
        return None
    plan = get(db, TariffPlan, plan_id)
    if site_ids - {plan.site_id}:
        raise RuleViolation("A tariff plan applies only within its own site.", field="plan_id")
    return plan


def _assign(db: Session, column, site_id: int, target_id: int | None,
            plan: TariffPlan | None) -> TariffAssignment | None:
    if column is None:
        where = and_(TariffAssignment.site_id == site_id, TariffAssignment.meter_id.is_(None),
                     TariffAssignment.account_id.is_(None))
    else:
        where = column == target_id
    current = db.scalar(select(TariffAssignment).where(where).with_for_update())
    forget(db)
    if plan is None:
        if current is not None:
            db.delete(current)
            db.flush()
        return None
    if current is None:
        current = TariffAssignment(site_id=site_id)
        if column is not None:
            setattr(current, column.key, target_id)
        db.add(current)
    if current.plan_id != plan.id:
        current.plan_id, current.assigned_at = plan.id, utcnow()
    db.flush()
    return current
