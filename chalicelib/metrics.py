"""Operational metrics as CloudWatch Embedded Metric Format (EMF) log lines.

Why EMF rather than PutMetricData or metric filters: a metric is one more JSON log line
(no API call on the request path, no IAM permission, nothing that can fail or slow a pickup);
it is emitted where the event is recorded, so a renamed audit action cannot silently break
a filter pattern; and the gauges the scheduled job measures (open requests, lockers online,
the longest outage) are values, which metric filters on event lines cannot compute. The
names below are the only ones: ``infra/build_template.py`` builds the alarms and the
dashboard from them. Locally the lines land in the stack's logs, where tests read them.

Every metric has one dimension, the stage; details (locker, reason) are plain properties of
the line, searchable in Logs Insights without multiplying metrics.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from .config import settings
from .logs import FIELDS_ATTR

NAMESPACE = "ePS2"
DIMENSION = "Stage"

FORCED_DOORS = "ForcedDoors"  # audit: fault, reason forced_open
KEYPAD_ATTACKS = "KeypadAttacks"  # audit: keypad_attack
LOCKERS_WENT_OFFLINE = "LockersWentOffline"  # audit: offline
PICKUPS = "Pickups"  # requests collected, from the locker or at the counter
SMS_SENT = "SmsSent"
SMS_FAILED = "SmsFailed"  # a notification whose attempts failed (left retrying or failed)
OPEN_REQUESTS = "OpenRequests"  # gauge, every minute
LOCKERS_ONLINE = "LockersOnline"  # gauge, every minute
LOCKERS_OFFLINE = "LockersOffline"  # gauge, every minute: seen once, silent now
LONGEST_OFFLINE_SECONDS = "LongestOfflineSeconds"  # gauge, every minute: the longest current outage

UNITS = {LONGEST_OFFLINE_SECONDS: "Seconds"}

_log = logging.getLogger("eps2.metrics")
_log.setLevel(logging.INFO)


def emit(values: dict[str, float], **properties: Any) -> None:
    """One EMF line with ``values`` (metric name -> value) and ``properties`` (never personal data)."""
    stage = settings().stage
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [{"Name": name, "Unit": UNITS.get(name, "Count")} for name in values],
                }
            ],
        },
        DIMENSION: stage,
        **properties,
        **values,
    }
    _log.info("metrics %s", ",".join(values), extra={FIELDS_ATTR: document})


def count(name: str, **properties: Any) -> None:
    """One occurrence of ``name`` (a forced door, a keypad attack, an SMS sent…)."""
    emit({name: 1}, **properties)
