"""ePS2 HTTP API, citizen pages, the locker-event Lambda and the scheduled job.

Routes only: parse the request, call one service, answer. The decorators, body descriptions and the mapping
of errors to responses live in ``chalicelib/web``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Rate, Response

from chalicelib import catalogue, locker_lambda
from chalicelib.config import load_settings, settings
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.health import check_health, read_email_outbox, read_outbox
from chalicelib.logs import install_logging
from chalicelib.services import (
    auth,
    citizen_access,
    deposit,
    desk,
    dropoff,
    dropoff_review,
    jobs,
    lockers,
    online_requests,
    online_review,
    pickup_extension,
    receipt,
    request_records,
    staff_accounts,
    tasks,
)
from chalicelib.services.deps import Deps
from chalicelib.services.pickup_page import pickup_page
from chalicelib.web import bodies, headers
from chalicelib.web.announcement_pages import announcement_pages
from chalicelib.web.announcement_routes import announcement_api
from chalicelib.web.association_pages import association_pages
from chalicelib.web.association_portal import association_portal
from chalicelib.web.association_routes import association_api
from chalicelib.web.citizen import checked_form, citizen, form_nonce
from chalicelib.web.directory_pages import directory_pages
from chalicelib.web.dropoff_pages import dropoff_pages
from chalicelib.web.filing_routes import filing_api
from chalicelib.web.online_pages import online
from chalicelib.web.openapi import openapi_document
from chalicelib.web.pages import SECURITY_HEADERS, qr_svg, render, static_asset
from chalicelib.web.routing import Routes, json_error
from chalicelib.web.staff import staff
from chalicelib.web.staff_online import staff_online
from chalicelib.web.staff_signin import signin_pages
from chalicelib.wiring import get_deps

app = Chalice(app_name="eps2")
app.api.binary_types.append("application/pdf")  # the receipt of an online request
app.register_blueprint(staff)
app.register_blueprint(staff_online)
app.register_blueprint(signin_pages)
app.register_blueprint(citizen)
app.register_blueprint(online)
app.register_blueprint(dropoff_pages)  # drop-off at the locker (issue 14): the citizen's pages, /d/{token}, the round
app.register_blueprint(announcement_api)  # announcements to associations (issue 15)
app.register_blueprint(announcement_pages)
app.register_blueprint(association_api)  # the associations' portal (issue 15)
app.register_blueprint(directory_pages)
app.register_blueprint(filing_api)
app.register_blueprint(association_pages)
app.register_blueprint(association_portal)
app.log.setLevel(logging.INFO)
install_logging(app)
log = logging.getLogger("eps2")
headers.install(app, lambda: settings().is_local)
routes = Routes(app)
api, page, body = routes.api, routes.page, routes.body


@app.route("/api/health")
def health() -> Response:
    report = check_health(get_deps())
    healthy = all(item["ok"] for item in report.values())
    return Response(
        {"status": "ok" if healthy else "degraded", "dependencies": report}, status_code=200 if healthy else 503
    )


@app.route("/api/dev/outbox")
def outbox() -> Response:
    """Local stage only: in every other stage the route does not exist."""
    if not load_settings().is_local:
        return json_error(NotFound("Pagina nu există.", "not found"))
    if (app.current_request.query_params or {}).get("channel") == "email":
        return Response({"messages": read_email_outbox(get_deps())})
    return Response({"messages": read_outbox(get_deps())})


@app.route("/api/services")
@api()
def list_services(deps: Deps, actor: None) -> Any:
    """The services catalogue (public): id, title, category and channels of each service."""
    return Response({"services": catalogue.list_services()}, headers={"Cache-Control": "public, max-age=300"})


@app.route("/api/services/{service_id}")
@api()
def get_service(deps: Deps, actor: None, service_id: str) -> Any:
    """One service's whole record (public): documents, questions, fees, department, delivery."""
    return Response(catalogue.get_service(service_id), headers={"Cache-Control": "public, max-age=300"})


@app.route("/api/openapi.json")
def openapi() -> Response:
    return Response(openapi_document())


NO_STORE = {"Cache-Control": "no-store"}


@app.route("/api/auth/login", methods=["POST"])
@api()
def login(deps: Deps, actor: None) -> Response:
    """``{"token"}``, or ``{"challenge", "session"}`` to answer at /api/auth/challenge."""
    data = body(bodies.LOGIN)
    outcome = auth.sign_in(deps, data["username"], data["password"], routes.client())
    return Response(outcome.as_json(), headers=NO_STORE)


