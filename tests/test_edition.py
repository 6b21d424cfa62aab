"""The reader's edition, converted from a fixture chapter with every MyST construct the book uses.

The facts of a build are written here by hand, so these tests need no built book; the whole
edition made from the real build is checked by tests/test_reader_edition_built.py.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import nbformat
import pytest

import companion
from companion import book_toc, classroom, evaluation
from companion.built_book import BuildFacts, Reference, Target, read_build
from companion.edition import EditionError, convert_markdown, convert_notebook, install_source, myst_constructs

ROOT = Path(__file__).resolve().parents[1]
DOC = "tests/fixtures/edition/chapter"
SITE = "https://example.org/book/"
GLOSSARY = f"{SITE}book/glossary.html"
PAGE = f"{SITE}{DOC}.html"
WHEEL = f"{SITE}wheels/dl_medicine_companion-{companion.__version__}-py3-none-any.whl"


@pytest.fixture(scope="module")
def facts() -> BuildFacts:
    return BuildFacts(
        site=SITE,
        glue={DOC: {"fix_accuracy": "'76.6%'", "fix_n": "154", "fix_auc": "0.8591"}},
        titles={"book/foundations/training": "Training a network", "book/intro": "Deep Learning in Medicine"},
        labels={"fixture-chapter": Target(DOC, "fixture-chapter", "A fixture chapter")},
        numbers={
            "fig-fix-roc": Target(DOC, "fig-fix-roc", "4.1", "figure"),
            "fix-ex-one": Target(DOC, "fix-ex-one", "4.1", "exercise"),
            "fix-ex-two": Target(DOC, "fix-ex-two", "4.2", "exercise"),
        },
        terms={
            "sensitivity": Target("book/glossary", "term-Sensitivity", "Sensitivity"),
            "positive predictive value": Target("book/glossary", "term-Positive-predictive-value", "PPV"),
            "auc": Target("book/glossary", "term-AUC", "AUC"),
        },
        citations={  # order: the place on the bibliography page
            "collins2015tripod": Reference("Collins et al.", "2015", "book/bibliography", "id2", "Collins. TRIPOD.", 1),
            "smith1988adap": Reference("Smith et al.", "1988", "book/bibliography", "id3", "Smith. ADAP.", 2),
            "topol2019high": Reference("Topol", "2019", "book/bibliography", "id1", "Topol. Medicine.", 0),
        },
    )


@pytest.fixture(scope="module")
def source() -> nbformat.NotebookNode:
    return nbformat.read(ROOT / f"{DOC}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def converted(source, facts) -> tuple[nbformat.NotebookNode, Counter]:
    counts: Counter = Counter()
    return convert_notebook(source, DOC, facts, root=ROOT, counts=counts), counts


@pytest.fixture(scope="module")
def edition(converted) -> nbformat.NotebookNode:
    return converted[0]


def cell(edition, cell_id: str) -> str:
    return next(c for c in edition.cells if c.id == cell_id).source


def test_every_construct_is_converted(edition, converted):
    nbformat.validate(edition)
    left = [found for c in edition.cells if c.cell_type == "markdown" for found in myst_constructs(c.source)]
    assert left == []
    assert converted[1] == Counter({
        "{term}": 5, "{glue:text}": 5, "{doc}": 2, "{ref}": 2, "{literalinclude}": 2, "{exercise}": 2, "(label)=": 1,
        "% comment": 1, "{admonition}": 1, "{cite:p}": 1, "{cite:t}": 1, "{numref}": 1, "figure caption": 1,
        "{solution}": 1, "{solution-start}": 1, "{solution-end}": 1, "{bibliography}": 1,
    })


def test_cells_in_order_with_their_ids(edition, source):
    assert [(c.id, c.cell_type, c.metadata.get("tags")) for c in edition.cells] == [
        ("install-companion", "code", ["install"]),
        ("fixture-00", "markdown", None),
        ("fixture-01", "code", None),
        ("fixture-02", "markdown", None),
        ("fixture-03", "code", None),
        ("fixture-03-caption", "markdown", None),
        ("fixture-04", "markdown", None),
        ("fixture-05", "markdown", None),
        ("fixture-05-2", "markdown", ["solution"]),
        ("fixture-05-3", "markdown", None),
        ("fixture-05-4", "markdown", ["solution"]),
        ("fixture-07", "markdown", None),
        ("fixture-08", "code", ["remove-output"]),
        ("fixture-09", "markdown", None),
    ]
    assert edition.metadata == source.metadata


def test_code_cells_unchanged_without_outputs(edition, source):
    kept = [c for c in source.cells if c.cell_type == "code" and "solution" not in c.metadata.get("tags", [])]
    code = [c for c in edition.cells[1:] if c.cell_type == "code"]
    assert [(c.id, c.source, c.metadata) for c in code] == [(c.id, c.source, c.metadata) for c in kept]
    assert all(c.outputs == [] and c.execution_count is None for c in code)


def test_title_admonition_doc_term_and_citations(edition):
    assert cell(edition, "fixture-00") == textwrap.dedent(f"""\
        # A fixture chapter

        > **Objectives**
        >
        > **Prerequisites:** [Training a network]({SITE}book/foundations/training.html) and the [preface]({SITE}book/intro.html).
        >
        > 1. Name [sensitivity]({GLOSSARY}#term-Sensitivity) and [predictive values]({GLOSSARY}#term-Positive-predictive-value).

        The data are old ([Smith et al., 1988]({SITE}book/bibliography.html#id3); [Collins et al., 2015]({SITE}book/bibliography.html#id2)); as Topol ([2019]({SITE}book/bibliography.html#id1))
        argues, that matters.""")  # noqa: E501


def test_glue_numref_ref_table_math_and_code_left_alone(edition):
    assert cell(edition, "fixture-02") == textwrap.dedent(f"""\
        ## Numbers

        The network reaches 76.6% on 154 women, an AUC of
        0.86 ([Fig. 4.1]({PAGE}#fig-fix-roc); see [A fixture chapter]({PAGE}#fixture-chapter) and
        [the start]({PAGE}#fixture-chapter)).

        | | value |
        | --- | --- |
        | [AUC]({GLOSSARY}#term-AUC) | 0.859 |

        Math stays: $p(1 - p)$ and

        $$
        \\mathrm{{PPV}} = \\frac{{\\mathrm{{Se}}\\, p}}{{\\mathrm{{Se}}\\, p + (1 - \\mathrm{{Sp}})(1 - p)}}.
        $$

        In MyST one writes `{{glue:text}}` or `` {{term}}`AUC` ``, shown here as code:

        ```python
        text = "{{term}}`not a role`"
        ```""")


def test_figure_caption_follows_its_cell(edition):
    expected = f"**Fig. 4.1.** ROC curve of the network, with its [AUC]({GLOSSARY}#term-AUC)."
    assert cell(edition, "fixture-03-caption") == expected


def test_literalinclude_shows_the_real_source(edition):
    core = inspect.getsource(evaluation.threshold_for_target).split("\n")
    start = next(i for i, line in enumerate(core) if 'if name == "sensitivity"' in line)
    end = next(i for i, line in enumerate(core) if "return float(positives[needed - 1])" in line)
    expected_core = textwrap.dedent("\n".join(core[start : end + 1]))
    assert cell(edition, "fixture-04") == (
        f"The whole function:\n\n```python\n{inspect.getsource(evaluation.predictive_values).rstrip()}\n```\n\n"
        f"and its core:\n\n```python\n{expected_core}\n```"
    )


def test_exercises_become_numbered_headings_and_solutions_one_cell(edition):
    assert cell(edition, "fixture-05") == "## Exercises\n\n### Exercise 4.1: Add two numbers\n\nWhat is 154 + 1?"
    assert cell(edition, "fixture-05-2") == "<details>\n<summary><b>Solution</b></summary>\n\nIt is 155.\n\n</details>"
    assert cell(edition, "fixture-05-3") == "### Exercise 4.2: Name the answer\n\nAssign 42 to `answer`."
    assert cell(edition, "fixture-05-4") == (
        "<details>\n<summary><b>Solution</b></summary>\n\n```python\nanswer = 42\n```\n\n"
        f"Any name would do; [AUC]({GLOSSARY}#term-AUC) is not one.\n\n</details>"
    )
    assert cell(edition, "fixture-07") == "Check your answer with the cell below."
    student = classroom.student_notebook(edition)
    assert "answer = 42" not in str(student)
    assert classroom.count_solutions(edition) == 2


def test_bibliography_lists_the_works_cited_in_the_sites_order(edition):
    assert cell(edition, "fixture-09") == "## References\n\n- Topol. Medicine.\n- Collins. TRIPOD.\n- Smith. ADAP."


def test_myst_constructs_ignores_code():
    text = "A {term}`x`, `{term}`y``.\n\n```python\n{doc}`z`\n```\n\n````{note}\nSee {ref}`r`\n````\n(label)=\n% note"
    assert myst_constructs(text) == ["{term}`x`", "````{note}", "{ref}`r`", "(label)=", "% note"]
    assert myst_constructs("Plain text, $x^{2}$ and {braces}.") == []


def notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text) for text in sources])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Fine.\n\n{foo}`bar`", "book/x.ipynb, cell 1: unknown MyST role {foo}"),
        ("```{note}\nHi\n```", "book/x.ipynb, cell 1: unknown MyST directive {note}"),
        ("{glue:text}`missing`", "book/x.ipynb, cell 1: glue key 'missing' is not in the built book"),
        ("{term}`unknown term`", "book/x.ipynb, cell 1: {term}`unknown term`: 'unknown term' is not in the built book"),
        ("{cite:p}`nobody2000`", "book/x.ipynb, cell 1: citation 'nobody2000' is not in the bibliography"),
        ("{numref}`fig-none`", "book/x.ipynb, cell 1: {numref}`fig-none`"),
        ("```{exercise} Unlabelled\nDo.\n```", "book/x.ipynb, cell 1: {exercise} 'Unlabelled' without a :label:"),
        ("```{admonition} Hi\n:icon: star\nText.\n```", "book/x.ipynb, cell 1: {admonition} with unknown option"),
        ("```{admonition} Hi\n---\nclass: tip\n---\nText.\n```", "book/x.ipynb, cell 1: {admonition} with unknown"),
        ("````{solution-start} a\n````", "book/x.ipynb, cell 1: {solution-start} without {solution-end}"),
        ("````{solution-end}\n````", "book/x.ipynb, cell 1: {solution-end} out of order"),
    ],
)
def test_what_it_cannot_render_is_an_error_naming_notebook_cell_and_construct(facts, text, message):
    with pytest.raises(EditionError) as caught:
        convert_notebook(notebook("# Title", text), "book/x", facts, root=ROOT)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)


def test_a_solution_code_cell_outside_a_solution_is_an_error(facts):
    nb = notebook("# Title")
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]}))
    with pytest.raises(EditionError, match=r"cell 1: a code cell tagged solution outside"):
        convert_notebook(nb, "book/x", facts)


def test_the_source_is_not_changed(source, facts):
    before = nbformat.from_dict(source)
    convert_notebook(source, DOC, facts, root=ROOT)
    assert source == before


def test_convert_markdown_and_site_paths(facts):
    intro = f"[Deep Learning in Medicine]({SITE}book/intro.html)"
    assert convert_markdown("{doc}`/book/intro`", "tests/x", facts) == intro
    assert convert_markdown("{numref}`Figure %s <fig-fix-roc>`", DOC, facts) == f"[Figure 4.1]({PAGE}#fig-fix-roc)"


def test_chapters_are_the_notebooks_of_the_toc():
    pages = book_toc.notebooks(ROOT)
    assert pages[:2] == ["book/foundations/medicine_and_ai", "book/foundations/neurons"]
    assert "book/faq" in pages
    assert all((ROOT / f"{page}.ipynb").exists() for page in pages)


def test_an_unbuilt_book_says_run_make_book(tmp_path):
    with pytest.raises(FileNotFoundError, match="run make book first"):
        read_build(tmp_path)


# ---------------------------------------------------------------------------
# The first cell


def run_first_cell(monkeypatch, capsys, missing: set[str]) -> list[str]:
    """Run the first cell here, with the modules ``missing`` hidden; returns pip's arguments, if it ran."""
    import importlib.util

    calls, real = [], importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in missing else real(name, *a))
    monkeypatch.setattr(subprocess, "run", lambda args, **_: calls.append(args) or subprocess.CompletedProcess(args, 0))
    exec(compile(install_source(SITE), "first cell", "exec"), {})
    return calls[0] if calls else []


def test_first_cell_compiles_and_names_the_published_wheel():
    source = install_source(SITE)
    compile(source, "first cell", "exec")
    assert f'WHEEL = "{WHEEL}"' in source


def test_first_cell_does_not_call_pip_when_the_companion_is_installed(monkeypatch, capsys):
    assert run_first_cell(monkeypatch, capsys, missing=set()) == []
    assert "The course package is already installed (companion " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("missing", "requirement"),
    [
        ({"companion", "tensorflow"}, f"dl-medicine-companion[tensorflow] @ {WHEEL}"),
        ({"companion"}, f"dl-medicine-companion @ {WHEEL}"),  # never replaces a runtime's TensorFlow
    ],
)
def test_first_cell_installs_the_wheel_with_tensorflow_only_where_missing(monkeypatch, capsys, missing, requirement):
    monkeypatch.delenv("COMPANION_INSTALL", raising=False)
    assert run_first_cell(monkeypatch, capsys, missing)[-1] == requirement
    assert capsys.readouterr().out.splitlines()[0].endswith(f"pip install {requirement}")


def test_first_cell_installs_what_companion_install_names(monkeypatch, capsys):
    monkeypatch.setenv("COMPANION_INSTALL", "/wheels/mine.whl")
    assert run_first_cell(monkeypatch, capsys, {"companion", "tensorflow"})[-1] == "/wheels/mine.whl"


def test_first_cell_stops_with_one_sentence_when_pip_fails(tmp_path):
    """Real pip, offline and without configuration, asked for a version that does not exist; run by IPython."""
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""\
        import importlib.util
        real = importlib.util.find_spec
        importlib.util.find_spec = lambda name, *a: None if name in ("companion", "tensorflow") else real(name, *a)
        from IPython.core.interactiveshell import InteractiveShell
        result = InteractiveShell.instance().run_cell({install_source(SITE)!r})
        print("raised:", type(result.error_in_exec).__name__)
        """), encoding="utf-8")
    requirement = "dl-medicine-companion==999"
    env = {**os.environ, "COMPANION_INSTALL": requirement, "PIP_NO_INDEX": "1",
           "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    shown = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path,
                           timeout=120).stdout
    lines = [line for line in shown.splitlines() if line.strip()]
    assert lines[0] == "Installing the course package (this can take a few minutes): pip install " + requirement
    assert lines[1].startswith("Could not install the course package with pip install 'dl-medicine-companion==999' (")
    assert "No matching distribution" in lines[1]
    assert lines[1].endswith("then run this cell again.")
    assert lines[2:] == ["raised: InstallError"], shown  # one sentence, no traceback
