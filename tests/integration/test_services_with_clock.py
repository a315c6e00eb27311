"""Time-dependent rules through the real emulator: the services run in-process with a clock the test moves.

DynamoDB and SNS are the local AWS emulator over HTTP; commands go through
Mosquitto. Only the clock is ours, so a week can pass in a test.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.config import load_settings
from chalicelib.ports import RetryableSmsError
from chalicelib.services.deposit import deposit_documents, retrieve_documents
from chalicelib.services.desk import NewRequest, cancel_request, mark_ready, register_request
from chalicelib.services.jobs import run_scheduled_job
from chalicelib.services.locker_events import handle_locker_event
from chalicelib.services.notify import notifications_of
from chalicelib.services.request_records import get_request
from chalicelib.storage.models import ContactRecord
from chalicelib.wiring import build_deps
from tests.conftest import outbox
from tests.support.mqtt_locker import MqttLocker

DAY = 86_400_000


@dataclass
class FakeClock:
    now: int

    def now_ms(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@pytest.fixture()
def deps(stack, admin):
    d = build_deps(load_settings(stack.env()))
    d.clock = FakeClock(int(time.time() * 1000))
    d.sleep = lambda s: None
    return d


@pytest.fixture()
def locker(stack, admin, deps):
    locker_id = f"c-{uuid.uuid4().hex[:10]}"
    admin.post(
        "/api/lockers",
        {
            "id": locker_id,
            "name": "Dulap",
            "location": "Hol",
            "compartments": [{"id": f"A0{i}", "size": "S"} for i in range(1, 4)],
        },
    )
    stand_in = MqttLocker(stack.mqtt_port, locker_id)
    event(deps, locker_id, "heartbeat")
    yield stand_in
    stand_in.close()


def event(deps, locker_id: str, event_type: str, **fields: Any) -> str:
    payload = {
        "v": 1,
        "id": uuid.uuid4().hex,
        "seq": int(time.monotonic_ns() // 1000),
        "boot": "boot-1",
        "type": event_type,
        "ts": deps.now(),
        **fields,
    }
    return handle_locker_event(deps, locker_id, payload)


def in_locker(deps, stand_in: MqttLocker, phone: str = "0722 555 000"):
    record = register_request(deps, "clerk", NewRequest("Ana Pop", phone, "Autorizație"))
    mark_ready(deps, "clerk", record.id)
    compartment = deposit_documents(deps, "clerk", record.id, stand_in.locker_id)
    stand_in.next_command()
    cmd = get_request(deps, record.id).deposit_cmd
    assert event(deps, stand_in.locker_id, "door_closed", compartment=compartment, cmd=cmd) == "in_locker"
    return get_request(deps, record.id)


def templates(deps, request_id: str) -> list[str]:
    return [n["template"] for n in notifications_of(deps, request_id)]


def test_reminder_48h_before_deadline_is_sent_once(deps, locker):
    record = in_locker(deps, locker)
    run_scheduled_job(deps)
    assert templates(deps, record.id) == ["pickup_ready"]
    deps.clock.advance(5 * DAY + 1000)
    run_scheduled_job(deps)
    assert templates(deps, record.id).count("reminder") == 1
    run_scheduled_job(deps)  # other tests' requests share the tables: count this request's SMS only
    assert templates(deps, record.id).count("reminder") == 1


def test_overdue_request_expires_once_and_the_citizen_is_told(deps, locker):
    record = in_locker(deps, locker)
    deps.clock.advance(7 * DAY + 1000)
    run_scheduled_job(deps)
    run_scheduled_job(deps)
    assert get_request(deps, record.id).status == "expired"
    assert templates(deps, record.id).count("expired") == 1


def test_expired_code_is_rejected_at_the_locker(stack, deps, locker):
    record = in_locker(deps, locker, "0722 555 111")
    pin = re.search(r"PIN (\d{8})", [m for m in outbox(stack) if m["to"] == "+40722555111"][-1]["body"]).group(1)
    deps.clock.advance(7 * DAY + 1000)
    assert event(deps, locker.locker_id, "pin", code=pin) == "reject:expired"
    assert locker.next_command()["reason"] == "expired"
    assert get_request(deps, record.id).status == "in_locker"


def test_retrieve_of_an_expired_request_returns_it_to_the_counter(deps, locker):
    record = in_locker(deps, locker)
    deps.clock.advance(7 * DAY + 1000)
    run_scheduled_job(deps)
    compartment = retrieve_documents(deps, "clerk", record.id)
    command = locker.next_command()
    assert command["purpose"] == "retrieve" and command["compartment"] == compartment
    assert event(deps, locker.locker_id, "door_closed", compartment=compartment, cmd=command["id"]) == "returned"


def test_unacked_command_times_out_and_frees_the_compartment(deps, locker):
    record = register_request(deps, "clerk", NewRequest("Ana Pop", "0722 555 444", "Autorizație"))
    mark_ready(deps, "clerk", record.id)
    deposit_documents(deps, "clerk", record.id, locker.locker_id)
    deps.clock.advance(61_000)
    assert run_scheduled_job(deps)["timed_out_commands"] >= 1
    assert get_request(deps, record.id).status == "ready"


def test_phone_is_erased_after_the_retention_period(deps):
    record = register_request(deps, "clerk", NewRequest("Ion", "0722 555 666", "Act"))
    cancel_request(deps, "clerk", record.id)
    deps.clock.advance(29 * DAY)
    run_scheduled_job(deps)
    assert ContactRecord.get(record.id).phone == "+40722555666"
    assert ContactRecord.get(record.id).erase_at is not None  # TTL set as well
    deps.clock.advance(2 * DAY)
    run_scheduled_job(deps)
    with pytest.raises(ContactRecord.DoesNotExist):
        ContactRecord.get(record.id)
    assert get_request(deps, record.id).phone_mask is None
    assert get_request(deps, record.id).status == "cancelled"  # the record itself stays


@pytest.mark.reliability
def test_throttled_sms_is_retried_and_sent_once(deps, locker, stack):
    real = deps.sms
    calls = {"n": 0}

    class Throttled:
        def send(self, phone, body):
            calls["n"] += 1
            if calls["n"] <= 2:
                raise RetryableSmsError("Throttling")
            return real.send(phone, body)

        def ping(self):
            real.ping()

    deps.sms = Throttled()
    record = in_locker(deps, locker, "0722 555 777")
    sent = [m for m in outbox(stack) if m["to"] == "+40722555777"]
    assert len(sent) == 1
    note = notifications_of(deps, record.id)[0]
    assert note["status"] == "sent" and note["attempts"] == 3


@pytest.mark.reliability
def test_duplicate_and_malformed_events_change_nothing(deps, locker):
    payload = {"v": 1, "id": "dup-1", "type": "heartbeat", "ts": deps.now()}
    assert handle_locker_event(deps, locker.locker_id, payload) == "alive"
    assert handle_locker_event(deps, locker.locker_id, payload) == "duplicate"
    for bad in (b"\xff\xfe", b"{", b"[]", b"x" * 20000, '{"v":1,"type":"door_closed","id":"a","ts":1}'):
        assert handle_locker_event(deps, locker.locker_id, bad) == "malformed"
    assert event(deps, locker.locker_id, "door_opened", compartment="Z99") == "unknown_compartment"


@pytest.mark.reliability
def test_out_of_order_door_events_keep_the_latest_state(deps, locker, admin):
    base = {"v": 1, "boot": "b-order", "compartment": "A01"}
    closed = {**base, "id": uuid.uuid4().hex, "type": "door_closed", "seq": 10, "ts": deps.now()}
    opened = {**base, "id": uuid.uuid4().hex, "type": "door_opened", "seq": 9, "ts": deps.now() - 5}
    assert handle_locker_event(deps, locker.locker_id, closed) == "door_state"
    assert handle_locker_event(deps, locker.locker_id, opened) == "stale"
    view = admin.get(f"/api/lockers/{locker.locker_id}")
    assert next(c for c in view["compartments"] if c["id"] == "A01")["door"] == "closed"


def test_permanent_sms_failure_is_shown_to_staff(deps, locker, clerk):
    from chalicelib.ports import PermanentSmsError

    class Refused:
        def send(self, phone, body):
            raise PermanentSmsError("InvalidParameter")

        def ping(self):
            pass

    deps.sms = Refused()
    record = in_locker(deps, locker, "0722 555 888")
    note = notifications_of(deps, record.id)[0]
    assert note["status"] == "failed" and "InvalidParameter" in note["error"]
    tasks = clerk.get("/api/tasks").body
    assert record.id in [t["requestId"] for t in tasks["failedSms"]]


def test_expired_request_appears_in_staff_tasks(deps, locker, clerk):
    record = in_locker(deps, locker)
    deps.clock.advance(7 * DAY + 1000)
    run_scheduled_job(deps)
    assert record.id in [r["id"] for r in clerk.get("/api/tasks")["toRetrieve"]]


def test_no_sms_reaches_a_phone_past_its_erasure_time_even_before_ttl_deletes_it(deps, locker):
    from chalicelib.services.notify import notify, sms_context

    record = register_request(deps, "clerk", NewRequest("Ion", "0722 555 999", "Act"))
    cancel_request(deps, "clerk", record.id)
    deps.clock.advance(31 * DAY)
    assert (
        notify(deps, get_request(deps, record.id), "collected", sms_context(deps, get_request(deps, record.id))) is None
    )
    with pytest.raises(ContactRecord.DoesNotExist):
        ContactRecord.get(record.id)


def test_codes_can_be_reissued_when_the_pickup_sms_failed_and_the_old_pin_stops_working(stack, deps, locker):
    from chalicelib.ports import PermanentSmsError
    from chalicelib.services.deposit import reissue_codes

    real = deps.sms
    first_pin = {}

    class RefusedOnce:
        def send(self, phone, body):
            if not first_pin:
                first_pin["pin"] = re.search(r"PIN (\d{8})", body).group(1)
                raise PermanentSmsError("Carrier refused")
            return real.send(phone, body)

        def ping(self):
            pass

    deps.sms = RefusedOnce()
    record = in_locker(deps, locker, "0722 555 321")
    assert notifications_of(deps, record.id)[0]["status"] == "failed"
    reissue_codes(deps, "clerk", record.id)
    body = [m for m in outbox(stack) if m["to"] == "+40722555321"][-1]["body"]
    new_pin = re.search(r"PIN (\d{8})", body).group(1)
    assert event(deps, locker.locker_id, "pin", code=first_pin["pin"]) == "reject:invalid_code"
    locker.next_command()
    assert event(deps, locker.locker_id, "pin", code=new_pin) == "unlock"
    assert get_request(deps, record.id).deadline == record.deadline
