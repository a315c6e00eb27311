"""The in-memory twin of ``s3_files.py`` for fast tests: ``put`` stands in for the client's upload, and
an upload over the policy's limit or with another content type is refused as S3 refuses it."""

from __future__ import annotations

import threading
from urllib.parse import quote

from ..ports import StoredFile, Upload


class MemoryFiles:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.policies: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def upload(
        self, key: str, content_type: str, max_bytes: int, expires_s: int, redirect: str | None = None
    ) -> Upload:
        self.policies[key] = (content_type, max_bytes)
        fields = {"key": key, "Content-Type": content_type}
        if redirect:
            fields["success_action_redirect"] = redirect
        return Upload(url="memory://files", fields=fields)

    def put(self, key: str, content: bytes, content_type: str) -> bool:
        """What the client's POST would do: False (nothing stored) when the policy refuses it."""
        allowed = self.policies.get(key)
        if allowed is None or allowed[0] != content_type or not 1 <= len(content) <= allowed[1]:
            return False
        with self._lock:
            self.objects[key] = content
        return True

    def download_url(self, key: str, file_name: str, content_type: str, expires_s: int) -> str:
        return f"memory://files/{quote(key)}?name={quote(file_name)}&expires={expires_s}"

    def inspect(self, key: str, sniff_bytes: int) -> StoredFile | None:
        with self._lock:
            content = self.objects.get(key)
        if content is None:
            return None
        return StoredFile(key=key, size=len(content), first_bytes=content[:sniff_bytes])

    def delete(self, key: str) -> None:
        with self._lock:
            self.objects.pop(key, None)
