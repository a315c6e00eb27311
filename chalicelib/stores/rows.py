"""The rows of ePS2's tables as plain dataclasses: what stores return and services read.

One dataclass per table, with the attribute names of the table (docs/data-model.md) and a ``TABLE``
spec (name, keys, indexes) that both storage engines read. TTL attributes are Unix seconds here.
Services never see pynamodb: ``storage/dynamo_tables.py`` converts between these and its models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Index:
    hash: str
    range: str | None = None
    keys_only: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    hash: str
    range: str | None = None
    indexes: dict[str, Index] = field(default_factory=dict)
    ttl: str | None = None  # the TTL attribute, in Unix seconds


@dataclass
class Request:
    TABLE: ClassVar[TableSpec] = TableSpec(
        "requests",
        "id",
        indexes={
            "status-due": Index("status", "due_at"),
            "registration": Index("registration_number", keys_only=True),
            "owner": Index("owner", "created_at"),
        },
    )
    id: str
    registration_number: str = ""
    status: str = ""
    due_at: int = 0
    citizen_name: str = ""
    documents: str = ""
    size: str = "S"
    accessible: bool = False
    locker_consent: bool = True
    sms_consent: bool = True
    phone_mask: str | None = None
    channel: str | None = None
    created_at: int = 0
    updated_at: int = 0
    created_by: str | None = None
    locker_id: str | None = None
    compartment: str | None = None
    deposit_cmd: str | None = None
    pickup_cmd: str | None = None
    retrieve_cmd: str | None = None
    deadline: int | None = None
    qr_key: str | None = None
    reminder_sent_at: int | None = None
    extended_at: int | None = None
    expiry_notified_at: int | None = None
    closed_at: int | None = None
    phone_erased_at: int | None = None
    # online requests and drop-off (issues 13, 14); a desk pickup request has none of these
    service_id: str | None = None  # the catalogue service
    intake: str | None = None  # online | locker; absent: desk
    delivery: str | None = None  # electronic | locker | counter
    answers: dict[str, Any] | None = None  # the service's questions answered
    bring_original: list[str] | None = None  # documents the citizen will show in original instead of attaching
    owner: str | None = None  # keyed hash of the verified phone: the citizen's requests, after the phone is erased
    department: str | None = None  # the department working it (the service's)
    assignee: str | None = None
    registered_at: int | None = None
    answer_due: str | None = None  # ISO date in Bucharest: the legal deadline for the answer
    asked: dict[str, Any] | None = None  # the office's last request for documents: documents, message, at
    outcome_reason: str | None = None  # why it was rejected
    answer_attachment: str | None = None  # the answer document (electronic delivery)
    files_deleted_at: int | None = None  # the retention rule deleted its files (the record stays: the registry)
    # drop-off at the locker (issue 14)
    dropoff_key: str | None = None  # the QR credential of the live drop-off code (its PIN is the sibling)
    dropoff_documents: list[str] | None = None  # the documents the citizen said are in the envelope
    dropoff_expires: int | None = None  # when the live drop-off code stops opening a compartment
    dropoff_cmd: str | None = None  # the unlock that opened a compartment for the file
    dropped_at: int | None = None  # the door closed on the file (the proof of submission)
    collect_from: str | None = None  # the locker holding the file until staff take it out
    found_empty_at: int | None = None  # staff opened the compartment and found nothing


@dataclass
class Attachment:
    """A file of a request in the private bucket: a citizen's document or the office's answer."""

    TABLE: ClassVar[TableSpec] = TableSpec("attachments", "request_id", "id")
    request_id: str
    id: str
    kind: str = "citizen"  # citizen | answer
    document_id: str | None = None  # the catalogue document it stands for (citizen files)
    file_name: str = ""
    content_type: str = ""
    size: int = 0
    key: str = ""  # the object's key in the bucket
    status: str = "pending"  # pending (upload allowed) | stored (checked) | refused
    refusal: str | None = None
    created_at: int = 0
    created_by: str | None = None
    checked_at: int | None = None


@dataclass
class Contact:
    TABLE: ClassVar[TableSpec] = TableSpec("contacts", "request_id", ttl="erase_at")
    request_id: str
    phone: str = ""
    sms_consent: bool = True
    locker_consent: bool = True
    consent_recorded_at: int = 0
    erase_at: int | None = None


@dataclass
class LockerRow:
    """One item of a locker's partition: ``#meta``, ``#keypad``, ``C#<compartment>`` or ``R#<nonce>``."""

    TABLE: ClassVar[TableSpec] = TableSpec(
        "lockers", "locker_id", "item", indexes={"lockers": Index("kind", "locker_id")}, ttl="ttl"
    )
    locker_id: str
    item: str
    kind: str | None = None
    name: str | None = None
    location: str | None = None
    online: bool | None = None
    boot: str | None = None
    last_seen: int | None = None
    status_ts: int | None = None
    agent_version: str | None = None
    clock_offset_ms: int | None = None
    size: str | None = None
    accessible: bool | None = None
    enabled: bool | None = None
    request_id: str | None = None
    door: str | None = None
    occupied: bool | None = None
    door_boot: str | None = None
    door_seq: int | None = None
    door_ts: int | None = None
    closed_cmd: str | None = None
    release_on: str | None = None
    failures: int | None = None
    last_failure_at: int | None = None
    attack_until: int | None = None
    revision: int | None = None
    revoked_until: int | None = None
    ttl: int | None = None


