"""Allocation under contention: 500 deposit attempts from 16 threads across 100 compartments.

``python -m bench.contention [attempts] [threads]``. Counts successes, conflicts and double bookings
(must be 0: no compartment holds two requests, no request holds two compartments), and throughput.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.instrument import bench_deps, bench_stack, online_locker
from chalicelib.domain.errors import CompartmentUnavailable, Conflict
from chalicelib.services.deposit import deposit_documents
from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.lockers import load_locker_items

COMPARTMENTS_PER_LOCKER = 50  # two lockers: 100 compartments


def main(attempts: int = 500, threads: int = 16) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        stack = bench_stack(Path(tmp))
        try:
            deps = bench_deps(stack)
            layout = [
                {"id": f"{'ABCDE'[i // 10]}{i % 10 + 1:02d}", "size": "SML"[i % 3]}
                for i in range(COMPARTMENTS_PER_LOCKER)
            ]
            lockers = [online_locker(deps, "cont", layout) for _ in range(2)]
            requests = []
            for i in range(attempts):
                record = register_request(deps, "bench", NewRequest("B", "0722 000 002", "Act", size="SML"[i % 3]))
                mark_ready(deps, "bench", record.id)
                requests.append((record.id, lockers[i % 2]))
            outcomes: Counter[str] = Counter()

            def attempt(job: tuple[str, str]) -> str:
                try:
                    deposit_documents(deps, "bench", job[0], job[1])
                    return "success"
                except CompartmentUnavailable:
                    return "no compartment (409)"
                except Conflict:
                    return "conflict (409)"

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                outcomes.update(pool.map(attempt, requests))
            elapsed = time.perf_counter() - started
            holders: list[str] = []
            for locker_id in lockers:
                _, compartments, _ = load_locker_items(deps, locker_id)
                holders += [c.request_id for c in compartments if c.request_id]
        finally:
            stack.stop()
    double = len(holders) - len(set(holders)) + max(0, outcomes["success"] - len(holders))
    print(
        f"Allocation under contention: {attempts} deposit attempts, {threads} threads, "
        f"{2 * COMPARTMENTS_PER_LOCKER} compartments"
    )
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome:<22} {count}")
    print(f"  compartments taken     {len(holders)}")
    print(f"  double bookings        {double}")
    print(f"  throughput             {attempts / elapsed:.0f} attempts/s ({elapsed:.1f} s)")
    return {"outcomes": dict(outcomes), "double_bookings": double, "throughput": attempts / elapsed}


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
