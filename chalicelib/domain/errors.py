"""Domain errors. Each carries a Romanian message for people and an English one for logs and API clients."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a rule of the service was broken; the API maps each subclass to one HTTP status."""

    http_status = 400
    code = "invalid"

    def __init__(self, message_ro: str, message_en: str = "") -> None:
        super().__init__(message_en or message_ro)
        self.message_ro = message_ro
        self.message_en = message_en or message_ro


class InvalidInput(DomainError):
    """The caller sent something malformed; nothing was written."""

    http_status = 400
    code = "invalid_input"


class NotFound(DomainError):
    http_status = 404
    code = "not_found"


class IllegalTransition(DomainError):
    """The request's current status does not allow this action."""

    http_status = 409
    code = "illegal_transition"


class CompartmentUnavailable(DomainError):
    """No free, enabled compartment fits, or the chosen one was taken meanwhile."""

    http_status = 409
    code = "compartment_unavailable"


class IncompleteFile(DomainError):
    """A file lacks a needed document; ``missing`` names them (ids) for API clients."""

    http_status = 409
    code = "incomplete_file"

    def __init__(self, message_ro: str, message_en: str, missing: list[str]) -> None:
        super().__init__(message_ro, message_en)
        self.missing = missing


class LockerOffline(DomainError):
    http_status = 409
    code = "locker_offline"


class Conflict(DomainError):
    """A concurrent writer won; the caller may retry."""

    http_status = 409
    code = "conflict"


class RequestChanged(Conflict):
    """A guarded write found the request in another state than the one read: someone acted meanwhile."""

    def __init__(self) -> None:
        super().__init__("Cererea a fost modificată între timp; reîncărcați pagina.", "request changed meanwhile")


class Unauthorized(DomainError):
    http_status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    http_status = 403
    code = "forbidden"


class TooManyAttempts(DomainError):
    """Too many tries in a window (sign-in, SMS codes): answered 429 with Retry-After, never by waiting."""

    http_status = 429
    code = "too_many_attempts"

    def __init__(self, message_ro: str, message_en: str, retry_after_s: int) -> None:
        super().__init__(message_ro, message_en)
        self.retry_after_s = retry_after_s


class DependencyDown(DomainError):
    """An outside service (DynamoDB, SNS, MQTT) did not answer; nothing was written half-way."""

    http_status = 503
    code = "dependency_down"


class WrongPassword(InvalidInput):
    """The current password given to change it is not the account's (a failed try, throttled like a sign-in)."""

    code = "wrong_password"
