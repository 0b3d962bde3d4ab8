"""Moving assets through their states: every move is one event row, written here and nowhere else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shared_models.assets.states import BIRTHS, next_state
from shared_models.enums import AssetState, MeterStatus
from shared_models.errors import RuleViolation
from shared_models.models import AccountMeter, Bus, Meter, MeterAsset, MeterSwap, Site, TenantAccount
from shared_models.models.assets import AssetEvent, EventKind
from shared_models.money import energy
from shared_models.registry import get, save_meter
from shared_models.types import utcnow

# What an installed meter takes over from the place it is installed in.
PLACE_FIELDS = ("bus_id", "address", "unit_id")
METER_FIELDS = ("control_mode", "phases", "ct_ratio")


def retired_meter_ids() -> Select:
    """Registry meters whose device is no longer on its bus (removed, in repair, scrapped...):
    not polled and not commanded. A meter without an asset row counts as installed."""
    return select(MeterAsset.meter_id).where(MeterAsset.meter_id.is_not(None),
                                             MeterAsset.state != AssetState.INSTALLED)


def asset_state_of(db: Session, meter_id: int) -> AssetState:
    state = db.scalar(select(MeterAsset.state).where(MeterAsset.meter_id == meter_id))
    return state or AssetState.INSTALLED


def record(db: Session, asset: MeterAsset, event: EventKind, *, operator_id: int | None,
           reading: Decimal | None = None, **details: Any) -> AssetEvent:
    """Move `asset` by `event` (refused outside the state machine) and log the move."""
    before = asset.state
    asset.state = next_state(before, event)
    row = AssetEvent(asset_id=asset.id, kind=event, from_state=before, to_state=asset.state,
                     site_id=asset.site_id, meter_id=asset.meter_id, operator_id=operator_id,
                     reading=None if reading is None else energy(reading), **details)
    db.add(row)
    db.flush()
    return row


def create(db: Session, event: EventKind, *, operator_id: int | None, **values: Any) -> MeterAsset:
    """A new asset, born by `event` (an arrival, or a meter met on its bus)."""
    serial = values["serial_number"]
    if db.scalar(select(MeterAsset.id).where(MeterAsset.serial_number == serial)):
        raise RuleViolation("Serial number {serial} is already a metering asset.",
                            field="serial_number", serial=serial)
    asset = MeterAsset(state=BIRTHS[event], **values)
    db.add(asset)
    db.flush()
    db.add(AssetEvent(asset_id=asset.id, kind=event, to_state=asset.state, site_id=asset.site_id,
                      meter_id=asset.meter_id, operator_id=operator_id))
    db.flush()
    return asset


def lock(db: Session, asset_id: int) -> MeterAsset:
    return get(db, MeterAsset, asset_id, lock=True)


def asset_of_meter(db: Session, meter_id: int, *, operator_id: int | None = None,
                   field: str = "meter_id") -> MeterAsset:
    """The asset that a registry meter is; a meter registered on its bus without one (by the
    registry's own screens or workbook) gets its asset record now, as installed."""
    asset = db.scalar(select(MeterAsset).where(MeterAsset.meter_id == meter_id).with_for_update())
    if asset is not None:
        return asset
    meter = get(db, Meter, meter_id, field=field)
    asset = db.scalar(select(MeterAsset).where(MeterAsset.serial_number == meter.serial_number)
                      .with_for_update())
    if asset is None:
        return create(db, EventKind.REGISTERED, operator_id=operator_id,
                      serial_number=meter.serial_number, model=meter.model, site_id=meter.site_id,
                      meter_id=meter.id, installed_at=meter.created_at)
    # A dispatched asset was put on its bus through the registry instead of an install.
    asset.meter_id, asset.site_id, asset.installed_at = meter.id, meter.site_id, meter.created_at
    record(db, asset, EventKind.INSTALLED, operator_id=operator_id, reason="registered on its bus")
    return asset


def open_account_of(db: Session, meter_id: int) -> TenantAccount | None:
    return db.scalar(select(TenantAccount).join(AccountMeter)
                     .where(AccountMeter.meter_id == meter_id, AccountMeter.detached_at.is_(None)))


def dispatch(db: Session, asset_id: int, site_id: int, *, operator_id: int | None,
             reason: str = "") -> MeterAsset:
    """Send a verified meter from stock to a site."""
    asset = lock(db, asset_id)
    get(db, Site, site_id, field="site_id")
    next_state(asset.state, EventKind.DISPATCHED)
    asset.site_id = site_id
    record(db, asset, EventKind.DISPATCHED, operator_id=operator_id, reason=reason)
    return asset


def recall(db: Session, asset_id: int, *, operator_id: int | None, reason: str = "") -> MeterAsset:
    """A dispatched meter comes back to stock unused."""
    asset = lock(db, asset_id)
    record(db, asset, EventKind.RECALLED, operator_id=operator_id, reason=reason)
    asset.site_id = None
    return asset


def install(db: Session, asset_id: int, values: dict[str, Any], *,
            operator_id: int | None) -> MeterAsset:
    """Mount a dispatched meter on a bus: it becomes (again) a registry meter there, free to
    be opened on an account, with its starting reading and seals recorded."""
    asset = lock(db, asset_id)
    next_state(asset.state, EventKind.INSTALLED)  # refuse before touching the registry
    bus = get(db, Bus, values["bus_id"], field="bus_id")
    if bus.gateway.site_id != asset.site_id:
        raise RuleViolation("The meter was dispatched to another site.", field="bus_id")
    place = {k: values[k] for k in PLACE_FIELDS if k in values}
    if asset.meter_id is None:
        meter = save_meter(db, {"serial_number": asset.serial_number, "model": asset.model,
                                **{k: values[k] for k in METER_FIELDS if k in values}, **place})
    else:  # re-installed after re-verification: its registry row moves to the new place
        meter = save_meter(db, place, get(db, Meter, asset.meter_id))
        meter.status = MeterStatus.NOT_OPENED
    asset.meter_id, asset.installed_at = meter.id, utcnow()
    record(db, asset, EventKind.INSTALLED, operator_id=operator_id, reading=values.get("reading"),
           seals=values.get("seals", ""), reason=values.get("reason", ""))
    return asset


def remove(db: Session, asset_id: int, values: dict[str, Any], *,
           operator_id: int | None) -> MeterAsset:
    """Take an installed meter down with its final reading and the seals found. A meter still
    serving an account is swapped (or its account closed) instead, so no usage goes unbilled."""
    asset = lock(db, asset_id)
    if asset.meter_id is not None and (account := open_account_of(db, asset.meter_id)):
        raise RuleViolation("The meter serves account {number}; swap it or close the account "
                            "first.", field="asset_id", number=account.number)
    record(db, asset, EventKind.REMOVED, operator_id=operator_id, reading=values.get("reading"),
           seals=values.get("seals", ""), reason=values.get("reason", ""))
    return asset


def record_swap(db: Session, swap: MeterSwap, *, operator_id: int | None, old_seals: str = "",
                new_seals: str = "") -> None:
    """A meter swap (换表) as asset events: the old meter removed at its final reading, the new
    one commissioned on the account at its starting reading, both tied to the swap."""
    old = asset_of_meter(db, swap.old_meter_id, operator_id=operator_id, field="old_meter_id")
    record(db, old, EventKind.REMOVED, operator_id=operator_id, reading=swap.old_final_reading,
           seals=old_seals, reason=swap.reason or "swap", swap_id=swap.id)
    new = asset_of_meter(db, swap.new_meter_id, operator_id=operator_id, field="new_meter_id")
    record(db, new, EventKind.COMMISSIONED, operator_id=operator_id,
           reading=swap.new_start_reading, seals=new_seals, reason=swap.reason or "swap",
           swap_id=swap.id)


def check_installed(db: Session, meter: Meter, field: str) -> None:
    """Only a meter whose device is on its bus can serve an account."""
    state = asset_state_of(db, meter.id)
    if state != AssetState.INSTALLED:
        raise RuleViolation("Meter {serial} is {status}, not available for an account.",
                            field=field, serial=meter.serial_number, status=state.value)
