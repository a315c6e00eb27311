"""Jinja2 rendering of citizen pages (Romanian first, English on ``?lang=en``) and the QR as inline SVG."""

from __future__ import annotations

import io
import os
from datetime import datetime
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..domain.sms import BUCHAREST

# On Lambda the build copies templates/ into the package root (vendor/templates); locally it is beside app.py.
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE_DIR = os.path.join(_ROOT, "templates")
_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]))


def _datetime(ms: int | float | None) -> str:
    if not ms:
        return "—"
    return datetime.fromtimestamp(ms / 1000, BUCHAREST).strftime("%d.%m.%Y %H:%M")


_env.filters["datetime"] = _datetime

SECURITY_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


_STATIC_TYPES = {"site.css": "text/css; charset=utf-8", "staff.js": "text/javascript; charset=utf-8"}


def static_asset(name: str) -> tuple[str, str] | None:
    """The content and type of a file under templates/static, or None when it is not one we serve."""
    if name not in _STATIC_TYPES:
        return None
    with open(os.path.join(TEMPLATE_DIR, "static", name), encoding="utf-8") as handle:
        return handle.read(), _STATIC_TYPES[name]


def language(query: Any) -> str:
    return "en" if (query or {}).get("lang") == "en" else "ro"


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def qr_code(content: str) -> segno.QRCode:
    """The smallest QR that holds ``content``: error correction L, raised only where the version allows.

    A phone screen held up to the scanner is not worn like paper, and every extra
    version makes the modules smaller for cheap scanners; the pickup QR (133
    characters) comes out as version 6 (41x41 modules).
    """
    return segno.make(content, error="l", boost_error=True, micro=False)


def qr_svg(content: str) -> str:
    """The QR as inline SVG that scales as a whole: a ``viewBox`` and no fixed size, so CSS shrinks the
    drawing with its quiet zone instead of clipping it; black on white whatever the page's colour scheme."""
    buffer = io.BytesIO()
    qr_code(content).save(
        buffer,
        kind="svg",
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        xmldecl=False,
        svgns=True,
        svgclass="qr-code",
        title="Cod QR pentru ridicarea documentelor",
    )
    return buffer.getvalue().decode()
