"""Today's tasks for staff: expired requests to take back, SMS that could not be sent, locker alerts, and
requests idle so long that their phone will be erased within a week."""

from __future__ import annotations

from typing import Any

from ..domain.lifecycle import Status
from .deps import Deps
from .jobs import WARN_BEFORE_DAYS, idle_requests
from .lockers import list_lockers, locker_alerts
from .request_records import request_view


def staff_tasks(deps: Deps) -> dict[str, Any]:
    expired = [request_view(r) for r in deps.stores.requests.in_status(Status.EXPIRED.value)]
    failed_sms = [
        {
            "requestId": n.request_id,
            "template": n.template,
            "to": n.to_masked,
            "error": n.error,
            "attempts": n.attempts,
            "createdAt": n.created_at,
        }
        for status in ("failed", "retrying")
        for n in deps.stores.notifications.latest_in_status(status, 100)
    ]
    alerts = []
    for locker in list_lockers(deps):
        alerts += [{"lockerId": locker["id"], **alert} for alert in locker_alerts(deps, locker["id"])[-20:]]
        if not locker["online"]:
            alerts.append({"lockerId": locker["id"], "action": "offline", "at": locker["lastSeen"], "detail": {}})
    soon = deps.settings.max_phone_days - WARN_BEFORE_DAYS
    phones = [request_view(r) for r in idle_requests(deps, soon)]
    return {"toRetrieve": expired, "failedSms": failed_sms, "lockerAlerts": alerts, "phonesToErase": phones}
