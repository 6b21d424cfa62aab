"""What the built book knows that the reader's edition needs: :class:`BuildFacts` and :func:`read_build`.

After ``make book``, the Sphinx environment holds the pages' titles, labels, figure and exercise
numbers, glossary terms and citations, and the execution cache holds every glued value.
:func:`read_build` gathers them, with the published site's address from ``_config.yml``, so that
the conversion (:mod:`companion.edition`) needs nothing but this small record.

Examples
--------
>>> facts = BuildFacts(site="https://example.org/", numbers={"fig-a": Target("book/a", "fig-a", "4.2", "figure")})
>>> facts.url("book/a", "fig-a"), facts.number("fig-a")
('https://example.org/book/a.html#fig-a', 'Fig. 4.2')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

BIBLIOGRAPHY_PAGE = "book/bibliography"
#: Sphinx's default ``numfig_format``; the build's own replaces it in :func:`read_build`.
NUMFIG_FORMAT = {"figure": "Fig. %s", "table": "Table %s", "code-block": "Listing %s", "exercise": "Exercise %s"}


class Target(NamedTuple):
    """A place on the site: page, anchor and text (a title, a term, or a number like ``"4.1"``)."""

    docname: str
    anchor: str
    text: str
    kind: str = ""  # of a number: "figure", "exercise", ...


class Reference(NamedTuple):
    """A cited work: authors as cited ("Smith et al."), year, its entry on the site, full text, place there."""

    authors: str
    year: str
    docname: str
    anchor: str
    text: str
    order: int = 0


@dataclass(frozen=True)
class BuildFacts:
    """What the built book knows and the edition needs.

    ``glue`` maps docname -> key -> the value's ``text/plain``; ``labels`` (for ``{ref}``) and
    ``numbers`` (for ``{numref}``, exercises and figures) map a label to a :class:`Target`;
    ``terms`` maps a lower-case glossary term to its entry; ``citations`` a bibliography key
    (without chapter prefix) to its :class:`Reference`. ``pages`` is the folder of the build's
    language on the site: empty for English at its root, ``"zh_CN/"`` for the Chinese edition.
    """

    site: str
    glue: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    titles: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Target] = field(default_factory=dict)
    numbers: Mapping[str, Target] = field(default_factory=dict)
    terms: Mapping[str, Target] = field(default_factory=dict)
    citations: Mapping[str, Reference] = field(default_factory=dict)
    numfig_format: Mapping[str, str] = field(default_factory=lambda: dict(NUMFIG_FORMAT))
    pages: str = ""

    def url(self, docname: str, anchor: str = "") -> str:
        """The published address of ``docname`` in the build's language, with ``#anchor`` if one is given."""
        return f"{self.site}{self.pages}{docname}.html" + (f"#{anchor}" if anchor else "")

    def number(self, label: str) -> str:
        """A label's number as the site shows it, e.g. ``"Fig. 4.2"`` or ``"Exercise 4.1"``."""
        target = self.numbers[label]
        return self.numfig_format.get(target.kind, "%s") % target.text


def _citations(env) -> dict[str, Reference]:
    """Every cited work, linked to its entry on the bibliography page, in the site's order."""
    from pybtex.backends.markdown import Backend
    from pybtex.backends.plaintext import Backend as Text

    class Markdown(Backend):  # pybtex's, on one line and without escaping every full stop
        symbols = {**Backend.symbols, "ndash": "–", "newblock": " "}

        def format_str(self, text: str) -> str:
            return re.sub(r"([\\`*_\[\]<])", r"\\\1", text)

        def format_protected(self, text: str) -> str:  # a \url{...} field: a link, as on the site
            return f"<{text[5:]}>" if text.startswith("\\url ") else text

    plain, markdown, references, domain = Text(), Markdown(), {}, env.domaindata["cite"]
    citations = sorted(domain["citations"], key=lambda c: c.bibliography_key.docname != BIBLIOGRAPHY_PAGE)
    for order, citation in enumerate(citations):
        key = citation.key.removeprefix(domain["bibliographies"][citation.bibliography_key].keyprefix)
        if key in references:
            continue
        people = citation.entry.persons.get("author") or citation.entry.persons.get("editor") or []
        names = [" ".join(part.render(plain) for part in p.rich_prelast_names + p.rich_last_names) for p in people]
        authors = (names[0] if len(names) == 1 else f"{names[0]} and {names[1]}"
                   if len(names) == 2 and names[1] != "others" else f"{names[0]} et al.")
        year, page = citation.entry.fields.get("year", "n.d."), citation.bibliography_key.docname
        references[key] = Reference(authors, year, page, citation.citation_id,
                                    citation.formatted_entry.text.render(markdown), order)
    return references


