"""The OpenAPI document and the app's JSON routes name the same paths, methods and path parameters."""

from __future__ import annotations

import re

from app import app
from chalicelib.web.openapi import UNDOCUMENTED, openapi_document

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _api_routes() -> set[tuple[str, str]]:
    return {
        (path, method.lower())
        for path, methods in app.routes.items()
        if path.startswith("/api/") and path not in UNDOCUMENTED
        for method in methods
    }


def _documented() -> set[tuple[str, str]]:
    return {
        (path, method) for path, item in openapi_document()["paths"].items() for method in item if method in METHODS
    }


def test_every_json_route_is_in_the_openapi_document():
    missing = _api_routes() - _documented()
    assert not missing, f"routes missing from chalicelib/web/openapi.py: {sorted(missing)}"


def test_every_documented_operation_has_a_route():
    ghosts = _documented() - _api_routes()
    assert not ghosts, f"documented operations without a route: {sorted(ghosts)}"


def test_documented_path_parameters_are_the_route_parameters():
    for path, item in openapi_document()["paths"].items():
        in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, f"{method.upper()} {path} documents {declared}, the path has {in_path}"


def test_undocumented_routes_exist():
    """An exclusion that names no route hides nothing and would let a renamed route slip by."""
    assert UNDOCUMENTED.issubset(app.routes)


def test_the_scheduled_job_route_is_documented_for_admins():
    operation = openapi_document()["paths"]["/api/jobs/run"]["post"]
    assert "security" not in operation  # the document's default: bearer token
    assert {"200", "401", "403", "503"} <= set(operation["responses"])
