"""Health of each dependency (DynamoDB, SNS, MQTT/IoT) and the local SMS outbox read from the AWS emulator."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from .services.deps import Deps


def check_health(deps: Deps) -> dict[str, Any]:
    checks = {
        "dynamodb": deps.stores.counters.ping,
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


def _emulator_sms(endpoint: str) -> dict[str, Any]:
    """The SMS part of the emulator's state: the project's wrapper serves it alone, plain moto in its full dump."""
    for path in ("/_eps2/sms.json", "/moto-api/data.json"):
        try:
            with urllib.request.urlopen(f"{endpoint}{path}", timeout=30) as response:
                return dict(json.load(response))
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
    return {}


def read_outbox(deps: Deps) -> list[dict[str, Any]]:
    """SMS that SNS was asked to send, as the local emulator (moto) recorded them."""
    endpoint = deps.settings.aws_endpoint
    if not endpoint:
        return []
    data = _emulator_sms(endpoint)
    # moto keeps no send time: take it from our own notification record of the same SNS message id.
    sent_at = {n.sns_message_id: n.created_at for n in deps.stores.notifications.in_status("sent")}
    return [
        {
            "to": entry.get("phone_number"),
            "body": entry.get("message"),
            "messageId": entry.get("message_id"),
            "time": sent_at.get(entry.get("message_id")),
        }
        for entry in data.get("sns", {}).get("SMS", [])
    ]


def read_email_outbox(deps: Deps) -> list[dict[str, Any]]:
    """E-mails SES was asked to send, as the local emulator recorded them: ``{to, subject, body, time}``."""
    endpoint = deps.settings.aws_endpoint
    if not endpoint:
        return []
    try:
        with urllib.request.urlopen(f"{endpoint}/_eps2/email.json", timeout=30) as response:
            data = dict(json.load(response))
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
        return []  # plain moto, without the project's wrapper
    return [
        {"to": m["to"], "subject": m["subject"], "body": m["body"], "time": m.get("time")}
        for m in data.get("email", [])
    ]
