"""Chromium (Debian's) driven by Playwright; screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chalicelib.web.pages import STATIC_SITE_HEADERS
from devstack.stack import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("Chromium is not installed (sudo apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def shot() -> object:
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page: object, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return take


class _SiteHandler(SimpleHTTPRequestHandler):
    """``build/site`` as the origin serves it: the static site's headers, and its 404 page (English under /en/)."""

    def end_headers(self) -> None:
        for name, value in STATIC_SITE_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / ("en/404.html" if self.path.startswith("/en/") else "404.html")
        if code != 404 or not page.exists():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The static site, built from the catalogue by `make site`'s builder and served by Python's http.server
    on a free port (the local single origin, with the API behind it, comes later); yields its base URL."""
    from infra.build_site import build

    root = tmp_path_factory.mktemp("site")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    build(root, base_url=base_url)
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_SiteHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
