"""The associations' portal in the OpenAPI document (issue 15): the registry, its accounts, the public
certificate check and the filings. ``openapi.py`` merges ``association_paths()`` into its paths."""

from __future__ import annotations

from typing import Any

from . import bodies

NULLABLE_STR = {"type": ["string", "null"]}
ERROR = {"$ref": "#/components/schemas/Error"}
TEXT = {
    400: "Invalid input",
    401: "No or bad token",
    403: "Not staff, or not this association's account",
    404: "Not found",
    409: "Conflict with the current state",
    422: "The file has bad rows: nothing was imported",
    503: "A dependency is down",
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    ok: tuple[int, dict[str, Any]],
    errors: tuple[int, ...],
    body: Any = None,
    params: list[dict[str, Any]] | None = None,
    secured: bool = True,
) -> dict[str, Any]:
    responses: dict[str, Any] = {str(ok[0]): {"description": "OK", **_json(ok[1])}}
    responses.update({str(c): {"description": TEXT[c], **_json(ERROR)} for c in errors})
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": body.required, **_json(body.json_schema())}
    if params:
        operation["parameters"] = params
    if not secured:
        operation["security"] = []
    return operation


def _path(name: str, pattern: str = "^[A-Za-z0-9_-]{1,64}$") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": pattern}}


def _query(name: str, description: str, max_length: int = 100) -> dict[str, Any]:
    schema = {"type": "string", "maxLength": max_length}
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


ASSOCIATION = {
    "type": "object",
    "required": ["cui", "name", "street", "number", "apartments", "lifts"],
    "properties": {
        "cui": {"type": "string"},
        "name": {"type": "string"},
        "street": {"type": "string"},
        "number": {"type": "string"},
        "block": NULLABLE_STR,
        "staircases": {"type": "array", "items": {"type": "string"}},
        "apartments": {"type": "integer"},
        "lifts": {"type": "integer"},
        "legalSince": NULLABLE_STR,
        "administratorCertificate": NULLABLE_STR,
        "administratorCertificateExpiry": NULLABLE_STR,
        "administratorName": {**NULLABLE_STR, "description": "Personal data: staff and the association's accounts"},
        "presidentName": {**NULLABLE_STR, "description": "Personal data"},
        "email": {**NULLABLE_STR, "description": "Personal data"},
        "phone": {**NULLABLE_STR, "description": "Personal data (E.164)"},
        "updatedAt": {"type": "integer"},
        "accounts": {"type": "array", "items": {"type": "string"}, "description": "Staff only: linked accounts"},
    },
}
IMPORT_RESULT = {
    "type": "object",
    "required": ["created", "updated", "unchanged", "errors"],
    "properties": {
        **{name: {"type": "integer", "minimum": 0} for name in ("created", "updated", "unchanged")},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["line", "message"],
                "properties": {
                    "line": {"type": "integer", "description": "The file's line (the header is line 1)"},
                    "message": {"type": "string", "description": "Romanian"},
                    "message_en": {"type": "string"},
                },
            },
        },
    },
}
CERTIFICATE = {
    "type": "object",
    "required": ["number", "found", "certified", "expiry", "associations"],
    "properties": {
        "number": {"type": "string"},
        "found": {"type": "boolean", "description": "An administrator in the register holds it"},
        "certified": {"type": "boolean", "description": "Found and not expired today"},
        "expiry": NULLABLE_STR,
        "associations": {"type": "array", "description": "cui and name of the associations they administer"},
    },
}
STAFF = (400, 401, 403, 503)


