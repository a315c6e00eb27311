"""Files in Amazon S3 behind the ``FileStore`` port: presigned POST uploads, presigned GET downloads,
a ranged read of the first bytes to check what was stored, and deletion. The bucket is private and
encrypted (the template); locally it is the AWS emulator's S3, with the same calls."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import DependencyDown
from ..ports import StoredFile, Upload

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _down(error: Exception) -> DependencyDown:
    return DependencyDown("Depozitul de documente nu răspunde. Încercați din nou în câteva minute.", "S3 unreachable")


class S3Files:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def upload(
        self, key: str, content_type: str, max_bytes: int, expires_s: int, redirect: str | None = None
    ) -> Upload:
        fields: dict[str, str] = {"Content-Type": content_type}
        conditions: list[Any] = [{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]]
        if redirect:
            fields["success_action_redirect"] = redirect
            conditions.append({"success_action_redirect": redirect})
        post = self._client.generate_presigned_post(
            Bucket=self._bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_s
        )
        return Upload(url=post["url"], fields={k: str(v) for k, v in post["fields"].items()})

    def download_url(self, key: str, file_name: str, content_type: str, expires_s: int) -> str:
        disposition = f"attachment; filename*=UTF-8''{quote(file_name, safe='')}"
        return str(
            self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type,
                },
                ExpiresIn=expires_s,
            )
        )

    def inspect(self, key: str, sniff_bytes: int) -> StoredFile | None:
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key)
            size = int(head["ContentLength"])
            first = b""
            if size:
                part = self._client.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{sniff_bytes - 1}")
                first = part["Body"].read()
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in _MISSING:
                return None
            raise _down(error) from error
        except BotoCoreError as error:
            raise _down(error) from error
        return StoredFile(key=key, size=size, first_bytes=first)

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self._bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise _down(error) from error
