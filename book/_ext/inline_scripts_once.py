"""Each inline script once per page: the fix of Sphinx 8.2 for Sphinx 7.4.

An extension that adds an inline script (``app.add_js_file(None, body=...)``) after the
HTML builder has started, as sphinx-thebe and sphinx-togglebutton do, got it written into
every page twice: Sphinx passed the builder the file name ``None`` the first time and
``""`` the second, and did not see that the two were the same script. The second copy of
sphinx-thebe's configuration fails (``Identifier 'THEBE_JS_URL' has already been declared``)
on every page. Sphinx 8.2 passes ``""`` both times (sphinx-doc/sphinx#13402); Jupyter Book 1
needs Sphinx 7, so this extension does the same for the build's builder.
"""

from __future__ import annotations

import sphinx
from sphinx.application import Sphinx


def name_inline_scripts_alike(app: Sphinx) -> None:
    """Give the builder ``""`` for an inline script, as Sphinx 8.2 does."""
    add_js_file = getattr(app.builder, "add_js_file", None)
    if add_js_file is None or sphinx.version_info >= (8, 2):
        return

    def add_named_js_file(filename: str | None, **kwargs) -> None:
        add_js_file(filename or "", **kwargs)

    app.builder.add_js_file = add_named_js_file


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", name_inline_scripts_alike, priority=0)  # before any extension adds a script
    return {"parallel_read_safe": True, "parallel_write_safe": True}
