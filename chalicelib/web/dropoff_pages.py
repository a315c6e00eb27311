"""Drop-off at the locker, the citizen's pages (issue 14): "Depun la dulap" from a service, the service's
questions (the online request's pages, on a draft with intake ``locker``), then the checklist one document
at a time ("Aveți …? Da / Nu"; a needed document missing stops the flow with what to do instead), the
envelope's size, the locker, check your answers, and "Trimite-mi codul": the PIN and QR link go by SMS
only. A request the office asked documents for gets the same checklist for the documents asked.

The code's own page (/d/{token}) and its cover sheet are in dropoff_code_pages.py, the staff's round in
staff_dropoff.py, on this blueprint. GOV.UK patterns, Romanian first (English on ``?lang=en``), no script.
"""

from __future__ import annotations

import re
from typing import Any

from chalice import Response

from .. import catalogue
from ..config import settings
from ..domain import dropoff
from ..domain.errors import DomainError, InvalidInput, NotFound
from ..domain.online_requests import DRAFT
from ..services import dropoff as dropoff_service
from ..services import lockers, online_requests
from . import dropoff_code_pages, staff_dropoff  # noqa: F401  (their routes are on this blueprint)
from .dropoff_common import (
    ROOT,
    Envelope,
    Question,
    checklist_questions,
    dropoff_pages,
    envelope_choices,
    envelope_label,
    live_code_until,
)
from .online_common import FORM, Visit, csrf_if_signed_in, lang, page, redirect, signed_in
from .online_pages import _current, _shown, _steps
from .routing import error_page

__all__ = ["dropoff_pages"]
FLOW = f"{ROOT}/{{request_id}}/dulap"


def _query() -> dict[str, str]:
    return dict(dropoff_pages.current_request.query_params or {})


def _locker_service(service_id: str) -> dict[str, Any]:
    service = catalogue.get_service(service_id) if re.fullmatch(r"[a-z0-9-]{1,80}", service_id) else None
    if service is None or service.get("status") != "available" or dropoff.INTAKE not in service.get("channels", []):
        raise NotFound("Dosarul acestui serviciu nu se poate depune la dulap.", "no locker drop-off for this service")
    return service


@dropoff_pages.route(f"{ROOT}/dulap", methods=["GET"])
def start_page() -> Response:
    """The services whose file can be dropped off, or one service's start page (what to prepare, how)."""
    current = lang()
    service_id = _query().get("serviciu") or ""
    try:
        service = _locker_service(service_id) if service_id else None
    except DomainError as error:
        return error_page(current)(error)
    if service is None:
        found = [
            s
            for s in catalogue.list_services()
            if dropoff.INTAKE in s.get("channels", []) and catalogue.get_service(s["id"]).get("status") == "available"
        ]
        return page("dropoff/services.html", services=sorted(found, key=lambda s: s["title"][current]))
    back = f"{ROOT}/dulap?serviciu={service_id}"
    hours = settings().dropoff_code_hours
    return page("dropoff/start.html", service=service, csrf=csrf_if_signed_in(), back=back, code_hours=hours)


