"""Carrying out a rotation (轮换): a dispatched meter replaces a due one at its place, as a swap."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.assets import lifecycle
from shared_models.errors import RuleViolation
from shared_models.models import Meter, MeterAsset, MeterSwap
from shared_models.registry import get
from shared_models.sales.accounts import swap_meter


def free_address(db: Session, bus_id: int) -> int:
    used = set(db.scalars(select(Meter.address).where(Meter.bus_id == bus_id)))
    for address in range(1, 248):
        if address not in used:
            return address
    raise RuleViolation("The bus has no free address.", field="address")


def carry_out(db: Session, meter_id: int, values: dict[str, Any], *,
              operator_id: int | None) -> tuple[MeterAsset, MeterSwap | None]:
    """Install the replacement on the old meter's bus (the lowest free address unless one is
    given) and in its unit, then swap the account over through the swap service; a meter on no
    account is simply removed. Returns the new asset and the swap, if any."""
    old = get(db, Meter, meter_id, lock=True)
    bus_id = values.get("bus_id") or old.bus_id
    new = lifecycle.install(db, values["new_asset_id"], {
        "bus_id": bus_id, "address": values.get("address") or free_address(db, bus_id),
        "unit_id": old.unit_id, "control_mode": old.control_mode, "phases": old.phases,
        "ct_ratio": old.ct_ratio, "reading": values["new_start_reading"],
        "seals": values.get("new_seals", ""), "reason": "rotation"}, operator_id=operator_id)
    account = lifecycle.open_account_of(db, old.id)
    if account is None:
        asset = lifecycle.asset_of_meter(db, old.id, operator_id=operator_id)
        lifecycle.remove(db, asset.id, {"reading": values["old_final_reading"],
                                        "seals": values.get("old_seals", ""),
                                        "reason": "rotation"}, operator_id=operator_id)
        return new, None
    swap = swap_meter(db, account, {
        "old_meter_id": old.id, "new_meter_id": new.meter_id, "reason": "rotation",
        "old_final_reading": values["old_final_reading"],
        "new_start_reading": values["new_start_reading"],
        "old_seals": values.get("old_seals", ""), "new_seals": values.get("new_seals", "")},
        operator_id=operator_id)
    return new, swap
