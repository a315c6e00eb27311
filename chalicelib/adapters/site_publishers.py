"""Where the app publishes pages of the static site (the associations' directory, issue 15).

``S3SitePublisher`` writes them into the site bucket that CloudFront serves (AWS: the template lets the API
put objects under the published prefixes only; a PUT replaces an object whole). ``FolderSitePublisher``
writes them into the folder the local origin serves (``devstack/origin.py``), each through a temporary file
renamed into place, so a page is never read half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import DependencyDown

CACHE = "public, max-age=300"  # as the rest of the site's pages (infra/deploy_site.py)


class S3SitePublisher:
    def __init__(self, client: Callable[[], Any], bucket: str, workers: int = 8) -> None:
        self._make_client = client  # made on first use: the API's cold start does not pay for it
        self._client: Any = None
        self._bucket = bucket
        self._workers = workers

    def publish(self, files: dict[str, tuple[bytes, str]]) -> None:
        if self._client is None:
            self._client = self._make_client()

        def put(item: tuple[str, tuple[bytes, str]]) -> None:
            key, (content, content_type) = item
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=content, ContentType=content_type, CacheControl=CACHE
            )

        try:
            with ThreadPoolExecutor(self._workers) as pool:
                list(pool.map(put, files.items()))
        except (BotoCoreError, ClientError) as error:
            raise DependencyDown(
                "Directorul public nu a putut fi publicat; încercați din nou.", "site bucket unreachable"
            ) from error


class FolderSitePublisher:
    def __init__(self, root: str | Path) -> None:
        self._root = Path(root).resolve()

    def publish(self, files: dict[str, tuple[bytes, str]]) -> None:
        for relative, (content, _) in files.items():
            target = (self._root / relative).resolve()
            if self._root not in target.parents:
                raise ValueError(f"{relative} is outside the site")
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".publish-")
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)


class NoSitePublisher:
    """A stage without a site to publish to (unit tests, a bare API): publishing does nothing."""

    def publish(self, files: dict[str, tuple[bytes, str]]) -> None:
        return None
