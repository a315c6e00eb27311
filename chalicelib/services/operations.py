"""The gauges operators watch, measured by the scheduled job every minute: open requests and the lockers' liveness.

No Scan: open requests are counted per status on the status index; lockers are read from the
locker list index (a few per city hall). A locker never seen is being installed, not offline.
"""

from __future__ import annotations

from ..domain.lifecycle import OPEN_STATUSES
from ..metrics import (
    LOCKERS_OFFLINE,
    LOCKERS_ONLINE,
    LONGEST_OFFLINE_SECONDS,
    OPEN_REQUESTS,
    emit,
)
from .deps import Deps
from .lockers import is_online


def measure_operations(deps: Deps) -> dict[str, int]:
    """Emit the gauges; returns them for the job's report."""
    now = deps.now()
    open_requests = sum(deps.stores.requests.count_in_status(status.value) for status in OPEN_STATUSES)
    online = offline = longest_ms = 0
    for meta in deps.stores.lockers.lockers():
        if is_online(deps, meta):
            online += 1
        elif meta.last_seen is not None:
            offline += 1
            longest_ms = max(longest_ms, now - int(meta.last_seen))
    gauges = {
        OPEN_REQUESTS: open_requests,
        LOCKERS_ONLINE: online,
        LOCKERS_OFFLINE: offline,
        LONGEST_OFFLINE_SECONDS: longest_ms // 1000,
    }
    emit(dict(gauges))
    return gauges
