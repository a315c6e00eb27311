"""The registry's one sequence of registration numbers, ``PS2-<year>-<6 digits>``, whichever way a request
comes in (desk, online, locker drop-off): gapless, because the counter moves only inside the transaction
that writes the request. The year is Bucharest's, so a request registered at 00:30 on 1 January is in the
new year's sequence."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ..domain.codes import format_registration_number
from ..domain.errors import IllegalTransition
from ..domain.online_requests import end_of_day_ms
from ..domain.sms import BUCHAREST
from ..stores.engine import Transaction, WriteConflict
from ..stores.rows import Request
from .deps import Deps

TRIES = 60  # a rush of registrations at once (24 drop-off doors closing in the benchmark) share one counter


class SequenceContention(Exception):
    """Every try lost the race for the sequence's next number."""


def next_registration_number(deps: Deps, tx: Transaction, now: int) -> str:
    """Reserve the next number of the year inside ``tx``, and claim it for uniqueness."""
    year = datetime.fromtimestamp(now / 1000, BUCHAREST).year
    return format_registration_number(year, deps.stores.counters.reserve_next(f"seq#PS2-{year}", tx))


def register_next(
    deps: Deps, request_id: str, now: int, write: Callable[[Transaction, str], None], changed: Callable[[], bool]
) -> str | None:
    """Give a request the next registration number in one transaction: the number reserved and claimed for
    ``request_id``, and what ``write(tx, number)`` stages (the request's own writes). When the transaction
    fails, ``changed()`` tells a request that changed meanwhile (None is returned: nothing was written) from a
    lost race for the counter, which is tried again with the next number after a short random pause (many
    registrations at the same instant share the one counter). ``SequenceContention`` after ``TRIES`` losses."""
    sleep = deps.sleep or time.sleep
    for attempt in range(TRIES):
        if attempt:
            sleep(random.uniform(0, 0.004 * min(attempt, 10)))
        try:
            with deps.stores.transaction() as tx:
                number = next_registration_number(deps, tx, now)
                deps.stores.counters.claim_registration_number(number, request_id, tx)
                write(tx, number)
        except WriteConflict:
            if changed():
                return None
            continue
        return number
    raise SequenceContention(request_id)


def registered_fields(number: str, at: int, answer_due: date) -> dict[str, Any]:
    """What a registration sets on the request: its number, when, and the day the answer is due (with that
    day's end, which orders the department's queue)."""
    return {
        "registration_number": number,
        "registered_at": at,
        "answer_due": answer_due.isoformat(),
        "due_at": int(end_of_day_ms(answer_due)),
    }


def changed_since_read(deps: Deps, record: Request) -> bool:
    """The request is gone, or in another status than when ``record`` was read."""
    current = deps.stores.requests.get(record.id)
    return current is None or current.status != record.status


def register_submitted(
    deps: Deps, record: Request, now: int, write: Callable[[Transaction, str], None], already: IllegalTransition
) -> Request:
    """Register a submitted request (online, or an association's filing) with ``register_next``; returns it as
    registered. ``already`` is raised when it changed meanwhile (submitted twice at once)."""
    try:
        number = register_next(deps, record.id, now, write, lambda: changed_since_read(deps, record))
    except SequenceContention:
        raise IllegalTransition("Prea multe înregistrări simultane; încercați din nou.", "contention") from None
    if number is None:
        raise already
    registered = deps.stores.requests.get(record.id)
    assert registered is not None and registered.registration_number == number
    return registered
