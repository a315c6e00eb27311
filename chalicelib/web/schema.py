"""JSON request bodies described once, as a table of fields, and both of their uses derived from it.

``Body.parse`` is the strict check every JSON route runs first (size cap, valid JSON, an object, no
unknown field, each required field present, each field of its type; ``null`` means "not given"), and
``Body.json_schema`` is the body's part of the OpenAPI document served at /api/openapi.json.

A table of our own rather than pydantic, marshmallow or jsonschema: each of those adds megabytes
(compiled extensions for pydantic-core and jsonschema's rpds-py) and import time to every Lambda
cold start, to do six checks whose Romanian and English messages are part of the API's contract and
would have to be rewritten around the library's own. The domain rules a field also obeys (lengths,
patterns, sizes) stay with the services, which refuse with a message a clerk can act on; the table
publishes them in the document (reading the services' constants where they export them) and does
not check them a second time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..domain.errors import InvalidInput

MAX_BODY = 16 * 1024
_WORDS = {str: "text", bool: "true/false", int: "number", dict: "object", list: "list"}
_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", dict: "object", list: "array"}


@dataclass(frozen=True)
class Field:
    """One field of a JSON body: ``kind`` and ``required`` are checked here, the rest is documented."""

    name: str
    kind: type
    required: bool = False
    description: str = ""
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    items: Body | None = None
    min_items: int | None = None
    max_items: int | None = None

    def refusal(self, value: Any) -> InvalidInput | None:
        """Why ``value`` (not null) cannot be this field, or None when it can."""
        if self.kind is int and isinstance(value, bool) or not isinstance(value, self.kind):
            return InvalidInput(
                f"Câmpul „{self.name}” trebuie să fie {_WORDS.get(self.kind, self.kind.__name__)}.",
                f"field '{self.name}' must be of type {self.kind.__name__}",
            )
        return None

    def json_schema(self, nullable: bool = False) -> dict[str, Any]:
        kind = _JSON_TYPES[self.kind]
        schema: dict[str, Any] = {"type": [kind, "null"] if nullable else kind}
        if self.enum:
            schema["enum"] = [*self.enum, None] if nullable else list(self.enum)
        optional = {
            "description": self.description or None,
            "minLength": self.min_length,
            "maxLength": self.max_length,
            "pattern": self.pattern,
            "items": self.items.json_schema(null_means_absent=False) if self.items else None,
            "minItems": self.min_items,
            "maxItems": self.max_items,
        }
        schema.update({key: value for key, value in optional.items() if value is not None})
        return schema


class Body:
    """A JSON object with exactly these fields, in the order their errors are reported."""

    def __init__(self, *fields: Field, max_bytes: int = MAX_BODY) -> None:
        self.fields = fields
        self.max_bytes = max_bytes  # an announcement's text and CUI list may need more than the default

    @property
    def required(self) -> bool:
        """A body with no required field may be left out altogether (an empty body reads as ``{}``)."""
        return any(field.required for field in self.fields)

    def parse(self, raw: bytes | str | None) -> dict[str, Any]:
        """The JSON object in ``raw`` once it fits this description; InvalidInput (400) names what does not."""
        if not raw:
            raw = b"{}"
        if len(raw) > self.max_bytes:
            raise InvalidInput("Cererea este prea mare.", f"body larger than {self.max_bytes} bytes")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep to be data
            raise InvalidInput("Corpul cererii nu este JSON valid.", "body is not valid JSON") from None
        if not isinstance(body, dict):
            raise InvalidInput("Corpul cererii trebuie să fie un obiect JSON.", "body must be a JSON object")
        unknown = sorted(set(body) - {field.name for field in self.fields})
        if unknown:
            raise InvalidInput(f"Câmpuri necunoscute: {', '.join(unknown)}.", f"unknown fields: {', '.join(unknown)}")
        for field in self.fields:
            value = body.get(field.name)
            if value is None:
                if field.required:
                    raise InvalidInput(f"Câmpul „{field.name}” este obligatoriu.", f"field '{field.name}' is required")
                continue
            refusal = field.refusal(value)
            if refusal is not None:
                raise refusal
        return body

    def json_schema(self, null_means_absent: bool = True) -> dict[str, Any]:
        """The JSON Schema of this body; ``parse`` reads null as "not given", so optional fields accept it.

        Nested objects (list items) are checked by the service, which does not accept null: pass False.
        """
        properties = {
            field.name: field.json_schema(nullable=null_means_absent and not field.required) for field in self.fields
        }
        return {
            "type": "object",
            "required": [field.name for field in self.fields if field.required],
            "additionalProperties": False,
            "properties": properties,
        }
