"""pynamodb models, one per table, designed from the access patterns in docs/data-model.md.

Table names and the endpoint are bound once by ``bind``: from config on AWS,
to the local emulator on the local stage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from ..config import Settings


def ttl_at(epoch_seconds: int) -> datetime:
    """A TTLAttribute value for a Unix time in seconds."""
    return datetime.fromtimestamp(epoch_seconds, UTC)


class _Base(Model):
    class Meta:
        abstract = True
        table_name = ""
        region = "eu-central-1"
        host: str | None = None
        billing_mode = "PAY_PER_REQUEST"
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 2


class StatusDueIndex(GlobalSecondaryIndex["RequestRecord"]):
    """Requests by status, ordered by due_at: the queue, reminders, expiry and erasure jobs."""

    class Meta:
        index_name = "status-due"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class RegistrationIndex(GlobalSecondaryIndex["RequestRecord"]):
    """Requests by registration number: search at the desk and the citizen's status page."""

    class Meta:
        index_name = "registration"
        projection = KeysOnlyProjection()

    registration_number = UnicodeAttribute(hash_key=True)


class OwnerIndex(GlobalSecondaryIndex["RequestRecord"]):
    """Sparse: a citizen's online requests (by the keyed hash of the verified phone), newest last."""

    class Meta:
        index_name = "owner"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class RequestRecord(_Base):
    class Meta(_Base.Meta):
        table_name = "requests"

    id = UnicodeAttribute(hash_key=True)
    registration_number = UnicodeAttribute()
    status = UnicodeAttribute()
    due_at = NumberAttribute()
    citizen_name = UnicodeAttribute()
    documents = UnicodeAttribute()
    size = UnicodeAttribute(default="S")
    accessible = BooleanAttribute(default=False)
    locker_consent = BooleanAttribute(default=True)
    sms_consent = BooleanAttribute(default=True)
    phone_mask = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    created_by = UnicodeAttribute(null=True)
    locker_id = UnicodeAttribute(null=True)
    compartment = UnicodeAttribute(null=True)
    deposit_cmd = UnicodeAttribute(null=True)
    pickup_cmd = UnicodeAttribute(null=True)
    retrieve_cmd = UnicodeAttribute(null=True)
    deadline = NumberAttribute(null=True)
    qr_key = UnicodeAttribute(null=True)
    reminder_sent_at = NumberAttribute(null=True)
    extended_at = NumberAttribute(null=True)  # the citizen moved the pickup deadline (once)
    expiry_notified_at = NumberAttribute(null=True)
    closed_at = NumberAttribute(null=True)
    phone_erased_at = NumberAttribute(null=True)
    service_id = UnicodeAttribute(null=True)
    intake = UnicodeAttribute(null=True)
    delivery = UnicodeAttribute(null=True)
    answers = JSONAttribute(null=True)
    bring_original: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, null=True)
    owner = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    registered_at = NumberAttribute(null=True)
    answer_due = UnicodeAttribute(null=True)
    asked = JSONAttribute(null=True)
    outcome_reason = UnicodeAttribute(null=True)
    answer_attachment = UnicodeAttribute(null=True)
    files_deleted_at = NumberAttribute(null=True)
    dropoff_key = UnicodeAttribute(null=True)
    dropoff_documents: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, null=True)
    dropoff_expires = NumberAttribute(null=True)
    dropoff_cmd = UnicodeAttribute(null=True)
    dropped_at = NumberAttribute(null=True)
    collect_from = UnicodeAttribute(null=True)
    found_empty_at = NumberAttribute(null=True)
    by_status_due = StatusDueIndex()
    by_registration = RegistrationIndex()
    by_owner = OwnerIndex()


class AttachmentRecord(_Base):
    """A file of a request in the private bucket (the object itself never passes through the Lambda)."""

    class Meta(_Base.Meta):
        table_name = "attachments"

    request_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(default="citizen")
    document_id = UnicodeAttribute(null=True)
    file_name = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    key = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")
    refusal = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    created_by = UnicodeAttribute(null=True)
    checked_at = NumberAttribute(null=True)


class ContactRecord(_Base):
    """The citizen's phone, apart from the request so TTL can erase it while the record stays."""

    class Meta(_Base.Meta):
        table_name = "contacts"

    request_id = UnicodeAttribute(hash_key=True)
    phone = UnicodeAttribute()
    sms_consent = BooleanAttribute(default=True)
    locker_consent = BooleanAttribute(default=True)
    consent_recorded_at = NumberAttribute()
    erase_at = TTLAttribute(null=True)


