"""The agent's MQTT 5 link: a small interface and its awscrt implementation.

Production connects to AWS IoT Core with mutual TLS (awsiotsdk's
``mtls_from_path``); locally the same awscrt client speaks plain TCP to
Mosquitto. Clean start, so nothing queued while the locker was away arrives late.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from awscrt import mqtt5

log = logging.getLogger(__name__)
PUBACK_TIMEOUT_S = 5.0


class MqttLink(Protocol):
    on_message: Callable[[str, bytes], None]
    on_connected: Callable[[], None]
    on_disconnected: Callable[[], None]

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def connected(self) -> bool: ...

    def subscribe(self, topic: str) -> bool: ...

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> bool:
        """QoS 1; True once the broker acknowledged it."""
        ...


@dataclass(frozen=True)
class LinkSettings:
    client_id: str
    host: str
    port: int
    will_topic: str
    will_payload: bytes
    cert: str | None = None
    key: str | None = None
    ca: str | None = None
    keep_alive_s: int = 30


class CrtMqttLink:
    def __init__(self, settings: LinkSettings) -> None:
        self.settings = settings
        self.on_message: Callable[[str, bytes], None] = lambda topic, payload: None
        self.on_connected: Callable[[], None] = lambda: None
        self.on_disconnected: Callable[[], None] = lambda: None
        self._connected = threading.Event()
        self._stopped = threading.Event()
        self._client = self._build()

    def _build(self) -> mqtt5.Client:
        s = self.settings
        will = mqtt5.PublishPacket(topic=s.will_topic, payload=s.will_payload, qos=mqtt5.QoS.AT_LEAST_ONCE, retain=True)
        callbacks: dict[str, Any] = {
            "on_publish_received": self._on_publish,
            "on_lifecycle_connection_success": self._on_success,
            "on_lifecycle_disconnection": self._on_disconnect,
            "on_lifecycle_stopped": lambda data: self._stopped.set(),
        }
        if s.cert and s.key:
            from awsiot import mqtt5_client_builder

            return mqtt5_client_builder.mtls_from_path(
                endpoint=s.host,
                port=s.port,
                cert_filepath=s.cert,
                pri_key_filepath=s.key,
                ca_filepath=s.ca,
                client_id=s.client_id,
                keep_alive_interval_sec=s.keep_alive_s,
                session_expiry_interval_sec=0,
                will=will,
                session_behavior=mqtt5.ClientSessionBehaviorType.CLEAN,
                min_reconnect_delay_ms=500,
                max_reconnect_delay_ms=30_000,
                **callbacks,
            )
        options = mqtt5.ClientOptions(
            host_name=s.host,
            port=s.port,
            connect_options=mqtt5.ConnectPacket(
                client_id=s.client_id, keep_alive_interval_sec=s.keep_alive_s, will=will, session_expiry_interval_sec=0
            ),
            session_behavior=mqtt5.ClientSessionBehaviorType.CLEAN,
            min_reconnect_delay_ms=200,
            max_reconnect_delay_ms=5_000,
            on_publish_callback_fn=self._on_publish,
            on_lifecycle_event_connection_success_fn=self._on_success,
            on_lifecycle_event_disconnection_fn=self._on_disconnect,
            on_lifecycle_event_stopped_fn=lambda data: self._stopped.set(),
        )
        return mqtt5.Client(options)

    def _on_publish(self, data: mqtt5.PublishReceivedData) -> None:
        packet = data.publish_packet
        try:
            self.on_message(packet.topic, bytes(packet.payload or b""))
        except Exception:
            log.exception("message handler failed")

    def _on_success(self, data: mqtt5.LifecycleConnectSuccessData) -> None:
        self._connected.set()
        threading.Thread(target=self.on_connected, name="on-connected", daemon=True).start()

    def _on_disconnect(self, data: mqtt5.LifecycleDisconnectData) -> None:
        self._connected.clear()
        self.on_disconnected()

    def start(self) -> None:
        self._client.start()

    def stop(self) -> None:
        self._client.stop()
        self._stopped.wait(5)
        self._connected.clear()

    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def subscribe(self, topic: str) -> bool:
        future = self._client.subscribe(mqtt5.SubscribePacket([mqtt5.Subscription(topic, mqtt5.QoS.AT_LEAST_ONCE)]))
        try:
            future.result(PUBACK_TIMEOUT_S)
        except Exception:
            return False
        return True

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> bool:
        if not self._connected.is_set():
            return False
        packet = mqtt5.PublishPacket(
            topic=topic, payload=payload, qos=mqtt5.QoS.AT_LEAST_ONCE, retain=retain, content_type="application/json"
        )
        try:
            result = self._client.publish(packet).result(PUBACK_TIMEOUT_S)
        except Exception:
            return False
        puback = getattr(result, "puback", None)
        return puback is None or int(getattr(puback, "reason_code", 0)) < 0x80
