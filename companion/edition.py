"""The reader's edition: the book's chapters as plain Jupyter notebooks with the built book's numbers.

JupyterLab, Colab and VS Code show the chapters' MyST roles and directives as raw markup.
:func:`convert_notebook` rewrites each Markdown cell as plain Jupyter Markdown: glued values
become the build's numbers; terms, citations and cross-references links to the published site;
an exercise a numbered heading, an admonition a quotation, and every solution one cell tagged
``solution`` (a ``<details>`` block with its text and code). Code cells keep source, metadata
and id, without outputs; a first cell installs the companion where it is missing. A construct
it does not know raises :class:`EditionError`. The conversion reads only :class:`BuildFacts`,
which :func:`read_build` gathers from the build; :func:`write_edition` converts every chapter.

Examples
--------
>>> from companion.built_book import BuildFacts, Target
>>> facts = BuildFacts(site="https://example.org/", glue={"book/a": {"n": "42"}},
...                    terms={"auc": Target("book/glossary", "term-AUC", "AUC")})
>>> convert_markdown("The {term}`AUC` of {glue:text}`n` women.", "book/a", facts)
'The [AUC](https://example.org/book/glossary.html#term-AUC) of 42 women.'
>>> myst_constructs("{doc}`intro`, but not `{term}` in code")
['{doc}`intro`']
"""

from __future__ import annotations

import copy
import posixpath
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from packaging.utils import canonicalize_name
from packaging.version import Version

import companion
from companion import DISTRIBUTION, book_toc
from companion.built_book import BuildFacts, read_build
from companion.classroom import SOLUTION_TAG

INSTALL_TAG = "install"
SOURCE_FOLDER = "book"
#: The directives the edition renders, with the options each may have; any other is an error.
OPTIONS = {
    "admonition": {"class", "name"}, "exercise": {"label", "class"}, "solution": {"class", "label"},
    "solution-start": {"class", "label"}, "solution-end": set(), "bibliography": {"filter", "keyprefix", "all"},
    "literalinclude": {"pyobject", "start-at", "end-at", "start-after", "end-before", "lines", "dedent", "language"},
}

