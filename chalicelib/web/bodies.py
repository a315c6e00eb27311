"""The JSON body of every staff API route, described once: ``app.py`` parses with these, the OpenAPI document
publishes them. ``EMPTY`` is for routes that take no field: it refuses any."""

from __future__ import annotations

from ..domain.compartments import SIZES
from ..domain.signin import CHALLENGES, PASSWORD_MAX, PASSWORD_MIN
from ..filing_types import IDS as FILING_TYPE_IDS
from ..services.lockers import COMPARTMENT_RE, ID_RE, MAX_COMPARTMENTS
from ..services.staff_accounts import USERNAME_RE
from .schema import Body, Field

NON_BLANK = r"\S"
EMPTY = Body()

LOGIN = Body(
    Field("username", str, required=True, min_length=1, max_length=128),
    Field("password", str, required=True, min_length=1, max_length=PASSWORD_MAX),
)

CHALLENGE = Body(
    Field("session", str, required=True, max_length=128, description="The `session` of the previous answer"),
    Field("challenge", str, required=True, enum=CHALLENGES, description="The challenge being answered"),
    Field("newPassword", str, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX, description="NEW_PASSWORD_REQUIRED"),
    Field("code", str, pattern=r"^[0-9]{6}$", description="MFA_SETUP, SOFTWARE_TOKEN_MFA: the authenticator's code"),
)

PASSWORD_CHANGE = Body(
    Field("currentPassword", str, required=True, min_length=1, max_length=PASSWORD_MAX),
    Field("newPassword", str, required=True, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX),
)

STAFF_ROLES_DESCRIPTION = 'One or more of "clerk", "admin"'

NEW_STAFF = Body(
    Field("username", str, required=True, pattern=f"^{USERNAME_RE.pattern}$"),
    Field(
        "temporaryPassword",
        str,
        required=True,
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        description="Changed at first sign-in",
    ),
    Field("roles", list, required=True, description=STAFF_ROLES_DESCRIPTION),
    Field("displayName", str, max_length=200),
)

STAFF_ENABLED = Body(Field("enabled", bool, required=True, description="false ends the account's sessions at once"))

STAFF_ROLES = Body(
    Field("roles", list, required=True, description=f"{STAFF_ROLES_DESCRIPTION}; removing one ends the sessions")
)

COMPARTMENT = Body(
    Field("id", str, required=True, pattern=COMPARTMENT_RE.pattern, description="Letter and two digits, as A01"),
    Field("size", str, required=True, enum=SIZES),
    Field("accessible", bool, description="Reachable from a wheelchair; false when left out"),
)

NEW_LOCKER = Body(
    Field("id", str, required=True, pattern=ID_RE.pattern),
    Field("name", str, required=True, pattern=NON_BLANK, max_length=200),
    Field("location", str, required=True, pattern=NON_BLANK, max_length=200),
    Field("compartments", list, required=True, items=COMPARTMENT, min_items=1, max_items=MAX_COMPARTMENTS),
)

FORCE_OPEN = Body(
    Field("reason", str, required=True, pattern=NON_BLANK, max_length=300, description="Kept in the audit log"),
)

SERVICE = Body(Field("enabled", bool, required=True, description="false puts the compartment out of service"))

NEW_REQUEST = Body(
    Field("citizenName", str, required=True),
    Field("phone", str, required=True, description="For the SMS: 07xx xxx xxx, or with the country prefix"),
    Field("documents", str, required=True, description="What the city hall hands over"),
    Field("size", str, enum=SIZES, description="Smallest compartment that fits; S when left out"),
    Field("accessible", bool, description="Needs a compartment reachable from a wheelchair"),
    Field("registrationNumber", str, description="The desk's own number; a new one is given when left out"),
    Field("smsConsent", bool, required=True),
    Field("lockerConsent", bool, required=True),
)

CANCEL = Body(Field("reason", str, description="Kept in the request's history"))

DEPOSIT = Body(Field("lockerId", str, required=True))

