"""The real locker agent (awscrt MQTT 5) with simulated drivers, against real Mosquitto and the local stack."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from chalicelib.adapters.signer import Ed25519Signer
from chalicelib.domain.protocol import unlock_command
from iot.simulator import build_simulator
from iot.verify import b64url_decode
from tests.conftest import outbox, register, wait_until
from tests.support.schemas import assert_valid


class Listener:
    """Records every event a locker publishes, as the broker delivers them."""

    def __init__(self, port: int, locker_id: str) -> None:
        self.events: list[dict[str, Any]] = []
        self._ready = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"listen-{uuid.uuid4().hex[:6]}", protocol=mqtt.MQTTv5
        )
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe(f"eps2/lockers/{locker_id}/evt", qos=1)
        self.client.on_subscribe = lambda *a: self._ready.set()
        self.client.on_message = lambda c, u, m: self.events.append(json.loads(m.payload))
        self.client.reconnect_delay_set(1, 1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._ready.wait(10)

    def acks(self, cmd_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == "ack" and e.get("cmd") == cmd_id]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture()
def simulated(stack, admin, tmp_path):
    locker_id = f"s-{uuid.uuid4().hex[:10]}"
    ids = ["A01", "A02", "A03"]
    admin.post(
        "/api/lockers",
        {
            "id": locker_id,
            "name": "Dulap simulat",
            "location": "Hol",
            "compartments": [{"id": c, "size": "S"} for c in ids],
        },
    )
    listener = Listener(stack.mqtt_port, locker_id)
    sims = []

    def start(state_dir=tmp_path / "agent"):
        sim = build_simulator(
            locker_id,
            stack.mqtt_port,
            stack.secrets["signing_public_key"],
            state_dir,
            auto_close_s=0.3,
            compartments=ids,
        )
        sim.agent.start()
        sims.append(sim)
        return sim

    sim = start()
    wait_until(lambda: admin.get(f"/api/lockers/{locker_id}")["online"])
    yield sim, listener, start
    for s in sims:
        s.agent.stop()
    listener.close()


def publish_command(stack, message: dict[str, Any], to: str | None = None) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", stack.mqtt_port)
    client.loop_start()
    client.publish(f"eps2/lockers/{to or message['locker']}/cmd", json.dumps(message), qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def signed(stack, locker: str, compartment: str = "A01", **overrides: Any) -> dict[str, Any]:
    signer = Ed25519Signer(b64url_decode(stack.secrets["signing_key"]), "k1")
    message = unlock_command(locker, compartment, "service", int(time.time() * 1000), 60, "k1")
    message.update(overrides)
    message["sig"] = signer.sign(message)
    return message


def deposited_through_the_simulator(stack, clerk, locker: str, phone: str) -> tuple[dict[str, Any], str, str]:
    """A request deposited through the API and the simulated door; its token and full QR content."""
    from chalicelib.config import load_settings
    from chalicelib.services.credentials import find_by_token, unseal
    from chalicelib.wiring import build_deps

    created = register(clerk, phone=phone)
    clerk.post(f"/api/requests/{created['id']}/ready")
    clerk.post(f"/api/requests/{created['id']}/deposit", {"lockerId": locker})
    wait_until(lambda: clerk.get(f"/api/requests/{created['id']}")["status"] == "in_locker")
    e164 = "+40" + phone.replace(" ", "")[1:]
    body = wait_until(lambda: [m for m in outbox(stack) if m["to"] == e164])[0]["body"]
    token = re.search(r"/r/([\w-]+)", body).group(1)
    deps = build_deps(load_settings(stack.env()))
    return created, token, unseal(deps, token, find_by_token(deps, token))["qr"]


def test_deposit_and_pickup_through_the_simulated_locker(stack, clerk, simulated):
    sim, listener, _ = simulated
    created = register(clerk, phone="0722 777 001")
    clerk.post(f"/api/requests/{created['id']}/ready")
    assert clerk.post(f"/api/requests/{created['id']}/deposit", {"lockerId": sim.agent.config.locker_id}).status == 202
    wait_until(lambda: clerk.get(f"/api/requests/{created['id']}")["status"] == "in_locker")
    body = wait_until(lambda: [m for m in outbox(stack) if m["to"] == "+40722777001"])[0]["body"]
    sim.reader.type_pin(re.search(r"PIN (\d{8})", body).group(1))
    wait_until(lambda: clerk.get(f"/api/requests/{created['id']}")["status"] == "collected")
    kinds = [e["type"] for e in listener.events]
    assert kinds.count("door_opened") == 2 and kinds.count("door_closed") == 2
    for event in listener.events:
        assert_valid("event", event)


@pytest.mark.parametrize("forgery", ["bad_signature", "wrong_locker", "expired", "unknown_key"])
def test_forged_or_stale_commands_are_rejected_and_no_door_opens(stack, simulated, forgery):
    sim, listener, _ = simulated
    locker = sim.agent.config.locker_id
    if forgery == "bad_signature":
        message = signed(stack, locker)
        message["compartment"] = "A02"  # changed after signing
    elif forgery == "wrong_locker":
        message = signed(stack, "some-other-locker")  # genuine, but addressed to another locker
    elif forgery == "expired":
        past = int(time.time() * 1000) - 120_000
        message = signed(stack, locker, iat=past, exp=past + 60_000)
    else:
        message = signed(stack, locker, kid="k9")
    publish_command(stack, message, to=locker)
    ack = wait_until(lambda: listener.acks(message["id"]))[0]
    assert ack["result"] == "rejected" and ack["reason"] == forgery
    time.sleep(0.3)
    assert not [e for e in listener.events if e["type"] == "door_opened"]


def test_replayed_command_is_acked_duplicate_and_the_door_opens_once(stack, simulated):
    sim, listener, _ = simulated
    message = signed(stack, sim.agent.config.locker_id)
    publish_command(stack, message)
    wait_until(lambda: listener.acks(message["id"]))
    publish_command(stack, message)
    wait_until(lambda: len(listener.acks(message["id"])) == 2)
    assert [a["result"] for a in listener.acks(message["id"])] == ["executed", "duplicate"]
    time.sleep(0.5)
    assert len([e for e in listener.events if e["type"] == "door_opened"]) == 1


def test_replay_is_refused_after_an_agent_restart(stack, simulated):
    sim, listener, start = simulated
    message = signed(stack, sim.agent.config.locker_id)
    publish_command(stack, message)
    wait_until(lambda: listener.acks(message["id"]))
    sim.agent.stop()
    start()
    time.sleep(0.5)
    publish_command(stack, message)
    wait_until(lambda: len(listener.acks(message["id"])) == 2)
    assert listener.acks(message["id"])[1]["result"] == "duplicate"


def test_jammed_door_is_reported(stack, simulated):
    sim, listener, _ = simulated
    sim.doors.jammed.add("A03")
    message = signed(stack, sim.agent.config.locker_id, compartment="A03")
    sim.agent.config = sim.agent.config.__class__(**{**sim.agent.config.__dict__, "jam_timeout_s": 0.3})
    publish_command(stack, message)
    ack = wait_until(lambda: listener.acks(message["id"]), timeout=10)[0]
    assert ack["result"] == "rejected" and ack["reason"] == "door_jammed"


def test_door_opened_without_a_command_raises_forced_open(simulated):
    sim, listener, _ = simulated
    sim.doors.set_door("A02", "open")
    fault = wait_until(lambda: [e for e in listener.events if e["type"] == "fault"])[0]
    assert fault["reason"] == "forced_open" and fault["compartment"] == "A02"


@pytest.mark.reliability
def test_events_survive_a_broker_outage_and_an_agent_restart_and_an_offline_pickup_is_reconciled(
    stack, clerk, simulated
):
    from chalicelib.config import load_settings
    from chalicelib.services.credentials import find_by_token
    from chalicelib.storage.models import LockerEventRecord
    from chalicelib.wiring import build_deps

    sim, listener, start = simulated
    locker = sim.agent.config.locker_id
    created, token, qr = deposited_through_the_simulator(stack, clerk, locker, "0722 777 002")
    deps = build_deps(load_settings(stack.env()))

    stack.stop_mqtt()
    try:
        wait_until(lambda: not sim.agent.link.connected())
        sim.reader.scan(qr)  # offline: the agent checks the signed credential itself
        compartment = find_by_token(deps, token).compartment
        try:
            wait_until(lambda: sim.doors.doors[compartment] == "closed" and sim.agent.store.backlog() >= 3, timeout=60)
        except AssertionError:
            pending = [(e["type"], e.get("compartment")) for e in sim.agent.store.pending(1000)]
            raise AssertionError(
                f"offline door cycle not recorded: doors={sim.doors.doors} screen={sim.screen.history} "
                f"pending={pending}"
            ) from None
        sim.doors.set_door("A03", "open")
        sim.doors.set_door("A03", "closed")
        sim.reader.scan(qr)  # the same credential twice: refused, the nonce is remembered
        backlog = [e["id"] for e in sim.agent.store.pending(1000)]
        sim.agent.stop()
        restarted = start()  # a new boot, same disk, still offline
    finally:
        stack.start_mqtt()  # whatever happened, the broker the later tests share comes back
    wait_until(lambda: restarted.agent.store.backlog() == 0, timeout=30)
    wait_until(lambda: clerk.get(f"/api/requests/{created['id']}")["status"] == "collected", timeout=30)

    def received_now() -> dict[str, LockerEventRecord]:
        return {r.event_id: r for r in LockerEventRecord.query(locker)}

    wait_until(lambda: set(backlog) <= set(received_now()), timeout=30)  # fails if an event was lost
    received = received_now()
    ordered = sorted(backlog, key=lambda i: (received[i].received_at, backlog.index(i)))
    assert ordered == backlog, "events arrived out of order"
    kinds = [received[i].type for i in backlog]
    assert kinds.count("offline_pickup") == 1
    view = clerk.get(f"/api/requests/{created['id']}").body
    assert view["status"] == "collected"


def test_codes_of_a_request_taken_back_are_refused_online_and_offline(stack, clerk, simulated):
    from chalicelib.config import load_settings
    from chalicelib.services.credentials import find_by_token
    from chalicelib.wiring import build_deps

    sim, listener, start = simulated
    locker = sim.agent.config.locker_id
    created, token, qr = deposited_through_the_simulator(stack, clerk, locker, "0722 777 003")
    deps = build_deps(load_settings(stack.env()))

    sim.agent.stop()  # the locker is away when staff take the documents back
    assert clerk.post(f"/api/requests/{created['id']}/retrieve").status == 202
    restarted = start()  # at reconnect the backend pushes the revocation
    wait_until(
        lambda: any(
            e["type"] == "ack" and e.get("result") == "executed"
            for e in listener.events
            if e.get("boot") == restarted.agent.boot
        )
    )

    restarted.reader.scan(qr)  # online: the backend refuses the revoked code
    wait_until(lambda: "Cod necunoscut" in restarted.screen.message)

    stack.stop_mqtt()
    wait_until(lambda: not restarted.agent.link.connected())
    compartment = find_by_token(deps, token).compartment
    restarted.reader.scan(qr)  # offline: the agent refuses the revoked credential itself
    time.sleep(0.5)
    assert restarted.doors.doors[compartment] == "closed"
    assert "deja folosit" in restarted.screen.message
    stack.start_mqtt()
    wait_until(lambda: restarted.agent.link.connected(), timeout=20)
