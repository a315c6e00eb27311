"""The locker agent across a restart while a door is open (a power cut, a crash, an update): the door cycle
is on disk, so the ``door_closed`` still carries the command that opened the door, and the compartment is
bound as at any cycle's end — a citizen's dropped-off file is registered, a clerk's deposit gets its codes.

A "restart" here abandons the agent as a crash would (nothing more is written) and boots a new one on the
same SQLite file, with door sensors that report what the door did meanwhile.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.signer import Ed25519Signer
from chalicelib.domain.protocol import unlock_command
from chalicelib.services.deps import Deps
from chalicelib.services.locker_events import handle_locker_event
from chalicelib.services.request_records import get_request
from iot import agent as agent_module
from iot.agent import DROPOFF_THANKS, WELCOME, LockerAgent
from iot.config import AgentConfig, CompartmentWiring
from iot.hardware import SimulatedClock, SimulatedReader, SimulatedScreen
from iot.store import AgentStore
from iot.verify import Keyring
from tests.support.memory_deps import FakeClock, memory_deps
from tests.support.schemas import assert_valid
from tests.unit.test_agent_dropoff import (
    BACKEND,
    COMPARTMENTS,
    LOCKER,
    OLD_DEPOSIT,
    FakeLink,
    InstantDoors,
    old_offline_qr,
    old_verifier,
)
from tests.unit.test_dropoff_rules import a_draft, a_locker, code_for, sign_in, use_pin


@dataclass
class Boot:
    agent: LockerAgent
    link: FakeLink
    doors: InstantDoors
    screen: SimulatedScreen
    reader: SimulatedReader
    store: AgentStore

    def unlock(self, compartment: str, purpose: str) -> str:
        message = unlock_command(LOCKER, compartment, purpose, int(time.time() * 1000), 60, "k1", re="evt-1")
        self.command(message)
        return str(message["id"])

    def command(self, message: dict[str, Any]) -> None:
        if "sig" not in message:
            message = {**message, "sig": BACKEND.sign(message)}
        self.agent.on_message(f"eps2/lockers/{self.agent.config.locker_id}/cmd", json.dumps(message).encode())

    def events(self) -> list[dict[str, Any]]:
        """Every event of this boot in the outbox (the ones of earlier boots still there are not this boot's)."""
        return [e for e in self.store.pending(1000) if e["boot"] == self.agent.boot]

    def cycle(self) -> list[tuple[str, str | None, str | None]]:
        return [(e["type"], e.get("compartment"), e.get("cmd")) for e in self.events() if e["type"] != "heartbeat"]


class Lockers:
    """Boots agents of one locker on one state directory; ``crash`` abandons one as a power cut would."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.boots: list[Boot] = []

    def boot(
        self,
        open_doors: tuple[str, ...] = (),
        jam_timeout_s: float = 0.05,
        jammed: tuple[str, ...] = (),
        locker: str = LOCKER,
        keyring: Keyring | None = None,
    ) -> Boot:
        config = AgentConfig(
            locker_id=locker,
            state_dir=self.tmp_path,
            mqtt_host="127.0.0.1",
            mqtt_port=1,
            keyring=keyring or Keyring.from_b64({"k1": BACKEND.public_key_b64()}),
            compartments=tuple(CompartmentWiring(c) for c in COMPARTMENTS),
            heartbeat_s=3600,
            jam_timeout_s=jam_timeout_s,
        )
        doors = InstantDoors(list(COMPARTMENTS), doors={c: "open" for c in open_doors}, jammed=set(jammed))
        link, reader, screen = FakeLink(), SimulatedReader(), SimulatedScreen()
        store = AgentStore(self.tmp_path / "agent.sqlite3")
        boot_id = f"b{len(self.boots) + 1}"
        agent = LockerAgent(config, link, doors, reader, screen, SimulatedClock(), store, boot=boot_id)
        self.boots.append(Boot(agent, link, doors, screen, reader, store))
        return self.boots[-1]

    def crash(self, boot: Boot) -> None:
        """The process dies: its timers never fire, nothing more reaches the disk."""
        boot.agent.stop()
        boot.store.close()
        boot.doors._callbacks.clear()  # the dead agent no longer hears its sensors

    def close(self) -> None:
        for boot in self.boots:
            boot.agent.stop()
            try:
                boot.store.close()
            except Exception:
                pass


@pytest.fixture
def lockers(tmp_path: Path) -> Iterator[Lockers]:
    made = Lockers(tmp_path)
    yield made
    made.close()


class TestADoorOpenAcrossARestart:
    def test_a_dropoff_door_closed_after_a_restart_carries_its_unlock_and_binds_the_compartment(
        self, lockers: Lockers
    ) -> None:
        first = lockers.boot()
        # A03 held an old deposit whose offline QR and PIN must stop working once a citizen's file is in it
        first.store.bind_deposit("A03", OLD_DEPOSIT, int(time.time() * 1000))
        first.store.save_verifier("A03", old_verifier())
        cmd = first.unlock("A03", "dropoff")
        assert first.cycle() == [("ack", None, cmd), ("door_opened", "A03", cmd)]
        lockers.crash(first)  # the power goes while the citizen's hand is in the compartment

        second = lockers.boot(open_doors=("A03",))
        assert second.cycle() == []  # nothing to report yet: the door is still open
        assert second.agent.opened_for("A03") == "dropoff"  # the simulator's page still says "depunere"
        second.doors.set_door("A03", "closed")

        closed = second.events()
        assert [(e["type"], e["compartment"], e["cmd"], e["seq"]) for e in closed] == [("door_closed", "A03", cmd, 1)]
        assert_valid("event", closed[0])
        assert second.store.deposit_of("A03") == cmd  # the drop-off binding (_note_contents)
        assert "A03" not in second.store.verifiers()
        assert second.screen.message == DROPOFF_THANKS
        assert second.store.open_doors() == {}

    def test_a_deposit_door_closed_after_a_restart_binds_the_compartment_to_the_deposit(self, lockers: Lockers) -> None:
        first = lockers.boot()
        cmd = first.unlock("A02", "deposit")
        lockers.crash(first)
        second = lockers.boot(open_doors=("A02",))
        second.doors.set_door("A02", "closed")
        assert second.cycle() == [("door_closed", "A02", cmd)]
        assert second.store.deposit_of("A02") == cmd  # the offline QR and PIN of the codes issued now work
        assert second.screen.message == WELCOME

    @pytest.mark.parametrize("purpose", ["dropoff", "deposit"])
    def test_a_door_that_closed_while_the_agent_was_down_is_reported_at_boot_with_its_unlock(
        self, lockers: Lockers, purpose: str
    ) -> None:
        first = lockers.boot()
        cmd = first.unlock("A01", purpose)
        opened = next(e for e in first.events() if e["type"] == "door_opened")
        lockers.crash(first)  # the door closes while the locker has no power

        second = lockers.boot()  # every sensor reports closed
        closed = second.events()
        assert [(e["type"], e["compartment"], e["cmd"], e["seq"]) for e in closed] == [("door_closed", "A01", cmd, 1)]
        assert closed[0]["ts"] > opened["ts"]  # a new boot's event is ordered by ts (record_door): it must be newer
        assert_valid("event", closed[0])
        assert second.store.deposit_of("A01") == cmd
        assert second.store.open_doors() == {}
        assert second.screen.message == WELCOME  # nobody is in front of the locker to thank
        # what the earlier boot had not sent yet still leaves first, in order
        assert [e["type"] for e in second.store.pending(1000) if e["type"] != "heartbeat"] == [
            "ack",
            "door_opened",
            "door_closed",
        ]

    def test_a_pickup_door_that_closed_while_down_unbinds_the_compartment(self, lockers: Lockers) -> None:
        first = lockers.boot()
        first.store.bind_deposit("A02", "deposit-1", int(time.time() * 1000))
        cmd = first.unlock("A02", "pickup")
        lockers.crash(first)
        second = lockers.boot()
        assert second.cycle() == [("door_closed", "A02", cmd)]
        assert second.store.deposit_of("A02") is None

    def test_an_offline_opening_that_closed_while_down_reports_its_nonce(self, lockers: Lockers) -> None:
        first = lockers.boot()
        first.store.bind_deposit("A03", OLD_DEPOSIT, int(time.time() * 1000))
        first.link.up = False
        first.reader.scan(old_offline_qr("A03"))
        assert first.doors.doors["A03"] == "open"
        lockers.crash(first)
        second = lockers.boot()
        # the backend frees the compartment only on the door cycle of that offline opening
        assert second.cycle() == [("door_closed", "A03", "offline-AbCdEfGh")]
        assert second.store.deposit_of("A03") is None

    def test_the_left_open_alarm_is_armed_again_for_a_door_still_open(self, lockers: Lockers) -> None:
        first = lockers.boot()
        first.unlock("A01", "dropoff")
        lockers.crash(first)
        second = lockers.boot(open_doors=("A01",))
        assert "A01" in second.agent._timers


class TestACycleIsReportedOnce:
    def test_a_cycle_reported_at_boot_is_not_reported_by_the_next_boot(self, lockers: Lockers) -> None:
        first = lockers.boot()
        first.unlock("A01", "dropoff")
        lockers.crash(first)
        second = lockers.boot()
        assert [e["type"] for e in second.events()] == ["door_closed"]
        lockers.crash(second)
        third = lockers.boot()
        assert third.events() == []
        # the outbox holds exactly one door_closed for the cycle, whatever the number of boots
        assert [e["type"] for e in third.store.pending(1000)].count("door_closed") == 1

    def test_a_cycle_closed_after_a_restart_is_not_reported_again(self, lockers: Lockers) -> None:
        first = lockers.boot()
        first.unlock("A01", "dropoff")
        lockers.crash(first)
        second = lockers.boot(open_doors=("A01",))
        second.doors.set_door("A01", "closed")
        lockers.crash(second)
        assert lockers.boot().events() == []

    def test_a_cycle_that_ended_normally_leaves_nothing_for_the_next_boot(self, lockers: Lockers) -> None:
        first = lockers.boot()
        first.unlock("A01", "dropoff")
        first.doors.set_door("A01", "closed")
        first.unlock("A02", "service")
        first.doors.set_door("A02", "closed")
        lockers.crash(first)
        second = lockers.boot()
        assert second.events() == []
        assert second.store.open_doors() == {} and second.store.expected_doors() == {}

    def test_a_forced_opening_after_the_restart_ends_the_cycle_of_the_door(self, lockers: Lockers) -> None:
        first = lockers.boot()
        cmd = first.unlock("A01", "dropoff")
        lockers.crash(first)
        second = lockers.boot()
        second.doors.set_door("A01", "open")  # someone opens it again without a command
        second.doors.set_door("A01", "closed")
        assert second.cycle() == [
            ("door_closed", "A01", cmd),
            ("door_opened", "A01", None),
            ("fault", "A01", None),
            ("door_closed", "A01", None),
        ]


class TestAnUnlockWhoseDoorHadNotOpenedYet:
    def test_a_door_that_opened_while_the_agent_was_down_is_acked_and_its_cycle_kept(self, lockers: Lockers) -> None:
        first = lockers.boot(jam_timeout_s=30, jammed=("A01",))  # the relay fired; the power went before the sensor
        cmd = first.unlock("A01", "dropoff")
        assert first.cycle() == []
        lockers.crash(first)

        second = lockers.boot(open_doors=("A01",))
        assert second.cycle() == [("ack", None, cmd), ("door_opened", "A01", cmd)]
        assert next(e for e in second.events() if e["type"] == "ack")["result"] == "executed"
        second.doors.set_door("A01", "closed")
        assert second.cycle()[-1] == ("door_closed", "A01", cmd)
        assert second.store.deposit_of("A01") == cmd
        assert second.screen.message == DROPOFF_THANKS

    def test_a_door_still_closed_is_reported_jammed_as_before(self, lockers: Lockers) -> None:
        first = lockers.boot(jam_timeout_s=30, jammed=("A02",))
        cmd = first.unlock("A02", "dropoff")
        lockers.crash(first)
        second = lockers.boot(jam_timeout_s=0.05)
        deadline = time.monotonic() + 5
        while not second.events() and time.monotonic() < deadline:
            time.sleep(0.02)
        reported = [(e["type"], e.get("result"), e.get("reason"), e.get("cmd")) for e in second.events()]
        assert reported == [("ack", "rejected", "door_jammed", cmd), ("fault", None, "door_jammed", cmd)]
        assert second.store.expected_doors() == {}

    def test_a_stale_unlock_is_forgotten(self, lockers: Lockers) -> None:
        first = lockers.boot()
        first.store.door_expected("A03", "cmd-long-gone", "dropoff", int(time.time() * 1000) - 120_000)
        lockers.crash(first)
        second = lockers.boot()
        assert second.store.expected_doors() == {}
        second.doors.set_door("A03", "open")  # this opening is not that command's: the backend timed it out
        assert second.cycle() == [("door_opened", "A03", None), ("fault", "A03", None)]


class TestTheBackendTakesTheBootReport:
    """The agent's events, as a backend on in-memory stores receives them: the file is registered."""

    @pytest.fixture()
    def deps(self) -> Deps:
        deps = memory_deps()
        assert isinstance(deps.clock, FakeClock)
        deps.clock.now = int(time.time() * 1000)  # the agent checks the unlock's expiry with the real clock
        return deps

    def deliver(self, deps: Deps, locker: str, boot: Boot) -> list[str]:
        outcomes = []
        for event in boot.store.pending(1000):
            outcomes.append(handle_locker_event(deps, locker, event))
            boot.store.delivered(event["id"])
        return outcomes

    @pytest.mark.parametrize("clock_behind_ms", [0, 3_600_000])
    def test_a_dropoff_whose_door_closed_while_the_agent_was_down_is_registered(
        self, deps: Deps, lockers: Lockers, monkeypatch: pytest.MonkeyPatch, clock_behind_ms: int
    ) -> None:
        locker = a_locker(deps, "SSS")
        citizen = sign_in(deps)
        request_id = a_draft(deps, citizen)
        pin, _ = code_for(deps, citizen, request_id, locker)
        outcome, unlock = use_pin(deps, locker, pin)
        assert outcome == "unlock" and unlock["purpose"] == "dropoff"
        assert isinstance(deps.signer, Ed25519Signer)
        keyring = Keyring.from_b64({deps.signer.kid: deps.signer.public_key_b64()})

        first = lockers.boot(locker=locker, keyring=keyring)
        first.command(unlock)
        assert first.doors.doors[unlock["compartment"]] == "open"
        lockers.crash(first)  # before anything was sent
        real = agent_module.now_ms
        # a controller without a battery-backed clock may boot behind the time the door opened
        monkeypatch.setattr(agent_module, "now_ms", lambda: real() - clock_behind_ms)
        second = lockers.boot(locker=locker, keyring=keyring)
        assert [e["type"] for e in second.events()] == ["door_closed"]

        outcomes = self.deliver(deps, locker, second)
        assert outcomes[-1] == "registered"
        record = get_request(deps, request_id)
        assert record.status == "registered" and record.registration_number
        slot = deps.stores.lockers.compartment(locker, unlock["compartment"])
        assert slot is not None and slot.door == "closed" and slot.door_boot == second.agent.boot
        assert slot.occupied and slot.request_id == request_id
        # the old boot's door_opened, had it arrived late, would not reopen the door
        late = handle_locker_event(
            deps,
            locker,
            {
                "v": 1,
                "id": uuid.uuid4().hex,
                "type": "door_opened",
                "compartment": unlock["compartment"],
                "cmd": unlock["id"],
                "boot": first.agent.boot,
                "seq": 99,
                "ts": slot.door_ts - 1 if slot.door_ts else 0,
            },
        )
        assert late == "stale"
