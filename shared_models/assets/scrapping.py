"""Scrapping (报废) with a second person's approval."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.assets import lifecycle
from shared_models.assets.states import next_state
from shared_models.errors import Conflict, RuleViolation
from shared_models.models import ScrapRequest
from shared_models.models.assets import EventKind, ScrapState
from shared_models.registry import get
from shared_models.types import utcnow


def request(db: Session, asset_id: int, reason: str, *, operator_id: int | None) -> ScrapRequest:
    """Ask for an asset to be scrapped; it stays where it is until another person approves."""
    asset = lifecycle.lock(db, asset_id)
    next_state(asset.state, EventKind.SCRAPPED)
    if db.scalar(select(ScrapRequest.id).where(ScrapRequest.asset_id == asset.id,
                                               ScrapRequest.state == ScrapState.PENDING)):
        raise Conflict("A scrap request for this meter is already waiting.", field="asset_id")
    row = ScrapRequest(asset_id=asset.id, reason=reason, requested_by_id=operator_id)
    db.add(row)
    db.flush()
    return row


def _pending(db: Session, request_id: int) -> ScrapRequest:
    row = get(db, ScrapRequest, request_id, lock=True)
    if row.state != ScrapState.PENDING:
        raise RuleViolation("This scrap request is already {state}.", state=row.state.value)
    return row


def approve(db: Session, request_id: int, *, operator_id: int) -> ScrapRequest:
    """A second person approves: the asset is scrapped for good."""
    row = _pending(db, request_id)
    if row.requested_by_id == operator_id:
        raise RuleViolation("A scrapping must be approved by another person.")
    asset = lifecycle.lock(db, row.asset_id)
    lifecycle.record(db, asset, EventKind.SCRAPPED, operator_id=operator_id, reason=row.reason)
    row.state, row.decided_by_id, row.decided_at = ScrapState.APPROVED, operator_id, utcnow()
    db.flush()
    return row


def reject(db: Session, request_id: int, *, operator_id: int) -> ScrapRequest:
    row = _pending(db, request_id)
    row.state, row.decided_by_id, row.decided_at = ScrapState.REJECTED, operator_id, utcnow()
    db.flush()
    return row
