"""Measurement helpers: a local stack for benchmarks, and botocore hooks that count DynamoDB calls.

The hooks are attached to every botocore session pynamodb creates, so each
request is counted as it is sent (operation, duration, consumed capacity as
the emulator reports it), never estimated.
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.session
import pynamodb.connection.base as pynamo_base

from chalicelib.config import load_settings
from chalicelib.services.deps import Deps
from chalicelib.wiring import build_deps
from devstack.secrets import generate
from devstack.stack import LocalStack, free_port

WITH_CAPACITY = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "TransactWriteItems",
    "TransactGetItems",
    "BatchWriteItem",
    "BatchGetItem",
    "Scan",
}


@dataclass
class DynamoMeter:
    """Counts DynamoDB requests per operation, their time, and consumed capacity, per thread if asked."""

    calls: Counter[str] = field(default_factory=Counter)
    capacity: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    seconds: float = 0.0
    transaction_items: int = 0
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> None:
        original = pynamo_base.get_session

        def instrumented() -> botocore.session.Session:
            session = original()
            session.register("provide-client-params.dynamodb", self._ask_capacity)
            session.register("before-call.dynamodb", self._before)
            session.register("after-call.dynamodb", self._after)
            return session

        pynamo_base.get_session = instrumented  # type: ignore[assignment]

    def _ask_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in WITH_CAPACITY:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name == "TransactWriteItems":
            written = [item for item in params.get("TransactItems", []) if "ConditionCheck" not in item]
            with self._lock:
                self.transaction_items += len(written)

    def _before(self, context: dict[str, Any], **_: Any) -> None:
        context["eps2_started"] = time.perf_counter()

    intervals: list[tuple[float, float]] = field(default_factory=list)  # every call's (start, end), all threads

    def round_trips_between(self, start: float, end: float) -> tuple[int, float]:
        """Sequential round trips in [start, end]: overlapping calls count once. Returns (count, seconds)."""
        with self._lock:
            spans = sorted((a, b) for a, b in self.intervals if a >= start and b <= end)
        merged: list[list[float]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return len(merged), sum(b - a for a, b in merged)

    def _after(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        elapsed = time.perf_counter() - context.get("eps2_started", time.perf_counter())
        consumed = parsed.get("ConsumedCapacity") or []
        if isinstance(consumed, dict):
            consumed = [consumed]
        units = sum(float(c.get("CapacityUnits", 0)) for c in consumed)
        with self._lock:
            self.intervals.append((context.get("eps2_started", time.perf_counter() - elapsed), time.perf_counter()))
            if len(self.intervals) > 200_000:
                del self.intervals[:100_000]
            self.calls[model.name] += 1
            self.capacity[model.name] += units
            self.seconds += elapsed
        self._local.seconds = getattr(self._local, "seconds", 0.0) + elapsed
        self._local.calls = getattr(self._local, "calls", 0) + 1

    def thread_seconds(self) -> float:
        return float(getattr(self._local, "seconds", 0.0))

    def thread_calls(self) -> int:
        return int(getattr(self._local, "calls", 0))

    def snapshot(self) -> tuple[Counter[str], dict[str, float], int]:
        with self._lock:
            return Counter(self.calls), dict(self.capacity), self.transaction_items

    @contextmanager
    def measure(self) -> Iterator[dict[str, Any]]:
        """Counts and capacity of what runs inside the block (single-threaded use)."""
        before_calls, before_capacity, before_items = self.snapshot()
        result: dict[str, Any] = {}
        yield result
        after_calls, after_capacity, after_items = self.snapshot()
        result["transaction_items"] = after_items - before_items
        result["calls"] = dict(after_calls - before_calls)
        result["capacity"] = {
            k: round(after_capacity.get(k, 0) - before_capacity.get(k, 0), 2)
            for k in after_capacity
            if after_capacity.get(k, 0) != before_capacity.get(k, 0)
        }


def bench_stack(state_dir: Path) -> LocalStack:
    """moto server and Mosquitto on free ports, tables and demo data; the services run in this process."""
    stack = LocalStack(free_port(), free_port(), free_port(), state_dir=state_dir, secrets=generate())
    stack.start_aws()
    stack.start_mqtt()
    stack.seed()
    return stack


def bench_deps(stack: LocalStack) -> Deps:
    import os

    env = stack.env()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        os.environ[key] = env[key]
    deps = build_deps(load_settings(env))
    deps.sleep = lambda s: None
    return deps


def percentiles(values_ms: list[float]) -> dict[str, float]:
    ordered = sorted(values_ms)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {
        "n": len(ordered),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def fmt(stats: dict[str, float]) -> str:
    return (
        f"n={int(stats['n'])}  p50={stats['p50']:.2f} ms  p95={stats['p95']:.2f} ms  "
        f"p99={stats['p99']:.2f} ms  max={stats['max']:.2f} ms"
    )


def event(deps: Deps, locker_id: str, event_type: str, **fields: Any) -> str:
    """Apply one locker event through the real handler, as the bridge or the IoT rule would."""
    from chalicelib.services.locker_events import handle_locker_event

    payload = {"v": 1, "id": uuid.uuid4().hex, "type": event_type, "ts": deps.now(), **fields}
    return handle_locker_event(deps, locker_id, payload)


def online_locker(deps: Deps, prefix: str, compartments: list[dict[str, Any]]) -> str:
    """A new locker with these compartments that has just sent a heartbeat."""
    from chalicelib.services.lockers import create_locker

    locker_id = f"{prefix}-{uuid.uuid4().hex[:6]}"
    create_locker(deps, "bench", {"id": locker_id, "name": prefix, "location": "-", "compartments": compartments})
    event(deps, locker_id, "heartbeat")
    return locker_id


def sms_bodies(aws_endpoint: str) -> list[str]:
    with urllib.request.urlopen(f"{aws_endpoint}/_eps2/sms.json", timeout=30) as response:
        return [m["message"] for m in json.load(response)["sns"]["SMS"]]


def last_pin(aws_endpoint: str) -> str:
    found = re.search(r"PIN (\d{8})", sms_bodies(aws_endpoint)[-1])
    if not found:
        raise RuntimeError("the last SMS carries no PIN")
    return found.group(1)
