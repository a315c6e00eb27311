"""What the citizen's QR page (/r/{token}) shows: the QR, the PIN, the locker, the deadline, or why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.sms import BUCHAREST
from .credentials import find_by_token, unseal
from .deps import Deps
from .pickup_extension import can_extend


@dataclass(frozen=True)
class PickupPage:
    state: str  # valid | used | expired | unknown
    registration_number: str = ""
    pin: str = ""
    qr_content: str = ""
    deadline: str = ""
    locker_name: str = ""
    locker_location: str = ""
    can_extend: bool = False
    extend_days: int = 0
    extended: bool = False


def pickup_page(deps: Deps, token: str) -> PickupPage:
    credential = find_by_token(deps, token)
    if credential is None or credential.revoked:
        return PickupPage("unknown")
    request = deps.stores.requests.get(credential.request_id)
    if request is None:
        return PickupPage("unknown")
    deadline = datetime.fromtimestamp(credential.expires_at / 1000, BUCHAREST).strftime("%d.%m.%Y, ora %H:%M")
    base: dict[str, Any] = {"registration_number": request.registration_number, "deadline": deadline}
    if credential.used_at or request.status == "collected":
        return PickupPage("used", **base)
    if deps.now() > credential.expires_at or request.status != "in_locker":
        return PickupPage("expired", **base)
    meta = deps.stores.lockers.meta(credential.locker_id)
    if meta is not None:
        name, location = meta.name or "", meta.location or ""
    else:
        name, location = credential.locker_id, ""
    sealed = unseal(deps, token, credential)
    return PickupPage(
        "valid",
        pin=sealed.get("pin", ""),
        qr_content=sealed.get("qr", token),
        locker_name=name,
        locker_location=location,
        can_extend=can_extend(deps, request, credential),
        extend_days=deps.settings.extend_days,
        extended=bool(request.extended_at),
        **base,
    )
