"""Publish ``build/site`` (made by ``make site``) to a stage's site bucket, which CloudFront serves.

Every file gets its ``Content-Type`` from its extension; a file of an unknown kind stops the deploy
before anything is uploaded, rather than reach browsers as ``binary/octet-stream``. Files whose
names carry their content's hash (``static/site.15b097bcd7.css``, Pagefind's ``*.pf_meta``,
``*.pf_fragment``, ``*.pf_index``) are cached for a year as immutable; everything else (pages,
sitemap, robots, ``pagefind.js``, its worker, entry and WebAssembly, whose names stay the same
across Pagefind versions) for five minutes. Hashed files go up before the pages that name them;
objects no longer in the build are deleted last. ``--invalidate`` then asks CloudFront to drop
``/*`` (otherwise pages refresh within their five minutes).

Usage: python -m infra.deploy_site --stage prod [--bucket NAME] [--invalidate] [--site build/site]
The bucket and distribution are the outputs of the stack ``eps2-<stage>`` unless given.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
    # Pagefind's index and its compressed WebAssembly: read by pagefind.js, which decompresses them itself.
    ".pf_meta": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}
FINGERPRINTED = re.compile(r"\.[0-9a-f]{10}\.[a-z0-9]+$")  # chalicelib.web.pages.static_files' names
PAGEFIND_HASHED = (".pf_meta", ".pf_fragment", ".pf_index")  # named by their content's hash
WORKERS = 8
# The associations' directory (issue 15) is published into the bucket by the API whenever the registry
# changes (chalicelib/web/directory_pages.py): the build's placeholder goes up only where nothing was published
# yet, and a deploy never deletes what was.
PUBLISHED_BY_THE_API = ("asociatii/", "en/asociatii/")  # infra/association_site.PREFIXES


class UnknownFileType(ValueError):
    """A file in the build whose Content-Type this module does not know: add its extension above."""


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    content_type: str
    cache_control: str


def content_type(key: str) -> str:
    extension = Path(key).suffix.lower()
    if extension not in CONTENT_TYPES:
        raise UnknownFileType(f"{key}: no Content-Type for '{extension}' files (see infra/deploy_site.py)")
    return CONTENT_TYPES[extension]


def cache_control(key: str) -> str:
    if FINGERPRINTED.search(key) or (key.startswith("pagefind/") and key.endswith(PAGEFIND_HASHED)):
        return LONG_CACHE
    return SHORT_CACHE


def plan(site: Path) -> list[Upload]:
    """Every file of ``site``, by key, with its headers."""
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"{site}/index.html is missing: run `make site` first")
    uploads = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        key = path.relative_to(site).as_posix()
        uploads.append(Upload(key, path, content_type(key), cache_control(key)))
    return uploads


def _put(s3: Any, bucket: str, upload: Upload) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=upload.key,
        Body=upload.path.read_bytes(),
        ContentType=upload.content_type,
        CacheControl=upload.cache_control,
    )


def _keys(s3: Any, bucket: str) -> Iterable[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"]


def deploy(s3: Any, bucket: str, site: Path) -> tuple[int, list[str]]:
    """Upload ``site`` to ``bucket`` and delete what the build no longer has; (files uploaded, keys deleted)."""
    existing = set(_keys(s3, bucket))
    # the directory's pages in the build are placeholders: the API's published ones are never overwritten
    uploads = [u for u in plan(site) if not (u.key.startswith(PUBLISHED_BY_THE_API) and u.key in existing)]
    hashed = [u for u in uploads if u.cache_control == LONG_CACHE]
    rest = [u for u in uploads if u.cache_control != LONG_CACHE]
    with ThreadPoolExecutor(WORKERS) as pool:
        # The hashed files before the pages and entry points that name them.
        for batch in (hashed, rest):
            list(pool.map(lambda upload: _put(s3, bucket, upload), batch))
    wanted = {u.key for u in uploads}
    stale = sorted(key for key in _keys(s3, bucket) if key not in wanted and not key.startswith(PUBLISHED_BY_THE_API))
    for start in range(0, len(stale), 1000):
        chunk = stale[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
    return len(uploads), stale


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def invalidate(cloudfront: Any, distribution_id: str) -> str:
    reply = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"eps2-{time.time_ns()}"},
    )
    return str(reply["Invalidation"]["Id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Publish build/site to the stage's site bucket.")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--site", type=Path, default=Path("build/site"))
    parser.add_argument("--bucket", help="the bucket (default: the stack eps2-<stage>'s SiteBucketName output)")
    parser.add_argument("--distribution", help="for --invalidate (default: the stack's SiteDistributionId)")
    parser.add_argument("--invalidate", action="store_true", help="invalidate /* on the distribution afterwards")
    parser.add_argument("--endpoint-url", help="an AWS emulator (S3, CloudFormation and CloudFront)")
    args = parser.parse_args(argv)

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=args.endpoint_url)

    outputs: dict[str, str] = {}
    if not args.bucket or (args.invalidate and not args.distribution):
        outputs = stack_outputs(client("cloudformation"), f"eps2-{args.stage}")
    bucket = args.bucket or outputs["SiteBucketName"]
    count, deleted = deploy(client("s3"), bucket, args.site)
    print(f"s3://{bucket}: {count} files uploaded, {len(deleted)} stale objects deleted")
    if args.invalidate:
        distribution = args.distribution or outputs["SiteDistributionId"]
        print(f"CloudFront {distribution}: invalidation {invalidate(client('cloudfront'), distribution)} of /*")
    return 0


if __name__ == "__main__":
    sys.exit(main())