class LockerListIndex(GlobalSecondaryIndex["LockerItem"]):
    """Sparse: only ``#meta`` items carry ``kind``, so this lists lockers without a Scan."""

    class Meta:
        index_name = "lockers"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    locker_id = UnicodeAttribute(range_key=True)


class LockerItem(_Base):
    """A locker's items: ``#meta`` (name, liveness), ``C#<id>`` (a compartment), ``#keypad`` (lock-out),
    ``R#<nonce>`` (a revoked offline credential, pushed to the locker whenever it comes online)."""

    class Meta(_Base.Meta):
        table_name = "lockers"

    locker_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    # meta
    kind = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    location = UnicodeAttribute(null=True)
    online = BooleanAttribute(null=True)
    boot = UnicodeAttribute(null=True)
    last_seen = NumberAttribute(null=True)
    status_ts = NumberAttribute(null=True)
    agent_version = UnicodeAttribute(null=True)
    clock_offset_ms = NumberAttribute(null=True)  # the locker's clock minus ours, from its heartbeat
    # compartment
    size = UnicodeAttribute(null=True)
    accessible = BooleanAttribute(null=True)
    enabled = BooleanAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    door = UnicodeAttribute(null=True)
    occupied = BooleanAttribute(null=True)
    door_boot = UnicodeAttribute(null=True)
    door_seq = NumberAttribute(null=True)
    door_ts = NumberAttribute(null=True)
    closed_cmd = UnicodeAttribute(null=True)  # the command whose door cycle closed it last
    release_on = UnicodeAttribute(null=True)  # free the compartment when this command's door cycle closes
    # keypad (domain/keypad.py)
    failures = NumberAttribute(null=True)
    last_failure_at = NumberAttribute(null=True)
    attack_until = NumberAttribute(null=True)
    revision = NumberAttribute(null=True)
    # revoked offline credential
    revoked_until = NumberAttribute(null=True)
    ttl = TTLAttribute(null=True)
    by_kind = LockerListIndex()


class UnconfirmedClaimIndex(GlobalSecondaryIndex["CredentialRecord"]):
    """Sparse: codes claimed at the locker whose bookkeeping has not been written yet, for the job."""

    class Meta:
        index_name = "unconfirmed"
        projection = AllProjection()

    unconfirmed = UnicodeAttribute(hash_key=True)
    used_at = NumberAttribute(range_key=True)


class CredentialRecord(_Base):
    """A pickup code by its keyed hash: ``pin#<locker>#<hmac>`` or ``qr#<hmac>``."""

    class Meta(_Base.Meta):
        table_name = "credentials"

    code_key = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute()
    locker_id = UnicodeAttribute()
    compartment = UnicodeAttribute()
    expires_at = NumberAttribute()
    used_at = NumberAttribute(null=True)
    revoked = BooleanAttribute(default=False)
    sibling = UnicodeAttribute(null=True)
    sealed_pin = UnicodeAttribute(null=True)
    offline_nonce = UnicodeAttribute(null=True)
    deposit_cmd = UnicodeAttribute(null=True)  # the deposit this code's compartment content came from
    phone_digits = UnicodeAttribute(null=True)  # keyed hash of the last 4 phone digits (PIN credential)
    verifier = JSONAttribute(null=True)  # the offline PIN verifier sent to the locker (PIN credential)
    purpose = UnicodeAttribute(null=True)  # None: pickup; "dropoff": opens a free compartment for a file
    claimed_cmd = UnicodeAttribute(null=True)  # the unlock this code's claim published
    claimed_event = UnicodeAttribute(null=True)  # the locker event that claimed it
    unconfirmed = UnicodeAttribute(null=True)  # "1" from the claim until its bookkeeping is written
    ttl = TTLAttribute(null=True)
    by_unconfirmed = UnconfirmedClaimIndex()


class LockerEventRecord(_Base):
    """Every locker event as received: the idempotency guard (locker + event id) and the locker's audit trail."""

    class Meta(_Base.Meta):
        table_name = "locker-events"

    locker_id = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()
    ts = NumberAttribute()
    received_at = NumberAttribute()
    payload = JSONAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    ttl = TTLAttribute(null=True)


