"""The locker agent and the citizen's document drop-off (issue 14), with a fake MQTT link and instant doors.

Online, a drop-off code goes to the backend as any code does; its ``unlock`` (purpose ``dropoff``) opens the
compartment the backend allocated, and the door cycle binds that compartment to the drop-off command, so no
offline QR or PIN issued before can open a compartment holding a citizen's file. Offline, a drop-off cannot
be done: the screen says so, and nothing is sent when the link comes back (codes are never queued).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from chalicelib.adapters.signer import Ed25519Signer
from chalicelib.domain.protocol import unlock_command
from iot.agent import (
    DROPOFF_OFFLINE_QR,
    DROPOFF_THANKS,
    UNKNOWN_PIN_OFFLINE,
    WELCOME,
    LockerAgent,
)
from iot.config import AgentConfig, CompartmentWiring
from iot.hardware import SimulatedClock, SimulatedCompartments, SimulatedReader, SimulatedScreen
from iot.simulator import Simulator, page
from iot.store import AgentStore
from iot.verify import Keyring, OfflineCredential, b64url, parse_offline_qr
from tests.support.schemas import assert_valid

LOCKER = "ps2-hq-01"
COMPARTMENTS = ["A01", "A02", "A03"]
OLD_DEPOSIT = "deposit-cmd-old"
OLD_PIN = "48151623"
OLD_NONCE = "AbCdEfGh"
BACKEND = Ed25519Signer(
    Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()), "k1"
)


class FakeLink:
    """The agent's MQTT link: up or down as the test says; a publish succeeds only while up."""

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.published: list[tuple[str, dict[str, Any]]] = []
        self.subscribed: list[str] = []
        self.on_message: Callable[[str, bytes], None] = lambda topic, payload: None
        self.on_connected: Callable[[], None] = lambda: None
        self.on_disconnected: Callable[[], None] = lambda: None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def connected(self) -> bool:
        return self.up

    def subscribe(self, topic: str) -> bool:
        self.subscribed.append(topic)
        return True

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> bool:
        if not self.up:
            return False
        self.published.append((topic, json.loads(payload)))
        return True

    def come_back(self) -> None:
        self.up = True
        self.on_connected()

    def events(self) -> list[dict[str, Any]]:
        return [body for topic, body in self.published if topic.endswith("/evt")]


@dataclass
class InstantDoors(SimulatedCompartments):
    """Doors that open the moment the relay fires and close when the test says so."""

    auto_close_s: float | None = None
    pulsed: list[str] = field(default_factory=list)

    def pulse_relay(self, compartment: str) -> None:
        self.pulsed.append(compartment)
        if compartment not in self.jammed:
            self.set_door(compartment, "open")


@dataclass
class Locker:
    agent: LockerAgent
    link: FakeLink
    doors: InstantDoors
    reader: SimulatedReader
    screen: SimulatedScreen
    store: AgentStore

    def command(self, message: dict[str, Any]) -> None:
        message = {**message, "sig": BACKEND.sign(message)}
        self.agent.on_message(f"eps2/lockers/{LOCKER}/cmd", json.dumps(message).encode())

    def unlock(self, compartment: str, purpose: str) -> str:
        message = unlock_command(LOCKER, compartment, purpose, int(time.time() * 1000), 60, "k1", re="evt-1")
        self.command(message)
        return str(message["id"])

    def outbox(self) -> list[dict[str, Any]]:
        return self.store.pending(1000)


@pytest.fixture
def locker(tmp_path: Path) -> Iterator[Locker]:
    config = AgentConfig(
        locker_id=LOCKER,
        state_dir=tmp_path,
        mqtt_host="127.0.0.1",
        mqtt_port=1,
        keyring=Keyring.from_b64({"k1": BACKEND.public_key_b64()}),
        compartments=tuple(CompartmentWiring(c) for c in COMPARTMENTS),
        heartbeat_s=3600,
        jam_timeout_s=0.05,
    )
    link, doors, reader, screen = FakeLink(), InstantDoors(list(COMPARTMENTS)), SimulatedReader(), SimulatedScreen()
    store = AgentStore(tmp_path / "agent.sqlite3")
    agent = LockerAgent(config, link, doors, reader, screen, SimulatedClock(), store, boot="b1")
    yield Locker(agent, link, doors, reader, screen, store)
    agent.stop()
    store.close()