@app.route("/api/auth/challenge", methods=["POST"])
@api()
def answer_challenge(deps: Deps, actor: None) -> Response:
    data = body(bodies.CHALLENGE)
    answer = data.get("newPassword") if data["challenge"] == "NEW_PASSWORD_REQUIRED" else data.get("code")
    outcome = auth.answer_challenge(deps, data["session"], data["challenge"], answer, routes.client())
    return Response(outcome.as_json(), headers=NO_STORE)


@app.route("/api/auth/logout", methods=["POST"])
@api()
def logout(deps: Deps, actor: None) -> Response:
    body(bodies.EMPTY)
    auth.sign_out(deps, routes.bearer(), routes.client())
    return Response("", status_code=204)


@app.route("/api/auth/password", methods=["POST"])
@api()
def change_password(deps: Deps, actor: None) -> Response:
    """Every session of the account ends; the answer carries the caller's new token."""
    data = body(bodies.PASSWORD_CHANGE)
    token = auth.change_password(deps, routes.bearer(), data["currentPassword"], data["newPassword"], routes.client())
    return Response({"token": token}, headers=NO_STORE)


@app.route("/api/staff", methods=["POST"])
@api("admin")
def create_staff_account(deps: Deps, actor: str) -> Response:
    data = body(bodies.NEW_STAFF)
    account = staff_accounts.create_account(
        deps, actor, data["username"], data["temporaryPassword"], data["roles"], data.get("displayName") or ""
    )
    return Response(account, status_code=201)


@app.route("/api/staff/{username}/enabled", methods=["POST"])
@api("admin")
def enable_staff_account(deps: Deps, actor: str, username: str) -> Any:
    return staff_accounts.set_account_enabled(deps, actor, username, body(bodies.STAFF_ENABLED)["enabled"])


@app.route("/api/staff/{username}/roles", methods=["POST"])
@api("admin")
def set_staff_roles(deps: Deps, actor: str, username: str) -> Any:
    return staff_accounts.set_account_roles(deps, actor, username, body(bodies.STAFF_ROLES)["roles"])


@app.route("/api/lockers", methods=["POST"])
@api("admin")
def create_locker(deps: Deps, actor: str) -> Response:
    data = body(bodies.NEW_LOCKER)
    return Response(lockers.create_locker(deps, actor, data), status_code=201)


@app.route("/api/lockers")
@api("clerk")
def list_lockers(deps: Deps, actor: str) -> Any:
    return {"lockers": lockers.list_lockers(deps)}


@app.route("/api/lockers/{locker_id}")
@api("clerk")
def get_locker(deps: Deps, actor: str, locker_id: str) -> Any:
    return lockers.locker_view(deps, locker_id, with_alerts=True)


@app.route("/api/lockers/{locker_id}/compartments/{compartment}/open", methods=["POST"])
@api("clerk")
def force_open(deps: Deps, actor: str, locker_id: str, compartment: str) -> Response:
    data = body(bodies.FORCE_OPEN)
    command = lockers.force_open(deps, actor, locker_id, compartment, data["reason"])
    return Response({"command": command, "compartment": compartment}, status_code=202)


@app.route("/api/lockers/{locker_id}/held")
@api("clerk")
def held_compartments(deps: Deps, actor: str, locker_id: str) -> Any:
    return {"compartments": lockers.held_by_closed_requests(deps, locker_id)}


@app.route("/api/lockers/{locker_id}/compartments/{compartment}/free", methods=["POST"])
@api("clerk")
def free_compartment(deps: Deps, actor: str, locker_id: str, compartment: str) -> Response:
    command = lockers.free_compartment(deps, actor, locker_id, compartment)
    return Response({"command": command, "compartment": compartment}, status_code=202)


@app.route("/api/lockers/{locker_id}/compartments/{compartment}/service", methods=["POST"])
@api("admin")
def compartment_service(deps: Deps, actor: str, locker_id: str, compartment: str) -> Any:
    data = body(bodies.SERVICE)
    return lockers.set_compartment_enabled(deps, actor, locker_id, compartment, data["enabled"])