def _glue(root: Path, build: Path, docnames: Iterable[str], cache_path: str | None) -> dict[str, dict[str, str]]:
    """Glued ``text/plain`` values per page, from the execution cache or else the executed notebooks."""
    import nbformat
    from myst_nb.ext.glue import extract_glue_data_cell

    cache, values = None, {}
    folder = build / ".jupyter_cache" if (build / ".jupyter_cache").is_dir() or not cache_path else Path(cache_path)
    if folder.is_dir():
        from jupyter_cache import get_cache

        cache = get_cache(str(folder))
    for docname in docnames:
        executed, saved = None, build / "jupyter_execute" / f"{docname}.ipynb"
        try:  # the cache holds every output; the saved notebook lacks those glued with display=False
            executed = cache and cache.merge_match_into_notebook(nbformat.read(root / f"{docname}.ipynb", 4))[1]
        except KeyError:  # the page changed since it ran
            pass
        if executed is None and saved.exists():
            executed = nbformat.read(saved, as_version=4)
        cells = [cell for cell in executed.cells if cell.cell_type == "code"] if executed else []
        values[docname] = {key: output["data"]["text/plain"] for cell in cells
                           for key, output in extract_glue_data_cell(cell) if "text/plain" in output.get("data", {})}
    return values


def read_build(root: Path | str, build: Path | str | None = None) -> BuildFacts:
    """Gather what the built book knows into :class:`BuildFacts` (after ``make book``).

    ``root`` holds ``_config.yml`` (the site's address is ``html.baseurl``) and the sources;
    ``build`` defaults to ``root/_build``. Titles, labels, numbers, glossary terms and citations
    come from the Sphinx environment, glued values from the executed notebooks.

    Raises
    ------
    FileNotFoundError
        If the book has not been built.
    """
    import pickle

    import yaml

    root = Path(root)
    build = Path(build) if build else root / "_build"
    pickled = build / ".doctrees" / "environment.pickle"
    if not pickled.exists():
        raise FileNotFoundError(f"no built book in {build} ({pickled} is missing): run make book first")
    with open(pickled, "rb") as file:
        env = pickle.load(file)
    site = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))["html"]["baseurl"].rstrip("/") + "/"
    std = env.domaindata["std"]
    labels = {name: Target(doc, anchor, str(title)) for name, (doc, anchor, title) in std["labels"].items()}
    numbers = {name: Target(doc, anchor, ".".join(map(str, anchors[anchor])), kind) for name, (doc, anchor, *_) in
               labels.items() for kind, anchors in env.toc_fignumbers.get(doc, {}).items() if anchor in anchors}
    terms = {name.lower(): Target(doc, anchor, name) for (kind, name), (doc, anchor) in std["objects"].items()
             if kind == "term"}
    notebooks = sorted(doc for doc in env.all_docs if (root / f"{doc}.ipynb").exists())
    language = env.config.language or "en"
    return BuildFacts(
        site=site, glue=_glue(root, build, notebooks, getattr(env.config, "nb_execution_cache_path", None)),
        titles={doc: title.astext() for doc, title in env.titles.items()}, labels=labels, numbers=numbers,
        terms=terms, citations=_citations(env), numfig_format={**NUMFIG_FORMAT, **env.config.numfig_format},
        pages="" if language == "en" else f"{language}/")