def old_offline_qr(compartment: str = "A03") -> str:
    """The QR of a deposit that filled ``compartment`` before (docs/locker-protocol.md), valid for an hour."""
    exp_s = int(time.time()) + 3600
    signed = f"eps2-offline-1\n{LOCKER}\n{OLD_DEPOSIT}\n{compartment}\n{exp_s}\n{OLD_NONCE}"
    return f"tok3n.{compartment}.{exp_s}.{OLD_NONCE}.{BACKEND.sign_bytes(signed.encode())}"


def old_verifier() -> dict[str, Any]:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(OLD_PIN.encode(), salt=salt, n=16, r=8, p=1, dklen=32)
    return {
        "deposit": OLD_DEPOSIT,
        "nonce": OLD_NONCE,
        "until": int(time.time() * 1000) + 3_600_000,
        "verifier": {"kdf": "scrypt", "n": 16, "r": 8, "p": 1, "salt": b64url(salt), "pin": b64url(digest)},
    }


class TestOnline:
    def test_a_dropoff_code_goes_to_the_backend_as_any_code_does(self, locker: Locker) -> None:
        locker.reader.scan("dropoff-token-only")
        locker.reader.type_pin("12345678")
        sent = [(e["type"], e["code"]) for e in locker.link.events()]
        assert sent == [("scan", "dropoff-token-only"), ("pin", "12345678")]
        assert locker.screen.message == "Se verifică codul…"

    def test_a_dropoff_unlock_opens_the_compartment_and_tells_the_citizen_to_put_the_file_in(
        self, locker: Locker
    ) -> None:
        cmd = locker.unlock("A03", "dropoff")
        assert locker.doors.pulsed == ["A03"]
        assert locker.screen.message == (
            "Deschis: compartimentul A03. Puneți dosarul, cu foaia de însoțire deasupra, și închideți ușa."
        )
        locker.doors.set_door("A03", "closed")
        assert locker.screen.message == DROPOFF_THANKS == "Mulțumim! Veți primi numărul de înregistrare prin SMS."
        events = locker.outbox()
        assert [(e["type"], e.get("cmd")) for e in events] == [
            ("ack", cmd),
            ("door_opened", cmd),
            ("door_closed", cmd),
        ]
        assert events[0]["result"] == "executed"
        for event in events:
            assert_valid("event", event)

    @pytest.mark.parametrize("purpose", ["deposit", "pickup", "retrieve", "service"])
    def test_other_openings_keep_their_messages(self, locker: Locker, purpose: str) -> None:
        locker.unlock("A02", purpose)
        assert locker.screen.message == "Deschis: compartimentul A02. Închideți ușa după ce ați terminat."
        locker.doors.set_door("A02", "closed")
        assert locker.screen.message == WELCOME


