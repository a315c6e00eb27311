"""Malformed, unknown, duplicated and out-of-order locker traffic through Mosquitto never breaks the backend."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.conftest import deposited, register, wait_until

pytestmark = pytest.mark.reliability


def test_garbage_on_the_event_topic_is_recorded_and_changes_nothing(stack, clerk, new_locker):
    locker = new_locker("S2")
    created = register(clerk, phone="0722 888 001")
    clerk.post(f"/api/requests/{created['id']}/ready")
    reply = clerk.post(f"/api/requests/{created['id']}/deposit", {"lockerId": locker.locker_id})
    unlock = locker.next_command()

    garbage = [
        b"not json at all",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        json.dumps({"v": 1, "id": "x", "type": "explode", "ts": 1}).encode(),
        json.dumps({"v": 1, "id": "y", "type": "door_closed", "ts": 1}).encode(),  # no compartment
        json.dumps({"v": 9, "id": "z", "type": "pin", "code": "1", "ts": 1}).encode(),
        b'{"v":1,"id":"big","type":"scan","ts":1,"code":"' + b"A" * 20_000 + b'"}',
    ]
    for payload in garbage:
        locker.publish_raw(payload)
    locker.publish("door_closed", compartment="Z99", cmd=unlock["id"])  # unknown compartment
    locker.publish("door_opened", compartment=unlock["compartment"], cmd="no-such-command")
    locker.publish_raw(b"{}", channel="status")
    wait_until(
        lambda: (
            len(
                [a for a in clerk.get(f"/api/lockers/{locker.locker_id}")["alerts"] if a["action"] == "malformed_event"]
            )
            >= len(garbage)
        )
    )
    assert clerk.get(f"/api/requests/{created['id']}")["status"] == "reserved"
    assert reply.status == 202

    # the backend still works: the real door event completes the deposit
    locker.publish("door_closed", compartment=unlock["compartment"], cmd=unlock["id"])
    wait_until(lambda: clerk.get(f"/api/requests/{created['id']}")["status"] == "in_locker")


def test_events_for_an_unknown_locker_do_not_open_anything(stack, clerk):
    from tests.support.mqtt_locker import MqttLocker

    ghost = MqttLocker(stack.mqtt_port, f"ghost-{uuid.uuid4().hex[:6]}")
    try:
        ghost.heartbeat()
        ghost.publish("pin", code="12345678")
        command = ghost.next_command()
        assert command["type"] == "reject" and command["reason"] == "invalid_code"
    finally:
        ghost.close()


def test_duplicated_pickup_event_opens_the_door_once(stack, clerk, new_locker):
    locker = new_locker("S1")
    _, _, body = deposited(stack, clerk, locker, "0722 888 002")
    pin = re.search(r"PIN (\d{8})", body).group(1)
    event = locker.publish("pin", code=pin)
    locker.publish_raw(json.dumps(event))  # at-least-once delivery: the same event again
    first = locker.next_command()
    assert first["type"] == "unlock"
    assert locker.no_command(1.5), "a duplicated event produced a second command"


def test_a_deeply_nested_event_is_recorded_as_malformed_at_once(stack, clerk, new_locker):
    import time

    locker = new_locker("S1")
    started = time.monotonic()
    locker.publish_raw(b"[" * 8000)
    locker.publish_raw(b'{"a":' * 1600)
    wait_until(
        lambda: (
            len(
                [a for a in clerk.get(f"/api/lockers/{locker.locker_id}")["alerts"] if a["action"] == "malformed_event"]
            )
            == 2
        ),
        timeout=5,
    )
    assert time.monotonic() - started < 3, "the bridge must not stall on retries"
