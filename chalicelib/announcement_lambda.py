"""The announcements' worker Lambda (issue 15), without the HTTP app: the SQS event source hands it one
message at a time (batch size 1). A message whose handling raises is left to the queue, which delivers it
again after its visibility timeout and moves it to the dead-letter queue after five receives. The local
stack's worker (``devstack/announcement_worker.py``) calls the same ``handle_message``."""

from __future__ import annotations

import json
from typing import Any

from .services.announcement_delivery import handle_message
from .wiring import get_deps


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    deps = get_deps()
    sends = 0
    for record in event.get("Records", []):
        sends += handle_message(deps, json.loads(record["body"]))
    return {"sends": sends}
