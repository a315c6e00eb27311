"""Drop-off through the real stack with only HTTP and a plain MQTT client standing in for the locker (issue 14):
citizen session → a request with intake ``locker`` → the checklist answered → the drop-off code by SMS → ``pin``
→ ``unlock`` purpose ``dropoff`` → ack and door events → the registration SMS with date and time → staff
retrieve → ``unlock`` purpose ``retrieve`` → door closed → ``in_review`` → incomplete → the SMS listing what is
missing. And the codes that must not open: used, expired, unknown, and a locker with no free compartment."""

from __future__ import annotations

import re
import time
from typing import Any

from devstack.stack import LocalStack
from tests.conftest import wait_until
from tests.integration.test_online_requests import ANSWERS, SERVICE, citizen, new_phone, sms_to
from tests.support.api import Api
from tests.support.mqtt_locker import MqttLocker

FILE = [
    "cerere-tip",
    "dovada-platii",
    "plan-situatie-1-2000",
    "plan-situatie-1-500",
    "extras-plan-cadastral",
    "extras-carte-funciara",
]


def drop_off_code(stack: LocalStack, api: Api, phone: str, locker: MqttLocker, size: str = "S") -> tuple[str, str]:
    """A draft with intake locker, the code asked for: (request id, PIN from the SMS)."""
    created = api.post("/api/citizen/requests", {"serviceId": SERVICE, "answers": ANSWERS, "intake": "locker"})
    assert created.status == 201 and created["status"] == "draft", created
    reply = api.post(
        f"/api/citizen/requests/{created['id']}/dropoff",
        {"lockerId": locker.locker_id, "size": size, "documents": FILE},
    )
    assert reply.status == 201 and reply["expiresAt"] > time.time() * 1000 + 23 * 3600_000, reply
    assert "PIN" not in str(reply.body)  # the code goes by SMS only
    text = sms_to(stack, phone, "cod depunere")
    assert len(text) <= 160
    return str(created["id"]), re.search(r"PIN (\d{8})", text).group(1)  # type: ignore[union-attr]


def door_cycle(locker: MqttLocker, command: dict[str, Any]) -> None:
    locker.publish("ack", cmd=command["id"], result="executed")
    locker.publish("door_opened", compartment=command["compartment"], cmd=command["id"])
    locker.publish("door_closed", compartment=command["compartment"], cmd=command["id"])


def test_a_file_dropped_off_at_the_locker_is_registered_collected_and_found_incomplete(
    stack: LocalStack, new_locker: Any, clerk: Api
) -> None:
    locker = new_locker("S2 M1")
    phone = new_phone()
    api = citizen(stack, phone)
    incomplete = api.post("/api/citizen/requests", {"serviceId": SERVICE, "answers": ANSWERS, "intake": "locker"})
    refused = api.post(
        f"/api/citizen/requests/{incomplete['id']}/dropoff",
        {"lockerId": locker.locker_id, "size": "S", "documents": FILE[:4]},
    )
    assert refused.status == 409 and refused["missing"] == ["extras-plan-cadastral", "extras-carte-funciara"]
    assert "lipsesc" in refused["messageRo"]
    request_id, pin = drop_off_code(stack, api, phone, locker)

    locker.publish("pin", code=pin)
    unlock = locker.next_command()
    assert unlock["type"] == "unlock" and unlock["purpose"] == "dropoff", unlock
    assert api.get(f"/api/citizen/requests/{request_id}")["status"] == "draft"  # until the door closes
    door_cycle(locker, unlock)
    text = sms_to(stack, phone, "dosar depus")
    record = wait_until(lambda: (r := clerk.get(f"/api/requests/{request_id}")).body["status"] == "registered" and r)
    number = record["registrationNumber"]
    assert number in text and re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", text) and "Certificat de urbanism" in text
    assert len(text) <= 160
    mine = api.get(f"/api/citizen/requests/{request_id}")
    assert mine["status"] == "registered" and mine["registrationNumber"] == number

    locker.publish("pin", code=pin)  # the code is used up
    assert locker.next_command()["reason"] == "used"

    waiting = clerk.get("/api/dropoffs")["lockers"]
    group = next(g for g in waiting if g["lockerId"] == locker.locker_id)
    assert [f["id"] for f in group["files"]] == [request_id]
    assert group["files"][0]["compartment"] == unlock["compartment"]
    assert clerk.post(f"/api/requests/{request_id}/retrieve").status == 202
    retrieve = locker.next_command()
    assert retrieve["purpose"] == "retrieve" and retrieve["compartment"] == unlock["compartment"]
    door_cycle(locker, retrieve)
    wait_until(lambda: clerk.get(f"/api/requests/{request_id}")["status"] == "in_review")
    assert clerk.get(f"/api/requests/{request_id}")["department"] == "ps2-urbanism"

    asked = clerk.post(f"/api/requests/{request_id}/ask", {"documents": ["extras-carte-funciara"], "message": ""})
    assert asked.status == 200 and asked["status"] == "awaiting_documents", asked
    missing = sms_to(stack, phone, "lipse")
    assert "Extras de carte funciara" in missing and number in missing and len(missing) <= 160
    assert locker.no_command(0.2)


def test_used_expired_unknown_codes_and_a_full_locker_never_open(
    stack: LocalStack, new_locker: Any, clerk: Api
) -> None:
    locker = new_locker("S1")
    first, second = new_phone(), new_phone()
    api1, api2 = citizen(stack, first), citizen(stack, second)
    _, pin1 = drop_off_code(stack, api1, first, locker)
    _, pin2 = drop_off_code(stack, api2, second, locker)
    locker.publish("pin", code=pin1)
    unlock = locker.next_command()
    assert unlock["purpose"] == "dropoff"
    door_cycle(locker, unlock)
    sms_to(stack, first, "dosar depus")
    locker.publish("pin", code=pin2)  # the only compartment holds the first citizen's file
    full = locker.next_command()
    assert full["type"] == "reject" and full["reason"] == "full" and "Registratura" in full["message"]
    unknown = "00000000" if pin2 != "00000000" else "11111111"
    locker.publish("pin", code=unknown)
    assert locker.next_command()["reason"] == "invalid_code"
    locker.publish("scan", code="not-a-drop-off-token")
    assert locker.next_command()["reason"] == "invalid_code"
    assert locker.no_command(0.2)
