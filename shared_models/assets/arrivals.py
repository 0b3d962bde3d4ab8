"""Arrival batches (到货) and their acceptance sampling (抽检)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.assets import lifecycle
from shared_models.enums import AssetState
from shared_models.errors import Conflict, RuleViolation
from shared_models.models import AcceptanceSample, ArrivalBatch, MeterAsset
from shared_models.models.assets import BatchState, EventKind, Outcome
from shared_models.registry import get

BATCH_FIELDS = ("number", "supplier", "model", "arrived_on", "note")


def check_serials(serials: list[str], quantity: int) -> None:
    """A batch lists each of its meters once, exactly as many as it says it holds."""
    if len(set(serials)) != len(serials):
        raise RuleViolation("A serial number is listed twice.", field="serials")
    if len(serials) != quantity:
        raise RuleViolation("The batch holds {quantity} meters but lists {count} serial numbers.",
                            field="serials", quantity=quantity, count=len(serials))


def receive(db: Session, values: dict[str, Any], *, operator_id: int | None) -> ArrivalBatch:
    """Record a batch and one arrived asset per serial number."""
    serials = list(values["serials"])
    check_serials(serials, values["quantity"])
    if db.scalar(select(ArrivalBatch.id).where(ArrivalBatch.number == values["number"])):
        raise Conflict("Batch number {number} is already recorded.", field="number",
                       number=values["number"])
    taken = db.scalars(select(MeterAsset.serial_number)
                       .where(MeterAsset.serial_number.in_(serials)).limit(1)).first()
    if taken:
        raise Conflict("Serial number {serial} is already a metering asset.", field="serials",
                       serial=taken)
    batch = ArrivalBatch(quantity=len(serials), created_by_id=operator_id,
                         **{k: values[k] for k in BATCH_FIELDS if k in values})
    db.add(batch)
    db.flush()
    for serial in serials:
        lifecycle.create(db, EventKind.ARRIVED, operator_id=operator_id, serial_number=serial,
                         model=batch.model, batch_id=batch.id)
    return batch


def sample(db: Session, batch_id: int, values: dict[str, Any], *,
           operator_id: int | None) -> AcceptanceSample:
    """Record an acceptance sample. A failed sample refuses the batch: its meters not yet
    verified go back to the supplier."""
    batch = get(db, ArrivalBatch, batch_id, lock=True)
    if batch.state != BatchState.RECEIVED:
        raise RuleViolation("The batch is already {state}.", state=batch.state.value)
    passed, failed = values["passed"], values["failed"]
    size = passed + failed
    if size < 1 or size > batch.quantity:
        raise RuleViolation("A sample tests between 1 and {quantity} meters.", field="passed",
                            quantity=batch.quantity)
    outcome = Outcome(values.get("outcome") or (Outcome.FAILED if failed else Outcome.PASSED))
    row = AcceptanceSample(batch_id=batch.id, sample_size=size, passed=passed, failed=failed,
                           outcome=outcome, note=values.get("note", ""), checked_by_id=operator_id)
    db.add(row)
    if outcome == Outcome.PASSED:
        batch.state = BatchState.ACCEPTED
    else:
        batch.state = BatchState.REJECTED
        for asset in db.scalars(select(MeterAsset).where(
                MeterAsset.batch_id == batch.id, MeterAsset.state == AssetState.ARRIVED)
                .with_for_update()):
            lifecycle.record(db, asset, EventKind.RETURNED, operator_id=operator_id,
                             reason=f"batch {batch.number} refused at acceptance")
    db.flush()
    return row


def counts_by_state(db: Session, batch_id: int) -> dict[str, int]:
    rows = db.execute(select(MeterAsset.state, func.count()).where(MeterAsset.batch_id == batch_id)
                      .group_by(MeterAsset.state))
    return {state.value: count for state, count in rows}
