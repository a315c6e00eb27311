"""Growth: register and scan latency with 1,000 and with 100,000 existing requests (and their codes).

``python -m bench.growth [sizes...]`` (default 1000 100000). Neither path may grow with the table: both
use only key lookups and conditional writes. Seeding 100,000 requests takes a minute or two.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.instrument import bench_deps, bench_stack, event, fmt, last_pin, online_locker, percentiles
from chalicelib.services.credentials import pin_key, token_key
from chalicelib.services.deposit import deposit_documents
from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.request_records import get_request
from chalicelib.storage.models import CredentialRecord, RequestRecord, ttl_at
from tests.support.mqtt_locker import MqttLocker

SAMPLES = 40


def seed(deps: Any, count: int, locker_id: str) -> None:
    now = deps.now()
    with RequestRecord.batch_write() as requests, CredentialRecord.batch_write() as credentials:
        for i in range(count):
            rid = uuid.uuid4().hex
            requests.save(
                RequestRecord(
                    id=rid,
                    registration_number=f"SEED-{i:07d}",
                    status="in_locker",
                    due_at=now + 86_400_000,
                    citizen_name="Seed",
                    documents="Act",
                    created_at=now,
                    updated_at=now,
                    locker_id=locker_id,
                    compartment="A01",
                )
            )
            for key in (pin_key(deps, locker_id, f"{i:08d}x"), token_key(deps, rid)):
                credentials.save(
                    CredentialRecord(
                        code_key=key,
                        request_id=rid,
                        locker_id=locker_id,
                        compartment="A01",
                        expires_at=now + 86_400_000,
                        ttl=ttl_at(now // 1000 + 86_400),
                    )
                )


def measure(deps: Any, locker: MqttLocker, stack: Any) -> tuple[list[float], list[float]]:
    register_ms, scan_ms = [], []
    register_request(deps, "bench", NewRequest("Warm-up", "0722 000 003", "Act"))  # first-call set-up not counted
    for _ in range(SAMPLES):
        started = time.perf_counter()
        record = register_request(deps, "bench", NewRequest("Growth", "0722 000 003", "Act"))
        register_ms.append((time.perf_counter() - started) * 1000)
        mark_ready(deps, "bench", record.id)
        compartment = deposit_documents(deps, "bench", record.id, locker.locker_id)
        locker.next_command()
        event(
            deps, locker.locker_id, "door_closed", compartment=compartment, cmd=get_request(deps, record.id).deposit_cmd
        )
        pin = last_pin(stack.aws_endpoint)
        started = time.perf_counter()
        event(deps, locker.locker_id, "pin", code=pin)
        scan_ms.append((time.perf_counter() - started) * 1000)
        event(deps, locker.locker_id, "door_closed", compartment=compartment, cmd=locker.next_command()["id"])
    return register_ms, scan_ms


def main(sizes: list[int] | None = None) -> dict[int, Any]:
    results = {}
    for size in sizes or [1000, 100_000]:
        with tempfile.TemporaryDirectory() as tmp:
            stack = bench_stack(Path(tmp))
            try:
                deps = bench_deps(stack)
                locker_id = online_locker(deps, "grow", [{"id": "A01", "size": "S"}])
                started = time.perf_counter()
                seed(deps, size, locker_id)
                seeded = time.perf_counter() - started
                locker = MqttLocker(stack.mqtt_port, locker_id)
                register_ms, scan_ms = measure(deps, locker, stack)
                locker.close()
            finally:
                stack.stop()
        results[size] = {"register": percentiles(register_ms), "scan": percentiles(scan_ms)}
        print(f"With {size:,} existing requests (seeded in {seeded:.0f} s):")
        print(f"  register  {fmt(results[size]['register'])}")
        print(f"  scan      {fmt(results[size]['scan'])}")
    return results


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or None)
