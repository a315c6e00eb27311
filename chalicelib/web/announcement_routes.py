"""Announcements to associations over JSON (issue 15): staff write and follow them, an association's
administrator reads the inbox. Routes only: the services decide (``services/announcements.py``,
``services/association_inbox.py``). Also the worker Lambda's registration, so ``chalice package`` makes the
function (the template gives it the light handler and its SQS event source)."""

from __future__ import annotations

from typing import Any, cast

from chalice import Blueprint, Chalice, Response

from .. import announcement_lambda
from ..services import announcements, association_inbox
from ..services.deps import Deps
from . import bodies
from .routing import Routes

announcement_api = Blueprint(__name__)
routes = Routes(cast(Chalice, announcement_api))
api, body = routes.api, routes.body
ASSOCIATION = "association"
NO_STORE: dict[str, str | list[str]] = {"Cache-Control": "no-store"}


@announcement_api.route("/api/announcements", methods=["POST"])
@api("staff")
def create(deps: Deps, actor: str) -> Response:
    """202: recorded and queued (or scheduled); the worker sends."""
    row = announcements.create_announcement(deps, actor, body(bodies.ANNOUNCEMENT))
    return Response({"id": row.id, "recipients": row.recipients}, status_code=202, headers=NO_STORE)


@announcement_api.route("/api/announcements", methods=["GET"])
@api("staff")
def list_all(deps: Deps, actor: str) -> Response:
    return Response({"announcements": announcements.list_announcements(deps)}, headers=NO_STORE)


@announcement_api.route("/api/announcements/{announcement_id}", methods=["GET"])
@api("staff")
def view(deps: Deps, actor: str, announcement_id: str) -> Response:
    return Response(announcements.announcement_view(deps, announcement_id), headers=NO_STORE)


@announcement_api.route("/api/association/inbox", methods=["GET"])
@api(ASSOCIATION)
def inbox(deps: Deps, actor: str) -> Response:
    return Response(association_inbox.inbox(deps, actor), headers=NO_STORE)


@announcement_api.route("/api/association/inbox/{announcement_id}/read", methods=["POST"])
@api(ASSOCIATION)
def read(deps: Deps, actor: str, announcement_id: str) -> Response:
    body(bodies.EMPTY)
    association_inbox.mark_read(deps, actor, announcement_id)
    return Response("", status_code=204)


@announcement_api.lambda_function(name="announcement_worker")
def announcement_worker(event: dict[str, Any], context: Any) -> dict[str, int]:
    """On AWS the template points this function at ``chalicelib.announcement_lambda.handler`` (the same
    handler without the HTTP app) and feeds it from the stage's queue (infra/announcements.py)."""
    return announcement_lambda.handler(event, context)
