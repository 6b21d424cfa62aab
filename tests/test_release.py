"""One version number for the book, its editions and the companion package.

A teacher pins a semester to a release; the release must be the same wherever it is read: the
package (``companion.__version__``, which the wheel takes), ``CITATION.cff``, the top entry of
``CHANGELOG.md`` and the footer of every built page (book/_ext/release.py).
"""

import re
import sys
from pathlib import Path

import yaml

import companion

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import release  # noqa: E402  (the book's own Sphinx extension, on the path the build gives it)

SEMVER = re.compile(r"\d+\.\d+\.\d+")


def changelog_top() -> tuple[str, str]:
    """Version and date of the newest entry: the first ``## X.Y.Z (YYYY-MM-DD)`` heading."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    match = re.search(r"^## (\S+) \((\d{4}-\d{2}-\d{2})\)$", text, re.MULTILINE)
    assert match, "CHANGELOG.md has no entry heading of the form '## X.Y.Z (YYYY-MM-DD)'"
    return match.group(1), match.group(2)


def test_version_is_semantic():
    assert SEMVER.fullmatch(companion.__version__), companion.__version__


def test_citation_and_changelog_name_the_package_version():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    version, date = changelog_top()
    assert citation["version"] == companion.__version__, "CITATION.cff version differs from companion.__version__"
    assert version == companion.__version__, "CHANGELOG.md's newest entry differs from companion.__version__"
    assert str(citation["date-released"]) == date, "CITATION.cff date-released differs from the CHANGELOG entry"


def test_footer_names_the_release_and_links_the_changes():
    html = release.footer("9.8.7")
    assert "Release 9.8.7" in html
    assert 'href="' + release.CHANGELOG_URL + '"' in html
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert release.CHANGELOG_URL.startswith(config["repository"]["url"] + "/"), "changelog link outside the repository"
    assert "release" in config["sphinx"]["local_extensions"], "the footer extension is not loaded by _config.yml"
