"""Static site: build time and search index size at 300 services and 2,700 extra pages; a service page's weight.

``python -m bench.site [services] [extra pages]`` (default 300 2700). The services are stand-ins made from
the real catalogue (same documents and texts, new ids and titles); the extra pages are stand-in
homeowners' associations, the directory a later issue adds, rendered with the generic record template.
Both languages are built, so the site has 2 × (300 + 2,700 + the rest) pages. Targets: the whole build,
search index included, under 20 s on the project's 2-core machine; a service page (HTML + CSS + JS,
uncompressed) under 60 KB.
"""

from __future__ import annotations

import copy
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from chalicelib.catalogue import load_catalogue
from infra.build_site import Page, build, index_search

STREETS = ["Barbu Văcărescu", "Ștefan cel Mare", "Pantelimon", "Colentina", "Iancului", "Moșilor", "Tei", "Obor"]
WORDS = ["întreținere", "reparații", "lift", "scară", "subsol", "terasă", "contor", "apă", "caldă"]
WORDS += ["fond", "rulment", "administrator", "cenzor", "adunare", "generală", "buget", "cheltuieli", "curățenie"]
WORDS += ["iluminat", "interfon", "hidrofon", "termoizolație", "fațadă", "acoperiș", "parcare"]


def stand_in_services(count: int) -> dict[str, dict[str, Any]]:
    """``count`` services cloned from the real ones, each with its own id and title."""
    real = list(load_catalogue().services.values())
    made = {}
    for n in range(count):
        service = copy.deepcopy(real[n % len(real)])
        service["id"] = f"{service['id']}-{n:03d}"
        service["title"] = {lang: f"{text} ({n})" for lang, text in service["title"].items()}
        made[service["id"]] = service
    return made


def stand_in_associations(count: int) -> list[Page]:
    """``count`` homeowners' associations, with the facts and notices a directory page would carry."""
    rng = random.Random(2)
    pages = []
    for n in range(count):
        street, number = rng.choice(STREETS), rng.randint(1, 200)
        record = {
            "caption": "Asociație de proprietari",
            "title": f"Asociația de proprietari bloc {n + 1}, Str. {street} nr. {number}",
            "facts": [
                ("Adresă", f"Str. {street} nr. {number}, Sector 2, București"),
                ("Apartamente", str(rng.randint(8, 180))),
                ("Cod de înregistrare fiscală", str(30_000_000 + n)),
                ("Administrator", f"Administrator {rng.randint(1, 400)}"),
            ],
            "paragraphs": [" ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(3)],
        }
        pages.append(Page(f"/asociatii/{n + 1}/", "site/record.html", lambda lang, r=record: {"record": r}))
    return pages


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def page_weight(site: Path, page: Path) -> int:
    """The HTML and every stylesheet and script it loads, uncompressed."""
    html = page.read_text(encoding="utf-8")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    return len(html.encode()) + sum((site / asset.lstrip("/")).stat().st_size for asset in assets)


def _cpu_seconds() -> float:
    """User and system time of this process, its render workers and Pagefind."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main(services: int = 300, extra: int = 2700) -> None:
    catalogue = stand_in_services(services)
    associations = stand_in_associations(extra)
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        load = os.getloadavg()[0]
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        written = build(site, catalogue, associations, base_url="https://portal.example", search=False)
        rendered = time.perf_counter()
        index_search(site)
        indexed = time.perf_counter()
        cpu = _cpu_seconds() - cpu_before
        pages = sum(1 for p in written if p.suffix == ".html")
        weights = [page_weight(site, p) for p in (site / "servicii").glob("*/index.html")]
        index = site / "pagefind"
        print(f"site: {services} services + {extra} extra pages, 2 languages = {pages} HTML pages")
        print(f"render and write: {rendered - started:.1f} s; Pagefind index: {indexed - rendered:.1f} s")
        print(f"whole build, as `make site` does it: {indexed - started:.1f} s  (target < 20 s)")
        print(
            f"  CPU time of the build, all processes: {cpu:.1f} s on {os.cpu_count()} cores; "
            f"load average {load:.1f} when it started (other work on the machine slows the wall clock)"
        )
        print(
            f"search index: {folder_size(index) / 1e6:.1f} MB in {sum(1 for _ in index.rglob('*'))} files "
            f"(a search downloads only the chunks it needs)"
        )
        print(
            f"service page, HTML + CSS + JS uncompressed: median {statistics.median(weights) / 1000:.1f} KB, "
            f"largest {max(weights) / 1000:.1f} KB  (target < 60 KB)"
        )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
