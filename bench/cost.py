"""Cost per operation: DynamoDB requests and capacity per register, deposit, door event, scan and job run,
counted with botocore hooks; SMS segments per template; the AWS cost of 1,000 pickups at list prices.

``python -m bench.cost``. Prices (eu-central-1, on demand, USD) are parameters below.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.instrument import DynamoMeter, bench_deps, bench_stack, event, last_pin, online_locker
from chalicelib.domain.codes import new_pin, new_token
from chalicelib.domain.sms import TEMPLATES, SmsContext, render_sms, segment_count
from chalicelib.services.deposit import deposit_documents
from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.jobs import run_scheduled_job
from chalicelib.services.request_records import get_request
from tests.support.mqtt_locker import MqttLocker

# List prices (USD), eu-central-1, checked 2026-11: change here to re-price.
PRICE_WRITE_REQUEST_UNIT = 1.525 / 1e6
PRICE_READ_REQUEST_UNIT = 0.305 / 1e6
PRICE_SMS_SEGMENT_RO = 0.0672  # SNS transactional SMS to Romania, per segment
PRICE_LAMBDA_REQUEST = 0.20 / 1e6
PRICE_LAMBDA_GB_SECOND = 0.0000166667
PRICE_API_GATEWAY_REQUEST = 3.70 / 1e6  # REST API
PRICE_IOT_MESSAGE = 1.20 / 1e6  # per 5 KB message
PRICE_IOT_RULE_ACTION = 0.15 / 1e6 * 2  # rule triggered + one action
LAMBDA_MEMORY_GB = 0.5
LAMBDA_SECONDS_PER_CALL = 0.05

READS = {"GetItem", "Query", "TransactGetItems", "BatchGetItem", "Scan"}


def units(measured: dict[str, Any]) -> tuple[float, float, int]:
    """(write units, read units, requests): the emulator's reported capacity; a transaction's writes are
    billed twice per item by DynamoDB and moto reports none, so those count 2 per written item."""
    writes = reads = 0.0
    for operation, amount in measured["capacity"].items():
        if operation in READS:
            reads += amount
        else:
            writes += amount
    writes += 2 * measured.get("transaction_items", 0)
    return writes, reads, sum(measured["calls"].values())


def main() -> dict[str, Any]:
    meter = DynamoMeter()
    meter.install()
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        stack = bench_stack(Path(tmp))
        try:
            deps = bench_deps(stack)
            locker_id = online_locker(deps, "cost", [{"id": "A01", "size": "S"}])
            locker = MqttLocker(stack.mqtt_port, locker_id)
            with meter.measure() as rows["register"]:
                record = register_request(deps, "bench", NewRequest("Ana Pop", "0722 000 001", "Act"))
            with meter.measure() as rows["mark ready"]:
                mark_ready(deps, "bench", record.id)
            with meter.measure() as rows["deposit"]:
                compartment = deposit_documents(deps, "bench", record.id, locker_id)
            locker.next_command()
            cmd = get_request(deps, record.id).deposit_cmd
            with meter.measure() as rows["door event (deposit closed + SMS)"]:
                event(deps, locker_id, "door_closed", compartment=compartment, cmd=cmd)
            pin = last_pin(stack.aws_endpoint)
            with meter.measure() as rows["scan (pin -> unlock)"]:
                event(deps, locker_id, "pin", code=pin)
            pickup = locker.next_command()
            with meter.measure() as rows["door event (pickup closed)"]:
                event(deps, locker_id, "door_closed", compartment=compartment, cmd=pickup["id"])
            with meter.measure() as rows["heartbeat"]:
                event(deps, locker_id, "heartbeat")
            with meter.measure() as rows["scheduled job run (idle)"]:
                run_scheduled_job(deps)
            locker.close()
        finally:
            stack.stop()
    print("DynamoDB per operation (requests counted by botocore hooks; capacity as the emulator reports it,")
    print("transactional writes at DynamoDB's 2 units per item):")
    total_w = total_r = 0.0
    scans = 0
    for name, measured in rows.items():
        w, r, n = units(measured)
        scans += measured["calls"].get("Scan", 0)
        if name not in ("heartbeat", "scheduled job run (idle)"):
            total_w, total_r = total_w + w, total_r + r
        calls = ", ".join(f"{k} {v}" for k, v in sorted(measured["calls"].items()))
        print(f"  {name:<38} {n:>2} requests ({calls}); ~{w:.1f} WRU, {r:.1f} RRU")
    print(f"  Scan operations on these paths: {scans}")
    print("SMS segments per template (longest realistic values):")
    ctx = SmsContext(
        "ABCDEFGHIJ/123456789",
        1_798_754_399_000,
        new_pin(),
        f"https://www.ps2.ro/ridicare/r/{new_token()}",
        "Registratura, Str. Chiristigiilor nr. 11-13",
        "L-V 8:30-16:30",
        1_798_754_399_000,
    )
    segments = {t: segment_count(render_sms(t, ctx)) for t in TEMPLATES}
    for template, count in segments.items():
        print(f"  {template:<14} {count} segment")
    sms_per_pickup = segments["pickup_ready"] + segments["collected"]
    lambda_calls = 5 + 4  # API: register, ready, deposit, 2 reads; events: door x2, scan, ack x2 (~)
    api_calls = 5
    iot_messages = 2 + 6  # commands + events per pickup
    cost = {
        "DynamoDB": (total_w * PRICE_WRITE_REQUEST_UNIT + total_r * PRICE_READ_REQUEST_UNIT) * 1000,
        "SMS": sms_per_pickup * PRICE_SMS_SEGMENT_RO * 1000,
        "Lambda": lambda_calls
        * (PRICE_LAMBDA_REQUEST + LAMBDA_MEMORY_GB * LAMBDA_SECONDS_PER_CALL * PRICE_LAMBDA_GB_SECOND)
        * 1000,
        "API Gateway": api_calls * PRICE_API_GATEWAY_REQUEST * 1000,
        "IoT Core": iot_messages * (PRICE_IOT_MESSAGE + PRICE_IOT_RULE_ACTION / 2) * 1000,
    }
    print("AWS cost of 1,000 pickups (list prices at the top of bench/cost.py):")
    for item, usd in cost.items():
        print(f"  {item:<12} USD {usd:8.4f}")
    print(f"  {'total':<12} USD {sum(cost.values()):8.4f}  (SMS is {cost['SMS'] / sum(cost.values()):.0%})")
    return {"rows": rows, "cost": cost, "segments": segments}


if __name__ == "__main__":
    main()
