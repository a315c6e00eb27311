"""Ports: the small interfaces behind which each outside dependency sits.

Services depend on these; ``chalicelib.wiring`` picks the adapter. Adapters
translate vendor errors into the exceptions below, once, at the boundary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol


class SmsError(Exception):
    """Base of SMS delivery failures."""


class RetryableSmsError(SmsError):
    """Throttling or a transient fault: try again later with backoff."""


class PermanentSmsError(SmsError):
    """The message can never be sent as it is (bad number, opted out): show staff, do not retry."""


class SmsSender(Protocol):
    def send(self, phone_e164: str, body: str) -> str:
        """Send one SMS; return the provider's message id."""
        ...

    def ping(self) -> None:
        """Raise if the provider cannot be reached."""
        ...


class CommandPublisher(Protocol):
    def publish(self, locker_id: str, message: dict[str, Any], expiry_s: int) -> None:
        """Publish a signed command to the locker's cmd topic, QoS 1, with MQTT 5 message expiry."""
        ...

    def ping(self) -> None: ...


class CommandSigner(Protocol):
    kid: str

    def sign(self, message: dict[str, Any]) -> str:
        """base64url Ed25519 signature of the message's signed bytes."""
        ...

    def sign_bytes(self, data: bytes) -> str:
        """base64url Ed25519 signature of raw bytes (offline credentials)."""
        ...


@dataclass(frozen=True)
class StaffIdentity:
    username: str
    roles: tuple[str, ...]
    display_name: str = ""
    totp: bool = False  # an authenticator app is enrolled
    mfa_required: bool = False  # this account must enrol one, even on a stage that does not require it


@dataclass(frozen=True)
class SignInStep:
    """Where a sign-in stands after a step: done (``identity``), or a ``challenge`` to answer.

    ``state`` is the directory's own continuation (a Cognito session, an access token, a secret being
    enrolled): the service keeps it server-side and hands it back with the answer, never to the client.
    ``secret`` is the TOTP secret to show for ``MFA_SETUP``.
    """

    identity: StaffIdentity | None = None
    challenge: str | None = None
    state: dict[str, str] = field(default_factory=dict)
    secret: str = ""


class StaffDirectoryError(Exception):
    """Base of what a staff directory refuses; the auth service turns each into a domain error."""


class WrongAnswer(StaffDirectoryError):
    """A wrong TOTP code, or a wrong current password: counts as a failed try."""


class ChallengeExpired(StaffDirectoryError):
    """The directory no longer knows the sign-in in progress: start again with the password."""


class PasswordRejected(StaffDirectoryError):
    """The new password does not meet the directory's policy (the message says why, in Romanian)."""


class UnknownAccount(StaffDirectoryError):
    """No such staff account."""


class AccountExists(StaffDirectoryError):
    """The username is taken."""


class StaffDirectory(Protocol):
    """Staff accounts: the Cognito user pool on AWS, DynamoDB on the local stage. Answers never say whether a
    username exists; passwords reach it only after the throttle and the length check."""

    def authenticate(self, username: str, password: str) -> SignInStep | None:
        """None for a wrong username or password (or a disabled account)."""
        ...

    def respond(self, username: str, challenge: str, state: dict[str, str], answer: str) -> SignInStep:
        """Answer ``challenge`` (a new password or a code); raises WrongAnswer, ChallengeExpired, PasswordRejected."""
        ...

    def start_totp_setup(self, username: str, state: dict[str, str]) -> SignInStep:
        """An ``MFA_SETUP`` step with a new secret, for an account that must enrol before it is signed in."""
        ...

    def lookup(self, username: str) -> StaffIdentity | None:
        """The account as it is now; None when disabled or gone."""
        ...

    def change_password(self, username: str, current: str, new: str) -> None:
        """Raises WrongAnswer when ``current`` is wrong, PasswordRejected when ``new`` is refused."""
        ...

    def create_account(self, username: str, temporary_password: str, roles: tuple[str, ...], name: str) -> None:
        """A new account that must choose its own password at first sign-in; raises AccountExists."""
        ...

    def set_enabled(self, username: str, enabled: bool) -> None:
        """Raises UnknownAccount."""
        ...

    def set_roles(self, username: str, roles: tuple[str, ...]) -> None:
        """Raises UnknownAccount."""
        ...


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)


@dataclass(frozen=True)
class StoredFile:
    """What the file store knows of an uploaded object: its size and the first bytes of its content."""

    key: str
    size: int
    first_bytes: bytes


@dataclass(frozen=True)
class Upload:
    """A presigned POST: the client sends ``fields`` and the file as multipart form data to ``url``."""

    url: str
    fields: dict[str, str]


class FileStore(Protocol):
    """Attachments and answers in a private bucket. Files never pass through the Lambda: clients upload
    with a presigned POST (whose policy carries the size limit and the content type) and download with a
    short-lived presigned GET. An unreachable store raises ``DependencyDown``."""

    def upload(
        self, key: str, content_type: str, max_bytes: int, expires_s: int, redirect: str | None = None
    ) -> Upload:
        """A presigned POST; with ``redirect``, S3 sends the browser there after the upload (forms without
        JavaScript), adding ``bucket``, ``key`` and ``etag`` to its query."""
        ...

    def download_url(self, key: str, file_name: str, content_type: str, expires_s: int) -> str: ...

    def inspect(self, key: str, sniff_bytes: int) -> StoredFile | None:
        """The stored object's size and first bytes, or None when nothing was uploaded under ``key``."""
        ...

    def delete(self, key: str) -> None: ...


# Announcements to homeowners' associations (issue 15): e-mail through SES, the fan-out through SQS.
class EmailError(Exception):
    """Base of e-mail delivery failures."""


class RetryableEmailError(EmailError):
    """Throttling or a transient fault: the queue delivers the message again later."""


class PermanentEmailError(EmailError):
    """This e-mail can never be sent as it is (rejected address, unverified sender): recorded, not retried."""


class EmailSender(Protocol):
    def send(self, to: str, subject: str, body: str, tags: dict[str, str] | None = None) -> str:
        """Send one plain-text UTF-8 e-mail; return the provider's message id. ``tags`` come back in the
        provider's bounce and complaint notifications (no personal data in them)."""
        ...


class WorkQueue(Protocol):
    """The announcements' fan-out queue: messages are JSON objects, delivered at least once."""

    def send_batch(self, messages: list[dict[str, Any]]) -> None:
        """Enqueue ``messages`` (any number: sent ten at a time); raises when one could not be enqueued."""
        ...


# The public directory of homeowners' associations (issue 15): pages the app publishes into the static site.
class SitePublisher(Protocol):
    def publish(self, files: dict[str, tuple[bytes, str]]) -> None:
        """Write ``path -> (content, content type)`` into the static site (paths relative to its root, as
        ``asociatii/index.html``); each file is replaced whole, never seen half-written."""
        ...
