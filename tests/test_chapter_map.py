"""The map of the chapters: prerequisites read from the chapters, and the committed table and diagram current."""

import re

import matplotlib
import pytest

from companion import chapter_map

matplotlib.use("Agg")
ROOT = chapter_map.ROOT
CHALLENGES = {"privacy", "interpretability", "compute"}


@pytest.fixture(scope="module")
def facts():
    return chapter_map.chapter_facts(ROOT)


def test_count_words_skips_code_equations_and_markup():
    text = "Two words\n\n```python\nx = 1  # not words\n```\n\n$$a + b$$ and {term}`AUC <auc>`, $y$.\n:class: tip"
    assert chapter_map.count_words(text) == 4  # Two, words, and, AUC


def test_reduce_transitive_keeps_only_direct_needs():
    needs = {"a": [], "b": ["a"], "c": ["a", "b"], "d": ["a", "c", "b"]}
    assert chapter_map.reduce_transitive(needs) == {"a": [], "b": ["a"], "c": ["b"], "d": ["c"]}


def test_prerequisites_come_earlier_in_the_reading_order():
    needs = chapter_map.prerequisites(ROOT)
    order = list(needs)
    assert "neurons" in needs["training"]
    for chapter, prerequisites in needs.items():
        for prerequisite in prerequisites:
            assert order.index(prerequisite) < order.index(chapter), f"{chapter} needs the later {prerequisite}"


def test_sessions_cover_every_chapter_once_and_fit_the_slot(facts):
    planned = [stem for session in chapter_map.SESSIONS for stem in session]
    assert sorted(planned) == sorted(facts), "every chapter in exactly one session"
    for session in chapter_map.SESSIONS:
        assert chapter_map.session_minutes(session, facts) <= chapter_map.SESSION_MINUTES, session
        assert len(CHALLENGES & set(session)) <= 1, f"two Challenges chapters in one session: {session}"


def committed_rows() -> dict[str, list[str]]:
    page = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    table = page[page.index(chapter_map.BEGIN) + len(chapter_map.BEGIN):page.index(chapter_map.END)]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.strip().splitlines()[2:]]
    return {re.search(r"`([^`]+)`", row[1]).group(1).rsplit("/", 1)[-1]: row for row in rows}


def test_committed_pacing_table_is_current(facts):
    """The table of book/instructors.md: same chapters, sessions and exercises; words within 10 %.

    Small edits of a chapter's prose leave the table valid; regenerate it with
    ``python -m companion.chapter_map`` when this test fails.
    """
    rows = committed_rows()
    assert list(rows) == list(facts), "regenerate the table: python -m companion.chapter_map"
    for stem, row in rows.items():
        words = int(row[2].replace(",", ""))
        assert abs(words - facts[stem]["words"]) <= 0.1 * facts[stem]["words"], (
            f"{stem}: {words} words in the table, {facts[stem]['words']} now; run python -m companion.chapter_map")
        assert int(row[4]) == facts[stem]["exercises"], f"{stem}: run python -m companion.chapter_map"


def test_committed_diagram_is_current():
    committed = (ROOT / chapter_map.FIGURE).read_text(encoding="utf-8")
    assert committed == chapter_map.svg(chapter_map.dependency_figure(ROOT)), (
        "book/chapter_map.svg is out of date: run python -m companion.chapter_map")


def test_diagram_draws_every_chapter_and_each_direct_need():
    fig = chapter_map.dependency_figure(ROOT)
    needs = chapter_map.reduce_transitive(chapter_map.prerequisites(ROOT))
    gids = {artist.get_gid() for artist in fig.axes[0].get_children() if artist.get_gid()}
    assert {f"chapter-{stem}" for stem in needs} <= gids
    assert {f"needs-{p}-{c}" for c, ps in needs.items() for p in ps} <= gids
    sizes = [text.get_fontsize() for text in fig.axes[0].texts]
    assert min(sizes) >= 9
