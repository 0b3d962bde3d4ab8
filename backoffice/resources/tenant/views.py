"""What a tenant is shown of their accounts, in the shapes the tenant API answers with."""

from __future__ import annotations

from sqlalchemy import select

from backoffice import database
from shared_models.models import Building, Floor, Site, TenantAccount, Unit


def place_of(account: TenantAccount) -> str:
    """"Building A · 3F · 301" for an account with a unit, else ""."""
    if account.unit_id is None:
        return ""
    return " · ".join(database.session().execute(
        select(Building.name, Floor.name, Unit.name).join(Floor, Floor.building_id == Building.id)
        .join(Unit, Unit.floor_id == Floor.id).where(Unit.id == account.unit_id)).one())


def account_brief(account: TenantAccount, site: Site | None = None) -> dict:
    site = site or database.session().get(Site, account.site_id)
    return {"id": account.id, "number": account.number, "tenant_name": account.tenant_name,
            "site_name": site.name, "place": place_of(account)}
