"""The citizen moves the pickup deadline once, free, from the QR page, before it passes.

The codes stay the same; the QR's offline credential is re-signed with the new
expiry (the page shows it at once), the locker gets a PIN verifier with the new
expiry, the reminder is rescheduled and the extension is audited.
"""

from __future__ import annotations

import json

from ..domain.errors import IllegalTransition, NotFound, RequestChanged
from ..domain.lifecycle import Status
from ..stores.audit import audit_row
from ..stores.engine import ABSENT, WriteConflict
from ..stores.rows import Credential, Request
from .audit import request_subject
from .commands import send_pin_verifier
from .credentials import find_by_token, offline_qr, reseal, unseal
from .deps import Deps
from .request_records import get_request

DAY_MS = 86_400_000


def can_extend(deps: Deps, request: Request, credential: Credential) -> bool:
    return (
        request.status == Status.IN_LOCKER.value
        and not request.extended_at
        and not request.pickup_cmd
        and not credential.used_at
        and not credential.revoked
        and deps.now() < credential.expires_at
    )


def extend_pickup(deps: Deps, token: str) -> Request:
    """Add ``extend_days`` to the deadline of the request behind ``token``; once per request."""
    credential = find_by_token(deps, token)
    if credential is None or credential.revoked:
        raise NotFound("Codul nu este valid.", "unknown pickup code")
    request = get_request(deps, credential.request_id)
    if not can_extend(deps, request, credential):
        raise IllegalTransition(
            "Termenul nu mai poate fi prelungit: a fost deja prelungit o dată, a trecut "
            "sau documentele au fost ridicate.",
            "the deadline can be extended once, before it passes, while the documents wait in the locker",
        )
    now = deps.now()
    deadline = int(credential.expires_at) + deps.settings.extend_days * DAY_MS
    sealed = unseal(deps, token, credential)
    qr_content = offline_qr(
        deps,
        token,
        credential.locker_id,
        credential.deposit_cmd or "",
        credential.compartment,
        deadline,
        credential.offline_nonce or "",
    )
    try:
        with deps.stores.transaction() as tx:
            deps.stores.requests.update_fields(
                request.id,
                tx,
                set={"deadline": deadline, "due_at": deadline, "extended_at": now, "updated_at": now},
                remove=["reminder_sent_at"],
                expect={
                    "status": Status.IN_LOCKER.value,
                    "extended_at": ABSENT,
                    "pickup_cmd": ABSENT,
                    "qr_key": credential.code_key,
                },
            )
            deps.stores.credentials.extend(
                credential.code_key, deadline, reseal(deps, token, json.dumps({**sealed, "qr": qr_content})), tx
            )
            if credential.sibling:
                deps.stores.credentials.extend_sibling(credential.sibling, deadline, tx)
            deps.stores.audit.add(
                audit_row(
                    request_subject(request.id),
                    "citizen",
                    "deadline_extended",
                    now,
                    **{"from": int(credential.expires_at), "to": deadline},
                ),
                tx,
            )
    except WriteConflict as error:
        raise RequestChanged() from error
    if credential.sibling:
        pin_credential = deps.stores.credentials.get(credential.sibling)
        if pin_credential is not None:
            send_pin_verifier(deps, pin_credential)
    return get_request(deps, request.id)
