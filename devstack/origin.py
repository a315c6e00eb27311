"""The local single origin: the static site and the API on one port, routed as CloudFront does on AWS.

Paths in ``infra/routing_table.API_PATHS`` go to ``chalice local``; ``?lang=en`` on a site path is
redirected to its English copy under ``/en/``; every other path is a file of the built site (``/x/``
and ``/x`` are ``/x/index.html``, as the CloudFront function maps them), with the same security
headers as the distribution's response-headers policy, and ``/404.html`` when nothing matches.
Local development only: on AWS, CloudFront and S3 do this.

Usage: ``python -m devstack.origin --port 8000 --api-port 18000 --site build/site``
"""

from __future__ import annotations

import argparse
import http.client
import logging
import mimetypes
import os
import re
import socket
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from chalicelib.web.client import ORIGIN_VERIFY_HEADER
from chalicelib.web.pages import STATIC_SITE_HEADERS
from infra.routing_table import goes_to_api

log = logging.getLogger("eps2.origin")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"}
FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}\.(css|js|woff2|png|svg)$")
TYPES = {
    ".jsonld": "application/ld+json",
    ".wasm": "application/wasm",
    ".pf_meta": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
}


def content_type(path: Path) -> str:
    return TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def cache_control(relative: str) -> str:
    """Long for fingerprinted assets and Pagefind's content-addressed files, short for the rest."""
    name = relative.rsplit("/", 1)[-1]
    immutable = FINGERPRINTED.search(name) or (
        relative.startswith("pagefind/") and name not in ("pagefind.js", "pagefind-entry.json")
    )
    return "public, max-age=31536000, immutable" if immutable else "public, max-age=300"


def english_location(path: str, query: str) -> str | None:
    """``/x?lang=en`` (the app pages' language switch) is the static site's ``/en/x``, as the CloudFront
    function redirects it; None when nothing is to redirect."""
    if urllib.parse.parse_qs(query).get("lang") != ["en"] or path == "/en" or path.startswith("/en/"):
        return None
    return "/en" + path


def site_file(root: Path, url_path: str) -> Path | None:
    """The file for ``url_path`` inside ``root``, or None; never a file outside it."""
    path = urllib.parse.unquote(url_path)
    if path.endswith("/"):
        path += "index.html"
    elif "." not in path.rsplit("/", 1)[-1]:
        path += "/index.html"
    candidate = (root / path.lstrip("/")).resolve()
    if root.resolve() not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def make_handler(root: Path, api_port: int) -> type[BaseHTTPRequestHandler]:
    class Origin(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # paths may hold QR tokens: nothing is logged

        def _route(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            path = url.path
            if goes_to_api(path):
                self._proxy()
            elif english_location(path, url.query):
                self._answer(303, b"", {"Location": english_location(path, url.query) or "/"})
            elif self.command in ("GET", "HEAD"):
                self._static(path)
            else:
                self._answer(405, b"", {"Allow": "GET, HEAD", "Content-Type": "text/plain"})

        def __getattr__(self, name: str) -> object:
            if name.startswith("do_"):  # every method, TRACE included: the API answers 405 itself
                return self._route
            raise AttributeError(name)

        def _proxy(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            set_here = {"cloudfront-viewer-address", ORIGIN_VERIFY_HEADER}  # never the client's own
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | set_here}
            headers["CloudFront-Viewer-Address"] = f"{self.client_address[0]}:{self.client_address[1]}"
            headers[ORIGIN_VERIFY_HEADER] = os.environ.get("EPS2_ORIGIN_VERIFY", "")  # as CloudFront's custom header
            upstream = http.client.HTTPConnection("127.0.0.1", api_port, timeout=60)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
            except OSError:
                self._answer(502, b'{"error":"bad_gateway"}', {"Content-Type": "application/json"})
                return
            finally:
                upstream.close()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _static(self, path: str) -> None:
            found = site_file(root, path)
            status = 200
            if found is None:
                found, status = root / "404.html", 404
            relative = found.relative_to(root).as_posix()
            headers = {
                **STATIC_SITE_HEADERS,
                "Content-Type": content_type(found),
                "Cache-Control": "no-store" if status == 404 else cache_control(relative),
            }
            self._answer(status, found.read_bytes() if found.is_file() else b"", headers)

        def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

    return Origin


class OriginServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        super().server_bind()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-port", type=int, required=True)
    parser.add_argument("--site", type=Path, required=True)
    args = parser.parse_args()
    server = OriginServer(("127.0.0.1", args.port), make_handler(args.site, args.api_port))
    server.serve_forever()


if __name__ == "__main__":
    main()
