"""Strict JSON request parsing and the mapping of domain errors to HTTP responses."""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import BotoCoreError, EndpointConnectionError
from chalice import Response
from pynamodb.exceptions import PynamoDBConnectionError, PynamoDBException

from ..domain.errors import DependencyDown, DomainError, InvalidInput

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024
_TYPES = {str: "text", bool: "true/false", int: "number", dict: "object", list: "list"}


def parse_body(raw: bytes | None, fields: dict[str, tuple[type, bool]]) -> dict[str, Any]:
    """The JSON object in ``raw`` checked against ``fields`` (name -> (type, required)); unknown fields refused."""
    if raw is None or raw == b"":
        raw = b"{}"
    if len(raw) > MAX_BODY:
        raise InvalidInput("Cererea este prea mare.", f"body larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("Corpul cererii nu este JSON valid.", "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("Corpul cererii trebuie să fie un obiect JSON.", "body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise InvalidInput(f"Câmpuri necunoscute: {', '.join(unknown)}.", f"unknown fields: {', '.join(unknown)}")
    for name, (kind, required) in fields.items():
        value = body.get(name)
        if value is None:
            if required:
                raise InvalidInput(f"Câmpul „{name}” este obligatoriu.", f"field '{name}' is required")
            continue
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise InvalidInput(
                f"Câmpul „{name}” trebuie să fie {_TYPES.get(kind, kind.__name__)}.",
                f"field '{name}' must be of type {kind.__name__}",
            )
    return body


def error_response(error: DomainError) -> Response:
    return Response(
        body={"error": error.code, "message": error.message_en, "messageRo": error.message_ro},
        status_code=error.http_status,
        headers={"Content-Type": "application/json"},
    )


def translate_infrastructure_error(error: Exception) -> DomainError | None:
    """Unreachable AWS endpoints become one clear 503, never a stack trace."""
    if isinstance(error, (PynamoDBConnectionError, EndpointConnectionError)):
        return DependencyDown(
            "Serviciul de date nu răspunde. Încercați din nou în câteva minute.", "DynamoDB unreachable"
        )
    if isinstance(error, PynamoDBException) and isinstance(getattr(error, "cause", None), BotoCoreError):
        return DependencyDown(
            "Serviciul de date nu răspunde. Încercați din nou în câteva minute.", "DynamoDB unreachable"
        )
    return None
