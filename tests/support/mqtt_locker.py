"""A plain MQTT 5 client standing in for a locker: publishes events, collects the commands it receives."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
import uuid
from typing import Any

import paho.mqtt.client as mqtt

from tests.support.schemas import assert_valid


class MqttLocker:
    def __init__(self, port: int, locker_id: str, prefix: str = "eps2/lockers") -> None:
        self.locker_id = locker_id
        self.prefix = prefix
        self.boot = uuid.uuid4().hex[:12]
        self.seq = 0
        self.commands: queue.Queue[dict[str, Any]] = queue.Queue()
        self.verifiers: list[dict[str, Any]] = []  # offline PIN verifiers, apart from the unlock/reject queue
        self.revocations: list[dict[str, Any]] = []
        self._ready = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{locker_id}-{self.boot}", protocol=mqtt.MQTTv5
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *a: self._ready.set()
        self.client.on_message = self._on_message
        self.client.on_socket_open = lambda c, u, s: s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._ready.wait(10), "locker stand-in could not subscribe"

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        client.subscribe(f"{self.prefix}/{self.locker_id}/cmd", qos=1)

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        command = json.loads(msg.payload)
        assert_valid("command", command)  # every command the backend emits matches the published schema
        if command["type"] in ("pin_verifier", "revoke"):  # kept apart: tests read unlocks and rejects in order
            (self.verifiers if command["type"] == "pin_verifier" else self.revocations).append(command)
            return
        self.commands.put(command)

    def publish(self, event_type: str, **fields: Any) -> dict[str, Any]:
        self.seq += 1
        event = {
            "v": 1,
            "id": uuid.uuid4().hex,
            "seq": self.seq,
            "boot": self.boot,
            "type": event_type,
            "ts": int(time.time() * 1000),
            **fields,
        }
        assert_valid("event", event)
        self.publish_raw(json.dumps(event))
        return event

    def publish_raw(self, payload: str | bytes, channel: str = "evt") -> None:
        self.client.publish(f"{self.prefix}/{self.locker_id}/{channel}", payload, qos=1).wait_for_publish(5)

    def heartbeat(self) -> None:
        self.publish("heartbeat", version="test")

    def next_command(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.commands.get(timeout=timeout)

    def no_command(self, wait: float = 1.0) -> bool:
        try:
            self.commands.get(timeout=wait)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
