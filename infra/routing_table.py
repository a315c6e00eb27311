"""Which paths the API answers and which the static site does: one table for CloudFront and the local origin.

CloudFront gets one cache behaviour per pattern, sent to API Gateway; everything else is the static
site in S3. Locally, ``devstack/origin.py`` routes the same patterns to ``chalice local`` and serves
``build/site`` for the rest. Patterns use CloudFront's syntax: ``*`` matches any characters, ``/``
included. Add a pattern here when a new dynamic path appears (online requests, drop-off, …).
"""

from __future__ import annotations

import fnmatch

API_PATHS: tuple[str, ...] = (
    "/api/*",
    "/r/*",
    "/d/*",  # the drop-off code's page and its cover sheet (issue 14)
    "/status*",
    "/staff*",
    "/cereri*",
    "/asociatii/atestat*",  # the public certificate check; the directory itself is published into the site
)
# /static/* (fingerprinted CSS and JS) is the site's: the build writes the very files the app pages link to.


def goes_to_api(path: str) -> bool:
    """True when a request for ``path`` (no query string) is the API's to answer."""
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in API_PATHS)
