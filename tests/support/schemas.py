"""Validate protocol messages against the JSON Schemas published in docs/schemas/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


def assert_valid(name: str, message: Any) -> None:
    errors = sorted(validator(name).iter_errors(message), key=str)
    assert not errors, f"{name} message does not match its schema: {[e.message for e in errors]}\n{message}"