class PendingCommandIndex(GlobalSecondaryIndex["CommandRecord"]):
    """Sparse: commands still waiting for an ack, by expiry, for the timeout job."""

    class Meta:
        index_name = "pending"
        projection = AllProjection()

    pending = UnicodeAttribute(hash_key=True)
    exp = NumberAttribute(range_key=True)


class CommandRecord(_Base):
    class Meta(_Base.Meta):
        table_name = "commands"

    id = UnicodeAttribute(hash_key=True)
    locker_id = UnicodeAttribute()
    type = UnicodeAttribute()
    compartment = UnicodeAttribute(null=True)
    purpose = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    iat = NumberAttribute()
    exp = NumberAttribute()
    status = UnicodeAttribute(default="sent")
    reason = UnicodeAttribute(null=True)
    pending = UnicodeAttribute(null=True)
    credential_key = UnicodeAttribute(null=True)
    offline_nonce = UnicodeAttribute(null=True)
    offline_until = NumberAttribute(null=True)
    ttl = TTLAttribute(null=True)
    by_pending = PendingCommandIndex()


class AuditRecord(_Base):
    """Who (clerk or locker) did what, when, to a request or a locker."""

    class Meta(_Base.Meta):
        table_name = "audit"

    subject = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    detail = JSONAttribute(null=True)


class FailedNotificationIndex(GlobalSecondaryIndex["NotificationRecord"]):
    class Meta:
        index_name = "status-created"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class NotificationRecord(_Base):
    """One SMS: recipient (masked), template, segments, SNS message id, status and attempts."""

    class Meta(_Base.Meta):
        table_name = "notifications"

    request_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    to_masked = UnicodeAttribute()
    template = UnicodeAttribute()
    segments = NumberAttribute()
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    sns_message_id = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    by_status = FailedNotificationIndex()


class AnnouncementSendIndex(GlobalSecondaryIndex["AnnouncementRecord"]):
    """Announcements by status, by send time: the scheduled job releases the due ones."""

    class Meta:
        index_name = "status-send"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    send_at = NumberAttribute(range_key=True)


class AnnouncementListIndex(GlobalSecondaryIndex["AnnouncementRecord"]):
    """Every announcement newest first, for the console's list (one ``kind``)."""

    class Meta:
        index_name = "list"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class AnnouncementRecord(_Base):
    """An announcement to homeowners' associations, its resolved audience and its delivery counts."""

    class Meta(_Base.Meta):
        table_name = "announcements"

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="announcement")
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    audience = JSONAttribute(null=True)
    channels: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, null=True)
    status = UnicodeAttribute()
    send_at = NumberAttribute()
    created_at = NumberAttribute()
    created_by = UnicodeAttribute()
    released_at = NumberAttribute(null=True)
    origin = UnicodeAttribute(null=True)
    recipients = NumberAttribute(default=0)
    parts = NumberAttribute(default=0)
    sent = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    unconfirmed = NumberAttribute(default=0)
    read = NumberAttribute(default=0)
    by_status_send = AnnouncementSendIndex()
    by_list = AnnouncementListIndex()


class AnnouncementPartRecord(_Base):
    """A slice of an announcement's recipients by CUI, apart from the announcement so its counts stay small."""

    class Meta(_Base.Meta):
        table_name = "announcement-parts"

    announcement_id = UnicodeAttribute(hash_key=True)
    part = UnicodeAttribute(range_key=True)
    cuis: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, null=True)


class DeliveryInboxIndex(GlobalSecondaryIndex["DeliveryRecord"]):
    """An association's deliveries, oldest first: its inbox."""

    class Meta:
        index_name = "association"
        projection = AllProjection()

    cui = UnicodeAttribute(hash_key=True)
    released_at = NumberAttribute(range_key=True)


class DeliveryRecord(_Base):
    """An announcement's delivery to one association: per-channel claims, outcome, provider ids, read mark."""

    class Meta(_Base.Meta):
        table_name = "deliveries"

    announcement_id = UnicodeAttribute(hash_key=True)
    cui = UnicodeAttribute(range_key=True)
    released_at = NumberAttribute()
    status = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    email_at = NumberAttribute(null=True)
    email_by = UnicodeAttribute(null=True)
    email_id = UnicodeAttribute(null=True)
    sms = UnicodeAttribute(null=True)
    sms_at = NumberAttribute(null=True)
    sms_by = UnicodeAttribute(null=True)
    sms_id = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    finished_at = NumberAttribute(null=True)
    read_at = NumberAttribute(null=True)
    read_by = UnicodeAttribute(null=True)
    by_association = DeliveryInboxIndex()


