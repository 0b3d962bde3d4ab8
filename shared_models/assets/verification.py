"""Verification (检定) records and the certificate a disputing tenant can be shown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.assets import lifecycle
from shared_models.errors import NotFound, RuleViolation
from shared_models.models import ArrivalBatch, Meter, MeterAsset, Verification
from shared_models.models.assets import BatchState, EventKind, Outcome
from shared_models.types import utcnow

RECORD_FIELDS = ("verified_on", "laboratory", "certificate_number", "result", "error_percent",
                 "accuracy_class", "seals", "next_due")


def verify(db: Session, asset_id: int, values: dict[str, Any], *,
           operator_id: int | None) -> Verification:
    """Record a verification: passed puts the meter in stock, failed sends it to repair."""
    asset = lifecycle.lock(db, asset_id)
    if asset.batch_id is not None and db.get(ArrivalBatch, asset.batch_id).state \
            == BatchState.RECEIVED:
        raise RuleViolation("The meter's batch has not passed its acceptance sample yet.",
                            field="asset_id")
    next_due = values.get("next_due")
    if next_due is not None and next_due <= values["verified_on"]:
        raise RuleViolation("The next verification falls after this one.", field="next_due")
    row = Verification(asset_id=asset.id, verified_by_id=operator_id,
                       **{k: values[k] for k in RECORD_FIELDS if k in values})
    row.error_percent = Decimal(str(values["error_percent"])).quantize(Decimal("0.001"))
    db.add(row)
    passed = Outcome(values["result"]) == Outcome.PASSED
    lifecycle.record(db, asset, EventKind.VERIFIED if passed else EventKind.FAILED_VERIFICATION,
                     operator_id=operator_id, seals=values.get("seals", ""),
                     reason=f"certificate {values['certificate_number']}")
    if passed:
        asset.verified_on, asset.next_due = values["verified_on"], next_due
    db.flush()
    return row


def certificate_of_meter(db: Session, meter: Meter) -> dict[str, Any]:
    """The certificate of the device a registry meter is (read only: no asset is made here)."""
    asset = db.scalar(select(MeterAsset).where(MeterAsset.meter_id == meter.id))
    if asset is None:
        raise NotFound("No verification is recorded for meter {serial}.",
                       serial=meter.serial_number)
    return certificate(db, asset)


def certificate(db: Session, asset: MeterAsset) -> dict[str, Any]:
    """The meter's latest verification, as shown to a tenant who disputes its readings."""
    latest = db.scalar(select(Verification).where(Verification.asset_id == asset.id)
                       .order_by(Verification.verified_on.desc(), Verification.id.desc()).limit(1))
    if latest is None:
        raise NotFound("No verification is recorded for meter {serial}.",
                       serial=asset.serial_number)
    return {"asset_id": asset.id, "serial_number": asset.serial_number, "model": asset.model,
            "meter_id": asset.meter_id, "state": asset.state, "verification": latest,
            "valid": latest.result == Outcome.PASSED
            and (latest.next_due is None or latest.next_due >= utcnow().date())}
