"""The scheduled job: reminders, expiry, command timeouts, SMS retries, phone erasure, and the retention of
online requests (drafts untouched for a year are deleted with their files; a closed request's files are
deleted ``retention_years`` after it closed, while its record stays in the registry).

Every step claims its work with a conditional write before acting, so running
the job twice (or two runs overlapping) sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from ..domain.errors import IllegalTransition
from ..domain.lifecycle import CLOSED_STATUSES, OPEN_STATUSES, Status, change_status, closed_statuses
from ..domain.online_requests import DRAFT_KEPT_DAYS
from ..domain.sms import BUCHAREST
from ..stores.audit import audit_row
from ..stores.engine import ABSENT, Between, WriteConflict, le, lt
from ..stores.rows import Attachment, Request
from .announcements import release_due
from .audit import locker_subject, request_subject
from .deposit import revoke_offline_credential
from .deps import Deps
from .filing_reminders import send_filing_reminders
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
        "drafts_deleted": delete_expired_drafts(deps),
        "files_deleted": delete_expired_files(deps),
        "announcements_released": release_due(deps),
        "filing_reminders": send_filing_reminders(deps),
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
        if command.request_id and command.purpose != "dropoff":
            # a drop-off's door may have opened with the ack still in the locker's outbox: its reservation stays
            # until the locker says (a late ack or door events register the file; a 'rejected' ack undoes it)
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
    if not deps.stores.counters.claim_once(f"job#idle-phones#{now // HOUR_MS}", (now // HOUR_MS + 1) * HOUR_MS):
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


# A closed request's due_at is at most this long after it closed: its answer deadline (the service's term, at
# most a year after registration), a draft's keeping time (a year after creation), or the phone's erasure time
# (erase_after_days after closing); so closed ones are found on the status-due index without a scan.
CLOSED_DUE_SLACK_DAYS = 366


def delete_expired_drafts(deps: Deps) -> int:
    """Drafts untouched for a year (no change, no file added) are deleted with their files and contact.
    A draft touched since its keeping time was set is kept a year from that touch instead."""
    now = deps.now()
    kept_ms = DRAFT_KEPT_DAYS * DAY_MS
    count = 0
    for record in list(deps.stores.requests.expired_drafts(now)):
        files = deps.stores.attachments.of_request(record.id)
        last = max([record.updated_at, *(f.created_at for f in files)])
        if last + kept_ms > now:
            try:
                deps.stores.requests.keep_draft_until(record.id, last + kept_ms)
            except WriteConflict:
                pass  # sent meanwhile
            continue
        try:
            with deps.stores.transaction() as tx:
                deps.stores.requests.delete_draft(record, tx)
                deps.stores.audit.add(
                    audit_row(request_subject(record.id), "system", "draft_deleted", now, files=len(files)), tx
                )
        except WriteConflict:
            continue  # the citizen changed or sent it meanwhile
        # Read again: an upload allowed while the draft was being deleted has a record too.
        _delete_files(deps, deps.stores.attachments.of_request(record.id))
        count += 1
    return count


def delete_expired_files(deps: Deps) -> int:
    """The files of requests closed ``retention_years`` ago: objects and records deleted, the request kept
    (its number, dates and outcome stay in the registry). Runs once a day (claimed). Returns files deleted."""
    now = deps.now()
    if not deps.stores.counters.claim_once(f"job#retention#{now // DAY_MS}", (now // DAY_MS + 1) * DAY_MS):
        return 0
    cutoff = years_before(now, deps.settings.retention_years)
    count = 0
    for status in closed_statuses():
        for record in list(deps.stores.requests.closed_with_files(status, cutoff + CLOSED_DUE_SLACK_DAYS * DAY_MS)):
            if (record.closed_at or record.updated_at) > cutoff:
                continue
            files = deps.stores.attachments.of_request(record.id)
            _delete_files(deps, files)
            try:
                deps.stores.requests.mark_files_deleted(record.id, now)
            except WriteConflict:
                continue  # another run finished it
            deps.stores.audit.add(
                audit_row(request_subject(record.id), "system", "files_deleted", now, files=len(files))
            )
            count += len(files)
    return count


def _delete_files(deps: Deps, files: list[Attachment]) -> None:
    for row in files:
        deps.files.delete(row.key)  # the object first: a record never outlives its object's deletion
        deps.stores.attachments.remove(row.request_id, row.id)


def years_before(now_ms: int, years: int) -> int:
    """The same calendar instant ``years`` earlier in Bucharest (29 February becomes the 28th)."""
    moment = datetime.fromtimestamp(now_ms / 1000, BUCHAREST)
    try:
        earlier = moment.replace(year=moment.year - years)
    except ValueError:
        earlier = moment.replace(year=moment.year - years, day=28)
    return int(earlier.timestamp() * 1000)