@app.route("/api/requests", methods=["POST"])
@api("clerk")
def register_request(deps: Deps, actor: str) -> Response:
    data = body(bodies.NEW_REQUEST)
    record = desk.register_request(
        deps,
        actor,
        desk.NewRequest(
            citizen_name=data["citizenName"],
            phone=data["phone"],
            documents=data["documents"],
            size=data.get("size") or "S",
            accessible=bool(data.get("accessible", False)),
            registration_number=data.get("registrationNumber"),
            sms_consent=data["smsConsent"],
            locker_consent=data["lockerConsent"],
        ),
    )
    return Response(
        {"id": record.id, "registrationNumber": record.registration_number, "status": record.status}, status_code=201
    )


@app.route("/api/requests")
@api("staff")
def list_requests(deps: Deps, actor: str) -> Any:
    """The desk's queue and search; ``channel=online``: the online inbox of the caller's departments."""
    query: dict[str, str] = dict(routes.request.query_params or {})
    if query.get("channel") not in (None, "", "online"):
        raise InvalidInput("Canal necunoscut: online sau nimic.", "channel must be 'online' or left out")
    if len(query.get("department") or "") > 64:
        raise InvalidInput("Departament necunoscut.", "unknown department")
    if query.get("channel") == "online":
        found = online_review.inbox(deps, routes.identity(), query.get("status") or None, query.get("department"))
        return {"requests": found}
    auth.require_role(routes.identity(), "clerk")
    found = desk.list_requests(deps, query.get("status") or None, query.get("q") or None)
    return {"requests": [request_records.request_view(r) for r in found]}


@app.route("/api/requests/{request_id}")
@api("staff")
def get_request(deps: Deps, actor: str, request_id: str) -> Any:
    return online_review.open_request(deps, routes.identity(), request_id)


def _request_action(service: Callable[..., Any]) -> Callable[..., Any]:
    def view(deps: Deps, actor: str, request_id: str) -> Any:
        body(bodies.EMPTY)
        return request_records.request_view(service(deps, actor, request_id))

    return view


app.route("/api/requests/{request_id}/ready", methods=["POST"], name="mark_ready")(
    api("clerk")(_request_action(desk.mark_ready))
)
app.route("/api/requests/{request_id}/counter", methods=["POST"], name="send_to_counter")(
    api("clerk")(_request_action(desk.send_to_counter))
)
app.route("/api/requests/{request_id}/collect", methods=["POST"], name="collect_at_counter")(
    api("clerk")(_request_action(desk.collect_at_counter))
)


@app.route("/api/requests/{request_id}/cancel", methods=["POST"])
@api("clerk")
def cancel_request(deps: Deps, actor: str, request_id: str) -> Any:
    data = body(bodies.CANCEL)
    return request_records.request_view(desk.cancel_request(deps, actor, request_id, data.get("reason") or ""))


@app.route("/api/requests/{request_id}/deposit", methods=["POST"])
@api("clerk")
def deposit_documents(deps: Deps, actor: str, request_id: str) -> Response:
    data = body(bodies.DEPOSIT)
    compartment = deposit.deposit_documents(deps, actor, request_id, data["lockerId"])
    return Response({"compartment": compartment, "lockerId": data["lockerId"]}, status_code=202)


@app.route("/api/requests/{request_id}/reissue", methods=["POST"])
@api("clerk")
def reissue_codes(deps: Deps, actor: str, request_id: str) -> Any:
    body(bodies.EMPTY)
    return request_records.request_view(deposit.reissue_codes(deps, actor, request_id))


@app.route("/api/requests/{request_id}/retrieve", methods=["POST"])
@api("clerk")
def retrieve_documents(deps: Deps, actor: str, request_id: str) -> Response:
    body(bodies.EMPTY)
    return Response({"compartment": deposit.retrieve_documents(deps, actor, request_id)}, status_code=202)


@app.route("/api/tasks")
@api("clerk")
def staff_tasks(deps: Deps, actor: str) -> Any:
    return tasks.staff_tasks(deps)


@app.route("/api/jobs/run", methods=["POST"])
@api("admin")
def run_job(deps: Deps, actor: str) -> Any:
    return jobs.run_scheduled_job(deps)


# Online requests (issue 13): the citizen's side behind a phone-verified session, the office's inbox and answers.


@app.route("/api/citizen/codes", methods=["POST"])
@api()
def citizen_code(deps: Deps, actor: None) -> Response:
    """A 6-digit sign-in code by SMS; the answer is the same whether or not the phone has requests."""
    data = body(bodies.CITIZEN_CODE)
    citizen_access.send_code(deps, data["phone"], routes.client())
    return Response({"sent": True}, status_code=202, headers=NO_STORE)


