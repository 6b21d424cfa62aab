"""The whole book as one PDF, offered in every page's download menu.

``make pdf`` (``scripts/build_pdf.py``) writes the PDF of each language into ``_build/pdf`` and
beside that language's pages: ``deep-learning-in-medicine.pdf`` at the English site's root,
``deep-learning-in-medicine-zh_CN.pdf`` at the Chinese one's. This extension adds a link to it
under the theme's download button, next to the theme's own ".pdf" (which prints one page).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from sphinx.application import Sphinx

#: The menu entry and its tooltip, by language.
LABELS = {
    "en": ("Whole book (.pdf)", "Download the whole book as one PDF"),
    "zh_CN": ("全书（.pdf）", "下载全书的 PDF"),
}


def pdf_name(latex_target: str, language: str) -> str:
    """The PDF's file name: the LaTeX target's, with the language for any but English.

    >>> pdf_name("book.tex", "en"), pdf_name("book.tex", "zh_CN")
    ('book.pdf', 'book-zh_CN.pdf')
    """
    stem = PurePosixPath(latex_target).stem
    return f"{stem}.pdf" if language == "en" else f"{stem}-{language}.pdf"


def add_book_pdf(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    language = app.config.language or "en"
    text, tooltip = LABELS.get(language, LABELS["en"])
    name = pdf_name(app.config.latex_documents[0][1], language)
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append({"type": "link", "text": text, "tooltip": tooltip, "icon": "fas fa-book",
                                     "url": context["pathto"](name, 1), "label": "download-book-pdf-button"})


def setup(app: Sphinx) -> dict:
    # After the theme has added its buttons (priority 501).
    app.connect("html-page-context", add_book_pdf, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
