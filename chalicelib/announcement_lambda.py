"""The announcements' worker Lambda (issue 15), without the HTTP app: the SQS event source hands it one
message at a time (batch size 1). A message whose handling raises is left to the queue, which delivers it
again after its visibility timeout and moves it to the dead-letter queue after five receives. It also takes
SES's bounce and complaint events from SNS. The local stack's worker (``devstack/announcement_worker.py``)
calls the same ``handle_message``."""

from __future__ import annotations

import json
from typing import Any

from .services.announcement_bounces import record_ses_notification
from .services.announcement_delivery import handle_message
from .wiring import get_deps


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    """SQS records: queue messages; SNS records: SES's bounce and complaint events (the same function is
    subscribed to the configuration set's topic)."""
    deps = get_deps()
    sends = bounced = 0
    for record in event.get("Records", []):
        if record.get("EventSource") == "aws:sns":
            bounced += record_ses_notification(deps, json.loads(record["Sns"]["Message"]))
        else:
            sends += handle_message(deps, json.loads(record["body"]))
    return {"sends": sends, "bounced": bounced}
