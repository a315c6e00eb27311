"""What a validated ``StatusChange`` writes: the new status, its guard and its audit entry, in one place.

Every service that changes a request's status builds the change with
``domain.lifecycle.change_status`` and writes it with ``write_status`` inside its
transaction, so editing the transition table changes every path at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..domain.lifecycle import StatusChange
from ..stores.audit import audit_row
from ..stores.engine import Expect, Transaction
from .audit import request_subject
from .deps import Deps


def write_status(
    deps: Deps,
    change: StatusChange,
    tx: Transaction,
    *,
    set: Mapping[str, Any] | None = None,
    remove: Iterable[str] = (),
    expect: Expect | None = None,
) -> None:
    """Stage ``change`` (with other fields of the request) and its audit entry in ``tx``."""
    deps.stores.requests.apply_change(change, tx, set=set, remove=remove, expect=expect)
    deps.stores.audit.add(
        audit_row(request_subject(change.request_id), change.actor, change.action, change.at, **change.audit_detail()),
        tx,
    )
