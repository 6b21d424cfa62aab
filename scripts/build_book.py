"""Build the book in another language or with another Sphinx builder, beside the English site.

``jupyter-book build`` always writes its doctrees next to the HTML, and Sphinx refuses to reuse an
HTML build's doctrees for another builder or language. This script gives each build a folder of its
own under ``_build/`` and points every one at the English build's execution cache, so that no
chapter runs again:

    python scripts/build_book.py --builder gettext          # _build/gettext/pot/*.pot
    python scripts/build_book.py --language zh_CN           # _build/zh_CN/html

Everything else comes from ``_config.yml`` and ``_toc.yml``, as for the English book.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jupyter_book.sphinx import build_sphinx

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
CACHE = BUILD / ".jupyter_cache"  # where `jupyter-book build .` keeps the executed chapters


def output_folder(language: str, builder: str) -> Path:
    """The folder of one build: `_build/gettext` for the catalogs, `_build/<language>` otherwise."""
    return BUILD / ("gettext" if builder == "gettext" else language)


def compile_catalogs(language: str) -> list[str]:
    """The language's catalogs (locales/<language>/LC_MESSAGES/*.po) compiled for Sphinx into the
    build's own folder, so that building never writes into the sources; none for English."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = ROOT / "locales" / language / "LC_MESSAGES"
    if not source.is_dir():
        return []
    compiled = output_folder(language, "html") / "locales"
    for po in sorted(source.rglob("*.po")):
        mo = compiled / language / "LC_MESSAGES" / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with open(po, "rb") as text, open(mo, "wb") as binary:
            write_mo(binary, read_po(text, locale=language))
    return [str(compiled)]


def build(language: str, builder: str, strict: bool) -> int:
    if not (CACHE / "global.db").exists():
        sys.exit(f"no execution cache in {CACHE}: build the English book first (make book)")
    folder = output_folder(language, builder)
    return build_sphinx(
        ROOT,
        folder / ("pot" if builder == "gettext" else builder),
        doctreedir=folder / ".doctrees",
        noconfig=True,
        path_config=ROOT / "_config.yml",
        confoverrides={
            "external_toc_path": "_toc.yml",
            "latex_individualpages": False,
            "language": language,
            "nb_execution_cache_path": str(CACHE),
            "nitpicky": strict,
            "locale_dirs": compile_catalogs(language),
            "gettext_auto_build": False,
        },
        builder=builder,
        warningiserror=strict,
        keep_going=strict,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="en", help="a language with catalogs in locales/ (default: en)")
    parser.add_argument("--builder", default="html", help="a Sphinx builder, e.g. html or gettext (default: html)")
    parser.add_argument("--no-strict", dest="strict", action="store_false", help="do not turn warnings into errors")
    args = parser.parse_args(argv)
    result = build(args.language, args.builder, args.strict)
    if isinstance(result, Exception):
        raise result
    return int(result)


if __name__ == "__main__":
    sys.exit(main())
