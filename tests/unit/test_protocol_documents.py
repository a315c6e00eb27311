"""The published locker contract (docs/asyncapi.yaml, docs/schemas/, docs/locker-protocol.md) against the code.

Commands are built by the backend's own constructors and signed by its signer, then validated against the
schema the AsyncAPI document names for their channel; the enums of the schemas are the code's own lists, so
a purpose or reason added on one side only fails here.
"""

from __future__ import annotations

import json
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from jsonschema import Draft202012Validator

from chalicelib.adapters.signer import Ed25519Signer
from chalicelib.domain.protocol import EVENT_TYPES, PURPOSES, REJECT_REASONS, reject_command, unlock_command
from iot.verify import COMMAND_TYPES

DOCS = Path(__file__).resolve().parents[2] / "docs"
LOCKER = "ps2-hq-01"
SIGNER = Ed25519Signer(
    Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()), "k1"
)


@cache
def asyncapi() -> dict[str, Any]:
    return dict(yaml.safe_load((DOCS / "asyncapi.yaml").read_text(encoding="utf-8")))


def channel_schema(channel: str) -> dict[str, Any]:
    """The payload schema the AsyncAPI document names for the one message of ``channel``."""
    (message,) = asyncapi()["channels"][channel]["messages"].values()
    return dict(json.loads((DOCS / message["payload"]["$ref"]).read_text(encoding="utf-8")))


def errors(channel: str, message: dict[str, Any]) -> list[str]:
    return [e.message for e in Draft202012Validator(channel_schema(channel)).iter_errors(message)]


def signed(message: dict[str, Any]) -> dict[str, Any]:
    return {**message, "sig": SIGNER.sign(message)}


def now_ms() -> int:
    return int(time.time() * 1000)


class TestTheDocumentsAreWellFormed:
    def test_every_channel_names_a_schema_that_exists_and_is_valid(self) -> None:
        assert set(asyncapi()["channels"]) == {"cmd", "evt", "state", "status"}
        for channel in asyncapi()["channels"]:
            Draft202012Validator.check_schema(channel_schema(channel))


class TestTheEnumsAreTheCodes:
    def test_the_purposes_are_the_backends(self) -> None:
        assert channel_schema("cmd")["properties"]["purpose"]["enum"] == list(PURPOSES)
        assert "dropoff" in PURPOSES

    def test_the_reject_reasons_are_the_backends(self) -> None:
        assert channel_schema("cmd")["properties"]["reason"]["enum"] == list(REJECT_REASONS)
        assert "full" in REJECT_REASONS

    def test_the_command_types_are_the_agents(self) -> None:
        assert channel_schema("cmd")["properties"]["type"]["enum"] == list(COMMAND_TYPES)

    def test_the_event_types_are_the_backends(self) -> None:
        assert channel_schema("evt")["properties"]["type"]["enum"] == list(EVENT_TYPES)

    @pytest.mark.parametrize("name", [*PURPOSES, *REJECT_REASONS])
    def test_every_purpose_and_reason_is_described_in_the_protocol(self, name: str) -> None:
        assert f"`{name}`" in (DOCS / "locker-protocol.md").read_text(encoding="utf-8")


class TestDropoffCommands:
    def test_a_dropoff_unlock_is_valid(self) -> None:
        message = signed(unlock_command(LOCKER, "A03", "dropoff", now_ms(), 60, "k1", re="evt-1"))
        assert errors("cmd", message) == []

    @pytest.mark.parametrize("counter", ["Registratură", "Registratură (parter), luni–vineri 8:30–16:30"])
    def test_a_full_reject_is_valid_and_names_the_counter(self, counter: str) -> None:
        message = signed(reject_command(LOCKER, "full", "evt-1", now_ms(), 60, "k1", counter=counter))
        assert errors("cmd", message) == []
        assert counter in message["message"]

    def test_an_unknown_purpose_or_reason_is_refused(self) -> None:
        unlock = signed({**unlock_command(LOCKER, "A03", "dropoff", now_ms(), 60, "k1"), "purpose": "drop"})
        reject = signed({**reject_command(LOCKER, "full", "evt-1", now_ms(), 60, "k1"), "reason": "no_room"})
        assert errors("cmd", unlock) and errors("cmd", reject)

    def test_the_door_events_of_a_dropoff_are_valid(self) -> None:
        for kind in ("door_opened", "door_closed"):
            event = {"v": 1, "id": "e1", "seq": 1, "boot": "b1", "type": kind, "ts": now_ms()}
            assert errors("evt", {**event, "compartment": "A03", "cmd": "9f2c" * 8}) == []


def test_the_full_message_leaves_room_for_the_counter() -> None:
    """A reject's ``message`` is at most 200 characters (the locker's screen): what a counter may take."""
    limit = channel_schema("cmd")["properties"]["message"]["maxLength"]
    room = limit - len(reject_command(LOCKER, "full", "e", 0, 60, "k1", counter="")["message"])
    assert room >= 50, f"a counter's place and hours must fit in {room} characters"
