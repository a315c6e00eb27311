"""``make site``: the pages that hold no personal data, rendered into a static site for S3 and CloudFront.

Usage: python -m infra.build_site [OUTPUT]   (default build/site)
Each page is written as <path>/index.html (Romanian) and <path>/index.en.html (English, which the app
serves at ?lang=en; a CloudFront function can route that query string to the English file).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from chalicelib.web.pages import TEMPLATE_DIR, render

PAGES = {"": "home.html", "accesibilitate": "accessibility.html", "confidentialitate": "privacy.html"}


def build(output: Path) -> list[Path]:
    written = []
    for path, template in PAGES.items():
        folder = output / path
        folder.mkdir(parents=True, exist_ok=True)
        for lang, name in (("ro", "index.html"), ("en", "index.en.html")):
            target = folder / name
            target.write_text(render(template, lang=lang), encoding="utf-8")
            written.append(target)
    shutil.copytree(Path(TEMPLATE_DIR) / "static", output / "static", dirs_exist_ok=True)
    return written


def main() -> int:
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "build/site")
    for page in build(output):
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
