"""`make site`: every page of the portal in both languages, the sitemap, the search index and valid JSON-LD."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from chalicelib.catalogue import CEDILLAS, load_catalogue
from chalicelib.web.pages import static_files
from infra import site_styles
from infra.build_site import PARALLEL_FROM, Page, build
from infra.routing_table import goes_to_api

BASE = "https://portal.example"
SERVICES = load_catalogue().services
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    build(root, base_url=BASE)
    return root


def html_pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def test_every_page_is_built_in_romanian_and_under_en_in_english(site):
    built = set(html_pages(site))
    paths = ["", "servicii/", "birouri/", "dulap/", "accesibilitate/", "confidentialitate/"]
    paths += [f"servicii/{sid}/" for sid in SERVICES]
    paths += [f"categorii/{s['category']}/" for s in SERVICES.values()]
    paths += [f"evenimente/{event}/" for s in SERVICES.values() for event in s["lifeEvents"]]
    expected = {f"{prefix}{path}index.html" for path in paths for prefix in ("", "en/")} | {"404.html", "en/404.html"}
    assert expected <= built
    assert '<html lang="ro"' in (site / "servicii" / "index.html").read_text()
    assert '<html lang="en"' in (site / "en" / "servicii" / "index.html").read_text()
    assert "Ridicați documentele" in (site / "index.html").read_text()
    assert "Accessibility statement" in (site / "en" / "accesibilitate" / "index.html").read_text()


def test_the_services_index_lists_every_service_by_category_without_javascript(site):
    index = (site / "servicii" / "index.html").read_text()
    linked = set(re.findall(r'href="/servicii/([a-z0-9-]+)/"', index))
    assert linked == set(SERVICES)
    assert re.search(r"<div[^>]*data-search[^>]*hidden", index, re.S)  # the search field waits for search.js


def test_every_internal_link_reaches_a_built_page_and_services_are_linked_as_servicii_id(site):
    broken = []
    for name, html in html_pages(site).items():
        for href in re.findall(r'(?:href|src)="(/[^"#?]*)', html):
            target = site / href.lstrip("/")
            if not goes_to_api(href) and not (target.is_file() or (target / "index.html").is_file()):
                broken.append(f"{name}: {href}")
        for link in re.findall(r'href="((?:/en)?/servicii/[^"]+)"', html):
            assert re.fullmatch(r"(/en)?/servicii/[a-z0-9-]+/", link), f"{name}: {link}"
    assert broken == []


def test_sitemap_names_every_page_and_its_other_language(site):
    root = ElementTree.parse(site / "sitemap.xml").getroot()
    locations = [url.findtext(f"{SITEMAP}loc") for url in root]
    assert f"{BASE}/servicii/certificat-de-urbanism/" in locations
    assert f"{BASE}/en/servicii/certificat-de-urbanism/" in locations
    pages = {f"{BASE}/{p.parent.relative_to(site).as_posix()}/".replace("/./", "/") for p in site.rglob("index.html")}
    assert len(locations) == len(set(locations)) and set(locations) == pages
    for url in root:
        languages = {link.get("hreflang") for link in url if link.tag.endswith("link")}
        assert languages == {"ro", "en"}
    robots = (site / "robots.txt").read_text()
    assert f"Sitemap: {BASE}/sitemap.xml" in robots and "Disallow: /staff" in robots and "Disallow: /r/" in robots
    assert "Disallow: /cereri" in robots  # the online requests are behind a sign-in


def test_each_service_page_carries_its_government_service_json_ld(site):
    for sid, service in SERVICES.items():
        for lang, prefix in (("ro", ""), ("en", "/en")):
            html = (site / prefix.lstrip("/") / "servicii" / sid / "index.html").read_text()
            blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
            assert len(blocks) == 1, sid
            data = json.loads(blocks[0])
            assert data["@context"] == "https://schema.org" and data["@type"] == "GovernmentService"
            assert data["name"] == service["title"][lang]
            assert data["url"] == f"{BASE}{prefix}/servicii/{sid}/"
            assert data["provider"]["@type"] == "GovernmentOrganization"
            assert {c["processingTime"] for c in data["availableChannel"]} == {service["processingTime"]}


def test_the_catalogue_is_exported_as_cpsv_ap_json_ld(site):
    export = json.loads((site / "catalog.jsonld").read_text())
    context = export["@context"]
    used = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                used.add(key)
                if key == "@type":
                    used.update(value if isinstance(value, list) else [value])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(export["@graph"])
    prefixes = {term.split(":", 1)[0] for term in used if ":" in term and not term.startswith("http")}
    assert prefixes <= set(context), "every compact IRI must expand"
    services = {n["dct:identifier"]: n for n in export["@graph"] if n["@type"] == "cpsv:PublicService"}
    assert set(services) == set(SERVICES)
    urbanism = services["certificat-de-urbanism"]
    assert {"@language": "ro", "@value": "Certificat de urbanism"} in urbanism["dct:title"]
    assert urbanism["cv:processingTime"] == {"@value": "P15D", "@type": "xsd:duration"}
    conditional = [e for e in urbanism["cpsv:hasInput"] if "cv:supportsRequirement" in e]
    assert {e["cv:supportsRequirement"]["dct:identifier"] for e in conditional} == {
        "modificari_fatada",
        "operatiuni_notariale",
    }


def test_the_search_index_has_every_service_in_romanian_and_english(site):
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text())
    assert {lang: entry["languages"][lang]["page_count"] for lang in ("ro", "en")} == {
        "ro": len(SERVICES),
        "en": len(SERVICES),
    }
    assert not list((site / "pagefind").glob("pagefind-*ui.*"))  # Pagefind's own widgets are not published


def test_assets_are_published_under_fingerprinted_names_that_the_pages_use(site):
    published = {p.name for p in (site / "static").iterdir()}
    assert published == set(static_files())
    assert all(re.fullmatch(r"[a-z]+\.[0-9a-f]{10}\.(css|js)", name) for name in published)
    home = (site / "index.html").read_text()
    assert re.search(r'href="/static/site\.[0-9a-f]{10}\.css"', home)


def test_a_service_page_weighs_under_60_kb_with_its_css_and_js(site):
    for sid in SERVICES:
        html = (site / "servicii" / sid / "index.html").read_text()
        assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
        weight = len(html.encode()) + sum((site / a.lstrip("/")).stat().st_size for a in assets)
        assert weight < 60_000, f"{sid}: {weight} bytes"


def test_romanian_is_written_with_comma_below_and_no_gov_uk_identity_is_published(site):
    for name, html in html_pages(site).items():
        assert not set(html) & CEDILLAS.keys(), name
        assert "GOV.UK" not in html and "crown" not in html.lower(), name
    css = "".join(p.read_text() for p in (site / "static").glob("*.css"))
    assert "GDS Transport" not in css and "url(" not in css  # no GOV.UK typeface, crown or images


def test_the_not_found_pages_are_not_indexed_and_lead_to_the_services(site):
    for name, services in (("404.html", 'href="/servicii/"'), ("en/404.html", 'href="/en/servicii/"')):
        page = (site / name).read_text()
        assert '<meta name="robots" content="noindex, nofollow">' in page and services in page
    assert "noindex" not in (site / "servicii" / "index.html").read_text()


def test_compiled_stylesheets_match_their_sass_sources():
    assert site_styles.stale() == [], "run `python -m infra.site_styles` (needs `npm ci`)"


def test_a_large_site_is_rendered_by_parallel_workers_page_for_page(tmp_path):
    records = [
        Page(f"/asociatii/{n}/", "site/record.html", lambda lang, n=n: {"record": {"title": f"Asociația {n}"}})
        for n in range(PARALLEL_FROM // 2)
    ]
    build(tmp_path, extra_pages=records, search=False)
    for n in range(PARALLEL_FROM // 2):
        for prefix in ("", "en/"):
            assert (
                f'<h1 class="govuk-heading-xl">Asociația {n}</h1>'
                in (tmp_path / f"{prefix}asociatii/{n}/index.html").read_text()
            )


def test_a_service_offered_online_links_to_its_online_request_and_one_that_is_not_does_not(site):
    online = (site / "servicii" / "certificat-de-urbanism" / "index.html").read_text()
    assert '<a class="ps2-start" href="/cereri/nou?serviciu=certificat-de-urbanism">Solicită online' in online
    english = (site / "en" / "servicii" / "certificat-de-urbanism" / "index.html").read_text()
    assert 'href="/cereri/nou?serviciu=certificat-de-urbanism&amp;lang=en">Apply online' in english
    desk_only = (site / "servicii" / "inregistrare-nastere" / "index.html").read_text()
    assert "/cereri/nou" not in desk_only
