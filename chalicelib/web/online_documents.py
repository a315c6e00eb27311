"""The documents of an online request as a GOV.UK task list: each needed document attached, or marked
"Aduc originalul" where the service allows it.

A file never passes through the Lambda: the upload page is a plain HTML form that posts straight to the
private bucket with the presigned POST fields (the file input last, as S3 requires), and S3 sends the
browser back to the task list (``success_action_redirect``), which checks what arrived
(online_requests.check_files) and names a refused file. A form cannot know the file before it is chosen,
so the upload is allowed for the document's type with a nominal size: the policy carries the 10 MB limit
and the check before registration the real size and the 30 MB total.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from ..domain.dropoff import INTAKE as LOCKER
from ..domain.errors import InvalidInput, NotFound
from ..domain.online_requests import AWAITING_DOCUMENTS
from ..services import online_requests
from .online_common import FORM, ROOT, Visit, link, online, origin_of, page, redirect, signed_in

KINDS = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSION = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
NOMINAL_SIZE = 1  # see the module's docstring: the real size is checked by S3's policy and before registration


def task_items(view: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The documents this citizen needs (or the office asked for), each with what was done about it."""
    asking = (view.get("asked") or {}) if view["status"] == AWAITING_DOCUMENTS else {}
    asked = {d["id"] for d in asking.get("documents", [])}
    bring = set(view["bringOriginal"])
    items = []
    for item in view["checklist"]:
        if not item["needed"] and item["documentId"] not in asked:
            continue
        files = [f for f in view["attachments"] if f["documentId"] == item["documentId"]]
        kept = [f for f in files if f["status"] == "stored"]  # "pending": allowed, never (or not yet) uploaded
        refused = [f for f in files if f["status"] == "refused"]
        if item["documentId"] in asked:
            # attachment ids start with their creation time (ms): a file sent since the office asked answers it
            state = "attached" if any(int(f["id"][:13]) >= asking.get("at", 0) for f in kept) else "asked"
        elif kept:
            state = "attached"
        elif item["canBringOriginal"] and item["documentId"] in bring:
            state = "original"
        elif refused:
            state = "refused"
        else:
            state = "todo"
        items.append(
            {
                "id": item["documentId"],
                "name": item["name"][lang],
                "state": state,
                "files": kept,
                "canAttach": item["canAttach"],
                "canBring": item["canBringOriginal"],
                "bring": item["documentId"] in bring,
            }
        )
    return items


def _editable(visit: Visit, request_id: str) -> Any:
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    if record.intake == LOCKER:
        return None  # a file dropped off at the locker has a checklist, not attachments (dropoff_pages.py)
    return record if record.status in online_requests.EDITABLE else None


@online.route(f"{ROOT}/{{request_id}}/documente", methods=["GET"])
@signed_in()
def documents(visit: Visit, request_id: str) -> Response:
    record = _editable(visit, request_id)
    if record is None:
        return redirect(f"{ROOT}/{request_id}")
    problem = None
    try:
        online_requests.check_files(visit.deps, record)  # what S3 just received: stored, or refused and named
    except InvalidInput as refusal:
        problem = refusal
    view = online_requests.citizen_view(visit.deps, record)
    query = dict(online.current_request.query_params or {})
    just = next((i for i in task_items(view, visit.lang) if i["id"] == query.get("incarcat")), None)
    return page(
        "online/documents.html",
        status=400 if problem else 200,
        view=view,
        items=task_items(view, visit.lang),
        problem=problem,
        uploaded=just if problem is None else None,
        csrf=visit.csrf,
    )


@online.route(f"{ROOT}/{{request_id}}/documente/{{document_id}}", methods=["GET"])
@signed_in()
def document(visit: Visit, request_id: str, document_id: str) -> Response:
    record = _editable(visit, request_id)
    if record is None:
        return redirect(f"{ROOT}/{request_id}")
    view = online_requests.citizen_view(visit.deps, record)
    item = next((i for i in task_items(view, visit.lang) if i["id"] == document_id), None)
    if item is None:
        raise NotFound("Documentul nu este pe lista acestei cereri.", "document not on this request's list")
    formats = next(c["formats"] for c in view["checklist"] if c["documentId"] == document_id)
    kinds = [k for k, t in KINDS.items() if t in formats]
    wanted = str(dict(online.current_request.query_params or {}).get("tip") or "")
    kind = wanted if wanted in kinds else (kinds[0] if kinds else "")
    upload = None
    if item["canAttach"] and kind:
        back = link(f"{ROOT}/{request_id}/documente?incarcat={document_id}", visit.lang)
        name_ro = next(c["name"]["ro"] for c in view["checklist"] if c["documentId"] == document_id)
        _, upload = online_requests.request_upload(
            visit.deps,
            visit.citizen,
            request_id,
            document_id,
            name_ro + EXTENSION[KINDS[kind]],
            KINDS[kind],
            NOMINAL_SIZE,
            redirect=visit.deps.settings.public_base_url + back,
        )
    return page(
        "online/document.html",
        form_to=origin_of(upload["url"]) if upload else None,
        view=view,
        item=item,
        upload=upload,
        kind=kind,
        kinds=kinds,
        accept=KINDS.get(kind, ""),
        draft=record.status == online_requests.DRAFT,
        csrf=visit.csrf,
    )


@online.route(f"{ROOT}/{{request_id}}/documente/{{document_id}}/original", methods=["POST"], content_types=FORM)
@signed_in(form=True)
def bring_original(visit: Visit, request_id: str, document_id: str) -> Response:
    """Mark (or unmark) a document as brought in original; the service says where that is allowed."""
    record = online_requests.own_request(visit.deps, visit.citizen, request_id)
    bring = set(record.bring_original or [])
    if visit.form.get("aduc") == "da":
        bring.add(document_id)
    else:
        bring.discard(document_id)
    online_requests.update_draft(visit.deps, visit.citizen, request_id, {"bringOriginal": sorted(bring)})
    return redirect(f"{ROOT}/{request_id}/documente")
