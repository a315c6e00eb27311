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
from collections import Counter
from pathlib import Path
from typing import Any

from bench.instrument import DynamoMeter, bench_deps, bench_stack, event, fmt, online_locker, percentiles, sms_bodies
from chalicelib.services.deposit import deposit_documents
from chalicelib.services.desk import NewRequest, mark_ready, register_request
from chalicelib.services.request_records import get_request
from devstack.bridge import Bridge
from tests.support.mqtt_locker import MqttLocker

BATCH = 96


class TimedBridge(Bridge):
    """The local bridge, noting for each code event when the handler started and when it published."""

    def __init__(self, meter: DynamoMeter, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meter = meter
        self.started: dict[str, float] = {}
        self.published: dict[str, float] = {}

    def _apply(self, deps: Any, topic: str, payload: bytes) -> None:
        event_id = json.loads(payload).get("id", "")
        self.started[event_id] = time.perf_counter()
        super()._apply(deps, topic, payload)

    def watch(self, deps: Any) -> None:
        """Note when each answer (unlock or reject) is handed to the publisher."""
        publish = deps.publisher.publish

        def timed(locker: str, message: dict[str, Any], ttl: int) -> None:
            if message.get("re"):
                self.published[message["re"]] = time.perf_counter()
            publish(locker, message, ttl)

        deps.publisher.publish = timed

    def before_publish(self, event_id: str) -> tuple[float, int, float]:
        """(ms from handler start to publish, sequential DynamoDB round trips, ms spent in them)."""
        start, end = self.started[event_id], self.published[event_id]
        trips, seconds = self.meter.round_trips_between(start, end)
        return (end - start) * 1000, trips, seconds * 1000


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
            bridge.watch(deps)
            total, before, trips, dynamo = [], [], [], []
            wrong_before, wrong_trips = [], []
            done = 0
            while done < pickups:
                batch = min(BATCH, pickups - done)
                event(deps, locker_id, "heartbeat")  # a long run outlasts the locker's liveness window
                numbers = []
                for _ in range(batch):
                    record = register_request(deps, "bench", NewRequest("Bench", "0722 000 000", "Act"))
                    mark_ready(deps, "bench", record.id)
                    compartment = deposit_documents(deps, "bench", record.id, locker_id)
                    locker.next_command()
                    event(
                        deps,
                        locker_id,
                        "door_closed",
                        compartment=compartment,
                        cmd=get_request(deps, record.id).deposit_cmd,
                    )
                    numbers.append(record)
                pins = sms_pins(stack.aws_endpoint)
                for i, record in enumerate(numbers):
                    if i % 8 == 0:  # a wrong PIN now and then, spaced so the keypad is never slowed down
                        wrong = locker.publish("pin", code=f"{(int(pins[record.registration_number]) + 1) % 10**8:08d}")
                        assert locker.next_command()["type"] == "reject"
                        wait_for(bridge.published, wrong["id"])
                        ms, n, _ = bridge.before_publish(wrong["id"])
                        wrong_before.append(ms)
                        wrong_trips.append(n)
                        reset_keypad(locker_id)
                    sent = time.perf_counter()
                    published = locker.publish("pin", code=pins[record.registration_number])
                    command = locker.next_command()
                    arrived = time.perf_counter()
                    assert command["type"] == "unlock", command
                    wait_for(bridge.published, published["id"])
                    ms, n, in_dynamo = bridge.before_publish(published["id"])
                    total.append((arrived - sent) * 1000)
                    before.append(ms)
                    trips.append(n)
                    dynamo.append(in_dynamo)
                    event(deps, locker_id, "door_closed", compartment=command["compartment"], cmd=command["id"])
                done += batch
            bridge.stop()
            locker.close()
        finally:
            stack.stop()
    stats = percentiles(total)
    print("Scan to unlock (pin event published -> unlock command received), local stack:")
    print(f"  total                    {fmt(stats)}")
    print(f"  handler before publish   {fmt(percentiles(before))}")
    print(f"  DynamoDB before publish  {fmt(percentiles(dynamo))}")
    print(f"  round trips before the publish: {Counter(trips)} (concurrent requests count once)")
    print(f"  wrong PIN: before publish {fmt(percentiles(wrong_before))}; round trips {Counter(wrong_trips)}")
    print(
        f"  target p99 <= 10 ms and one round trip: {'met' if stats['p99'] <= 10 and set(trips) == {1} else 'NOT met'}"
    )
    return {"total": stats, "round_trips": dict(Counter(trips)), "wrong_round_trips": dict(Counter(wrong_trips))}


def wait_for(published: dict[str, float], event_id: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while event_id not in published:
        if time.monotonic() > deadline:
            raise TimeoutError("answer not published in time")
        time.sleep(0.0005)


def reset_keypad(locker_id: str) -> None:
    """The benchmark's wrong PINs are one per eight pickups; forget them so the keypad never slows down."""
    from chalicelib.services.lockers import KEYPAD
    from chalicelib.storage.models import LockerItem

    LockerItem(locker_id=locker_id, item=KEYPAD).delete()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
