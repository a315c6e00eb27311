# ruff: noqa: F811  (the clock-driven fixtures are imported from test_services_with_clock)
"""Pickup safety through the real emulator and Mosquitto: no door for nobody, no vandal lock-out, checked
offline pickups, every revocation delivered, no compartment held forever, a deadline the citizen can move.

The services run in-process with a clock the test moves (as in test_services_with_clock); commands
reach a locker stand-in over MQTT and are validated against the published schemas.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest

from chalicelib.domain.errors import IllegalTransition
from chalicelib.services.audit import history, locker_subject
from chalicelib.services.deposit import retrieve_documents
from chalicelib.services.desk import cancel_request, collect_at_counter
from chalicelib.services.jobs import run_scheduled_job
from chalicelib.services.lockers import free_compartment, held_by_closed_requests, push_revocations, revocation_item
from chalicelib.services.request_records import get_request
from chalicelib.storage.models import CredentialRecord, LockerItem, RequestRecord
from tests.conftest import outbox, wait_until
from tests.integration.test_services_with_clock import DAY, deps, event, in_locker, locker  # noqa: F401

PHONE = "0722 556 {:03d}"


def codes_of(stack, phone: str) -> tuple[str, str]:
    """The PIN and QR token of the last pickup SMS sent to ``phone`` (written 07xx xxx xxx)."""
    e164 = "+40" + phone.replace(" ", "")[1:]
    body = [m for m in outbox(stack) if m["to"] == e164][-1]["body"]
    return re.search(r"PIN (\d{8})", body).group(1), re.search(r"/r/([\w-]+)", body).group(1)


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**8:08d}"


def answer(stand_in, event_id: str) -> dict:
    command = stand_in.next_command(timeout=5)
    assert command.get("re") == event_id, "every code event gets its own answer"
    return command


def code_event(deps, stand_in, kind: str, code: str, **fields) -> tuple[str, dict]:
    event_id = uuid.uuid4().hex
    outcome = event(deps, stand_in.locker_id, kind, code=code, id=event_id, **fields)
    return outcome, answer(stand_in, event_id)


# -- 2. no door opens when nobody is there ------------------------------------------------------------


def test_a_pin_older_than_30_seconds_is_rejected_stale_and_opens_nothing(stack, deps, locker):
    record = in_locker(deps, locker, PHONE.format(1))
    pin, _ = codes_of(stack, PHONE.format(1))
    outcome, reply = code_event(deps, locker, "pin", pin, ts=deps.now() - 31_000)
    assert outcome == "reject:stale" and reply["type"] == "reject" and reply["reason"] == "stale"
    assert get_request(deps, record.id).pickup_cmd is None
    outcome, reply = code_event(deps, locker, "pin", pin, ts=deps.now() - 5_000)
    assert outcome == "unlock" and reply["type"] == "unlock"


def test_the_heartbeat_clock_offset_corrects_the_staleness_check(stack, deps, locker):
    in_locker(deps, locker, PHONE.format(2))
    _, token = codes_of(stack, PHONE.format(2))
    ahead = 120_000  # the locker's clock runs two minutes fast
    event(deps, locker.locker_id, "heartbeat", version="t", clockOffsetMs=ahead)
    outcome, _ = code_event(deps, locker, "scan", token, ts=deps.now() + ahead - 40_000)
    assert outcome == "reject:stale"
    outcome, _ = code_event(deps, locker, "scan", token, ts=deps.now() + ahead - 2_000)
    assert outcome == "unlock"


# -- 4. one vandal cannot lock everyone's PIN out ------------------------------------------------------


def test_wrong_pins_slow_the_keypad_down_with_the_seconds_to_wait(stack, deps, locker):
    in_locker(deps, locker, PHONE.format(3))
    pin, _ = codes_of(stack, PHONE.format(3))
    reasons = []
    for _ in range(3):
        outcome, reply = code_event(deps, locker, "pin", wrong(pin) + "0000")
        reasons.append(reply["reason"])
    outcome, reply = code_event(deps, locker, "pin", pin)
    assert reasons == ["invalid_code"] * 3
    assert reply["reason"] == "slow_down" and reply["retryAfter"] == 15 and "15 secunde" in reply["message"]
    deps.clock.advance(15_000)
    outcome, reply = code_event(deps, locker, "pin", pin)
    assert reply["reason"] == "need_phone_digits"  # two wrong PINs put the keypad under attack


def test_qr_scans_are_never_slowed_down(stack, deps, locker):
    in_locker(deps, locker, PHONE.format(4))
    pin, token = codes_of(stack, PHONE.format(4))
    for _ in range(5):
        code_event(deps, locker, "pin", wrong(pin))
    outcome, reply = code_event(deps, locker, "scan", token)
    assert outcome == "unlock" and reply["type"] == "unlock"


def test_under_attack_the_phone_digits_are_checked_and_a_wrong_one_counts(stack, deps, locker):
    record = in_locker(deps, locker, PHONE.format(5))
    pin, _ = codes_of(stack, PHONE.format(5))
    for _ in range(2):
        code_event(deps, locker, "pin", wrong(pin))
    deps.clock.advance(60_000)
    assert code_event(deps, locker, "pin", pin)[1]["reason"] == "need_phone_digits"
    assert code_event(deps, locker, "pin", pin + "9999")[1]["reason"] == "invalid_code"
    deps.clock.advance(60_000)
    outcome, reply = code_event(deps, locker, "pin", pin + "6005")
    assert outcome == "unlock" and reply["compartment"] == record.compartment
    alerts = [h for h in history(deps, locker_subject(locker.locker_id), 100) if h["action"] == "keypad_attack"]
    assert len(alerts) == 1  # staff see the attack once, not once per wrong PIN


# The thousand wrong PINs: tests/unit/test_keypad_under_attack.py (the same assertions, without sockets).


def test_a_duplicate_delivery_of_a_code_event_gets_no_second_answer(stack, deps, locker):
    in_locker(deps, locker, PHONE.format(7))
    pin, _ = codes_of(stack, PHONE.format(7))
    event_id = uuid.uuid4().hex
    assert event(deps, locker.locker_id, "pin", code=pin, id=event_id) == "unlock"
    answer(locker, event_id)
    assert event(deps, locker.locker_id, "pin", code=pin, id=event_id) == "duplicate"
    assert locker.no_command(0.5)


# -- 2. offline pickups are checked, compartments are freed by their own door cycle -------------------


def test_an_offline_pickup_that_does_not_match_is_a_security_fault_and_changes_nothing(stack, deps, locker):
    record = in_locker(deps, locker, PHONE.format(8))
    pin, token = codes_of(stack, PHONE.format(8))
    other = "A03" if record.compartment != "A03" else "A02"
    cases = {
        "wrong_compartment": {"compartment": other, "code": token},
        "wrong_deposit": {"compartment": record.compartment, "code": token, "deposit": "f" * 32},
        "unknown_credential": {"compartment": record.compartment, "code": "not-a-token"},
    }
    for why, fields in cases.items():
        assert event(deps, locker.locker_id, "offline_pickup", **fields) == f"security_fault:{why}"
    foreign = f"c-{uuid.uuid4().hex[:10]}"  # a credential reported by another locker
    assert event(deps, foreign, "offline_pickup", compartment=record.compartment, code=token).startswith("security_")
    assert get_request(deps, record.id).status == "in_locker"
    assert LockerItem.get(locker.locker_id, f"C#{record.compartment}").request_id == record.id
    faults = [h for h in history(deps, locker_subject(locker.locker_id), 100) if h["action"] == "security_fault"]
    assert len(faults) >= 3


def test_an_expired_or_revoked_credential_reported_offline_changes_nothing(stack, deps, locker):
    record = in_locker(deps, locker, PHONE.format(9))
    _, token = codes_of(stack, PHONE.format(9))
    late = deps.now() + 8 * DAY
    assert event(deps, locker.locker_id, "offline_pickup", compartment=record.compartment, code=token, ts=late) == (
        "security_fault:expired"
    )
    retrieve_documents(deps, "clerk", record.id)
    assert event(deps, locker.locker_id, "offline_pickup", compartment=record.compartment, code=token) == (
        "security_fault:revoked"
    )


@pytest.mark.parametrize("door_first", [False, True])
def test_an_offline_pickup_frees_the_compartment_only_with_its_door_cycle(stack, deps, locker, door_first):
    phone = PHONE.format(10 + door_first)
    record = in_locker(deps, locker, phone)
    pin, _ = codes_of(stack, phone)
    nonce = CredentialRecord.get(get_request(deps, record.id).qr_key).offline_nonce
    cmd = f"offline-{nonce}"
    slot = f"C#{record.compartment}"
    if door_first:  # on AWS events arrive unordered
        event(deps, locker.locker_id, "door_opened", compartment=record.compartment, cmd=cmd)
        event(deps, locker.locker_id, "door_closed", compartment=record.compartment, cmd=cmd)
    assert event(deps, locker.locker_id, "offline_pickup", compartment=record.compartment, code=pin) == "collected"
    assert get_request(deps, record.id).status == "collected"
    if not door_first:
        assert LockerItem.get(locker.locker_id, slot).request_id == record.id  # the door has not closed yet
        event(deps, locker.locker_id, "door_opened", compartment=record.compartment, cmd=cmd)
        assert event(deps, locker.locker_id, "door_closed", compartment=record.compartment, cmd=cmd) == "released"
    assert LockerItem.get(locker.locker_id, slot).request_id is None


def test_every_unexpired_revocation_is_pushed_in_batches_and_none_is_dropped(stack, deps, locker):
    now = deps.now()
    nonces = {f"n{i:04d}" for i in range(450)}
    for nonce in nonces:
        deps.stores.lockers.add_revocation(locker.locker_id, nonce, now + DAY)
    deps.stores.lockers.add_revocation(locker.locker_id, "long-gone", now - 1)
    assert revocation_item(locker.locker_id, "x", now + DAY).ttl is not None  # they expire with the credential
    assert push_revocations(deps, locker.locker_id) == 450
    pushed = wait_until(lambda: locker.revocations if len(locker.revocations) >= 3 else None)
    assert len(pushed) == 3 and all(len(c["nonces"]) <= 200 for c in pushed)
    assert set().union(*(c["nonces"] for c in pushed)) == nonces


def test_a_locker_coming_back_online_gets_the_pin_verifiers_of_the_pickups_waiting_in_it(stack, deps, locker):
    from chalicelib.services.locker_events import handle_locker_status

    waiting = in_locker(deps, locker, "0722 558 101")
    collected = in_locker(deps, locker, "0722 558 102")
    pin = codes_of(stack, "0722 558 102")[0]
    outcome, unlock = code_event(deps, locker, "pin", pin)
    assert outcome == "unlock"
    event(deps, locker.locker_id, "door_opened", compartment=collected.compartment, cmd=unlock["id"])
    event(deps, locker.locker_id, "door_closed", compartment=collected.compartment, cmd=unlock["id"])
    wait_until(lambda: len(locker.verifiers) >= 2)  # one at each deposit; suppose the first was lost
    locker.verifiers.clear()
    assert handle_locker_status(deps, locker.locker_id, {"state": "online", "boot": "boot-2"}) == "online"
    pushed = wait_until(lambda: locker.verifiers)
    time.sleep(0.3)
    assert [(v["compartment"], v["deposit"]) for v in locker.verifiers] == [
        (waiting.compartment, get_request(deps, waiting.id).deposit_cmd)
    ]  # only the pickup still waiting: not the collected one
    assert pushed[0]["until"] == get_request(deps, waiting.id).deadline


def test_online_pickup_and_expiry_revoke_the_offline_credential_at_the_locker(stack, deps, locker):
    collected = in_locker(deps, locker, PHONE.format(14))
    pin, _ = codes_of(stack, PHONE.format(14))
    outcome, unlock = code_event(deps, locker, "pin", pin)
    event(deps, locker.locker_id, "door_closed", compartment=collected.compartment, cmd=unlock["id"])
    expired = in_locker(deps, locker, PHONE.format(15))
    deps.clock.advance(7 * DAY + 1000)
    run_scheduled_job(deps)
    nonces = [CredentialRecord.get(get_request(deps, r.id).qr_key).offline_nonce for r in (collected, expired)]
    revoked = wait_until(lambda: [n for c in locker.revocations for n in c["nonces"]] or None)
    assert wait_until(lambda: set(nonces) <= {n for c in locker.revocations for n in c["nonces"]})
    assert revoked


# -- 5. no compartment held by a closed request --------------------------------------------------------


def test_an_expired_request_is_retrieved_before_the_counter_or_a_cancel(stack, deps, locker):
    record = in_locker(deps, locker, PHONE.format(12))
    deps.clock.advance(7 * DAY + 1000)
    run_scheduled_job(deps)
    for action in (collect_at_counter, cancel_request):
        with pytest.raises(IllegalTransition):
            action(deps, "clerk", record.id)
    assert LockerItem.get(locker.locker_id, f"C#{record.compartment}").request_id == record.id
    compartment = retrieve_documents(deps, "clerk", record.id)
    command = locker.next_command()
    event(deps, locker.locker_id, "door_closed", compartment=compartment, cmd=command["id"])
    assert collect_at_counter(deps, "clerk", record.id).status == "collected"
    assert LockerItem.get(locker.locker_id, f"C#{compartment}").request_id is None


def test_staff_list_and_free_compartments_held_by_closed_requests_after_a_door_cycle(stack, deps, locker):
    record = in_locker(deps, locker, PHONE.format(13))
    slot = f"C#{record.compartment}"
    # a request closed while its compartment stayed reserved, as today's main left them (cancel on expired)
    RequestRecord.get(record.id).update(actions=[RequestRecord.status.set("cancelled")])
    held = held_by_closed_requests(deps, locker.locker_id)
    assert [h["compartment"] for h in held] == [record.compartment]
    free_compartment(deps, "clerk", locker.locker_id, record.compartment)
    command = locker.next_command()
    assert command["type"] == "unlock" and command["purpose"] == "service"
    assert LockerItem.get(locker.locker_id, slot).request_id == record.id  # not before the door cycle
    event(deps, locker.locker_id, "door_opened", compartment=record.compartment, cmd=command["id"])
    assert event(deps, locker.locker_id, "door_closed", compartment=record.compartment, cmd=command["id"]) == "released"
    assert LockerItem.get(locker.locker_id, slot).request_id is None
    assert held_by_closed_requests(deps, locker.locker_id) == []


def test_a_request_without_sms_consent_cannot_go_in_the_locker(stack, clerk, new_locker):
    from tests.conftest import register

    locker = new_locker("S1")
    created = register(clerk, smsConsent=False, lockerConsent=True)
    clerk.post(f"/api/requests/{created['id']}/ready")
    reply = clerk.post(f"/api/requests/{created['id']}/deposit", {"lockerId": locker.locker_id})
    assert reply.status == 409 and "SMS" in reply["messageRo"] and "ghișeu" in reply["messageRo"]
    assert clerk.get(f"/api/requests/{created['id']}")["status"] == "ready"
    assert locker.no_command(0.5)


def test_the_staff_form_does_not_tick_the_consents_for_the_citizen(stack):
    from tests.support.browser import FormClient

    staff = FormClient(stack.base_url)
    staff.login("clerk", "clerk-local")
    form = staff.get("/staff/requests/new").html
    for name in ("smsConsent", "lockerConsent"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', form).group(0)
        assert "checked" not in tag


# -- 6. the citizen can move the deadline ---------------------------------------------------------------


def test_extending_the_deadline_moves_the_reminder_and_the_locker_gets_the_new_expiry(stack, deps, locker):
    from chalicelib.services.notify import notifications_of
    from chalicelib.services.pickup_extension import extend_pickup

    record = in_locker(deps, locker, PHONE.format(16))
    pin, token = codes_of(stack, PHONE.format(16))
    deps.clock.advance(5 * DAY + 1000)
    run_scheduled_job(deps)  # the first reminder, 48 h before the deadline
    extended = extend_pickup(deps, token)
    assert extended.deadline == record.deadline + 3 * DAY
    assert wait_until(lambda: [v for v in locker.verifiers if v["until"] == extended.deadline])
    with pytest.raises(IllegalTransition) as again:
        extend_pickup(deps, token)
    assert "deja prelungit" in again.value.message_ro
    deps.clock.advance(2 * DAY)  # past the old deadline: still waiting, not expired
    run_scheduled_job(deps)
    assert get_request(deps, record.id).status == "in_locker"
    deps.clock.advance(DAY + 1000)  # 48 h before the new deadline: reminded again
    run_scheduled_job(deps)
    assert [n["template"] for n in notifications_of(deps, record.id)].count("reminder") == 2
    outcome, _ = code_event(deps, locker, "pin", pin)  # the same PIN still opens
    assert outcome == "unlock"
