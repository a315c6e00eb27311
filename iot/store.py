"""The agent's durable state in SQLite: the event outbox, executed command ids, used offline nonces,
what each compartment holds (its deposit or drop-off command), offline PIN verifiers, the keypad state,
and the door cycles under way (which command opened each open door, which unlock a door is waiting for),
so a door that closes after a restart still carries the command that opened it.

Every event is written here before it is sent, and deleted only after the
broker acknowledged it (PUBACK), so nothing is lost across disconnects or
restarts; events leave in insertion order.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executed (cmd TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deposits (compartment TEXT PRIMARY KEY, cmd TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verifiers (compartment TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keypad (k INTEGER PRIMARY KEY CHECK (k = 1), body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS open_doors (
    compartment TEXT PRIMARY KEY, cmd TEXT NOT NULL, purpose TEXT, at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS expected_doors (
    compartment TEXT PRIMARY KEY, cmd TEXT NOT NULL, purpose TEXT, exp INTEGER NOT NULL
);
"""


class OpenDoor(NamedTuple):
    """A door cycle under way: the door opened under ``cmd`` (an unlock, or ``offline-<nonce>``) at ``opened_at``."""

    cmd: str
    purpose: str | None
    opened_at: int


class ExpectedDoor(NamedTuple):
    """An unlock whose door has not opened yet; after ``exp`` (the command's expiry) it is stale."""

    cmd: str
    purpose: str | None
    exp: int


class AgentStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()  # reentrant: the methods run inside transaction() too

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """What is written inside (by this thread; others wait) commits together or not at all.

        The agent ends a door cycle and records its ``door_closed`` in one transaction, so a crash
        can neither lose the event nor report the cycle twice. Nested, it joins the outer one.
        """
        with self._lock:
            if self._db.in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def enqueue(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO outbox (id, body) VALUES (?, ?)", (event["id"], json.dumps(event)))

    def pending(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM outbox ORDER BY n LIMIT ?", (limit,)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def delivered(self, event_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM outbox WHERE id = ?", (event_id,))

    def backlog(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def claim_command(self, cmd_id: str, now_ms: int) -> bool:
        """True the first time an id is seen; remembered before the relay fires, so a crash never re-fires."""
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO executed (cmd, at) VALUES (?, ?)", (cmd_id, now_ms))
            return cursor.rowcount == 1

    def claim_nonce(self, nonce: str, now_ms: int) -> bool:
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO nonces (nonce, at) VALUES (?, ?)", (nonce, now_ms))
            return cursor.rowcount == 1

    # what each compartment holds: the deposit (or citizen's drop-off) command whose door cycle filled it
    def bind_deposit(self, compartment: str, cmd_id: str, now_ms: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO deposits (compartment, cmd, at) VALUES (?, ?, ?)", (compartment, cmd_id, now_ms)
            )

    def clear_deposit(self, compartment: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM deposits WHERE compartment = ?", (compartment,))
            self._db.execute("DELETE FROM verifiers WHERE compartment = ?", (compartment,))

    def deposit_of(self, compartment: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT cmd FROM deposits WHERE compartment = ?", (compartment,)).fetchone()
        return str(row[0]) if row else None

    def save_verifier(self, compartment: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO verifiers (compartment, body) VALUES (?, ?)", (compartment, json.dumps(body))
            )

    def verifiers(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT compartment, body FROM verifiers").fetchall()
        return {str(row[0]): json.loads(row[1]) for row in rows}

    # door cycles under way, so a restart does not lose which command opened (or should open) a door
    def door_expected(self, compartment: str, cmd_id: str, purpose: str | None, exp_ms: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO expected_doors (compartment, cmd, purpose, exp) VALUES (?, ?, ?, ?)",
                (compartment, cmd_id, purpose, exp_ms),
            )

    def door_not_expected(self, compartment: str, cmd_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM expected_doors WHERE compartment = ? AND cmd = ?", (compartment, cmd_id))

    def door_opened(self, compartment: str, cmd_id: str | None, purpose: str | None, now_ms: int) -> None:
        """The door opened: under ``cmd_id`` (its cycle is under way), or under no command (forced)."""
        with self.transaction():
            self._db.execute("DELETE FROM expected_doors WHERE compartment = ?", (compartment,))
            if cmd_id is None:
                self._db.execute("DELETE FROM open_doors WHERE compartment = ?", (compartment,))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO open_doors (compartment, cmd, purpose, at) VALUES (?, ?, ?, ?)",
                    (compartment, cmd_id, purpose, now_ms),
                )

    def door_closed(self, compartment: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM open_doors WHERE compartment = ?", (compartment,))

    def open_doors(self) -> dict[str, OpenDoor]:
        with self._lock:
            rows = self._db.execute("SELECT compartment, cmd, purpose, at FROM open_doors").fetchall()
        return {str(row[0]): OpenDoor(str(row[1]), row[2], int(row[3])) for row in rows}

    def expected_doors(self) -> dict[str, ExpectedDoor]:
        with self._lock:
            rows = self._db.execute("SELECT compartment, cmd, purpose, exp FROM expected_doors").fetchall()
        return {str(row[0]): ExpectedDoor(str(row[1]), row[2], int(row[3])) for row in rows}

    def keypad(self) -> dict[str, int]:
        with self._lock:
            row = self._db.execute("SELECT body FROM keypad WHERE k = 1").fetchone()
        return dict(json.loads(row[0])) if row else {}

    def save_keypad(self, state: dict[str, int]) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO keypad (k, body) VALUES (1, ?)", (json.dumps(state),))

    def prune(self, older_than_ms: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM executed WHERE at < ?", (older_than_ms,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
