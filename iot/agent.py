"""The locker agent: turns signed commands into door openings and the locker's life into events.

``LockerAgent`` owns an injected MQTT link and the hardware interfaces. Every
event goes to the SQLite outbox first and leaves in order, once, when the link
is up (at a bounded rate). A forged, stale, misaddressed or replayed command
never opens a door.

The MQTT, door-sensor, code-reader and timer threads share the door state
(which command should open or opened each door, unlock purposes, left-open
timers, PINs awaiting the backend's answer); one lock guards it, and the events
a change causes are recorded under the same lock so their ``seq`` follows the
order of the changes. Relays, the screen and the network are driven outside it.

Which command opened each open door, and which unlock a door is waiting for, are
also kept in the store: an agent that restarts (or loses power) while a door is
open takes the cycle up again at boot, so its ``door_closed`` still carries the
command's id — and reports at once a door that closed while it was down.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import uuid
from typing import Any

from .config import AgentConfig
from .hardware import ClockStatus, CodeReader, CompartmentDriver, Screen
from .keypad import Keypad, is_keypad_code
from .link import MqttLink
from .store import AgentStore
from .verify import CLOCK_SKEW_MS, OfflineCredential, check_command, parse_offline_qr, pin_matches

log = logging.getLogger(__name__)
VERSION = "1.0.0"
WELCOME = "Bine ați venit! Scanați codul QR sau tastați PIN-ul."
PIN_HELP = "Tastați PIN-ul de 8 cifre din SMS (sau PIN-ul urmat de ultimele 4 cifre ale telefonului)."
SLOW_DOWN = "Prea multe coduri greșite. Așteptați {seconds} secunde, apoi tastați din nou PIN-ul."
NEED_PHONE_DIGITS = "Tastați PIN-ul urmat de ultimele 4 cifre ale telefonului la care ați primit SMS-ul."
OPENED = "Deschis: compartimentul {compartment}. Închideți ușa după ce ați terminat."
# a citizen's document drop-off (issue 14): the backend allocated the compartment; the file is registered at door_closed
DROPOFF_OPENED = (
    "Deschis: compartimentul {compartment}. Puneți dosarul, cu foaia de însoțire deasupra, și închideți ușa."
)
DROPOFF_THANKS = "Mulțumim! Veți primi numărul de înregistrare prin SMS."
# offline, a drop-off cannot be done (a registration number must be allocated): its codes carry no offline credential
DROPOFF_OFFLINE_QR = (
    "Dulapul nu este conectat. Depunerea documentelor necesită conexiune: "
    "reveniți mai târziu sau mergeți la Registratură."
)
UNKNOWN_PIN_OFFLINE = (
    "Cod necunoscut sau dulap fără conexiune. Verificați PIN-ul din SMS. "
    "Dacă depuneți documente, reveniți mai târziu sau mergeți la Registratură."
)
OFFLINE_PREFIX = "offline-"
OFFLINE_EXPECT_MS = 60_000  # how long an offline opening's door is waited for across a restart (a command's life)


def now_ms() -> int:
    return int(time.time() * 1000)


class LockerAgent:
    """One locker's agent; ``boot`` names this run in every event and status (a fresh id when not given)."""

    def __init__(
        self,
        config: AgentConfig,
        link: MqttLink,
        doors: CompartmentDriver,
        reader: CodeReader,
        screen: Screen,
        clock: ClockStatus,
        store: AgentStore | None = None,
        boot: str | None = None,
    ) -> None:
        self.config = config
        self.link = link
        self.doors = doors
        self.screen = screen
        self.clock = clock
        self.store = store or AgentStore(config.state_dir / "agent.sqlite3")
        self.boot = boot or uuid.uuid4().hex[:16]
        self._seq = 0
        self._seq_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._doors_lock = threading.Lock()  # guards the six dicts below
        self._expected: dict[str, str] = {}  # compartment -> command id that should open it
        self._opened_by: dict[str, str | None] = {}  # compartment -> command id that opened it
        self._timers: dict[str, threading.Timer] = {}  # compartment -> its left-open alarm
        self._jam_timers: dict[str, threading.Timer] = {}  # unlock command id -> its door-never-opened alarm
        self._purposes: dict[str, str] = {}  # unlock command id -> purpose, until its door cycle ends
        self._pins_sent: dict[str, int] = {}  # id of a pin event sent online -> when, to read its answer
        self._threads: list[threading.Thread] = []
        self._clock_offset_ms: int | None = None  # our clock minus the backend's, from the last command
        link.on_message = self.on_message
        link.on_connected = self.on_connected
        link.on_disconnected = self._wake.set
        doors.on_door_change(self.on_door_change)
        reader.on_code(self.on_code)
        self._resume_door_cycles()

    # lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        self._stopping.clear()
        self.screen.show(WELCOME)
        for target, name in ((self._sender, "outbox"), (self._heartbeats, "heartbeat")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.link.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        with self._doors_lock:
            timers = [*self._timers.values(), *self._jam_timers.values()]
        for timer in timers:
            timer.cancel()
        for thread in self._threads:
            thread.join(timeout=5)
        self.link.stop()

    def on_connected(self) -> None:
        self.link.subscribe(self.config.topic("cmd"))
        self._publish_status("online")
        self.publish_state()
        self._wake.set()

    # events ----------------------------------------------------------------------
    def _event(self, event_type: str, **fields: Any) -> dict[str, Any]:
        with self._seq_lock:
            self._seq += 1
            seq = self._seq
        event = {"v": 1, "id": uuid.uuid4().hex, "seq": seq, "boot": self.boot, "type": event_type, "ts": now_ms()}
        event.update({k: v for k, v in fields.items() if v is not None})
        return event

    def emit(self, event_type: str, **fields: Any) -> dict[str, Any]:
        """Record an event durably; the sender thread delivers it."""
        event = self._event(event_type, **fields)
        self.store.enqueue(event)
        self._wake.set()
        return event

    def _sender(self) -> None:
        interval = 1.0 / self.config.max_publish_rate
        while not self._stopping.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            while not self._stopping.is_set() and self.link.connected():
                batch = self.store.pending(20)
                if not batch:
                    break
                for event in batch:
                    started = time.monotonic()
                    if event["type"] in ("pin", "scan"):  # written by an older agent: never send a code late
                        self.store.delivered(event["id"])
                        continue
                    if not self.link.publish(self.config.topic("evt"), json.dumps(event).encode()):
                        break
                    self.store.delivered(event["id"])
                    self._stopping.wait(max(0.0, interval - (time.monotonic() - started)))
                else:
                    continue
                break

    def _heartbeats(self) -> None:
        while not self._stopping.is_set():
            self.emit("heartbeat", version=VERSION, config=self.config.config_hash, clockOffsetMs=self._clock_offset_ms)
            self._stopping.wait(self.config.heartbeat_s)

    def _publish_status(self, state: str) -> None:
        payload = json.dumps({"state": state, "boot": self.boot, "ts": now_ms()}).encode()
        self.link.publish(self.config.topic("status"), payload, retain=True)

    def publish_state(self) -> None:
        snapshot = {
            "v": 1,
            "boot": self.boot,
            "ts": now_ms(),
            "compartments": [
                {"id": c, "door": self.doors.door_state(c), "occupied": None, "enabled": True}
                for c in self.doors.compartments()
            ],
        }
        self.link.publish(self.config.topic("state"), json.dumps(snapshot).encode(), retain=True)

    # commands --------------------------------------------------------------------
    def on_message(self, topic: str, payload: bytes) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            log.warning("command is not JSON; ignored")
            return
        cmd_id = message.get("id") if isinstance(message, dict) else None
        reason = check_command(message, self.config.keyring, self.config.locker_id, now_ms())
        if reason:
            log.warning("command %s rejected: %s", cmd_id, reason)
            if isinstance(cmd_id, str):
                self.emit("ack", cmd=cmd_id[:128], result="rejected", reason=reason)
            return
        cmd_id = str(message["id"])  # check_command guarantees a string id
        if not self.store.claim_command(cmd_id, now_ms()):
            self.emit("ack", cmd=cmd_id, result="duplicate")
            return
        if message["type"] == "revoke":
            nonces = [n for n in message.get("nonces", []) if isinstance(n, str)]
            for nonce in nonces:
                self.store.claim_nonce(nonce, now_ms())  # a claimed nonce is refused from now on
            log.info("%d offline credentials revoked", len(nonces))
            self.emit("ack", cmd=cmd_id, result="executed")
            return
        if message["type"] == "reject":
            self._learn_from_reject(message)
            self.screen.show(str(message.get("message", "Cod respins.")))
            self.emit("ack", cmd=cmd_id, result="executed")
            return
        if message["type"] == "pin_verifier":
            self._keep_verifier(message)
            self.emit("ack", cmd=cmd_id, result="executed")
            return
        self._clock_offset_ms = now_ms() - int(message.get("iat", now_ms()))
        self._unlock(message)

    def _unlock(self, message: dict[str, Any]) -> None:
        compartment, cmd_id = message.get("compartment"), message["id"]
        if compartment not in self.doors.compartments():
            self.emit("ack", cmd=cmd_id, result="rejected", reason="unknown_compartment")
            return
        with self._doors_lock:
            self._expected[compartment] = cmd_id
            self._purposes[cmd_id] = str(message.get("purpose"))
            self.store.door_expected(compartment, cmd_id, self._purposes[cmd_id], int(message["exp"]))
            self._arm_jam(compartment, cmd_id)
        self.doors.pulse_relay(compartment)
        opened = DROPOFF_OPENED if message.get("purpose") == "dropoff" else OPENED
        self.screen.show(opened.format(compartment=compartment))

    def _arm_jam(self, compartment: str, cmd_id: str) -> None:
        """With _doors_lock held: in ``jam_timeout_s`` report the unlock's door if it has not opened."""
        timer = threading.Timer(self.config.jam_timeout_s, self._check_opened, (compartment, cmd_id))
        timer.daemon = True
        self._jam_timers[cmd_id] = timer
        timer.start()

    def _check_opened(self, compartment: str, cmd_id: str) -> None:
        with self._doors_lock, self.store.transaction():  # the door opening and this timer race: exactly one acks
            self._jam_timers.pop(cmd_id, None)
            if self._expected.get(compartment) == cmd_id:  # still waiting: the door never opened
                self._expected.pop(compartment, None)
                self.store.door_not_expected(compartment, cmd_id)
                self.emit("ack", cmd=cmd_id, result="rejected", reason="door_jammed")
                self.emit("fault", reason="door_jammed", compartment=compartment, cmd=cmd_id)

    # doors -------------------------------------------------------------------------
    def on_door_change(self, compartment: str, state: str) -> None:
        purpose = None
        try:
            with self._doors_lock, self.store.transaction():
                if state == "open":
                    self._door_opened(compartment)
                elif state == "closed":
                    purpose = self._door_closed(compartment)
                else:
                    self.emit("fault", reason="sensor_unknown", compartment=compartment)
        except Exception:  # the sensor's thread must not die silently: the door cycle is rolled back, say so
            log.exception("door %s went %s and the agent could not record it", compartment, state)
            raise
        if state == "closed":
            self.screen.show(DROPOFF_THANKS if purpose == "dropoff" else WELCOME)
        if self.link.connected():
            self.publish_state()

    def opened_for(self, compartment: str) -> str | None:
        """While a door is open, the purpose of the command that opened it (``pickup`` for an offline opening)."""
        with self._doors_lock:
            cmd_id = self._opened_by.get(compartment)
            if cmd_id is None:
                return None
            return "pickup" if cmd_id.startswith(OFFLINE_PREFIX) else self._purposes.get(cmd_id)

    def _resume_door_cycles(self) -> None:
        """At boot, take up what a previous run left: open door cycles and unlocks still waiting for their door.

        A door the hardware reports open keeps its cycle (its ``door_closed`` will carry the command); one it
        reports closed closed while the agent was down: its ``door_closed`` goes out now, with the command,
        and the compartment is bound as at any cycle's end. An unexpired unlock whose door is open now opened
        it while the agent was down (acked and reported now); one whose door is still closed is waited for as
        before (the jam timer reports it). An expired unlock is forgotten: the backend timed it out.
        """
        now = now_ms()
        known = set(self.doors.compartments())
        with self._doors_lock, self.store.transaction():
            for compartment, door in self.store.open_doors().items():
                if compartment not in known:
                    continue
                self._opened_by[compartment] = door.cmd
                if door.purpose is not None:
                    self._purposes[door.cmd] = door.purpose
                if self.doors.door_state(compartment) == "closed":
                    # after the door_opened of the earlier boot even if this clock restarted behind it
                    self._door_closed(compartment, ts=max(now, door.opened_at + 1))
                else:
                    self._arm_left_open(compartment)
            for compartment, pending in self.store.expected_doors().items():
                if compartment not in known or now > pending.exp + CLOCK_SKEW_MS:
                    self.store.door_not_expected(compartment, pending.cmd)
                    continue
                self._expected[compartment] = pending.cmd
                if pending.purpose is not None:
                    self._purposes[pending.cmd] = pending.purpose
                if compartment not in self._opened_by and self.doors.door_state(compartment) == "open":
                    self._door_opened(compartment)
                elif not pending.cmd.startswith(OFFLINE_PREFIX):
                    self._arm_jam(compartment, pending.cmd)

    # The helpers below run with _doors_lock held (and, for the first two, inside a store transaction).
    def _door_opened(self, compartment: str) -> None:
        cmd_id = self._expected.pop(compartment, None)
        self._opened_by[compartment] = cmd_id
        if cmd_id and not cmd_id.startswith(OFFLINE_PREFIX):
            self.emit("ack", cmd=cmd_id, result="executed")
        opened = self.emit("door_opened", compartment=compartment, cmd=cmd_id)
        self.store.door_opened(compartment, cmd_id, self._purposes.get(cmd_id) if cmd_id else None, opened["ts"])
        if cmd_id is None:
            self.emit("fault", reason="forced_open", compartment=compartment)
        self._arm_left_open(compartment)

    def _door_closed(self, compartment: str, ts: int | None = None) -> str | None:
        """End the door's cycle: bind or unbind the compartment, report ``door_closed``; returns the purpose."""
        cmd_id = self._opened_by.pop(compartment, None)
        self._disarm(compartment)
        purpose = self._note_contents(compartment, cmd_id)
        self.store.door_closed(compartment)
        self.emit("door_closed", compartment=compartment, cmd=cmd_id, ts=ts)
        return purpose

    def _arm_left_open(self, compartment: str) -> None:
        self._disarm(compartment)
        timer = threading.Timer(
            self.config.left_open_s, self.emit, ("fault",), {"reason": "left_open", "compartment": compartment}
        )
        timer.daemon = True
        self._timers[compartment] = timer
        timer.start()

    def _disarm(self, compartment: str) -> None:
        timer = self._timers.pop(compartment, None)
        if timer:
            timer.cancel()

    def _note_contents(self, compartment: str, cmd_id: str | None) -> str | None:
        """A deposit's door cycle binds the compartment to it; a pickup's or retrieval's unbinds it.

        A drop-off's door cycle binds it to the drop-off command the same way (and forgets any older
        PIN verifier): a compartment holding a citizen's file refuses every offline QR or PIN issued
        before, even one for a deposit whose pickup this agent never saw end. Returns the purpose.
        """
        purpose = self._purposes.pop(cmd_id, None) if cmd_id else None
        if purpose == "deposit" and cmd_id:
            self.store.bind_deposit(compartment, cmd_id, now_ms())
        elif purpose == "dropoff" and cmd_id:
            self.store.clear_deposit(compartment)
            self.store.bind_deposit(compartment, cmd_id, now_ms())
        elif purpose in ("pickup", "retrieve") or (cmd_id or "").startswith(OFFLINE_PREFIX):
            self.store.clear_deposit(compartment)
        return purpose

    def _keep_verifier(self, message: dict[str, Any]) -> None:
        self.store.save_verifier(
            str(message["compartment"]),
            {k: message[k] for k in ("deposit", "nonce", "until", "verifier")},
        )

    # keypad --------------------------------------------------------------------------
    def _keypad(self) -> Keypad:
        return Keypad(**self.store.keypad())

    def _save_keypad(self, keypad: Keypad) -> None:
        self.store.save_keypad(dataclasses.asdict(keypad))

    def _learn_from_reject(self, message: dict[str, Any]) -> None:
        """Mirror the backend's keypad verdicts, so cutting the network gains a guesser nothing."""
        with self._doors_lock:
            if self._pins_sent.pop(str(message.get("re")), None) is None:
                return
        reason, now = message.get("reason"), now_ms()
        if reason == "invalid_code":
            self._save_keypad(self._keypad().failed(now))
        elif reason == "slow_down" and isinstance(message.get("retryAfter"), int):
            self._save_keypad(self._keypad().told_to_wait(now, int(message["retryAfter"])))
        elif reason == "need_phone_digits":
            self._save_keypad(self._keypad().told_under_attack(now))

    # codes -------------------------------------------------------------------------
    def on_code(self, kind: str, code: str) -> None:
        """A code typed or scanned: checked by the backend when online, by the locker itself when offline.

        Codes are never queued: one typed while the link is down would otherwise open a
        door minutes or hours later, in front of nobody.
        """
        code = code.strip()
        if not code:
            return
        if kind == "pin":
            self._on_pin(code)
        elif self.link.connected() and self._send_code("scan", code.split(".", 1)[0]):
            self.screen.show("Se verifică codul…")
        else:
            self._offline_pickup(code)

    def _on_pin(self, code: str) -> None:
        if not is_keypad_code(code):
            self.screen.show(PIN_HELP)
            return
        wait = self._keypad().wait_seconds(now_ms())
        if wait:
            self.screen.show(SLOW_DOWN.format(seconds=wait))
            return
        if self.link.connected() and self._send_code("pin", code):
            self.screen.show("Se verifică codul…")
            return
        self._offline_pin(code)

    def _send_code(self, kind: str, code: str) -> str | None:
        """Publish a code event now, or not at all; returns its id when the broker took it.

        A PIN's id is remembered before it is published: the backend's answer may
        arrive on the MQTT thread before the PUBACK does.
        """
        event = self._event(kind, code=code)
        event_id = str(event["id"])
        if kind == "pin":
            with self._doors_lock:
                now = now_ms()
                for old in [k for k, at in self._pins_sent.items() if at < now - 600_000]:
                    self._pins_sent.pop(old, None)
                self._pins_sent[event_id] = now
        if self.link.publish(self.config.topic("evt"), json.dumps(event).encode()):
            return event_id
        if kind == "pin":
            with self._doors_lock:
                self._pins_sent.pop(event_id, None)
        return None

    def _clock_trusted(self) -> bool:
        if self.clock.synchronised_within(self.config.clock_sync_max_age_s):
            return True
        self.screen.show("Dulapul nu este conectat. Reveniți mai târziu sau mergeți la Registratură.")
        self.emit("fault", reason="clock_unsynchronised")
        return False

    def _offline_pickup(self, qr: str) -> None:
        """Offline, a QR's backend-signed credential may open its compartment, once, if our clock is trusted.

        A QR that is only a token (no dots) carries no offline credential: a drop-off code's, which needs
        the backend (a registration number must be allocated).
        """
        if "." not in qr:
            self.screen.show(DROPOFF_OFFLINE_QR)
            return
        if not self._clock_trusted():
            return
        credential = parse_offline_qr(qr, self.config.keyring, self.config.locker_id, now_ms(), self.store.deposit_of)
        if not isinstance(credential, OfflineCredential):
            self.screen.show("Codul nu poate fi verificat acum. Reveniți mai târziu.")
            return
        self._open_offline(credential.compartment, credential.nonce, credential.deposit, credential.token)

    def _offline_pin(self, code: str) -> None:
        """Offline, a PIN opens its compartment once if it matches that compartment's verifier (slow hash)."""
        if not self._clock_trusted():
            return
        now = now_ms()
        keypad = self._keypad()
        if len(code) == 8 and keypad.under_attack(now):
            self.screen.show(NEED_PHONE_DIGITS)
            return
        self.screen.show("Se verifică codul…")
        for compartment, held in self.store.verifiers().items():
            if held.get("deposit") != self.store.deposit_of(compartment) or int(held.get("until", 0)) < now:
                continue  # emptied and filled again since, or past its deadline
            if pin_matches(held["verifier"], code):
                self._open_offline(compartment, str(held["nonce"]), str(held["deposit"]), code)
                return
        self._save_keypad(keypad.failed(now))  # a drop-off PIN cannot be told from a wrong one offline
        self.screen.show(UNKNOWN_PIN_OFFLINE)

    def _open_offline(self, compartment: str, nonce: str, deposit: str, code: str) -> None:
        if not self.store.claim_nonce(nonce, now_ms()):
            self.screen.show("Codul a fost deja folosit.")
            return
        with self._doors_lock:
            self._expected[compartment] = f"{OFFLINE_PREFIX}{nonce}"
            self.store.door_expected(compartment, f"{OFFLINE_PREFIX}{nonce}", None, now_ms() + OFFLINE_EXPECT_MS)
        self.emit("offline_pickup", compartment=compartment, code=code, deposit=deposit)
        self.doors.pulse_relay(compartment)
        self.screen.show(f"Deschis: compartimentul {compartment}.")
