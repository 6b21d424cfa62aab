"""Checks of the book's sources: clean notebooks, complete table of contents, alt text,
the chapter standard (objectives, set-up, reality check, summary, exercises, references)
and citations. The standard itself is written down in CONTRIBUTING.md, "The chapter standard"."""

import re
from pathlib import Path

import nbformat
import pytest

from companion import book_toc

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.rglob("*.ipynb"))
PAGES = sorted(p for p in BOOK.rglob("*.md") if "_build" not in p.parts)
# Code that draws a figure: such a cell must give the figure alt text and a caption.
DRAWS_FIGURE = re.compile(r"plt\.(show|subplots|figure)\(|\.imshow\(")
CITATION = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def markdown_of(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    return "\n\n".join(c.source for c in read(path).cells if c.cell_type == "markdown")


def as_toc_name(path: Path) -> str:
    return str(path.relative_to(ROOT).with_suffix(""))


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, "no notebook found under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    dirty = [i for i, c in enumerate(read(path).cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} have outputs or execution counts: clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid(path):
    nbformat.validate(read(path))


def test_the_toc_is_read_depth_first_with_sections_and_top_level_chapters(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "root: intro\n"
        "parts:\n"
        "  - caption: One\n"
        "    chapters:\n"
        "      - file: a\n"
        "        sections:\n"
        "          - file: a1\n"
        "      - file: b\n"
        "chapters:\n"
        "  - file: c\n",
        encoding="utf-8",
    )
    (tmp_path / "a1.ipynb").write_text("{}", encoding="utf-8")
    assert book_toc.pages(tmp_path) == ["intro", "a", "a1", "b", "c"]
    assert book_toc.notebooks(tmp_path) == ["a1"]


def test_only_book_toc_reads_the_toc():
    """One reader of _toc.yml, so that the tests, the benchmarks and the editions see the same pages."""
    readers = [
        path.relative_to(ROOT).as_posix()
        for folder in ("companion", "tests", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r'_toc\.yml"\)\.read_text', path.read_text(encoding="utf-8"))
    ]
    assert readers == ["companion/book_toc.py"]


def test_every_page_is_in_the_toc_and_every_toc_entry_exists():
    sources = {as_toc_name(p) for p in [*NOTEBOOKS, *PAGES]}
    listed = set(book_toc.pages(ROOT))
    assert sources - listed == set(), "pages missing from _toc.yml"
    missing = {f for f in listed if not any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb"))}
    assert missing == set(), "_toc.yml lists files that do not exist"


@pytest.mark.parametrize("path", [*NOTEBOOKS, *PAGES], ids=lambda p: p.name)
def test_every_image_has_alt_text(path):
    text = markdown_of(path)
    assert not re.search(r"!\[\s*\]\(", text), "a Markdown image has empty alt text"
    for directive in re.findall(r"```\{(?:image|figure)\}[^`]*```", text):
        assert re.search(r":alt:\s*\S", directive), f"no :alt: in {directive[:60]!r}"
    for tag in re.findall(r"<img\b[^>]*>", text):
        assert re.search(r'alt="[^"]+"', tag), f"no alt in {tag!r}"
    if path.suffix == ".ipynb":
        for index, cell in enumerate(read(path).cells):
            if cell.cell_type == "code" and DRAWS_FIGURE.search(cell.source):
                mystnb = cell.metadata.get("mystnb", {})
                assert mystnb.get("image", {}).get("alt"), f"cell {index} draws a figure without alt text"
                assert mystnb.get("figure", {}).get("caption"), f"cell {index} draws a figure without caption"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_starts_with_the_setup_cell(path):
    first_code = next(c.source for c in read(path).cells if c.cell_type == "code")
    assert re.match(r"import companion\s+companion\.setup\(", first_code), (
        "the first code cell must be `import companion` then `companion.setup(...)`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_follows_the_standard(path):
    text = markdown_of(path)
    assert re.match(r"(\([\w-]+\)=\s*)?# ", text), "a chapter starts with its title"
    assert re.search(r"```\{admonition\} Objectives", text), "no Objectives admonition"
    for heading in ["Medical reality check", "Summary", "Exercises", "References"]:
        assert re.search(rf"^## {heading}\s*$", text, re.M), f"no '## {heading}' section"
    positions = [text.index(f"## {h}") for h in ["Medical reality check", "Summary", "Exercises", "References"]]
    assert positions == sorted(positions), "sections out of the standard's order"
    assert len(re.findall(r"```\{exercise\}", text)) >= 3, "fewer than three exercises"


@pytest.mark.parametrize("path", [*NOTEBOOKS, *PAGES], ids=lambda p: p.name)
def test_citations_exist_and_use_the_page_prefix(path):
    text = markdown_of(path)
    keys = [key.strip() for group in CITATION.findall(text) for key in group.split(",")]
    if not keys:
        return
    bibliography = (BOOK / "references.bib").read_text(encoding="utf-8")
    known = set(re.findall(r"@\w+\{([^,]+),", bibliography))
    prefixes = re.findall(r":keyprefix:\s*(\S+)", text)
    assert len(prefixes) == 1, "a page that cites needs one bibliography with a :keyprefix:"
    for key in keys:
        assert key.startswith(prefixes[0]), f"{key} does not use this page's prefix {prefixes[0]}"
        assert key.removeprefix(prefixes[0]) in known, f"{key} is not in references.bib"


def test_references_bib_parses_and_has_no_duplicate_keys():
    from pybtex.database import parse_string

    text = (BOOK / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.M)
    assert len(keys) == len(set(keys)), "a key appears twice in references.bib"
    assert len(parse_string(text, "bibtex").entries) == len(keys), "an entry of references.bib does not parse"