# Citizens (online requests, issue 13)
PHONE = Field("phone", str, required=True, max_length=32, description="National (07…) or E.164 (+40…)")
CITIZEN_CODE = Body(PHONE)
CITIZEN_SESSION = Body(PHONE, Field("code", str, required=True, pattern=r"^[0-9]{6}$", description="The SMS code"))
_ANSWERS = Field("answers", dict, description="The service's questions answered, by question id")
_DELIVERY = Field("delivery", str, enum=("electronic", "locker", "counter"), description="How the answer comes")
_BRING = Field("bringOriginal", list, description="Ids of documents the citizen will show in original")
CITIZEN_REQUEST = Body(
    Field("serviceId", str, required=True, max_length=64, description="A catalogue service offered online"),
    _ANSWERS,
    _DELIVERY,
    _BRING,
    Field("intake", str, enum=("online", "locker"), description="online (default) or locker (drop-off)"),
)
CITIZEN_REQUEST_CHANGE = Body(_ANSWERS, _DELIVERY, _BRING)
_FILE = (
    Field("fileName", str, required=True, min_length=1, max_length=255),
    Field("contentType", str, required=True, enum=("application/pdf", "image/jpeg", "image/png")),
    Field("size", int, required=True, description="Bytes; at most 10 MB a file and 30 MB a request"),
)
CITIZEN_ATTACHMENT = Body(
    Field("documentId", str, required=True, max_length=64, description="The checklist document this file is"),
    *_FILE,
)
STAFF_ATTACHMENT = Body(*_FILE)
DROPOFF = Body(
    Field("lockerId", str, required=True, max_length=64, description="The locker the file will be dropped into"),
    Field("size", str, required=True, enum=SIZES, description="The envelope: S up to 8 cm, M 19 cm, L 39 cm thick"),
    Field("documents", list, required=True, description="Ids of the checklist documents in the envelope"),
)
ASSIGN = Body(Field("department", str, required=True, max_length=64, description="The service's department id"))
ASK = Body(
    Field("documents", list, required=True, description="Checklist document ids"),
    Field("message", str, max_length=1000, description="What is missing, in words"),
)
ANSWER = Body(
    Field("outcome", str, required=True, enum=("answered", "ready", "rejected")),
    Field("attachmentId", str, max_length=64, description="answered: the uploaded answer PDF"),
    Field("reason", str, max_length=1000, description="rejected: why"),
)

# Associations' registry (issue 15): an edit names only the fields it changes; "" clears an optional one.
_ASSOCIATION_TEXT = ("name", "street", "number", "block", "legalSince", "administratorName")
ASSOCIATION_EDIT = Body(
    *(Field(name, str, max_length=200) for name in _ASSOCIATION_TEXT),
    Field("staircases", list, max_items=20, description='Staircase names, as ["A", "B"]'),
    Field("apartments", int, description="At least 1"),
    Field("lifts", int, description="The number of lifts, 0 or more"),
    Field("administratorCertificate", str, max_length=40),
    Field("administratorCertificateExpiry", str, max_length=10, description="ISO date, as 2028-12-31"),
    Field("presidentName", str, max_length=120),
    Field("email", str, max_length=200),
    Field("phone", str, max_length=30, description="National (07xx xxx xxx) or E.164"),
)
ASSOCIATION_ACCOUNT = Body(
    Field("username", str, required=True, pattern=f"^{USERNAME_RE.pattern}$", description="An `association` account")
)

# Announcements to associations (issue 15)
ANNOUNCEMENT = Body(
    Field("title", str, required=True, min_length=1, max_length=150, description="One line; the e-mail's subject"),
    Field("body", str, required=True, min_length=1, max_length=10_000, description="Plain text"),
    Field(
        "audience",
        dict,
        required=True,
        description='{"all": true} alone, or any of {"streets": [...]}, {"cuis": [...]}, {"lifts": true} '
        '(at least one lift), {"minApartments": N}: filters given together combine with AND',
    ),
    Field("channels", list, required=True, description='A non-empty subset of "email", "sms", "portal"'),
    Field("sendAt", str, description="ISO 8601 (Bucharest time without an offset); left out: now"),
    max_bytes=96 * 1024,
)
# Associations' filings (issue 15)
FILING = Body(
    Field("cui", str, required=True, max_length=12, description="One of the account's associations"),
    Field("type", str, required=True, enum=FILING_TYPE_IDS, description="GET /api/association/filing-types"),
    Field("answers", dict, description="The type's questions answered (a draft may be half-done)"),
)
FILING_ANSWERS = Body(Field("answers", dict, required=True, description="Merged into the draft's answers"))
FILING_REJECT = Body(Field("reason", str, required=True, max_length=1000))
FILING_DEADLINE = Body(
    Field("type", str, required=True, enum=FILING_TYPE_IDS),
    Field("period", str, required=True, max_length=10, description="2026-S1 / 2026-S2 (half-year) or 2026 (year)"),
    Field("due", str, required=True, max_length=10, description="ISO date, as 2026-07-31"),
)
