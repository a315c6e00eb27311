"""Reminders of filing deadlines (issue 15): 14 and 3 days before the due date the department set for a
filing type and period, an e-mail to every association that has not filed yet, through the announcements'
fan-out (the same queue, worker, SES rate and exactly-once deliveries).

Each reminder is an announcement with a fixed id, ``reminder-<type>-<period>-<days>``: written once (a
second run finds it and does nothing), so an association gets each reminder of a period at most once. The
14-day one goes out from 14 days before until the 3-day one is due (a deadline set late still warns once);
the 3-day one in the last three days. The scheduled job runs this once an hour (claimed).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from .. import filing_types
from ..domain.errors import InvalidInput
from ..domain.sms import BUCHAREST
from ..stores.engine import WriteConflict
from .announcements import create_announcement
from .deps import Deps

log = logging.getLogger(__name__)
REMINDER_DAYS = (14, 3)
HOUR_MS = 3_600_000


def reminder_due(today: date, due: date) -> int | None:
    """Which reminder (days before) is due today, if any."""
    left = (due - today).days
    if left <= 0:
        return None
    for days in sorted(REMINDER_DAYS):
        if left <= days:
            return days
    return None


def _date_ro(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def send_filing_reminders(deps: Deps) -> int:
    """Reminder announcements written this run (the worker sends them)."""
    now = deps.now()
    hour = now // HOUR_MS
    if not deps.stores.counters.claim_once(f"job#filing-reminders#{hour}", (hour + 1) * HOUR_MS):
        return 0
    today = datetime.fromtimestamp(now / 1000, BUCHAREST).date()
    written = 0
    for kind in filing_types.list_types():
        if not kind.get("period"):
            continue
        for deadline in deps.stores.filings.deadlines_of(kind["id"]):
            due = date.fromisoformat(deadline.due)
            days = reminder_due(today, due)
            if days is None:
                continue
            announcement_id = f"reminder-{kind['id']}-{deadline.period}-{days}"
            if deps.stores.announcements.get(announcement_id) is not None:
                continue
            filed = deps.stores.filings.filed(kind["id"], deadline.period)
            missing = [entry.cui for entry in deps.stores.associations.registry() if entry.cui not in filed]
            if not missing:
                continue
            title = f"Termen {_date_ro(due)}: {kind['title']['ro']} ({deadline.period})"
            body = (
                f"Vă reamintim că termenul pentru depunerea documentului „{kind['title']['ro']}” "
                f"pentru perioada {deadline.period} este {_date_ro(due)}.\n\n"
                "Depunerea se face în portalul asociațiilor de proprietari: "
                f"{deps.settings.public_base_url}/staff/asociatie/depunere-noua\n\n"
                "Dacă ați depus deja documentul, vă rugăm să ignorați acest mesaj."
            )
            data = {"title": title[:150], "body": body, "audience": {"cuis": missing}, "channels": ["email"]}
            try:
                create_announcement(deps, "system", data, announcement_id=announcement_id, origin="reminder")
            except WriteConflict:
                continue  # another run wrote it first
            except InvalidInput:
                log.exception("filing reminder %s refused: the rest of the job goes on", announcement_id)
                continue
            log.info("filing reminder %s to %d associations", announcement_id, len(missing))
            written += 1
    return written
