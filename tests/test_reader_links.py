"""Launch and download buttons open the reader's edition (book/_ext/reader_links.py).

A small Sphinx project with the book's theme and extension shows what the buttons become; the
checks of the real site (every launch URL names a notebook of the published edition) run with
CHECK_BUILT_SITE=1 after `make book notebooks`.
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import reader_links  # noqa: E402

EDITION = Path(os.environ.get("READER_EDITION", ROOT / "_build" / "notebooks"))
REPOSITORY = "https://github.com/dl-in-medicine/deep-learning-in-medicine"


@pytest.mark.parametrize(
    ("url", "placeholder"),
    [
        ("https://hub.example.org", True),
        ("https://example.com/hub", True),
        ("http://localhost:8000", True),
        ("https://jupyter.test", True),
        ("", True),
        ("https://hub.university.edu", False),
        ("https://notexample.org", False),
    ],
)
def test_placeholder_hosts(url, placeholder):
    assert reader_links.is_placeholder(url) == placeholder


def test_edition_path_drops_the_source_folder():
    assert reader_links.edition_path("book/diagnosis/clinical_data", "book") == "diagnosis/clinical_data.ipynb"
    assert reader_links.edition_path("faq", "") == "faq.ipynb"


def build_tiny_book(tmp_path: Path, hub: str | None) -> subprocess.CompletedProcess:
    source = tmp_path / "src"
    (source / "book" / "part").mkdir(parents=True)
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell("# A chapter")],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        ),
        source / "book" / "part" / "chapter.ipynb",
    )
    launch = {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org",
              "colab_url": "https://colab.research.google.com"}
    if hub is not None:
        launch["jupyterhub_url"] = hub
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_nb', 'reader_links']\nroot_doc = 'book/part/chapter'\nnb_execution_mode = 'off'\n"
        "html_theme = 'sphinx_book_theme'\n"
        f"html_theme_options = {{'repository_url': {REPOSITORY!r}, 'repository_branch': 'main',\n"
        f"    'use_edit_page_button': True, 'use_download_button': True, 'launch_buttons': {launch!r}}}\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(source), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300,
    )


def links(html: Path) -> list[str]:
    return re.findall(r'href="([^"]+)"', html.read_text())


def test_buttons_of_a_page_point_at_the_edition_and_edit_at_the_sources(tmp_path):
    result = build_tiny_book(tmp_path, hub="https://hub.university.edu")
    assert result.returncode == 0, result.stderr
    hrefs = links(tmp_path / "html" / "book" / "part" / "chapter.html")
    colab = [h for h in hrefs if h.startswith("https://colab.research.google.com")]
    binder = [h for h in hrefs if h.startswith("https://mybinder.org")]
    hub = [h for h in hrefs if h.startswith("https://hub.university.edu")]
    assert colab == ["https://colab.research.google.com/github/dl-in-medicine/deep-learning-in-medicine/blob/notebooks/part/chapter.ipynb"]
    assert binder == ["https://mybinder.org/v2/gh/dl-in-medicine/deep-learning-in-medicine/notebooks?urlpath=lab/tree/part/chapter.ipynb"]
    query = parse_qs(urlsplit(hub[0]).query)
    assert urlsplit(hub[0]).path == "/hub/user-redirect/git-pull"
    assert query == {"repo": [REPOSITORY], "branch": ["notebooks"],
                     "urlpath": ["lab/tree/deep-learning-in-medicine/part/chapter.ipynb"]}
    assert f"{REPOSITORY}/edit/main/book/part/chapter.ipynb" in hrefs  # the sources, on main
    assert "../../notebooks/part/chapter.ipynb" in hrefs  # the download button


def test_without_a_hub_there_is_no_hub_button(tmp_path):
    result = build_tiny_book(tmp_path, hub=None)
    assert result.returncode == 0, result.stderr
    assert not [h for h in links(tmp_path / "html" / "book" / "part" / "chapter.html") if "git-pull" in h]


def test_a_placeholder_hub_fails_the_strict_build(tmp_path):
    result = build_tiny_book(tmp_path, hub="https://hub.example.org")
    assert result.returncode != 0
    assert "jupyterhub_url is a placeholder" in result.stderr


needs_site = pytest.mark.stage("CHECK_BUILT_SITE")


@needs_site
def test_every_launch_and_download_link_names_a_published_notebook(site, all_toc_pages):
    notebooks = [page for page in all_toc_pages if (ROOT / f"{page}.ipynb").exists()]
    assert notebooks
    for page in notebooks:
        html = site / f"{page}.html"
        expected = reader_links.edition_path(page, "book")
        launch = [h for h in links(html) if "colab.research" in h or "mybinder.org" in h or "git-pull" in h]
        assert len(launch) >= 2, page
        for url in launch:
            assert url.endswith(expected) or f"/{expected}" in url, url
            assert "notebooks" in url
        assert (EDITION / expected).is_file(), expected
        downloads = [h for h in links(html) if h.endswith(".ipynb") and not h.startswith("http")]
        assert downloads, page
        for href in downloads:
            assert (html.parent / href).resolve().is_file(), f"{page}: {href}"
