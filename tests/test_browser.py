"""The built book in a real browser: what a reader sees, page by page.

A headless Chromium (Debian's ``chromium`` package, driven by Playwright for
Python; no browser is downloaded) opens every page of ``_toc.yml`` from a
local web server (the search page needs http, not file://) and checks that:

- the page loads without JavaScript errors and without requests that fail
  or leave the machine (the book must work offline);
- every image has loaded (natural width above zero) and has alt text;
- no cell output shows a traceback, an error or stderr;
- every equation is rendered by MathJax, without a TeX error;
- the download button (and, on notebook pages, the launch buttons) are there;
- every link to another page of the site points at a file that exists;
- the search page finds each page by a word of its title;
- the page passes axe-core's WCAG 2.1 A and AA rules, none switched off;
- on a phone (375 px wide) nothing runs off the page, and an equation wider
  than the screen scrolls inside its box rather than being cut off;
- no text needs an emoji font (a machine without one shows an empty box), and
  no inline script runs twice.

A full-page screenshot of each page is saved in ``browser-screenshots/``
beside the HTML (``_build/browser-screenshots/`` for the default build).

The checks run only when asked (``CHECK_BROWSER=1``, as ``make check-browser``
and CI do) against ``$BUILT_SITE`` or the repository's ``_build/html``. The
browser is ``$CHROMIUM`` if set, else ``/usr/bin/chromium``.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.stage("CHECK_BROWSER")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
#: Flags for a headless browser in a container or CI runner (no sandbox as root, no GPU, nothing phoning home).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: What the pages must pass: axe-core's rules for WCAG 2.0 and 2.1, levels A and AA (none switched off).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: A phone's viewport (an iPhone SE or mini), in CSS pixels.
PHONE = {"width": 375, "height": 667}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the signature of the base class)
        pass


@pytest.fixture(scope="module")
def base_url(site):
    """The built site served on 127.0.0.1 at a free port, for the whole module."""
    if not (site / "index.html").exists():
        pytest.fail(f"no built book in {site}: build it first (make book) or set BUILT_SITE")
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"no browser at {CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshots(site) -> Path:
    folder = site.parent / "browser-screenshots"
    folder.mkdir(exist_ok=True)
    return folder


class Visit:
    """One page opened in a fresh browser context, with what went wrong while it loaded."""

    def __init__(self, browser, base_url: str, path: str, viewport: dict | None = None):
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        self.page.on("requestfailed", lambda request: self.failed.append(f"{request.url} ({request.failure})"))
        self.page.on(
            "response",
            lambda response: response.status >= 400 and self.failed.append(f"{response.url} {response.status}"),
        )
        # The book must work offline: a request that leaves the machine is recorded and refused.
        self.page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]|data:|blob:|about:).*"), self._refuse)
        self.page.goto(base_url + path, wait_until="load")

    def _refuse(self, route):
        self.outside.append(route.request.url)
        route.abort()

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, base_url):
    opened = []

    def open_page(path: str, viewport: dict | None = None) -> Visit:
        opened.append(Visit(browser, base_url, path, viewport))
        return opened[-1]

    yield open_page
    for page_visit in opened:
        page_visit.close()


# JavaScript run in the page -------------------------------------------------

LOAD_IMAGES = """async () => {
  const images = [...document.images];
  for (const image of images) {
    image.loading = "eager";  // lazy images below the fold would otherwise report width 0
    try { await image.decode(); } catch (error) { /* reported below as width 0 */ }
  }
  return images.map(image => ({src: image.currentSrc || image.src, alt: image.alt, width: image.naturalWidth}));
}"""

WAIT_FOR_MATHJAX = """async () => {
  if (!document.querySelector(".math")) return true;
  for (let waited = 0; !(window.MathJax && MathJax.startup && MathJax.startup.promise); waited += 50) {
    if (waited > 30000) return false;  // MathJax never loaded: the equations are reported as not rendered
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  await MathJax.startup.promise;
  return true;
}"""

MATH_REPORT = """() => {
  const math = [...document.querySelectorAll("span.math, div.math")];
  return {
    total: math.length,
    unrendered: math.filter(element => !element.querySelector("mjx-container")).map(e => e.textContent.slice(0, 80)),
    errors: [...document.querySelectorAll("mjx-merror")].map(e => e.getAttribute("data-mjx-error") || e.textContent),
  };
}"""

# One line per output that shows an error: the line naming the exception ("KeyError: ..."), else its first line.
OUTPUT_PROBLEMS = """() => [...document.querySelectorAll(".cell_output")]
  .filter(output => output.querySelector(".traceback, .error, .stderr")
                    || output.textContent.includes("Traceback (most recent call last)"))
  .map(output => {
    const lines = output.textContent.split("\\n").map(line => line.trim()).filter(line => line);
    return (lines.find(line => /^[\\w.]+(Error|Exception|Warning): /.test(line)) || lines[0]).slice(0, 300);
  })"""

LINKS = """() => [...document.querySelectorAll("a[href]")].map(a => a.href)"""

# Characters drawn as emoji by default: without an emoji font they show as empty boxes.
EMOJI = """() => [...new Set(document.body.innerText.match(/\\p{Emoji_Presentation}/gu) || [])]"""

# What does not fit a narrow screen: the page as a whole, and each equation's box (span.math, div.math):
# a box past the viewport's edge; a formula (mjx-math, what MathJax draws) wider than its box that
# the box or MathJax's container does not scroll, so that its end is cut off; and a box that scrolls
# although the formula fits (a scroll bar for nothing, e.g. for the MathML kept for screen readers).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = element => element && ["auto", "scroll"].includes(getComputedStyle(element).overflowX)
                             && element.scrollWidth > element.clientWidth + 1;
  const report = {width: width, page: document.documentElement.scrollWidth, outside: [], cut: [], needless: []};
  for (const box of document.querySelectorAll(".math")) {
    const formula = box.querySelector("mjx-math");
    const rect = box.getBoundingClientRect();
    if (!formula || rect.width === 0) continue;  // not rendered, or hidden (a closed solution)
    const text = box.textContent.trim().slice(0, 60);
    const fits = formula.getBoundingClientRect().right <= rect.right + 2;  // 2 px: rounding, not a cut
    const scrolling = scrolls(box) || scrolls(box.querySelector("mjx-container"));
    if (rect.left < -1 || rect.right > width + 1) report.outside.push(text);
    if (!fits && !scrolling) report.cut.push(text);
    if (fits && scrolling) report.needless.push(text);
  }
  return report;
}"""

# Inline scripts that a page runs twice (a second `const` declaration fails).
REPEATED_SCRIPTS = """() => {
  const bodies = [...document.scripts].filter(script => !script.src).map(script => script.text.trim());
  return [...new Set(bodies.filter((body, index) => bodies.indexOf(body) !== index))].map(body => body.slice(0, 80));
}"""


# Per-page checks -------------------------------------------------------------


def local_file(site: Path, base_url: str, url: str) -> Path | None:
    """The file a link of the site points at, or None for a link elsewhere."""
    if not url.startswith(base_url):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    target = site / path
    return target / "index.html" if path == "" or path.endswith("/") else target


def test_page_in_the_browser(site, base_url, visit, screenshots, toc_page, tally):
    seen = visit(f"{toc_page}.html")
    page = seen.page
    problems: list[str] = []

    images = page.evaluate(LOAD_IMAGES)
    problems += [f"image not loaded: {image['src']}" for image in images if image["width"] == 0]
    problems += [f"image without alt text: {image['src']}" for image in images if not image["alt"].strip()]

    page.evaluate(WAIT_FOR_MATHJAX)
    math = page.evaluate(MATH_REPORT)
    problems += [f"equation not rendered: {text!r}" for text in math["unrendered"]]
    problems += [f"TeX error: {error!r}" for error in math["errors"]]

    problems += [f"cell output shows {text!r}" for text in page.evaluate(OUTPUT_PROBLEMS)]

    if not page.locator(".dropdown-download-buttons .btn-download-source-button").count():
        problems.append("no download button for the page's source")
    if toc_page_is_notebook(toc_page) and not page.locator(".dropdown-launch-buttons a").count():
        problems.append("a notebook page without launch buttons (Binder, Colab, JupyterHub)")

    links = page.evaluate(LINKS)
    internal = {url.split("#")[0] for url in links if url.startswith(base_url)}
    missing = sorted(url for url in internal if not local_file(site, base_url, url).exists())
    problems += [f"link to a missing page: {url}" for url in missing]

    problems += [f"inline script twice: {body!r}" for body in page.evaluate(REPEATED_SCRIPTS)]
    problems += [f"text that needs an emoji font: {char!r} (U+{ord(char):04X})" for char in page.evaluate(EMOJI)]

    page.screenshot(path=screenshots / f"{toc_page.replace('/', '__')}.png", full_page=True)
    problems += [f"JavaScript error: {error}" for error in seen.errors]
    problems += [f"request failed: {failure}" for failure in seen.failed if "127.0.0.1" in failure]
    problems += [f"request leaving the machine: {url}" for url in seen.outside]

    tally["pages checked in the browser"] += 1
    tally["images checked in the browser (loaded, with alt text)"] += len(images)
    tally["equations checked in the browser (rendered by MathJax)"] += math["total"]
    tally["internal links checked in the browser"] += len(internal)
    assert not problems, f"{toc_page}:\n" + "\n".join(problems)


def axe_report(violations: list[dict]) -> list[str]:
    """One line per violated rule: its id, impact and element count, what it asks, and a first element."""
    lines = []
    for rule in violations:
        first = rule["nodes"][0]
        lines.append(
            f"{rule['id']} ({rule['impact']}, {len(rule['nodes'])} elements): {rule['help']}; "
            f"e.g. {', '.join(map(str, first['target']))}: {first['html'][:160]}"
        )
    return lines


def wcag_violations(visit, path: str, ready: str = "body") -> list[dict]:
    """What axe-core finds on a page against WCAG 2.1 A and AA, once it shows ``ready`` and its equations."""
    from axe_playwright_python.sync_playwright import Axe

    page = visit(path).page
    page.wait_for_selector(ready, timeout=30_000)
    page.evaluate(WAIT_FOR_MATHJAX)  # MathJax replaces the TeX with the markup that readers get
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def test_page_passes_wcag_21_aa(visit, toc_page, tally):
    violations = wcag_violations(visit, f"{toc_page}.html")
    tally["pages checked against WCAG 2.1 AA (axe-core)"] += 1
    assert not violations, f"{toc_page} fails WCAG 2.1 AA:\n" + "\n".join(axe_report(violations))


@pytest.mark.parametrize(
    ("path", "ready"), [("genindex.html", "body"), ("search.html?q=neuron", "#search-results .search-summary")]
)
def test_generated_page_passes_wcag_21_aa(visit, path, ready, tally):
    violations = wcag_violations(visit, path, ready)
    tally["pages checked against WCAG 2.1 AA (axe-core)"] += 1
    assert not violations, f"{path} fails WCAG 2.1 AA:\n" + "\n".join(axe_report(violations))


def test_page_fits_a_phone_screen(visit, toc_page, tally):
    page = visit(f"{toc_page}.html", viewport=PHONE).page
    page.evaluate(WAIT_FOR_MATHJAX)
    overflow = page.evaluate(OVERFLOW)
    tally["pages checked at a phone's width"] += 1
    problems = [f"equation past the screen's edge: {text!r}" for text in overflow["outside"]]
    problems += [f"equation cut off (wider than its box, which does not scroll): {text!r}" for text in overflow["cut"]]
    problems += [f"equation that fits but scrolls: {text!r}" for text in overflow["needless"]]
    if overflow["page"] > overflow["width"]:
        problems.append(f"the page is {overflow['page']} px wide on a {overflow['width']} px screen")
    assert not problems, f"{toc_page} at {PHONE['width']} px:\n" + "\n".join(problems)


STATUS_COLUMN = """() => [...document.querySelectorAll("table")].flatMap(table => {
  const headers = [...table.querySelectorAll("thead th")].map(cell => cell.innerText.trim());
  const column = headers.indexOf("Status");
  if (column < 0) return [];
  return [...table.querySelectorAll("tbody tr")].map(row => row.cells[column].innerText.trim());
})"""


def test_status_page_says_each_chapters_status_in_words(visit):
    page = visit("book/status.html").page
    statuses = page.evaluate(STATUS_COLUMN)
    assert statuses, "the status page has no table with a Status column"
    unreadable = [status for status in statuses if not re.fullmatch(r"[A-Za-z][A-Za-z ]*", status)]
    assert not unreadable, f"status cells without a word (an emoji shows as a box without an emoji font): {unreadable}"


def toc_page_is_notebook(page: str) -> bool:
    return (ROOT / f"{page}.ipynb").exists()


def title_word(site: Path, page: str) -> str:
    """The longest word of a page's title, a term the search must find the page by."""
    html = (site / f"{page}.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)(?: &#8212;| —| -) ", html) or re.search(r"<title>(.*?)</title>", html)
    words = re.findall(r"[A-Za-z]{4,}", title.group(1) if title else "")
    return max(words, key=len) if words else ""


def test_search_finds_the_page_by_its_title(site, base_url, visit, toc_page, tally):
    term = title_word(site, toc_page)
    if not term:
        pytest.skip(f"{toc_page} has no title word to search for")
    seen = visit(f"search.html?q={term}")
    seen.page.wait_for_selector("#search-results .search-summary", timeout=30_000)
    found = seen.page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
    tally["search queries checked in the browser"] += 1
    assert any(urlsplit(url).path.lstrip("/").startswith(f"{toc_page}.html") for url in found), (
        f"searching {term!r} did not find {toc_page}; found {found[:10]}"
    )
    assert not seen.errors, f"JavaScript errors on the search page: {seen.errors}"
