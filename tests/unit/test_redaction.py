"""Codes never kept in clear: malformed-event excerpts and dead letters keep every other detail but no code."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.dead_letter import dead_letter_message
from chalicelib.domain.redaction import REDACTED, redact_code_text, redact_codes

PIN, TOKEN = "48151623", "q3Xv_9kPz0aLw2mN7bYc1d"


def scan_event(**fields: object) -> dict[str, object]:
    return {"v": 1, "id": "e1", "type": "scan", "code": TOKEN, "ts": 1, "locker": "ps2-hq-01", **fields}


def test_every_code_field_at_any_depth_is_redacted_and_nothing_else():
    value = {"type": "pin", "code": PIN, "nested": [{"code": TOKEN, "door": "A01"}], "Code": PIN}
    assert redact_codes(value) == {
        "type": "pin",
        "code": REDACTED,
        "nested": [{"code": REDACTED, "door": "A01"}],
        "Code": REDACTED,
    }


@pytest.mark.parametrize(
    "text",
    [
        f'{{"type":"pin","code":"{PIN}","ts":1}}',  # valid JSON
        f'{{"type":"pin","code": "{PIN}","ts":',  # cut short
        f'{{"type":"pin","code":"{PIN}',  # cut inside the code
        f'{{"type":"pin","code":{PIN},"ts":1',  # a number, not a string
        repr({"type": "pin", "code": PIN}),  # a Python repr of a decoded event
        repr(f'{{"code":"{TOKEN}"}}'.encode()),  # the repr of raw bytes
        json.dumps({"payload": json.dumps({"code": TOKEN})}),  # JSON inside a JSON string
    ],
)
def test_code_values_are_removed_from_text_whatever_its_shape(text):
    redacted = redact_code_text(text)
    assert PIN not in redacted and TOKEN not in redacted
    assert REDACTED in redacted


def test_a_lambda_failure_record_reaches_the_queue_without_the_code_but_with_the_diagnosis():
    record = {
        "version": "1.0",
        "requestContext": {"requestId": "r1", "condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": scan_event(),
        "responsePayload": {"errorMessage": "boom", "errorType": "RuntimeError"},
    }
    message = dead_letter_message(record)
    assert TOKEN not in json.dumps(message)
    assert message["requestPayload"]["code"] == REDACTED
    assert (
        message["requestPayload"]["locker"] == "ps2-hq-01" and message["responsePayload"]["errorType"] == "RuntimeError"
    )


def test_an_iot_rule_error_keeps_the_original_payload_decoded_and_redacted():
    original = json.dumps({"v": 1, "type": "pin", "code": PIN, "id": "e2"}).encode()
    error = {
        "ruleName": "LockerEventsRule",
        "topic": "eps2/lockers/ps2-hq-01/evt",
        "base64OriginalPayload": base64.b64encode(original).decode(),
        "failures": [{"failedAction": "LambdaAction", "errorMessage": "throttled"}],
    }
    message = dead_letter_message(error)
    assert "base64OriginalPayload" not in message and PIN not in json.dumps(message)
    assert json.loads(message["originalPayload"]) == {"v": 1, "type": "pin", "code": REDACTED, "id": "e2"}
    assert message["topic"] == "eps2/lockers/ps2-hq-01/evt"


def test_an_undecodable_original_payload_is_dropped_rather_than_kept_in_base64():
    message = dead_letter_message({"base64OriginalPayload": base64.b64encode(b"\xff\xfe" + PIN.encode()).decode()})
    assert PIN not in json.dumps(message) and "base64OriginalPayload" not in message
