"""Checks of the built HTML, run after `jupyter-book build`.

.ci/run builds the book, then runs this file, so every page that readers
see is checked: it exists, its images have alt text and load from the
site, no executed cell shows an error or stray stderr, and no page with its
images is heavier than the budget. The sizes themselves are measured, not asserted, by
``benchmarks/site_size.py``.

The checks run only when asked (``CHECK_BUILT_SITE=1``, as ``make check-site``
and CI do): a plain ``pytest`` must not judge a stale build. They look at
``$BUILT_SITE`` if set (a build made with ``--path-output DIR`` is in
``DIR/_build/html``), else at the repository's ``_build/html``.
"""

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.stage("CHECK_BUILT_SITE")

# The page budget and the measurement of a page with its images, shared with the benchmark that reports them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from site_size import PAGE_BUDGET_BYTES, local_images  # noqa: E402


def test_site_exists(site):
    assert (site / "index.html").exists(), f"no built book in {site}: build it first (make book)"


class PageParser(HTMLParser):
    """Collects images and the classes of output blocks of one page."""

    def __init__(self):
        super().__init__()
        self.images: list[dict] = []
        self.classes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes)
        self.classes.extend((attributes.get("class") or "").split())


def html_of(site: Path, page: str) -> Path:
    return site / f"{page}.html"


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_page_was_built(site, toc_page):
    assert html_of(site, toc_page).exists()


def test_images_have_alt_text_and_exist(site, toc_page):
    path = html_of(site, toc_page)
    for image in parse(path).images:
        if "logo" in (image.get("class") or ""):
            continue
        assert (image.get("alt") or "").strip(), f"image without alt text: {image.get('src')}"
        source = image["src"]
        if not re.match(r"(https?:|data:)", source):
            assert (path.parent / source).resolve().exists(), f"image not in the site: {source}"


def test_no_cell_shows_an_error_or_stderr(site, toc_page):
    path = html_of(site, toc_page)
    html = path.read_text(encoding="utf-8")
    classes = set(parse(path).classes)
    assert "traceback" not in classes
    assert "Traceback (most recent call last)" not in html
    assert "stderr" not in classes, "a cell wrote to stderr"


def test_page_with_its_images_fits_the_budget(site, toc_page, tally):
    path = html_of(site, toc_page)
    images = local_images(path)
    sizes = {file.name: file.stat().st_size for file in images if file.exists()}
    total = path.stat().st_size + sum(sizes.values())
    tally["pages within the 3 MB budget (page + its images)"] += 1
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:3]
    assert total <= PAGE_BUDGET_BYTES, (
        f"{toc_page}: {total / 2**20:.2f} MiB with its {len(sizes)} images, over the budget of "
        f"{PAGE_BUDGET_BYTES / 2**20:.0f} MiB; largest images {largest}: make figures smaller or show fewer pixels"
    )


def test_page_shows_the_release(site, toc_page):
    import companion

    html = html_of(site, toc_page).read_text(encoding="utf-8")
    assert f"Release {companion.__version__}" in html, f"{toc_page}: the footer does not name the release"
