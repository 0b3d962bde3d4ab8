"""What the contract document says: its clauses filled from the values and the account's facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from shared_models.contracts import variables
from shared_models.models import Site, TenantAccount, Unit
from shared_models.models.contracts import SupplyContract


@dataclass(frozen=True)
class ContractView:
    """Everything the printed contract shows, already as text."""

    number: str
    title: str
    kind: str
    site_name: str
    clauses: list[tuple[str, str]]
    signed_on: date | None = None
    signers: list[str] = field(default_factory=list)
    previous_number: str = ""
    reason: str = ""


def facts_of(db: Session, contract: SupplyContract) -> dict[str, str]:
    """The account's facts a clause may name, as they are now."""
    account = db.get(TenantAccount, contract.account_id)
    site = db.get(Site, contract.site_id)
    unit = db.get(Unit, account.unit_id) if account.unit_id else None
    place = (f"{unit.floor.building.name} {unit.floor.name} {unit.name}" if unit else "")
    return {"contract_number": contract.number, "site_name": site.name,
            "tenant_name": account.tenant_name, "account_number": account.number, "unit": place,
            "meters": "、".join(m.serial_number for m in account.meters),
            "starts_on": contract.starts_on.isoformat(), "ends_on": contract.ends_on.isoformat()}


def view_of(db: Session, contract: SupplyContract) -> ContractView:
    facts = facts_of(db, contract)
    filled = {**contract.values, **facts}
    version = contract.template_version
    previous = db.get(SupplyContract, contract.previous_id) if contract.previous_id else None
    return ContractView(
        number=contract.number, title=version.title, kind=contract.kind.value,
        site_name=facts["site_name"],
        clauses=[(c["title"], variables.render(c["text"], filled)) for c in version.clauses],
        signed_on=contract.signed_on, signers=list(contract.signers or []),
        previous_number=previous.number if previous else "", reason=contract.reason)
