"""Today's tasks for staff: expired requests to take back, SMS that could not be sent, locker alerts,
requests idle so long that their phone will be erased within a week, online requests whose answer is
due within ``ANSWER_WARN_DAYS`` days or overdue (overdue first), and dropped-off files left in a
compartment longer than a working day."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.lifecycle import Status
from ..domain.online_requests import IN_REVIEW, REGISTERED, end_of_day_ms
from .deps import Deps
from .dropoff_review import waiting_too_long
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
    return {
        "toRetrieve": expired,
        "failedSms": failed_sms,
        "lockerAlerts": alerts,
        "phonesToErase": phones,
        "answersDue": answers_due(deps),
        "dropoffsWaiting": waiting_too_long(deps),
    }


ANSWER_WARN_DAYS = 5


def answers_due(deps: Deps) -> list[dict[str, Any]]:
    """Online requests whose legal deadline passes within ``ANSWER_WARN_DAYS`` days (overdue ones first).
    Requests waiting for the citizen's documents are left out: the office has asked."""
    horizon = deps.now() + ANSWER_WARN_DAYS * 86_400_000
    due = [
        r
        for status in (REGISTERED, IN_REVIEW)
        for r in deps.stores.requests.inbox(status)
        if r.answer_due and end_of_day_ms(date.fromisoformat(r.answer_due)) <= horizon
    ]
    due.sort(key=lambda r: r.answer_due or "")
    return [
        {**request_view(r), "answerDue": r.answer_due, "department": r.department, "serviceId": r.service_id}
        for r in due
    ]
