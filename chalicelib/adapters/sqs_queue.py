"""The announcements' fan-out queue on Amazon SQS: ``SendMessageBatch`` ten messages a call, and the
receive/delete calls of the local worker (on AWS the Lambda event source receives and deletes)."""

from __future__ import annotations

import json
import threading
from typing import Any

SQS_BATCH = 10  # SendMessageBatch's limit


class SqsQueue:
    """``queue_url`` given (the template's), or found by ``queue_name`` on first use (the local emulator)."""

    def __init__(self, client: Any, queue_url: str = "", queue_name: str = "") -> None:
        self._client = client
        self._url = queue_url
        self._name = queue_name
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        if not self._url:
            with self._lock:
                if not self._url:
                    self._url = str(self._client.get_queue_url(QueueName=self._name)["QueueUrl"])
        return self._url

    def send_batch(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), SQS_BATCH):
            chunk = messages[start : start + SQS_BATCH]
            entries = [{"Id": str(i), "MessageBody": json.dumps(m, separators=(",", ":"))} for i, m in enumerate(chunk)]
            reply = self._client.send_message_batch(QueueUrl=self.url, Entries=entries)
            failed = reply.get("Failed") or []
            if failed:
                retry = [entries[int(f["Id"])] for f in failed if not f.get("SenderFault")]
                if len(retry) != len(failed) or self._client.send_message_batch(QueueUrl=self.url, Entries=retry).get(
                    "Failed"
                ):
                    raise RuntimeError(f"{len(failed)} queue messages were not accepted")

    def receive(self, wait_s: int, visibility_s: int, max_messages: int = 1) -> list[tuple[str, dict[str, Any]]]:
        """Up to ``max_messages`` as (receipt handle, body); long polling for ``wait_s``."""
        reply = self._client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait_s, VisibilityTimeout=visibility_s
        )
        return [(m["ReceiptHandle"], json.loads(m["Body"])) for m in reply.get("Messages", [])]

    def delete(self, receipt_handle: str) -> None:
        self._client.delete_message(QueueUrl=self.url, ReceiptHandle=receipt_handle)
