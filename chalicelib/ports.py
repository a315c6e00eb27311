"""Ports: the small interfaces behind which each outside dependency sits.

Services depend on these; ``chalicelib.wiring`` picks the adapter. Adapters
translate vendor errors into the exceptions below, once, at the boundary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol


class SmsError(Exception):
    """Base of SMS delivery failures."""


class RetryableSmsError(SmsError):
    """Throttling or a transient fault: try again later with backoff."""


class PermanentSmsError(SmsError):
    """The message can never be sent as it is (bad number, opted out): show staff, do not retry."""


class SmsSender(Protocol):
    def send(self, phone_e164: str, body: str) -> str:
        """Send one SMS; return the provider's message id."""
        ...

    def ping(self) -> None:
        """Raise if the provider cannot be reached."""
        ...


class CommandPublisher(Protocol):
    def publish(self, locker_id: str, message: dict[str, Any], expiry_s: int) -> None:
        """Publish a signed command to the locker's cmd topic, QoS 1, with MQTT 5 message expiry."""
        ...

    def ping(self) -> None: ...


class CommandSigner(Protocol):
    kid: str

    def sign(self, message: dict[str, Any]) -> str:
        """base64url Ed25519 signature of the message's signed bytes."""
        ...

    def sign_bytes(self, data: bytes) -> str:
        """base64url Ed25519 signature of raw bytes (offline credentials)."""
        ...


@dataclass(frozen=True)
class StaffIdentity:
    username: str
    roles: tuple[str, ...]
    display_name: str = ""


class StaffDirectory(Protocol):
    def authenticate(self, username: str, password: str) -> StaffIdentity | None: ...


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)
