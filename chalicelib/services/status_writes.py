"""What a validated ``StatusChange`` writes: the new status, its guard and its audit entry, in one place.

Every service that changes a request's status builds the change with
``domain.lifecycle.change_status`` and writes it with these helpers inside its
transaction, so editing the transition table changes every path at once.
"""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition

from ..domain.lifecycle import StatusChange
from ..storage.models import AuditRecord, RequestRecord
from .audit import audit_entry, request_subject


def status_actions(change: StatusChange) -> list[Any]:
    return [RequestRecord.status.set(change.after), RequestRecord.updated_at.set(change.at)]


def status_guard(change: StatusChange) -> Condition:
    """The request must still be in the status the change was validated from."""
    return RequestRecord.status == change.before


def status_audit(change: StatusChange) -> AuditRecord:
    return audit_entry(
        request_subject(change.request_id), change.actor, change.action, change.at, **change.audit_detail()
    )
