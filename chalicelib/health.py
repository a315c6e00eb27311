"""Health of each dependency (DynamoDB, SNS, MQTT/IoT) and the local SMS outbox read from the AWS emulator."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from .services.deps import Deps
from .storage.models import CounterRecord, NotificationRecord


def check_health(deps: Deps) -> dict[str, Any]:
    checks = {
        "dynamodb": lambda: CounterRecord.describe_table(),
        "sns": deps.sms.ping,
        "mqtt": deps.publisher.ping,
    }
    report: dict[str, Any] = {}
    for name, probe in checks.items():
        try:
            probe()
            report[name] = {"ok": True}
        except Exception as error:
            report[name] = {"ok": False, "error": type(error).__name__}
    return report


def read_outbox(deps: Deps) -> list[dict[str, Any]]:
    """SMS that SNS was asked to send, as the local emulator (moto) recorded them."""
    endpoint = deps.settings.aws_endpoint
    if not endpoint:
        return []
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=5) as response:
        data = json.load(response)
    # moto keeps no send time: take it from our own notification record of the same SNS message id.
    sent_at = {n.sns_message_id: n.created_at for n in NotificationRecord.by_status.query("sent")}
    return [
        {
            "to": entry.get("phone_number"),
            "body": entry.get("message"),
            "messageId": entry.get("message_id"),
            "time": sent_at.get(entry.get("message_id")),
        }
        for entry in data.get("sns", {}).get("SMS", [])
    ]
