"""An announcement to all 2,700 associations by e-mail, through the local stack (issue 15): the time until
every e-mail is handed to the emulator's SES at the configured rate, exactly one per address; the same
with the worker killed (SIGKILL) halfway and started again; and the AWS cost of one such announcement.

``python -m bench.announcements`` (about 2 × 2,700 / the rate the emulator keeps up with: 3–6 minutes on
two cores; not in ``make bench``). ``EPS2_BENCH_EMAIL_RATE`` changes the rate (the local stage's 50/s when
unset). Prices (eu-central-1, on demand, USD, checked 2026-11) are parameters below.
"""

from __future__ import annotations

import json
import math
import os
import signal
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from chalicelib.domain.announcements import BATCH, SLICE
from devstack.secrets import generate
from devstack.stack import LocalStack, free_port
from tests.support.api import Api

ALL = 2_700
LEASE_S = 15  # the killed worker's claims are settled (unconfirmed) and its messages come back this soon
PRICE_SES_EMAIL = 0.10 / 1000
PRICE_SQS_REQUEST = 0.40 / 1e6
PRICE_LAMBDA_REQUEST = 0.20 / 1e6
PRICE_LAMBDA_GB_SECOND = 0.0000166667
PRICE_WRITE_REQUEST_UNIT = 1.525 / 1e6
PRICE_READ_REQUEST_UNIT = 0.305 / 1e6
LAMBDA_MEMORY_GB = 0.5
AWS_RATE = 14  # SES's starting production rate; two workers at 7/s each


def cost(recipients: int) -> dict[str, float]:
    """One announcement to ``recipients`` by e-mail on AWS, by service."""
    expands, sends = math.ceil(recipients / SLICE), math.ceil(recipients / BATCH)
    # each message: sent (in batches of ten), received and deleted by the event source's poller
    sqs_requests = math.ceil(expands / 10) + math.ceil(sends / 10) + 2 * (expands + sends)
    worker_seconds = sends * BATCH / (AWS_RATE / 2) + expands * 0.2
    # per recipient: the claim (1 WRU), the mark and the count (a transaction of two items: 2 x 2 WRU),
    # the association read strongly consistent in a BatchGetItem (1 RRU); per announcement: the registry's
    # keys-only index (~80 bytes an association, eventually consistent) and the parts
    writes = recipients * 5 + expands + 2
    reads = recipients * 1 + math.ceil(recipients * 80 / 8192) + expands
    return {
        "SES": recipients * PRICE_SES_EMAIL,
        "SQS": sqs_requests * PRICE_SQS_REQUEST,
        "Lambda": (expands + sends) * PRICE_LAMBDA_REQUEST + worker_seconds * LAMBDA_MEMORY_GB * PRICE_LAMBDA_GB_SECOND,
        "DynamoDB": writes * PRICE_WRITE_REQUEST_UNIT + reads * PRICE_READ_REQUEST_UNIT,
    }


def _emails(base: str, title: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/api/dev/outbox?channel=email", timeout=120) as response:
        return [m["to"] for m in json.load(response)["messages"] if m["subject"] == title]


def _announce(clerk: Api, title: str) -> str:
    body = {"title": title, "body": "Măsurătoare.", "audience": {"all": True}, "channels": ["email"]}
    reply = clerk.post("/api/announcements", body)
    assert reply.status == 202 and reply["recipients"] == ALL, reply
    return str(reply["id"])


def _wait(clerk: Api, announcement: str, until: Any) -> dict[str, Any]:
    while not until(view := clerk.get(f"/api/announcements/{announcement}").body):
        time.sleep(0.5)
    return dict(view)


def _report(label: str, stack: LocalStack, clerk: Api, title: str, started: float, announcement: str) -> None:
    view = _wait(clerk, announcement, lambda v: v["counts"]["queued"] == 0)
    elapsed = time.monotonic() - started
    sent = Counter(_emails(stack.base_url, title))
    print(
        f"{label}: {elapsed:.0f} s ({ALL / elapsed:.1f} e-mails/s); {sum(sent.values())} e-mails to "
        f"{len(sent)} addresses, {sum(n - 1 for n in sent.values())} duplicates, {ALL - len(sent)} missing; "
        f"counts {view['counts']}",
        flush=True,
    )


def main() -> None:
    os.environ["EPS2_DELIVERY_LEASE_SECONDS"] = str(LEASE_S)
    rate = os.environ.get("EPS2_BENCH_EMAIL_RATE")
    stack = LocalStack(
        free_port(),
        free_port(),
        free_port(),
        api_port=free_port(),
        state_dir=Path(tempfile.mkdtemp(prefix="bench-announcements-")),
        secrets=generate(),
        job_interval_s=3600,
        demo_associations=ALL,
        email_rate=int(rate) if rate else None,
    )
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        os.environ.setdefault(key, stack.env()[key])
    try:
        stack.start_all()
        clerk = Api(stack.base_url).login("clerk", "clerk-local")
        print(f"e-mail rate: {rate or 50}/s over 4 worker threads (local stage), {ALL} associations", flush=True)
        title = f"Banc de probă {time.time():.0f}"
        started = time.monotonic()
        _report("all by e-mail", stack, clerk, title, started, _announce(clerk, title))

        title = f"Banc de probă, worker oprit {time.time():.0f}"
        started = time.monotonic()
        announcement = _announce(clerk, title)
        _wait(clerk, announcement, lambda v: v["counts"]["sent"] >= ALL // 2)
        worker = next(proc for name, proc in stack._procs if name == "worker")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        stack._procs.remove(("worker", worker))
        print(f"worker killed (SIGKILL) at {time.monotonic() - started:.0f} s, started again", flush=True)
        stack.start_worker()
        _report("killed halfway", stack, clerk, title, started, announcement)
    finally:
        stack.stop()
    prices = cost(ALL)
    print(
        f"AWS cost of one announcement to {ALL} by e-mail: ${sum(prices.values()):.4f} "
        + "("
        + ", ".join(f"{k} ${v:.4f}" for k, v in prices.items())
        + "; "
        "SES $0.10/1,000 e-mails, SQS $0.40/M requests, Lambda $0.20/M + $0.0000166667/GB-s at 512 MB, "
        "DynamoDB on demand $1.525/M writes and $0.305/M reads, eu-central-1)"
    )


if __name__ == "__main__":
    main()
