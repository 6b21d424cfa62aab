"""The site-size benchmark's measurement of a page with its images (benchmarks/site_size.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from site_size import local_images, page_weight  # noqa: E402


def test_a_page_weighs_itself_and_its_local_images_only(tmp_path):
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a.png").write_bytes(b"x" * 1000)
    page = tmp_path / "page.html"
    page.write_text(
        '<img src="_images/a.png" alt="a"><img src="_images/a.png" alt="again">'
        '<img src="https://example.org/b.png" alt="remote"><img src="data:image/png;base64,AA==" alt="inline">',
        encoding="utf-8",
    )
    assert local_images(page) == [(tmp_path / "_images" / "a.png").resolve()]
    assert page_weight(page) == page.stat().st_size + 1000
