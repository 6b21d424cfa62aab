"""The whole book as one PDF (``make check-pdf``, after ``make book book-zh pdf``).

Each language's PDF is compared with that language's built site, which is the reference:

- its size and page count are within the expected ranges;
- its title page names the book, and its contents list every chapter with a page number;
- its outline (the bookmarks a PDF reader shows) is the site's sidebar: the same parts in the same
  order, the same chapters with the same numbers (Part I, II ... in print; chapter 4 is chapter 4);
- a sample of the glued numbers of every chapter, as its HTML page shows them, is in its text;
- no unresolved reference (``??``) and no raw MyST (``{glue``, ``{term}``, ``:::``) is left;
- it embeds at least as many images as the chapters' pages show, and the LaTeX source sets every
  display equation, reference-list entry and exercise solution that the pages have;
- every glossary term is in its text, and its cross-references are links;
- the LaTeX log has no undefined reference or citation, no missing character, and no code line
  that runs off the page (no overfull box more than 10 pt wide inside a code block);
- every page of the site offers the PDF in its download menu, and the link reaches the file.

And a LaTeX error stops ``make pdf`` with LaTeX's own message and the log's path.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from companion import book_toc
from companion.built_book import read_build

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import build_pdf  # noqa: E402

pytestmark = pytest.mark.stage("CHECK_PDF")

ROOT = Path(__file__).resolve().parents[1]
SITES = {"en": ROOT / "_build" / "html", "zh_CN": ROOT / "_build" / "zh_CN" / "html"}
#: Pages of each PDF (measured: 256 in English, 250 in Chinese) and the issue's size limit.
PAGES = {"en": (200, 330), "zh_CN": (200, 330)}
MAX_BYTES = 40 * 1024 * 1024
#: How far a code line may run past the text block before it counts as cut (LaTeX's points).
OVERFULL_POINTS = 10
#: Glued values sampled per page: those of a few characters, which a PDF keeps in one piece.
SAMPLE = 8
RAW_MARKUP = re.compile(r"\{glue|\{term\}|\{numref\}|\{doc\}|\{cite|:::|\?\?")
#: A part's label in print: Part I ... in English, 第一部分 ... in Chinese.
PART_NUMBER = re.compile(r"^(?:[IVXL]+|第.+?部分)\s+")


@pytest.fixture(scope="module", params=list(SITES))
def language(request) -> str:
    if request.param != "en" and not (SITES[request.param] / "index.html").exists():
        pytest.skip(f"no {request.param} site built: make pdf builds its PDF after make book-{request.param[:2]}")
    assert build_pdf.pdf_path(request.param).exists(), f"no PDF for {request.param}: run make pdf"
    return request.param


@pytest.fixture(scope="module")
def pdf(language):
    from pypdf import PdfReader

    return PdfReader(build_pdf.pdf_path(language))


@pytest.fixture(scope="module")
def page_texts(pdf) -> list[str]:
    return [page.extract_text() or "" for page in pdf.pages]


@pytest.fixture(scope="module")
def text(page_texts) -> str:
    return "\n".join(page_texts)


@pytest.fixture(scope="module")
def tex(language) -> str:
    return (build_pdf.latex_folder(language) / f"{build_pdf.NAME}.tex").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def log(language) -> str:
    return (build_pdf.latex_folder(language) / f"{build_pdf.NAME}.log").read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def html(language) -> dict[str, BeautifulSoup]:
    """Each page of the table of contents, as this language's site has it."""
    return {page: BeautifulSoup((SITES[language] / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
            for page in book_toc.pages(ROOT)}


def squeeze(value: str) -> str:
    """Text without white space: a PDF's text breaks lines, and sometimes words, where it likes."""
    return re.sub(r"\s+", "", value)


def sidebar(page: BeautifulSoup) -> list[tuple[str, str]]:
    """The site's sidebar after the root page: ("part", caption) and ("chapter", "4. Title") entries."""
    nav = page.select_one("nav.bd-docs-nav")
    entries = [("part" if node.name == "p" else "chapter", node.get_text(" ", strip=True))
               for node in nav.select("p.caption, ul > li.toctree-l1 > a.reference.internal")]
    first_part = [kind for kind, _ in entries].index("part")  # after the link to the root page
    return entries[first_part:]


def outline(pdf) -> list[tuple[str, str]]:
    """The PDF's bookmarks below the introduction: parts, and the chapters inside them."""
    entries = []
    top = pdf.outline
    for index, entry in enumerate(top):
        if isinstance(entry, list):
            continue
        if index == 0:  # the introduction, with its sections
            continue
        entries.append(("part", entry.title))
        children = top[index + 1] if index + 1 < len(top) and isinstance(top[index + 1], list) else []
        entries += [("chapter", child.title) for child in children if not isinstance(child, list)]
    return entries


def test_size_and_pages(language, pdf):
    size = build_pdf.pdf_path(language).stat().st_size
    low, high = PAGES[language]
    assert size <= MAX_BYTES, f"{size / 2**20:.1f} MB"
    assert low <= len(pdf.pages) <= high, len(pdf.pages)


def test_title_page_and_contents(html, page_texts):
    title = html["book/intro"].h1.get_text(" ", strip=True).rstrip("#").strip()
    assert squeeze(title) in squeeze(page_texts[0]), page_texts[0][:200]
    contents = squeeze("".join(page_texts[1:12]))
    for page in book_toc.pages(ROOT)[1:]:
        chapter = squeeze(html[page].h1.get_text(" ", strip=True).rstrip("#"))
        assert re.search(re.escape(chapter) + r"[.·…]*\d+", contents), f"{chapter} has no page number in the contents"


def test_outline_is_the_sites_sidebar(html, pdf):
    """Parts as captioned, chapters in the order of _toc.yml and numbered as online."""
    *found, index = outline(pdf)  # the last bookmark is the index, which the sidebar does not list
    assert index[0] == "chapter", index
    printed = [(kind, PART_NUMBER.sub("", title) if kind == "part" else title) for kind, title in found]
    online = [(kind, re.sub(r"^(\d+)\.\s+", r"\1 ", title)) for kind, title in sidebar(html["book/intro"])]
    assert printed == online
    numbered = [title for kind, title in found if kind == "part" and PART_NUMBER.match(title)]
    assert len(numbered) == 5, numbered  # Foundations ... Challenges; Questions and Reference are not numbered


def test_glued_numbers_are_in_the_text(html, text):
    squeezed = squeeze(text)
    missing, checked = [], 0
    for page in book_toc.notebooks(ROOT):
        values = [span.get_text(strip=True) for span in html[page].select("span.pasted-text")]
        numbers = [value for value in values if re.fullmatch(r"[−\-+]?\d[\d,.]*\s?%?", value) and len(value) >= 3]
        for value in dict.fromkeys(numbers[:SAMPLE]):
            checked += 1
            if squeeze(value) not in squeezed:
                missing.append((page, value))
    assert checked >= 60, checked
    assert not missing, f"glued numbers missing from the PDF: {missing}"


def test_glued_numbers_are_the_executed_ones(html):
    """The site's numbers are the execution cache's: what the PDF shows comes from one execution."""
    glue = read_build(ROOT).glue
    page = "book/diagnosis/clinical_data"
    shown = {span.get_text(strip=True) for span in html[page].select("span.pasted-text")}
    assert shown & {value.strip("'\"") for value in glue[page].values()}


def test_no_unresolved_reference_or_raw_markup(text):
    assert not RAW_MARKUP.findall(text), sorted(set(RAW_MARKUP.findall(text)))


def test_every_figure_is_embedded(html, pdf, tex):
    """Each image of the chapters' pages (the same file name in both builds) is set, and the PDF
    embeds at least as many: as pictures, or as drawings converted from SVG."""
    figures = [Path(image["src"]).stem for page in book_toc.notebooks(ROOT)
               for image in html[page].select("article.bd-article img")]
    included = set(re.findall(r"\\sphinxincludegraphics(?:\[[^\]]*\])?\{\{?([^}]+?)\}", tex))
    assert len(figures) > 30
    assert [figure for figure in figures if figure not in included] == []
    embedded = sum(1 for page in pdf.pages
                   for xobject in ((page.get("/Resources") or {}).get("/XObject") or {}).values()
                   if xobject.get_object().get("/Subtype") in ("/Image", "/Form"))
    assert embedded >= len(figures), (embedded, len(figures))


def count_in(html, selector: str) -> int:
    return sum(len(page.select(f"main {selector}")) for page in html.values())


def test_equations_references_and_solutions_are_set(html, tex, text):
    assert len(re.findall(r"\\begin\{equation\*?\}", tex)) == count_in(html, "div.math") > 10
    # Each reference list where its page has it: the chapters' lists and the bibliography page's.
    assert tex.count(r"\bibitem") == count_in(html, "div.citation") > 100
    pages_with_references = sum(1 for page in html.values() if page.select("main div.citation"))
    assert tex.count(r"\begin{sphinxthebibliography}") == pages_with_references
    solutions = [squeeze(title.get_text(" ", strip=True)) for page in html.values()
                 for title in page.select("main div.solution p.admonition-title")]
    squeezed = squeeze(text)
    assert len(solutions) > 30
    assert [title for title in solutions if title not in squeezed] == []


def test_glossary_terms_and_links(html, pdf, text):
    terms = [squeeze(term.get_text(" ", strip=True).rstrip("#¶"))
             for term in html["book/glossary"].select("dl.glossary > dt")]
    squeezed = squeeze(text)
    assert len(terms) > 50
    assert [term for term in terms if term not in squeezed] == []
    references = count_in(html, ", ".join(f"article a.reference.internal span.std-{kind}"
                                          for kind in ("ref", "numref", "doc", "term")))
    links = sum(1 for page in pdf.pages for annotation in (page.get("/Annots") or [])
                if (link := annotation.get_object()).get("/Subtype") == "/Link"
                and ("/Dest" in link or (link.get("/A") or {}).get("/S") == "/GoTo"))
    assert links >= references > 100


def test_log_has_no_undefined_reference_or_missing_character(log):
    undefined = re.findall(r"LaTeX Warning: (?:Reference|Citation|Hyper reference) .*? undefined", log)
    missing = re.findall(r"Missing character: There is no (.) ", log)
    fonts = re.findall(r"Font shape `([^']+)' undefined", log)
    assert not undefined, undefined[:10]
    assert not missing, sorted(set(missing))
    assert not fonts, sorted(set(fonts))


def code_lines(tex: str) -> set[int]:
    """The line numbers of the LaTeX source that lie inside code blocks (sphinxVerbatim)."""
    inside, lines = False, set()
    for number, line in enumerate(tex.splitlines(), start=1):
        if line.startswith(r"\begin{sphinxVerbatim}"):
            inside = True
        elif line.startswith(r"\end{sphinxVerbatim}"):
            inside = False
        elif inside:
            lines.add(number)
    return lines


def test_no_code_line_runs_off_the_page(tex, log):
    code = code_lines(tex)
    assert len(code) > 1000  # the chapters' code cells and outputs
    cut = [(float(points), int(first)) for points, first, last in
           re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\) in paragraph at lines (\d+)--(\d+)", log)
           if float(points) > OVERFULL_POINTS and set(range(int(first), int(last) + 1)) & code]
    assert not cut, f"code lines wider than the page (pt, line of {build_pdf.NAME}.tex): {cut[:10]}"


def test_every_page_offers_the_pdf(language, html):
    for page, soup in html.items():
        links = soup.select(".dropdown-download-buttons a.btn-download-book-pdf-button")
        hrefs = {link["href"] for link in links if link["href"].endswith(build_pdf.pdf_path(language).name)}
        assert hrefs, f"{page}: no link to the whole book's PDF in the download menu"
        for href in hrefs:
            target = (SITES[language] / page).parent / unquote(href)
            assert target.resolve() == (SITES[language] / build_pdf.pdf_path(language).name).resolve()
            assert target.is_file(), f"{page}: {href} does not reach the PDF"


def test_a_latex_error_names_itself_and_the_log(tmp_path):
    tex = tmp_path / "broken.tex"
    tex.write_text("\\documentclass{report}\\begin{document}\\undefinedcommand\\end{document}\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        build_pdf.run_latex(tex)
    message = str(stopped.value.code)
    assert "XeLaTeX could not typeset" in message, message
    assert "Undefined control sequence" in message, message
    assert str(tex.with_suffix(".log")) in message
    good = tmp_path / "good.tex"
    good.write_text("\\documentclass{report}\\begin{document}Hello\\end{document}\n", encoding="utf-8")
    assert build_pdf.run_latex(good).is_file()
