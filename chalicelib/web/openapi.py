"""The OpenAPI 3 description of the JSON API, served at /api/openapi.json and checked by schemathesis.

Request bodies come from ``bodies`` (the descriptions the routes parse with); responses are described here.
``tests/unit/test_openapi_routes.py`` keeps the paths and methods equal to the app's /api routes.
"""

from __future__ import annotations

from typing import Any

from ..domain.signin import CHALLENGES
from . import bodies
from .association_openapi import association_paths
from .schema import Body

# Routes under /api that are not part of the contract: the outbox is the local stage's SMS inbox (404 elsewhere).
UNDOCUMENTED = {"/api/dev/outbox"}

ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
ERROR = {
    "type": "object",
    "required": ["error", "message", "messageRo"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "messageRo": {"type": "string"}},
}
STATUS = {
    "type": "string",
    "enum": [
        "registered",
        "ready",
        "reserved",
        "in_locker",
        "collected",
        "expired",
        "returned",
        "cancelled",
        "draft",
        "in_review",
        "awaiting_documents",
        "answered",
        "rejected",
        "withdrawn",
    ],
}
STATUS_FILTER = {"type": "string", "enum": [*STATUS["enum"], ""]}  # empty: every open status
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
REQUEST = {
    "type": "object",
    "required": ["id", "registrationNumber", "status", "citizenName", "documents", "size"],
    "properties": {
        "id": {"type": "string"},
        "registrationNumber": {"type": "string"},
        "status": STATUS,
        "citizenName": {"type": "string"},
        "documents": {"type": "string"},
        "size": {"type": "string", "enum": ["S", "M", "L"]},
        "accessible": {"type": "boolean"},
        "lockerConsent": {"type": "boolean"},
        "smsConsent": {"type": "boolean"},
        "phone": NULLABLE_STR,
        "channel": NULLABLE_STR,
        "lockerId": NULLABLE_STR,
        "compartment": NULLABLE_STR,
        "deadline": NULLABLE_INT,
        "createdAt": {"type": "integer"},
        "updatedAt": {"type": "integer"},
        "closedAt": NULLABLE_INT,
        "history": {"type": "array"},
        "notifications": {"type": "array"},
        "serviceId": NULLABLE_STR,
        "intake": NULLABLE_STR,
        "delivery": NULLABLE_STR,
        "department": NULLABLE_STR,
        "answerDue": {**NULLABLE_STR, "description": "ISO date: the legal deadline for the answer"},
        "daysLeft": NULLABLE_INT,
        "attachments": {"type": "array"},
    },
}
LOCKER = {
    "type": "object",
    "required": ["id", "name", "location", "online"],
    "properties": {
        "id": {"type": "string"},
        "name": NULLABLE_STR,
        "location": NULLABLE_STR,
        "online": {"type": "boolean"},
        "lastSeen": NULLABLE_INT,
        "boot": NULLABLE_STR,
        "agentVersion": NULLABLE_STR,
        "compartments": {"type": "array"},
        "keypadLockedUntil": NULLABLE_INT,
        "keypadUnderAttackUntil": NULLABLE_INT,
        "alerts": {"type": "array"},
    },
}


