"""The locker-event Lambda's entry point loads what handling a locker message needs, and no page code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE_MODULES = ("jinja2", "segno", "chalicelib.web", "chalice", "app", "jsonschema", "chalicelib.catalogue")


def test_the_locker_event_handler_imports_no_pages_templates_or_qr_code():
    code = (
        "import sys; import chalicelib.locker_lambda as m; assert callable(m.handler);"
        f"print(sorted(n for n in sys.modules if any(n == p or n.startswith(p + '.') for p in {PAGE_MODULES!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_app_and_the_light_handler_dispatch_the_same_way():
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "locker_lambda.dispatch(get_deps(), event)" in source
