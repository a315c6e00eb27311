"""Online requests, the citizen's pages (issue 13): "Cererile mele", a service's start page, the questions one
at a time, check your answers with a declaration, the confirmation with the registration number, and each
request's page (status, history, what the office asked, the answer, withdrawal). Signing in and the
documents have their own modules (online_signin.py, online_documents.py) on the same blueprint.

GOV.UK Frontend patterns, Romanian first (English on ``?lang=en``), every page works without JavaScript.
The rules are the services' (services/online_requests.py): the pages only ask and show.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from chalice import Response

from .. import catalogue
from ..domain.dropoff import INTAKE as LOCKER
from ..domain.errors import DomainError, InvalidInput, NotFound
from ..domain.online_requests import DRAFT, TRANSITIONS
from ..services import online_requests, receipt
from ..services.citizen_access import end_citizen_session
from . import online_documents, online_signin  # noqa: F401  (their routes are on this blueprint)
from .dropoff_common import live_code_until
from .online_common import (
    DELIVERY,
    EVENTS,
    FORM,
    ROOT,
    Visit,
    clear_session_cookie,
    csrf_if_signed_in,
    lang,
    online,
    page,
    pdf_download,
    redirect,
    session_token,
    signed_in,
)
from .routing import error_page

__all__ = ["online"]
DELIVERY_STEP = "livrare"
WITHDRAWABLE = TRANSITIONS["withdraw"][0]


def _steps(service: dict[str, Any]) -> list[dict[str, Any]]:
    """The service's questions, then how the answer is delivered when there is a choice."""
    steps = [dict(q) for q in service.get("questions", [])]
    options = service.get("delivery") or ["counter"]
    if len(options) > 1:
        steps.append(
            {
                "id": DELIVERY_STEP,
                "type": "choice",
                "required": True,
                "label": {"ro": "Cum vreți să primiți răspunsul?", "en": "How do you want to receive the answer?"},
                "options": [{"value": d, "label": {"ro": DELIVERY[d][0], "en": DELIVERY[d][1]}} for d in options],
            }
        )
    return steps


def _shown(step: dict[str, Any], value: Any, lang_: str) -> str:
    """An answer as the citizen reads it."""
    if value is None or value == "":
        return "—"
    if step["type"] == "yesno":
        return ("Yes" if value else "No") if lang_ == "en" else ("Da" if value else "Nu")
    if step["type"] == "choice":
        return next((o["label"][lang_] for o in step.get("options", []) if o["value"] == value), str(value))
    if step["type"] == "date":
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    return str(value)


def _days(service: dict[str, Any]) -> int:
    term = str(service.get("processingTime") or "")
    return int(term[1:-1]) if re.fullmatch(r"P\d+D", term) else 30


def _days_ro(days: int) -> str:
    """Romanian puts "de" between a number and its noun from 20 on (and after 100, 200, …): 15 zile, 30 de zile."""
    if days == 1:
        return "o zi"
    return f"{days} zile" if 0 < days % 100 < 20 else f"{days} de zile"


