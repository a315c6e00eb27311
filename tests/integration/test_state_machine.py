# ruff: noqa: F811  (the clock-driven fixtures are imported from test_services_with_clock)
"""One state machine: edit the transition table and every path that changes a status obeys it.

Each test removes one action's allowed source statuses (as a later edit of the table would) and checks
that the service using that action refuses and writes nothing.
"""

from __future__ import annotations

import re

import pytest

from chalicelib.domain import lifecycle
from chalicelib.domain.errors import IllegalTransition
from chalicelib.services.deposit import deposit_documents
from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.jobs import run_scheduled_job
from chalicelib.services.request_records import get_request
from tests.conftest import outbox
from tests.integration.test_services_with_clock import DAY, deps, event, in_locker, locker  # noqa: F401


@pytest.fixture()
def forbid(monkeypatch):
    def make(action: str) -> None:
        _, target = lifecycle._TRANSITIONS[action]
        monkeypatch.setitem(lifecycle._TRANSITIONS, action, ((), target))

    return make


def test_mark_ready_obeys_the_table(deps, forbid):
    record = register_request(deps, "clerk", NewRequest("Ana Pop", "0722 557 001", "Act"))
    forbid("ready")
    with pytest.raises(IllegalTransition):
        mark_ready(deps, "clerk", record.id)
    assert get_request(deps, record.id).status == "registered"


def test_deposit_obeys_the_table(deps, locker, forbid):
    record = register_request(deps, "clerk", NewRequest("Ana Pop", "0722 557 002", "Act"))
    mark_ready(deps, "clerk", record.id)
    forbid("reserve")
    with pytest.raises(IllegalTransition):
        deposit_documents(deps, "clerk", record.id, locker.locker_id)
    assert get_request(deps, record.id).status == "ready" and locker.no_command(0.3)


def test_the_door_closing_on_a_deposit_obeys_the_table(deps, locker, forbid):
    record = register_request(deps, "clerk", NewRequest("Ana Pop", "0722 557 003", "Act"))
    mark_ready(deps, "clerk", record.id)
    compartment = deposit_documents(deps, "clerk", record.id, locker.locker_id)
    forbid("deposit_confirmed")
    cmd = get_request(deps, record.id).deposit_cmd
    assert event(deps, locker.locker_id, "door_closed", compartment=compartment, cmd=cmd) == "illegal_transition"
    assert get_request(deps, record.id).status == "reserved"


def test_the_door_closing_on_a_pickup_obeys_the_table(stack, deps, locker, forbid):
    record = in_locker(deps, locker, "0722 557 004")
    body = [m for m in outbox(stack) if m["to"] == "+40722557004"][-1]["body"]
    assert event(deps, locker.locker_id, "pin", code=re.search(r"PIN (\d{8})", body).group(1)) == "unlock"
    unlock = locker.next_command()
    forbid("collect_from_locker")
    outcome = event(deps, locker.locker_id, "door_closed", compartment=record.compartment, cmd=unlock["id"])
    assert outcome == "illegal_transition" and get_request(deps, record.id).status == "in_locker"


def test_expiry_obeys_the_table_and_the_job_goes_on(deps, locker, forbid):
    record = in_locker(deps, locker, "0722 557 005")
    forbid("expire")
    deps.clock.advance(8 * DAY)
    run_scheduled_job(deps)
    assert get_request(deps, record.id).status == "in_locker"
