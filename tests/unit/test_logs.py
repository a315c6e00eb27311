"""Structured logs: one JSON line per event with its ids and outcome, and nothing a citizen would not want logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chalice import Chalice, Response
from chalice.test import Client

from chalicelib import metrics
from chalicelib.logs import JsonFormatter, install_logging, log_event

PHONE, PIN, TOKEN = "+40 722 123 456", "48151623", "q3Xv_9kPz0aLw2mN7bYc1d"


@pytest.fixture()
def written() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines ePS2's loggers have written so far in the test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("eps2")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(previous)


def pickup_app() -> Chalice:
    app = Chalice(app_name="eps2-logs-test", configure_logs=False)

    @app.route("/api/requests/{request_id}/deposit", methods=["POST"])
    def deposit(request_id: str) -> Response:
        return Response({"compartment": "A01"}, status_code=202)

    @app.route("/r/{token}")
    def qr_page(token: str) -> Response:
        return Response("nu există", status_code=404)

    @app.lambda_function(name="locker_events")
    def locker_events(event: dict[str, Any], context: Any) -> dict[str, str]:
        return {"outcome": "unlock"}

    install_logging(app)
    return app


def test_each_http_request_is_one_line_with_route_ids_and_outcome_never_the_token(written):
    app = pickup_app()
    with Client(app) as client:
        client.http.post("/api/requests/r-123/deposit", body=json.dumps({"lockerId": "ps2-hq-01"}))
        client.http.get(f"/r/{TOKEN}?phone=0722123456")
    deposit, page = [line for line in written() if line.get("event") == "http"]
    assert deposit["requestId"] == "r-123" and deposit["route"] == "/api/requests/{request_id}/deposit"
    assert (deposit["status"], deposit["outcome"], deposit["method"]) == (202, "ok", "POST")
    assert deposit["awsRequestId"] and deposit["durationMs"] >= 0
    assert page["route"] == "/r/{token}" and page["outcome"] == "refused"
    assert TOKEN not in json.dumps(page) and "0722123456" not in json.dumps(page)


def test_each_locker_message_is_one_line_with_the_locker_and_outcome_never_the_code(written):
    app = pickup_app()
    with Client(app) as client:
        client.lambda_.invoke("locker_events", {"locker": "ps2-hq-01", "type": "pin", "code": PIN})
    [line] = [line for line in written() if line.get("event") == "locker_message"]
    assert (line["lockerId"], line["type"], line["outcome"]) == ("ps2-hq-01", "pin", "unlock")
    assert PIN not in json.dumps(line)


def test_free_text_is_scrubbed_of_phones_and_pins_and_personal_fields_are_dropped(written):
    log = logging.getLogger("eps2.test")
    log.warning("sms to %s failed; PIN %s", PHONE, PIN)
    log_event(log, "registered", requestId="r-9", phone=PHONE, citizenName="Maria Ionescu", outcome="ok")
    scrubbed, event = written()
    assert PIN not in scrubbed["message"] and "722" not in scrubbed["message"]
    assert event == {**event, "event": "registered", "requestId": "r-9", "outcome": "ok"}
    assert "phone" not in event and "citizenName" not in event


def test_a_metric_is_an_embedded_metric_format_line_cloudwatch_can_read(written):
    metrics.count(metrics.FORCED_DOORS, lockerId="ps2-hq-01", compartment="A01")
    [line] = written()
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == metrics.NAMESPACE and directive["Dimensions"] == [[metrics.DIMENSION]]
    assert directive["Metrics"] == [{"Name": metrics.FORCED_DOORS, "Unit": "Count"}]
    assert line[metrics.FORCED_DOORS] == 1 and line[metrics.DIMENSION] == "local" and line["lockerId"] == "ps2-hq-01"
    assert isinstance(line["_aws"]["Timestamp"], int)
