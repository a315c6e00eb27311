"""The staff console's drop-off pages (issue 14): "De ridicat din dulapuri", the files dropped off and still in
a compartment, per locker and oldest first, each with "Scoate din dulap" (the existing retrieve: the door
closing hands the file to the department); and the checks of a collected file from its online request
page: "Dosar complet" (recorded; processing continues), "Compartimentul era gol" (the citizen is asked for
the whole file again). "Lipsesc documente" is the online request's ask form. Forms without JavaScript,
with the console's CSRF token.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from ..domain.errors import InvalidInput
from ..services import deposit, dropoff_review, lockers
from ..services.deps import Deps
from .dropoff_common import dropoff_pages
from .staff import _page as page
from .staff import _redirect as redirect
from .staff import console

FORM = ["application/x-www-form-urlencoded"]
ROUND = "/staff/dulapuri/ridicare"


@dropoff_pages.route(ROUND, methods=["GET"])
@console(role="staff")
def to_collect(deps: Deps, context: dict[str, Any], fields: dict[str, str]) -> Response:
    query = dict(dropoff_pages.current_request.query_params or {})
    names = {lk["id"]: lk for lk in lockers.list_lockers(deps)}
    return page(
        "staff/dropoffs.html",
        groups=dropoff_review.to_collect(deps),
        names=names,
        opened=query.get("deschis") or "",
        opened_number=query.get("cerere") or "",
        **context,
    )


@dropoff_pages.route(f"{ROUND}/{{request_id}}", methods=["POST"], content_types=FORM)
@console(role="staff", form=True)
def take_out(deps: Deps, context: dict[str, Any], fields: dict[str, str], request_id: str) -> Response:
    """Open the compartment holding the file; the list says which door opened."""
    compartment = deposit.retrieve_documents(deps, context["me"].username, request_id)
    number = fields.get("number", "")
    return redirect(f"{ROUND}?deschis={compartment}&cerere={number}")


@dropoff_pages.route("/staff/dulapuri/dosar/{request_id}/{action}", methods=["POST"], content_types=FORM)
@console(role="staff", form=True)
def check_file(deps: Deps, context: dict[str, Any], fields: dict[str, str], request_id: str, action: str) -> Response:
    if action == "complet":
        dropoff_review.confirm_complete(deps, context["me"], request_id)
    elif action == "gol":
        dropoff_review.found_empty(deps, context["me"], request_id)
    else:
        raise InvalidInput("Acțiune necunoscută.", "unknown action")
    return redirect(f"/staff/online/{request_id}")
