"""The whole pickup through the real local stack: HTTP API, Mosquitto, the bridge, moto server."""

from __future__ import annotations

import re

from tests.conftest import deposited, outbox, register, wait_until


def deposit_and_close(clerk, locker, request_id):
    reply = clerk.post(f"/api/requests/{request_id}/deposit", {"lockerId": locker.locker_id})
    assert reply.status == 202, reply
    unlock = locker.next_command()
    assert unlock["type"] == "unlock" and unlock["purpose"] == "deposit"
    assert unlock["compartment"] == reply["compartment"]
    locker.publish("door_opened", compartment=unlock["compartment"], cmd=unlock["id"])
    locker.publish("door_closed", compartment=unlock["compartment"], cmd=unlock["id"])
    wait_until(lambda: clerk.get(f"/api/requests/{request_id}")["status"] == "in_locker")
    return unlock


def sms_for(stack, phone_e164):
    return [m for m in outbox(stack) if m["to"] == phone_e164]


def test_register_ready_deposit_scan_collect_end_to_end(stack, clerk, new_locker):
    locker = new_locker("S2 M1")
    created = register(clerk, phone="0722 000 111")
    assert created["status"] == "registered"
    assert re.fullmatch(r"PS2-\d{4}-\d{6}", created["registrationNumber"])
    assert clerk.post(f"/api/requests/{created['id']}/ready").body["status"] == "ready"

    unlock = deposit_and_close(clerk, locker, created["id"])
    messages = wait_until(lambda: sms_for(stack, "+40722000111"))
    assert len(messages) == 1
    body = messages[0]["body"]
    assert created["registrationNumber"] in body and len(body) <= 160
    pin = re.search(r"PIN (\d{8})", body).group(1)

    locker.publish("pin", code=pin)
    pickup = locker.next_command()
    assert pickup["type"] == "unlock" and pickup["purpose"] == "pickup"
    assert pickup["compartment"] == unlock["compartment"]
    locker.publish("door_opened", compartment=pickup["compartment"], cmd=pickup["id"])
    locker.publish("door_closed", compartment=pickup["compartment"], cmd=pickup["id"])
    view = wait_until(lambda: (v := clerk.get(f"/api/requests/{created['id']}").body)["status"] == "collected" and v)
    assert view["channel"] == "locker"
    assert [h["action"] for h in view["history"]][:1] == ["registered"]

    locker.publish("pin", code=pin)
    again = locker.next_command()
    assert again["type"] == "reject" and again["reason"] == "used"


def test_qr_link_from_the_sms_opens_the_compartment(stack, clerk, new_locker):
    locker = new_locker("M1")
    _, unlock, body = deposited(stack, clerk, locker, "0722 000 222")
    token = re.search(r"/r/([A-Za-z0-9_-]+)", body).group(1)
    locker.publish("scan", code=token)
    command = locker.next_command()
    assert command["purpose"] == "pickup" and command["compartment"] == unlock["compartment"]


def test_wrong_pin_is_rejected_and_nothing_opens(stack, clerk, new_locker):
    locker = new_locker("S1")
    locker.publish("pin", code="12345678")
    command = locker.next_command()
    assert command["type"] == "reject" and command["reason"] == "invalid_code"
    assert command["message"]


def test_no_sms_before_the_door_closes_on_the_deposit(stack, clerk, new_locker):
    locker = new_locker("S1")
    created = register(clerk, phone="0722 000 333")
    clerk.post(f"/api/requests/{created['id']}/ready")
    assert clerk.post(f"/api/requests/{created['id']}/deposit", {"lockerId": locker.locker_id}).status == 202
    locker.next_command()
    assert clerk.get(f"/api/requests/{created['id']}")["status"] == "reserved"
    assert sms_for(stack, "+40722000333") == []


def test_commands_are_signed_over_their_canonical_json(stack, clerk, new_locker):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from chalicelib.domain.protocol import signed_bytes

    locker = new_locker("S1")
    locker.publish("pin", code="00000000")
    command = locker.next_command()
    raw_key = stack.secrets["signing_public_key"]
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(raw_key + "=" * (-len(raw_key) % 4)))
    signature = base64.urlsafe_b64decode(command["sig"] + "==")
    key.verify(signature, signed_bytes(command))  # raises InvalidSignature if not
    assert command["exp"] - command["iat"] == 60_000


def test_qr_page_shows_qr_pin_and_deadline_then_a_clear_page_once_used(stack, clerk, new_locker):
    from tests.support.api import Api

    locker = new_locker("S1")
    created, unlock, body = deposited(stack, clerk, locker, "0722 000 555")
    path = re.search(r"https?://[^/]+(/r/[\w-]+)", body).group(1)
    pin = re.search(r"PIN (\d{8})", body).group(1)
    page = Api(stack.base_url).get(path)
    assert page.status == 200 and "<svg" in page.body and created["registrationNumber"] in page.body
    assert f"{pin[:4]} {pin[4:]}" in page.body and "Maria" not in page.body
    assert (
        "noindex" in page.headers.get("X-Robots-Tag", "")
        and "unsafe-inline" not in page.headers["Content-Security-Policy"]
    )
    assert "Documentele vă așteaptă" in page.body
    assert "Your documents are waiting" in Api(stack.base_url).get(path + "?lang=en").body
    locker.publish("pin", code=pin)
    pickup = locker.next_command()
    locker.publish("door_closed", compartment=unlock["compartment"], cmd=pickup["id"])
    wait_until(lambda: clerk.get(f"/api/requests/{created['id']}")["status"] == "collected")
    used = Api(stack.base_url).get(path)
    assert used.status == 200 and "au fost ridicate" in used.body and pin not in used.body
    unknown = Api(stack.base_url).get("/r/nonexistent-token")
    assert unknown.status == 404 and "nu este valid" in unknown.body


def test_home_page_in_romanian_and_english(stack):
    from tests.support.api import Api

    assert "Ridicați documentele" in Api(stack.base_url).get("/").body
    assert "Collect your documents" in Api(stack.base_url).get("/?lang=en").body
