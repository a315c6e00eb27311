"""Jinja2 rendering of citizen pages (Romanian first, English on ``?lang=en``) and the QR as inline SVG.

Pages are built from GOV.UK Frontend's components (the ``govuk_frontend_jinja`` macros, a run-time
dependency) over the stylesheets in templates/static, which templates name with ``asset()`` under a
fingerprinted file name, so they can be cached for a year.
"""

from __future__ import annotations

import hashlib
import io
import os
from datetime import datetime
from functools import lru_cache
from typing import Any

import segno
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

from ..domain.sms import BUCHAREST

# On Lambda the build copies templates/ into the package root (vendor/templates); locally it is beside app.py.
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE_DIR = os.path.join(_ROOT, "templates")
STATIC_DIR = os.path.join(TEMPLATE_DIR, "static")
_env = Environment(
    loader=ChoiceLoader(
        [
            FileSystemLoader(TEMPLATE_DIR),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    ),
    autoescape=select_autoescape(["html"]),
)


def _datetime(ms: int | float | None) -> str:
    if not ms:
        return "—"
    return datetime.fromtimestamp(ms / 1000, BUCHAREST).strftime("%d.%m.%Y %H:%M")


_env.filters["datetime"] = _datetime


def content_security_policy(script_extra: str = "") -> str:
    script = f"'self' {script_extra}".strip()
    return (
        f"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src {script}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


SECURITY_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


# The static site's pages (S3 and CloudFront, or the local single origin): indexable, and Pagefind's
# search needs WebAssembly, so script-src adds 'wasm-unsafe-eval' and nothing else.
STATIC_SITE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": content_security_policy("'wasm-unsafe-eval'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@lru_cache(maxsize=1)
def static_files() -> dict[str, str]:
    """Every servable file under templates/static, by its fingerprinted name (``site.<sha256:10>.css``)."""
    files = {}
    for name in sorted(os.listdir(STATIC_DIR)):
        stem, extension = os.path.splitext(name)
        if extension in _STATIC_TYPES:
            with open(os.path.join(STATIC_DIR, name), "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()[:10]
            files[f"{stem}.{digest}{extension}"] = name
    return files


def asset(name: str) -> str:
    """The URL of ``name`` (a file under templates/static) under its fingerprinted name."""
    return "/static/" + next(fingerprinted for fingerprinted, plain in static_files().items() if plain == name)


def static_asset(name: str) -> tuple[str, str] | None:
    """The content and type of a file under templates/static (by its plain or fingerprinted name), or None."""
    files = static_files()
    plain = files.get(name) or (name if name in files.values() else None)
    if plain is None:
        return None
    with open(os.path.join(STATIC_DIR, plain), encoding="utf-8") as handle:
        return handle.read(), _STATIC_TYPES[os.path.splitext(plain)[1]]


def localized(path: str, lang: str) -> str:
    """A static-site path in ``lang``: Romanian at the root, English under /en/ (same paths)."""
    return "/en" + path if lang == "en" else path


_env.globals.update(asset=asset, localized=localized)


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


def qr_svg(content: str, title: str = "Cod QR pentru ridicarea documentelor") -> str:
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
        title=title,
    )
    return buffer.getvalue().decode()