@app.route("/api/citizen/sessions", methods=["POST"])
@api()
def citizen_session(deps: Deps, actor: None) -> Response:
    data = body(bodies.CITIZEN_SESSION)
    token = citizen_access.start_session(deps, data["phone"], data["code"], routes.client())
    return Response({"token": token}, status_code=201, headers=NO_STORE)


@app.route("/api/citizen/requests", methods=["GET", "POST"])
@api()
def citizen_requests(deps: Deps, actor: None) -> Response:
    citizen = routes.citizen(deps)
    if routes.request.method == "GET":
        return Response({"requests": online_requests.list_own(deps, citizen)}, headers=NO_STORE)
    data = body(bodies.CITIZEN_REQUEST)
    record = online_requests.create_request(deps, citizen, data, intake=data.get("intake") or "online")
    return Response({"id": record.id, "status": record.status}, status_code=201, headers=NO_STORE)


@app.route("/api/citizen/requests/{request_id}", methods=["GET", "PATCH"])
@api()
def citizen_request(deps: Deps, actor: None, request_id: str) -> Response:
    citizen = routes.citizen(deps)
    if routes.request.method == "PATCH":
        record = online_requests.update_draft(deps, citizen, request_id, body(bodies.CITIZEN_REQUEST_CHANGE))
    else:
        record = online_requests.own_request(deps, citizen, request_id)
    return Response(online_requests.citizen_view(deps, record), headers=NO_STORE)


@app.route("/api/citizen/requests/{request_id}/attachments", methods=["POST"])
@api()
def citizen_attachment(deps: Deps, actor: None, request_id: str) -> Response:
    citizen = routes.citizen(deps)
    data = body(bodies.CITIZEN_ATTACHMENT)
    row, upload = online_requests.request_upload(
        deps, citizen, request_id, data["documentId"], data["fileName"], data["contentType"], data["size"]
    )
    return Response({"id": row.id, "upload": upload}, status_code=201, headers=NO_STORE)


@app.route("/api/citizen/requests/{request_id}/submit", methods=["POST"])
@api()
def citizen_submit(deps: Deps, actor: None, request_id: str) -> Response:
    citizen = routes.citizen(deps)
    body(bodies.EMPTY)
    record = online_requests.submit(deps, citizen, request_id)
    return Response(
        {"registrationNumber": record.registration_number, "status": record.status, "answerDue": record.answer_due},
        headers=NO_STORE,
    )


@app.route("/api/citizen/requests/{request_id}/withdraw", methods=["POST"])
@api()
def citizen_withdraw(deps: Deps, actor: None, request_id: str) -> Response:
    citizen = routes.citizen(deps)
    body(bodies.EMPTY)
    record = online_requests.withdraw(deps, citizen, request_id)
    return Response(online_requests.citizen_view(deps, record), headers=NO_STORE)


@app.route("/api/citizen/requests/{request_id}/attachments/{attachment_id}")
@api()
def citizen_download(deps: Deps, actor: None, request_id: str, attachment_id: str) -> Response:
    citizen = routes.citizen(deps)
    return Response({"url": online_requests.download_url(deps, citizen, request_id, attachment_id)}, headers=NO_STORE)


@app.route("/api/citizen/requests/{request_id}/receipt")
@api()
def citizen_receipt(deps: Deps, actor: None, request_id: str) -> Response:
    """The registered request's receipt as a PDF (no JSON: a file to keep)."""
    citizen = routes.citizen(deps)
    name, pdf = receipt.receipt_file(deps, citizen, request_id)
    disposition = f'attachment; filename="{name}"'
    return Response(pdf, headers={**NO_STORE, "Content-Type": "application/pdf", "Content-Disposition": disposition})


@app.route("/api/citizen/requests/{request_id}/dropoff", methods=["POST"])
@api()
def citizen_dropoff(deps: Deps, actor: None, request_id: str) -> Response:
    """A drop-off code for a complete file: the PIN and QR link go by SMS only."""
    citizen = routes.citizen(deps)
    code = dropoff.request_dropoff(deps, citizen, request_id, body(bodies.DROPOFF))
    return Response({"expiresAt": code.expires_at, "lockerId": code.locker_id}, status_code=201, headers=NO_STORE)


@app.route("/api/dropoffs")
@api("staff")
def dropoffs_to_collect(deps: Deps, actor: str) -> Any:
    """Dropped-off files still in the lockers, per locker, the oldest first."""
    return {"lockers": dropoff_review.to_collect(deps)}


