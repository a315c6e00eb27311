"""Service dependencies with nothing behind a socket, for fast unit tests of the service rules: the
in-memory stores, a clock the test moves, and recording fakes for SMS and locker commands."""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.memory_files import MemoryFiles
from chalicelib.adapters.memory_messaging import MemoryEmail, MemoryQueue
from chalicelib.adapters.signer import Ed25519Signer
from chalicelib.adapters.staff_directory import StoreStaffDirectory
from chalicelib.config import load_settings
from chalicelib.services.deps import Deps
from chalicelib.storage.memory_tables import MemoryEngine
from chalicelib.stores import build_stores
from devstack.secrets import generate

DAY_MS = 86_400_000


@dataclass
class FakeClock:
    now: int = 1_790_000_000_000  # a fixed instant in 2026

    def now_ms(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@dataclass
class RecordingSms:
    """Every SMS as (phone, body); ``fail_with`` makes the next sends raise it."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    fail_with: Exception | None = None

    def send(self, phone_e164: str, body: str) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((phone_e164, body))
        return uuid.uuid4().hex

    def ping(self) -> None:
        return None


@dataclass
class RecordingPublisher:
    """Every command published, as (locker id, message)."""

    published: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_with: Exception | None = None

    def publish(self, locker_id: str, message: dict[str, Any], expiry_s: int) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.published.append((locker_id, message))

    def ping(self) -> None:
        return None

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for _, m in self.published if m.get("type") == kind]


def _raw(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def memory_deps(**environ: str) -> Deps:
    """Deps on in-memory stores; ``environ`` sets EPS2_* settings as the environment would."""
    secrets = generate()
    stores = build_stores(MemoryEngine())
    clock = FakeClock()
    return Deps(
        settings=load_settings({"EPS2_STAGE": "local", **environ}),
        clock=clock,
        sms=RecordingSms(),
        publisher=RecordingPublisher(),
        signer=Ed25519Signer(_raw(secrets["signing_key"]), "test"),
        staff=StoreStaffDirectory(stores.access, clock),
        stores=stores,
        files=MemoryFiles(),
        pepper=os.urandom(32),
        session_secret=os.urandom(32),
        connection=None,
        email=MemoryEmail(),
        queue=MemoryQueue(),
        sleep=lambda seconds: None,
    )
