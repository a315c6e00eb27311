"""Headers every answer carries, set once for the whole app by a Chalice middleware.

- JSON answers are ``Cache-Control: no-store`` unless the route chose otherwise (the public catalogue
  may be cached): they can hold a citizen's name or phone, and no browser or proxy may keep them.
- Outside the local stage every answer carries HSTS: the site is HTTPS only (CloudFront and API
  Gateway), and a browser that has seen it once never tries plain HTTP again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response

HSTS = "max-age=63072000; includeSubDomains"


def install(app: Chalice, is_local: Callable[[], bool]) -> None:
    @app.middleware("http")
    def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
        response = get_response(event)
        headers = response.headers
        content_type = str(headers.get("Content-Type", headers.get("content-type", "")))
        if (content_type.startswith("application/json") or isinstance(response.body, dict)) and not any(
            k.lower() == "cache-control" for k in headers
        ):
            headers["Cache-Control"] = "no-store"
        if not is_local():
            headers["Strict-Transport-Security"] = HSTS
        return response
