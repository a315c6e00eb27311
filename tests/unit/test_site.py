"""`make site` renders the pages without personal data, in both languages, with the stylesheet."""

from __future__ import annotations

from infra.build_site import build


def test_static_site_has_every_public_page_in_both_languages(tmp_path):
    written = {p.relative_to(tmp_path).as_posix() for p in build(tmp_path)}
    assert {"index.html", "index.en.html", "accesibilitate/index.html", "confidentialitate/index.en.html"} <= written
    assert "Ridicați documentele" in (tmp_path / "index.html").read_text()
    assert "Accessibility statement" in (tmp_path / "accesibilitate" / "index.en.html").read_text()
    assert (tmp_path / "static" / "site.css").exists()
