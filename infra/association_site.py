"""The API publishes the associations' public directory (issue 15) into the static site's bucket.

The API function gets the bucket's name (``EPS2_SITE_BUCKET``) and may put objects under the directory's
prefixes only (``asociatii/``, ``en/asociatii/``): it can neither change the rest of the site nor read or
delete anything. ``infra/deploy_site.py`` leaves those prefixes alone (they are not in the build).
"""

from __future__ import annotations

from typing import Any

from . import cdn

PUBLISHER = "APIHandler"
PREFIXES = ("asociatii/", "en/asociatii/")


def environment(function: str) -> dict[str, Any]:
    return {"EPS2_SITE_BUCKET": {"Ref": cdn.BUCKET}} if function == PUBLISHER else {}


def publish_statement(function: str) -> dict[str, Any] | None:
    if function != PUBLISHER:
        return None
    return {
        "Sid": "AssociationsDirectory",
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": [{"Fn::Sub": f"${{{cdn.BUCKET}.Arn}}/{prefix}*"} for prefix in PREFIXES],
    }
