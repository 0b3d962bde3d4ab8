"""What a tenant is shown of their accounts, in the shapes the tenant API answers with."""

from __future__ import annotations

from backoffice import database
from shared_models.models import Site, TenantAccount, Unit


def place_of(account: TenantAccount) -> str:
    """"Building A · 3F · 301" for an account with a unit, else ""."""
    if account.unit_id is None:
        return ""
    unit = database.session().get(Unit, account.unit_id)
    floor = unit.floor
    return " · ".join((floor.building.name, floor.name, unit.name))


def account_brief(account: TenantAccount) -> dict:
    site = database.session().get(Site, account.site_id)
    return {"id": account.id, "number": account.number, "tenant_name": account.tenant_name,
            "site_name": site.name, "place": place_of(account)}
