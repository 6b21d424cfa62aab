"""The Chinese site, its reader's and student editions, against the English ones and in a real
browser (``make check-chinese``, after ``make book book-zh notebooks-zh site``).

- No chapter ran again: each chapter's execution record on the Chinese status page (when it ran,
  for how long) is the English one.
- The glued numbers of every page are the English page's numbers.
- Most of every page's text is Chinese: at least ``CJK_SHARE`` of the letters outside code,
  equations, outputs, tables and references are Chinese characters (the bibliography, whose
  entries are English titles, is left out).
- Every page links the same page in the other language, both ways, and the launch buttons open
  the Chinese reader's edition (its branch ``notebooks-zh_CN``).
- The Chinese reader's edition has no MyST markup left and is mostly Chinese; the student
  edition has no solutions and no outputs.
- In Chromium, served as published (English at the root, Chinese under ``zh_CN/``): no
  JavaScript error, every image loaded, every equation rendered, the language switch goes to the
  same page in English and back, and a Chinese search finds the page about the term.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from test_browser import CHROMIUM, CHROMIUM_ARGS, LOAD_IMAGES, MATH_REPORT, WAIT_FOR_MATHJAX, QuietHandler, Visit

from companion import book_toc
from companion.edition import myst_constructs

pytestmark = pytest.mark.stage("CHECK_CHINESE")

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "_build" / "html"
CHINESE = ROOT / "_build" / "zh_CN" / "html"
SITE = ROOT / "_build" / "site"  # make site: both, as published
EDITION = ROOT / "_build" / "notebooks-zh"
STUDENT = ROOT / "_build" / "student-zh"
SCREENSHOTS = ROOT / "_build" / "browser-screenshots-zh"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
#: The least share of Chinese characters among the letters of a page's prose (measured: 0.68 to 0.93).
CJK_SHARE = 0.6
#: ... and of a reader's-edition chapter's Markdown outside code and links (measured: 0.45 to 0.69).
EDITION_CJK_SHARE = 0.4
NOT_PROSE = ".cell_input, .cell_output, .math, pre, code, .headerlink, .citation, .bibliography, table"
#: Chinese searches and a page each must find.
SEARCHES = {
    "过拟合": "book/foundations/training",
    "灵敏度": "book/diagnosis/clinical_data",
    "差分隐私": "book/challenges/privacy",  # a word jieba does not know: the glossary's terms are added
}


def soup(site: Path, page: str) -> BeautifulSoup:
    path = site / f"{page}.html"
    if not path.exists():
        pytest.fail(f"{path} is missing: make book book-zh site")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def cjk_share(text: str) -> float:
    chinese, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    return chinese / max(chinese + latin, 1)


def execution_records(site: Path) -> dict[str, list[str]]:
    """Document -> (Modified, Method, Run Time) of the status page's execution table."""
    page = soup(site, "book/status")
    table = page.find("table", class_="nb-exec-table") or page.find("table")
    rows = [[cell.get_text(strip=True) for cell in row.find_all("td")] for row in table.find_all("tr")]
    return {row[0]: row[1:4] for row in rows if row}


def test_no_chapter_ran_again():
    english, chinese = execution_records(ENGLISH), execution_records(CHINESE)
    assert len(english) >= 12
    assert chinese == english, "the Chinese build executed chapters instead of reading the English build's cache"


def glued(site: Path, page: str) -> list[str]:
    return sorted(span.get_text() for span in soup(site, page).select(".pasted-text, .pasted-inline"))


def test_glued_numbers_are_the_english_ones(toc_page, tally):
    english, chinese = glued(ENGLISH, toc_page), glued(CHINESE, toc_page)
    tally["glued numbers compared, Chinese and English"] += len(english)
    assert chinese == english


def test_page_is_mostly_chinese(toc_page):
    if toc_page == "book/bibliography":
        pytest.skip("the bibliography's entries are English titles")
    article = soup(CHINESE, toc_page).select_one("article")
    for element in article.select(NOT_PROSE):
        element.decompose()
    share = cjk_share(article.get_text(" "))
    assert share >= CJK_SHARE, f"{toc_page}: only {share:.0%} of the prose's letters are Chinese"


def switch_target(site: Path, page: str) -> Path:
    link = soup(site, page).select_one("nav.language-switch a")
    assert link is not None, f"{site / page}.html has no language switch"
    return (SITE / ("zh_CN" if site == CHINESE else "") / page).parent / link["href"]


def test_every_page_links_its_page_in_the_other_language(toc_page):
    assert switch_target(ENGLISH, toc_page).resolve() == (SITE / "zh_CN" / f"{toc_page}.html").resolve()
    assert switch_target(CHINESE, toc_page).resolve() == (SITE / f"{toc_page}.html").resolve()
    assert (SITE / "zh_CN" / f"{toc_page}.html").exists(), "make site puts the Chinese pages under zh_CN/"


