"""The local twin of the AWS IoT rule: locker events from Mosquitto go to the same handler the Lambda runs.

Also runs the scheduled job every minute, as EventBridge does on AWS.
"""

from __future__ import annotations

import json
import logging
import queue
import signal
import socket
import sys
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from chalicelib.config import settings
from chalicelib.logs import configure_logging, locker_event_line
from chalicelib.services.jobs import run_scheduled_job
from chalicelib.services.locker_events import handle_locker_event, handle_locker_status
from chalicelib.wiring import get_deps

log = logging.getLogger("eps2.bridge")
RETRIES = 5


class Bridge:
    """Subscribes to ``<prefix>/+/evt`` and ``<prefix>/+/status`` and applies each message in arrival order."""

    def __init__(self, host: str, port: int, prefix: str, job_interval_s: float = 60.0, deps: Any = None) -> None:
        self._deps = deps
        self._prefix = prefix
        self._inbox: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self._stop = threading.Event()
        self._job_interval = job_interval_s
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id="eps2-local-bridge", protocol=mqtt.MQTTv5
        )
        self._client.on_connect = self._on_connect
        self._client.on_message = lambda c, u, msg: self._inbox.put((msg.topic, msg.payload))
        self._client.on_socket_open = lambda c, u, sock: sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client.reconnect_delay_set(0.2, 2)
        # A persistent session: events published while the bridge reconnects wait for it in the broker.
        session = Properties(PacketTypes.CONNECT)
        session.SessionExpiryInterval = 3600
        self._client.connect_async(host, port, keepalive=30, clean_start=False, properties=session)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            return
        client.subscribe([(f"{self._prefix}/+/evt", 1), (f"{self._prefix}/+/status", 1)])
        log.info("bridge subscribed")

    def run(self) -> None:
        self._client.loop_start()
        deps = self._deps or get_deps()
        next_job = time.monotonic() + self._job_interval
        while not self._stop.is_set():
            try:
                topic, payload = self._inbox.get(timeout=0.5)
            except queue.Empty:
                topic = ""
            if topic:
                self._apply(deps, topic, payload)
            if time.monotonic() >= next_job:
                next_job = time.monotonic() + self._job_interval
                try:
                    run_scheduled_job(deps)
                except Exception:
                    log.exception("scheduled job failed")
        self._client.loop_stop()
        self._client.disconnect()

    def _apply(self, deps: Any, topic: str, payload: bytes) -> None:
        """Like Lambda's asynchronous invocation: a failing event is retried with backoff before it is dropped."""
        parts = topic.split("/")
        locker, channel = parts[-2], parts[-1]
        for attempt in range(RETRIES):
            started = time.perf_counter()
            try:
                if channel == "status":
                    outcome = handle_locker_status(deps, locker, payload)
                else:
                    outcome = handle_locker_event(deps, locker, payload)
                locker_event_line(locker, channel, _kind(payload), outcome, (time.perf_counter() - started) * 1000)
                return
            except Exception:
                log.exception("event on %s failed (attempt %d)", topic, attempt + 1)
                if self._stop.wait(0.5 * 2**attempt):
                    return
        log.error("event on %s dropped after %d attempts", topic, RETRIES)

    def stop(self, *_: Any) -> None:
        self._stop.set()


def _kind(payload: bytes) -> object:
    """The event's type for the log line, if the payload says it (a malformed one may not)."""
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to be an event
        return None
    return body.get("type") if isinstance(body, dict) else None


def main() -> int:
    configure_logging()  # the same JSON lines (and metrics) as the Lambdas write on AWS
    cfg = settings()
    bridge = Bridge(cfg.mqtt_host, cfg.mqtt_port, cfg.topic_prefix, float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
    signal.signal(signal.SIGTERM, bridge.stop)
    signal.signal(signal.SIGINT, bridge.stop)
    bridge.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
