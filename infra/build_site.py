"""``make site``: the public portal as a static site, for S3 and CloudFront or the local single origin.

Usage: python -m infra.build_site [OUTPUT] [--base-url URL]   (defaults: build/site, http://localhost:8000)

Renders the catalogue (``catalogue/*.json``) and the citizen pages that hold no personal data: Romanian
at ``/``, English under ``/en/`` with the same paths, each page as ``<path>/index.html``. Then it copies
the stylesheets and scripts under fingerprinted names (``/static/site.<hash>.css``, cacheable for a year),
writes ``404.html``, ``sitemap.xml``, ``robots.txt`` and the CPSV-AP export ``catalog.jsonld``, and indexes
the service pages with Pagefind, which stems Romanian pages as Romanian (``<html lang="ro">``).
``--base-url`` is the portal's public address, used where a URL must be absolute (sitemap, JSON-LD).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from markupsafe import Markup

from chalicelib.catalogue import load_catalogue
from chalicelib.web.pages import STATIC_DIR, localized, render, static_files
from infra import site_content
from infra.site_jsonld import cpsv_catalogue, government_service, script_tag

DEFAULT_BASE_URL = "http://localhost:8000"
PARALLEL_FROM = 1000  # pages; below this, starting workers costs more than it saves
LANGUAGES = ("ro", "en")
Service = dict[str, Any]
Context = Callable[[str], Mapping[str, Any]]
_FORKED_JOBS: tuple[list[list[tuple[Page, str]]], Path, str] | None = None


@dataclass(frozen=True)
class Page:
    """One page of the site in both languages: its path (Romanian; English adds /en), its template and
    the context for a language. ``lastmod`` (a date) goes into the sitemap."""

    path: str
    template: str
    context: Context = field(default=lambda lang: {})
    lastmod: str | None = None


def catalogue_pages(services: Mapping[str, Service], base_url: str) -> list[Page]:
    """Home, the services index, one page per service, per category and per life event, the offices."""
    listed = list(services.values())

    def by_group(lang: str) -> dict[str, Any]:
        return {
            "categories": site_content.groups(listed, "category", site_content.CATEGORIES, lang),
            "life_events": site_content.groups(listed, "lifeEvents", site_content.LIFE_EVENTS, lang),
        }

    pages = [
        Page("/", "home.html", by_group),
        Page("/servicii/", "site/services.html", by_group),
        Page("/birouri/", "site/offices.html", lambda lang: {"offices": site_content.departments(listed, lang)}),
    ]
    for service in listed:
        pages.append(
            Page(
                f"/servicii/{service['id']}/",
                "site/service.html",
                _service_context(service, base_url),
                lastmod=service["lastReviewed"],
            )
        )
    for kind, labels, path, names in (
        ("category", site_content.CATEGORIES, "categorii", ("Domeniu", "Topic")),
        ("lifeEvents", site_content.LIFE_EVENTS, "evenimente", ("Situație de viață", "Life event")),
    ):
        for group in site_content.groups(listed, kind, labels, "ro"):
            pages.append(
                Page(f"/{path}/{group.slug}/", "site/group.html", _group_context(listed, kind, group.slug, names))
            )
    return pages


def citizen_pages() -> list[Page]:
    """The citizen pages that hold no personal data (the API renders the last two as well)."""
    return [
        Page("/dulap/", "site/locker.html"),
        Page("/accesibilitate/", "accessibility.html"),
        Page("/confidentialitate/", "privacy.html"),
        # The associations' directory (issue 15): the API publishes the real one over this page whenever the
        # registry changes (chalicelib/web/directory_pages.py); a deploy never overwrites it (deploy_site.py).
        Page("/asociatii/", "site/associations.html", lambda lang: {"streets": [], "total": 0}),
    ]


def build(
    output: Path,
    services: Mapping[str, Service] | None = None,
    extra_pages: Iterable[Page] = (),
    base_url: str = DEFAULT_BASE_URL,
    search: bool = True,
) -> list[Path]:
    """Write the whole site into ``output`` (emptied first) and return the files written, index excluded."""
    services = load_catalogue().services if services is None else services
    base_url = base_url.rstrip("/")
    _empty(output)
    pages = [*catalogue_pages(services, base_url), *citizen_pages(), *extra_pages]
    written = render_pages(pages, output, base_url)
    for lang in LANGUAGES:
        html = _render("site/notfound.html", lang, base_url, localized("/", lang), False, {})
        written.append(_write(output / localized("/404.html", lang).lstrip("/"), html))
    for fingerprinted, plain in static_files().items():
        target = output / "static" / fingerprinted
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(STATIC_DIR) / plain, target)
        written.append(target)
    catalogue = cpsv_catalogue(services.values(), base_url)
    written.append(_write(output / "catalog.jsonld", json.dumps(catalogue, ensure_ascii=False, separators=(",", ":"))))
    written.append(_write(output / "sitemap.xml", sitemap(pages, base_url)))
    written.append(_write(output / "robots.txt", robots(base_url)))
    if search:
        index_search(output)
    return written


def render_pages(pages: list[Page], output: Path, base_url: str) -> list[Path]:
    """Each page in each language as ``<path>/index.html``. A large site is shared between the machine's
    cores by forked workers, which inherit the pages (their contexts are closures, which cannot be sent)."""
    jobs = [(page, lang) for page in pages for lang in LANGUAGES]
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _render_jobs(jobs, output, base_url)
    chunks = [jobs[start::workers] for start in range(workers)]
    global _FORKED_JOBS
    _FORKED_JOBS = (chunks, output, base_url)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [path for done in pool.map(_render_chunk, range(workers)) for path in done]
    finally:
        _FORKED_JOBS = None


def index_search(output: Path) -> None:
    """Pagefind's index of the pages marked ``data-pagefind-body`` (the services), into ``pagefind/``.

    Pagefind also writes its own search widgets; the portal shows results with GOV.UK's styles through
    static/search.js, so those are deleted rather than published."""
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(output), "--silent"], check=True, timeout=600)
    for widget in (output / "pagefind").glob("pagefind-*ui.*"):
        widget.unlink()
    (output / "pagefind" / "pagefind-highlight.js").unlink(missing_ok=True)


def sitemap(pages: Iterable[Page], base_url: str) -> str:
    """Every page in both languages, each naming its other-language version (hreflang)."""
    entries = []
    for page in pages:
        alternates = "".join(
            f'<xhtml:link rel="alternate" hreflang="{lang}" href="{escape(base_url + localized(page.path, lang))}"/>'
            for lang in LANGUAGES
        )
        lastmod = f"<lastmod>{page.lastmod}</lastmod>" if page.lastmod else ""
        for lang in LANGUAGES:
            location = escape(base_url + localized(page.path, lang))
            entries.append(f"<url><loc>{location}</loc>{lastmod}{alternates}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
        + "\n".join(entries)
        + "\n</urlset>\n"
    )


def robots(base_url: str) -> str:
    """Crawl the portal, never the pages behind a code or a sign-in."""
    closed = ("/api/", "/r/", "/status", "/staff", "/cereri")
    return "User-agent: *\n" + "".join(f"Disallow: {path}\n" for path in closed) + f"Sitemap: {base_url}/sitemap.xml\n"


def _service_context(service: Service, base_url: str) -> Context:
    def context(lang: str) -> dict[str, Any]:
        return {"service": service, "jsonld": Markup(script_tag(government_service(service, lang, base_url)))}

    return context


def _group_context(services: list[Service], kind: str, slug: str, names: tuple[str, str]) -> Context:
    labels = site_content.CATEGORIES if kind == "category" else site_content.LIFE_EVENTS

    def context(lang: str) -> dict[str, Any]:
        group = next(g for g in site_content.groups(services, kind, labels, lang) if g.slug == slug)
        return {"group": group, "kind_label": site_content.pick(names, lang)}

    return context


def _render_jobs(jobs: list[tuple[Page, str]], output: Path, base_url: str) -> list[Path]:
    written = []
    for page, lang in jobs:
        html = _render(page.template, lang, base_url, page.path, True, page.context(lang))
        written.append(_write(output / localized(page.path, lang).lstrip("/") / "index.html", html))
    return written


def _render_chunk(number: int) -> list[Path]:
    assert _FORKED_JOBS is not None, "runs only in a worker forked by render_pages"
    chunks, output, base_url = _FORKED_JOBS
    return _render_jobs(chunks[number], output, base_url)


def _render(template: str, lang: str, base_url: str, path: str, indexable: bool, context: Mapping[str, Any]) -> str:
    html = render(
        template,
        lang=lang,
        site=True,
        path=path,
        base_url=base_url,
        indexable=indexable,
        content=site_content,
        **context,
    )
    return _squeeze(html)


def _squeeze(html: str) -> str:
    """Drop the indentation the component macros leave: whitespace between tags shrinks to one newline
    (the pages hold no <pre> or <textarea>, where it would matter)."""
    return re.sub(r"\n\s+", "\n", re.sub(r">\s+<", ">\n<", html))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _empty(output: Path) -> None:
    """Start from an empty folder, refusing to wipe one that holds something other than a built site."""
    if output.exists() and any(output.iterdir()):
        if not (output / "index.html").exists():
            raise SystemExit(f"{output} is not empty and holds no built site; choose another folder")
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("output", nargs="?", default="build/site", type=Path)
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    args = parser.parse_args(argv)
    written = build(args.output, base_url=args.base_url)
    pages = sum(1 for path in written if path.suffix == ".html")
    print(f"{args.output}: {pages} pages, {len(written) - pages} other files, and the search index in pagefind/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