@dataclass
class Credential:
    TABLE: ClassVar[TableSpec] = TableSpec(
        "credentials", "code_key", indexes={"unconfirmed": Index("unconfirmed", "used_at")}, ttl="ttl"
    )
    code_key: str
    request_id: str = ""
    locker_id: str = ""
    compartment: str = ""
    expires_at: int = 0
    used_at: int | None = None
    revoked: bool = False
    sibling: str | None = None
    sealed_pin: str | None = None
    offline_nonce: str | None = None
    deposit_cmd: str | None = None
    phone_digits: str | None = None
    verifier: dict[str, Any] | None = None
    purpose: str | None = None  # None: a pickup code; "dropoff": opens a free compartment for a citizen's file
    claimed_cmd: str | None = None
    claimed_event: str | None = None
    unconfirmed: str | None = None
    ttl: int | None = None


@dataclass
class LockerEventRow:
    TABLE: ClassVar[TableSpec] = TableSpec("locker-events", "locker_id", "event_id", ttl="ttl")
    locker_id: str
    event_id: str
    type: str = ""
    ts: int = 0
    received_at: int = 0
    payload: dict[str, Any] | None = None
    outcome: str | None = None
    ttl: int | None = None


@dataclass
class CommandRow:
    TABLE: ClassVar[TableSpec] = TableSpec("commands", "id", indexes={"pending": Index("pending", "exp")}, ttl="ttl")
    id: str
    locker_id: str = ""
    type: str = ""
    compartment: str | None = None
    purpose: str | None = None
    request_id: str | None = None
    iat: int = 0
    exp: int = 0
    status: str = "sent"
    reason: str | None = None
    pending: str | None = None
    credential_key: str | None = None
    offline_nonce: str | None = None  # a pickup's: the offline credential its door closing revokes
    offline_until: int | None = None  # that credential's expiry (ms)
    ttl: int | None = None


@dataclass
class AuditRow:
    TABLE: ClassVar[TableSpec] = TableSpec("audit", "subject", "at_id")
    subject: str
    at_id: str
    actor: str = ""
    action: str = ""
    detail: dict[str, Any] | None = None


@dataclass
class NotificationRow:
    TABLE: ClassVar[TableSpec] = TableSpec(
        "notifications", "request_id", "id", indexes={"status-created": Index("status", "created_at")}
    )
    request_id: str
    id: str
    to_masked: str = ""
    template: str = ""
    segments: int = 0
    status: str = ""
    attempts: int = 0
    sns_message_id: str | None = None
    error: str | None = None
    created_at: int = 0


@dataclass
class AnnouncementRow:
    """An announcement to associations (issue 15); its audience, resolved when it was written, is kept apart
    (``AnnouncementPart``) so this item stays small: ``sent``, ``failed``, ``unconfirmed`` and ``read`` count
    deliveries, each added once, in the transaction that finishes (or reads) a delivery."""

    TABLE: ClassVar[TableSpec] = TableSpec(
        "announcements",
        "id",
        indexes={"status-send": Index("status", "send_at"), "list": Index("kind", "created_at")},
    )
    id: str
    kind: str = "announcement"
    title: str = ""
    body: str = ""
    audience: dict[str, Any] | None = None
    channels: list[str] = field(default_factory=list)
    status: str = "scheduled"  # scheduled (waits for send_at) | released (its deliveries are queued)
    send_at: int = 0
    created_at: int = 0
    created_by: str = ""
    released_at: int | None = None
    origin: str | None = None  # None: written by staff; "reminder": a filing deadline's reminder
    recipients: int = 0
    parts: int = 0
    sent: int = 0
    failed: int = 0
    unconfirmed: int = 0
    read: int = 0


@dataclass
class AnnouncementPart:
    """One slice of an announcement's recipients (at most ``SLICE`` CUIs, ~6 KB): what one expand message reads."""

    TABLE: ClassVar[TableSpec] = TableSpec("announcement-parts", "announcement_id", "part")
    announcement_id: str
    part: str
    cuis: list[str] = field(default_factory=list)


@dataclass
class DeliveryRow:
    """An announcement's delivery to one association: one claim per channel (``email``, ``sms``: sending ->
    sent | failed | unconfirmed) and its outcome (``status``); the association's inbox through ``association``."""

    TABLE: ClassVar[TableSpec] = TableSpec(
        "deliveries", "announcement_id", "cui", indexes={"association": Index("cui", "released_at")}
    )
    announcement_id: str
    cui: str
    released_at: int = 0
    status: str = "queued"  # queued | sent | failed | unconfirmed
    email: str | None = None
    email_at: int | None = None
    email_by: str | None = None  # the claim's own random token: a claim retried by the client is recognised
    email_id: str | None = None
    sms: str | None = None
    sms_at: int | None = None
    sms_by: str | None = None
    sms_id: str | None = None
    error: str | None = None  # the provider's error code (no address)
    finished_at: int | None = None
    read_at: int | None = None
    read_by: str | None = None


