"""The book's table of contents: the pages of ``_toc.yml`` in reading order.

The one reader of ``_toc.yml`` for the package, the tests and the benchmarks, so that a chapter
added to the table of contents is seen by all of them at once.

Examples
--------
>>> from pathlib import Path
>>> root = Path(__file__).resolve().parents[1]
>>> pages(root)[0], "book/diagnosis/clinical_data" in notebooks(root)
('book/intro', True)
"""

from __future__ import annotations

from pathlib import Path


def pages(root: Path | str) -> list[str]:
    """Every page of ``root/_toc.yml`` (root, parts, chapters, sections), in reading order.

    Each page is named as in the table of contents, without suffix: ``"book/faq"``.
    """
    import yaml  # installed with the book's tools, which every caller of this module has

    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    entries, found = [*toc.get("parts", []), *toc.get("chapters", [])], [toc["root"]]
    while entries:
        entry = entries.pop(0)
        found += [entry["file"]] if "file" in entry else []
        # Depth first: a chapter's sections come right after it, before the next chapter.
        entries[:0] = entry.get("chapters", []) + entry.get("sections", [])
    return found


def notebooks(root: Path | str) -> list[str]:
    """The pages of ``root/_toc.yml`` that are notebooks, in reading order, e.g. ``"book/faq"``."""
    return [page for page in pages(root) if (Path(root) / f"{page}.ipynb").exists()]
