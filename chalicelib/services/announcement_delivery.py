"""The announcements' worker (issue 15): queue messages in, one e-mail (and SMS) per association out.

Two kinds of message, both safe to receive twice: ``expand`` (a slice of an announcement's recipients)
becomes ``send`` messages of ``BATCH`` recipients; ``send`` delivers to each of its recipients, channel by
channel: **claim** (a conditional write: this channel was never claimed) -> **send** -> **mark** (guarded
by the claim; the recipient's last mark also counts the delivery, in the same transaction). A message
redelivered after a crash finds the claimed channels and skips them, so no address gets an e-mail twice.

The one window that cannot be closed: the worker dies after SES accepted a message and before the mark.
SES takes no idempotency key, so nobody can tell whether that e-mail left. Such a claim, older than the
lease (``delivery_lease_seconds``, the queue's visibility timeout), is recorded ``unconfirmed`` (counted
apart in the announcement's counts) and not sent again: at most one recipient per worker crash, and staff
see it. Sending again would risk a duplicate; we chose at most once for that one recipient.

The send rate: each worker paces its e-mails at ``worker_email_rate`` (the SES rate shared by the workers
that may run at once: the Lambda's maximum concurrency on AWS, one process locally), so together they never
exceed SES's rate. See docs/announcements.md for why this rather than a token bucket in DynamoDB.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from ..domain import announcements as rules
from ..ports import PermanentEmailError, PermanentSmsError, RetryableEmailError, RetryableSmsError
from ..stores.engine import WriteConflict
from ..stores.rows import AnnouncementRow, AssociationRow, DeliveryRow
from .deps import Deps

log = logging.getLogger(__name__)
FINISH_TRIES = 5


class Pacer:
    """At most ``rate`` calls of ``wait`` return a second: each waits for its slot, 1/rate after the last."""

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.interval = rules.pace_interval_s(rate)
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


_pacers: dict[float, Pacer] = {}


def pacer_for(deps: Deps) -> Pacer:
    """The process's pacer (a warm Lambda keeps it between invocations)."""
    rate = deps.settings.worker_email_rate
    if rate not in _pacers:
        _pacers[rate] = Pacer(rate)
    return _pacers[rate]


def handle_message(deps: Deps, message: dict[str, Any], pacer: Pacer | None = None) -> int:
    """One queue message; returns the sends it made. An exception leaves the message to the queue's retry."""
    kind = message.get("kind")
    announcement = _announcement(deps, str(message.get("id")))
    if announcement is None:
        log.error("queue message for an unknown announcement dropped")
        return 0
    if kind == "expand":
        return expand(deps, announcement, int(message["part"]))
    if kind == "send":
        return deliver(deps, announcement, [str(c) for c in message["cuis"]], pacer or pacer_for(deps))
    log.error("queue message of unknown kind %r dropped", kind)
    return 0


_cache: dict[str, AnnouncementRow] = {}


def _announcement(deps: Deps, announcement_id: str) -> AnnouncementRow | None:
    """Its title, body and channels never change once released: read once per process."""
    row = _cache.get(announcement_id) or deps.stores.announcements.get(announcement_id)
    if row is not None and row.status == rules.RELEASED:
        if len(_cache) > 50:
            _cache.clear()
        _cache[announcement_id] = row
    return row


def expand(deps: Deps, announcement: AnnouncementRow, part: int) -> int:
    """A part of the recipients as send messages of BATCH associations each."""
    cuis = deps.stores.announcements.part(announcement.id, part)
    deps.queue.send_batch(
        [
            {"kind": "send", "id": announcement.id, "cuis": cuis[i : i + rules.BATCH]}
            for i in range(0, len(cuis), rules.BATCH)
        ]
    )
    return 0


class RecipientHeld(Exception):
    """A recipient's channel is claimed by a worker that may still be sending: the message must come back
    (after the queue's visibility timeout the claim is finished, or stale and settled as unconfirmed)."""


def deliver(deps: Deps, announcement: AnnouncementRow, cuis: list[str], pacer: Pacer) -> int:
    registry = {row.cui: row for row in deps.stores.associations.get_many(cuis)}
    sends, held = 0, 0
    for cui in cuis:
        try:
            sends += deliver_one(deps, announcement, cui, registry.get(cui), pacer)
        except RecipientHeld:
            held += 1
    if held:
        raise RecipientHeld(f"{held} recipients held by another worker: the message comes back")
    return sends


def _outcome(outcomes: dict[str, str | None]) -> str:
    values = set(outcomes.values())
    if rules.FAILED in values:
        return rules.FAILED
    return rules.UNCONFIRMED if rules.UNCONFIRMED in values else rules.SENT