class VerificationRecord(_Base):
    """A 5-digit code sent by SMS so a citizen can see a request's status; expires in 15 minutes."""

    class Meta(_Base.Meta):
        table_name = "verifications"

    id = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute(null=True)
    code_hash = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()
    attempts = NumberAttribute(default=0)
    ttl = TTLAttribute(null=True)


class CounterRecord(_Base):
    """Registration sequences (``seq#PS2-2026``), uniqueness claims (``regno#<number>``), and rate-limit
    windows and job runs, which expire (``ttl``)."""

    class Meta(_Base.Meta):
        table_name = "counters"

    key = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    ttl = TTLAttribute(null=True)


class StaffRecord(_Base):
    """Staff accounts of the local stage; on AWS the Cognito user pool holds them."""

    class Meta(_Base.Meta):
        table_name = "staff"

    username = UnicodeAttribute(hash_key=True)
    password_hash = UnicodeAttribute()
    roles: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute)
    display_name = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(null=True)  # absent: enabled
    must_change_password = BooleanAttribute(null=True)  # signed in with a temporary password
    mfa_required = BooleanAttribute(null=True)  # must enrol an authenticator app (the demo accounts need not)
    totp_secret = UnicodeAttribute(null=True)
    totp_last_step = NumberAttribute(null=True)  # a TOTP code is accepted once


class UserSessionIndex(GlobalSecondaryIndex["SessionRecord"]):
    """A user's sessions and sign-ins in progress, to end them all at once."""

    class Meta:
        index_name = "user"
        projection = KeysOnlyProjection()

    username = UnicodeAttribute(hash_key=True)


class SessionRecord(_Base):
    """A staff session (``kind`` session) or a sign-in waiting for a challenge's answer (``kind`` challenge),
    keyed by the SHA-256 of the random token the client holds; the token itself is never stored."""

    class Meta(_Base.Meta):
        table_name = "sessions"

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    username = UnicodeAttribute()
    roles: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, null=True)
    display_name = UnicodeAttribute(null=True)
    client = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    last_seen = NumberAttribute(null=True)
    expires_at = NumberAttribute()
    checked_at = NumberAttribute(null=True)  # the directory was last asked whether the account still stands
    challenge = UnicodeAttribute(null=True)
    state = JSONAttribute(null=True)  # the directory's continuation of a sign-in (never sent to the client)
    secret = UnicodeAttribute(null=True)  # the TOTP secret being enrolled, shown on the enrolment page
    buckets: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, null=True)  # throttle buckets of this sign-in
    failures = NumberAttribute(null=True)
    ttl = TTLAttribute(null=True)
    by_user = UserSessionIndex()


class SignInAttemptRecord(_Base):
    """Sign-in throttle buckets (``user#…``, ``addr#…``, ``pair#…``: slot times of tries in the last 15 minutes)
    and ``known#…`` marks (the user signed in from this address before)."""

    class Meta(_Base.Meta):
        table_name = "sign-in-attempts"

    key = UnicodeAttribute(hash_key=True)
    slots: ListAttribute[Any] = ListAttribute(of=NumberAttribute, null=True)
    version = NumberAttribute(null=True)  # optimistic lock, written by the store (same attribute as before)
    ttl = TTLAttribute(null=True)


class AssociationDirectoryIndex(GlobalSecondaryIndex["AssociationRecord"]):
    """Every association (``kind`` = association) in the directory's order: street, number, block."""

    class Meta:
        index_name = "directory"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    directory_key = UnicodeAttribute(range_key=True)


class AssociationCertificateIndex(GlobalSecondaryIndex["AssociationRecord"]):
    """Sparse: associations by their administrator's certificate number (the public certificate check)."""

    class Meta:
        index_name = "certificate"
        projection = AllProjection()

    administrator_certificate = UnicodeAttribute(hash_key=True)
    cui = UnicodeAttribute(range_key=True)


class AssociationRegistryIndex(GlobalSecondaryIndex["AssociationRecord"]):
    """Keys only: every association's street, name, CUI, data digest and last change in ~150 bytes, so an import
    finds what is new or changed, and the directory counts each street's associations, without reading the
    whole registry."""

    class Meta:
        index_name = "registry"
        projection = KeysOnlyProjection()

    kind = UnicodeAttribute(hash_key=True)
    registry_key = UnicodeAttribute(range_key=True)


