"""The sign-in throttle: a try takes a slot in each of its buckets before any password is hashed or any code
checked, and gives it back when it was right (the window arithmetic is in ``domain/signin.py``).

From an address where the user has signed in within 30 days, a try counts only against that pair, so an
attack from elsewhere on the username or from a shared address does not lock the rightful user out of the
office; from any other address it counts against the username and the address. Refusals are 429 with
``Retry-After``, answered at once; the lock, like every failure, is in the account's audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from ..domain import signin
from ..domain.errors import TooManyAttempts
from ..stores import WriteConflict
from ..stores.rows import SignInAttempt
from .audit import record_staff_event
from .deps import Deps

KNOWN_DAYS = 30
_ATTEMPTS = 3


@dataclass(frozen=True)
class Claim:
    key: str
    at: int


def _address(deps: Deps, client: str) -> str:
    """Addresses are kept keyed-hashed in the table's keys."""
    return hmac.new(deps.session_secret, f"addr:{client}".encode(), hashlib.sha256).hexdigest()[:32]


def _known_key(deps: Deps, username: str, client: str) -> str:
    return f"known#{username}#{_address(deps, client)}"


def buckets_for(deps: Deps, username: str, client: str) -> list[signin.Bucket]:
    if deps.stores.access.attempt(_known_key(deps, username, client)) is None:
        return [
            signin.Bucket(f"addr#{_address(deps, client)}", signin.ADDRESS_LIMIT),
            signin.Bucket(f"user#{username}", signin.USER_LIMIT),
        ]
    return [signin.Bucket(f"pair#{username}#{_address(deps, client)}", signin.PAIR_LIMIT)]


def claim(deps: Deps, username: str, client: str, buckets: list[signin.Bucket]) -> list[Claim]:
    """A slot in each bucket, or TooManyAttempts (nothing kept) when one of them is full."""
    now = deps.now()
    claims: list[Claim] = []
    for bucket in buckets:
        wait = _claim_one(deps, bucket, now)
        if wait is not None:
            release(deps, claims)
            record_staff_event(deps, username, "sign_in_locked", client=client, bucket=bucket.key.split("#")[0])
            minutes = -(-wait // 60)
            raise TooManyAttempts(
                f"Prea multe încercări greșite. Încercați din nou peste {minutes} minute.",
                "too many failed sign-in attempts",
                retry_after_s=wait,
            )
        claims.append(Claim(bucket.key, now))
    return claims


def _claim_one(deps: Deps, bucket: signin.Bucket, now: int) -> int | None:
    """None when a slot was taken; otherwise the seconds until one frees."""
    for _ in range(_ATTEMPTS):
        item = _read(deps, bucket.key)
        slots = signin.recent([int(s) for s in item.slots or []], now)
        wait = signin.retry_after_s(slots, bucket.limit, now)
        if wait is not None:
            return wait
        if _saved(deps, item, signin.with_claim(slots, bucket.limit, now), (now + signin.WINDOW_MS) // 1000 + 60):
            return None
    return 1  # others are trying at this very moment: the caller tries again in a second


def release(deps: Deps, claims: list[Claim]) -> None:
    """Give back the slots of a try that was right."""
    for taken in claims:
        for _ in range(_ATTEMPTS):
            item = _read(deps, taken.key)
            if _saved(deps, item, signin.without_claim([int(s) for s in item.slots or []], taken.at), item.ttl):
                break


def trust(deps: Deps, username: str, client: str) -> None:
    """Remember that ``username`` signed in from ``client``."""
    expires = deps.now() // 1000 + KNOWN_DAYS * 86_400
    for _ in range(_ATTEMPTS):
        mark = _read(deps, _known_key(deps, username, client))
        if _saved(deps, mark, mark.slots, expires):
            return


def _read(deps: Deps, key: str) -> SignInAttempt:
    return deps.stores.access.attempt(key) or SignInAttempt(key=key)


def _saved(deps: Deps, item: SignInAttempt, slots: list[int] | None, ttl: int | None) -> bool:
    """Written if nobody wrote it since it was read (its version)."""
    try:
        deps.stores.access.save_slots(item.key, slots, ttl, item.version)
    except WriteConflict:
        return False
    return True
