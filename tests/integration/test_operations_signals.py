"""What operators get from the running stack: one JSON line per event without personal data or codes, the
metrics the template's alarms watch, and malformed-event excerpts without their codes."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3

from infra.build_template import build
from tests.conftest import deposited, wait_until
from tests.support.api import Api

PIN_RE, TOKEN_RE = re.compile(r"PIN (\d{8})"), re.compile(r"/r/([\w-]+)")


def log_lines(stack: Any, process: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stack.logs[process].read_text().splitlines() if line.startswith("{")]


def metric_lines(stack: Any) -> list[dict[str, Any]]:
    return [line for process in ("bridge", "chalice") for line in log_lines(stack, process) if "_aws" in line]


def test_a_pickup_is_logged_one_json_line_per_event_with_ids_and_outcomes_and_no_personal_data(
    stack, clerk, new_locker
):
    locker = new_locker("S1")
    phone = "0729 314 159"
    created, _, sms = deposited(stack, clerk, locker, phone)
    pin, token = PIN_RE.search(sms).group(1), TOKEN_RE.search(sms).group(1)
    assert Api(stack.base_url).get(f"/r/{token}").status == 200
    locker.publish("pin", code=pin)
    pickup = locker.next_command()
    locker.publish("door_opened", compartment=pickup["compartment"], cmd=pickup["id"])
    locker.publish("door_closed", compartment=pickup["compartment"], cmd=pickup["id"])

    def collected() -> list[dict[str, Any]]:
        return [
            line
            for line in log_lines(stack, "bridge")
            if line.get("event") == "locker_message" and line.get("lockerId") == locker.locker_id
            if line["outcome"] == "collected"
        ]

    wait_until(collected)
    deposit = [
        line
        for line in log_lines(stack, "chalice")
        if line.get("route") == "/api/requests/{request_id}/deposit" and line.get("requestId") == created["id"]
    ]
    assert [(d["outcome"], d["status"], d["event"]) for d in deposit] == [("ok", 202, "http")]
    assert deposit[0]["awsRequestId"]
    assert [line for line in log_lines(stack, "chalice") if line.get("route") == "/r/{token}"]
    pickups = [m for m in metric_lines(stack) if m.get("lockerId") == locker.locker_id and "Pickups" in m]
    assert [m["Pickups"] for m in pickups] == [1]

    bridge_log = stack.logs["bridge"].read_text()
    assert all(line.startswith("{") for line in bridge_log.splitlines()), "every bridge line is JSON"
    everything = bridge_log + stack.logs["chalice"].read_text()
    for secret in (pin, token, "729314159", "729 314 159", "Maria Ionescu"):
        assert secret not in everything, f"{secret!r} reached the logs"


def alarm_watches(alarm: dict[str, Any], line: dict[str, Any]) -> bool:
    """Would CloudWatch feed this EMF line's metric to the alarm (stage aside)?"""
    directive = line["_aws"]["CloudWatchMetrics"][0]
    props = alarm["Properties"]
    return (
        directive["Namespace"] == props["Namespace"]
        and props["MetricName"] in [m["Name"] for m in directive["Metrics"]]
        and directive["Dimensions"] == [[d["Name"] for d in props["Dimensions"]]]
        and isinstance(line[props["MetricName"]], int | float)
    )


def test_a_forced_door_a_keypad_attack_and_the_job_s_gauges_feed_the_alarms(stack, admin, new_locker):
    locker = new_locker("S1")
    locker.publish("fault", reason="forced_open", compartment="A01")
    for wrong in ("00000001", "00000002"):
        locker.publish("pin", code=wrong)
        assert locker.next_command()["type"] == "reject"
    assert admin.post("/api/jobs/run").status == 200
    alarms = build("prod")["Resources"]

    def fed(alarm: str, **match: Any) -> list[dict[str, Any]]:
        return [
            line
            for line in metric_lines(stack)
            if alarm_watches(alarms[alarm], line) and all(line.get(k) == v for k, v in match.items())
        ]

    assert wait_until(lambda: fed("ForcedDoorAlarm", lockerId=locker.locker_id, compartment="A01"))
    assert wait_until(lambda: fed("KeypadAttackAlarm", lockerId=locker.locker_id))
    gauges = wait_until(lambda: fed("LockerOfflineAlarm"))
    assert gauges[-1]["OpenRequests"] >= 0 and gauges[-1]["LockersOnline"] >= 1
    assert gauges[-1]["Stage"] == "local"


def test_a_malformed_event_keeps_an_excerpt_without_its_code(stack, new_locker):
    locker = new_locker("S1")
    locker.publish_raw('{"v":1,"type":"pin","code":"48151623","id":"cut-short"')
    locker.publish_raw(json.dumps({"v": 1, "type": "scan", "code": "q3Xv_9kPz0aLw2mN7bYc1d"}))
    table = boto3.client("dynamodb", endpoint_url=stack.aws_endpoint, region_name="eu-central-1")

    def malformed() -> list[str]:
        items = table.query(
            TableName=f"{stack.table_prefix}-locker-events",
            KeyConditionExpression="locker_id = :l",
            ExpressionAttributeValues={":l": {"S": locker.locker_id}},
        )["Items"]
        excerpts = [json.loads(i["payload"]["S"])["excerpt"] for i in items if i["type"]["S"] == "malformed"]
        return excerpts if len(excerpts) == 2 else []

    excerpts = wait_until(malformed)
    assert all("<redacted>" in e for e in excerpts)
    assert not [e for e in excerpts if "48151623" in e or "q3Xv_9kPz0aLw2mN7bYc1d" in e]
    assert any("cut-short" in e for e in excerpts)  # the rest of the excerpt is kept for diagnosis
