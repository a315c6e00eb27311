"""The AWS emulator's memory on disk: moto's backends are saved on shutdown (and every few minutes) and loaded at start.

moto keeps everything in process memory and has no persistence of its own (its recorder replays
requests, which regenerates ids and timestamps), so the emulator pickles the backends of the
services the stack uses: DynamoDB (requests, lockers, audit trail, …), SNS (the SMS outbox), SES (the
e-mail outbox), IoT (provisioned things and policies), SSM, SQS and Cognito. The file is written beside itself and
renamed, so a crash while saving leaves the previous snapshot whole. A snapshot that cannot be
read (a moto upgrade) is set aside with a warning and the emulator starts empty.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import threading
import time
from pathlib import Path
from typing import Any

SERVICES = ("dynamodb", "sns", "ses", "iot", "iot-data", "ssm", "sqs", "cognito-idp")
FORMAT = 1


def snapshot() -> bytes:
    """Every account's and region's backend of SERVICES; the caller holds the request lock."""
    from moto.backends import get_backend

    state: dict[str, Any] = {"format": FORMAT, "services": {}}
    for service in SERVICES:
        backends = get_backend(service)  # type: ignore[call-overload]
        state["services"][service] = {account: dict(backends[account].items()) for account in list(backends)}
    buffer = io.BytesIO()
    _LockFreePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _LockFreePickler(pickle.Pickler):
    """moto's SQS queues hold a lock (and a condition built on it) once a receive has waited on them:
    a lock cannot be pickled, and its state means nothing after a restart, so a fresh one is stored."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _LOCK_TYPES):
            return (threading.RLock if isinstance(obj, _LOCK_TYPES[1]) else threading.Lock), ()
        if isinstance(obj, threading.Condition):
            return threading.Condition, (obj._lock,)  # type: ignore[attr-defined]
        return NotImplemented


def save(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def restore(path: Path) -> bool:
    """Load the snapshot at ``path`` into moto's backends; False when there is none (a fresh data folder)."""
    if not path.exists():
        return False
    from moto.backends import get_backend

    try:
        state = pickle.loads(path.read_bytes())  # our own file, in the stack's data folder
        if state.get("format") != FORMAT:
            raise ValueError(f"snapshot format {state.get('format')}, expected {FORMAT}")
        for service, accounts in state["services"].items():
            backends = get_backend(service)
            for account, regions in accounts.items():
                for region, backend in regions.items():
                    backends[account][region] = backend
    except Exception as error:
        aside = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
        path.rename(aside)
        print(f"AWS emulator: could not load {path} ({error}); moved to {aside}, starting empty", file=sys.stderr)
        return False
    return True
