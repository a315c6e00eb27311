# ruff: noqa: F811  (the clock-driven fixtures are imported from test_services_with_clock)
"""Scan to unlock in one round trip: the claim guards the door, and a crash between the publish and the
bookkeeping is reconciled by the door events, or by the scheduled job when the door never opened."""

from __future__ import annotations

import re

import pytest

from chalicelib.services import locker_codes
from chalicelib.services.audit import history, request_subject
from chalicelib.services.jobs import run_scheduled_job
from chalicelib.services.request_records import get_request
from tests.conftest import outbox
from tests.integration.test_services_with_clock import deps, event, in_locker, locker  # noqa: F401


class Crash(BaseException):
    """The Lambda dying right after the publish (not an Exception: nothing may catch it)."""


def pin_of(stack, phone: str) -> str:
    body = [m for m in outbox(stack) if m["to"] == "+40" + phone.replace(" ", "")[1:]][-1]["body"]
    return re.search(r"PIN (\d{8})", body).group(1)


@pytest.fixture()
def crash_after_publish(monkeypatch):
    def crash(*args, **kwargs):
        raise Crash()

    monkeypatch.setattr(locker_codes, "_confirm", crash)


def test_a_crash_after_the_publish_is_reconciled_by_the_door_events(
    stack, deps, locker, crash_after_publish, monkeypatch
):
    record = in_locker(deps, locker, "0722 559 001")
    with pytest.raises(Crash):
        event(deps, locker.locker_id, "pin", code=pin_of(stack, "0722 559 001"))
    unlock = locker.next_command()
    assert unlock["type"] == "unlock" and get_request(deps, record.id).pickup_cmd is None  # no bookkeeping yet
    monkeypatch.undo()  # a new Lambda handles the door events
    event(deps, locker.locker_id, "door_opened", compartment=record.compartment, cmd=unlock["id"])
    assert event(deps, locker.locker_id, "door_closed", compartment=record.compartment, cmd=unlock["id"]) == (
        "collected"
    )
    actions = [h["action"] for h in history(deps, request_subject(record.id))]
    assert "pickup_unlock" in actions and "collect_from_locker" in actions


# A handler process, as the Lambda: it answers one pin event and is killed (SIGKILL) the moment the unlock
# is out, before any of the bookkeeping is written.
KILLED_AFTER_PUBLISH = """
import json, os, signal, sys
from chalicelib.config import load_settings
from chalicelib.services import locker_codes
from chalicelib.services.locker_events import handle_locker_event
from chalicelib.wiring import build_deps

locker_codes._confirm = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
env, locker, payload = json.loads(sys.stdin.read())
handle_locker_event(build_deps(load_settings(env)), locker, payload)
"""


def test_a_handler_process_killed_after_the_publish_is_reconciled_by_the_door_events(stack, deps, locker):
    import json
    import subprocess
    import sys
    import time
    import uuid

    record = in_locker(deps, locker, "0722 559 004")
    payload = {"v": 1, "id": uuid.uuid4().hex, "type": "pin", "ts": int(time.time() * 1000)}
    payload["code"] = pin_of(stack, "0722 559 004")
    handler = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_PUBLISH],
        input=json.dumps([stack.env(), locker.locker_id, payload]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert handler.returncode == -9, handler.stderr  # killed, not finished
    unlock = locker.next_command()
    assert unlock["type"] == "unlock" and unlock["re"] == payload["id"]
    assert get_request(deps, record.id).pickup_cmd is None  # nothing of the bookkeeping was written
    event(deps, locker.locker_id, "door_opened", compartment=record.compartment, cmd=unlock["id"])
    closed = event(deps, locker.locker_id, "door_closed", compartment=record.compartment, cmd=unlock["id"])
    assert closed == "collected" and get_request(deps, record.id).status == "collected"
    actions = [h["action"] for h in history(deps, request_subject(record.id))]
    assert "pickup_unlock" in actions and "collect_from_locker" in actions
    # the same event delivered again (the IoT rule retries a failed invocation): no second door
    assert locker_codes.on_code(deps, _event_of(locker.locker_id, payload)) == "duplicate"
    assert locker.no_command(0.3)


def _event_of(locker_id: str, payload: dict) -> object:
    from chalicelib.domain.protocol import parse_event

    return parse_event(payload, locker_id)


def test_a_crash_before_the_door_opened_gives_the_codes_back_after_ten_minutes(
    stack, deps, locker, crash_after_publish, monkeypatch
):
    record = in_locker(deps, locker, "0722 559 002")
    pin = pin_of(stack, "0722 559 002")
    with pytest.raises(Crash):
        event(deps, locker.locker_id, "pin", code=pin)
    locker.next_command()  # the locker never opened the door
    monkeypatch.undo()
    assert event(deps, locker.locker_id, "pin", code=pin) == "reject:used"
    locker.next_command()
    deps.clock.advance(11 * 60_000)
    assert run_scheduled_job(deps)["unconfirmed_claims"] >= 1
    assert event(deps, locker.locker_id, "pin", code=pin) == "unlock"
    assert get_request(deps, record.id).status == "in_locker"


def test_another_event_with_a_used_code_is_rejected_used_and_a_duplicate_gets_nothing(stack, deps, locker):
    import uuid

    in_locker(deps, locker, "0722 559 003")
    pin = pin_of(stack, "0722 559 003")
    first = uuid.uuid4().hex
    assert event(deps, locker.locker_id, "pin", code=pin, id=first) == "unlock"
    locker.next_command()
    assert event(deps, locker.locker_id, "pin", code=pin, id=first) == "duplicate"
    assert locker.no_command(0.3)
    assert event(deps, locker.locker_id, "pin", code=pin) == "reject:used"
    assert locker.next_command()["reason"] == "used"
