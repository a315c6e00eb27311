"""``make bench``: every benchmark in turn, each printing its figures."""

from __future__ import annotations

import logging
import os

from bench import (
    association_import,
    cold_start,
    contention,
    cost,
    dropoff_rush,
    growth,
    online_submit,
    scan_to_unlock,
    site,
)


def main() -> None:
    logging.disable(logging.INFO)
    pickups = int(os.environ.get("EPS2_BENCH_PICKUPS", "500"))
    submits = int(os.environ.get("EPS2_BENCH_SUBMITS", "100"))
    sizes = [int(s) for s in os.environ.get("EPS2_BENCH_GROWTH", "1000,100000").split(",")]
    for title, run in (
        ("scan to unlock", lambda: scan_to_unlock.main(pickups)),
        ("cost per operation", cost.main),
        ("online requests: submit and cost", lambda: online_submit.main(submits)),
        ("allocation under contention", contention.main),
        ("drop-off rush: 200 citizens, 24 compartments", dropoff_rush.main),
        ("growth", lambda: growth.main(sizes)),
        ("cold start", cold_start.main),
        ("static site", site.main),
        ("associations: the registry's import", association_import.main),
    ):
        print(f"\n=== {title} ===", flush=True)
        run()


if __name__ == "__main__":
    main()
