"""Pages that pass WCAG 2.1 AA and read the same on every machine.

Two things the book's tool chain writes are fixed here, at the HTML they produce:

- docutils (0.21) marks each bibliography entry ``role="doc-biblioentry"`` inside a
  ``role="list"``: DPUB-ARIA 1.1 deprecated that role, and a list may own only list items,
  so screen readers and axe-core reject the list. Each entry becomes a ``listitem``.
- myst-nb's execution table (``nb-exec-table``, the status page) shows each notebook's
  status as an emoji, an empty box on a machine without an emoji font. It becomes a word.

The colours live in ``book/_static/accessible.css``.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

#: docutils' opening tag of a citation, and the role a member of a list must have.
BIBLIOENTRY = 'role="doc-biblioentry"'
LISTITEM = 'role="listitem"'

#: myst-nb's status emoji, and the words that replace them.
STATUS_WORDS = {"\N{WHITE HEAVY CHECK MARK}": "Passed", "\N{CROSS MARK}": "Failed"}


def bibliography_entries_as_list_items(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give each entry of a citation list the role that its list allows."""
    if "body" in context:
        context["body"] = context["body"].replace(BIBLIOENTRY, LISTITEM)


class ExecutionStatusInWords(SphinxPostTransform):
    """Write the status column of myst-nb's execution table in words."""

    default_priority = 9  # after myst-nb fills in the table (8)

    def run(self, **kwargs) -> None:
        for entry in self.document.findall(nodes.entry):
            for text in list(entry.findall(nodes.Text)):
                if text.astext() in STATUS_WORDS:
                    text.parent.replace(text, nodes.Text(STATUS_WORDS[text.astext()]))


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", bibliography_entries_as_list_items)
    app.add_post_transform(ExecutionStatusInWords)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
