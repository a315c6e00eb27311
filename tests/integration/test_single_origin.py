"""One local origin, as CloudFront on AWS: the static portal and the API paths on the same port."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from infra.routing_table import API_PATHS, goes_to_api
from tests.support.api import Api


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def test_the_portal_is_served_as_static_files_with_the_distributions_headers(stack):
    status, headers, html = fetch(f"{stack.base_url}/")
    assert status == 200 and "Primăria Sectorului 2" in html
    assert "'wasm-unsafe-eval'" in headers["Content-Security-Policy"] and "unsafe-inline" not in html.lower()
    assert headers["Cache-Control"] == "public, max-age=300"
    for path in ("/servicii/", "/servicii/certificat-de-urbanism/", "/servicii/certificat-de-urbanism", "/en/"):
        status, _, page = fetch(stack.base_url + path)
        assert status == 200 and "<html" in page, path
    stylesheet = re.search(r'href="(/static/site\.[0-9a-f]+\.css)"', html).group(1)
    status, headers, _ = fetch(stack.base_url + stylesheet)
    assert status == 200 and "immutable" in headers["Cache-Control"] and headers["Content-Type"].startswith("text/css")


def test_an_unknown_path_gets_the_404_page_and_nothing_outside_the_site_is_served(stack):
    status, _, html = fetch(f"{stack.base_url}/nu-exista/")
    assert status == 404 and "<html" in html
    assert fetch(f"{stack.base_url}/..%2f..%2fetc/passwd")[0] == 404


def test_the_api_paths_reach_the_api_through_the_origin(stack):
    assert fetch(f"{stack.base_url}/api/health")[0] == 200
    assert Api(stack.base_url).login("clerk", "clerk-local").get("/api/tasks").status == 200
    status, _, html = fetch(f"{stack.base_url}/status")
    assert status == 200 and "csrf" in html  # a dynamic page, not a file
    assert all(goes_to_api(p.replace("*", "x")) for p in API_PATHS)
    assert not goes_to_api("/servicii/") and not goes_to_api("/static/site.css")
