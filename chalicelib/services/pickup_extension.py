"""The citizen moves the pickup deadline once, free, from the QR page, before it passes.

The codes stay the same; the QR's offline credential is re-signed with the new
expiry (the page shows it at once), the locker gets a PIN verifier with the new
expiry, the reminder is rescheduled and the extension is audited.
"""

from __future__ import annotations

import json

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ..domain.errors import IllegalTransition, NotFound, RequestChanged
from ..domain.lifecycle import Status
from ..storage.models import CredentialRecord, RequestRecord, ttl_at
from .audit import audit_entry, request_subject
from .commands import send_pin_verifier
from .credentials import KEEP_AFTER_EXPIRY_S, find_by_token, offline_qr, reseal, unseal
from .deps import Deps
from .request_records import load_request

DAY_MS = 86_400_000


def can_extend(deps: Deps, request: RequestRecord, credential: CredentialRecord) -> bool:
    return (
        request.status == Status.IN_LOCKER.value
        and not request.extended_at
        and not request.pickup_cmd
        and not credential.used_at
        and not credential.revoked
        and deps.now() < credential.expires_at
    )


def extend_pickup(deps: Deps, token: str) -> RequestRecord:
    """Add ``extend_days`` to the deadline of the request behind ``token``; once per request."""
    credential = find_by_token(deps, token)
    if credential is None or credential.revoked:
        raise NotFound("Codul nu este valid.", "unknown pickup code")
    request = load_request(credential.request_id)
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
    expiry: list[Action] = [
        CredentialRecord.expires_at.set(deadline),
        CredentialRecord.ttl.set(ttl_at(deadline // 1000 + KEEP_AFTER_EXPIRY_S)),
    ]
    try:
        with TransactWrite(connection=deps.connection) as tx:
            tx.update(
                request,
                actions=[
                    RequestRecord.deadline.set(deadline),
                    RequestRecord.due_at.set(deadline),
                    RequestRecord.extended_at.set(now),
                    RequestRecord.reminder_sent_at.remove(),
                    RequestRecord.updated_at.set(now),
                ],
                condition=(RequestRecord.status == Status.IN_LOCKER.value)
                & RequestRecord.extended_at.does_not_exist()
                & RequestRecord.pickup_cmd.does_not_exist()
                & (RequestRecord.qr_key == credential.code_key),
            )
            tx.update(
                credential,
                actions=[
                    *expiry,
                    CredentialRecord.sealed_pin.set(reseal(deps, token, json.dumps({**sealed, "qr": qr_content}))),
                ],
                condition=CredentialRecord.used_at.does_not_exist() & (CredentialRecord.revoked == False),  # noqa: E712
            )
            if credential.sibling:
                tx.update(
                    CredentialRecord(code_key=credential.sibling),
                    actions=expiry,
                    condition=CredentialRecord.code_key.exists(),
                )
            tx.save(
                audit_entry(
                    request_subject(request.id),
                    "citizen",
                    "deadline_extended",
                    now,
                    **{"from": int(credential.expires_at), "to": deadline},
                )
            )
    except TransactWriteError as error:
        raise RequestChanged() from error
    if credential.sibling:
        send_pin_verifier(deps, CredentialRecord.get(credential.sibling))
    return load_request(request.id)
