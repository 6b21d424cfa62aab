"""Checks of the built HTML, run after `jupyter-book build`.

.ci/run builds the book, then runs this file, so every page that readers
see is checked: it exists, its images have alt text and load from the
site, and no executed cell shows an error or stray stderr.

The checks run only when asked (``CHECK_BUILT_SITE=1``, as ``make check-site``
and CI do): a plain ``pytest`` must not judge a stale build.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"

pytestmark = pytest.mark.skipif(
    os.environ.get("CHECK_BUILT_SITE") != "1", reason="checks of the built site run with CHECK_BUILT_SITE=1"
)


def test_site_exists():
    assert (SITE / "index.html").exists(), "build the book first: make book"


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


def page_paths() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return [SITE / f"{name}.html" for name in files]


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("path", page_paths(), ids=lambda p: p.stem)
def test_page_was_built(path):
    assert path.exists()


@pytest.mark.parametrize("path", page_paths(), ids=lambda p: p.stem)
def test_images_have_alt_text_and_exist(path):
    for image in parse(path).images:
        if "logo" in (image.get("class") or ""):
            continue
        assert (image.get("alt") or "").strip(), f"image without alt text: {image.get('src')}"
        source = image["src"]
        if not re.match(r"(https?:|data:)", source):
            assert (path.parent / source).resolve().exists(), f"image not in the site: {source}"


@pytest.mark.parametrize("path", page_paths(), ids=lambda p: p.stem)
def test_no_cell_shows_an_error_or_stderr(path):
    html = path.read_text(encoding="utf-8")
    classes = set(parse(path).classes)
    assert "traceback" not in classes
    assert "Traceback (most recent call last)" not in html
    assert "stderr" not in classes, "a cell wrote to stderr"
