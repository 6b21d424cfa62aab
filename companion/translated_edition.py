"""A translated reader's edition: each chapter's Markdown translated with the book's gettext
catalogs, then converted like the English one (:mod:`companion.edition`).

The catalogs (``locales/<language>/LC_MESSAGES/<page>.po``) hold one message per paragraph,
heading, list item, table cell or caption, as Sphinx extracted it: the source text with its lines
joined. :func:`translate_text` finds each message where a block of Markdown starts and ends, with
any line breaks, and puts its translation there. The translations keep their MyST roles
(``{glue:text}``, ``{term}``, ``{cite:p}``...), which the conversion then resolves against the
translated site's build.

Examples
--------
>>> messages = {"The neuron": "神经元",
...             "A neuron weighs its inputs\\nand adds a bias.": "神经元对输入加权，再加上偏置。"}
>>> print(translate_text("# The neuron\\n\\nA neuron weighs its inputs\\n and adds a bias.\\n", messages))
# 神经元
<BLANKLINE>
神经元对输入加权，再加上偏置。
<BLANKLINE>
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from pathlib import Path

# What may stand before a message at the start of a line: indentation, then a heading's hashes,
# a list marker, a quotation mark or a table's bar; or, inside a line, a table's bar or the end
# of a directive's name (``:::{admonition} Title``).
LINE_START = r"(?:(?<=^)|(?<=\n))[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d+[.)][ \t]+|>[ \t]*|\|[ \t]*)*"
INSIDE_LINE = r"(?<=\| )|(?<=\|)|(?<=\} )"
LINE_END = r"(?=[ \t]*(?:\||\n|$))"
PLACEHOLDER = "\x00{}\x00"


def read_catalog(path: Path | str) -> dict[str, str]:
    """msgid -> msgstr of one ``.po`` file: the translated messages, without fuzzy ones."""
    from babel.messages.pofile import read_po

    with open(path, "rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and m.string and not m.fuzzy}


def _pattern(message: str) -> re.Pattern:
    words = r"\s+".join(re.escape(word) for word in message.split())
    return re.compile(rf"(?:{LINE_START}|{INSIDE_LINE})(?P<message>{words}){LINE_END}")


def _keep_the_start(replacement: str) -> Callable[[re.Match], str]:
    """A match's lead (indentation, markers) kept, the message replaced."""
    return lambda match: match.group(0)[: match.start("message") - match.start()] + replacement


def translate_text(text: str, messages: Mapping[str, str]) -> str:
    """``text`` (Markdown) with every message of ``messages`` that makes up a whole block or table
    cell replaced by its translation. Longer messages first, and through placeholders, so that no
    translation is matched again by a shorter message."""
    translations = []
    for message in sorted(messages, key=len, reverse=True):
        if not message.strip() or message == messages[message]:
            continue
        pattern = _pattern(message)
        if pattern.search(text):
            translations.append(messages[message])
            text = pattern.sub(_keep_the_start(PLACEHOLDER.format(len(translations) - 1)), text)
    for number, translation in enumerate(translations):
        text = text.replace(PLACEHOLDER.format(number), translation)
    return text


def translate_notebook(notebook, messages: Mapping[str, str]):
    """A copy of ``notebook`` with its Markdown cells and figure captions translated."""
    translated = copy.deepcopy(notebook)
    for cell in translated.cells:
        if cell.cell_type == "markdown":
            cell.source = translate_text(cell.source, messages)
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if "caption" in figure:
            figure["caption"] = translate_text(figure["caption"], messages)
    return translated


def translator(root: Path | str, language: str) -> Callable:
    """``translate(docname, notebook)`` with the catalogs of ``root/locales/<language>``.

    Raises
    ------
    FileNotFoundError
        If the language has no catalogs.
    """
    folder = Path(root) / "locales" / language / "LC_MESSAGES"
    if not folder.is_dir():
        raise FileNotFoundError(f"no catalogs for {language!r} in {folder}")

    def translate(docname: str, notebook):
        catalog = folder / f"{docname}.po"
        return translate_notebook(notebook, read_catalog(catalog)) if catalog.exists() else notebook

    return translate
