"""The Chinese edition's catalogs (locales/zh_CN): complete, with the source's markup, one Chinese
word per glossary term.

Each English message and its translation must carry the same glued numbers, citations, glossary
terms, cross-references, equations, inline code and links: a translation that drops a glued
number or a citation fails here, naming the message. The shown text of a {term}, {doc}, {ref} or
{numref} may be translated (``{term}`过拟合 <Overfitting>```); its target may not.

With CHECK_TRANSLATIONS=1 (make check-translations, after make book), the messages are extracted
from the book again and compared with the catalogs: a changed English sentence fails until it is
translated again.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from test_glossary import term_pairs

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"
TEMPLATES = ROOT / "_build" / "gettext" / "pot"

ROLE = re.compile(r"\{([a-z]+(?::[a-z]+)?)\}`([^`]*)`")
TRANSLATABLE_TEXT_ROLES = {"term", "doc", "ref", "numref"}  # `shown text <target>`
CODE = re.compile(r"``.+?``|`[^`\n]+`")
MATH = re.compile(r"(?<!\\)\$\$.+?(?<!\\)\$\$|(?<!\\)\$[^$\n]+?(?<!\\)\$", re.DOTALL)  # not \$, a dollar sign
LATEX = re.compile(r"\\[A-Za-z]+(?:\{[^{}]*\})*")  # a display equation's commands, e.g. \text{FLOPs}
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
URL = re.compile(r"https?://[^\s)>\]]+")
LATIN_WORD = re.compile(r"[A-Za-z][\w-]*")


def pages() -> list[str]:
    return sorted(str(path.relative_to(CATALOGS).with_suffix("")) for path in CATALOGS.rglob("*.po"))


def messages(page: str) -> list:
    with open(CATALOGS / f"{page}.po", "rb") as po:
        return [message for message in read_po(po) if message.id]


def markup(text: str) -> Counter:
    """What a translation must keep: roles (by target), inline code, math, link targets, URLs."""
    found: Counter = Counter()

    def role(match: re.Match) -> str:
        name, content = match.groups()
        if name in TRANSLATABLE_TEXT_ROLES:
            explicit = re.search(r"<([^<>]+)>\s*$", content)
            content = (explicit.group(1) if explicit else content).strip()
            if name == "term":
                content = content.lower()
        found[f"{{{name}}}`{content}`"] += 1
        return " "

    rest = ROLE.sub(role, text)
    for pattern in (CODE, MATH, LATEX, LINK_TARGET, URL):
        found.update(pattern.findall(rest))
        rest = pattern.sub(" ", rest)
    return found


def prose(text: str) -> str:
    """The words of a message, without its roles, code, math and addresses."""
    for pattern in (ROLE, CODE, MATH, LATEX, URL):
        text = pattern.sub(" ", text)
    return text


def term_targets(text: str) -> set[str]:
    return {key[len("{term}`") : -1] for key in markup(text) if key.startswith("{term}`")}


def uses_chinese_term(translation: str, chinese: str) -> bool:
    """The Chinese term is there (spacing aside); a term with a Latin name, such as ROC 曲线 or
    曲线下面积（AUC）, may also be that name alone."""
    squeezed = translation.replace(" ", "")
    if chinese.replace(" ", "") in squeezed:
        return True
    names = LATIN_WORD.findall(chinese)
    return bool(names) and all(re.search(rf"\b{re.escape(name)}\b", translation) for name in names)


def english_pattern(term: str) -> re.Pattern | None:
    """The English term in running text (plural too); a qualified term like "Window (CT)" only
    through its {term} role."""
    if "(" in term:
        return None
    return re.compile(rf"\b{re.escape(term)}(?:s|es)?\b", re.IGNORECASE)


def test_catalogs_exist_for_every_page():
    assert len(pages()) >= 15, f"expected a catalog per page in {CATALOGS}"


def test_markup_of_known_messages():
    english = "AUC {glue:text}`auc:.2f` {cite:p}`x2020` {term}`Overfitting` `fit()` $y = wx$ [a](https://a.org)"
    chinese = "AUC 为 {glue:text}`auc:.2f` {cite:p}`x2020`，{term}`过拟合 <overfitting>`，`fit()`，$y = wx$，[甲](https://a.org)"
    assert markup(english) == markup(chinese)
    assert markup(english) != markup("AUC 为 0.87 {cite:p}`x2020`，过拟合，`fit()`，$y = wx$，[甲](https://a.org)")
    assert markup(r"cost \$3 to \$5") == markup(r"费用 \$3 至 \$5")
    assert markup(r"\text{FLOPs} = 2nm") != markup(r"\text{FLOP} = 2nm")
    assert uses_chinese_term("ROC曲线下", "ROC 曲线")
    assert uses_chinese_term("AUC 为", "曲线下面积（AUC）")
    assert not uses_chinese_term("过度拟合", "过拟合")


@pytest.mark.parametrize("page", pages())
def test_catalog_is_complete(page):
    catalog = messages(page)
    untranslated = [message.id for message in catalog if not message.string]
    fuzzy = [message.id for message in catalog if message.fuzzy]
    assert not untranslated, f"{page}: {len(untranslated)} of {len(catalog)} untranslated, first: {untranslated[0]!r}"
    assert not fuzzy, f"{page}: {len(fuzzy)} fuzzy, first: {fuzzy[0]!r}"


@pytest.mark.parametrize("page", pages())
def test_translations_keep_the_markup(page):
    broken = []
    for message in messages(page):
        if message.string:
            source, translation = markup(message.id), markup(message.string)
            if source != translation:
                missing, extra = dict(source - translation), dict(translation - source)
                broken.append(f"{message.id[:70]!r}: missing {missing}, extra {extra}")
    assert not broken, f"{page}: {len(broken)} messages changed their markup:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", pages())
def test_glossary_terms_are_translated_consistently(page):
    pairs = term_pairs()
    glossary_lines = set(pairs) | set(pairs.values())
    by_target = {english.lower(): chinese for english, chinese in pairs.items()}
    wrong = []
    for message in messages(page):
        if not message.string or message.id in glossary_lines:
            continue
        needed = {by_target[target] for target in term_targets(message.id) if target in by_target}
        words = prose(message.id)
        for english, chinese in pairs.items():
            pattern = english_pattern(english)
            if pattern and pattern.search(words):
                needed.add(chinese)
        missing = sorted(chinese for chinese in needed if not uses_chinese_term(message.string, chinese))
        if missing:
            wrong.append(f"{message.id[:70]!r}: expected {missing}")
    assert not wrong, f"{page}: {len(wrong)} messages without the glossary's Chinese term:\n" + "\n".join(wrong)


@pytest.mark.stage("CHECK_TRANSLATIONS")
def test_catalogs_match_the_english_text():
    extract = [sys.executable, str(ROOT / "scripts" / "build_book.py"), "--builder", "gettext"]
    subprocess.run(extract, check=True, cwd=ROOT)
    stale = []
    for template in sorted(TEMPLATES.rglob("*.pot")):
        page = str(template.relative_to(TEMPLATES).with_suffix(""))
        with open(template, "rb") as pot:
            source = {message.id for message in read_po(pot) if message.id}
        translated = {message.id for message in messages(page)} if (CATALOGS / f"{page}.po").exists() else set()
        stale += [f"{page}: not translated yet: {text[:70]!r}" for text in sorted(source - translated)]
        stale += [f"{page}: no longer in the book: {text[:70]!r}" for text in sorted(translated - source)]
    assert not stale, f"{len(stale)} entries differ from the English text (make translations):\n" + "\n".join(stale)
