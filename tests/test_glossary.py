"""The glossary: every {term} used in the book is defined, and every defined term is used."""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
GLOSSARY = BOOK / "glossary.md"
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")
CJK = re.compile(r"[\u4e00-\u9fff]")


def term_pairs() -> dict[str, str]:
    """English term -> Chinese term: each entry of the {glossary} block starts with two unindented
    lines, the English term and the Chinese one (the Chinese edition's word for it)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.DOTALL)
    assert block, "book/glossary.md has no {glossary} block"
    lines = [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line[0].isspace() and not line.startswith(":")
    ]
    english, chinese = lines[0::2], lines[1::2]
    assert len(english) == len(chinese), "an entry of book/glossary.md lacks its Chinese term"
    for term, translation in zip(english, chinese, strict=True):
        assert term.isascii(), f"glossary entry {term!r}: expected the English term first"
        assert CJK.search(translation), f"glossary entry {term!r}: expected its Chinese term next, got {translation!r}"
    return dict(zip(english, chinese, strict=True))


def defined_terms() -> set[str]:
    """The English terms, lower-case, as {term} roles name them."""
    return {term.lower() for term in term_pairs()}


def page_texts() -> dict[str, str]:
    """Markdown of every page: .md files, and the markdown cells of notebooks."""
    texts = {}
    for path in sorted(BOOK.rglob("*")):
        if "_build" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        if path.suffix == ".md":
            texts[str(path.relative_to(BOOK))] = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            texts[str(path.relative_to(BOOK))] = "\n".join(
                "".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"
            )
    return texts


def used_terms(text: str) -> set[str]:
    """Targets of the {term} roles in ``text``: `target` or `shown text <target>`."""
    targets = set()
    for content in TERM_ROLE.findall(text):
        explicit = re.search(r"<([^>]+)>\s*$", content)
        targets.add((explicit.group(1) if explicit else content).strip().lower())
    return targets


def test_glossary_has_at_least_40_terms():
    assert len(defined_terms()) >= 40


def test_every_entry_has_a_distinct_chinese_term():
    translations = list(term_pairs().values())
    assert len(set(translations)) == len(translations), "two glossary entries share a Chinese term"


@pytest.mark.parametrize("page", sorted(page_texts()))
def test_every_term_used_is_defined(page):
    missing = used_terms(page_texts()[page]) - defined_terms()
    assert not missing, f"{page} links to terms missing from book/glossary.md: {sorted(missing)}"


def test_every_glossary_term_is_used_outside_the_glossary():
    used = set().union(*(used_terms(text) for page, text in page_texts().items() if page != "glossary.md"))
    unused = defined_terms() - used
    assert not unused, f"glossary terms no page links to with {{term}}: {sorted(unused)}"


def test_term_roles_are_parsed():
    assert used_terms("a {term}`AUC` and {term}`neurons <Artificial neuron>`") == {"auc", "artificial neuron"}
