"""Measure the built site: its whole size, and each page with the images it shows.

A reader on a slow connection downloads a page and its images; the shared theme files are cached
once and not counted. The budget of one page with its images (3 MiB) is asserted by
``tests/test_built_site.py``; this script reports the numbers behind it, heaviest pages first.

Usage::

    python benchmarks/site_size.py                     # the repository's _build/html
    python benchmarks/site_size.py --site DIR/_build/html --top 5
"""

from __future__ import annotations

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the companion from this checkout, also when it is not installed

from companion import book_toc  # noqa: E402

#: Largest size of one page plus the images it shows.
PAGE_BUDGET_BYTES = 3 * 1024 * 1024


class _ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        source = dict(attrs).get("src")
        if tag == "img" and source:
            self.sources.add(source)


def local_images(page: Path) -> list[Path]:
    """Files of the images a page shows from the site itself (not ``data:`` or remote URLs)."""
    parser = _ImageSources()
    parser.feed(page.read_text(encoding="utf-8"))
    return sorted({(page.parent / s).resolve() for s in parser.sources if not re.match(r"(https?:|data:)", s)})


def page_weight(page: Path) -> int:
    """Bytes of a built page and of the images it shows from the site."""
    return page.stat().st_size + sum(image.stat().st_size for image in local_images(page) if image.exists())


def site_bytes(site: Path) -> int:
    """Bytes of every file of the built site."""
    return sum(file.stat().st_size for file in site.rglob("*") if file.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built HTML book")
    parser.add_argument("--top", type=int, default=len(book_toc.pages(ROOT)), help="how many pages to list")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").exists():
        print(f"no built book in {args.site}: run make book first", file=sys.stderr)
        return 1
    pages = [args.site / f"{page}.html" for page in book_toc.pages(ROOT)]
    weights = {page: page_weight(page) for page in pages if page.exists()}
    print(f"site: {site_bytes(args.site) / 2**20:.1f} MiB in {args.site}")
    print(f"| page with its images | KiB | share of the {PAGE_BUDGET_BYTES // 2**20} MiB budget |")
    print("| --- | ---: | ---: |")
    for page, weight in sorted(weights.items(), key=lambda item: -item[1])[: args.top]:
        print(f"| {page.relative_to(args.site)} | {weight // 1024:,} | {weight / PAGE_BUDGET_BYTES:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
