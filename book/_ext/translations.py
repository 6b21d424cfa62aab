"""The Chinese edition: glued values in translated text, and a switch between the two languages.

The book is translated with Sphinx's gettext catalogs (``locales/zh_CN``, built by
``scripts/build_book.py --language zh_CN``). Sphinx parses each translated message as a small
document of its own, and myst-nb parses such a document as plain MyST, without the notebook: a
``{glue:text}`key``` role in it would find no glued value and fail the build. Here a translated
message's glued values name their page explicitly (``{glue:text}`/book/a.ipynb::key```), which
myst-nb resolves after reading, from the same executed notebook as the English text.

Every page gets a link to the same page in the other language, in its header. The
site is published with English at its root and Chinese under ``zh_CN/``.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from myst_nb.sphinx_ import Parser
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.gettext import MsgOrigin
from sphinx.locale import init as init_locale
from sphinx.search import zh
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

#: The published folder of each language's site, relative to the English root.
SITES = {"en": "", "zh_CN": "zh_CN/"}
SWITCH = {  # on a page in the first language: the link to the second
    "en": {"lang": "zh-CN", "label": "中文", "aria": "语言 / Language"},
    "zh_CN": {"lang": "en", "label": "English", "aria": "Language / 语言"},
}
#: The book's title and authors in each translation (``title`` and ``author`` of _config.yml are the English ones).
TITLES = {"zh_CN": "医学深度学习"}
AUTHORS = {"zh_CN": "医学深度学习的贡献者"}
# {glue}`key`, {glue:text}`key:.2f`, ... that do not name a page ("page::key") yet.
LOCAL_GLUE = re.compile(r"(\{glue(?::([a-z]+))?\}`)([^`:]+(?::[^`:]*)?)`")


def glue_from_page(text: str, page: str) -> str:
    """``text`` with each glue role that names no page naming ``page``. {glue:text} reads a last
    ``:...`` as the format, so a key without one gets the default format ``s`` written out."""

    def name_the_page(match: re.Match) -> str:
        role, kind, content = match.groups()
        if kind == "text" and ":" not in content:
            content += ":s"
        return f"{role}{page}::{content}`"

    return LOCAL_GLUE.sub(name_the_page, text)


class NotebookParser(Parser):
    """myst-nb's parser; in a translated message, glued values name the page they come from."""

    def parse(self, inputstring: str, document) -> None:
        if document.current_source.endswith("<translated>"):
            page = "/" + str(self.env.doc2path(self.env.docname, False))
            inputstring = glue_from_page(inputstring, page)
        super().parse(inputstring, document)


class ExerciseTitlesAreText(SphinxTransform):
    """Exercise titles, like every other title, in the catalogs and translated. sphinx-exercise
    makes them nodes without a source, which Sphinx takes for its own words and leaves out, and
    after reading it moves their text into new title nodes. The text goes into an inline node
    that says where it comes from, which travels with it."""

    default_priority = 10  # before Sphinx translates the page (Locale, priority 20)

    def apply(self, **kwargs) -> None:
        from sphinx_exercise.nodes import exercise_subtitle

        for title in self.document.findall(exercise_subtitle):
            text = nodes.inline(title.astext(), "", *title.children, translatable=True)
            text.source, text.line = self.document["source"], title.line or title.parent.line
            title.children = []
            title += text


def extract_alt_text(app: Sphinx, doctree, docname: str) -> None:
    """The figures' alt text in the catalogs. The gettext builder reads a page's messages after
    myst-nb has chosen one form of each output, and for this builder it chooses text, not the
    image: the alt text is taken from the page as read, where Sphinx also translates it."""
    if app.builder.name != "gettext":
        return
    catalog = app.builder.catalogs[docname_to_domain(docname, app.config.gettext_compact)]
    for image in app.env.get_doctree(docname).findall(nodes.image):
        if image.get("alt"):
            catalog.add(image["alt"], MsgOrigin(image.source or app.env.doc2path(docname), image.line or 0))


