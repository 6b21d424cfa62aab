"""The PDF's structure (book/_ext/latex_book.py), on a tiny book built with Sphinx's LaTeX builder.

No TeX is needed: the LaTeX source says where the parts, chapters and reference lists are. The
whole book's PDF is checked against the site by tests/test_pdf.py (``make check-pdf``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PAGES = {
    "index.rst": """
Tiny book
=========

What the book is about.

Who it is for
-------------

Everybody.

.. toctree::
   :caption: First part
   :numbered:

   one
   two

.. toctree::
   :caption: Reference

   references
""",
    "one.rst": """
Chapter one
===========

As :cite:p:`one-alpha` showed.

References
----------

.. bibliography::
   :filter: docname in docnames
   :keyprefix: one-
""",
    "two.rst": """
Chapter two
===========

As :cite:p:`two-alpha` and :cite:p:`two-beta` showed.

References
----------

.. bibliography::
   :filter: docname in docnames
   :keyprefix: two-
""",
    "references.rst": """
Bibliography
============

.. bibliography::
   :all:
""",
    "refs.bib": """
@article{alpha, author = {Ada Alpha}, title = {First}, journal = {J}, year = {2001}}
@article{beta, author = {Bo Beta}, title = {Second}, journal = {J}, year = {2002}}
""",
}


def build_latex(folder: Path, language: str) -> str:
    source = folder / "src"
    source.mkdir(parents=True)
    for name, text in PAGES.items():
        (source / name).write_text(text, encoding="utf-8")
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['sphinxcontrib.bibtex', 'latex_book']\nbibtex_bibfiles = ['refs.bib']\n"
        f"language = {language!r}\nlatex_engine = 'xelatex'\n"
        "latex_documents = [('index', 'tiny.tex', 'Tiny book', 'Authors', 'manual')]\n"
    )
    command = [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "latex", str(source), str(folder / "latex")]
    built = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    return (folder / "latex" / "tiny.tex").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tex(tmp_path_factory) -> str:
    return build_latex(tmp_path_factory.mktemp("en"), "en")


def body(tex: str) -> str:
    return tex.split(r"\begin{document}", 1)[1]


def headings(tex: str) -> list[str]:
    return re.findall(r"\\(?:book\w*part|part|chapter|section|bookunnumbered)\b(?:\{[^}]*\})?", body(tex))


def test_the_root_page_is_an_unnumbered_introduction_and_captions_are_parts(tex):
    assert headings(tex) == [
        r"\bookunnumbered", r"\chapter{Introduction}", r"\section{Who it is for}",
        r"\booknumberedpart{First part}",
        r"\chapter{Chapter one}", r"\section{References}",
        r"\chapter{Chapter two}", r"\section{References}",
        r"\bookunnumberedpart{Reference}",
        r"\chapter{Bibliography}",
    ]
    # The contents keep their name: Sphinx would give them the first part's caption.
    sphinx_name, ours = r"\renewcommand{\contentsname}{First part}", r"\renewcommand{\contentsname}{Contents}"
    assert tex.rindex(ours) > tex.index(sphinx_name)


def test_each_reference_list_stays_where_its_page_has_it(tex):
    chapters = re.split(r"\\chapter\{", body(tex))[1:]
    entries = {chapter.split("}", 1)[0]: re.findall(r"\\bibitem\[[^\]]*\]\{([^}]*)\}", chapter) for chapter in chapters}
    assert {title: len(items) for title, items in entries.items()} == {
        "Introduction": 0, "Chapter one": 1, "Chapter two": 2, "Bibliography": 2}
    assert all(item.startswith("two:") for item in entries["Chapter two"]), entries
    # Nothing is gathered after the last page either (Sphinx would put every entry there).
    assert body(tex).count(r"\begin{sphinxthebibliography}") == 3


def test_chinese_headings(tmp_path):
    tex = build_latex(tmp_path, "zh_CN")
    assert r"\chapter{引言}" in tex
    assert r"\renewcommand{\thepart}{第\zhnum{part}部分}" in tex
    assert tex.rindex(r"\renewcommand{\contentsname}{目录}") > tex.index(r"\renewcommand{\contentsname}{First part}")
