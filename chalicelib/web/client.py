"""The client's address for per-address limits: CloudFront's viewer address on AWS, the socket's locally.

``CloudFront-Viewer-Address`` is set by CloudFront itself (an origin request policy forwards it), but the
API Gateway stage can also be called directly, bypassing CloudFront, with any header. So the header is
believed only beside ``X-Eps2-Origin-Verify`` carrying the stack's secret (``OriginVerifySecret``, sent by
CloudFront as an origin custom header; locally by the single origin). Without both, API Gateway's source
IP, which the caller cannot choose.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

log = logging.getLogger(__name__)
ORIGIN_VERIFY_HEADER = "x-eps2-origin-verify"
_warned: list[bool] = []


def client_address(request: Any, origin_secret: str) -> str:
    headers = request.headers or {}
    viewer = headers.get("cloudfront-viewer-address")
    proof = str(headers.get(ORIGIN_VERIFY_HEADER) or "")
    if viewer and origin_secret and hmac.compare_digest(proof.encode(), origin_secret.encode()):
        return str(viewer).rsplit(":", 1)[0][:64]
    if viewer and not _warned:  # once a process: a forger, or EPS2_ORIGIN_VERIFY missing (e.g. `chalice deploy`)
        _warned.append(True)
        log.warning("CloudFront-Viewer-Address without a valid origin proof: per-address limits use the source IP")
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")[:64]
