"""Answers with personal data are never cached, and outside the local stage every answer carries HSTS."""

from __future__ import annotations

from chalice import Chalice, Response
from chalice.test import Client

from chalicelib.web import headers


def app_for(local: bool) -> Chalice:
    app = Chalice(app_name="headers-test")
    headers.install(app, lambda: local)

    @app.route("/api/person")
    def person() -> dict[str, str]:
        return {"citizenName": "Maria Ionescu"}

    @app.route("/api/public")
    def public() -> Response:
        return Response({"services": []}, headers={"Cache-Control": "public, max-age=300"})

    @app.route("/page")
    def page() -> Response:
        return Response("<p>x</p>", headers={"Content-Type": "text/html"})

    return app


def test_json_with_personal_data_is_no_store_unless_the_route_says_otherwise():
    with Client(app_for(local=True)) as client:
        assert client.http.get("/api/person").headers["Cache-Control"] == "no-store"
        assert client.http.get("/api/public").headers["Cache-Control"] == "public, max-age=300"
        assert "strict-transport-security" not in {k.lower() for k in client.http.get("/page").headers}


def test_every_answer_has_hsts_outside_the_local_stage():
    with Client(app_for(local=False)) as client:
        for path in ("/api/person", "/api/public", "/page"):
            assert "max-age=63072000" in client.http.get(path).headers["Strict-Transport-Security"]