def test_launch_buttons_open_the_chinese_edition():
    for page in book_toc.notebooks(ROOT):
        colab = [link["href"] for link in soup(CHINESE, page).select("a[href*='colab.research.google.com']")]
        assert colab, f"{page}: no Colab button"
        assert all("/blob/notebooks-zh_CN/" in href for href in colab), f"{page}: {colab}"


def edition_notebooks(folder: Path) -> list[Path]:
    notebooks = sorted(folder.rglob("*.ipynb"))
    if len(notebooks) != len(book_toc.notebooks(ROOT)):
        pytest.fail(f"{folder} should hold every chapter: make notebooks-zh")
    return notebooks


def test_chinese_reader_edition_is_plain_markdown_in_chinese():
    for path in edition_notebooks(EDITION):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        markdown = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
        assert not myst_constructs(markdown), f"{path.name}: MyST left: {myst_constructs(markdown)[:3]}"
        prose = re.sub(r"```.*?```|`[^`]*`|\$[^$]*\$|\]\([^)]*\)", " ", markdown, flags=re.DOTALL)
        assert cjk_share(prose) >= EDITION_CJK_SHARE, f"{path.name}: mostly not Chinese"
        assert "/zh_CN/book/" in markdown, f"{path.name}: links should go to the Chinese site"


def test_chinese_student_edition_has_no_solutions_or_outputs():
    for path in edition_notebooks(STUDENT):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert not [cell for cell in cells if "solution" in cell.get("metadata", {}).get("tags", [])], path.name
        assert not [cell for cell in cells if cell.get("outputs")], path.name


# In Chromium ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url():
    if not (SITE / "zh_CN" / "index.html").exists():
        pytest.fail(f"no Chinese site in {SITE}: make book book-zh site")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def visit(browser, base_url):
    opened = []

    def open_page(path: str) -> Visit:
        opened.append(Visit(browser, base_url, path))
        return opened[-1]

    yield open_page
    for page_visit in opened:
        page_visit.close()


def test_chinese_page_in_the_browser(visit, base_url, toc_page, tally):
    seen = visit(f"zh_CN/{toc_page}.html")
    page = seen.page
    images = page.evaluate(LOAD_IMAGES)
    page.evaluate(WAIT_FOR_MATHJAX)
    math = page.evaluate(MATH_REPORT)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{toc_page.replace('/', '__')}.png", full_page=True)
    problems = [f"image not loaded: {image['src']}" for image in images if image["width"] == 0]
    problems += [f"image without alt text: {image['src']}" for image in images if not image["alt"].strip()]
    problems += [f"equation not rendered: {text!r}" for text in math["unrendered"]]
    problems += [f"TeX error: {error!r}" for error in math["errors"]]
    problems += [f"JavaScript error: {error}" for error in seen.errors]
    problems += [f"request failed: {failure}" for failure in seen.failed if "127.0.0.1" in failure]
    problems += [f"request leaving the machine: {url}" for url in seen.outside]
    assert page.evaluate("document.documentElement.lang") == "zh-CN"

    page.click("nav.language-switch a")
    page.wait_for_load_state("load")
    english = urlsplit(page.url).path
    if english != f"/{toc_page}.html":
        problems.append(f"the language switch went to {english}, not /{toc_page}.html")
    page.click("nav.language-switch a")
    page.wait_for_load_state("load")
    if urlsplit(page.url).path != f"/zh_CN/{toc_page}.html":
        problems.append(f"the English page's switch went to {urlsplit(page.url).path}")

    tally["Chinese pages checked in the browser"] += 1
    tally["images checked on Chinese pages"] += len(images)
    tally["equations checked on Chinese pages"] += math["total"]
    assert not problems, f"zh_CN/{toc_page}:\n" + "\n".join(problems)


@pytest.mark.parametrize(("term", "expected"), SEARCHES.items())
def test_chinese_search_finds_the_page(visit, term, expected, tally):
    seen = visit(f"zh_CN/search.html?q={quote(term)}")
    seen.page.wait_for_selector("#search-results .search-summary", timeout=30_000)
    found = seen.page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
    if expected == "book/foundations/training":  # the screenshot for a look at a Chinese search
        SCREENSHOTS.mkdir(exist_ok=True)
        seen.page.screenshot(path=SCREENSHOTS / "search.png", full_page=False)
    tally["Chinese searches checked in the browser"] += 1
    assert any(urlsplit(url).path == f"/zh_CN/{expected}.html" for url in found), f"{term}: found {found[:8]}"
    assert not seen.errors, f"JavaScript errors on the search page: {seen.errors}"