class TestTheDropoffBindsItsCompartment:
    def test_an_old_offline_qr_or_pin_for_the_compartment_is_refused_once_it_holds_a_dropped_file(
        self, locker: Locker
    ) -> None:
        # A03 was filled by an old deposit whose pickup this agent never saw end (it restarted mid-cycle):
        # its QR and PIN would still open it
        locker.store.bind_deposit("A03", OLD_DEPOSIT, int(time.time() * 1000))
        locker.store.save_verifier("A03", old_verifier())
        qr = old_offline_qr()
        keyring, now = locker.agent.config.keyring, int(time.time() * 1000)
        assert isinstance(parse_offline_qr(qr, keyring, LOCKER, now, locker.store.deposit_of), OfflineCredential)

        cmd = locker.unlock("A03", "dropoff")
        locker.doors.set_door("A03", "closed")
        assert locker.store.deposit_of("A03") == cmd
        assert "A03" not in locker.store.verifiers()

        locker.link.up = False
        locker.doors.pulsed.clear()
        locker.reader.scan(qr)
        assert locker.screen.message == "Codul nu poate fi verificat acum. Reveniți mai târziu."
        locker.reader.type_pin(OLD_PIN)
        assert locker.screen.message == UNKNOWN_PIN_OFFLINE
        assert locker.doors.pulsed == []
        assert not [e for e in locker.outbox() if e["type"] == "offline_pickup"]
        assert locker.store.claim_nonce(OLD_NONCE, now)  # the old credential was not even used up

    def test_staff_collecting_the_file_unbinds_the_compartment(self, locker: Locker) -> None:
        locker.unlock("A01", "dropoff")
        locker.doors.set_door("A01", "closed")
        locker.unlock("A01", "retrieve")
        locker.doors.set_door("A01", "closed")
        assert locker.store.deposit_of("A01") is None

    def test_a_dropoff_door_that_never_opened_binds_nothing(self, locker: Locker) -> None:
        locker.doors.jammed.add("A02")
        cmd = locker.unlock("A02", "dropoff")
        deadline = time.monotonic() + 5
        while not [e for e in locker.outbox() if e.get("cmd") == cmd] and time.monotonic() < deadline:
            time.sleep(0.02)  # the jam timer (0.05 s) reports the door that never opened
        acks = [(e["type"], e.get("result"), e.get("reason")) for e in locker.outbox() if e.get("cmd") == cmd]
        assert ("ack", "rejected", "door_jammed") in acks
        assert locker.store.deposit_of("A02") is None


class TestOffline:
    def test_a_dropoff_qr_says_dropoff_needs_a_connection(self, locker: Locker) -> None:
        locker.link.up = False
        locker.reader.scan("dropoff-token-only")
        assert (
            locker.screen.message
            == DROPOFF_OFFLINE_QR
            == (
                "Dulapul nu este conectat. Depunerea documentelor necesită conexiune: "
                "reveniți mai târziu sau mergeți la Registratură."
            )
        )
        assert locker.doors.pulsed == []

    def test_a_pin_matching_no_verifier_also_says_dropoff_needs_a_connection(self, locker: Locker) -> None:
        locker.link.up = False
        locker.reader.type_pin("12345678")
        assert locker.screen.message == UNKNOWN_PIN_OFFLINE
        assert "Cod necunoscut" in UNKNOWN_PIN_OFFLINE and "Dacă depuneți documente" in UNKNOWN_PIN_OFFLINE
        assert locker.doors.pulsed == []

    def test_a_dropoff_qr_says_so_even_when_the_clock_is_not_trusted(self, locker: Locker) -> None:
        locker.link.up = False
        locker.agent.clock = SimulatedClock(synchronised=False)
        locker.reader.scan("dropoff-token-only")
        assert locker.screen.message == DROPOFF_OFFLINE_QR

    def test_nothing_of_an_offline_dropoff_is_sent_when_the_link_comes_back(self, locker: Locker) -> None:
        locker.link.up = False
        locker.agent.start()
        locker.reader.scan("dropoff-token-only")
        locker.reader.type_pin("12345678")
        locker.link.come_back()
        deadline = time.monotonic() + 5
        while (locker.store.backlog() or not locker.link.events()) and time.monotonic() < deadline:
            time.sleep(0.02)
        sent = locker.link.events()
        assert sent and locker.store.backlog() == 0  # the outbox was delivered: at least the heartbeat
        assert not [e for e in sent if e["type"] in ("scan", "pin", "offline_pickup")]
        assert not [e for e in sent if "12345678" in json.dumps(e) or "dropoff-token-only" in json.dumps(e)]
        assert locker.doors.pulsed == []


class TestSimulatorPage:
    def test_an_open_dropoff_compartment_is_marked_depunere(self, locker: Locker) -> None:
        sim = Simulator(locker.agent, locker.doors, locker.reader, locker.screen)
        locker.unlock("A03", "dropoff")
        assert next(c for c in sim.snapshot()["compartments"] if c["id"] == "A03")["purpose"] == "dropoff"
        assert "<strong>A03</strong> deschisă — depunere" in page(sim)
        locker.doors.set_door("A03", "closed")
        assert next(c for c in sim.snapshot()["compartments"] if c["id"] == "A03")["purpose"] is None
        assert "<strong>A03</strong> închisă" in page(sim)