class AssociationRecord(_Base):
    """A homeowners' association of the registry, by its fiscal code (issue 15)."""

    class Meta(_Base.Meta):
        table_name = "associations"

    cui = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    directory_key = UnicodeAttribute()
    registry_key = UnicodeAttribute()
    name = UnicodeAttribute()
    street = UnicodeAttribute()
    number = UnicodeAttribute()
    block = UnicodeAttribute(null=True)
    staircases: ListAttribute[Any] = ListAttribute(of=UnicodeAttribute, null=True)
    apartments = NumberAttribute()
    lifts = NumberAttribute()
    legal_since = UnicodeAttribute(null=True)
    administrator_name = UnicodeAttribute(null=True)
    administrator_certificate = UnicodeAttribute(null=True)
    administrator_certificate_expiry = UnicodeAttribute(null=True)
    president_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    by_directory = AssociationDirectoryIndex()
    by_certificate = AssociationCertificateIndex()
    by_registry = AssociationRegistryIndex()


class AssociationAccountByCuiIndex(GlobalSecondaryIndex["AssociationAccountRecord"]):
    """The accounts linked to one association."""

    class Meta:
        index_name = "by-cui"
        projection = AllProjection()

    cui = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


class AssociationAccountRecord(_Base):
    """An account allowed to act for an association (an administrator may manage several)."""

    class Meta(_Base.Meta):
        table_name = "association-accounts"

    username = UnicodeAttribute(hash_key=True)
    cui = UnicodeAttribute(range_key=True)
    linked_at = NumberAttribute()
    linked_by = UnicodeAttribute(null=True)
    by_cui = AssociationAccountByCuiIndex()


class FilingMarkRecord(_Base):
    """A registered filing of an association by type (``entry``: period#cui#request id): lists and compliance."""

    class Meta(_Base.Meta):
        table_name = "association-filings"

    type = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    cui = UnicodeAttribute()
    period = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute()
    status = UnicodeAttribute()
    registration_number = UnicodeAttribute()
    registered_at = NumberAttribute()
    name = UnicodeAttribute()


class FilingDeadlineRecord(_Base):
    """The due date the department set for a filing type and period."""

    class Meta(_Base.Meta):
        table_name = "association-deadlines"

    type = UnicodeAttribute(hash_key=True)
    period = UnicodeAttribute(range_key=True)
    due = UnicodeAttribute()
    set_by = UnicodeAttribute(null=True)
    set_at = NumberAttribute()


ALL_MODELS: tuple[type[_Base], ...] = (
    RequestRecord,
    AnnouncementRecord,
    AnnouncementPartRecord,
    DeliveryRecord,
    AttachmentRecord,
    ContactRecord,
    LockerItem,
    CredentialRecord,
    LockerEventRecord,
    CommandRecord,
    AuditRecord,
    NotificationRecord,
    CounterRecord,
    StaffRecord,
    VerificationRecord,
    SessionRecord,
    SignInAttemptRecord,
    AssociationRecord,
    AssociationAccountRecord,
    FilingMarkRecord,
    FilingDeadlineRecord,
)
BASE_NAMES = {model: model.Meta.table_name for model in ALL_MODELS}


def bind(settings: Settings) -> None:
    """Point every model at the configured tables and endpoint (idempotent)."""
    for model, base in BASE_NAMES.items():
        model.Meta.table_name = settings.table(base)
        model.Meta.region = settings.region
        model.Meta.host = settings.aws_endpoint
        model._connection = None


def connection(settings: Settings) -> Connection:
    return Connection(region=settings.region, host=settings.aws_endpoint, max_retry_attempts=2)


def create_tables() -> None:
    """Create missing tables, and missing indexes of existing ones (a local stage whose data was kept from an
    older version); on AWS CloudFormation owns both."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        else:
            _add_missing_indexes(model)


def _add_missing_indexes(model: type[_Base]) -> None:
    connection = model._get_connection()
    described = connection.describe_table()
    have = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}
    schema = model._get_schema()
    for index in schema["global_secondary_indexes"]:
        if index["index_name"] in have:
            continue
        connection.connection.client.update_table(
            TableName=model.Meta.table_name,
            AttributeDefinitions=index["attribute_definitions"],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": index["index_name"],
                        "KeySchema": sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
                        "Projection": index["projection"],
                    }
                }
            ],
        )


def table_names() -> dict[str, Any]:
    return {base: model.Meta.table_name for model, base in BASE_NAMES.items()}
