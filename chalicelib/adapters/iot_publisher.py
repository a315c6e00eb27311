"""Commands to lockers through the AWS IoT data plane (boto3 ``iot-data``), as used on AWS."""

from __future__ import annotations

import json
from typing import Any


class IotDataCommandPublisher:
    def __init__(self, client: Any, topic_prefix: str) -> None:
        self._client = client
        self._prefix = topic_prefix

    def publish(self, locker_id: str, message: dict[str, Any], expiry_s: int) -> None:
        self._client.publish(
            topic=f"{self._prefix}/{locker_id}/cmd",
            qos=1,
            payload=json.dumps(message, separators=(",", ":")).encode(),
            contentType="application/json",
            messageExpiry=expiry_s,
        )

    def ping(self) -> None:
        """A QoS 0 publish to a topic no locker reads proves the data plane answers."""
        self._client.publish(topic="eps2/health", qos=0, payload=b"{}")
