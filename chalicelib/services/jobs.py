"""The scheduled job: reminders, expiry, command timeouts, SMS retries and phone erasure.

Every step claims its work with a conditional write before acting, so running
the job twice (or two runs overlapping) sends nothing twice.
"""

from __future__ import annotations

import logging

from ..domain.errors import IllegalTransition
from ..domain.lifecycle import CLOSED_STATUSES, OPEN_STATUSES, Status, change_status
from ..stores.audit import audit_row
from ..stores.engine import ABSENT, Between, WriteConflict, le, lt
from ..stores.rows import Request
from .audit import locker_subject, request_subject
from .deposit import revoke_offline_credential
from .deps import Deps
from .locker_codes import reconcile_unconfirmed_claims
from .locker_doors import undo_command
from .notify import notify, retry_pending, sms_context
from .operations import measure_operations
from .status_writes import write_status

log = logging.getLogger(__name__)
HOUR_MS = 3_600_000
UNCONFIRMED_AFTER_MS = 10 * 60_000  # a claim with no bookkeeping and no door event this long: codes back
DAY_MS = 86_400_000


def run_scheduled_job(deps: Deps) -> dict[str, int]:
    report = {
        "reminders": send_reminders(deps),
        "expired": expire_overdue(deps),
        "timed_out_commands": time_out_commands(deps),
        "unconfirmed_claims": reconcile_unconfirmed_claims(deps, UNCONFIRMED_AFTER_MS),
        "sms_retried": retry_pending(deps),
        "phones_erased": erase_phones(deps),
        "idle_phones_erased": erase_idle_phones(deps),
        **measure_operations(deps),
    }
    log.info("scheduled job: %s", report)
    return report


def send_reminders(deps: Deps) -> int:
    now = deps.now()
    horizon = now + deps.settings.reminder_hours * HOUR_MS
    sent = 0
    for record in deps.stores.requests.due(Status.IN_LOCKER.value, Between(now, horizon)):
        if record.reminder_sent_at:
            continue
        try:
            deps.stores.requests.mark_reminded(record.id, now)
        except WriteConflict:
            continue
        notify(deps, record, "reminder", sms_context(deps, record))
        sent += 1
    return sent


def expire_overdue(deps: Deps) -> int:
    now = deps.now()
    count = 0
    for record in deps.stores.requests.due(Status.IN_LOCKER.value, lt(now)):
        try:
            change = change_status(record.id, record.status, "expire", now, "system")
        except IllegalTransition as refused:
            log.error("request %s cannot expire: %s", record.id, refused)
            continue
        try:
            with deps.stores.transaction() as tx:
                write_status(
                    deps, change, tx, set={"due_at": now, "expiry_notified_at": now}, expect={"pickup_cmd": ABSENT}
                )
                deps.stores.audit.add(
                    audit_row(
                        locker_subject(record.locker_id or "-"),
                        "system",
                        "retrieve_task",
                        now,
                        request=record.id,
                        compartment=record.compartment,
                    ),
                    tx,
                )
        except WriteConflict:
            continue
        revoke_offline_credential(deps, record)
        notify(deps, record, "expired", sms_context(deps, record))
        count += 1
    return count


def time_out_commands(deps: Deps) -> int:
    now = deps.now()
    count = 0
    for command in deps.stores.commands.overdue(now):
        try:
            deps.stores.commands.time_out(command.id)
        except WriteConflict:
            continue
        deps.stores.audit.add(
            audit_row(
                locker_subject(command.locker_id),
                "system",
                "command_timed_out",
                now,
                cmd=command.id,
                purpose=command.purpose,
                compartment=command.compartment,
            )
        )
        if command.request_id:
            undo_command(deps, command, "system")
        count += 1
    return count


def erase_phones(deps: Deps) -> int:
    """Delete the phone of requests closed longer ago than the retention period (TTL does it too, later)."""
    now = deps.now()
    count = 0
    for status in CLOSED_STATUSES:
        for record in deps.stores.requests.due(status.value, le(now)):
            if record.phone_erased_at:
                continue
            try:
                with deps.stores.transaction() as tx:
                    deps.stores.requests.erase_phone(record.id, now, tx)
            except WriteConflict:
                continue  # erased meanwhile by another run
            count += 1
    return count


WARN_BEFORE_DAYS = 7


def idle_requests(deps: Deps, older_than_days: int) -> list[Request]:
    """Open requests with no activity for ``older_than_days`` whose phone is still kept."""
    cutoff = deps.now() - older_than_days * DAY_MS
    # due_at never exceeds the last activity of a request that can sit idle (registered, ready, reserved:
    # its creation; expired: its expiry), so the key condition reads only candidates and the filter decides.
    return [
        record
        for status in OPEN_STATUSES
        for record in deps.stores.requests.idle(status.value, cutoff)
        if not record.phone_erased_at
    ]


def erase_idle_phones(deps: Deps) -> int:
    """Requests that never close (never collected at the counter, never taken back) keep no phone for ever:
    it is erased ``max_phone_days`` after the last activity; staff see it coming in their tasks a week before.
    Runs once an hour (claimed), since it reads every open request."""
    now = deps.now()
    if not deps.stores.counters.claim_once(f"job#idle-phones#{now // HOUR_MS}"):
        return 0
    count = 0
    for record in idle_requests(deps, deps.settings.max_phone_days):
        try:
            with deps.stores.transaction() as tx:
                deps.stores.requests.erase_phone(record.id, now, tx)
                deps.stores.audit.add(
                    audit_row(request_subject(record.id), "system", "phone_erased", now, reason="idle"), tx
                )
        except WriteConflict:
            continue  # erased meanwhile by another run
        count += 1
    return count
