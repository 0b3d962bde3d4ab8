"""The parts the sweep calls but does not own: the command transport and settlement.

Both are written alongside the poller; until a part is in the tree the sweep runs without it
(logged once), so polling works on its own.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from types import ModuleType

log = logging.getLogger(__name__)


@cache
def _optional(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        log.warning("%s is not installed; sweeps run without it", module)
        return None


def transport() -> ModuleType | None:
    """metering_worker.transport: has_due_commands, run_due_commands, announce."""
    return _optional("metering_worker.transport")


def settlement() -> ModuleType | None:
    """shared_models.services.settlement: settle_meters."""
    return _optional("shared_models.services.settlement")
