"""The agent's durable state in SQLite: the event outbox, executed command ids, used offline nonces,
what each compartment holds (its deposit or drop-off command), offline PIN verifiers and the keypad state.

Every event is written here before it is sent, and deleted only after the
broker acknowledged it (PUBACK), so nothing is lost across disconnects or
restarts; events leave in insertion order.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executed (cmd TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deposits (compartment TEXT PRIMARY KEY, cmd TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verifiers (compartment TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keypad (k INTEGER PRIMARY KEY CHECK (k = 1), body TEXT NOT NULL);
"""


class AgentStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

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
