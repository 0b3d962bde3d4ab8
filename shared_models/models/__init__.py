"""Every table, imported here so Alembic and callers see one complete MetaData."""

from shared_models.models.access import ApiToken, Operator, operator_sites
from shared_models.models.audit import AuditEntry
from shared_models.models.idempotency import IdempotencyRecord
from shared_models.models.registry import (
    Building,
    Bus,
    Floor,
    Gateway,
    Meter,
    Site,
    Unit,
)

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Building",
    "Bus",
    "Floor",
    "Gateway",
    "IdempotencyRecord",
    "Meter",
    "Operator",
    "Site",
    "Unit",
    "operator_sites",
]
