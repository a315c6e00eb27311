# ruff: noqa: F811  (the simulated-locker fixture is imported from test_locker_agent)
"""The real agent when the network is gone: codes are never queued, an offline PIN opens its compartment once,
and an old QR never opens a compartment that was emptied and filled again.

Real Mosquitto (stopped and started by the test), the local stack, the real agent with simulated doors.
"""

from __future__ import annotations

import re
import time

from chalicelib.config import load_settings
from chalicelib.services.credentials import find_by_token
from chalicelib.storage.models import LockerItem
from chalicelib.wiring import build_deps
from tests.conftest import outbox, wait_until
from tests.integration.test_locker_agent import deposited_through_the_simulator, simulated  # noqa: F401


def pin_of(stack, phone: str) -> str:
    e164 = "+40" + phone.replace(" ", "")[1:]
    body = [m for m in outbox(stack) if m["to"] == e164][-1]["body"]
    return re.search(r"PIN (\d{8})", body).group(1)


def go_offline(stack, sim) -> None:
    stack.stop_mqtt()
    wait_until(lambda: not sim.agent.link.connected())


def back_online(stack, sim) -> None:
    stack.start_mqtt()
    wait_until(lambda: sim.agent.link.connected(), timeout=20)


def test_a_pin_typed_offline_opens_its_compartment_once_and_is_reconciled_after_reconnection(stack, clerk, simulated):
    sim, listener, _ = simulated
    locker = sim.agent.config.locker_id
    created, token, _ = deposited_through_the_simulator(stack, clerk, locker, "0722 778 001")
    pin = pin_of(stack, "0722 778 001")
    deps = build_deps(load_settings(stack.env()))
    compartment = find_by_token(deps, token).compartment
    wait_until(lambda: compartment in sim.agent.store.verifiers())  # the PIN verifier reached the locker

    go_offline(stack, sim)
    sim.reader.type_pin(f"{(int(pin) + 1) % 10**8:08d}")  # a wrong PIN opens nothing, and is not queued
    wait_until(lambda: "Cod necunoscut" in sim.screen.message, timeout=15)
    sim.reader.type_pin(pin)
    wait_until(lambda: f"Deschis: compartimentul {compartment}" in sim.screen.message, timeout=15)
    wait_until(lambda: sim.doors.doors[compartment] == "closed")
    assert not [e for e in sim.agent.store.pending(1000) if e["type"] in ("pin", "scan")]
    sim.reader.type_pin(pin)  # the same PIN again: the nonce is used up
    wait_until(lambda: "deja folosit" in sim.screen.message, timeout=15)

    back_online(stack, sim)
    wait_until(lambda: clerk.get(f"/api/requests/{created['id']}")["status"] == "collected", timeout=30)
    wait_until(lambda: LockerItem.get(locker, f"C#{compartment}").request_id is None, timeout=30)
    assert not [e for e in listener.events if e["type"] in ("pin", "scan")]  # no code was ever sent late


def test_a_pin_typed_while_offline_is_not_sent_after_reconnection(stack, clerk, simulated):
    sim, listener, _ = simulated
    locker = sim.agent.config.locker_id
    created, _, _ = deposited_through_the_simulator(stack, clerk, locker, "0722 778 002")
    go_offline(stack, sim)
    sim.reader.type_pin("12345678")  # not this request's PIN; offline it is checked locally and refused
    back_online(stack, sim)
    time.sleep(1.5)
    assert not [e for e in listener.events if e["type"] == "pin"]
    assert clerk.get(f"/api/requests/{created['id']}")["status"] == "in_locker"


def test_an_old_qr_never_opens_the_same_compartment_filled_again(stack, clerk, simulated):
    sim, _, _ = simulated
    locker = sim.agent.config.locker_id
    first, token, old_qr = deposited_through_the_simulator(stack, clerk, locker, "0722 778 003")
    deps = build_deps(load_settings(stack.env()))
    compartment = find_by_token(deps, token).compartment
    sim.reader.scan(old_qr)  # collected online
    wait_until(lambda: clerk.get(f"/api/requests/{first['id']}")["status"] == "collected")
    wait_until(lambda: LockerItem.get(locker, f"C#{compartment}").request_id is None)
    second, token2, _ = deposited_through_the_simulator(stack, clerk, locker, "0722 778 004")
    assert find_by_token(deps, token2).compartment == compartment  # the next citizen's documents, same door
    go_offline(stack, sim)
    sim.agent.store._db.execute("DELETE FROM nonces")  # even if the revocation and the used nonce were lost
    sim.reader.scan(old_qr)
    wait_until(lambda: "nu poate fi verificat" in sim.screen.message, timeout=15)
    time.sleep(0.3)
    assert sim.doors.doors[compartment] == "closed"
    back_online(stack, sim)
    assert clerk.get(f"/api/requests/{second['id']}")["status"] == "in_locker"


def test_the_locker_asks_for_phone_digits_when_told_and_sends_twelve_digits(stack, clerk, simulated):
    sim, listener, _ = simulated
    locker = sim.agent.config.locker_id
    created, _, _ = deposited_through_the_simulator(stack, clerk, locker, "0722 778 005")
    pin = pin_of(stack, "0722 778 005")
    for _ in range(2):
        sim.reader.type_pin(f"{(int(pin) + 7) % 10**8:08d}")
        wait_until(lambda: "Cod necunoscut" in sim.screen.message)
        sim.screen.show("")
    sim.reader.type_pin(pin)
    wait_until(lambda: "ultimele 4 cifre" in sim.screen.message)
    sim.reader.type_pin(pin + "8005")
    wait_until(lambda: clerk.get(f"/api/requests/{created['id']}")["status"] == "collected", timeout=15)
    assert [e["code"] for e in listener.events if e["type"] == "pin"][-1] == pin + "8005"