def registry_paths() -> dict[str, Any]:
    cui = _path("cui")
    csv_body = {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "maxLength": 5 * 1024 * 1024}}},
        "description": "UTF-8, header cui,name,street,number,block,staircases,apartments,lifts,administrator_name,"
        "administrator_certificate,administrator_certificate_expiry,president_name,email,phone[,legal_since]",
    }
    import_op = _op("Import the registry (admin): idempotent by CUI", (200, IMPORT_RESULT), (*STAFF, 409))
    import_op["requestBody"] = csv_body
    import_op["responses"]["422"] = {"description": TEXT[422], **_json(IMPORT_RESULT)}
    import_op["responses"]["415"] = {"description": "Not text/csv (answered by the API's router)"}
    return {
        "/api/associations/import": {"post": import_op},
        "/api/associations/directory": {
            "post": _op(
                "Admin: publish the public directory again (the import and edits publish it themselves)",
                (200, {"type": "object", "required": ["files"], "properties": {"files": {"type": "integer"}}}),
                STAFF,
            )
        },
        "/api/associations": {
            "get": _op(
                "Staff: search the registry (at most 200); an association's account: its own associations",
                (
                    200,
                    {
                        "type": "object",
                        "required": ["associations"],
                        "properties": {"associations": {"type": "array", "items": ASSOCIATION}},
                    },
                ),
                STAFF,
                params=[_query("q", "Name, CUI or block"), _query("street", "The start of the street's name")],
            )
        },
        "/api/associations/{cui}": {
            "get": _op("One association", (200, ASSOCIATION), (*STAFF, 404), params=[cui]),
            "patch": _op(
                "Edit (staff: every field but the CUI; the association's account: president, e-mail, phone)",
                (200, ASSOCIATION),
                (*STAFF, 404, 409),
                bodies.ASSOCIATION_EDIT,
                [cui],
            ),
        },
        "/api/associations/{cui}/accounts": {
            "post": _op(
                "Staff: let an `association` account act for this association",
                (201, {"type": "object", "required": ["username", "cui", "associations"]}),
                (*STAFF, 404),
                bodies.ASSOCIATION_ACCOUNT,
                [cui],
            )
        },
        "/api/associations/{cui}/accounts/{username}": {
            "delete": {
                **_op("Staff: unlink an account", (204, {}), STAFF, params=[cui, _path("username")]),
                "responses": {
                    "204": {"description": "Unlinked"},
                    **{str(c): {"description": TEXT[c]} for c in (*STAFF, 404)},
                },
            }
        },
        "/api/administrator-certificates": {
            "get": _op(
                "Public: is an administrator certified under this number?",
                (200, CERTIFICATE),
                (400, 503),
                params=[{**_query("number", "The certificate's number", 40), "required": True}],
                secured=False,
            )
        },
    }


FILING_STATUS = {
    "type": "string",
    "enum": ["draft", "registered", "in_review", "awaiting_documents", "accepted", "rejected"],
}
FILING = {
    "type": "object",
    "required": ["id", "cui", "type", "status", "registrationNumber"],
    "properties": {
        "id": {"type": "string"},
        "cui": {"type": "string"},
        "type": {"type": "string"},
        "status": FILING_STATUS,
        "registrationNumber": {**NULLABLE_STR, "description": "PS2-<year>-<6 digits> once submitted"},
        "period": NULLABLE_STR,
        "answers": {"type": "object"},
        "checklist": {"type": "array"},
        "attachments": {"type": "array"},
        "asked": {"type": ["object", "null"], "description": "What the department asked for"},
        "history": {"type": "array"},
    },
}
FILINGS = {"type": "object", "required": ["filings"], "properties": {"filings": {"type": "array", "items": FILING}}}
DEADLINE = {"type": "object", "required": ["type", "period", "due"]}
UPLOAD = {
    "type": "object",
    "required": ["id", "upload"],
    "properties": {"id": {"type": "string"}, "upload": {"type": "object", "required": ["url", "fields"]}},
}
COMPLIANCE = {
    "type": "object",
    "required": ["type", "period", "due", "total", "filed", "missing", "associations"],
    "properties": {
        "total": {"type": "integer"},
        "filed": {"type": "integer"},
        "missing": {"type": "integer"},
        "associations": {"type": "array", "description": "cui, name, street, filed, registrationNumber, status"},
    },
}
ADMINISTRATOR = (400, 401, 403, 503)


