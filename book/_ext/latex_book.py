"""The book's structure in its PDF (Sphinx's LaTeX builder): parts, an introduction, references in place.

Sphinx assembles the whole book into one document tree: the root page, then each page of its
toctrees where the toctree stood. Left alone, that tree loses what the site shows:

- the root page's title becomes the PDF's title, so its sections would become chapters of their
  own; here they are gathered under one unnumbered chapter, the introduction;
- the toctrees' captions (``_toc.yml``'s parts) would vanish; here each becomes a ``\\part``,
  numbered where ``_toc.yml`` numbers its chapters (Foundations ... Challenges) and unnumbered
  where it does not (Questions, Reference), so a chapter has the same number in print as online;
- Sphinx moves every bibliography entry to one list at the end, where the chapters' reference
  lists and the bibliography page would repeat each other; here each list stays where its page
  has it, under that page's own heading.

sphinx-jupyterbook-latex makes the parts too, but its document class needs TeX packages outside
Debian's TeX Live subset that ``make tex`` installs (bbm, from a 500 MB font collection) and its
character classes (ucharclasses) clash with xeCJK, which the Chinese PDF needs.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.latex.nodes import thebibliography
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.texescape import escape

#: The fonts: Unicode text faces from Debian (GNU FreeFont, DejaVu Sans Mono, whose box drawing
#: Keras's summaries use), and Chinese ones through xeCJK, for the Chinese edition and for the
#: Chinese terms of the English glossary. Bold Chinese is set in a Hei face, emphasis in a Kai one.
FONTS = r"""
\setmainfont{FreeSerif}
\setsansfont{FreeSans}
\setmonofont[Scale=0.9]{DejaVu Sans Mono}
\usepackage{xeCJK}
\setCJKmainfont[BoldFont=WenQuanYi Micro Hei, BoldItalicFont=WenQuanYi Micro Hei,
                ItalicFont=AR PL KaitiM GB]{AR PL SungtiL GB}
