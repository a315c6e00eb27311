"""The registry's one sequence of registration numbers, ``PS2-<year>-<6 digits>``, whichever way a request
comes in (desk, online, locker drop-off): gapless, because the counter moves only inside the transaction
that writes the request. The year is Bucharest's, so a request registered at 00:30 on 1 January is in the
new year's sequence."""

from __future__ import annotations

from datetime import datetime

from ..domain.codes import format_registration_number
from ..domain.sms import BUCHAREST
from ..stores.engine import Transaction
from .deps import Deps


def next_registration_number(deps: Deps, tx: Transaction, now: int) -> str:
    """Reserve the next number of the year inside ``tx``, and claim it for uniqueness."""
    year = datetime.fromtimestamp(now / 1000, BUCHAREST).year
    return format_registration_number(year, deps.stores.counters.reserve_next(f"seq#PS2-{year}", tx))
