"""Shared fixtures: one local stack (moto server, Mosquitto, chalice local, bridge) on free ports per test session."""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.secrets import generate
from devstack.stack import LocalStack, free_port
from tests.support.api import Api
from tests.support.mqtt_locker import MqttLocker

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# The longest files (minutes each) start first: pytest-xdist hands whole files to its two workers in
# collection order, so a long file collected last would run alone at the end while the other worker idles.
SLOW_FIRST = (
    "tests/integration/test_announcements.py",
    "tests/integration/test_package.py",
    "tests/integration/test_local_persistence.py",
    "tests/browser/test_portal.py",
    "tests/browser/test_association_portal_pages.py",
    "tests/browser/test_dropoff_pages.py",
    "tests/browser/test_online_request_pages.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the order within a file and among the others is kept


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # every test reaches the stack from 127.0.0.1: the per-address cap is tested in-process with its real value
    os.environ.setdefault("EPS2_LOOKUP_PER_CLIENT", "100000")
    # the emulator's Cognito checks TOTP codes only when asked to (its secret is fixed; the tests compute codes)
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    local = LocalStack(
        free_port(),
        free_port(),
        free_port(),
        api_port=free_port(),
        state_dir=tmp_path_factory.mktemp("stack"),
        secrets=generate(),
        job_interval_s=3600,
    )
    # The test process talks to the emulator too (in-process services), with the same dummy credentials.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        os.environ.setdefault(key, local.env()[key])
    try:
        local.start_all()
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="session")
def admin(stack: LocalStack) -> Api:
    return Api(stack.base_url).login("admin", "admin-local")


@pytest.fixture(scope="session")
def clerk(stack: LocalStack) -> Api:
    return Api(stack.base_url).login("clerk", "clerk-local")


def compartments(spec: str) -> list[dict[str, Any]]:
    """``"S2 M1 L1a"`` -> two small, one medium, one large accessible compartment."""
    result = []
    for token in spec.split():
        size, count, accessible = token[0], int(token[1:].rstrip("a")), token.endswith("a")
        for _ in range(count):
            result.append(
                {
                    "id": f"{'ABCDEFGH'[len(result) // 99]}{len(result) % 99 + 1:02d}",
                    "size": size,
                    "accessible": accessible,
                }
            )
    return result


@pytest.fixture()
def new_locker(stack: LocalStack, admin: Api) -> Any:
    """Factory: a fresh locker with the given compartments, online, with its MQTT stand-in."""
    made: list[MqttLocker] = []

    def make(spec: str = "S3 M2 L1a") -> MqttLocker:
        locker_id = f"t-{uuid.uuid4().hex[:10]}"
        reply = admin.post(
            "/api/lockers",
            {"id": locker_id, "name": "Dulap de test", "location": "Hol", "compartments": compartments(spec)},
        )
        assert reply.status == 201, reply
        locker = MqttLocker(stack.mqtt_port, locker_id)
        locker.heartbeat()
        wait_until(lambda: admin.get(f"/api/lockers/{locker_id}")["online"])
        made.append(locker)
        return locker

    yield make
    for locker in made:
        locker.close()


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def outbox(stack: LocalStack) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{stack.base_url}/api/dev/outbox", timeout=10) as response:
        return list(json.load(response)["messages"])


def register(clerk: Api, **overrides: Any) -> dict[str, Any]:
    body = {
        "citizenName": "Maria Ionescu",
        "phone": f"072{uuid.uuid4().int % 10**7:07d}",
        "documents": "Certificat de atestare fiscală",
        "smsConsent": True,
        "lockerConsent": True,
    }
    body.update(overrides)
    reply = clerk.post("/api/requests", body)
    assert reply.status == 201, reply
    return {**reply.body, "phone": body["phone"]}


def e164(phone: str) -> str:
    """The form the outbox shows for a Romanian number written as 07xx xxx xxx."""
    return "+40" + phone.replace(" ", "")[1:]


def deposited(
    stack: LocalStack, clerk: Api, locker: MqttLocker, phone: str
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A request registered, made ready and deposited through the API and a locker stand-in whose door
    opens and closes: the request, the deposit's unlock command, and the pickup SMS's text."""
    created = register(clerk, phone=phone)
    clerk.post(f"/api/requests/{created['id']}/ready")
    reply = clerk.post(f"/api/requests/{created['id']}/deposit", {"lockerId": locker.locker_id})
    assert reply.status == 202, reply
    unlock = locker.next_command()
    assert (
        unlock["type"] == "unlock" and unlock["purpose"] == "deposit" and unlock["compartment"] == reply["compartment"]
    )
    locker.publish("door_opened", compartment=unlock["compartment"], cmd=unlock["id"])
    locker.publish("door_closed", compartment=unlock["compartment"], cmd=unlock["id"])
    body = wait_until(lambda: [m for m in outbox(stack) if m["to"] == e164(phone)])[0]["body"]
    return created, unlock, body
