"""The map of the chapters for teachers: what each chapter needs, how long it takes, a plan of sessions.

Everything is read from the chapters themselves. A chapter *needs* the chapters that the
**Prerequisites** line of its Objectives admonition links with ``{doc}``; its *reading time* is the
number of words of its Markdown cells at :data:`WORDS_PER_MINUTE`. :func:`session_table` turns
these, the exercises and :data:`COLD_SECONDS` into the pacing table of ``book/instructors.md``,
and :func:`dependency_figure` draws the diagram ``book/chapter_map.svg``. Both files are written by

    python -m companion.chapter_map

and ``tests/test_chapter_map.py`` fails when either is out of date.

Examples
--------
>>> count_words("The {term}`AUC <auc>` is $P(s_1 > s_0)$; see {doc}`training`.")
5
>>> reduce_transitive({"b": ["a"], "c": ["a", "b"]})
{'b': ['a'], 'c': ['b']}
"""

from __future__ import annotations

import io
import json
import math
import posixpath
import re
import textwrap
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from companion import OKABE_ITO, book_toc

ROOT = Path(__file__).resolve().parents[1]
#: A reading speed for technical text with equations and code, in words per minute.
WORDS_PER_MINUTE = 200
#: Minutes of class time planned for each exercise, and for the discussion that closes a session.
EXERCISE_MINUTES, DISCUSSION_MINUTES = 10, 15
#: A session's length in minutes.
SESSION_MINUTES = 90
#: Seconds to run each chapter from a cold kernel on an idle two-core CPU without a GPU, measured
#: with ``benchmarks/chapter_times.py --no-book``; the status page shows the current build's times.
COLD_SECONDS = {"medicine_and_ai": 4, "neurons": 8, "training": 10, "clinical_data": 36, "imaging": 40,
                "molecules": 27, "toxicity": 33, "tools": 7, "privacy": 20, "interpretability": 30,
                "compute": 19, "faq": 24}
#: The sessions, in order: each a tuple of chapter stems.
SESSIONS = [("medicine_and_ai",), ("neurons",), ("training",), ("clinical_data",), ("imaging",), ("molecules",),
            ("toxicity",), ("tools",), ("privacy",), ("interpretability",), ("compute",), ("faq",)]
BEGIN = "% BEGIN pacing table: written by python -m companion.chapter_map"
END = "% END pacing table"
FIGURE = "book/chapter_map.svg"

_ROLE = re.compile(r"\{[\w:+-]+\}`([^`<]*?)(?:\s*<[^>]*>)?`")
_DOC = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


def _markdown(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]


def count_words(text: str) -> int:
    """Words a reader reads in MyST ``text``: without code blocks, equations, directive options and markup."""
    text = re.sub(r"^(`{3,}|~{3,})[^{\n]*\n.*?^\1\s*$", " ", text, flags=re.M | re.S)  # code blocks
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", " ", text, flags=re.S)  # equations
    text = re.sub(r"^\s*(:[\w-]+:.*|\([\w-]+\)=|`{3,}.*|:{3,}.*|%.*)$", " ", text, flags=re.M)
    text = _ROLE.sub(r" \1 ", text)
    return len(_WORD.findall(text))


def _stem(page: str) -> str:
    return page.rsplit("/", 1)[-1]


def prerequisites(root: Path | str = ROOT) -> dict[str, list[str]]:
    """Each chapter's stem and the stems of the chapters its Objectives name as prerequisites."""
    pages = book_toc.notebooks(root)
    needs = {}
    for page in pages:
        text = _markdown(Path(root) / f"{page}.ipynb")[0]
        line = re.search(r"\*\*Prerequisites:\*\*(.*?)(?:\n\n|After this)", text, re.S)
        targets = [posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
                   for target in _DOC.findall(line.group(1) if line else "")]
        needs[_stem(page)] = [_stem(target) for target in dict.fromkeys(targets) if target in pages]
    return needs


def reduce_transitive(needs: dict[str, list[str]]) -> dict[str, list[str]]:
    """Drop each need that another need of the same chapter already implies (a transitive reduction)."""
    def ancestors(node: str, seen: frozenset = frozenset()) -> set[str]:
        found = set()
        for parent in needs.get(node, []):
            if parent not in seen:
                found |= {parent} | ancestors(parent, seen | {node})
        return found

    return {node: [p for p in parents if not any(p in ancestors(other) for other in parents if other != p)]
            for node, parents in needs.items()}


def chapter_facts(root: Path | str = ROOT) -> dict[str, dict]:
    """Per chapter stem, in reading order: title, words, reading minutes, exercises, cold run seconds."""
    facts = {}
    for page in book_toc.notebooks(root):
        cells = _markdown(Path(root) / f"{page}.ipynb")
        text = "\n\n".join(cells)
        words = sum(count_words(cell) for cell in cells)
        title = re.search(r"^# (.+)$", text, re.M).group(1)
        facts[_stem(page)] = {"page": page, "title": title, "words": words,
                              "reading": words / WORDS_PER_MINUTE, "exercises": text.count("```{exercise}"),
                              "seconds": COLD_SECONDS.get(_stem(page))}
    return facts


def session_minutes(session: tuple[str, ...], facts: dict[str, dict]) -> float:
    """Planned minutes of a session: reading, exercises and cold runs of its chapters, and the discussion."""
    return DISCUSSION_MINUTES + sum(facts[c]["reading"] + EXERCISE_MINUTES * facts[c]["exercises"]
                                    + (facts[c]["seconds"] or 0) / 60 for c in session)


