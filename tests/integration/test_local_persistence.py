"""The local stack keeps its data across restarts, in the folder EPS2_DATA_DIR names; a new folder starts clean."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from devstack.stack import ROOT, free_port, wait_for_port
from tests.conftest import compartments, e164, register, wait_until
from tests.support.api import Api

DEMO_LOCKER = "ps2-hq-01"


def sms_to(base_url: str, phone: str) -> list[tuple[str, str]]:
    with urllib.request.urlopen(f"{base_url}/api/dev/outbox", timeout=10) as response:
        messages = json.load(response)["messages"]
    return [(m["to"], m["body"]) for m in messages if m["to"] == e164(phone)]


def launch(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``make run``'s launcher with EPS2_DATA_DIR=data on free ports; returns it and its base URL."""
    http, mqtt, aws, simulator = free_port(), free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "EPS2_DATA_DIR": str(data),
        "EPS2_HTTP_PORT": str(http),
        "EPS2_MQTT_PORT": str(mqtt),
        "EPS2_AWS_PORT": str(aws),
        "EPS2_SIMULATOR_PORT": str(simulator),
        "EPS2_DEMO_ASSOCIATIONS": "2",  # not make run's 2,700: their import is timed elsewhere (bench)
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "devstack.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(http, 90, launcher)
        wait_for_port(simulator, 30, launcher)
    except Exception:
        stop(launcher)
        raise
    return launcher, f"http://localhost:{http}"


def stop(launcher: subprocess.Popen[bytes]) -> None:
    launcher.send_signal(signal.SIGTERM)
    assert launcher.wait(timeout=60) == 0


def contents(base_url: str) -> dict[str, Any]:
    admin = Api(base_url).login("admin", "admin-local")
    return {
        "requests": admin.get("/api/requests")["requests"],
        "lockers": [locker["id"] for locker in admin.get("/api/lockers")["lockers"]],
    }


def test_eps2_data_dir_keeps_requests_lockers_audit_and_outbox_and_a_new_folder_starts_clean(tmp_path):
    """One pass through ``make run``'s launcher: data written, the stack stopped and started again over the
    same folder (everything is there, as it was), and a new folder (only the demo data)."""
    kept, fresh = tmp_path / "kept", tmp_path / "fresh"
    locker_id = f"t-{uuid.uuid4().hex[:10]}"
    launcher, base_url = launch(kept)
    try:
        assert contents(base_url) == {"requests": [], "lockers": [DEMO_LOCKER]}
        admin = Api(base_url).login("admin", "admin-local")
        reply = admin.post(
            "/api/lockers", {"id": locker_id, "name": "Dulap", "location": "Hol", "compartments": compartments("S2")}
        )
        assert reply.status == 201, reply
        created = register(admin)
        assert admin.post(f"/api/requests/{created['id']}/ready").status == 200
        assert admin.post(f"/api/requests/{created['id']}/counter").status == 200
        before = admin.get(f"/api/requests/{created['id']}").body
        sent = wait_until(lambda: sms_to(base_url, created["phone"]))
    finally:
        stop(launcher)
    assert (kept / "aws-state.pickle").is_file() and (kept / "secrets.json").is_file()

    launcher, base_url = launch(fresh)
    try:
        assert contents(base_url) == {"requests": [], "lockers": [DEMO_LOCKER]}
    finally:
        stop(launcher)

    launcher, base_url = launch(kept)
    try:
        admin = Api(base_url).login("admin", "admin-local")
        assert [r["id"] for r in contents(base_url)["requests"]] == [created["id"]]
        after = admin.get(f"/api/requests/{created['id']}")
        assert after["status"] == before["status"] and after["registrationNumber"] == before["registrationNumber"]
        assert [entry for entry in before["history"] if entry not in after["history"]] == []
        assert {locker_id, DEMO_LOCKER} <= set(contents(base_url)["lockers"])
        assert admin.get(f"/api/lockers/{locker_id}")["compartments"][0]["id"] == "A01"
        assert sms_to(base_url, created["phone"]) == sent
    finally:
        stop(launcher)
