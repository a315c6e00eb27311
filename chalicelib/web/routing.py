"""How a route meets HTTP: the ``api`` and ``page`` decorators, bearer tokens, identifiers in the path, and
the one mapping of errors to responses that every surface (JSON API, citizen pages, staff console) shares.

An error is answered the same way everywhere: a ``DomainError`` as itself (its class carries the status),
an unreachable AWS endpoint as a 503 ``DependencyDown``, anything else re-raised so that Chalice logs it
and answers 500. Only the shape differs: ``{"error", "message", "messageRo"}`` for /api, a Romanian (or
English, on ``?lang=en``) page for people.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from functools import wraps
from typing import Any

from botocore.exceptions import EndpointConnectionError
from chalice import Chalice, Response
from chalice.app import Request

from ..domain.errors import DependencyDown, DomainError, IncompleteFile, NotFound
from ..ports import StaffIdentity
from ..services import auth
from ..services.citizen_access import Citizen, check_citizen
from ..wiring import get_deps
from .client import client_address
from .pages import SECURITY_HEADERS, language, render
from .schema import Body

_identity: ContextVar[StaffIdentity | None] = ContextVar("staff_identity", default=None)
PATH_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
Shape = Callable[[DomainError], Response]
View = Callable[..., Any]


def known_error(error: Exception) -> DomainError | None:
    """``error`` as the domain error to answer with, or None when it is a bug."""
    if isinstance(error, DomainError):
        return error
    # DynamoDB's errors are translated by its engine (storage/dynamo_tables.py); an adapter that lets an
    # unreachable endpoint through still answers 503, not 500.
    if isinstance(error, EndpointConnectionError):
        return DependencyDown(
            "Serviciul de date nu răspunde. Încercați din nou în câteva minute.", "DynamoDB unreachable"
        )
    return None


def answer_error(error: Exception, shape: Shape) -> Response:
    """The response to ``error`` in a surface's ``shape``; an error that is not known is raised again."""
    known = known_error(error)
    if known is None:
        raise error
    return shape(known)


def json_error(error: DomainError) -> Response:
    body: dict[str, object] = {"error": error.code, "message": error.message_en, "messageRo": error.message_ro}
    if isinstance(error, IncompleteFile):
        body["missing"] = error.missing  # which documents, for API clients
    return Response(
        body=body,
        status_code=error.http_status,
        headers={"Content-Type": "application/json", **retry_after(error)},
    )


def retry_after(error: DomainError) -> dict[str, str]:
    """``Retry-After`` for a 429, so clients wait instead of hammering."""
    seconds = getattr(error, "retry_after_s", None)
    return {"Retry-After": str(seconds)} if isinstance(seconds, int) else {}


def error_page(lang: str) -> Shape:
    """The citizen pages' error page, in ``lang``."""

    def shape(error: DomainError) -> Response:
        unavailable = error.http_status == 503
        html = render(
            "error.html",
            lang=lang,
            title_ro="Serviciul este temporar indisponibil" if unavailable else "Cererea nu poate fi îndeplinită",
            title_en="The service is temporarily unavailable" if unavailable else "The request cannot be completed",
            message_ro=error.message_ro,
            message_en=error.message_en,
        )
        return Response(html, status_code=error.http_status, headers={**SECURITY_HEADERS, **retry_after(error)})

    return shape


def bearer_token(headers: Mapping[str, str]) -> str | None:
    header = headers.get("authorization", "")
    return header[7:] if header.lower().startswith("bearer ") else None


def check_path_ids(values: Iterable[str], message_ro: str) -> None:
    """Identifiers in a path are short and plain: anything else names nothing that exists (404)."""
    if any(not PATH_ID.fullmatch(value) for value in values):
        raise NotFound(message_ro, "not found")


class Routes:
    """The decorators and body parsing of one Chalice app, reading its current request."""

    def __init__(self, app: Chalice) -> None:
        self._app = app

    @property
    def request(self) -> Request:
        """The request being answered (Chalice sets it before calling a view)."""
        request = self._app.current_request
        if request is None:
            raise RuntimeError("no current request outside a route")
        return request

    def api(self, role: str | None = None) -> Callable[[View], View]:
        """A JSON route: identifiers checked, the bearer token checked for ``role`` (when given), then
        ``view(deps, actor, **path)`` with ``actor`` the signed-in username (None without a role)."""

        def decorator(view: View) -> View:
            @wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    check_path_ids(kwargs.values(), "Nu există.")
                    deps = get_deps()
                    actor = None
                    _identity.set(None)
                    if role:
                        identity = auth.verify_token(deps, bearer_token(self.request.headers))
                        auth.require_role(identity, role)
                        actor = identity.username
                        _identity.set(identity)
                    return view(deps, actor, *args, **kwargs)
                except Exception as error:
                    return answer_error(error, json_error)

            return wrapper

        return decorator

    def page(self, view: Callable[..., Response]) -> Callable[..., Response]:
        """An HTML route: ``view(lang, **path)``; errors become the error page in the page's language."""

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            lang = language(self.request.query_params)
            try:
                return view(lang, *args, **kwargs)
            except Exception as error:
                return answer_error(error, error_page(lang))

        return wrapper

    def body(self, description: Body) -> dict[str, Any]:
        """The current request's JSON body, checked against ``description``."""
        return description.parse(self.request.raw_body)

    def identity(self) -> StaffIdentity:
        """The signed-in staff member of the current route (set by ``api`` with a role)."""
        identity = _identity.get()
        if identity is None:
            raise RuntimeError("no signed-in staff member: the route has no role")
        return identity

    def citizen(self, deps: Any) -> Citizen:
        """The signed-in citizen of the current request (bearer token of a citizen session)."""
        return check_citizen(deps, bearer_token(self.request.headers))

    def bearer(self) -> str | None:
        """The current request's bearer token (a staff session's)."""
        return bearer_token(self.request.headers)

    def client(self) -> str:
        """The caller's address, for the sign-in throttle and the audit trail."""
        return client_address(self.request, get_deps().settings.origin_verify)
