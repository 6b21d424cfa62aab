"""Checks of the whole reader's edition against the built book, run after `make book notebooks`.

Every chapter of ``_toc.yml`` must be in the edition, valid, with no MyST syntax left, every glued
number of its prose in its text, every link to the site pointing at a page and an anchor that the
built site has, its code cells those of the source, and no code cell needing a name that only a
solution defines (the student edition removes solutions).

The checks run only when asked (``CHECK_READER_EDITION=1``, as ``make check-edition`` does): a
plain ``pytest`` must not judge a stale build. They read the edition in ``$READER_EDITION``
(default ``_build/notebooks``) and the site in ``$BUILT_SITE`` (default ``_build/html``).
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from functools import cache
from pathlib import Path

import nbformat
import pytest

from companion import book_toc, built_book, edition

ROOT = Path(__file__).resolve().parents[1]
EDITION = Path(os.environ.get("READER_EDITION") or ROOT / "_build" / "notebooks")
CHAPTERS = book_toc.notebooks(ROOT)

pytestmark = pytest.mark.stage("CHECK_READER_EDITION")


@pytest.fixture(scope="module")
def facts() -> built_book.BuildFacts:
    return built_book.read_build(ROOT)


def source(chapter: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)


def converted(chapter: str) -> nbformat.NotebookNode:
    path = EDITION / f"{chapter.removeprefix('book/')}.ipynb"
    assert path.exists(), f"{path} is missing: write the reader's edition with make notebooks"
    return nbformat.read(path, as_version=4)


def markdown(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


@cache
def html(page: Path) -> str:
    return page.read_text(encoding="utf-8")


@cache
def ids_of(page: Path) -> frozenset[str]:
    return frozenset(re.findall(r'\bid="([^"]+)"', html(page)))


def test_every_chapter_is_in_the_edition():
    missing = [c for c in CHAPTERS if not (EDITION / f"{c.removeprefix('book/')}.ipynb").exists()]
    assert not missing, f"not in {EDITION}: {missing}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_valid_and_no_myst_left(chapter, tally):
    notebook = converted(chapter)
    nbformat.validate(notebook)
    left = [found for text in markdown(notebook) for found in edition.myst_constructs(text)]
    tally["MyST constructs left in the reader's edition (goal 0)"] += len(left)
    assert not left, f"{chapter}: MyST left: {left[:10]}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_glued_number_is_in_the_text(chapter, facts, tally):
    from myst_nb.core.variables import format_plain_text

    expected: Counter = Counter()
    for text in markdown(source(chapter)):  # the roles of its prose, outside code
        for role in edition.myst_constructs(text):
            if not role.startswith("{glue:text}`"):
                continue
            name, _, spec = role.removeprefix("{glue:text}`").strip("`").partition(":")
            expected[format_plain_text(facts.glue[chapter][name], spec)] += 1
    text = "\n".join(markdown(converted(chapter)))
    tally["glued values checked in the reader's edition"] += sum(expected.values())
    missing = {value: n for value, n in expected.items() if text.count(value) < n}
    assert not missing, f"{chapter}: glued values missing from the edition (value: times expected): {missing}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_links_to_the_site_reach_a_page_and_an_anchor(chapter, facts, site, tally):
    links = [link for text in markdown(converted(chapter)) for link in re.findall(r"\[([^\]]+)\]\((\S+?)\)", text)]
    broken = []
    for text, url in (link for link in links if link[1].startswith(facts.site)):
        page, _, anchor = url.removeprefix(facts.site).partition("#")
        path = site / page
        if not path.is_file() or (anchor and anchor not in ids_of(path)):
            broken.append(url)
        elif re.match(r"(Fig\.|Table|Exercise) [\d.]+$", text) and f'caption-number">{text} <' not in html(path):
            broken.append(f"{text} -> {url} (the site numbers it differently)")
        tally["links to the site checked in the reader's edition"] += 1
    assert not broken, f"{chapter}: links that the built site in {site} does not have: {broken[:10]}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_and_exercises_are_numbered_as_on_the_site(chapter, site, tally):
    text = "\n".join(markdown(converted(chapter)))
    numbers = re.findall(r"^\*\*(Fig\. [\d.]+)\.\*\* ", text, re.M) + re.findall(r"^### (Exercise [\d.]+)", text, re.M)
    tally["figure and exercise numbers compared with the site"] += len(numbers)
    missing = [number for number in numbers if f'caption-number">{number} <' not in html(site / f"{chapter}.html")]
    assert not missing, f"{chapter}: numbers the site does not show: {missing}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_cells_are_the_sources(chapter):
    notebook, original = converted(chapter), source(chapter)
    first = notebook.cells[0]
    assert first.cell_type == "code"
    assert edition.INSTALL_TAG in first.metadata.get("tags", []), "the first cell does not install the companion"
    code = [c for c in original.cells if c.cell_type == "code"]
    solutions = [c for c in code if edition.SOLUTION_TAG in c.metadata.get("tags", [])]
    kept = [(c.id, c.source, c.metadata) for c in code if c not in solutions]
    code = [c for c in notebook.cells[1:] if c.cell_type == "code"]
    assert [(c.id, c.source, c.metadata) for c in code] == kept
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    shown = "\n".join(c.source for c in notebook.cells if edition.SOLUTION_TAG in c.metadata.get("tags", []))
    assert all(c.source.strip() in shown for c in solutions), "a solution's code is not in its solution cell"


def python_of(code: str) -> str:
    """A cell's Python. A leading cell magic such as ``%%capture`` runs its body as Python, so its
    line is dropped; IPython turns any remaining magic into a call."""
    from IPython.core.inputtransformer2 import TransformerManager

    first, _, body = code.partition("\n")
    return TransformerManager().transform_cell(body if first.startswith("%%") else code)


def names(code: str, context: type) -> set[str]:
    tree = ast.parse(python_of(code))
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, context)}
    if context is ast.Store:
        found |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        found |= {(a.asname or a.name).split(".")[0] for n in imports for a in n.names}
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_code_cell_needs_a_name_only_a_solution_defines(chapter):
    defined, from_solutions = set(), set()
    for cell in source(chapter).cells:
        if cell.cell_type != "code":
            continue
        if edition.SOLUTION_TAG in cell.metadata.get("tags", []):
            from_solutions |= names(cell.source, ast.Store)
            continue
        needed = (names(cell.source, ast.Load) & from_solutions) - defined - names(cell.source, ast.Store)
        assert not needed, f"{chapter}, cell {cell.get('id')}: uses {sorted(needed)}, defined only in a solution"
        defined |= names(cell.source, ast.Store)


def test_an_unknown_construct_in_a_chapter_stops_the_edition_and_is_named(tmp_path):
    """The real command on a copy of the course whose first chapter gained a role the converter does not know."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "course"
    shutil.copytree(ROOT / "book", copy / "book")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, copy / name)
    (copy / "_build").symlink_to(ROOT / "_build")  # the built book: environment and execution cache
    chapter = CHAPTERS[0]
    notebook = source(chapter)
    first = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "markdown")
    notebook.cells[first].source += "\n\nWater is H{sub}`2`O."
    nbformat.write(notebook, copy / f"{chapter}.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "companion", "edition", str(tmp_path / "out"), "--root", str(copy)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert f"{chapter}.ipynb, cell {first}: unknown MyST role {{sub}}" in result.stderr