@dropoff_pages.route(f"{ROOT}/dulap", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def start(visit: Visit) -> Response:
    body = {"serviceId": visit.form.get("serviciu")}
    record = online_requests.create_request(visit.deps, visit.citizen, body, intake=dropoff.INTAKE)
    service = catalogue.get_service(record.service_id or "")
    if service.get("questions") or len(service.get("delivery") or []) > 1:
        return redirect(f"{ROOT}/{record.id}/intrebari/1")
    return redirect(f"{ROOT}/{record.id}/dulap/documente/1")


def _preparing(visit: Visit, request_id: str) -> Any:
    """The citizen's drop-off request while a code can still be asked for, or None (go to its page)."""
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    if record.intake != dropoff.INTAKE or record.status not in dropoff_service.CODE_STATUSES or record.collect_from:
        return None
    return record


def _item(visit: Visit, request_id: str, n: str) -> tuple[Any, list[Question], int]:
    record = _preparing(visit, request_id)
    questions = checklist_questions(record, visit.lang) if record else []
    if record is not None and (not n.isdigit() or not 1 <= int(n) <= len(questions)):
        raise NotFound("Documentul nu este pe lista acestei cereri.", "no such checklist item")
    return record, questions, int(n) if n.isdigit() else 0


def _item_page(
    visit: Visit, record: Any, questions: list[Question], n: int, error: DomainError | None = None
) -> Response:
    envelope = Envelope.read(_query())
    review = bool(_query().get("verificare"))
    if review:
        back = f"{FLOW.format(request_id=record.id)}/verificare{envelope.query()}"
    elif n > 1:
        back = f"{FLOW.format(request_id=record.id)}/documente/{n - 1}{envelope.query()}"
    else:
        back = f"{ROOT}/{record.id}" if record.status != DRAFT else _before_checklist(record)
    question = questions[n - 1]
    return page(
        "dropoff/item.html",
        status=error.http_status if error else 200,
        record=record,
        question=question,
        n=n,
        total=len(questions),
        value="da" if question.id in envelope.documents else ("nu" if review else ""),
        action=f"{FLOW.format(request_id=record.id)}/documente/{n}{envelope.query(verificare='1' if review else '')}",
        back=back,
        error=error,
        csrf=visit.csrf,
    )


def _before_checklist(record: Any) -> str:
    """Back from the first document: the last of the service's questions, or the service's start page."""
    service = catalogue.get_service(record.service_id or "")
    steps = len(service.get("questions") or []) + (1 if len(service.get("delivery") or []) > 1 else 0)
    return f"{ROOT}/{record.id}/intrebari/{steps}" if steps else f"{ROOT}/dulap?serviciu={record.service_id}"


@dropoff_pages.route(f"{FLOW}/documente/{{n}}", methods=["GET"])
@signed_in()
def item(visit: Visit, request_id: str, n: str) -> Response:
    record, questions, number = _item(visit, request_id, n)
    if record is None:
        return redirect(f"{ROOT}/{request_id}")
    return _item_page(visit, record, questions, number)


@dropoff_pages.route(f"{FLOW}/documente/{{n}}", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def item_answer(visit: Visit, request_id: str, n: str) -> Response:
    record, questions, number = _item(visit, request_id, n)
    if record is None:
        return redirect(f"{ROOT}/{request_id}")
    question = questions[number - 1]
    answer = visit.form.get("raspuns", "")
    if answer not in ("da", "nu"):
        error = InvalidInput(f"Spuneți dacă aveți „{question.name}”.", f"Say whether you have “{question.name}”.")
        return _item_page(visit, record, questions, number, error)
    envelope = Envelope.read(_query()).with_document(question.id, answer == "da")
    flow = FLOW.format(request_id=request_id)
    if answer == "nu" and question.needed:
        return redirect(f"{flow}/documente/{number}/lipsa{envelope.query()}")
    if _query().get("verificare"):
        return redirect(f"{flow}/verificare{envelope.query()}")
    if number < len(questions):
        return redirect(f"{flow}/documente/{number + 1}{envelope.query()}")
    return redirect(f"{flow}/plic{envelope.query()}")


@dropoff_pages.route(f"{FLOW}/documente/{{n}}/lipsa", methods=["GET"])
@signed_in()
def missing(visit: Visit, request_id: str, n: str) -> Response:
    """A needed document is missing: the file cannot be dropped off; what to do instead."""
    record, questions, number = _item(visit, request_id, n)
    if record is None:
        return redirect(f"{ROOT}/{request_id}")
    envelope = Envelope.read(_query())
    return page(
        "dropoff/missing.html",
        record=record,
        question=questions[number - 1],
        again=f"{FLOW.format(request_id=request_id)}/documente/{number}{envelope.query()}",
        counter=(visit.deps.settings.counter_location_ro, visit.deps.settings.counter_hours_ro),
    )


def _step_page(visit: Visit, record: Any, template: str, error: DomainError | None = None, **context: Any) -> Response:
    envelope = Envelope.read({**_query(), **visit.form})
    return page(
        template,
        status=error.http_status if error else 200,
        record=record,
        envelope=envelope,
        flow=FLOW.format(request_id=record.id),
        review=bool(_query().get("verificare")),
        error=error,
        csrf=visit.csrf,
        **context,
    )


def _lockers(visit: Visit) -> list[dict[str, Any]]:
    return sorted(lockers.list_lockers(visit.deps), key=lambda locker: str(locker["name"] or locker["id"]))


@dropoff_pages.route(f"{FLOW}/{{step}}", methods=["GET"])
@signed_in()
def step(visit: Visit, request_id: str, step: str) -> Response:
    """The envelope's size (plic), the locker (locatie), check your answers (verificare), the code sent (cod)."""
    if step == "cod":
        return _code_sent(visit, request_id)
    record = _preparing(visit, request_id)
    if record is None:
        return redirect(f"{ROOT}/{request_id}")
    if step == "plic":
        return _step_page(visit, record, "dropoff/size.html", sizes=envelope_choices(visit.lang))
    if step == "locatie":
        return _step_page(visit, record, "dropoff/locker.html", lockers=_lockers(visit))
    if step == "verificare":
        return _check_page(visit, record)
    raise NotFound("Pagina nu există.", "not found")


@dropoff_pages.route(f"{FLOW}/{{step}}", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def step_answer(visit: Visit, request_id: str, step: str) -> Response:
    record = _preparing(visit, request_id)
    if record is None:
        return redirect(f"{ROOT}/{request_id}")
    envelope = Envelope.read({**_query(), **visit.form})
    flow = FLOW.format(request_id=request_id)
    review = _query().get("verificare")
    if step == "plic":
        if not envelope.size:
            error = InvalidInput("Alegeți mărimea plicului.", "Choose the size of the envelope.")
            return _step_page(visit, record, "dropoff/size.html", error, sizes=envelope_choices(visit.lang))
        return redirect(f"{flow}/{'verificare' if review else 'locatie'}{envelope.query()}")
    if step == "locatie":
        if not envelope.locker:
            error = InvalidInput("Alegeți dulapul unde depuneți dosarul.", "Choose the locker for your file.")
            return _step_page(visit, record, "dropoff/locker.html", error, lockers=_lockers(visit))
        return redirect(f"{flow}/verificare{envelope.query()}")
    if step == "verificare":
        return _send(visit, record, envelope)
    raise NotFound("Pagina nu există.", "not found")


def _check_page(visit: Visit, record: Any, error: DomainError | None = None) -> Response:
    envelope = Envelope.read({**_query(), **visit.form})
    service = catalogue.get_service(record.service_id or "")
    locker = next((lk for lk in _lockers(visit) if lk["id"] == envelope.locker), None)
    return _step_page(
        visit,
        record,
        "dropoff/check.html",
        error,
        questions=checklist_questions(record, visit.lang),
        answers=_answers(service, record, visit.lang) if record.status == DRAFT else [],
        size=envelope_label(envelope.size, visit.lang),
        locker=locker,
        code_hours=visit.deps.settings.dropoff_code_hours,
    )


def _answers(service: dict[str, Any], record: Any, lang_: str) -> list[dict[str, Any]]:
    """The service's questions and the answers, worded as the online request's check page words them."""
    steps = _steps(service)
    return [
        {"n": i, "label": s["label"][lang_], "value": _shown(s, _current(record, s), lang_)}
        for i, s in enumerate(steps, start=1)
    ]


def _send(visit: Visit, record: Any, envelope: Envelope) -> Response:
    """Ask for the code; a refusal (a missing document, a locker without that size) comes back on the page."""
    try:
        if not envelope.size or not envelope.locker:
            raise InvalidInput("Alegeți mărimea plicului și dulapul.", "Choose the envelope's size and the locker.")
        body = {"lockerId": envelope.locker, "size": envelope.size, "documents": envelope.documents}
        code = dropoff_service.request_dropoff(visit.deps, visit.citizen, record.id, body)
    except DomainError as error:
        return _check_page(visit, record, error)
    return redirect(f"{FLOW.format(request_id=record.id)}/cod?dulap={code.locker_id}")


def _code_sent(visit: Visit, request_id: str) -> Response:
    """The code went by SMS: never shown here; until when it works, where, and what to do at the locker."""
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    expires = live_code_until(visit.deps, record)
    if expires is None:
        return redirect(f"{ROOT}/{request_id}")
    locker_id = Envelope.read(_query()).locker
    locker = next((lk for lk in _lockers(visit) if lk["id"] == locker_id), None)
    return page("dropoff/code_sent.html", record=record, locker=locker, expires=expires)
