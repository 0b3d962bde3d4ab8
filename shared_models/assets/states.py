"""The asset state machine: which event moves an asset from which state to which (no I/O)."""

from __future__ import annotations

from shared_models.enums import AssetState as S
from shared_models.errors import RuleViolation
from shared_models.models.assets import EventKind as E

# event -> {from state: to state}. Nothing moves an asset except through this table.
MOVES: dict[E, dict[S, S]] = {
    E.VERIFIED: {S.ARRIVED: S.IN_STOCK, S.REMOVED: S.IN_STOCK, S.IN_REPAIR: S.IN_STOCK},
    E.FAILED_VERIFICATION: {S.ARRIVED: S.IN_REPAIR, S.REMOVED: S.IN_REPAIR,
                            S.IN_REPAIR: S.IN_REPAIR},
    E.RETURNED: {S.ARRIVED: S.RETURNED, S.IN_REPAIR: S.RETURNED},
    E.DISPATCHED: {S.IN_STOCK: S.DISPATCHED},
    E.RECALLED: {S.DISPATCHED: S.IN_STOCK},
    E.INSTALLED: {S.DISPATCHED: S.INSTALLED},
    # A swap puts a meter already on its bus onto an account: recorded, the state stays.
    E.COMMISSIONED: {S.INSTALLED: S.INSTALLED},
    E.REMOVED: {S.INSTALLED: S.REMOVED},
    E.SENT_TO_REPAIR: {S.REMOVED: S.IN_REPAIR, S.IN_STOCK: S.IN_REPAIR},
    E.SCRAPPED: {S.IN_STOCK: S.SCRAPPED, S.REMOVED: S.SCRAPPED, S.IN_REPAIR: S.SCRAPPED},
}
# How assets come into being: a batch's arrival, or a meter met on a bus with no asset record.
BIRTHS: dict[E, S] = {E.ARRIVED: S.ARRIVED, E.REGISTERED: S.INSTALLED}
FINAL = frozenset({S.SCRAPPED, S.RETURNED})


def next_state(state: S, event: E) -> S:
    """The state `event` leads to from `state`; RuleViolation when the machine has no such move."""
    target = MOVES.get(event, {}).get(state)
    if target is None:
        raise RuleViolation("A meter that is {state} cannot be {event}.", field="state",
                            state=state.value.replace("_", " "),
                            event=event.value.replace("_", " "))
    return target


def allowed_events(state: S) -> list[E]:
    """The events an asset in `state` accepts, in the machine's order."""
    return [event for event, moves in MOVES.items() if state in moves]
