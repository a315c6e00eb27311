"""The associations' registry: importing the 2,700-row CSV (issue 15), first into an empty registry, then again.

``python -m bench.association_import [rows]`` (default 2700). The import service runs in this process
against the local stack's emulator, as the API function would (the HTTP hop adds nothing that depends on
the file); the directory is published into a temporary folder. Printed: the file's size, the time of the
parse, the writes and the publication, the DynamoDB requests and the capacity they consumed. The emulator
spends ~3 ms an item on every read and write, which DynamoDB does not: the time is the local stage's, the
requests and capacity are what AWS would count.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.cost import PRICE_READ_REQUEST_UNIT, PRICE_WRITE_REQUEST_UNIT
from bench.instrument import DynamoMeter, bench_deps, bench_stack
from chalicelib.adapters.site_publishers import FolderSitePublisher
from chalicelib.domain.associations import parse_import
from chalicelib.services import associations
from chalicelib.web.directory_pages import republish
from devstack.synthetic_associations import generate, to_csv

INDEXES = 3


def main(rows: int = 2700) -> None:
    data = to_csv(generate(rows))
    meter = DynamoMeter()
    meter.install()
    with tempfile.TemporaryDirectory() as state:
        stack = bench_stack(Path(state))
        try:
            deps = bench_deps(stack)
            deps.site = FolderSitePublisher(Path(state) / "site")
            started = time.perf_counter()
            parse_import(data)
            print(
                f"file: {rows} rows, {len(data) / 1e6:.2f} MB; parse and check: {time.perf_counter() - started:.2f} s"
            )
            for label in ("first import (empty registry)", "second import (same file)"):
                with meter.measure() as used:
                    started = time.perf_counter()
                    outcome = associations.import_csv(deps, "bench", data)
                    written = time.perf_counter()
                    files = republish(deps, outcome.streets, outcome.registry, outcome.known)
                    done = time.perf_counter()
                # The emulator reports no capacity for transactions: 2 write units an item of up to 1 KB in a
                # transaction, and 1 for each of the 3 indexes the item is in (directory, certificate, registry).
                write_units = used["transaction_items"] * (2 + INDEXES)
                read_units = sum(used["capacity"].values())
                cost = write_units * PRICE_WRITE_REQUEST_UNIT + read_units * PRICE_READ_REQUEST_UNIT
                print(
                    f"{label}: {outcome.counts}; import {written - started:.1f} s, directory ({files} files) "
                    f"{done - written:.1f} s; DynamoDB requests {used['calls']}: ~{write_units} write and "
                    f"{read_units:g} read units, ${cost:.4f} on demand"
                )
        finally:
            stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2700)