@app.route("/api/requests/{request_id}/empty", methods=["POST"])
@api("staff")
def found_empty(deps: Deps, actor: str, request_id: str) -> Any:
    """The compartment of a dropped-off file was empty when staff opened it."""
    body(bodies.EMPTY)
    return online_review.online_view(deps, dropoff_review.found_empty(deps, routes.identity(), request_id))


@app.route("/api/requests/{request_id}/assign", methods=["POST"])
@api("staff")
def assign_request(deps: Deps, actor: str, request_id: str) -> Any:
    data = body(bodies.ASSIGN)
    record = online_review.assign(deps, routes.identity(), request_id, data["department"])
    return online_review.online_view(deps, record)


@app.route("/api/requests/{request_id}/attachments", methods=["POST"])
@api("staff")
def staff_attachment(deps: Deps, actor: str, request_id: str) -> Response:
    data = body(bodies.STAFF_ATTACHMENT)
    row, upload = online_review.request_answer_upload(
        deps, routes.identity(), request_id, data["fileName"], data["contentType"], data["size"]
    )
    return Response({"id": row.id, "upload": upload}, status_code=201, headers=NO_STORE)


@app.route("/api/requests/{request_id}/ask", methods=["POST"])
@api("staff")
def ask_documents(deps: Deps, actor: str, request_id: str) -> Any:
    data = body(bodies.ASK)
    record = online_review.ask_for_documents(
        deps, routes.identity(), request_id, data["documents"], data.get("message")
    )
    return online_review.online_view(deps, record)


@app.route("/api/requests/{request_id}/answer", methods=["POST"])
@api("staff")
def answer_request(deps: Deps, actor: str, request_id: str) -> Any:
    record = online_review.answer(deps, routes.identity(), request_id, body(bodies.ANSWER))
    return online_review.online_view(deps, record)


@app.route("/api/requests/{request_id}/attachments/{attachment_id}")
@api("staff")
def staff_download(deps: Deps, actor: str, request_id: str, attachment_id: str) -> Response:
    url = online_review.staff_download_url(deps, routes.identity(), request_id, attachment_id)
    return Response({"url": url}, headers=NO_STORE)


@app.route("/")
@page
def home(lang: str) -> Response:
    return Response(render("home.html", lang=lang), headers=SECURITY_HEADERS)


@app.route("/accesibilitate")
@page
def accessibility(lang: str) -> Response:
    return Response(render("accessibility.html", lang=lang), headers=SECURITY_HEADERS)


@app.route("/confidentialitate")
@page
def privacy(lang: str) -> Response:
    return Response(render("privacy.html", lang=lang), headers=SECURITY_HEADERS)


@app.route("/r/{token}")
@page
def pickup_qr_page(lang: str, token: str) -> Response:
    pickup = pickup_page(get_deps(), token)
    qr = qr_svg(pickup.qr_content) if pickup.state == "valid" else ""
    nonce, cookie = form_nonce("/r")
    html = render("pickup.html", page=pickup, lang=lang, qr=qr, csrf=nonce, token=token)
    headers = {**SECURITY_HEADERS, "Set-Cookie": cookie}
    return Response(html, status_code=404 if pickup.state == "unknown" else 200, headers=headers)


@app.route("/r/{token}/prelungire", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@page
def pickup_extend(lang: str, token: str) -> Response:
    """The citizen moves the deadline once; back to the QR page, which shows the new deadline and QR."""
    checked_form(routes.request, "/r")
    pickup_extension.extend_pickup(get_deps(), token)
    suffix = "?lang=en" if lang == "en" else ""
    return Response("", status_code=303, headers={"Location": f"/r/{token}{suffix}"})


@app.schedule(Rate(1, unit=Rate.MINUTES))
def scheduled_job(event: Any) -> dict[str, int]:
    return jobs.run_scheduled_job(get_deps())


@app.lambda_function(name="locker_events")
def locker_events(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Invoked by the IoT topic rule with the event JSON plus ``locker`` (topic segment 3). On AWS the template
    points this function at ``chalicelib.locker_lambda.handler``, the same dispatch without the HTTP app."""
    return locker_lambda.dispatch(get_deps(), event)


@app.route("/static/{name}")
def static_file(name: str) -> Response:
    asset = static_asset(name)
    if asset is None:
        return Response("", status_code=404)
    content, content_type = asset
    return Response(content, headers={"Content-Type": content_type, "Cache-Control": "max-age=3600"})
