"""The client's address for per-address limits: CloudFront's viewer address on AWS, the socket's locally.

``CloudFront-Viewer-Address`` is set by CloudFront itself (an origin request policy forwards it) and
cannot be forged by the client, unlike ``X-Forwarded-For``; without it, API Gateway's source IP.
"""

from __future__ import annotations

from typing import Any


def client_address(request: Any) -> str:
    viewer = (request.headers or {}).get("cloudfront-viewer-address")
    if viewer:
        return str(viewer).rsplit(":", 1)[0][:64]
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")[:64]
