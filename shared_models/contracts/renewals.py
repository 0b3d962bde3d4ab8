"""Renewal reminders: contracts in force that end within their site's lead time (续签提醒).

A staff list rather than an SMS: renewing is the property manager's move (draw a re-signed
contract, meet the tenant), so the reminder goes to the people who act on it. The query is
cheap enough to answer on request; a scheduler may run `due` too.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from shared_models.errors import InvalidValue
from shared_models.models import Site
from shared_models.models.contracts import ContractSettings, ContractState, SupplyContract
from shared_models.registry import get

DEFAULT_LEAD_DAYS = 60
MAX_LEAD_DAYS = 366
PENDING = (ContractState.DRAFT, ContractState.APPROVED)


def settings_of(db: Session, site_id: int) -> ContractSettings:
    """The site's settings row, or an unsaved one with the defaults."""
    return db.get(ContractSettings, site_id) or ContractSettings(
        site_id=site_id, renewal_lead_days=DEFAULT_LEAD_DAYS)


def save_settings(db: Session, site_id: int, *, renewal_lead_days: int) -> ContractSettings:
    get(db, Site, site_id)
    if not 0 <= renewal_lead_days <= MAX_LEAD_DAYS:
        raise InvalidValue("The lead time is 0 to {most} days.", field="renewal_lead_days",
                           most=MAX_LEAD_DAYS)
    settings = db.get(ContractSettings, site_id) or ContractSettings(site_id=site_id)
    settings.renewal_lead_days = renewal_lead_days
    db.add(settings)
    db.flush()
    return settings


def due(db: Session, *, today: date, site_ids: Collection[int] | None = None) -> list[SupplyContract]:
    """Contracts in force ending on or before today + the site's lead days, with no successor
    being drafted yet, soonest end first."""
    successor = aliased(SupplyContract)
    pending = (select(successor.id).where(successor.previous_id == SupplyContract.id,
                                          successor.state.in_(PENDING)).exists())
    sites = select(Site.id, ContractSettings.renewal_lead_days).outerjoin(
        ContractSettings, ContractSettings.site_id == Site.id)
    if site_ids is not None:
        sites = sites.where(Site.id.in_(site_ids))
    found: list[SupplyContract] = []
    for site_id, lead_days in db.execute(sites):  # a few sites: one query each
        horizon = today + timedelta(days=DEFAULT_LEAD_DAYS if lead_days is None else lead_days)
        found.extend(db.scalars(select(SupplyContract).where(
            SupplyContract.site_id == site_id, SupplyContract.state == ContractState.IN_FORCE,
            SupplyContract.ends_on <= horizon, ~pending)))
    return sorted(found, key=lambda c: (c.ends_on, c.id))
