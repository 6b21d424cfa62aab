import re

from myst_nb.sphinx_ import Parser

# {glue}`key`, {glue:text}`key:.2f`, ... without a document part ("doc::key").
LOCAL_GLUE = re.compile(r"(\{glue(?::[a-z]+)?\}`)(?![^`]*::)")


class NotebookParser(Parser):
    def parse(self, inputstring, document):
        if document.current_source.endswith("<translated>"):
            source = "/" + self.env.doc2path(self.env.docname, False)
            inputstring = LOCAL_GLUE.sub(rf"\g<1>{source}::", inputstring)
        super().parse(inputstring, document)


def setup(app):
    app.setup_extension("myst_nb")
    app.add_source_parser(NotebookParser, override=True)
    return {"parallel_read_safe": True}