\setCJKsansfont[AutoFakeBold=2, AutoFakeSlant]{WenQuanYi Micro Hei}
\setCJKmonofont{WenQuanYi Micro Hei Mono}
\xeCJKDeclareCharClass{Default}{"2013}
"""
#: xeCJK sets curly quotes full width, as Chinese wants them; English keeps its own.
LATIN_QUOTES = r"""\xeCJKDeclareCharClass{Default}{"2018, "2019, "201C, "201D}
"""
#: Chinese books say 第一部分 and 第 1 章. A part's number is the whole of its label (report sets
#: \partname, a space and \thepart; the name swallows the space); a chapter's running head uses
#: \@chappos, as Sphinx's Japanese books do.
CHINESE_HEADINGS = r"""
\usepackage{zhnumber}
\makeatletter
\addto\captionsenglish{\renewcommand{\partname}{\@gobble}\renewcommand{\chaptername}{第}}
\renewcommand{\thepart}{第\zhnum{part}部分}
\def\theHpart{\arabic{part}}
\def\@chappos{章\quad}% xeCJK drops a space between Chinese characters: 第 1 章 and the title, apart
\renewcommand{\DOCH}{\raggedleft\CNV\FmN{\@chapapp}\space\CNoV\thechapter\space\CNV\FmN{章}%
  \par\nobreak\vskip 40\p@}
\makeatother
"""

#: What the book's structure adds in each language: the introduction's heading (the root page's
#: own title is the book's), the contents' title (Sphinx would take the first part's caption),
#: and the language's own setting of quotes and headings.
LANGUAGES = {
    "en": {"introduction": "Introduction", "contents": "Contents", "preamble": LATIN_QUOTES},
    "zh_CN": {"introduction": "引言", "contents": "目录", "preamble": CHINESE_HEADINGS},
}

#: \booknumberedpart{caption} and \bookunnumberedpart{caption}: a part whose chapters are numbered
#: or not (secnumdepth below a chapter's level leaves it out of the numbering but in the contents).
#: An unnumbered stretch counts its figures and tables from 1, as the site's unnumbered pages do.
PREAMBLE = r"""
\makeatletter
\AtBeginDocument{\edef\book@secnumdepth{\the\c@secnumdepth}}
\newcommand*{\bookunnumbered}{\setcounter{secnumdepth}{-2}\setcounter{chapter}{0}%
  \setcounter{figure}{0}\setcounter{table}{0}}
\newcommand*{\booknumberedpart}[1]{\setcounter{secnumdepth}{\book@secnumdepth}\part{#1}}
\newcommand*{\bookunnumberedpart}[1]{\bookunnumbered\part{#1}}
% The PDF's outline numbers parts and chapters, as the contents do.
\hypersetup{bookmarksnumbered}
% No table column narrower than a word such as "TensorFlow" (tabulary squeezes short ones to fit).
\setlength{\tymin}{6em}
% A reference list stays under its page's heading: the class's list without its chapter heading.
\renewenvironment{sphinxthebibliography}[1]
  {\let\chapter\@gobbletwo\let\@mkboth\@gobbletwo\begin{thebibliography}{#1}}
  {\end{thebibliography}}
\makeatother
"""


def latex(text: str) -> nodes.raw:
    return nodes.raw("", text, format="latex")


def inside_a_page(node: nodes.Node) -> bool:
    """Whether ``node`` belongs to a page that the root page's toctrees brought in."""
    while node.parent is not None:
        node = node.parent
        if isinstance(node, addnodes.start_of_file):
            return True
    return False


class BookParts(SphinxPostTransform):
    """The assembled book: the root page's sections as the introduction, the toctrees as parts."""

    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        root_doc = self.config.root_doc
        if self.document.get("docname") != root_doc:  # only the assembled book, whose root it is
            return
        root = self.document.next_node(nodes.section)
        title = root.next_node(nodes.title)
        toctrees = list(self.env.get_doctree(root_doc).findall(addnodes.toctree))
        wrappers = [node for node in root.findall(nodes.compound)
                    if "toctree-wrapper" in node["classes"] and not inside_a_page(node)]
        if len(wrappers) != len(toctrees):
            raise RuntimeError(f"{root_doc}: {len(wrappers)} toctrees in the book, {len(toctrees)} on the page")
        for wrapper in wrappers:  # wherever the page has them (a section's end, in plain Sphinx)
            wrapper.parent.remove(wrapper)

        introduction = nodes.section("", nodes.title("", language_settings(self.config)["introduction"]),
                                     ids=["book-introduction"])
        introduction.extend([child for child in root.children if child is not title])
        root.children = [title]
        root += [latex(r"\bookunnumbered"), introduction]
        for toctree, wrapper in zip(toctrees, wrappers, strict=True):
            kind = "numbered" if toctree.get("numbered") else "unnumbered"
            root += [latex(rf"\book{kind}part{{{escape(toctree.get('caption') or '', 'xelatex')}}}"), wrapper]


#: Where a page's reference list stands: the key that its entries and its (empty) list share.
PLACE = "book_reference_list"


class MarkReferencePlaces(SphinxPostTransform):
    """Each reference list stays where its page has it, instead of Sphinx's one list at the end.

    Before Sphinx gathers every entry at the end (its BibliographyTransform, priority 750), this
    leaves an empty list where each page's entries stand; MoveReferencesBack then fills it again.
    """

    default_priority = 740
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        places: dict[int, thebibliography] = {}
        for citation in list(self.document.findall(nodes.citation)):
            parent = citation.parent
            if id(parent) not in places:
                places[id(parent)] = thebibliography()
                places[id(parent)][PLACE] = str(len(places))
                parent.insert(parent.index(citation), places[id(parent)])
            citation[PLACE] = places[id(parent)][PLACE]


class MoveReferencesBack(SphinxPostTransform):
    """The entries that Sphinx gathered at the end, back in the lists where their pages have them."""

    default_priority = 760
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        places = {node[PLACE]: node for node in self.document.findall(thebibliography) if PLACE in node}
        for gathered in [node for node in self.document.findall(thebibliography) if PLACE not in node]:
            for citation in list(gathered.children):
                gathered.remove(citation)
                places[citation[PLACE]] += citation
            gathered.parent.remove(gathered)


def language_settings(config) -> dict:
    return LANGUAGES.get(config.language or "en", LANGUAGES["en"])


def add_preamble(app: Sphinx, config) -> None:
    settings = language_settings(config)
    contents = rf"\addto\captionsenglish{{\renewcommand{{\contentsname}}{{{settings['contents']}}}}}"
    preamble = config.latex_elements.get("preamble", "") + PREAMBLE + settings["preamble"] + contents
    config.latex_elements = {**config.latex_elements, "fontpkg": FONTS, "preamble": preamble}


def setup(app: Sphinx) -> dict:
    app.add_post_transform(BookParts)
    app.add_post_transform(MarkReferencePlaces)
    app.add_post_transform(MoveReferencesBack)
    app.connect("config-inited", add_preamble)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
