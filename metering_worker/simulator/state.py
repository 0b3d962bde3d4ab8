"""A simulated meter's persistent state and the atomic JSON file that keeps it across restarts."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STATE_FILE = "meters.json"


@dataclass
class MeterState:
    """Everything a meter keeps in non-volatile memory. Money in micro-yuan, energy in joules."""

    sim_time: float
    joules: list[float] = field(default_factory=lambda: [0.0] * 4)  # rates 1-4
    billed_hundredths: list[int] = field(default_factory=lambda: [0] * 4)
    balance_micro: int = 0
    purchase_count: int = 0
    last_sequence: int = 0
    last_result: int = 0
    command_sequence: int | None = None  # last authenticated command, for repeats
    command_result: int = 0
    relay_open: bool = False
    open_commanded: bool = False
    remote_latched: bool = False
    protect: bool = False  # 保电
    prepaid_tripped: bool = False
    overload_trip: bool = False
    overload_since: float | None = None
    overload_trip_at: float | None = None
    mac_failed: bool = False
    alarm_output: bool = False
    event_counter: int = 0
    clock_offset: float = 0.0
    clock_anchor: float = 0.0
    settings: list[int] | None = None
    tariff: dict[str, list[int]] = field(default_factory=dict)  # start address (hex) -> regs
    mailboxes: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MeterState:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class StateStore:
    """All meters of a fleet in one JSON file, keyed by serial, replaced atomically."""

    def __init__(self, directory: str | Path | None) -> None:
        self.path = Path(directory) / STATE_FILE if directory else None

    def load(self) -> dict[str, MeterState]:
        if self.path is None or not self.path.exists():
            return {}
        with self.path.open(encoding="utf-8") as handle:
            raw = json.load(handle)
        return {serial: MeterState.from_dict(data) for serial, data in raw["meters"].items()}

    def save(self, states: dict[str, MeterState]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"version": 1, "meters": {s: st.to_dict() for s, st in states.items()}}
        # Write a sibling temp file, fsync, then rename over: a crash never leaves half a file.
        fd, tmp = tempfile.mkstemp(prefix=".meters-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        log.debug("saved %s meters to %s", len(states), self.path)
