"""Codes are secrets: what is kept of a locker message (malformed-event excerpts, dead letters) never holds one.

A pickup code travels in a ``code`` field (scan, pin). ``redact_codes`` blanks every such field
at any depth of a decoded message; ``redact_code_text`` does the same on text that may not be
valid JSON (a truncated or broken payload, a Python ``repr``), so an excerpt can be kept safely.
"""

from __future__ import annotations

import json
import re
from typing import Any

REDACTED = "<redacted>"
CODE_FIELDS = frozenset({"code"})

# "code": "…", 'code': '…', \"code\":\"…\" (JSON inside a JSON string) or an unquoted value,
# possibly cut short by truncation.
_CODE_IN_TEXT = re.compile(
    r"""(?P<key>\\?["']code\\?["']\s*:\s*)"""
    r"""(?P<value>\\?"(?:[^"\\]|\\.)*?(?:\\?"|$)|'(?:[^'\\]|\\.)*?(?:'|$)|[^,}\]\s]+)""",
    re.IGNORECASE,
)


def redact_codes(value: Any) -> Any:
    """A copy of a decoded JSON value with every ``code`` field, at any depth, replaced by ``REDACTED``."""
    if isinstance(value, dict):
        return {k: (REDACTED if str(k).lower() in CODE_FIELDS else redact_codes(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_codes(item) for item in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            decoded = json.loads(value)
        except ValueError:
            return redact_code_text(value)
        return json.dumps(redact_codes(decoded), separators=(",", ":"), ensure_ascii=False)
    return value


def redact_code_text(text: str) -> str:
    """``text`` with the value of every ``code`` field replaced, whether or not the text parses."""
    try:
        decoded = json.loads(text)
    except ValueError:
        return _CODE_IN_TEXT.sub(lambda m: f'{m["key"]}"{REDACTED}"', text)
    return json.dumps(redact_codes(decoded), separators=(",", ":"), ensure_ascii=False)
