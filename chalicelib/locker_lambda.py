"""The locker-event Lambda's own entry point: the IoT rule's events without the HTTP app around them.

``app.py`` declares the function (``@app.lambda_function(name="locker_events")``) so that ``chalice local``
and ``chalice package`` know it, but on AWS the merged template points its handler here: importing this
module loads the services that handle locker messages and nothing of the pages, routes, jinja2 or segno,
so a cold start of the function a citizen waits on stays short (``bench/cold_start.py`` prints both).
"""

from __future__ import annotations

from typing import Any

from .logs import configure_logging, logged_locker_message
from .services.deps import Deps
from .services.locker_events import handle_locker_event, handle_locker_status
from .wiring import get_deps

HANDLER = "chalicelib.locker_lambda.handler"


def dispatch(deps: Deps, event: Any) -> dict[str, str]:
    """One message from the IoT rule: the event JSON plus ``locker`` (topic segment 3) and ``channel``."""
    locker = str(event.get("locker", ""))[:64] if isinstance(event, dict) else ""
    channel = event.get("channel", "evt") if isinstance(event, dict) else "evt"
    payload = {k: v for k, v in event.items() if k != "channel"} if isinstance(event, dict) else event
    if channel == "status":
        return {"outcome": handle_locker_status(deps, locker, payload)}
    return {"outcome": handle_locker_event(deps, locker, payload)}


def handler(event: Any, context: Any) -> dict[str, str]:
    configure_logging()
    body = event if isinstance(event, dict) else {}
    result: dict[str, str] = logged_locker_message(
        body, getattr(context, "aws_request_id", None), lambda: dispatch(get_deps(), event)
    )
    return result
