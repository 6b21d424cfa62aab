"""The shared argument checks of ``companion.validation``: what each accepts, refuses, and how.

Every refusal is checked for its exception type (the rule in CONTRIBUTING.md, "Argument
checks": a bad value or a scalar of the wrong type is a ValueError, an object of the wrong
kind a TypeError) and for a message that opens with the parameter's name.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from companion import validation as v


def refused(error: type[Exception], call, *args, **kwargs) -> str:
    """The message of the ``error`` that ``call(name, ...)`` raises; it must open with the name."""
    with pytest.raises(error) as caught:
        call("arg", *args, **kwargs)
    assert type(caught.value) is error
    message = str(caught.value)
    assert re.match(r"arg\b", message), message  # "arg must ..." or "arg[2] must ..."
    return message


NOT_NUMBERS = [True, np.bool_(False), "1", None, [1], 1j, object()]


@pytest.mark.parametrize("value", [*NOT_NUMBERS, float("nan"), float("inf"), -np.inf])
def test_finite_number_refuses_flags_text_and_non_finite(value):
    refused(ValueError, v.finite_number, value)


def test_finite_number_accepts_integers_and_numpy_scalars():
    assert v.finite_number("x", np.float32(-2.5)) == -2.5
    assert type(v.finite_number("x", np.int64(3))) is float


@pytest.mark.parametrize(("check", "edge"), [(v.positive_number, 0), (v.non_negative_number, -1e-9)])
def test_signed_numbers_refuse_their_edge_and_non_numbers(check, edge):
    for value in [edge, float("nan"), float("inf"), *NOT_NUMBERS]:
        refused(ValueError, check, value)


def test_non_negative_number_accepts_zero_positive_number_does_not():
    assert v.non_negative_number("x", 0) == 0.0
    assert v.positive_number("x", 1e-300) == 1e-300


@pytest.mark.parametrize(
    ("interval", "zero", "one"),
    [("[0, 1]", True, True), ("(0, 1)", False, False), ("(0, 1]", False, True), ("[0, 1)", True, False)],
)
def test_fraction_ends_follow_the_interval(interval, zero, one):
    for end, allowed in [(0, zero), (1, one)]:
        if allowed:
            assert v.fraction("p", end, interval) == end
        else:
            assert interval in refused(ValueError, v.fraction, end, interval)
    assert v.fraction("p", 0.5, interval) == 0.5


@pytest.mark.parametrize("value", [-0.1, 1.0001, float("nan"), *NOT_NUMBERS])
def test_fraction_refuses_outside_and_non_numbers(value):
    refused(ValueError, v.fraction, value)


def test_fraction_refuses_an_interval_other_than_the_unit_interval():
    with pytest.raises(ValueError, match="^interval must be one of"):
        v.fraction("p", 0.5, "[0, 2]")


def test_number_in_reads_the_interval_as_written():
    assert v.number_in("dose", 100, "(0, 100]") == 100.0
    assert v.number_in("t", -2.5, "[-2.5, 0)") == -2.5
    for value in [0, 100.5, float("inf"), "5", True]:
        assert "(0, 100]" in refused(ValueError, v.number_in, value, "(0, 100]")
    with pytest.raises(ValueError, match="^interval must be written like"):
        v.number_in("dose", 1, "0..100")


def test_numbers_refuse_integers_too_large_for_a_float():
    refused(ValueError, v.finite_number, 10**400)


@pytest.mark.parametrize("value", [2.0, True, "3", None, np.float64(3)])
def test_integers_refuse_floats_flags_and_text(value):
    for check in (v.positive_int, v.non_negative_int, v.integer):
        refused(ValueError, check, value)


def test_integer_bounds_are_inclusive_and_in_the_message():
    assert v.integer("n", 32, minimum=32, maximum=512) == 32
    assert v.integer("n", 512, minimum=32, maximum=512) == 512
    assert "from 32 to 512" in refused(ValueError, v.integer, 513, minimum=32, maximum=512)
    assert "at least 8" in refused(ValueError, v.integer, 7, minimum=8)
    assert "at most 3" in refused(ValueError, v.integer, 4, maximum=3)
    assert type(v.integer("n", np.int8(-5))) is int


def test_positive_and_non_negative_int_differ_at_zero():
    assert v.non_negative_int("seed", 0) == 0
    assert "positive integer" in refused(ValueError, v.positive_int, 0)
    assert "non-negative integer" in refused(ValueError, v.non_negative_int, -1)


def test_positive_ints_checks_length_and_each_item():
    assert v.positive_ints("sizes", (np.int64(3), 1)) == [3, 1]
    assert v.positive_ints("hidden", (), min_length=0) == []  # no hidden layer: a logistic regression
    assert "must be a sequence of positive integers" in refused(ValueError, v.positive_ints, "12", min_length=0)
    assert "non-empty" in refused(ValueError, v.positive_ints, [])
    assert "2 or more" in refused(ValueError, v.positive_ints, [3], min_length=2)
    for value in ["12", 12, {12: 1}, []]:
        refused(ValueError, v.positive_ints, value)
    with pytest.raises(ValueError, match=r"^sizes\[1\] must be a positive integer, got 0"):
        v.positive_ints("sizes", [4, 0])


@pytest.mark.parametrize("value", [0, 1, "yes", "True", None, 1.0])
def test_flag_refuses_everything_but_booleans(value):
    assert "True or False" in refused(ValueError, v.flag, value)


def test_flag_accepts_numpy_booleans_as_bool():
    assert v.flag("f", np.bool_(True)) is True


def test_one_of_returns_the_value_and_lists_the_choices():
    assert v.one_of("loss", "mse", ("mse", "bce")) == "mse"
    assert "['mse', 'bce']" in refused(ValueError, v.one_of, "mae", ("mse", "bce"))
    assert v.one_of("name", "a", {"a": 1, "b": 2}) == "a"
    for value in [None, ["mse"], np.array(["mse", "bce"]), {"mse": 1}]:
        refused(ValueError, v.one_of, value, {"mse": 1, "bce": 2})


@pytest.mark.parametrize("value", ["", 3, None, b"name"])
def test_text_refuses_empty_and_non_strings(value):
    refused(ValueError, v.text, value)


def test_folder_expands_home_and_refuses_non_paths(tmp_path):
    assert v.folder("d", tmp_path) == tmp_path
    assert v.folder("d", "~/data") == Path.home() / "data"
    for value in ["", 3, None, [str(tmp_path)]]:
        refused(ValueError, v.folder, value)


def test_vector_needs_a_non_empty_1d_array_without_nan():
    np.testing.assert_array_equal(v.vector("y", [1, 2]), [1.0, 2.0])
    for value in [[], [[1, 2]], [1, float("nan")], ["a", "b"], [1j]]:
        refused(ValueError, v.vector, value)


def test_binary_labels_needs_both_classes_and_only_0_and_1():
    labels = v.binary_labels("y", [0.0, 1.0, 1.0])
    assert labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, [0, 1, 1])
    assert "both classes" in refused(ValueError, v.binary_labels, [0, 0])
    assert "only the labels 0 and 1" in refused(ValueError, v.binary_labels, [0, 1, 2])


def test_probabilities_stay_in_the_unit_interval():
    np.testing.assert_array_equal(v.probabilities("p", [0, 0.5, 1]), [0, 0.5, 1])
    for value in [[-0.01, 0.5], [0.5, 1.01], [np.inf]]:
        assert "probabilities in [0, 1]" in refused(ValueError, v.probabilities, value)


def test_objects_of_the_wrong_kind_are_type_errors():
    assert "keras.Model, got list" in refused(TypeError, v.keras_model, [1])
    assert "numpy.random.Generator, got int" in refused(TypeError, v.generator, 0)
    assert "metric(y_true, y_score), got float" in refused(TypeError, v.function, 0.5, "metric(y_true, y_score)")
    rng = np.random.default_rng(0)
    assert v.generator("rng", rng) is rng
    assert v.function("f", len) is len


def test_keras_model_accepts_a_model():
    import keras  # imported here only: the check itself never imports it

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    assert v.keras_model("model", model) is model
    assert v.keras_model("model", model, built=True) is model
    unbuilt = keras.Sequential([keras.layers.Dense(1)])
    assert v.keras_model("model", unbuilt) is unbuilt
    assert "must be built" in refused(ValueError, v.keras_model, unbuilt, built=True)


def test_validation_imports_nothing_heavy():
    code = "import sys, companion.validation; print(sorted({'keras', 'tensorflow', 'pandas'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_split_fractions_are_two_or_more_in_the_open_interval_summing_to_1():
    assert v.split_fractions("f", [0.5, 0.25, 0.25]) == [0.5, 0.25, 0.25]
    assert "sum to 1" in refused(ValueError, v.split_fractions, (0.8, 0.3))
    for value in [(1.0,), "0.8", (0.5, 0.5, 0.0), (0.5, float("nan")), {0.5: 1, 0.4: 2}]:
        refused(ValueError, v.split_fractions, value)
    with pytest.raises(ValueError, match=r"^f\[2\] must be a number in \(0, 1\), got 0.0"):
        v.split_fractions("f", (0.5, 0.5, 0.0))


def test_finite_values_are_a_non_empty_float64_array_of_any_shape():
    array = v.finite_values("hu", np.zeros((2, 3), dtype=np.float32))
    assert array.dtype == np.float64
    assert array.shape == (2, 3)
    for value in [[], np.zeros((0, 4)), [np.nan], [[1.0, np.inf]], ["a"], [1j]]:
        refused(ValueError, v.finite_values, value)
