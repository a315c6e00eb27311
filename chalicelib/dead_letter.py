"""The dead-letter forwarder: a locker event nothing could apply reaches the SQS queue with its codes redacted.

On AWS two things give up on a locker event: Lambda's asynchronous invocation after its retries
(the on-failure destination, which sends an invocation record) and the IoT rule when it cannot
invoke the Lambda at all (the error action, which sends the original payload in base64). Both point
at this function instead of at the queue, because both would store the event verbatim, a scanned or
typed code included. What reaches the queue keeps what staff need to diagnose or replay the event
(topic, locker, type, error) but never a code. Deployed by the template (``forward`` in the same
package as the app); there is no local twin: the local bridge retries and logs instead.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .config import settings
from .domain.redaction import redact_code_text, redact_codes
from .wiring import aws_client


def dead_letter_message(record: dict[str, Any]) -> dict[str, Any]:
    """The message stored for one failed event: the record as received, every ``code`` redacted."""
    message = dict(record)
    encoded = message.pop("base64OriginalPayload", None)
    if isinstance(encoded, str):
        try:
            text = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            text = None
        message["originalPayload"] = redact_code_text(text) if text is not None else "<not UTF-8: dropped>"
    redacted: dict[str, Any] = redact_codes(message)
    return redacted


def forward(event: Any, context: Any) -> dict[str, str]:
    """Lambda entry point (on-failure destination and IoT rule error action)."""
    cfg = settings()
    body = dead_letter_message(event if isinstance(event, dict) else {"event": event})
    reply = aws_client("sqs", cfg).send_message(QueueUrl=cfg.dead_letter_url, MessageBody=json.dumps(body))
    return {"messageId": str(reply.get("MessageId", ""))}