def session_table(root: Path | str = ROOT, sessions=SESSIONS) -> str:
    """The pacing table as MyST Markdown, one row per chapter, grouped into ``sessions``."""
    facts = chapter_facts(root)
    rows = ["| Session | Chapter | Words | Reading (min) | Exercises | Cold run (s) | Session total (min) |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for number, session in enumerate(sessions, 1):
        for index, stem in enumerate(session):
            fact = facts[stem]
            first = index == 0
            rows.append(f"| {number if first else ''} | {{doc}}`{fact['page'].removeprefix('book/')}` | "
                        f"{fact['words']:,} | {math.ceil(fact['reading'])} | {fact['exercises']} | "
                        f"{fact['seconds'] if fact['seconds'] is not None else '–'} | "
                        f"{math.ceil(session_minutes(session, facts)) if first else ''} |")
    return "\n".join(rows)


def _layout(layers: list[list[str]], needs: dict[str, list[str]], gap: float, half_width: float) -> dict[str, float]:
    """x of each chapter: under its prerequisites where possible, at least ``gap`` from its neighbours."""
    x: dict[str, float] = {}
    for layer in layers:
        wanted = {s: sum(x[p] for p in needs[s]) / len(needs[s]) if needs[s] else 0.0 for s in layer}
        layer.sort(key=lambda s: wanted[s])
        if not any(needs[s] for s in layer):  # the first layer: centred on its first chapter
            wanted = {s: i * gap for i, s in enumerate(layer)}
        elif len({wanted[s] for s in layer}) == 1:  # one common parent: centred under it
            wanted = {s: wanted[s] + (i - (len(layer) - 1) / 2) * gap for i, s in enumerate(layer)}
        for i, stem in enumerate(layer):
            x[stem] = wanted[stem] if i == 0 else max(wanted[stem], x[layer[i - 1]] + gap)
        overflow = max(0.0, x[layer[-1]] - half_width)
        for stem in layer:
            x[stem] -= overflow
    return x


def dependency_figure(root: Path | str = ROOT) -> Figure:
    """The chapters as boxes in layers, an arrow from each chapter to the chapters that need it directly."""
    facts, needs = chapter_facts(root), reduce_transitive(prerequisites(root))
    depth: dict[str, int] = {}
    for stem in facts:  # reading order: a chapter's prerequisites come before it
        depth[stem] = 1 + max((depth[p] for p in needs[stem]), default=-1)
    layers = [[s for s in facts if depth[s] == d] for d in range(max(depth.values()) + 1)]
    x = _layout(layers, needs, gap=1.6, half_width=2.4)
    part = {"foundations": 0, "diagnosis": 1, "drug_discovery": 2, "challenges": 4}
    names = ["Foundations", "Diagnosis", "Drug discovery", "Tools and questions", "Challenges"]
    row = 0.95  # inches between layers; data units are inches
    height = row * len(layers) + 0.2
    fig = plt.figure(figsize=(6.4, height), dpi=100, layout="none")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(-3.2, 3.2), ylim=(-height + 0.5, 0.5))
    ax.axis("off")
    boxes = {}
    for number, (stem, fact) in enumerate(facts.items(), 1):
        color = OKABE_ITO[part.get(fact["page"].split("/")[1], 3)]
        label = textwrap.fill(f"{number} {fact['title'].split(':')[0]}", 17)
        boxes[stem] = ax.text(x[stem], -row * depth[stem], label, ha="center", va="center", fontsize=9, zorder=3,
                              gid=f"chapter-{stem}",
                              bbox={"boxstyle": "round,pad=0.35", "facecolor": color + "22", "edgecolor": color,
                                    "linewidth": 1.5})
    for stem in facts:
        for parent in needs[stem]:
            ax.annotate("", xy=(0.5, 1), xycoords=boxes[stem], xytext=(0.5, 0), textcoords=boxes[parent], zorder=2,
                        arrowprops={"arrowstyle": "-|>", "color": "#444444", "linewidth": 1.2, "mutation_scale": 12,
                                    "shrinkA": 6, "shrinkB": 6}).set_gid(f"needs-{parent}-{stem}")
    ax.legend(handles=[Patch(facecolor=OKABE_ITO[i] + "22", edgecolor=OKABE_ITO[i], label=name)
                       for i, name in enumerate(names)], loc="upper left", frameon=False, fontsize=9)
    return fig


def svg(fig: Figure) -> str:
    """``fig`` as SVG text that is the same on every run (no date, fixed identifiers, text as text)."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": "chapter-map", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buffer.getvalue()


def replace_table(page: str, table: str) -> str:
    """``page`` with the text between :data:`BEGIN` and :data:`END` replaced by ``table``."""
    start, stop = page.index(BEGIN) + len(BEGIN), page.index(END)
    return page[:start] + "\n" + table + "\n" + page[stop:]


def write(root: Path | str = ROOT) -> None:
    """Rewrite the pacing table of ``book/instructors.md`` and the diagram ``book/chapter_map.svg``."""
    page = Path(root) / "book" / "instructors.md"
    page.write_text(replace_table(page.read_text(encoding="utf-8"), session_table(root)), encoding="utf-8")
    (Path(root) / FIGURE).write_text(svg(dependency_figure(root)), encoding="utf-8")


if __name__ == "__main__":
    matplotlib.use("Agg")
    write()
    print(f"wrote the pacing table of book/instructors.md and {FIGURE}")
