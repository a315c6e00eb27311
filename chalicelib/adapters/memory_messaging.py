"""In-memory twins of ``ses_email.py`` and ``sqs_queue.py`` for fast tests: every e-mail kept in order (the
outbox), and a queue the test drains by hand, so it can crash a worker between two steps and deliver the
same message again, as SQS may."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MemoryEmail:
    """``sent`` holds (to, subject, body); ``fail_for`` maps an address to the error its sends raise."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)
    fail_for: dict[str, Exception] = field(default_factory=dict)
    on_send: Any = None  # called after the provider accepted a message: a test crashes the worker there

    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # by message id

    def send(self, to: str, subject: str, body: str, tags: dict[str, str] | None = None) -> str:
        error = self.fail_for.get(to)
        if error is not None:
            raise error
        self.sent.append((to, subject, body))
        message_id = uuid.uuid4().hex
        self.tags[message_id] = dict(tags or {})
        if self.on_send is not None:
            self.on_send(to)
        return message_id


class MemoryQueue:
    """FIFO by default; ``take`` hands out a message that stays until ``ack`` (a crash never acks it)."""

    def __init__(self) -> None:
        self.messages: deque[dict[str, Any]] = deque()
        self.sent_calls = 0
        self._lock = threading.Lock()

    def send_batch(self, messages: list[dict[str, Any]]) -> None:
        with self._lock:
            self.sent_calls += (len(messages) + 9) // 10
            self.messages.extend(dict(m) for m in messages)

    def take(self) -> dict[str, Any] | None:
        with self._lock:
            return self.messages[0] if self.messages else None

    def ack(self) -> None:
        with self._lock:
            self.messages.popleft()

    def redeliver_later(self) -> None:
        """The visibility timeout of the head passed: it goes to the back."""
        with self._lock:
            self.messages.rotate(-1)