class TranslateToctreeCaptions(SphinxTransform):
    """The parts' captions, from the page's catalog. sphinx-external-toc adds the toctrees of
    ``_toc.yml`` after Sphinx has translated the page, so their captions would stay English."""

    default_priority = 870  # after sphinx-external-toc's InsertToctrees, before the toctrees are collected

    def apply(self, **kwargs) -> None:
        if (self.config.language or "en") == "en":
            return
        folders = [str(Path(self.env.srcdir, folder)) for folder in self.config.locale_dirs]
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalog, found = init_locale(folders, self.config.language, domain)
        for toctree in self.document.findall(addnodes.toctree) if found else ():
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


class ChineseSearch(zh.SearchChinese):
    """Sphinx's Chinese search index (words split by jieba), in linear time. Sphinx 7.4 keeps every
    Latin word of the book in one list and searches that list for each word it stems: half a
    minute for this book. A set gives the same index."""

    def init(self, options: dict[str, str]) -> None:
        super().init(options)
        self.latin_terms = set()

    def split(self, input: str) -> list[str]:  # noqa: A002  (the signature of the base class)
        chinese = list(zh.jieba.cut_for_search(input)) if zh.JIEBA else []
        latin = [term.strip() for term in self.latin1_letters.findall(input)]
        self.latin_terms.update(latin)
        return chinese + latin


def glossary_words_for_search(app: Sphinx, env) -> None:
    """Each Chinese glossary term one word for the search: jieba splits words it does not know,
    such as 差分隐私, and a search for the term would miss the pages that use it."""
    if not (app.config.language or "").startswith("zh"):
        return
    terms = {name for kind, name in env.domaindata["std"]["objects"] if kind == "term"}
    words = sorted({word for term in terms for word in re.findall(r"[\u4e00-\u9fff]{2,}", term)})
    dictionary = Path(app.outdir).parent / "search-words.txt"
    dictionary.write_text("".join(f"{word} 1000\n" for word in words), encoding="utf-8")
    app.config.html_search_options = {**app.config.html_search_options, "dict": str(dictionary)}


def language_switch(language: str, pagename: str) -> dict[str, str]:
    """The link from ``pagename`` in ``language`` to the same page in the other language."""
    other = "en" if language != "en" else "zh_CN"
    to_root = "../" * (pagename.count("/") + SITES[language].count("/"))
    return {**SWITCH[language], "href": f"{to_root}{SITES[other]}{pagename}.html"}


def add_language_switch(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    context["language_switch"] = language_switch(app.config.language or "en", pagename)


def set_up_language(app: Sphinx, config) -> None:
    """The translated title, and the language switch in the header, before the buttons."""
    config.html_title = TITLES.get(config.language, config.html_title)
    if (config.language or "en") != "en" and "reader_edition_branch" in config:  # the translated reader's edition
        config.reader_edition_branch = f"{config.reader_edition_branch}-{config.language}"
    config.templates_path.append(str(Path(__file__).resolve().parent.parent / "_templates"))
    header = config.html_theme_options.get("article_header_end") or ["article-header-buttons.html"]
    config.html_theme_options["article_header_end"] = ["language-switch.html", *header]


def translate_title_page(app: Sphinx, env, docnames) -> None:
    """The PDF's title page (make pdf). Jupyter Book sets the LaTeX title after Sphinx has started,
    so this waits for the build."""
    config = app.config
    if config.language in TITLES:
        config.latex_documents = [(start, target, TITLES[config.language], AUTHORS[config.language], *rest)
                                  for start, target, _title, _author, *rest in config.latex_documents]


def setup(app: Sphinx) -> dict:
    app.setup_extension("myst_nb")
    app.add_source_parser(NotebookParser, override=True)
    app.add_transform(ExerciseTitlesAreText)
    app.add_transform(TranslateToctreeCaptions)
    app.add_search_language(ChineseSearch)
    app.connect("config-inited", set_up_language)
    app.connect("env-before-read-docs", translate_title_page)
    app.connect("doctree-resolved", extract_alt_text)
    app.connect("env-updated", glossary_words_for_search)
    app.connect("html-page-context", add_language_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
