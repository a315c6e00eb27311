"""Online requests: submitting a request whose three files are already in the bucket, and what a request costs.

``python -m bench.online_submit [submits]`` (default 100). The services run in this process against the local
stack's emulator (DynamoDB, S3, SNS), as the API function would. botocore hooks count every DynamoDB request
(``bench.instrument.DynamoMeter``) and every S3 request the API's own S3 client makes, with the bytes of
each request and response body: files are uploaded by the client straight to S3 with the presigned POST
(``requests``, not the API's client), so what the meter sees is all that crosses the function. No timing is
asserted; the figures are printed.

The cost of 10,000 online requests a month is priced from the DynamoDB units and S3 requests measured on one
request's whole life (sign-in to the answer downloaded), the Lambda time measured in process, and the list
prices below (eu-central-1, USD) with those of ``bench/cost.py``.
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.cost import (
    PRICE_API_GATEWAY_REQUEST,
    PRICE_LAMBDA_GB_SECOND,
    PRICE_LAMBDA_REQUEST,
    PRICE_READ_REQUEST_UNIT,
    PRICE_SMS_SEGMENT_RO,
    PRICE_WRITE_REQUEST_UNIT,
    units,
)
from bench.instrument import DynamoMeter, bench_deps, bench_stack, fmt, percentiles, sms_bodies
from chalicelib.ports import StaffIdentity
from chalicelib.services import citizen_access, online_requests, online_review, receipt
from chalicelib.services.citizen_access import Citizen
from chalicelib.services.deps import Deps

# List prices (USD), eu-central-1 (Frankfurt), from https://aws.amazon.com/s3/pricing/ and
# https://aws.amazon.com/dynamodb/pricing/on-demand/, checked 2026-11; the others are in bench/cost.py.
PRICE_S3_GB_MONTH = 0.0245  # S3 Standard, first 50 TB
PRICE_S3_WRITE_REQUEST = 0.0054 / 1000  # PUT, COPY, POST, LIST
PRICE_S3_READ_REQUEST = 0.00043 / 1000  # GET, SELECT and all other requests (HEAD among them); DELETE is free
PRICE_DYNAMODB_GB_MONTH = 0.306  # table storage, Standard class
LAMBDA_MEMORY_GB = 0.5  # .chalice/config.json: lambda_memory_size 512
REQUESTS_A_MONTH = 10_000
RETENTION_MONTHS = 5 * 12  # files are kept five years after the request closes (services/jobs.py)
# Assumptions about one online request, stated so they can be changed.
FILE_BYTES = 400_000  # a scanned page as PDF; three per request plus the office's answer
SIGN_INS_PER_REQUEST = 2  # one to apply, one to download the answer: an SMS code each
SMS_PER_REQUEST = SIGN_INS_PER_REQUEST + 2  # the codes, "registered", "answer ready" (one GSM-7 segment each)
ITEM_BYTES_PER_REQUEST = 6_000  # request, contact, attachments, audit and SMS records, as stored

SERVICE = "certificat-de-urbanism"
ANSWERS = {
    "scop": "construire",
    "adresa_imobil": "Str. Avrig nr. 12",
    "suprafata_teren": 420,
    "modificari_fatada": "nu",
    "operatiuni_notariale": False,
}
FILES = ("cerere-tip", "dovada-platii", "plan-situatie-1-2000")
ORIGINALS = ["plan-situatie-1-500", "extras-plan-cadastral", "extras-carte-funciara"]
CLERK = StaffIdentity("bench", ("clerk",))
PDF = b"%PDF-1.7\n" + b"0" * (FILE_BYTES - 9)


@dataclass
class S3Meter:
    """Every request of one S3 client: operation, and the bytes of its request and response bodies."""

    calls: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, client: Any) -> None:
        client.meta.events.register("before-send.s3", self._before_send)
        client.meta.events.register("after-call.s3", self._after)

    def _before_send(self, request: Any, **_: Any) -> None:
        body = request.body
        size = len(body) if isinstance(body, (bytes, bytearray, str)) else 0
        with self._lock:
            self.sent += size

    def _after(self, model: Any, http_response: Any, **_: Any) -> None:
        size = 0 if model.http.get("method") == "HEAD" else int(http_response.headers.get("content-length", 0))
        with self._lock:
            self.calls[model.name] += 1
            self.received += size

    def snapshot(self) -> tuple[Counter[str], int, int]:
        with self._lock:
            return Counter(self.calls), self.sent, self.received


def sign_in(deps: Deps, aws_endpoint: str, phone: str) -> tuple[Citizen, str]:
    """The SMS code read from the emulator's outbox, then a session: (the citizen, the session's token)."""
    citizen_access.send_code(deps, phone, "198.51.100.7")
    code = re.search(r"\b(\d{6})\b", sms_bodies(aws_endpoint)[-1])
    assert code, "no sign-in code in the last SMS"
    token = citizen_access.start_session(deps, phone, code.group(1), "198.51.100.7")
    return citizen_access.check_citizen(deps, token), token


def post_file(upload: dict[str, Any], content: bytes) -> None:
    """What the browser does: the presigned POST straight to S3 (never through the API)."""
    answer = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("f.pdf", content, "application/pdf")}, timeout=30
    )
    answer.raise_for_status()


def ready_draft(deps: Deps, citizen: Citizen) -> str:
    record = online_requests.create_request(deps, citizen, {"serviceId": SERVICE, "answers": ANSWERS})
    for document in FILES:
        _, upload = online_requests.request_upload(
            deps, citizen, record.id, document, f"{document}.pdf", "application/pdf", len(PDF)
        )
        post_file(upload, PDF)
    online_requests.update_draft(deps, citizen, record.id, {"bringOriginal": ORIGINALS})
    return record.id


@dataclass
class Step:
    seconds: float
    dynamo: dict[str, Any]
    s3: Counter[str]
    sent: int
    received: int


def measured(meter: DynamoMeter, s3: S3Meter, work: Any) -> tuple[Any, Step]:
    calls, sent, received = s3.snapshot()
    with meter.measure() as dynamo:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    after, sent_after, received_after = s3.snapshot()
    return result, Step(seconds, dynamo, after - calls, sent_after - sent, received_after - received)


def one_request_life(deps: Deps, stack: Any, meter: DynamoMeter, s3: S3Meter) -> dict[str, Step]:
    """Every API call of one request, each as its route runs it (the citizen's session checked first)."""
    steps: dict[str, Step] = {}
    phone = "0722 555 123"
    (citizen, token), steps["sign-in (code + session)"] = measured(
        meter, s3, lambda: sign_in(deps, stack.aws_endpoint, phone)
    )

    def citizen_call(work: Any) -> Any:
        citizen_access.check_citizen(deps, token)  # every citizen route checks the session first
        return work()

    record, steps["create draft"] = measured(
        meter,
        s3,
        lambda: citizen_call(
            lambda: online_requests.create_request(deps, citizen, {"serviceId": SERVICE, "answers": ANSWERS})
        ),
    )
    for document in FILES:
        (_, upload), steps[f"allow upload ({document})"] = measured(
            meter,
            s3,
            lambda document=document: citizen_call(
                lambda: online_requests.request_upload(
                    deps, citizen, record.id, document, f"{document}.pdf", "application/pdf", len(PDF)
                )
            ),
        )
        post_file(upload, PDF)
    _, steps["save draft"] = measured(
        meter,
        s3,
        lambda: citizen_call(
            lambda: online_requests.update_draft(deps, citizen, record.id, {"bringOriginal": ORIGINALS})
        ),
    )
    _, steps["submit"] = measured(
        meter, s3, lambda: citizen_call(lambda: online_requests.submit(deps, citizen, record.id))
    )
    _, steps["receipt PDF"] = measured(
        meter, s3, lambda: citizen_call(lambda: receipt.receipt_pdf(deps, citizen, record.id))
    )
    _, steps["view request"] = measured(
        meter,
        s3,
        lambda: citizen_call(
            lambda: online_requests.citizen_view(deps, online_requests.own_request(deps, citizen, record.id))
        ),
    )
    _, steps["staff: inbox"] = measured(meter, s3, lambda: online_review.inbox(deps, CLERK, None, None))
    _, steps["staff: assign"] = measured(
        meter, s3, lambda: online_review.assign(deps, CLERK, record.id, "ps2-urbanism")
    )
    _, steps["staff: open"] = measured(meter, s3, lambda: online_review.open_request(deps, CLERK, record.id))
    for n, attachment in enumerate(deps.stores.attachments.of_request(record.id)):
        _, steps[f"staff: file link {n + 1}"] = measured(
            meter, s3, lambda a=attachment: online_review.staff_download_url(deps, CLERK, record.id, a.id)
        )
    (answer, upload), steps["staff: allow answer upload"] = measured(
        meter,
        s3,
        lambda: online_review.request_answer_upload(
            deps, CLERK, record.id, "Certificat.pdf", "application/pdf", len(PDF)
        ),
    )
    post_file(upload, PDF)
    _, steps["staff: answer"] = measured(
        meter,
        s3,
        lambda: online_review.answer(deps, CLERK, record.id, {"outcome": "answered", "attachmentId": answer.id}),
    )
    _, steps["answer link"] = measured(
        meter, s3, lambda: citizen_call(lambda: online_requests.download_url(deps, citizen, record.id, answer.id))
    )
    return steps


def main(submits: int = 100) -> dict[str, Any]:
    meter = DynamoMeter()
    meter.install()
    s3 = S3Meter()
    with tempfile.TemporaryDirectory() as tmp:
        stack = bench_stack(Path(tmp))
        try:
            deps = bench_deps(stack)
            s3.install(deps.files._client)  # type: ignore[attr-defined]  # the API's own S3 client
            citizen, _ = sign_in(deps, stack.aws_endpoint, "0722 555 000")
            drafts = [ready_draft(deps, citizen) for _ in range(submits)]
            times, dynamo_calls, trips, s3_calls = [], [], [], Counter[str]()
            sent = received = 0
            for request_id in drafts:
                _, step = measured(meter, s3, lambda rid=request_id: online_requests.submit(deps, citizen, rid))
                times.append(step.seconds * 1000)
                dynamo_calls.append(sum(step.dynamo["calls"].values()))
                end = time.perf_counter()
                trips.append(meter.round_trips_between(end - step.seconds, end)[0])
                s3_calls += step.s3
                sent, received = sent + step.sent, received + step.received
            life = one_request_life(deps, stack, meter, s3)
        finally:
            stack.stop()
    print(
        f"Submit of a draft with {len(FILES)} files already in the bucket ({FILE_BYTES // 1000} kB each), local stack:"
    )
    print(f"  submit                   {fmt(percentiles(times))}")
    print(f"  DynamoDB requests per submit: {Counter(dynamo_calls)}; sequential round trips: {Counter(trips)}")
    per_submit = {op: n / submits for op, n in sorted(s3_calls.items())}
    print(f"  S3 requests per submit (the API's client): {per_submit}")
    print(
        f"  body bytes through the API's S3 client over {submits} submits: {sent} sent, {received} received "
        f"= {received / submits:.0f} per submit (the {len(FILES)} files' first 8 bytes each, for the content check)"
    )
    uploads = sum(st.s3.get("PutObject", 0) + st.s3.get("PostObject", 0) for st in life.values())
    life_sent = sum(st.sent for st in life.values())
    life_received = sum(st.received for st in life.values())
    print(
        f"  a request's whole life (uploads, submit, staff links, answer): file bytes sent by the API {life_sent}, "
        f"received {life_received}; PutObject by the API: {uploads} (every file goes by presigned POST/GET)"
    )
    return {"submit": percentiles(times), "cost": cost(life), "round_trips": dict(Counter(trips))}


def cost(life: dict[str, Step]) -> dict[str, float]:
    """The AWS bill of REQUESTS_A_MONTH online requests a month, at the list prices above."""
    print("One request's life, per API call (DynamoDB counted by botocore hooks; S3 by the API's client):")
    writes = reads = 0.0
    s3_reads = 0
    lambda_seconds = 0.0
    for name, step in life.items():
        w, r, n = units(step.dynamo)
        writes, reads = writes + w, reads + r
        s3_reads += sum(v for k, v in step.s3.items() if k != "DeleteObject")
        lambda_seconds += step.seconds
        s3 = ", ".join(f"{k} {v}" for k, v in sorted(step.s3.items())) or "-"
        print(f"  {name:<32} {step.seconds * 1000:7.1f} ms  DynamoDB {n:>2} ({w:.1f} WRU, {r:.1f} RRU)  S3: {s3}")
    calls = len(life)
    uploads = len(FILES) + 1  # the presigned POSTs: the citizen's files and the answer
    downloads = len(FILES) + 1  # staff open each file once, the citizen the answer
    gb_stored_a_month = REQUESTS_A_MONTH * uploads * FILE_BYTES / 1e9
    month = {
        "DynamoDB requests": REQUESTS_A_MONTH * (writes * PRICE_WRITE_REQUEST_UNIT + reads * PRICE_READ_REQUEST_UNIT),
        "DynamoDB storage (month 60)": REQUESTS_A_MONTH
        * RETENTION_MONTHS
        * ITEM_BYTES_PER_REQUEST
        / 1e9
        * PRICE_DYNAMODB_GB_MONTH,
        "S3 requests": REQUESTS_A_MONTH
        * (uploads * PRICE_S3_WRITE_REQUEST + (s3_reads + downloads) * PRICE_S3_READ_REQUEST),
        "S3 storage (month 1)": gb_stored_a_month * PRICE_S3_GB_MONTH,
        "S3 storage (month 60)": gb_stored_a_month * RETENTION_MONTHS * PRICE_S3_GB_MONTH,
        "Lambda": REQUESTS_A_MONTH
        * (calls * PRICE_LAMBDA_REQUEST + lambda_seconds * LAMBDA_MEMORY_GB * PRICE_LAMBDA_GB_SECOND),
        "API Gateway": REQUESTS_A_MONTH * calls * PRICE_API_GATEWAY_REQUEST,
        "SMS": REQUESTS_A_MONTH * SMS_PER_REQUEST * PRICE_SMS_SEGMENT_RO,
    }
    print(
        f"AWS cost of {REQUESTS_A_MONTH:,} online requests a month (eu-central-1 list prices, USD; {calls} API calls, "
        f"{lambda_seconds * 1000:.0f} ms of function time, {writes:.0f} WRU, {reads:.0f} RRU, {s3_reads} S3 reads by "
        f"the API and {uploads} POSTs + {downloads} GETs by browsers per request; {uploads} files of "
        f"{FILE_BYTES // 1000} kB kept {RETENTION_MONTHS} months; {SMS_PER_REQUEST} SMS):"
    )
    steady = {k: v for k, v in month.items() if "month 1)" not in k}
    for item, usd in month.items():
        print(f"  {item:<28} USD {usd:9.2f}")
    first = sum(v for k, v in month.items() if "month 60" not in k)
    print(f"  {'total, first month':<28} USD {first:9.2f}  (SMS is {month['SMS'] / first:.0%})")
    print(f"  {'total, after five years':<28} USD {sum(steady.values()):9.2f}  (files kept for 60 months of requests)")
    return month


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
