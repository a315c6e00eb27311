"""Storage behind stores: named operations on ePS2's data, passed to the services in ``Deps.stores``.

Each store (requests, lockers, credentials, …) offers the reads and the guarded writes its services need,
built on the ``Table`` primitives of ``engine.py``. Services never see pynamodb: the DynamoDB engine
(``storage/dynamo_tables.py``) and its in-memory twin (``storage/memory_tables.py``) both implement the
port, and ``tests/contract/`` holds the two to the same behaviour. A write that must be atomic with
others takes ``tx`` from ``stores.transaction()``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from .access import AccessStore
from .announcements import AnnouncementStore
from .associations import AssociationStore
from .attachment_store import AttachmentStore
from .audit import AuditStore
from .commands import CommandStore
from .counters import CounterStore
from .credentials import CredentialStore
from .engine import Engine, Key, Transaction, WriteConflict
from .events import EventStore
from .filings import FilingStore
from .lockers import KEYPAD, META, LockerStore
from .notifications import NotificationStore
from .request_store import RequestStore
from .rows import CommandRow, Contact, LockerEventRow, LockerRow, Request

__all__ = ["Stores", "Transaction", "WriteConflict", "build_stores"]


@dataclass
class Stores:
    engine: Engine
    requests: RequestStore
    announcements: AnnouncementStore
    lockers: LockerStore
    credentials: CredentialStore
    events: EventStore
    commands: CommandStore
    audit: AuditStore
    notifications: NotificationStore
    counters: CounterStore
    access: AccessStore
    attachments: AttachmentStore
    associations: AssociationStore
    filings: FilingStore

    def transaction(self) -> AbstractContextManager[Transaction]:
        """``with stores.transaction() as tx:`` the staged writes commit together at the end, or
        ``WriteConflict`` is raised and none is written."""
        return self.engine.transaction()

    def code_context(
        self, locker_id: str, event_id: str, with_keypad: bool
    ) -> tuple[LockerRow | None, LockerRow | None, LockerEventRow | None]:
        """What a code event needs beside its claim, in one request (BatchGetItem): the keypad state (PINs
        only; None when never used), the locker's meta (clock offset) and this event's record (None: not
        answered before)."""
        keys: list[tuple[type, Key]] = [(LockerRow, (locker_id, META)), (LockerEventRow, (locker_id, event_id))]
        if with_keypad:
            keys.append((LockerRow, (locker_id, KEYPAD)))
        rows = self.engine.get_rows(keys)
        return (rows[2] if with_keypad else None), rows[0], rows[1]

    def door_context(
        self, command_id: str, request_id: str | None
    ) -> tuple[CommandRow | None, Request | None, Contact | None]:
        """What a closing door needs, in one request (BatchGetItem): the command it names and the request
        holding the compartment, with its contact."""
        keys: list[tuple[type, Key]] = [(CommandRow, command_id)]
        if request_id:
            keys += [(Request, request_id), (Contact, request_id)]
        rows = self.engine.get_rows(keys)
        return rows[0], rows[1] if request_id else None, rows[2] if request_id else None


def build_stores(engine: Engine) -> Stores:
    return Stores(
        engine=engine,
        requests=RequestStore(engine),
        announcements=AnnouncementStore(engine),
        lockers=LockerStore(engine),
        credentials=CredentialStore(engine),
        events=EventStore(engine),
        commands=CommandStore(engine),
        audit=AuditStore(engine),
        notifications=NotificationStore(engine),
        counters=CounterStore(engine),
        access=AccessStore(engine),
        attachments=AttachmentStore(engine),
        associations=AssociationStore(engine),
        filings=FilingStore(engine),
    )