def _due(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else "—"


@online.route(ROOT, methods=["GET"])
@signed_in()
def my_requests(visit: Visit) -> Response:
    found = sorted(
        online_requests.list_own(visit.deps, visit.citizen), key=lambda r: r.get("updatedAt") or 0, reverse=True
    )
    return page("online/list.html", requests=found, csrf=visit.csrf, due=_due)


@online.route(f"{ROOT}/iesire", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def sign_out(visit: Visit) -> Response:
    end_citizen_session(visit.deps, session_token())
    return redirect(f"{ROOT}/intrare", [clear_session_cookie(visit.deps)])


@online.route(f"{ROOT}/nou", methods=["GET"])
def start_page() -> Response:
    """What the service needs and how long it takes; Start once signed in (the sign-in comes back here)."""
    current = lang()
    service_id = str(dict(online.current_request.query_params or {}).get("serviciu") or "")
    try:
        service = catalogue.get_service(service_id) if re.fullmatch(r"[a-z0-9-]{1,80}", service_id) else None
        if service is None or service.get("status") != "available" or "online" not in service.get("channels", []):
            raise NotFound("Acest serviciu nu se poate cere online.", "this service cannot be requested online")
    except DomainError as error:
        return _error(error, current)
    return page(
        "online/start.html",
        service=service,
        days=_days(service),
        days_ro=_days_ro(_days(service)),
        csrf=csrf_if_signed_in(),
        back=f"{ROOT}/nou?serviciu={service_id}",
        delivery=DELIVERY,
    )


@online.route(f"{ROOT}/nou", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def start(visit: Visit) -> Response:
    record = online_requests.create_request(visit.deps, visit.citizen, {"serviceId": visit.form.get("serviciu")})
    service = catalogue.get_service(record.service_id or "")
    first = f"{ROOT}/{record.id}/intrebari/1" if _steps(service) else f"{ROOT}/{record.id}/documente"
    return redirect(first)


def _draft_step(visit: Visit, request_id: str, n: str) -> tuple[Any, dict[str, Any], list[dict[str, Any]], int]:
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    service = catalogue.get_service(record.service_id or "")
    steps = _steps(service)
    if not n.isdigit() or not 1 <= int(n) <= len(steps):
        raise NotFound("Întrebarea nu există.", "no such question")
    return record, service, steps, int(n)


def _service_start(record: Any) -> str:
    """The service's start page: the online request's, or the drop-off's for a file left at the locker."""
    if record.intake == LOCKER:
        return f"{ROOT}/dulap?serviciu={record.service_id}"
    return f"{ROOT}/nou?serviciu={record.service_id}"


def _current(record: Any, step: dict[str, Any]) -> Any:
    if step["id"] == DELIVERY_STEP:
        return record.delivery
    return (record.answers or {}).get(step["id"])


def _question_page(
    visit: Visit, record: Any, steps: list[dict[str, Any]], n: int, value: Any, error: DomainError | None = None
) -> Response:
    step = steps[n - 1]
    if step["type"] == "yesno" and isinstance(value, bool):
        value = "da" if value else "nu"
    parts = value.split("-") if step["type"] == "date" and isinstance(value, str) and value.count("-") == 2 else []
    back = f"{ROOT}/{record.id}/intrebari/{n - 1}" if n > 1 else _service_start(record)
    query = dict(online.current_request.query_params or {})
    return page(
        "online/question.html",
        status=error.http_status if error else 200,
        record=record,
        step=step,
        n=n,
        total=len(steps),
        value=value if value is not None else "",
        day=parts[2] if parts else "",
        month=parts[1] if parts else "",
        year=parts[0] if parts else "",
        error=error,
        back=f"{ROOT}/{record.id}/verificare" if query.get("verificare") else back,
        review=bool(query.get("verificare")),
        csrf=visit.csrf,
    )


@online.route(f"{ROOT}/{{request_id}}/intrebari/{{n}}", methods=["GET"])
@signed_in()
def question(visit: Visit, request_id: str, n: str) -> Response:
    record, _, steps, number = _draft_step(visit, request_id, n)
    if record.status != DRAFT:
        return redirect(f"{ROOT}/{request_id}")
    return _question_page(visit, record, steps, number, _current(record, steps[number - 1]))


def _posted(step: dict[str, Any], form: dict[str, str]) -> str:
    """The answer as the form sent it; a date's three fields joined as YYYY-MM-DD."""
    if step["type"] == "date":
        day, month, year = (form.get(k, "").strip() for k in ("zi", "luna", "an"))
        if not (day or month or year):
            return ""
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            raise InvalidInput(
                "Data trebuie să aibă ziua, luna și anul în cifre, de exemplu 27 3 2026.",
                "The date must have a day, month and year in numbers, for example 27 3 2026.",
            )
        return f"{year}-{int(month):02d}-{int(day):02d}"
    value = form.get("raspuns", "").strip()
    return value.replace(" ", "").replace(",", ".") if step["type"] == "number" else value


def _required(step: dict[str, Any]) -> InvalidInput:
    label_ro, label_en = step["label"]["ro"], step["label"]["en"]
    if step["type"] in ("yesno", "choice"):
        return InvalidInput(f"Alegeți un răspuns la „{label_ro}”.", f"Select an answer to “{label_en}”.")
    if step["type"] == "date":
        return InvalidInput(f"Introduceți data: „{label_ro}”.", f"Enter the date: “{label_en}”.")
    return InvalidInput(f"Completați „{label_ro}”.", f"Enter “{label_en}”.")


@online.route(f"{ROOT}/{{request_id}}/intrebari/{{n}}", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def answer(visit: Visit, request_id: str, n: str) -> Response:
    record, _, steps, number = _draft_step(visit, request_id, n)
    step = steps[number - 1]
    value: Any = visit.form.get("raspuns", "")
    try:
        value = _posted(step, visit.form)
        if value == "" and step.get("required"):
            raise _required(step)
        if step["id"] == DELIVERY_STEP:
            online_requests.update_draft(visit.deps, visit.citizen, request_id, {"delivery": value})
        else:
            online_requests.update_draft(
                visit.deps, visit.citizen, request_id, {"answers": {step["id"]: value or None}}
            )
    except InvalidInput as error:
        if step["type"] == "date":
            value = "-".join(visit.form.get(k, "") for k in ("an", "luna", "zi"))
        return _question_page(visit, record, steps, number, value, error)
    if record.intake == LOCKER and number == len(steps):
        return redirect(f"{ROOT}/{request_id}/dulap/documente/1")  # the checklist, as the answers decide it
    if dict(online.current_request.query_params or {}).get("verificare"):
        return redirect(f"{ROOT}/{request_id}/verificare")
    if number < len(steps):
        return redirect(f"{ROOT}/{request_id}/intrebari/{number + 1}")
    return redirect(f"{ROOT}/{request_id}/documente")


def _check_page(visit: Visit, record: Any, error: DomainError | None = None) -> Response:
    service = catalogue.get_service(record.service_id or "")
    view = online_requests.citizen_view(visit.deps, record)
    steps = _steps(service)
    answers = [
        {"n": i, "label": s["label"][visit.lang], "value": _shown(s, _current(record, s), visit.lang)}
        for i, s in enumerate(steps, start=1)
    ]
    return page(
        "online/check.html",
        status=error.http_status if error else 200,
        view=view,
        answers=answers,
        items=online_documents.task_items(view, visit.lang),
        draft=record.status == DRAFT,
        error=error,
        csrf=visit.csrf,
    )


@online.route(f"{ROOT}/{{request_id}}/verificare", methods=["GET"])
@signed_in()
def check_answers(visit: Visit, request_id: str) -> Response:
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    if record.status not in online_requests.EDITABLE or record.intake == LOCKER:
        return redirect(f"{ROOT}/{request_id}")
    return _check_page(visit, record)


@online.route(f"{ROOT}/{{request_id}}/verificare", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def send(visit: Visit, request_id: str) -> Response:
    """Register the draft (or send back what the office asked for); a refusal names the file or document."""
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    if record.intake == LOCKER:
        return redirect(f"{ROOT}/{request_id}")  # a drop-off is registered by the locker's door, not sent
    try:
        if visit.form.get("declaratie") != "da":
            raise InvalidInput(
                "Bifați declarația ca să trimiteți cererea.", "Tick the declaration to send the request."
            )
        sent = online_requests.submit(visit.deps, visit.citizen, request_id)
    except InvalidInput as error:
        record = online_requests.own_request(visit.deps, visit.citizen, request_id)
        return _check_page(visit, record, error)
    if record.status == DRAFT:
        return redirect(f"{ROOT}/{request_id}/confirmare")
    return redirect(f"{ROOT}/{sent.id}?trimisa=1")


@online.route(f"{ROOT}/{{request_id}}/confirmare", methods=["GET"])
@signed_in()
def confirmation(visit: Visit, request_id: str) -> Response:
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    if record.status == DRAFT:
        return redirect(f"{ROOT}/{request_id}/verificare")
    view = online_requests.citizen_view(visit.deps, record)
    return page("online/confirmation.html", view=view, due=_due(record.answer_due), delivery=DELIVERY)


@online.route(f"{ROOT}/{{request_id}}", methods=["GET"])
@signed_in()
def request_page(visit: Visit, request_id: str) -> Response:
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    view = online_requests.citizen_view(visit.deps, record)
    events = [
        {"at": h["at"], "text": EVENTS[h["action"]][1 if visit.lang == "en" else 0]}
        for h in view["history"]
        if h["action"] in EVENTS
    ]
    return page(
        "online/request.html",
        view=view,
        events=list(reversed(events)),
        due=_due(record.answer_due),
        can_withdraw=record.status in WITHDRAWABLE,
        dropoff_until=live_code_until(visit.deps, record),
        resent=bool(dict(online.current_request.query_params or {}).get("trimisa")),
        delivery=DELIVERY,
        csrf=visit.csrf,
    )


@online.route(f"{ROOT}/{{request_id}}/raspuns", methods=["GET"])
@signed_in()
def answer_download(visit: Visit, request_id: str) -> Response:
    """The office's answer: a short-lived link straight to the bucket."""
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    if not record.answer_attachment:
        raise NotFound("Răspunsul nu este încă disponibil.", "no answer yet")
    url = online_requests.download_url(visit.deps, visit.citizen, request_id, record.answer_attachment)
    return Response("", status_code=303, headers={"Location": url, "Cache-Control": "no-store"})


@online.route(f"{ROOT}/{{request_id}}/dovada", methods=["GET"])
@signed_in()
def receipt_download(visit: Visit, request_id: str) -> Response:
    """The registration receipt (dovada înregistrării) as a PDF to keep."""
    return pdf_download(*receipt.receipt_file(visit.deps, visit.citizen, request_id))


@online.route(f"{ROOT}/{{request_id}}/retragere", methods=["GET"])
@signed_in()
def withdraw_page(visit: Visit, request_id: str) -> Response:
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    if record.status not in WITHDRAWABLE:
        return redirect(f"{ROOT}/{request_id}")
    return page("online/withdraw.html", view=online_requests.citizen_summary(record), csrf=visit.csrf)


@online.route(f"{ROOT}/{{request_id}}/retragere", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def withdraw(visit: Visit, request_id: str) -> Response:
    online_requests.withdraw(visit.deps, visit.citizen, request_id)
    return redirect(f"{ROOT}/{request_id}")


def _error(error: DomainError, current: str) -> Response:
    return error_page(current)(error)