BILINGUAL = {
    "type": "object",
    "required": ["ro", "en"],
    "properties": {"ro": {"type": "string"}, "en": {"type": "string"}},
}
CHANNELS = {"type": "array", "items": {"enum": ["online", "locker", "counter", "post"]}}
SERVICE_SUMMARY = {
    "type": "object",
    "required": ["id", "title", "category", "channels"],
    "properties": {"id": {"type": "string"}, "title": BILINGUAL, "category": {"type": "string"}, "channels": CHANNELS},
}
SERVICE = {
    "type": "object",
    "required": [
        "id",
        "title",
        "description",
        "channels",
        "documents",
        "questions",
        "processingTime",
        "fee",
        "department",
        "delivery",
    ],
    "properties": {
        "id": {"type": "string"},
        "title": BILINGUAL,
        "description": BILINGUAL,
        "channels": CHANNELS,
        "documents": {"type": "array"},
        "questions": {"type": "array"},
        "processingTime": {"type": "string", "description": "ISO 8601 duration"},
        "fee": {"type": "object"},
        "department": {"type": "object"},
        "delivery": {"type": "array", "items": {"enum": ["electronic", "locker", "counter"]}},
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Invalid input",
        401: "No or bad token",
        403: "Role missing",
        404: "Not found",
        409: "Conflict with the current state",
        429: "Too many failed tries: wait Retry-After seconds",
        503: "A dependency is down",
    }
    return {str(c): {"description": text[c], **_json({"$ref": "#/components/schemas/Error"})} for c in codes}


def _op(
    summary: str,
    ok: tuple[int, dict[str, Any]],
    errors: tuple[int, ...],
    body: Body | None = None,
    params: list[dict[str, Any]] | None = None,
    secured: bool = True,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {str(ok[0]): {"description": "OK", **_json(ok[1])}, **_errors(*errors)},
    }
    if body is not None and body.fields:
        operation["requestBody"] = {"required": body.required, **_json(body.json_schema())}
    if params:
        operation["parameters"] = params
    if not secured:
        operation["security"] = []
    return operation


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return schema


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    """A response object; what is not required may also be null."""
    properties = {name: schema if name in required else _nullable(schema) for name, schema in props.items()}
    return {"type": "object", "required": required, "additionalProperties": False, "properties": properties}


STAFF = (400, 401, 403, 503)
JOB_REPORT = {
    name: {"type": "integer", "minimum": 0}
    for name in ("reminders", "expired", "timed_out_commands", "sms_retried", "phones_erased")
}


TOKEN = _obj(["token"], token={"type": "string"})
SIGN_IN = {
    "oneOf": [
        TOKEN,
        _obj(
            ["challenge", "session"],
            challenge={"type": "string", "enum": list(CHALLENGES)},
            session={"type": "string", "description": "Send it back to /api/auth/challenge"},
            secretCode={"type": "string", "description": "MFA_SETUP: the TOTP secret to enrol"},
            otpauthUri={"type": "string", "description": "MFA_SETUP: the same as an otpauth:// URI (for a QR)"},
        ),
    ]
}
ACCOUNT = {"type": "object", "required": ["username"], "properties": {"username": {"type": "string"}}}


def auth_paths() -> dict[str, Any]:
    """Sign-in, its challenges, sign-out, password change and the admin's staff accounts."""
    user = _path("username")
    return {
        "/api/auth/login": {
            "post": _op(
                "Sign in: a token, or a challenge", (200, SIGN_IN), (400, 401, 429, 503), bodies.LOGIN, secured=False
            )
        },
        "/api/auth/challenge": {
            "post": _op(
                "Answer a sign-in challenge: a token, or the next challenge",
                (200, SIGN_IN),
                (400, 401, 429, 503),
                bodies.CHALLENGE,
                secured=False,
            )
        },
        "/api/auth/logout": {
            "post": {
                "summary": "Sign out: the token answers 401 from now on",
                "responses": {"204": {"description": "Signed out"}, **_errors(400, 401, 503)},
            }
        },
        "/api/auth/password": {
            "post": _op(
                "Change one's password: every session of the account ends; a new token",
                (200, TOKEN),
                (400, 401, 429, 503),
                bodies.PASSWORD_CHANGE,
            )
        },
        "/api/staff": {
            "post": _op(
                "Create a staff account with a temporary password", (201, ACCOUNT), (*STAFF, 409), bodies.NEW_STAFF
            )
        },
        "/api/staff/{username}/enabled": {
            "post": _op(
                "Disable (its sessions end) or enable an account",
                (200, ACCOUNT),
                (*STAFF, 404, 409),
                bodies.STAFF_ENABLED,
                [user],
            )
        },
        "/api/staff/{username}/roles": {
            "post": _op(
                "Set an account's roles (removing one ends its sessions)",
                (200, ACCOUNT),
                (*STAFF, 404, 409),
                bodies.STAFF_ROLES,
                [user],
            )
        },
    }


UPLOAD = _obj(
    ["id", "upload"],
    id={"type": "string"},
    upload=_obj(["url", "fields"], url={"type": "string"}, fields={"type": "object"}),
)
LINK = _obj(["url"], url={"type": "string", "description": "A presigned GET, valid 60 seconds"})
CITIZEN = (400, 401, 404, 503)


def _receipt_op(rid: dict[str, Any]) -> dict[str, Any]:
    operation = _op("The receipt of a registered request (PDF)", (200, {}), (*CITIZEN, 409), params=[rid])
    operation["responses"]["200"] = {
        "description": "The receipt: registration number, date and time, service, documents received. "
        "Send Accept: application/pdf.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
    return operation


def online_paths() -> dict[str, Any]:
    """Online requests: the citizen's API (a phone-verified session) and the office's inbox and answers."""
    rid, aid = _path("request_id"), _path("attachment_id")
    citizen_request = {"type": "object", "required": ["id", "status"], "properties": {"status": STATUS}}
    return {
        "/api/citizen/codes": {
            "post": _op(
                "A 6-digit sign-in code by SMS",
                (202, _obj(["sent"], sent={"type": "boolean"})),
                (400, 429, 503),
                bodies.CITIZEN_CODE,
                secured=False,
            )
        },
        "/api/citizen/sessions": {
            "post": _op(
                "A citizen session for the right code", (201, TOKEN), (400, 503), bodies.CITIZEN_SESSION, secured=False
            )
        },
        "/api/citizen/requests": {
            "get": _op("The citizen's requests", (200, _obj(["requests"], requests={"type": "array"})), CITIZEN),
            "post": _op(
                "A draft for a catalogue service",
                (201, _obj(["id", "status"], id={"type": "string"}, status=STATUS)),
                CITIZEN,
                bodies.CITIZEN_REQUEST,
            ),
        },
        "/api/citizen/requests/{request_id}": {
            "get": _op(
                "One of the citizen's requests, with checklist, files and history",
                (200, citizen_request),
                CITIZEN,
                params=[rid],
            ),
            "patch": _op(
                "Change a draft", (200, citizen_request), (*CITIZEN, 409), bodies.CITIZEN_REQUEST_CHANGE, [rid]
            ),
        },
        "/api/citizen/requests/{request_id}/attachments": {
            "post": _op(
                "Allow a file upload (S3 presigned POST)",
                (201, UPLOAD),
                (*CITIZEN, 409),
                bodies.CITIZEN_ATTACHMENT,
                [rid],
            )
        },
        "/api/citizen/requests/{request_id}/attachments/{attachment_id}": {
            "get": _op("A short-lived download link", (200, LINK), CITIZEN, params=[rid, aid])
        },
        "/api/citizen/requests/{request_id}/submit": {
            "post": _op(
                "Register the request (or send it back after documents were asked for)",
                (
                    200,
                    _obj(
                        ["registrationNumber", "status", "answerDue"],
                        registrationNumber={"type": "string"},
                        status=STATUS,
                        answerDue={"type": "string"},
                    ),
                ),
                (*CITIZEN, 409),
                bodies.EMPTY,
                [rid],
            )
        },
        "/api/citizen/requests/{request_id}/receipt": {
            "get": _receipt_op(rid),
        },
        "/api/citizen/requests/{request_id}/withdraw": {
            "post": _op("Withdraw the request", (200, citizen_request), (*CITIZEN, 409), bodies.EMPTY, [rid])
        },
        "/api/requests/{request_id}/assign": {
            "post": _op("A department takes the request", (200, REQUEST), (*STAFF, 404, 409), bodies.ASSIGN, [rid])
        },
        "/api/requests/{request_id}/attachments": {
            "post": _op(
                "Allow the answer document's upload (PDF)",
                (201, UPLOAD),
                (*STAFF, 404, 409),
                bodies.STAFF_ATTACHMENT,
                [rid],
            )
        },
        "/api/requests/{request_id}/attachments/{attachment_id}": {
            "get": _op("A short-lived link to a file (audited)", (200, LINK), (*STAFF, 404), params=[rid, aid])
        },
        "/api/citizen/requests/{request_id}/dropoff": {
            "post": _op(
                "A drop-off code for a complete file (sent by SMS only: a PIN and a QR link, valid 24 hours)",
                (
                    201,
                    _obj(
                        ["expiresAt"],
                        expiresAt={"type": "integer", "description": "Unix ms"},
                        lockerId={"type": "string"},
                    ),
                ),
                (*CITIZEN, 409),
                bodies.DROPOFF,
                [rid],
            )
        },
        "/api/dropoffs": {
            "get": _op(
                "Dropped-off files still in the lockers, per locker, the oldest first",
                (200, _obj(["lockers"], lockers={"type": "array"})),
                STAFF,
            )
        },
        "/api/requests/{request_id}/empty": {
            "post": _op(
                "The compartment of a dropped-off file was empty: the citizen is asked for the file again",
                (200, REQUEST),
                (*STAFF, 404, 409),
                bodies.EMPTY,
                [rid],
            )
        },
        "/api/requests/{request_id}/ask": {
            "post": _op("Ask the citizen for documents", (200, REQUEST), (*STAFF, 404, 409), bodies.ASK, [rid])
        },
        "/api/requests/{request_id}/answer": {
            "post": _op(
                "Answer: electronically, for pickup, or a refusal",
                (200, REQUEST),
                (*STAFF, 404, 409),
                bodies.ANSWER,
                [rid],
            )
        },
    }


COUNT = {"type": "integer", "minimum": 0}
ANNOUNCEMENT = _obj(
    ["id", "title", "recipients", "counts"],
    id={"type": "string"},
    title={"type": "string"},
    recipients={"type": "integer", "description": "Associations the audience reached when it was written"},
    counts=_obj(
        ["queued", "sent", "failed", "read"],
        queued=COUNT,
        sent=COUNT,
        failed=COUNT,
        unconfirmed={**COUNT, "description": "The worker stopped between the send and its record"},
        read=COUNT,
    ),
    status={"type": "string", "enum": ["scheduled", "released"]},
    channels={"type": "array", "items": {"type": "string"}},
    audience={"type": "object"},
    sendAt={"type": "string", "description": "ISO 8601, Bucharest"},
    createdAt={"type": "string"},
)
INBOX_ENTRY = _obj(
    ["id", "title", "body", "sentAt", "read"],
    id={"type": "string"},
    title={"type": "string"},
    body={"type": "string"},
    sentAt={"type": "string"},
    read={"type": "boolean"},
)


def announcement_paths() -> dict[str, Any]:
    """Announcements to associations (issue 15): staff write and follow them, administrators read them."""
    aid = _path("announcement_id")
    return {
        "/api/announcements": {
            "post": _op(
                "Write an announcement: recorded and queued (or scheduled); the worker sends",
                (202, _obj(["id", "recipients"], id={"type": "string"}, recipients={"type": "integer"})),
                STAFF,
                bodies.ANNOUNCEMENT,
            ),
            "get": _op(
                "The newest announcements with their counts",
                (200, _obj(["announcements"], announcements={"type": "array", "items": ANNOUNCEMENT})),
                STAFF,
            ),
        },
        "/api/announcements/{announcement_id}": {
            "get": _op("An announcement and its delivery counts", (200, ANNOUNCEMENT), (*STAFF, 404), params=[aid])
        },
        "/api/association/inbox": {
            "get": _op(
                "Announcements that reached the signed-in administrator's associations, newest first",
                (200, _obj(["announcements"], announcements={"type": "array", "items": INBOX_ENTRY})),
                STAFF,
            )
        },
        "/api/association/inbox/{announcement_id}/read": {
            "post": {
                **_op("Mark read (once per association)", (204, {}), (*STAFF, 404), bodies.EMPTY, [aid]),
                "responses": {"204": {"description": "Read"}, **_errors(*STAFF, 404)},
            }
        },
    }


def openapi_document(server: str = "/") -> dict[str, Any]:
    rid, lid, cid = _path("request_id"), _path("locker_id"), _path("compartment")
    request_action = _op("Change the request's status", (200, REQUEST), (*STAFF, 404, 409), bodies.EMPTY, [rid])
    paths: dict[str, Any] = {
        "/api/health": {"get": _op("Dependencies' state", (200, {"type": "object"}), (503,), secured=False)},
        **auth_paths(),
        **online_paths(),
        **announcement_paths(),
        **association_paths(),
        "/api/lockers": {
            "get": _op("Lockers", (200, _obj(["lockers"], lockers={"type": "array", "items": LOCKER})), STAFF),
            "post": _op(
                "Register a locker",
                (201, LOCKER),
                (*STAFF, 409),
                bodies.NEW_LOCKER,
            ),
        },
        "/api/lockers/{locker_id}": {
            "get": _op("A locker with its compartments", (200, LOCKER), (*STAFF, 404), params=[lid])
        },
        "/api/lockers/{locker_id}/compartments/{compartment}/open": {
            "post": _op(
                "Force-open a compartment",
                (202, _obj(["command", "compartment"], command={"type": "string"}, compartment={"type": "string"})),
                (*STAFF, 404),
                bodies.FORCE_OPEN,
                [lid, cid],
            )
        },
        "/api/lockers/{locker_id}/held": {
            "get": _op(
                "Compartments still reserved by a closed request (to free with a door cycle)",
                (200, _obj(["compartments"], compartments={"type": "array"})),
                (*STAFF, 404),
                params=[lid],
            )
        },
        "/api/lockers/{locker_id}/compartments/{compartment}/free": {
            "post": _op(
                "Open a compartment held by a closed request; it is freed when its door closes",
                (202, _obj(["command", "compartment"], command={"type": "string"}, compartment={"type": "string"})),
                (*STAFF, 404, 409),
                None,
                [lid, cid],
            )
        },
        "/api/lockers/{locker_id}/compartments/{compartment}/service": {
            "post": _op(
                "Put a compartment in or out of service",
                (200, LOCKER),
                (*STAFF, 404),
                bodies.SERVICE,
                [lid, cid],
            )
        },
        "/api/requests": {
            "get": _op(
                "Queue and search",
                (200, _obj(["requests"], requests={"type": "array", "items": REQUEST})),
                STAFF,
                params=[
                    {"name": "status", "in": "query", "required": False, "schema": STATUS_FILTER},
                    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 100}},
                    {
                        "name": "channel",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["online", ""]},
                    },
                    {
                        "name": "department",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 64},
                    },
                ],
            ),
            "post": _op(
                "Register a request",
                (
                    201,
                    _obj(
                        ["id", "registrationNumber", "status"],
                        id={"type": "string"},
                        registrationNumber={"type": "string"},
                        status=STATUS,
                    ),
                ),
                (*STAFF, 409),
                bodies.NEW_REQUEST,
            ),
        },
        "/api/requests/{request_id}": {
            "get": _op("A request with history and SMS log", (200, REQUEST), (*STAFF, 404), params=[rid])
        },
        "/api/requests/{request_id}/ready": {"post": request_action},
        "/api/requests/{request_id}/counter": {"post": request_action},
        "/api/requests/{request_id}/collect": {"post": request_action},
        "/api/requests/{request_id}/reissue": {"post": request_action},
        "/api/requests/{request_id}/cancel": {
            "post": _op(
                "Cancel",
                (200, REQUEST),
                (*STAFF, 404, 409),
                bodies.CANCEL,
                [rid],
            )
        },
        "/api/requests/{request_id}/deposit": {
            "post": _op(
                "Reserve a compartment and open it",
                (202, _obj(["compartment"], compartment={"type": "string"}, lockerId={"type": "string"})),
                (*STAFF, 404, 409),
                bodies.DEPOSIT,
                [rid],
            )
        },
        "/api/requests/{request_id}/retrieve": {
            "post": _op(
                "Open a compartment to take documents out (an expired request's, or a dropped-off file)",
                (202, _obj(["compartment"], compartment={"type": "string"})),
                (*STAFF, 404, 409),
                bodies.EMPTY,
                [rid],
            )
        },
        "/api/tasks": {
            "get": _op(
                "Staff tasks",
                (
                    200,
                    _obj(
                        ["toRetrieve", "failedSms", "lockerAlerts"],
                        toRetrieve={"type": "array"},
                        failedSms={"type": "array"},
                        phonesToErase={"type": "array"},
                        lockerAlerts={"type": "array"},
                        answersDue={"type": "array", "description": "Online requests due within 5 days, overdue first"},
                        dropoffsWaiting={
                            "type": "array",
                            "description": "Dropped-off files in a compartment for more than a working day",
                        },
                    ),
                ),
                STAFF,
            )
        },
        "/api/jobs/run": {
            "post": _op(
                "Run the scheduled job now: reminders, expiry, command time-outs, SMS retries, phone erasure",
                (200, {"type": "object", "required": list(JOB_REPORT), "properties": JOB_REPORT}),
                (401, 403, 503),
            )
        },
        "/api/openapi.json": {"get": _op("This document", (200, {"type": "object"}), (), secured=False)},
        "/api/services": {
            "get": _op(
                "The services catalogue (public)",
                (200, _obj(["services"], services={"type": "array", "items": SERVICE_SUMMARY})),
                (),
                secured=False,
            )
        },
        "/api/services/{service_id}": {
            "get": _op(
                "One service of the catalogue (public): catalogue/schema.json describes the whole record",
                (200, SERVICE),
                (404,),
                params=[_path("service_id")],
                secured=False,
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ePS2 staff API",
            "version": "1.4.0",
            "description": "Document pickup from the city hall's smart locker (Primăria Sectorului 2). "
            "1.1.0: smsConsent and lockerConsent are required in POST /api/requests (breaking); "
            "held compartments can be listed and freed; every other change is an addition. "
            "1.2.0: sign-in may answer a challenge (new password, authenticator enrolment, 6-digit code) "
            "instead of a token; sign-out, password change and staff accounts; 429 after failed sign-ins. "
            "1.3.0: online requests: the citizen's API under /api/citizen (SMS-code sign-in, drafts, presigned "
            "uploads, submission, downloads, withdrawal) and the office's inbox (GET /api/requests?channel=online), "
            "assign, ask, answer and files; new statuses; additions only. "
            "1.4.0: GET /api/citizen/requests/{request_id}/receipt, the registration receipt as a PDF; staff "
            "roles may be department and dept:<id> for a catalogue department.",
        },
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
