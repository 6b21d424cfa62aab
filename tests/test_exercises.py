"""Self-checks of companion.exercises: right answers pass, wrong ones get a hint, never a traceback."""

import math
from pathlib import Path

import numpy as np
import pytest

from companion import data
from companion.book_toc import pages as book_pages
from companion.evaluation import predictive_values
from companion.exercises.clinical_data import check_cli_ppv
from companion.exercises.compute import check_cmp_conv_flops, check_cmp_int8_bytes
from companion.exercises.feedback import as_number, available_checks, verdict
from companion.exercises.interpretability import check_itp_linear_attribution
from companion.exercises.medicine_and_ai import check_mai_baseline_accuracy
from companion.exercises.neurons import check_neu_and_gate
from companion.exercises.training import check_trn_output_error

CHECKS = available_checks()

# Answers a learner might type that are not answers at all: each must give "Not yet", not an error.
NOT_ANSWERS = [None, "0.5", [], [1, 2, 3], {"a": 1}, float("nan"), True, object()]
# Explicit ids: repr(object()) holds a memory address, which differs between pytest-xdist workers.
NOT_ANSWER_IDS = ["None", "str", "empty-list", "list", "dict", "nan", "bool", "object"]


def tiny_output() -> float:
    """The training chapter's 2-2-1 network, recomputed here with the package's MLP."""
    from companion.training import MLP

    tiny = MLP([2, 2, 1], hidden_activation="relu", output="sigmoid")
    tiny.set_params(
        [
            (np.array([[0.5, -1.0], [1.5, 0.5]]), np.array([0.1, -0.2])),
            (np.array([[0.8], [-1.2]]), np.array([-2.0])),
        ]
    )
    return float(tiny.forward(np.array([[1.0, 0.5]])).item())


# Each self-check with one correct answer and wrong answers of the kinds learners give.
CASES = {
    "check_mai_baseline_accuracy": (
        lambda: float((data.load_pima()["diabetes"] == 0).mean()),
        [0.5, 0.349, 65.1, 1.0],
    ),
    "check_neu_and_gate": (
        lambda: ([20.0, 20.0], -30.0),
        [([1.0, 1.0], -1.5), ([20.0, 20.0], -10.0), ([20.0], -30.0), (np.ones((2, 2)), 0.0)],
    ),
    "check_trn_output_error": (tiny_output, [tiny_output() - 1.0, 0.0, -0.5, 1.0]),
    "check_too_parameters": (lambda: 221, [220, 201, 21, 221.5, -221]),
    "check_cli_ppv": (lambda: float(predictive_values(0.9, 0.8, 0.02)[0]), [0.9, 0.8, 8.4, 0.5, 0.02]),
    "check_mol_tanimoto": (lambda: 0.5, [6 / 18, 50, 0.6, 6 / 10]),
    "check_itp_linear_attribution": (lambda: 0.9 * 2.0 + 0.6 * -0.5, [0.8, 0.82, -3.0]),
    "check_cmp_conv_flops": (lambda: 2 * 5 * 5 * 8 * 24 * 32 * 32 + 24 * 32 * 32, [4_915_200, 9_830_400, 123]),
    "check_prv_steps": (lambda: 280, [320, 288, 287.5, 40, 7]),
    "check_faq_events_per_variable": (lambda: 20.0, [57.5, 37.5, 160, 33.5]),
    "check_cmp_int8_bytes": (lambda: 256 * 64 + 4 * 64 + 4 * 64, [4 * (256 * 64 + 64), 256 * 64, 256 * 64 + 256]),
    "check_imaging_hounsfield": (lambda: 60, [6, 0.06, 1060]),
    "check_tox_masked_loss": (lambda: (-math.log(0.8) - math.log(0.6)) / 3,
                              [(-math.log(0.8) - math.log(0.6)) / 2, 0.5, (-math.log(0.8) - math.log(0.6)) / 3 * 100]),
}


def test_verdict_prints_one_line_and_returns_a_bool(capsys):
    assert verdict(np.bool_(True), praise="why.", hint="where.") is True
    assert verdict(0, praise="why.", hint="where.") is False
    assert capsys.readouterr().out == "Correct: why.\nNot yet: where.\n"


def test_text_is_not_a_number_even_when_python_could_read_it():
    assert as_number("0.5") is None
    assert as_number(np.float32(0.5)) == 0.5


def test_the_package_only_documents_its_modules():
    """companion.exercises forwards no names: a chapter imports from its own module."""
    import ast

    import companion.exercises as package

    body = ast.parse(Path(package.__file__).read_text(encoding="utf-8")).body
    assert [type(node) for node in body] == [ast.Expr], "the package's __init__ holds only its docstring"


