"""Telling an association that its filing moved (issue 15): one e-mail per step, through ``deps.email``
(SES; the local stage's emulator, whose outbox ``/api/dev/outbox?channel=email`` shows it).

The step is already written when the e-mail is tried: a failure to send never undoes it. Each notice is
recorded in the filing's audit trail (sent, or failed with the provider's reason), without the address
(the association's contact is personal data) — the portal shows the filing's status in any case.
"""

from __future__ import annotations

import logging

from ..domain.filings import notice
from ..ports import EmailError
from ..stores.audit import audit_row
from ..stores.rows import Request
from .audit import request_subject
from .deps import Deps

log = logging.getLogger("eps2.filings")


def tell(deps: Deps, record: Request, action: str, message: str = "") -> bool:
    """E-mail the association about ``action`` on ``record``; True when the provider took it."""
    cui = (record.owner or "").split("#", 1)[-1]
    association = deps.stores.associations.get(cui)
    subject_id = request_subject(record.id)
    if association is None or not association.email:
        deps.stores.audit.add(
            audit_row(subject_id, "system", "notice_skipped", deps.now(), step=action, why="no e-mail")
        )
        return False
    subject, body = notice(action, record.documents, record.registration_number, message)
    try:
        deps.email.send(association.email, subject, body)
    except EmailError as error:
        log.warning("filing notice %s for %s not sent: %s", action, record.id, type(error).__name__)
        deps.stores.audit.add(
            audit_row(subject_id, "system", "notice_failed", deps.now(), step=action, error=str(error)[:200])
        )
        return False
    deps.stores.audit.add(audit_row(subject_id, "system", "notice_sent", deps.now(), step=action, channel="email"))
    return True
