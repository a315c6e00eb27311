"""Drop-off at the locker on in-memory stores (no sockets): the checklist gate, the code by SMS, a compartment
allocated when the code is used, registration when the door closes, staff's round, an incomplete or empty
file, and every way a code must not open a door."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from chalicelib.domain.errors import IllegalTransition, IncompleteFile, TooManyAttempts
from chalicelib.ports import StaffIdentity
from chalicelib.services import citizen_access, dropoff, dropoff_review, online_requests, online_review
from chalicelib.services.deposit import deposit_documents, retrieve_documents
from chalicelib.services.deps import Deps
from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.jobs import run_scheduled_job
from chalicelib.services.locker_events import handle_locker_event
from chalicelib.services.lockers import create_locker
from chalicelib.services.request_records import get_request
from chalicelib.services.tasks import staff_tasks
from tests.support.memory_deps import FakeClock, RecordingPublisher, RecordingSms, memory_deps

SERVICE = "certificat-de-urbanism"
ANSWERS = {
    "scop": "construire",
    "adresa_imobil": "Str. Avrig nr. 12",
    "suprafata_teren": 420,
    "modificari_fatada": "nu",
    "operatiuni_notariale": False,
}
FILE = [
    "cerere-tip",
    "dovada-platii",
    "plan-situatie-1-2000",
    "plan-situatie-1-500",
    "extras-plan-cadastral",
    "extras-carte-funciara",
]
URBANISM = StaffIdentity("urbanism", ("department", "dept:ps2-urbanism"))
CLERK = StaffIdentity("clerk", ("clerk",))


@pytest.fixture()
def deps() -> Deps:
    return memory_deps()


def sms(deps: Deps) -> RecordingSms:
    assert isinstance(deps.sms, RecordingSms)
    return deps.sms


def commands(deps: Deps, kind: str) -> list[dict[str, Any]]:
    assert isinstance(deps.publisher, RecordingPublisher)
    return deps.publisher.of_type(kind)


def a_locker(deps: Deps, sizes: str = "SSM") -> str:
    locker = f"t-{uuid.uuid4().hex[:6]}"
    compartments = [{"id": f"A0{i + 1}", "size": size, "accessible": False} for i, size in enumerate(sizes)]
    create_locker(deps, "admin", {"id": locker, "name": "Hol", "location": "Parter", "compartments": compartments})
    assert event(deps, locker, "heartbeat") == "alive"
    return locker


def event(deps: Deps, locker: str, kind: str, **fields: Any) -> str:
    payload = {"v": 1, "id": uuid.uuid4().hex, "type": kind, "ts": deps.now(), **fields}
    return handle_locker_event(deps, locker, payload)


def sign_in(deps: Deps, phone: str = "0722 123 456") -> citizen_access.Citizen:
    citizen_access.send_code(deps, phone, "10.0.0.1")
    code = re.search(r"\b(\d{6})\b", sms(deps).sent[-1][1]).group(1)  # type: ignore[union-attr]
    return citizen_access.check_citizen(deps, citizen_access.start_session(deps, phone, code, "10.0.0.1"))


def a_draft(deps: Deps, citizen: citizen_access.Citizen) -> str:
    body = {"serviceId": SERVICE, "answers": ANSWERS, "intake": "locker"}
    return online_requests.create_request(deps, citizen, body, intake="locker").id


def code_for(deps: Deps, citizen, request_id: str, locker: str, size: str = "S", documents=FILE) -> tuple[str, str]:
    """Ask for a drop-off code; returns the PIN and the QR token read from the SMS."""
    dropoff.request_dropoff(deps, citizen, request_id, {"lockerId": locker, "size": size, "documents": documents})
    text = sms(deps).sent[-1][1]
    pin = re.search(r"PIN (\d{8})", text).group(1)  # type: ignore[union-attr]
    token = re.search(r"/d/([A-Za-z0-9_-]+)", text).group(1)  # type: ignore[union-attr]
    return pin, token


def use_pin(deps: Deps, locker: str, pin: str) -> tuple[str, dict[str, Any]]:
    outcome = event(deps, locker, "pin", code=pin)
    sent = commands(deps, "unlock" if outcome == "unlock" else "reject")[-1]
    return outcome, sent


def drop(deps: Deps, locker: str, pin: str, seq: int = 1) -> tuple[str, str]:
    """Use the code, open and close the door; returns the compartment and the outcome of the close."""
    outcome, unlock = use_pin(deps, locker, pin)
    assert outcome == "unlock" and unlock["purpose"] == "dropoff", (outcome, unlock)
    compartment, cmd = unlock["compartment"], unlock["id"]
    event(deps, locker, "ack", cmd=cmd, result="executed")
    event(deps, locker, "door_opened", compartment=compartment, cmd=cmd, boot="b", seq=seq)
    return compartment, event(deps, locker, "door_closed", compartment=compartment, cmd=cmd, boot="b", seq=seq + 1)


def collect(deps: Deps, locker: str, request_id: str, seq: int) -> str:
    compartment = retrieve_documents(deps, "clerk", request_id)
    cmd = commands(deps, "unlock")[-1]
    assert cmd["purpose"] == "retrieve" and cmd["compartment"] == compartment
    event(deps, locker, "door_opened", compartment=compartment, cmd=cmd["id"], boot="b", seq=seq)
    return event(deps, locker, "door_closed", compartment=compartment, cmd=cmd["id"], boot="b", seq=seq + 1)


def test_a_missing_mandatory_document_stops_the_code_naming_it(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    with pytest.raises(IncompleteFile) as refused:
        dropoff.request_dropoff(deps, citizen, request_id, {"lockerId": locker, "size": "S", "documents": FILE[:-1]})
    assert refused.value.missing == ["extras-carte-funciara"]
    assert "Extras de carte funciară" in refused.value.message_ro or "carte funciar" in refused.value.message_ro
    assert get_request(deps, request_id).status == "draft" and not commands(deps, "unlock")


def test_the_file_is_registered_when_the_door_closes_and_the_citizen_gets_the_number(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, token = code_for(deps, citizen, request_id, locker)
    code_sms = sms(deps).sent[-1][1]
    assert len(code_sms) <= 160 and "valabil pana la" in code_sms
    assert get_request(deps, request_id).status == "draft"  # until the door closes on the file
    compartment, outcome = drop(deps, locker, pin)
    assert outcome == "registered"
    record = get_request(deps, request_id)
    assert record.status == "registered" and record.registration_number.startswith("PS2-")
    assert record.collect_from == locker and record.compartment == compartment and record.dropped_at
    text = sms(deps).sent[-1][1]
    assert record.registration_number in text and re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", text), text
    assert "Certificat de urbanism" in text and "lipseste ceva" in text and len(text) <= 160
    slot = deps.stores.lockers.compartment(locker, compartment)
    assert slot is not None and slot.occupied and slot.request_id == request_id
    # the code is used up: the PIN and the QR
    assert use_pin(deps, locker, pin)[1]["reason"] == "used"
    assert event(deps, locker, "scan", code=token) == "reject:used"


def test_staff_collect_the_file_and_an_incomplete_one_goes_back_to_the_citizen(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    compartment, _ = drop(deps, locker, pin)
    with pytest.raises(IllegalTransition):  # the department cannot take it while the file is in the locker
        online_review.assign(deps, URBANISM, request_id, "ps2-urbanism")
    listed = dropoff_review.to_collect(deps)
    assert [(g["lockerId"], [f["id"] for f in g["files"]]) for g in listed] == [(locker, [request_id])]
    assert collect(deps, locker, request_id, seq=10) == "in_review"
    record = get_request(deps, request_id)
    assert record.status == "in_review" and record.department == "ps2-urbanism"
    assert not record.collect_from and not record.compartment and dropoff_review.to_collect(deps) == []
    slot = deps.stores.lockers.compartment(locker, compartment)
    assert slot is not None and slot.request_id is None and not slot.occupied
    online_review.ask_for_documents(deps, URBANISM, request_id, ["extras-carte-funciara", "dovada-platii"], "")
    text = sms(deps).sent[-1][1]
    assert "lipsesc" in text and "Extras de carte funciara" in text and len(text) <= 160, text
    # the rest, dropped off with a new code: back in review, and in staff's round again
    pin2, _ = code_for(deps, citizen, request_id, locker, documents=["extras-carte-funciara", "dovada-platii"])
    _, outcome = drop(deps, locker, pin2, seq=20)
    assert outcome == "in_review" and "au ajuns in dulap" in sms(deps).sent[-1][1]
    assert collect(deps, locker, request_id, seq=30) == "in_review"
    assert get_request(deps, request_id).registration_number == record.registration_number


def test_no_free_compartment_of_that_size_is_full_and_the_code_stays_valid(deps):
    locker = a_locker(deps, sizes="SM")
    pins = []
    for n in range(3):
        citizen = sign_in(deps, f"0722 000 10{n}")
        request_id = a_draft(deps, citizen)
        pins.append((request_id, code_for(deps, citizen, request_id, locker, size="S")[0]))
    drop(deps, locker, pins[0][1], seq=1)
    drop(deps, locker, pins[1][1], seq=3)  # the M compartment takes an S envelope too
    outcome, reject = use_pin(deps, locker, pins[2][1])
    assert outcome == "reject:full" and "Registratura" in reject["message"] and "L-V" in reject["message"]
    staff_frees = pins[0][0]
    collect(deps, locker, staff_frees, seq=40)
    assert use_pin(deps, locker, pins[2][1])[0] == "unlock"  # the same code works once a compartment is free


def test_a_dropoff_code_never_opens_a_compartment_holding_someone_elses_documents(deps):
    locker = a_locker(deps, sizes="SS")
    pickup = register_request(deps, "clerk", NewRequest("Ion Pop", "0722 000 001", "Act"))
    mark_ready(deps, "clerk", pickup.id)
    held = deposit_documents(deps, "clerk", pickup.id, locker)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    compartment, _ = drop(deps, locker, pin)
    assert compartment != held
    citizen2 = sign_in(deps, "0722 999 888")
    other = a_draft(deps, citizen2)
    pin2, _ = code_for(deps, citizen2, other, locker)
    assert use_pin(deps, locker, pin2)[0] == "reject:full"  # both compartments hold documents


def test_expired_unknown_replaced_and_withdrawn_codes_never_open(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    old_pin, old_token = code_for(deps, citizen, request_id, locker)
    _, new_token = code_for(deps, citizen, request_id, locker)  # a new code replaces the old one
    assert use_pin(deps, locker, old_pin)[0] == "reject:invalid_code"
    assert event(deps, locker, "scan", code=old_token) == "reject:invalid_code"
    assert event(deps, locker, "scan", code="not-a-token") == "reject:invalid_code"
    clock = deps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(24 * 3_600_000 + 1)
    assert event(deps, locker, "heartbeat") == "alive"
    assert event(deps, locker, "scan", code=new_token) == "reject:expired"
    _, token = code_for(deps, citizen, request_id, locker)
    online_requests.withdraw(deps, citizen, request_id)
    assert event(deps, locker, "scan", code=token) == "reject:invalid_code"
    assert not commands(deps, "unlock")


def test_a_jammed_door_gives_the_code_back_and_its_compartment_waits_for_staff(deps):
    locker = a_locker(deps, sizes="SS")
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    outcome, unlock = use_pin(deps, locker, pin)
    assert outcome == "unlock"
    event(deps, locker, "ack", cmd=unlock["id"], result="rejected", reason="door_jammed")
    event(deps, locker, "fault", reason="door_jammed", compartment=unlock["compartment"], cmd=unlock["id"])
    slot = deps.stores.lockers.compartment(locker, unlock["compartment"])
    assert slot is not None and slot.request_id is None and slot.enabled is False  # out of service
    assert get_request(deps, request_id).status == "draft"
    outcome, again = use_pin(deps, locker, pin)  # the citizen tries again: another compartment
    assert outcome == "unlock" and again["compartment"] != unlock["compartment"]


def test_a_timed_out_unlock_keeps_the_compartment_and_a_late_door_close_registers_the_file(deps):
    locker = a_locker(deps, sizes="SS")
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    outcome, unlock = use_pin(deps, locker, pin)
    clock = deps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(5 * 60_000)  # the locker lost its link with the ack in its outbox
    run_scheduled_job(deps)
    slot = deps.stores.lockers.compartment(locker, unlock["compartment"])
    assert slot is not None and slot.request_id == request_id  # not offered to the next citizen
    event(deps, locker, "heartbeat")
    event(deps, locker, "ack", cmd=unlock["id"], result="executed")
    event(deps, locker, "door_opened", compartment=unlock["compartment"], cmd=unlock["id"], boot="b", seq=1)
    assert event(deps, locker, "door_closed", compartment=unlock["compartment"], cmd=unlock["id"], boot="b", seq=2) == (
        "registered"
    )
    assert get_request(deps, request_id).status == "registered"


def test_no_withdrawal_online_submission_or_new_code_while_the_door_is_open(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    with pytest.raises(IllegalTransition, match="registered by the door"):
        online_requests.submit(deps, citizen, request_id)  # a drop-off is registered by its door, not online
    pin, _ = code_for(deps, citizen, request_id, locker)
    assert use_pin(deps, locker, pin)[0] == "unlock"
    for attempt in (
        lambda: online_requests.withdraw(deps, citizen, request_id),
        lambda: dropoff.request_dropoff(
            deps, citizen, request_id, {"lockerId": locker, "size": "S", "documents": FILE}
        ),
    ):
        with pytest.raises(IllegalTransition, match="compartment is open"):
            attempt()


def test_a_retrieval_that_jammed_can_be_tried_again(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    drop(deps, locker, pin)
    retrieve_documents(deps, "clerk", request_id)
    cmd = commands(deps, "unlock")[-1]
    event(deps, locker, "ack", cmd=cmd["id"], result="rejected", reason="door_jammed")
    assert not get_request(deps, request_id).retrieve_cmd
    assert dropoff_review.to_collect(deps)[0]["files"][0]["retrieving"] is False


def test_an_empty_compartment_is_marked_and_the_citizen_told(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    drop(deps, locker, pin)
    with pytest.raises(IllegalTransition):  # not before the compartment was opened by staff
        dropoff_review.found_empty(deps, URBANISM, request_id)
    collect(deps, locker, request_id, seq=10)
    record = dropoff_review.found_empty(deps, URBANISM, request_id)
    assert record.status == "awaiting_documents" and record.found_empty_at
    assert {d["id"] for d in (record.asked or {})["documents"]} >= set(FILE)
    assert "era gol" in sms(deps).sent[-1][1]
    pin2, _ = code_for(deps, citizen, request_id, locker)  # the whole file again, with a new code
    assert drop(deps, locker, pin2, seq=20)[1] == "in_review"


def test_files_waiting_more_than_a_working_day_are_a_staff_task(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    drop(deps, locker, pin)
    assert staff_tasks(deps)["dropoffsWaiting"] == []
    clock = deps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(4 * 86_400_000)  # whatever the weekday, four days later is past the next working day
    assert [f["id"] for f in staff_tasks(deps)["dropoffsWaiting"]] == [request_id]


def test_the_drop_off_page_shows_the_pin_and_qr_while_valid(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, token = code_for(deps, citizen, request_id, locker)
    page = dropoff.dropoff_page(deps, token)
    assert page.state == "valid" and page.pin == pin and page.qr_content == token
    assert [d.id for d in page.documents] == sorted(FILE) or {d.id for d in page.documents} == set(FILE)
    drop(deps, locker, pin)
    assert dropoff.dropoff_page(deps, token).state == "used"
    assert dropoff.dropoff_page(deps, "nope").state == "unknown"


def test_the_desk_cannot_mark_a_dropped_off_file_ready_its_department_answers_it(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    pin, _ = code_for(deps, citizen, request_id, locker)
    drop(deps, locker, pin)
    with pytest.raises(IllegalTransition, match="department"):
        mark_ready(deps, "clerk", request_id)
    assert get_request(deps, request_id).status == "registered"


def test_a_drop_off_codes_refusals_speak_of_the_file_not_of_documents_waiting(deps):
    locker = a_locker(deps)
    other = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    _, token = code_for(deps, citizen, request_id, locker)
    event(deps, other, "scan", code=token)
    wrong = commands(deps, "reject")[-1]
    assert wrong["reason"] == "invalid_code" and "alt dulap: Hol, Parter" in wrong["message"]
    clock = deps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(25 * 3_600_000)
    event(deps, locker, "heartbeat")
    event(deps, locker, "scan", code=token)
    expired = commands(deps, "reject")[-1]
    assert (
        expired["reason"] == "expired" and "cod nou" in expired["message"] and "vă așteaptă" not in expired["message"]
    )


def test_a_citizen_gets_at_most_five_drop_off_codes_an_hour(deps):
    locker = a_locker(deps)
    citizen = sign_in(deps)
    request_id = a_draft(deps, citizen)
    for _ in range(dropoff.CODES_PER_HOUR):
        code_for(deps, citizen, request_id, locker)
    with pytest.raises(TooManyAttempts):
        code_for(deps, citizen, request_id, locker)
    clock = deps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(3_600_000)
    code_for(deps, citizen, request_id, locker)
