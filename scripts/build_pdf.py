"""The whole book as one PDF, from the English build's execution cache: Sphinx's LaTeX builder, then XeLaTeX.

    python scripts/build_pdf.py                    # _build/pdf/deep-learning-in-medicine.pdf
    python scripts/build_pdf.py --language zh_CN   # _build/pdf/deep-learning-in-medicine-zh_CN.pdf

The LaTeX sources, the log and the images are kept in ``_build/<language>/latex``. No chapter runs
again: the LaTeX build reads every executed chapter from the cache that ``make book`` filled, as the
Chinese site does. TeX Live comes from Debian's packages (``make tex``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import build_book

sys.path.insert(0, str(build_book.ROOT / "book" / "_ext"))
from book_pdf import pdf_name  # noqa: E402 - the name that every page's download menu links to

NAME = "deep-learning-in-medicine"  # the .tex and .pdf name, set in _config.yml (latex_documents)


def pdf_path(language: str) -> Path:
    """Where the finished PDF of ``language`` goes: one folder for both languages."""
    return build_book.BUILD / "pdf" / pdf_name(f"{NAME}.tex", language)


def latex_folder(language: str) -> Path:
    return build_book.output_folder(language, "latex") / "latex"


def run_latex(tex: Path) -> Path:
    """``tex`` typeset into a PDF beside it; a LaTeX error ends the run with its first message.

    Sphinx writes a latexmkrc for the chosen engine (XeLaTeX, makeindex with its style); latexmk
    runs XeLaTeX until the references, the contents and the index stop changing.
    """
    rc = ["-r", "latexmkrc"] if (tex.parent / "latexmkrc").exists() else []
    done = subprocess.run(["latexmk", *rc, "-pdfxe", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                          cwd=tex.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode:
        log = tex.with_suffix(".log")
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
        first = next((i for i, line in enumerate(lines) if line.startswith("!")), None)
        error = "\n".join(lines[first:first + 3]) if first is not None else "no error message in the log"
        sys.exit(f"XeLaTeX could not typeset {tex}:\n{error}\n(the whole log: {log})")
    return tex.with_suffix(".pdf")


def build(language: str) -> Path:
    if shutil.which("xelatex") is None or shutil.which("latexmk") is None:
        sys.exit("no XeLaTeX or latexmk: install TeX Live first (make tex)")
    result = build_book.build(language, "latex", strict=True)
    if isinstance(result, Exception):
        raise result
    if result:
        sys.exit(result)
    folder = latex_folder(language)
    target = pdf_path(language)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_latex(folder / f"{NAME}.tex"), target)
    pages = build_book.output_folder(language, "html") / "html" if language != "en" else build_book.BUILD / "html"
    if pages.is_dir():  # beside the pages, where their download menu links to it
        shutil.copyfile(target, pages / target.name)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="en", help="a language with catalogs in locales/ (default: en)")
    print(build(parser.parse_args(argv).language))
    return 0


if __name__ == "__main__":
    sys.exit(main())
