"""The translated reader's edition (companion.translated_edition) and the Chinese build's own
pieces (book/_ext/translations.py): messages found where a block starts and ends, glue in
translated text, the language switch's links."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from companion.translated_edition import read_catalog, translate_notebook, translate_text, translator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import translations  # noqa: E402  (the book's Sphinx extension, from its folder)

MESSAGES = {
    "Objectives": "学习目标",
    "The model's AUC is {glue:text}`auc:.2f`\non held-out data.": "模型在留出数据上的 AUC 为 {glue:text}`auc:.2f`。",  # noqa: E501
    "Section": "章节",
    "What it covers": "内容",
    "a neuron": "一个神经元",
    "3": "3",
}


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("## Objectives\n", "## 学习目标\n"),
        (
            "The model's AUC is {glue:text}`auc:.2f`\non held-out\n  data.",
            "模型在留出数据上的 AUC 为 {glue:text}`auc:.2f`。",
        ),
        ("- Objectives\n1. Objectives", "- 学习目标\n1. 学习目标"),
        ("> **x**\n>\n> Objectives", "> **x**\n>\n> 学习目标"),
        ("| Section | What it covers |\n|---|---|", "| 章节 | 内容 |\n|---|---|"),
        (":::{admonition} Objectives\ntext\n:::", ":::{admonition} 学习目标\ntext\n:::"),
    ],
)
def test_whole_blocks_are_translated(markdown, expected):
    assert translate_text(markdown, MESSAGES) == expected


@pytest.mark.parametrize(
    "markdown",
    ["Objectives of the course", "We fit a neuron and a neuron.", "It took 3 s", "`Objectives`"],
)
def test_parts_of_a_block_are_left_alone(markdown):
    assert translate_text(markdown, MESSAGES) == markdown


def test_a_translation_is_not_translated_again():
    messages = {"Objectives here": "Objectives", "Objectives": "学习目标"}
    assert translate_text("Objectives here\n\nObjectives", messages) == "Objectives\n\n学习目标"


def test_notebook_markdown_and_captions_are_translated_and_code_is_not():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Objectives"),
        nbformat.v4.new_code_cell("print('Objectives')", metadata={"mystnb": {"figure": {"caption": "a neuron"}}}),
    ])
    translated = translate_notebook(notebook, MESSAGES)
    assert translated.cells[0].source == "# 学习目标"
    assert translated.cells[1].source == "print('Objectives')"
    assert translated.cells[1].metadata["mystnb"]["figure"]["caption"] == "一个神经元"
    assert notebook.cells[0].source == "# Objectives", "the source notebook must not change"


def test_catalogs_are_read_without_untranslated_or_fuzzy_messages(tmp_path):
    (tmp_path / "a.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "One"\nmsgstr "一"\n\nmsgid "Two"\nmsgstr ""\n\n#, fuzzy\nmsgid "Three"\nmsgstr "三"\n',
        encoding="utf-8",
    )
    assert read_catalog(tmp_path / "a.po") == {"One": "一"}


def test_a_language_without_catalogs_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no catalogs for 'xx'"):
        translator(tmp_path, "xx")


def test_every_chapter_translates_with_its_catalog():
    from companion import book_toc

    translate = translator(ROOT, "zh_CN")
    for docname in book_toc.notebooks(ROOT):
        source = nbformat.read(ROOT / f"{docname}.ipynb", as_version=4)
        english = "\n".join(cell.source for cell in source.cells if cell.cell_type == "markdown")
        chinese = "\n".join(cell.source for cell in translate(docname, source).cells if cell.cell_type == "markdown")
        headings = [line for line in english.splitlines() if line.startswith("#")]
        left = [line for line in chinese.splitlines() if line in headings and line.lstrip("# ").strip()]
        assert not left, f"{docname}: headings left in English: {left[:3]}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{glue:text}`auc:.2f`", "{glue:text}`/book/a.ipynb::auc:.2f`"),
        ("{glue:text}`n`", "{glue:text}`/book/a.ipynb::n:s`"),  # a last ":" would be read as the format
        ("{glue}`fig`", "{glue}`/book/a.ipynb::fig`"),
        ("{glue:text}`/book/b.ipynb::n:d`", "{glue:text}`/book/b.ipynb::n:d`"),
        ("`{glue:text}` in code", "`{glue:text}` in code"),
    ],
)
def test_glue_in_translated_text_names_its_page(text, expected):
    assert translations.glue_from_page(text, "/book/a.ipynb") == expected


@pytest.mark.parametrize(
    ("language", "page", "href"),
    [
        ("en", "book/intro", "../zh_CN/book/intro.html"),
        ("en", "index", "zh_CN/index.html"),
        ("en", "book/diagnosis/imaging", "../../zh_CN/book/diagnosis/imaging.html"),
        ("zh_CN", "book/intro", "../../book/intro.html"),
        ("zh_CN", "search", "../search.html"),
        ("zh_CN", "book/diagnosis/imaging", "../../../book/diagnosis/imaging.html"),
    ],
)
def test_the_language_switch_links_the_same_page(language, page, href):
    switch = translations.language_switch(language, page)
    assert switch["href"] == href
    assert switch["lang"] == ("zh-CN" if language == "en" else "en")


GLUED_CHAPTER = """---
jupytext: {text_representation: {extension: .md, format_name: myst}}
kernelspec: {name: python3, display_name: Python 3, language: python}
---
# Glue

```{code-cell} python
from myst_nb import glue
glue("auc", 0.8731, display=False)
```

The model's AUC is {glue:text}`auc:.2f` on held-out data.
"""


def build_translated(tmp_path: Path, extensions: list[str]) -> subprocess.CompletedProcess:
    """A one-page book whose paragraph with a glued number has a Chinese translation, built in Chinese with -W."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    source = tmp_path / "src"
    (source / "locales" / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (source / "chapter.md").write_text(GLUED_CHAPTER, encoding="utf-8")
    catalog = Catalog(locale="zh_CN")
    english = "The model's AUC is {glue:text}`auc:.2f` on held-out data."
    catalog.add(english, "模型在留出数据上的 AUC 为 {glue:text}`auc:.2f`。")
    with open(source / "locales" / "zh_CN" / "LC_MESSAGES" / "chapter.mo", "wb") as mo:
        write_mo(mo, catalog)
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        f"extensions = {extensions!r}\nroot_doc = 'chapter'\nhtml_theme = 'sphinx_book_theme'\n"
        "language = 'zh_CN'\nlocale_dirs = ['locales']\ngettext_compact = False\nnb_execution_mode = 'force'\n"
    )
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(source), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300,
    )


def test_a_glued_number_in_a_translated_paragraph_renders_under_w(tmp_path):
    built = build_translated(tmp_path / "fixed", ["myst_nb", "translations"])
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "fixed" / "html" / "chapter.html").read_text(encoding="utf-8")
    assert '模型在留出数据上的 AUC 为 <span class="pasted-text">0.87</span>。' in page

    # Why book/_ext/translations.py is needed: myst-nb alone parses a translated paragraph without
    # its notebook and finds no glued value (if this starts to pass, the workaround can go).
    plain = build_translated(tmp_path / "plain", ["myst_nb"])
    assert plain.returncode != 0
    assert "No key 'auc' found in glue data" in plain.stderr