ROLE = r"\{(?P<name>[A-Za-z][\w:+-]*)\}`(?P<content>[^`]+)`"
INLINE = re.compile(ROLE + r"|(?P<ticks>`+)[\s\S]*?(?<!`)(?P=ticks)(?!`)")  # a role, or a code span to keep
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,}|:{3,})\s*(?P<info>[^`]*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[A-Za-z][\w:+-]*)\}\s*(?P<argument>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
TARGET_LINE = re.compile(r"^ {0,3}\([^()\s]+\)=\s*$")
COMMENT_LINE = re.compile(r"^ {0,3}%")
EXPLICIT = re.compile(r"^(?P<text>.+?)\s*<(?P<target>[^<>]+)>$", re.S)


class EditionError(ValueError):
    """A construct the reader's edition cannot render; the message names notebook, cell and construct."""


@dataclass
class _Context:
    facts: BuildFacts
    docname: str
    root: Path
    counts: Counter
    prefixes: tuple[str, ...] = ()
    cited: dict[str, None] = field(default_factory=dict)
    cell: int = 0

    def error(self, message: str) -> EditionError:
        return EditionError(f"{self.docname}.ipynb, cell {self.cell}: {message}")


def _closing(lines: list[str], start: int, fence: str) -> int:
    """Index of the line that closes the fence opened at ``start`` (``len(lines)`` if none does)."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    return next((i for i in range(start + 1, len(lines)) if closing.match(lines[i])), len(lines))


def _blocks(text: str) -> Iterator[tuple[str, str, tuple]]:
    """The blocks of Markdown ``text``: ``(kind, text, directive)``, kind one of ``"prose"``, ``"code"``
    (fenced), ``"target"``, ``"comment"`` or ``"directive"`` (then ``directive`` is name, argument, options, body)."""
    lines, prose, i = text.split("\n"), [], 0
    while i < len(lines):
        fence, special = FENCE.match(lines[i]), TARGET_LINE.match(lines[i]) or COMMENT_LINE.match(lines[i])
        directive = DIRECTIVE.match(fence["info"]) if fence and fence["fence"][0] != "~" else None
        if prose and (special or directive or (fence and fence["fence"][0] != ":")):
            yield "prose", "\n".join(prose), ()
            prose = []
        if directive:
            end = _closing(lines, i, fence["fence"])
            body, options = lines[i + 1 : end], {}
            while body and OPTION.match(body[0]):
                key, value = OPTION.match(body.pop(0)).group("key", "value")
                options[key] = value.strip()
            yield "directive", lines[i].strip(), (directive["name"], directive["argument"].strip(), options,
                                                  "\n".join(body))
            i = end
        elif fence and fence["fence"][0] != ":":
            end = _closing(lines, i, fence["fence"])
            yield "code", "\n".join(lines[i : end + 1]), ()
            i = end
        elif special:
            yield "target" if TARGET_LINE.match(lines[i]) else "comment", lines[i].strip(), ()
        else:
            prose.append(lines[i])
        i += 1
    if prose:
        yield "prose", "\n".join(prose), ()


def myst_constructs(text: str) -> list[str]:
    """The MyST syntax left in the Markdown ``text`` (roles, directives, targets, comments), outside code.

    Examples
    --------
    >>> myst_constructs("(intro)=\\n# Title {cite:p}`a`\\n```{note}\\nHi\\n```\\n```python\\n{term}`x`\\n```")
    ['(intro)=', '{cite:p}`a`', '```{note}']
    """
    found = []
    for kind, block, directive in _blocks(text):
        if kind == "prose":
            found += [match[0] for match in INLINE.finditer(block) if match["name"]]
        elif kind != "code":
            found += [block, *(myst_constructs(directive[3]) if directive else [])]
    return found


def _words(text: str) -> str:
    return " ".join(text.split())


def _role(name: str, content: str, ctx: _Context) -> str:
    facts, explicit = ctx.facts, EXPLICIT.match(content.strip())
    text, target = (_words(explicit["text"]), explicit["target"].strip()) if explicit else (None, _words(content))
    ctx.counts[f"{{{name}}}"] += 1
    if name == "glue:text":
        from myst_nb.core.variables import format_plain_text

        key, _, spec = content.strip().partition(":")
        if key not in facts.glue.get(ctx.docname, {}):
            raise ctx.error(f"glue key {key!r} is not in the built book (run make book)")
        return format_plain_text(facts.glue[ctx.docname][key], spec)
    if name == "term" and target.lower() in facts.terms:
        term = facts.terms[target.lower()]
        return f"[{text or target}]({facts.url(term.docname, term.anchor)})"
    if name == "doc":
        folder = "" if target.startswith("/") else posixpath.dirname(ctx.docname)
        docname = re.sub(r"\.(md|ipynb)$", "", posixpath.normpath(posixpath.join(folder, target.lstrip("/"))))
        if docname in facts.titles:
            return f"[{text or facts.titles[docname]}]({facts.url(docname)})"
    if name == "ref" and target in facts.labels and (text or facts.labels[target].text):
        label = facts.labels[target]
        return f"[{text or label.text}]({facts.url(label.docname, label.anchor)})"
    if name == "numref" and target in facts.numbers:
        number = facts.numbers[target]
        shown = text.replace("{number}", "%s").replace("%s", number.text) if text else facts.number(target)
        return f"[{shown}]({facts.url(number.docname, number.anchor)})"
    if name in ("cite:p", "cite:t"):
        works = [facts.citations[_cite(key.strip(), ctx)] for key in content.split(",")]
        links = [(work, facts.url(work.docname, work.anchor)) for work in works]
        if name == "cite:t":
            return ", ".join(f"{work.authors} ([{work.year}]({url}))" for work, url in links)
        return "(" + "; ".join(f"[{work.authors}, {work.year}]({url})" for work, url in links) + ")"
    if name in ("term", "doc", "ref", "numref"):
        raise ctx.error(f"{{{name}}}`{content}`: {target!r} is not in the built book")
    raise ctx.error(f"unknown MyST role {{{name}}}")


def _cite(key: str, ctx: _Context) -> str:
    """The bibliography key of a cited ``key`` (which may carry the chapter's ``:keyprefix:``)."""
    for prefix in ("", *ctx.prefixes):
        if key.startswith(prefix) and key[len(prefix) :] in ctx.facts.citations:
            ctx.cited.setdefault(key[len(prefix) :], None)
            return key[len(prefix) :]
    raise ctx.error(f"citation {key!r} is not in the bibliography of the built book")


def _inline(text: str, ctx: _Context) -> str:
    return INLINE.sub(lambda match: _role(match["name"], match["content"], ctx) if match["name"] else match[0], text)


def _fenced(code: str, language: str = "python") -> str:
    """``code`` in a fence longer than any run of backticks inside it."""
    ticks = "`" * max([3] + [len(run) + 1 for run in re.findall(r"`+", code)])
    return f"{ticks}{language}\n{code.rstrip()}\n{ticks}"


def _directive(name: str, argument: str, options: dict[str, str], body: str, ctx: _Context) -> list[tuple[str, str]]:
    """One directive as events (see :func:`_events`)."""
    if name not in OPTIONS:
        raise ctx.error(f"unknown MyST directive {{{name}}}")
    if set(options) - OPTIONS[name] or body.startswith("---"):
        unknown = ", ".join(sorted(set(options) - OPTIONS[name])) or "in a YAML block"
        raise ctx.error(f"{{{name}}} with unknown option(s) {unknown}")
    ctx.counts[f"{{{name}}}"] += 1
    if name in ("solution-start", "solution-end"):
        return [(name.removeprefix("solution-"), argument)]
    if name == "literalinclude":
        from sphinx.directives.code import LiteralIncludeReader

        path = (ctx.root / ctx.docname).parent / argument
        if "dedent" in options:
            options = {**options, "dedent": int(options["dedent"]) if options["dedent"] else None}
        try:
            code, _ = LiteralIncludeReader(str(path), options, SimpleNamespace(source_encoding="utf-8")).read()
        except (OSError, ValueError) as error:
            raise ctx.error(f"{{literalinclude}} {argument}: {error}") from error
        return [("md", _fenced(code, options.get("language", "python")))]
    if name == "bibliography":
        if options.get("filter", "docname in docnames") != "docname in docnames":
            raise ctx.error(f"{{bibliography}} with an unsupported :filter: {options['filter']}")
        works = [ctx.facts.citations[key] for key in (ctx.facts.citations if "all" in options else ctx.cited)]
        return [("md", "\n".join(f"- {work.text}" for work in sorted(works, key=lambda work: work.order)))]
    text = "\n\n".join(chunk for _, chunk in _events(body, ctx, nested=True))
    title = _inline(_words(argument), ctx)
    if name == "solution":
        return [("solution", _details([text]))]
    if name == "admonition":
        if not title:
            raise ctx.error("{admonition} without a title")
        return [("md", "\n".join(f"> {line}".rstrip() for line in f"**{title}**\n\n{text}".strip().split("\n")))]
    if options.get("label") not in ctx.facts.numbers:
        raise ctx.error(f"{{exercise}} {argument!r} without a :label: numbered in the built book")
    heading = f"### {ctx.facts.number(options['label'])}" + (f": {title}" if title else "")
    return [("md", heading + (f"\n\n{text}" if text else ""))]


def _events(text: str, ctx: _Context, nested: bool = False) -> list[tuple[str, str]]:
    """Markdown ``text`` converted, as events ``("md", text)``, ``("solution", text)``, ``("start"|"end", label)``."""
    events, chunk = [], []
    for kind, block, directive in [*_blocks(text), ("", "", ())]:
        if kind in ("prose", "code"):
            chunk.append(_inline(block, ctx) if kind == "prose" else block)
        elif kind in ("target", "comment"):
            ctx.counts["(label)=" if kind == "target" else "% comment"] += 1
        else:
            markdown = re.sub(r"\n{3,}", "\n\n", "\n".join(chunk)).strip("\n")
            events += [("md", markdown)] * bool(markdown.strip()) + (_directive(*directive, ctx) if kind else [])
            chunk = []
    if nested and any(kind != "md" for kind, _ in events):
        raise ctx.error("a solution inside another directive")
    return events


def _details(parts: list[str]) -> str:
    body = "\n\n".join(part for part in parts if part.strip())
    return f"<details>\n<summary><b>Solution</b></summary>\n\n{body}\n\n</details>"


def _context(sources: Iterable[str], docname: str, facts: BuildFacts, root, counts: Counter | None) -> _Context:
    prefixes = set(re.findall(r"^:keyprefix:\s*(\S+)", "\n".join(sources), re.M))
    return _Context(facts, docname, Path(root), Counter() if counts is None else counts, tuple(sorted(prefixes)))


def convert_markdown(text: str, docname: str, facts: BuildFacts, *, root: Path | str = ".") -> str:
    """One Markdown text of the page ``docname`` as plain Markdown (a solution as a ``<details>`` block).

    Examples
    --------
    >>> facts = BuildFacts(site="https://example.org/", titles={"book/b": "Bees"})
    >>> print(convert_markdown("```{admonition} Note\\n:class: tip\\n\\nSee {doc}`b`.\\n```", "book/a", facts))
    > **Note**
    >
    > See [Bees](https://example.org/book/b.html).
    """
    return "\n\n".join(chunk for _, chunk in _events(text, _context([text], docname, facts, root, None)))


INSTALL = '''\
# @title Set-up: install the course package if it is missing
# This notebook uses the course's package `companion`, installed here only if it is missing.
# To install it from elsewhere, set the environment variable COMPANION_INSTALL to a pip requirement.
import importlib.util
import os
import subprocess
import sys

WHEEL = "{wheel}"

if importlib.util.find_spec("companion") is None:
    extra = "" if importlib.util.find_spec("tensorflow") else "[tensorflow]"  # keep a runtime's own TensorFlow
    requirement = os.environ.get("COMPANION_INSTALL") or f"{distribution}{{extra}} @ {{WHEEL}}"
    print(f"Installing the course package (this can take a few minutes): pip install {{requirement}}")
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-color", requirement],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        class InstallError(RuntimeError):
            def _render_traceback_(self):  # Jupyter shows this sentence instead of a traceback
                return [str(self)]

        reason = (pip.stderr.strip().splitlines() or ["pip gave no reason"])[-1]
        raise InstallError(f"Could not install the course package with pip install {{requirement!r}} ({{reason}}); "
                           "check the network or set COMPANION_INSTALL to a requirement this runtime can install, "
                           "then run this cell again.")
    importlib.invalidate_caches()
    print("Installed.")
else:
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("{distribution}")
    except PackageNotFoundError:  # imported from a source checkout
        installed = "from source"
    print(f"The course package is already installed (companion {{installed}}).")'''


def wheel_url(site: str, version: str = companion.__version__) -> str:
    """Where the companion's wheel of ``version`` is published beside the site (``make notebooks``).

    Examples
    --------
    >>> wheel_url("https://example.org/", "0.1.0")
    'https://example.org/wheels/dl_medicine_companion-0.1.0-py3-none-any.whl'
    """
    return f"{site}wheels/{canonicalize_name(DISTRIBUTION).replace('-', '_')}-{Version(version)}-py3-none-any.whl"


def install_source(site: str, version: str = companion.__version__) -> str:
    """The first cell: installs the companion, by default the wheel published on ``site``, if it is missing."""
    return INSTALL.format(wheel=wheel_url(site, version), distribution=DISTRIBUTION)


def convert_notebook(
    notebook, docname: str, facts: BuildFacts, *, root: Path | str = ".", counts: Counter | None = None
):
    """The reader's edition of one chapter, as a new notebook (``notebook`` is not changed).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The chapter's source, nbformat 4.
    docname : str
        Its path from ``root`` without suffix, e.g. ``"book/diagnosis/clinical_data"``.
    facts : BuildFacts
        What the build knows (:func:`read_build`).
    root : path, default "."
        The folder of the book's sources; ``{literalinclude}`` paths are relative to the notebook.
    counts : Counter, optional
        Incremented once per construct converted (``"{term}"``, ``"{exercise}"``, ...).

    Raises
    ------
    EditionError
        For a construct it cannot render, naming the notebook, the cell (its index) and the construct.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("(x)=\\n# Title"),
    ...                                      nbformat.v4.new_code_cell("1 + 1")])
    >>> edition = convert_notebook(nb, "book/a", BuildFacts(site="https://example.org/"))
    >>> [(cell.cell_type, cell.metadata.get("tags"), cell.source.split(":")[0]) for cell in edition.cells]
    [('code', ['install'], '# @title Set-up'), ('markdown', None, '# Title'), ('code', None, '1 + 1')]
    """
    import nbformat

    sources = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    ctx = _context(sources, docname, facts, root, counts)
    install = install_source(facts.site)
    # Collapsed, under its title, in JupyterLab (source_hidden) and in Colab (a form): a click shows the code.
    collapsed = {"tags": [INSTALL_TAG], "jupyter": {"source_hidden": True}, "cellView": "form"}
    cells = [nbformat.v4.new_code_cell(install, id="install-companion", metadata=collapsed)]
    solution, origin, taken = None, None, Counter()  # the open solution's parts and the cell where it began

    def add(text: str, source, tags: list[str] | None = None, suffix: str = "") -> None:
        name = source.get("id") or f"cell-{ctx.cell}"
        taken[name] += 1
        cell = nbformat.v4.new_markdown_cell(text, metadata=copy.deepcopy(source.metadata) if tags is None else {})
        cell.metadata.update({"tags": tags} if tags else {})
        cell.id = f"{name[:48]}-{suffix}" if suffix else name if taken[name] == 1 else f"{name[:56]}-{taken[name]}"
        if taken[name] == 1 and source.get("attachments"):  # images pasted into the cell
            cell.attachments = copy.deepcopy(source.attachments)
        cells.append(cell)

    def caption(cell) -> str:
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if "caption" not in figure:
            return ""
        if figure.get("name") not in facts.numbers:
            raise ctx.error(f"figure {figure.get('name')!r} has no number in the built book")
        ctx.counts["figure caption"] += 1
        return f"**{facts.number(figure['name'])}.** {_inline(_words(figure['caption']), ctx)}"

    for ctx.cell, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and solution is not None:
            solution += [part for part in (_fenced(cell.source), caption(cell)) if part]
        elif cell.cell_type == "code":
            if SOLUTION_TAG in cell.metadata.get("tags", []):
                raise ctx.error("a code cell tagged solution outside {solution-start} ... {solution-end}")
            cells.append(copy.deepcopy(cell))
            cells[-1].outputs, cells[-1].execution_count = [], None
            text = caption(cell)
            if text:
                add(text, cell, [], suffix="caption")
        elif cell.cell_type != "markdown":
            cells.append(copy.deepcopy(cell))
        else:
            merged: list[str] = []  # consecutive Markdown of one cell stays one cell
            for kind, text in [*_events(cell.source, ctx), ("", "")]:
                if kind == "md":
                    (merged if solution is None else solution).append(text)
                    continue
                if merged:
                    add("\n\n".join(merged), cell)
                    merged = []
                if kind == "solution" and solution is None:
                    add(text, cell, [SOLUTION_TAG])
                elif kind == "start" and solution is None:
                    solution, origin = [], cell
                elif kind == "end" and solution is not None:
                    add(_details(solution), origin, [SOLUTION_TAG])
                    solution = None
                elif kind:
                    raise ctx.error(f"{{solution-{kind}}} out of order" if kind != "solution" else "nested solution")
    if solution is not None:
        raise ctx.error("{solution-start} without {solution-end}")
    duplicates = [name for name, n in Counter(cell.id for cell in cells).items() if n > 1]
    if duplicates:
        raise ctx.error(f"duplicate cell ids {duplicates}")
    return nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(notebook.metadata))


@dataclass
class EditionReport:
    """What :func:`write_edition` wrote: the notebooks, their cells, the constructs converted by kind, seconds."""

    target: Path
    notebooks: list[Path]
    cells: int
    constructs: Counter
    seconds: float


def write_edition(
    root: Path | str, target: Path | str, *, build: Path | str | None = None, translate: Callable | None = None
) -> EditionReport:
    """Write the reader's edition of every notebook chapter of ``root/_toc.yml`` into ``target``.

    ``book/diagnosis/clinical_data.ipynb`` becomes ``target/diagnosis/clinical_data.ipynb``, and
    each notebook is validated by nbformat. Needs the built book (:func:`read_build`). A translated
    edition passes the translation's build and ``translate(docname, notebook)``
    (:func:`companion.translated_edition.translator`), applied before the conversion.

    Raises
    ------
    FileNotFoundError
        If the book has not been built.
    EditionError
        If a chapter has a construct the edition cannot render.
    """
    import nbformat

    start, root, target = time.perf_counter(), Path(root), Path(target)
    facts, counts, written, cells = read_build(root, build), Counter(), [], 0
    for docname in book_toc.notebooks(root):
        source = nbformat.read(root / f"{docname}.ipynb", as_version=4)
        edition = convert_notebook(translate(docname, source) if translate else source, docname, facts,
                                   root=root, counts=counts)
        nbformat.validate(edition)
        path = target / f"{posixpath.relpath(docname, SOURCE_FOLDER)}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(edition, path)
        written.append(path)
        cells += len(edition.cells)
    return EditionReport(target, written, cells, counts, time.perf_counter() - start)
