"""Structured logs: every line one JSON object, and one line per event (HTTP request, locker message, job run).

Policy: a line names what happened (``event``), the invocation (``awsRequestId``), the pickup
request (``requestId``) and the locker (``lockerId``) when there is one, and the ``outcome``;
never a citizen's name, phone, documents, a code or a token. Free text is scrubbed of digit runs
long enough to be a phone number or a PIN, fields with personal names are dropped, and the access
line names the route template (``/r/{token}``), never the path, query or body.

``install_logging(app)`` is called once from app.py: it puts the JSON formatter on the root
handlers (on Lambda, the runtime's own, so each line stays one CloudWatch event and Embedded
Metric Format lines from ``chalicelib.metrics`` are picked up) and adds the per-event middleware.
Other processes (the local bridge) call ``configure_logging()``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

FIELDS_ATTR = "eps2_fields"
QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "pynamodb", "s3transfer")
PERSONAL_FIELDS = frozenset(
    {"phone", "citizenname", "name", "documents", "code", "pin", "token", "password", "q", "body", "path", "query"}
)
_DIGIT_RUN = re.compile(r"(?<![\w.])\+?\d(?:[ \-]?\d){7,}(?![\w.])")
_invocation: contextvars.ContextVar[str | None] = contextvars.ContextVar("eps2_invocation", default=None)
_configured = False


def scrub(text: str) -> str:
    """Digit runs of 8 or more (a PIN, a phone number, with or without spaces) become ``<redacted>``."""
    return _DIGIT_RUN.sub("<redacted>", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        invocation = getattr(record, "aws_request_id", None) or _invocation.get()
        if invocation:
            line["awsRequestId"] = invocation
        fields = getattr(record, FIELDS_ATTR, None)
        if isinstance(fields, dict):
            line.update({k: v for k, v in fields.items() if k.lower() not in PERSONAL_FIELDS and v is not None})
        if record.exc_info:
            line["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, separators=(",", ":"), ensure_ascii=False, default=str)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """One structured line: ``event`` plus fields (``requestId``, ``lockerId``, ``outcome``, …)."""
    logger.log(level, event, extra={FIELDS_ATTR: {"event": event, **fields}})


def configure_logging(level: int = logging.INFO) -> None:
    """JSON on every root handler (adding one on stdout if there is none) and on Chalice's app logger."""
    global _configured
    if _configured:
        return
    _configured = True
    formatter = JsonFormatter()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        handler.setFormatter(formatter)
    root.setLevel(level)
    for library in QUIET_LIBRARIES:  # their INFO lines (credentials found, retries) are noise, not events
        logging.getLogger(library).setLevel(logging.WARNING)
    for handler in logging.getLogger("eps2").handlers:  # Chalice's app.log, which does not propagate
        handler.setFormatter(formatter)


def install_logging(app: Any) -> None:
    """Configure the JSON logs and log one line per HTTP request, locker message and job run."""
    configure_logging()
    app.register_middleware(_http_line, "http")
    app.register_middleware(_locker_line, "pure_lambda")
    app.register_middleware(_job_line, "scheduled")


_access_log = logging.getLogger("eps2.access")


_ID_PARAMS = {"request_id": "requestId", "locker_id": "lockerId", "lockerId": "lockerId", "compartment": "compartment"}


def _ids_from_route(route: str, params: dict[str, str]) -> dict[str, str]:
    """The pickup request, locker and compartment a route names (never a token: that is a credential)."""
    ids = {field: params[name] for name, field in _ID_PARAMS.items() if name in params}
    if "id" in params and "/requests/" in route:
        ids["requestId"] = params["id"]
    elif "id" in params and "/lockers/" in route:
        ids["lockerId"] = params["id"]
    return ids


def _http_line(request: Any, get_response: Callable[[Any], Any]) -> Any:
    context = request.context or {}
    lambda_context = getattr(request, "lambda_context", None)
    route = str(context.get("resourcePath", ""))
    fields: dict[str, Any] = {
        "method": request.method,
        "route": route,
        **_ids_from_route(route, request.uri_params or {}),
    }
    token = _invocation.set(context.get("requestId") or getattr(lambda_context, "aws_request_id", None))
    started = time.perf_counter()
    try:
        response = get_response(request)
        status = int(response.status_code)
        outcome = "ok" if status < 400 else "refused" if status < 500 else "error"
        log_event(_access_log, "http", outcome=outcome, status=status, **fields, durationMs=_ms(started))
        return response
    except Exception:
        log_event(_access_log, "http", logging.ERROR, outcome="error", status=500, **fields, durationMs=_ms(started))
        raise
    finally:
        _invocation.reset(token)


def locker_event_line(locker_id: str, channel: str, kind: object, outcome: object, duration_ms: float) -> None:
    """The line for one locker message; the IoT rule's Lambda and the local bridge both write it."""
    log_event(
        _access_log,
        "locker_message",
        lockerId=locker_id[:64],
        channel=channel,
        type=str(kind)[:32] if kind else None,
        outcome=str(outcome)[:64],
        durationMs=round(duration_ms, 1),
    )


def _locker_line(event: Any, get_response: Callable[[Any], Any]) -> Any:
    body = event.event if isinstance(event.event, dict) else {}
    return logged_locker_message(body, getattr(event.context, "aws_request_id", None), lambda: get_response(event))


def logged_locker_message(body: dict[str, Any], invocation_id: str | None, handle: Callable[[], Any]) -> Any:
    """Run ``handle`` for one locker message and log its line (locker, channel, type, outcome, duration)."""
    where = (str(body.get("locker", "")), str(body.get("channel", "evt")), body.get("type"))
    token = _invocation.set(invocation_id)
    started = time.perf_counter()
    try:
        result = handle()
        locker_event_line(*where, result.get("outcome") if isinstance(result, dict) else result, _ms(started))
        return result
    except Exception:
        locker_event_line(*where, "error", _ms(started))
        raise
    finally:
        _invocation.reset(token)


def _job_line(event: Any, get_response: Callable[[Any], Any]) -> Any:
    token = _invocation.set(getattr(event.context, "aws_request_id", None))
    started = time.perf_counter()
    try:
        report = get_response(event)
    except Exception:
        log_event(_access_log, "scheduled_job", logging.ERROR, outcome="error", durationMs=_ms(started))
        raise
    else:
        counts = report if isinstance(report, dict) else {}
        log_event(_access_log, "scheduled_job", outcome="ok", durationMs=_ms(started), **counts)
        return report
    finally:
        _invocation.reset(token)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
