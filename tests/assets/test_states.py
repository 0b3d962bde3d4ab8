"""The asset state machine: every move the table allows, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_models.assets.states import FINAL, MOVES, allowed_events, next_state
from shared_models.enums import AssetState as S
from shared_models.errors import RuleViolation
from shared_models.models.assets import EventKind as E

# The lifecycle of CIS.md, written out move by move (the table under test must equal it).
EXPECTED = {
    (S.ARRIVED, E.VERIFIED): S.IN_STOCK, (S.ARRIVED, E.FAILED_VERIFICATION): S.IN_REPAIR,
    (S.ARRIVED, E.RETURNED): S.RETURNED,
    (S.IN_STOCK, E.DISPATCHED): S.DISPATCHED, (S.IN_STOCK, E.SENT_TO_REPAIR): S.IN_REPAIR,
    (S.IN_STOCK, E.SCRAPPED): S.SCRAPPED,
    (S.DISPATCHED, E.INSTALLED): S.INSTALLED, (S.DISPATCHED, E.RECALLED): S.IN_STOCK,
    (S.INSTALLED, E.REMOVED): S.REMOVED, (S.INSTALLED, E.COMMISSIONED): S.INSTALLED,
    (S.REMOVED, E.VERIFIED): S.IN_STOCK, (S.REMOVED, E.FAILED_VERIFICATION): S.IN_REPAIR,
    (S.REMOVED, E.SENT_TO_REPAIR): S.IN_REPAIR, (S.REMOVED, E.SCRAPPED): S.SCRAPPED,
    (S.IN_REPAIR, E.VERIFIED): S.IN_STOCK, (S.IN_REPAIR, E.FAILED_VERIFICATION): S.IN_REPAIR,
    (S.IN_REPAIR, E.RETURNED): S.RETURNED, (S.IN_REPAIR, E.SCRAPPED): S.SCRAPPED,
}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("event", list(E))
def test_every_pair_of_state_and_event_is_allowed_exactly_as_written(state, event):
    if (state, event) in EXPECTED:
        assert next_state(state, event) == EXPECTED[(state, event)]
    else:
        with pytest.raises(RuleViolation) as refused:
            next_state(state, event)
        assert refused.value.field == "state"


@given(st.lists(st.sampled_from(list(E)), max_size=40))
def test_any_sequence_of_events_stays_inside_the_machine(events):
    state = S.ARRIVED
    for event in events:
        if event in allowed_events(state):
            after = next_state(state, event)
            assert (state, event) in EXPECTED and after == EXPECTED[(state, event)]
            state = after
        else:
            with pytest.raises(RuleViolation):
                next_state(state, event)
    # an installed meter got there through a dispatch; nothing leaves a final state
    assert not (FINAL & {state}) or allowed_events(state) == []


def test_final_states_accept_nothing_and_only_installs_put_a_meter_on_a_bus():
    assert all(allowed_events(state) == [] for state in FINAL)
    into_installed = {(s, e) for e, moves in MOVES.items() for s, t in moves.items()
                      if t == S.INSTALLED}
    assert into_installed == {(S.DISPATCHED, E.INSTALLED), (S.INSTALLED, E.COMMISSIONED)}
