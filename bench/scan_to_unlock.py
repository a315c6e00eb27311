"""Scan to unlock: an MQTT client acting as a locker publishes ``pin`` events; we time publish -> ``unlock``.

``python -m bench.scan_to_unlock [pickups]`` (default 500). The bridge runs in this process so the time
spent in the handler and in DynamoDB calls can be told apart from the time spent in the broker.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.instrument import DynamoMeter, bench_deps, bench_stack, event, fmt, online_locker, percentiles, sms_bodies
from chalicelib.services.deposit import deposit_documents
from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.request_records import load_request
from devstack.bridge import Bridge
from tests.support.mqtt_locker import MqttLocker

BATCH = 96


class TimedBridge(Bridge):
    """The local bridge, noting for each event when it arrived and how long the handler and DynamoDB took."""

    def __init__(self, meter: DynamoMeter, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meter = meter
        self.timings: dict[str, tuple[float, float, float]] = {}

    def _apply(self, deps: Any, topic: str, payload: bytes) -> None:
        started = time.perf_counter()
        before = self.meter.thread_seconds()
        super()._apply(deps, topic, payload)
        event_id = json.loads(payload).get("id", "")
        self.timings[event_id] = (started, time.perf_counter() - started, self.meter.thread_seconds() - before)


def sms_pins(aws_endpoint: str) -> dict[str, str]:
    """Registration number -> PIN, read from the SMS the emulator was asked to send."""
    pins = {}
    for body in sms_bodies(aws_endpoint):
        found = re.search(r"documentele (\S+) .* PIN (\d{8})", body)
        if found:
            pins[found.group(1)] = found.group(2)
    return pins


def main(pickups: int = 500) -> dict[str, Any]:
    meter = DynamoMeter()
    meter.install()
    with tempfile.TemporaryDirectory() as tmp:
        stack = bench_stack(Path(tmp))
        try:
            deps = bench_deps(stack)
            layout = [{"id": f"{'ABCDEFGH'[i // 12]}{i % 12 + 1:02d}", "size": "S"} for i in range(BATCH)]
            locker_id = online_locker(deps, "bench", layout)
            bridge = TimedBridge(meter, "127.0.0.1", stack.mqtt_port, deps.settings.topic_prefix, 3600, deps)
            threading.Thread(target=bridge.run, daemon=True).start()
            locker = MqttLocker(stack.mqtt_port, locker_id)
            time.sleep(0.5)
            total, handler, dynamo = [], [], []
            done = 0
            while done < pickups:
                batch = min(BATCH, pickups - done)
                numbers = []
                for _ in range(batch):
                    record = register_request(deps, "bench", NewRequest("Bench", "0722 000 000", "Act"))
                    mark_ready(deps, "bench", record.id)
                    compartment = deposit_documents(deps, "bench", record.id, locker_id)
                    locker.next_command()
                    event(
                        deps, locker_id, "door_closed", compartment=compartment, cmd=load_request(record.id).deposit_cmd
                    )
                    numbers.append(record)
                pins = sms_pins(stack.aws_endpoint)
                for record in numbers:
                    sent = time.perf_counter()
                    published = locker.publish("pin", code=pins[record.registration_number])
                    command = locker.next_command()
                    arrived = time.perf_counter()
                    assert command["type"] == "unlock", command
                    while published["id"] not in bridge.timings:  # the handler returns just after it publishes
                        time.sleep(0.0005)
                    _, in_handler, in_dynamo = bridge.timings[published["id"]]
                    total.append((arrived - sent) * 1000)
                    handler.append(in_handler * 1000)
                    dynamo.append(in_dynamo * 1000)
                    event(deps, locker_id, "door_closed", compartment=command["compartment"], cmd=command["id"])
                done += batch
            bridge.stop()
            locker.close()
        finally:
            stack.stop()
    stats = percentiles(total)
    share_handler = sum(handler) / sum(total)
    share_dynamo = sum(dynamo) / sum(total)
    print("Scan to unlock (pin event published -> unlock command received), local stack:")
    print(f"  total    {fmt(stats)}")
    print(f"  handler  {fmt(percentiles(handler))}")
    print(f"  dynamodb {fmt(percentiles(dynamo))}")
    print(
        f"  share of total: handler {share_handler:.0%} (of which DynamoDB calls {share_dynamo:.0%}), "
        f"broker and client {1 - share_handler:.0%}"
    )
    print(f"  target p99 < 25 ms: {'met' if stats['p99'] < 25 else 'NOT met'}")
    return {"total": stats, "share_handler": share_handler, "share_dynamo": share_dynamo}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