def deliver_one(
    deps: Deps, announcement: AnnouncementRow, cui: str, association: AssociationRow | None, pacer: Pacer
) -> int:
    """Every channel of one recipient not done yet; returns the sends made (0 or more). The claim comes
    first (three requests a recipient: claim, send, mark); the delivery is read only when a claim fails."""
    channels = [c for c in rules.SENT_CHANNELS if c in announcement.channels]
    if not channels:  # portal only: the inbox is the delivery
        _finish(deps, announcement, cui, None, "", final=rules.SENT)
        return 0
    outcomes: dict[str, str | None] = dict.fromkeys(channels)
    sends = 0
    for index, channel in enumerate(channels):
        final_needed = index == len(channels) - 1
        address = _address(association, channel)
        if channel == "email" and address:
            pacer.wait()
        claimed_at = deps.now()
        held = _claim(deps, announcement, cui, channel, claimed_at)
        if held is not None:  # claimed before: done, being sent, or left by a worker that died
            if held.finished_at is not None:
                return sends
            outcomes[channel] = getattr(held, channel)
            if outcomes[channel] == rules.SENDING and not _settle_stale(
                deps, announcement, cui, channel, held, outcomes, final_needed
            ):
                raise RecipientHeld(cui)  # another worker holds this recipient right now
            continue
        outcome, provider_id, error = _send(deps, announcement, channel, address, cui, claimed_at)
        sends += 1 if outcome == rules.SENT else 0
        outcomes[channel] = outcome
        final = _outcome(outcomes) if final_needed else None
        _finish(deps, announcement, cui, channel, outcome, final=final, provider_id=provider_id, error=error)
    return sends


def _claim(deps: Deps, announcement: AnnouncementRow, cui: str, channel: str, now: int) -> DeliveryRow | None:
    """None when this call holds the claim; else the delivery as another claim left it. A request the
    client retried after a timeout may have gone through the first time: the claim's token tells."""
    token = uuid.uuid4().hex
    store = deps.stores.announcements
    try:
        store.claim(announcement.id, cui, channel, now, announcement.send_at, token)
    except WriteConflict:
        row = store.delivery(announcement.id, cui)
        if row is not None and getattr(row, f"{channel}_by") != token:
            return row
    return None


def _settle_stale(
    deps: Deps,
    announcement: AnnouncementRow,
    cui: str,
    channel: str,
    row: DeliveryRow,
    outcomes: dict[str, str | None],
    final_needed: bool,
) -> bool:
    """A claim never marked: ``unconfirmed`` once older than the lease (True); False while it may be live."""
    lease_before = deps.now() - deps.settings.delivery_lease_seconds * 1000
    if (getattr(row, f"{channel}_at") or 0) > lease_before:
        return False
    outcomes[channel] = rules.UNCONFIRMED
    final = _outcome(outcomes) if final_needed else None
    _finish(deps, announcement, cui, channel, rules.UNCONFIRMED, final=final, stale_before=lease_before)
    log.warning("announcement %s: a %s claim was never marked: unconfirmed", announcement.id, channel)
    return True


def _address(association: AssociationRow | None, channel: str) -> str | None:
    if association is None:
        return None
    return association.email if channel == "email" else association.phone


def _send(
    deps: Deps, announcement: AnnouncementRow, channel: str, address: str | None, cui: str, claimed_at: int
) -> tuple[str, str | None, str | None]:
    """(outcome, provider id, error). A retryable failure gives the claim back and raises: the queue
    delivers the message again later."""
    if not address:
        return rules.FAILED, None, f"no-{channel}-address"
    link = f"{deps.settings.public_base_url}/staff/asociatie/anunturi/{announcement.id}"
    try:
        if channel == "email":
            tags = {"announcement": announcement.id, "cui": cui}  # a bounce names the delivery it belongs to
            provider_id = deps.email.send(address, announcement.title, rules.email_text(announcement.body, link), tags)
        else:
            provider_id = deps.sms.send(address, rules.sms_text(announcement.title, link))
    except (PermanentEmailError, PermanentSmsError) as refused:
        return rules.FAILED, None, str(refused)[:200]
    except (RetryableEmailError, RetryableSmsError):
        deps.stores.announcements.unclaim(announcement.id, cui, channel, claimed_at)
        raise
    return rules.SENT, provider_id, None


def _finish(
    deps: Deps,
    announcement: AnnouncementRow,
    cui: str,
    channel: str | None,
    outcome: str,
    *,
    final: str | None,
    provider_id: str | None = None,
    error: str | None = None,
    stale_before: int | None = None,
) -> None:
    """The mark, tried again when a concurrent transaction on the announcement's counts cancelled it; a
    guard that no longer holds means another worker recorded this channel first."""
    store = deps.stores.announcements
    for _ in range(FINISH_TRIES):
        try:
            store.finish(
                announcement.id,
                cui,
                deps.now(),
                channel=channel,
                outcome=outcome,
                provider_id=provider_id,
                error=error,
                final=final,
                released_at=announcement.send_at,
                stale_before=stale_before,
            )
            return
        except WriteConflict:
            current = store.delivery(announcement.id, cui)
            if current is not None and current.finished_at is not None:
                return
            if channel is not None and (current is None or getattr(current, channel) != rules.SENDING):
                return
            (deps.sleep or time.sleep)(0.01)
    raise WriteConflict(f"announcement {announcement.id}: the mark kept conflicting")
