"""Hardware interfaces of the locker (compartments, code reader, screen, clock) and their simulated versions."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

DoorCallback = Callable[[str, str], None]  # (compartment, "open" | "closed" | "unknown")
CodeCallback = Callable[[str, str], None]  # (kind "scan" | "pin", code)


class CompartmentDriver(Protocol):
    def compartments(self) -> list[str]: ...

    def pulse_relay(self, compartment: str) -> None:
        """Release the compartment's lock for a moment; the door sensor reports what follows."""
        ...

    def door_state(self, compartment: str) -> str: ...

    def on_door_change(self, callback: DoorCallback) -> None: ...


class CodeReader(Protocol):
    def on_code(self, callback: CodeCallback) -> None: ...


class Screen(Protocol):
    def show(self, message_ro: str) -> None: ...


class ClockStatus(Protocol):
    def synchronised_within(self, seconds: float) -> bool: ...


@dataclass
class SimulatedCompartments:
    """Doors that open when the relay fires (unless jammed) and close by themselves after ``auto_close_s``."""

    ids: list[str]
    auto_close_s: float | None = 2.0
    jammed: set[str] = field(default_factory=set)
    doors: dict[str, str] = field(default_factory=dict)
    occupied: dict[str, bool] = field(default_factory=dict)
    _callbacks: list[DoorCallback] = field(default_factory=list)

    def __post_init__(self) -> None:
        for cid in self.ids:
            self.doors.setdefault(cid, "closed")

    def compartments(self) -> list[str]:
        return list(self.ids)

    def pulse_relay(self, compartment: str) -> None:
        if compartment in self.jammed:
            return
        threading.Thread(target=self._door_cycle, args=(compartment,), name=f"door-{compartment}", daemon=True).start()

    def _door_cycle(self, compartment: str) -> None:
        """The citizen's hand: the door swings open, and (unless told otherwise) closes ``auto_close_s`` later.

        One thread does both in order: two timers could fire out of order on a loaded machine and
        "close" a door before it opened, leaving it open for good.
        """
        time.sleep(0.05)
        self.set_door(compartment, "open")
        if self.auto_close_s is not None:
            time.sleep(self.auto_close_s)
            self.set_door(compartment, "closed")

    def set_door(self, compartment: str, state: str) -> None:
        if self.doors.get(compartment) == state:
            return
        self.doors[compartment] = state
        for callback in list(self._callbacks):
            callback(compartment, state)

    def door_state(self, compartment: str) -> str:
        return self.doors.get(compartment, "unknown")

    def on_door_change(self, callback: DoorCallback) -> None:
        self._callbacks.append(callback)


@dataclass
class SimulatedReader:
    _callbacks: list[CodeCallback] = field(default_factory=list)

    def on_code(self, callback: CodeCallback) -> None:
        self._callbacks.append(callback)

    def scan(self, code: str) -> None:
        for callback in self._callbacks:
            callback("scan", code)

    def type_pin(self, pin: str) -> None:
        for callback in self._callbacks:
            callback("pin", pin)


@dataclass
class SimulatedScreen:
    message: str = "Bine ați venit! Scanați codul QR sau tastați PIN-ul."
    history: list[str] = field(default_factory=list)

    def show(self, message_ro: str) -> None:
        self.message = message_ro
        self.history.append(message_ro)
        log.info("screen: %s", message_ro)


@dataclass
class SimulatedClock:
    synchronised: bool = True

    def synchronised_within(self, seconds: float) -> bool:
        return self.synchronised


class SystemdClockStatus:
    """systemd-timesyncd touches this file at each successful synchronisation."""

    MARKER = "/run/systemd/timesync/synchronized"

    def synchronised_within(self, seconds: float) -> bool:
        try:
            import os

            return time.time() - os.stat(self.MARKER).st_mtime <= seconds
        except OSError:
            return False