@dataclass
class Verification:
    TABLE: ClassVar[TableSpec] = TableSpec("verifications", "id", ttl="ttl")
    id: str
    request_id: str | None = None
    code_hash: str | None = None
    expires_at: int = 0
    attempts: int = 0
    ttl: int | None = None


@dataclass
class Counter:
    TABLE: ClassVar[TableSpec] = TableSpec("counters", "key", ttl="ttl")
    key: str
    value: int | None = None
    owner: str | None = None
    ttl: int | None = None  # windows and job runs only (Unix seconds); sequences and number claims stay


@dataclass
class StaffRow:
    TABLE: ClassVar[TableSpec] = TableSpec("staff", "username")
    username: str
    password_hash: str = ""
    roles: list[str] = field(default_factory=list)
    display_name: str | None = None
    enabled: bool | None = None
    must_change_password: bool | None = None
    mfa_required: bool | None = None
    totp_secret: str | None = None
    totp_last_step: int | None = None


@dataclass
class SessionRow:
    TABLE: ClassVar[TableSpec] = TableSpec(
        "sessions", "id", indexes={"user": Index("username", keys_only=True)}, ttl="ttl"
    )
    id: str
    kind: str = ""
    username: str = ""
    roles: list[str] | None = None
    display_name: str | None = None
    client: str | None = None
    created_at: int = 0
    last_seen: int | None = None
    expires_at: int = 0
    checked_at: int | None = None
    challenge: str | None = None
    state: dict[str, Any] | None = None
    secret: str | None = None
    buckets: list[str] | None = None
    failures: int | None = None
    ttl: int | None = None


@dataclass
class SignInAttempt:
    TABLE: ClassVar[TableSpec] = TableSpec("sign-in-attempts", "key", ttl="ttl")
    key: str
    slots: list[int] | None = None
    version: int | None = None
    ttl: int | None = None


@dataclass
class AssociationRow:
    """A homeowners' association of the registry (issue 15). ``kind`` and ``directory_key`` put every
    association in the ``directory`` index, in the public directory's order (street, number, block)."""

    TABLE: ClassVar[TableSpec] = TableSpec(
        "associations",
        "cui",
        indexes={
            "directory": Index("kind", "directory_key"),
            "certificate": Index("administrator_certificate", "cui"),
            "registry": Index("kind", "registry_key", keys_only=True),
        },
    )
    cui: str
    kind: str = "association"
    directory_key: str = ""
    registry_key: str = ""  # street, name, cui, digest of the data, updated_at: the registry in a small keys-only read
    name: str = ""
    street: str = ""
    number: str = ""
    block: str | None = None
    staircases: list[str] = field(default_factory=list)
    apartments: int = 0
    lifts: int = 0
    legal_since: str | None = None  # ISO date
    administrator_name: str | None = None  # personal data: staff and the association's own accounts only
    administrator_certificate: str | None = None
    administrator_certificate_expiry: str | None = None  # ISO date
    president_name: str | None = None  # personal data
    email: str | None = None  # personal data
    phone: str | None = None  # personal data, E.164
    created_at: int = 0
    updated_at: int = 0


@dataclass
class AssociationAccount:
    """An account (username) allowed to act for an association; an administrator may manage several."""

    TABLE: ClassVar[TableSpec] = TableSpec(
        "association-accounts", "username", "cui", indexes={"by-cui": Index("cui", "username")}
    )
    username: str
    cui: str
    linked_at: int = 0
    linked_by: str | None = None


@dataclass
class FilingMark:
    """A registered filing of an association, by type: the staff's lists by type and status, and who filed
    for a period (``entry`` is ``<period or ->#<cui>#<request id>``; the filing itself is a request)."""

    TABLE: ClassVar[TableSpec] = TableSpec("association-filings", "type", "entry")
    type: str
    entry: str
    cui: str = ""
    period: str | None = None
    request_id: str = ""
    status: str = ""
    registration_number: str = ""
    registered_at: int = 0
    name: str = ""  # the association's name (public)


@dataclass
class FilingDeadline:
    """The statutory due date the department set for a filing type and period."""

    TABLE: ClassVar[TableSpec] = TableSpec("association-deadlines", "type", "period")
    type: str
    period: str
    due: str = ""  # ISO date
    set_by: str | None = None
    set_at: int = 0


ALL_ROWS: tuple[type, ...] = (
    Request,
    AnnouncementRow,
    AnnouncementPart,
    DeliveryRow,
    Attachment,
    Contact,
    LockerRow,
    Credential,
    LockerEventRow,
    CommandRow,
    AuditRow,
    NotificationRow,
    Verification,
    Counter,
    StaffRow,
    SessionRow,
    SignInAttempt,
    AssociationRow,
    AssociationAccount,
    FilingMark,
    FilingDeadline,
)
