"""Commands to lockers over plain MQTT 5 (Mosquitto on the local stage), the local twin of iot-data.

paho-mqtt is a development dependency: this module is imported only when the
stage asks for the ``mqtt`` publisher, never on AWS.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import uuid
from typing import Any

log = logging.getLogger(__name__)


class MqttCommandPublisher:
    def __init__(self, host: str, port: int, topic_prefix: str, timeout_s: float = 3.0) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self._mqtt = mqtt
        self._properties = Properties
        self._packet_types = PacketTypes
        self._prefix = topic_prefix
        self._timeout = timeout_s
        self._connected = threading.Event()
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"eps2-backend-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = lambda *args: self._connected.clear()
        self._client.on_socket_open = lambda client, userdata, sock: _nodelay(sock)
        self._client.reconnect_delay_set(1, 5)
        self._client.connect_async(host, port, keepalive=30)
        self._client.loop_start()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if not reason.is_failure:
            self._connected.set()

    def _wait_connected(self) -> None:
        if not self._connected.wait(self._timeout):
            raise ConnectionError("MQTT broker not reachable")

    def publish(self, locker_id: str, message: dict[str, Any], expiry_s: int) -> None:
        self._wait_connected()
        props = self._properties(self._packet_types.PUBLISH)
        props.MessageExpiryInterval = expiry_s
        props.ContentType = "application/json"
        info = self._client.publish(
            f"{self._prefix}/{locker_id}/cmd",
            json.dumps(message, separators=(",", ":")),
            qos=1,
            properties=props,
        )
        info.wait_for_publish(self._timeout)

    def ping(self) -> None:
        self._wait_connected()

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()


def _nodelay(sock: Any) -> None:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # not a TCP socket
        log.debug("TCP_NODELAY not set")