def test_every_check_lives_in_its_chapters_module():
    """One module per chapter, named after the chapter's notebook, in companion/exercises/."""
    stems = {Path(page).name for page in book_pages(Path(__file__).resolve().parents[1])}
    for name, check in CHECKS.items():
        module = check.__module__.rsplit(".", 1)[-1]
        assert module in stems, f"{name} is in companion.exercises.{module}, which is no chapter of _toc.yml"


def test_every_check_is_tested_here():
    """A check added to the module is listed in CASES (other test files may test it too)."""
    untested = set(CHECKS) - set(CASES)
    assert not untested, f"add these self-checks to CASES: {sorted(untested)}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_correct_answer_is_accepted(name, capsys):
    correct, _ = CASES[name]
    assert CHECKS[name](correct()) is True
    out = capsys.readouterr().out
    assert out.startswith("Correct: ")
    assert out.count("\n") == 1


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_answers_get_a_hint(name, capsys):
    _, wrong_answers = CASES[name]
    for wrong in wrong_answers:
        assert CHECKS[name](wrong) is False, wrong
        out = capsys.readouterr().out
        assert out.startswith("Not yet: "), out
        assert out.count("\n") == 1, out


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("answer", NOT_ANSWERS, ids=NOT_ANSWER_IDS)
def test_a_wrong_type_gets_a_hint_not_a_traceback(name, answer, capsys):
    assert CHECKS[name](answer) is False
    assert capsys.readouterr().out.startswith("Not yet: ")


@pytest.mark.parametrize("name", sorted(CASES))
def test_hints_never_reveal_the_answer(name, capsys):
    correct, wrong_answers = CASES[name]
    value = correct()
    for wrong in [*wrong_answers, *NOT_ANSWERS]:
        CHECKS[name](wrong)
    hints = capsys.readouterr().out
    numbers = np.atleast_1d(np.asarray(value[0] if isinstance(value, tuple) else value, dtype=float))
    for number in numbers:
        for decimals in (1, 2, 3):
            assert f"{number:.{decimals}f}" not in hints
        assert f"{number:.0%}" not in hints
        assert f"{number:.1%}" not in hints


def test_percentages_get_their_own_hint(capsys):
    check_cli_ppv(8.4)
    check_mai_baseline_accuracy(65.1)
    assert capsys.readouterr().out.count("fraction between 0 and 1") == 2


def test_the_gate_check_accepts_any_and_gate(capsys):
    assert check_neu_and_gate((np.array([50.0, 50.0]), -75.0))
    assert check_neu_and_gate([(10.0, 10.0), -15.0])
    assert not check_neu_and_gate(([20.0, 20.0], -10.0))  # that is OR


def test_y_equals_one_gets_a_specific_hint(capsys):
    check_trn_output_error(tiny_output() - 1.0)
    assert "y = 1" in capsys.readouterr().out


def test_check_itp_linear_attribution_accepts_the_exact_sum(capsys):
    assert check_itp_linear_attribution(0.9 * 2.0 + 0.6 * -0.5)
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (0.8, "intercept"),  # the log-odds themselves, intercept included
        (0.82, "log-odds scale"),  # a probability
        (-3.0, "w_i * (x_i - baseline_i)"),
        (None, "give one number"),
        ("1.5 log-odds", "give one number"),
    ],
)
def test_check_itp_linear_attribution_hints(answer, hint, capsys):
    assert not check_itp_linear_attribution(answer)
    out = capsys.readouterr().out
    assert out.startswith("Not yet:")
    assert hint in out


def test_conv_flops_right_answer(capsys):
    assert check_cmp_conv_flops(2 * 5 * 5 * 8 * 24 * 32 * 32 + 24 * 32 * 32) is True
    assert check_cmp_conv_flops(9_854_976.0) is True
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (4_915_200, "multiply-adds"),
        (9_830_400, "the bias adds one more FLOP"),
        (2 * 5 * 5 * 8 * 24 + 24, "32 x 32 output positions"),
        (123, "count the output values first"),
        (None, "give one whole number"),
        ("many", "give one whole number"),
        ([1, 2], "give one whole number"),
    ],
)
def test_conv_flops_wrong_answers_get_hints(capsys, answer, hint):
    assert check_cmp_conv_flops(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet:")
    assert hint in out
    assert "9854976" not in out.replace(",", "")  # never gives the answer away


def test_int8_bytes_right_answer(capsys):
    assert check_cmp_int8_bytes(16_896) is True
    assert capsys.readouterr().out.startswith("Correct:")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (65_792, "float32 size"),
        (16_384, "the kernel is right"),
        (16_640, "float32 scale"),
        (1, "1 byte per kernel value"),
        (float("nan"), "give one whole number"),
    ],
)
def test_int8_bytes_wrong_answers_get_hints(capsys, answer, hint):
    assert check_cmp_int8_bytes(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet:")
    assert hint in out