def filing_paths() -> dict[str, Any]:
    fid = _path("filing_id")
    kind = {**_query("type", "A filing type id", 40), "required": True}
    form = {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json", "csv"]}}
    compliance = _op(
        "Who filed a type for a period (the current one when left out); format=csv: the same as a CSV file",
        (200, COMPLIANCE),
        STAFF,
        params=[kind, _query("period", "2026-S1, 2026, …", 10), form],
    )
    compliance["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    step = lambda summary, body=bodies.EMPTY: {  # noqa: E731
        "post": _op(summary, (200, FILING), (*STAFF, 404, 409), body, [fid])
    }
    types = {"type": "object", "required": ["types"], "properties": {"types": {"type": "array"}}}
    return {
        "/api/association/filing-types": {
            "get": _op("Public: the filing types with their questions and checklists", (200, types), (), secured=False)
        },
        "/api/association/filings": {
            "post": _op(
                "An association's account: a draft filing for one of its associations (403 for another's CUI)",
                (201, FILING),
                (*ADMINISTRATOR, 404),
                bodies.FILING,
            ),
            "get": _op(
                "An association's account: its associations' filings, newest first", (200, FILINGS), ADMINISTRATOR
            ),
        },
        "/api/association/filings/{filing_id}": {
            "get": _op("One of the account's filings", (200, FILING), (*ADMINISTRATOR, 404), params=[fid]),
            "patch": _op(
                "Change a draft's answers", (200, FILING), (*ADMINISTRATOR, 404, 409), bodies.FILING_ANSWERS, [fid]
            ),
        },
        "/api/association/filings/{filing_id}/attachments": {
            "post": _op(
                "Allow one file (a presigned POST: PDF, JPEG or PNG, 10 MB)",
                (201, UPLOAD),
                (*ADMINISTRATOR, 404, 409),
                bodies.CITIZEN_ATTACHMENT,
                [fid],
            )
        },
        "/api/association/filings/{filing_id}/submit": {
            "post": _op(
                "Register the draft (a registration number), or send back the documents asked for",
                (200, FILING),
                (*ADMINISTRATOR, 404, 409),
                bodies.EMPTY,
                [fid],
            )
        },
        "/api/filings": {
            "get": _op(
                "The department: a type's filings, by period and status",
                (200, FILINGS),
                STAFF,
                params=[kind, _query("status", "A filing status", 20), _query("period", "2026-S1, 2026, …", 10)],
            )
        },
        "/api/filings/{filing_id}": {
            "get": _op("One filing, its files and history", (200, FILING), (*STAFF, 404), params=[fid])
        },
        "/api/filings/{filing_id}/take": step("Take the filing (in_review)"),
        "/api/filings/{filing_id}/ask": step("Ask for documents (awaiting_documents)", bodies.ASK),
        "/api/filings/{filing_id}/accept": step("Accept (accepted)"),
        "/api/filings/{filing_id}/reject": step("Reject with a reason (rejected)", bodies.FILING_REJECT),
        "/api/filings/{filing_id}/files/{attachment_id}": {
            "get": _op(
                "A short-lived link to a filing's file",
                (200, {"type": "object", "required": ["url"]}),
                (*STAFF, 404),
                params=[fid, _path("attachment_id")],
            )
        },
        "/api/filing-deadlines": {
            "get": _op("The due dates set", (200, {"type": "object", "required": ["deadlines"]}), STAFF),
            "post": _op("Set a type's due date for a period", (201, DEADLINE), STAFF, bodies.FILING_DEADLINE),
        },
        "/api/filing-compliance": {"get": compliance},
    }


def association_paths() -> dict[str, Any]:
    return {**registry_paths(), **filing_paths()}
