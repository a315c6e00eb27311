"""Production drivers for a Raspberry-Pi-class controller.

Relays and door sensors through gpiozero (imported only here, only on the
device); the QR scanner and the keypad are line readers (USB keyboard-wedge or
serial devices); the screen is a text console.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import IO, Any

from .config import CompartmentWiring
from .hardware import CodeCallback, DoorCallback

log = logging.getLogger(__name__)
RELAY_PULSE_S = 0.5


class GpioCompartments:
    def __init__(self, wiring: Iterable[CompartmentWiring]) -> None:
        from gpiozero import DigitalInputDevice, OutputDevice  # only present on the device

        self._relays: dict[str, Any] = {}
        self._sensors: dict[str, Any] = {}
        self._callbacks: list[DoorCallback] = []
        for entry in wiring:
            if entry.relay_pin is None or entry.sensor_pin is None:
                raise ValueError(f"compartment {entry.id} needs relay_pin and sensor_pin")
            self._relays[entry.id] = OutputDevice(entry.relay_pin, active_high=True, initial_value=False)
            sensor = DigitalInputDevice(entry.sensor_pin, pull_up=True, bounce_time=0.05)
            sensor.when_activated = lambda cid=entry.id: self._notify(cid, "closed")
            sensor.when_deactivated = lambda cid=entry.id: self._notify(cid, "open")
            self._sensors[entry.id] = sensor

    def compartments(self) -> list[str]:
        return list(self._relays)

    def pulse_relay(self, compartment: str) -> None:
        relay = self._relays[compartment]
        relay.on()
        threading.Timer(RELAY_PULSE_S, relay.off).start()

    def door_state(self, compartment: str) -> str:
        try:
            return "closed" if self._sensors[compartment].value else "open"
        except Exception:
            return "unknown"

    def on_door_change(self, callback: DoorCallback) -> None:
        self._callbacks.append(callback)

    def _notify(self, compartment: str, state: str) -> None:
        for callback in self._callbacks:
            callback(compartment, state)


class LineCodeReader:
    """Reads lines from a scanner or keypad: 8 digits are a PIN, 12 a PIN and the phone's last four, else a QR."""

    def __init__(self, streams: Iterable[IO[str]]) -> None:
        self._streams = list(streams)
        self._callbacks: list[CodeCallback] = []

    def on_code(self, callback: CodeCallback) -> None:
        self._callbacks.append(callback)

    def start(self) -> None:
        for stream in self._streams:
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            code = line.strip()
            if not code:
                continue
            kind = "pin" if code.isdigit() and len(code) in (8, 12) else "scan"
            for callback in self._callbacks:
                callback(kind, code)


class ConsoleScreen:
    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def show(self, message_ro: str) -> None:
        self._stream.write("\x1b[2J\x1b[H" + message_ro + "\n")
        self._stream.flush()
