"""Property-based sweep of bad inputs over the public API of ``companion``.

The package promises that a wrong shape, a NaN, an invalid SMILES, an
unknown dataset name or a bad probability raises a ``ValueError`` (a
``TypeError`` where an object such as a model is required and something else
is given) whose message names the parameter: never a crash deep inside
NumPy or TensorFlow, never a silently wrong answer. Hypothesis generates the
bad inputs (wrong shapes and dtypes, NaN and infinity, empty arrays, values
out of range, unknown names); every generated call must be rejected with a
message that names the parameter it broke. Which exception for which mistake, and the words of
the message, are set out in CONTRIBUTING.md, "Argument checks".

The number of rejected calls is printed at the end of the run (see ``conftest.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import os
import re
import string
import warnings
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from companion import (
    chem,
    clinical,
    compute,
    ct,
    data,
    evaluation,
    explain,
    imaging,
    intervals,
    neuron,
    phantom,
    privacy,
    training,
    validation,
)
from companion.backend import keras
from companion.data import medmnist

# Modest example counts keep the whole sweep well under a minute; deadline=None because
# the first call of a TensorFlow function is slow; no example database in the repository;
# derandomize: the same examples on every run, so a result never depends on luck. To hunt
# for new gaps, run `SWEEP_RANDOM=1 pytest tests/test_bad_inputs.py --hypothesis-seed=N` for a few N.
sweep = settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=os.environ.get("SWEEP_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# ---------------------------------------------------------------------------
# The check every case ends in

#: Parameters that want an object (a Keras model, a random generator, a function): a wrong kind is a TypeError.
OBJECT_PARAMETERS = {"model", "rng", "metric", "explain"}


@pytest.fixture(scope="session")
def reject(bad_input_counter) -> Callable[..., None]:
    """``reject(call, parameter, error)``: ``call()`` must raise ``error`` naming ``parameter``.

    ``error`` follows the rule of CONTRIBUTING.md ("Argument checks"): ValueError for a bad value
    or a scalar of the wrong type, TypeError for an object of the wrong kind where an object
    (a model, a random generator, a function, a DICOM dataset) is required. By default it is
    TypeError for the parameters in ``OBJECT_PARAMETERS``, ValueError for all others.
    """

    def check(call: Callable[[], object], parameter: str, error: type[Exception] | None = None) -> None:
        error = error or (TypeError if parameter in OBJECT_PARAMETERS else ValueError)
        # A warning (NumPy's ComplexWarning, say) is no substitute for an error: make it fail the case.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises((ValueError, TypeError)) as caught:
                call()
        assert isinstance(caught.value, error), f"{parameter}: expected {error.__name__}, got {caught.value!r}"
        message = str(caught.value)
        # Short names (x, w, b, X, y) must open the message ("x must ..."); longer ones may appear anywhere.
        pattern = rf"^{re.escape(parameter)}\b" if len(parameter) <= 2 else rf"(?<![\w]){re.escape(parameter)}(?![\w])"
        assert re.search(pattern, message), f"message does not name {parameter!r}: {message!r}"
        bad_input_counter.append(parameter)

    return check


# ---------------------------------------------------------------------------
# Strategies of bad values

FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
WORDS = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda word: word not in {"nan", "inf", "infinity"}
)
COMPLEX = st.complex_numbers(min_magnitude=0.1, max_magnitude=10, allow_nan=False, allow_infinity=False).filter(
    lambda z: z.imag != 0
)
#: Things that are not numbers at all: None, words, dictionaries, objects, complex numbers.
NOT_NUMBERS = st.one_of(
    st.none(), WORDS, st.dictionaries(WORDS, FINITE, min_size=1, max_size=2), st.builds(object), COMPLEX
)
SMALL_SHAPES = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)
SIZES = st.integers(2, 12)


@st.composite
def with_non_finite(draw, shape=SMALL_SHAPES, elements=FINITE) -> np.ndarray:
    """A float array of ``shape`` with at least one NaN or infinity."""
    array = draw(hnp.arrays(np.float64, shape, elements=elements))
    array.flat[draw(st.integers(0, array.size - 1))] = draw(NON_FINITE)
    return array


@st.composite
def complex_array(draw, shape=SMALL_SHAPES) -> np.ndarray:
    """A complex array whose imaginary part is not zero (casting it to float would lose it)."""
    array = draw(hnp.arrays(np.complex128, shape, elements=COMPLEX))
    return array


def bad_array(shape=SMALL_SHAPES) -> st.SearchStrategy:
    """Array arguments that are not finite real numbers."""
    return st.one_of(with_non_finite(shape), complex_array(shape), NOT_NUMBERS)


def bad_fraction(low_open: bool = False, high_open: bool = False) -> st.SearchStrategy:
    """Anything but a number in [0, 1] (or the open interval)."""
    edges = [0.0] * low_open + [1.0] * high_open
    return st.one_of(
        st.floats(1.0, 1e6, exclude_min=True),
        st.floats(-1e6, 0.0, exclude_max=True),
        st.sampled_from(edges) if edges else st.nothing(),
        NON_FINITE,
        WORDS,
        st.booleans(),
        st.none(),
        COMPLEX,
    )


BAD_POSITIVE_INT = st.one_of(
    st.integers(max_value=0),
    st.floats(0.5, 100).filter(lambda v: not v.is_integer()),
    st.booleans(),
    WORDS,
    st.none(),
)
BAD_POSITIVE_NUMBER = st.one_of(st.floats(max_value=0.0), NON_FINITE, WORDS, st.booleans(), st.none(), COMPLEX)
BAD_SEED = st.one_of(st.integers(max_value=-1), st.floats(0.5, 10).filter(lambda v: not v.is_integer()), WORDS)


def unknown_name(known) -> st.SearchStrategy:
    """A name that is not one of ``known``: a word, a number, None, or a list holding a known name."""
    return st.one_of(WORDS.filter(lambda w: w not in known), st.integers(), st.none(), st.just(list(known)[:1]))


@st.composite
def probabilities_out_of_range(draw, size=SIZES) -> np.ndarray:
    n = draw(size)
    array = draw(hnp.arrays(np.float64, n, elements=st.floats(0, 1)))
    array[draw(st.integers(0, n - 1))] = draw(st.one_of(st.floats(1, 1e6, exclude_min=True), st.floats(-1e6, -1e-9)))
    return array


@st.composite
def bad_labels(draw, size=SIZES) -> np.ndarray:
    """0/1 labels with a foreign value (2, -1, 0.5, NaN), or with one class only."""
    n = draw(size)
    labels = np.arange(n) % 2.0
    if draw(st.booleans()):
        labels[draw(st.integers(0, n - 1))] = draw(st.sampled_from([2.0, -1.0, 0.5, math.nan, math.inf]))
    else:
        labels[:] = draw(st.sampled_from([0.0, 1.0]))
    return labels


WRONG_NDIM = st.one_of(
    hnp.arrays(np.float64, st.just(()), elements=FINITE),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=4, max_side=3), elements=FINITE),
)
EMPTY = st.sampled_from([[], np.zeros(0), np.zeros((0, 3))])


# ---------------------------------------------------------------------------
# companion.neuron

ELEMENTWISE = [function for pair in neuron.ACTIVATIONS.values() for function in pair]


@pytest.mark.parametrize("function", ELEMENTWISE, ids=lambda f: f.__name__)
@sweep
@given(x=bad_array())
def test_activation_functions_reject_bad_x(reject, function, x):
    reject(lambda: function(x), "x")


@pytest.mark.parametrize("function", [neuron.leaky_relu, neuron.leaky_relu_derivative], ids=lambda f: f.__name__)
@sweep
@given(alpha=st.one_of(bad_fraction(high_open=True), st.just(1.0)))
def test_leaky_relu_rejects_bad_alpha(reject, function, alpha):
    reject(lambda: function([1.0, -1.0], alpha=alpha), "alpha")


@sweep
@given(name=unknown_name(neuron.ACTIVATIONS))
def test_activation_rejects_unknown_names(reject, name):
    reject(lambda: neuron.activation(name), "activation")
    reject(lambda: neuron.neuron([1.0], [1.0], 0.0, activation=name), "activation")


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("x"), bad_array(st.just((3,)))),
        st.tuples(st.just("x"), hnp.arrays(np.float64, st.sampled_from([(2,), (4,), (2, 4), (1, 1, 3)]))),
        st.tuples(st.just("w"), st.one_of(bad_array(st.just((3,))), EMPTY, st.just(np.ones((3, 1))))),
        st.tuples(st.just("b"), st.one_of(NON_FINITE, WORDS, COMPLEX, st.just([1.0, 2.0]), st.builds(object))),
    )
)
def test_neuron_rejects_bad_x_w_b(reject, bad):
    arguments = {"x": [1.0, 2.0, 3.0], "w": [0.1, 0.2, 0.3], "b": 0.5}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: neuron.neuron(**arguments), parameter)


# ---------------------------------------------------------------------------
# companion.training


@sweep
@given(
    bad=st.one_of(
        st.tuples(
            st.just("layer_sizes"),
            st.one_of(
                st.lists(st.integers(1, 5), max_size=1),
                st.lists(st.one_of(st.integers(max_value=0), st.booleans(), st.floats(1, 5)), min_size=2, max_size=3),
                WORDS,
                st.none(),
            ),
        ),
        st.tuples(st.just("hidden_activation"), unknown_name(training.ACTIVATIONS)),
        st.tuples(st.just("output"), unknown_name(training.OUTPUTS)),
        st.tuples(st.just("dtype"), st.sampled_from([np.int32, float, "float32", np.float16, None])),
        st.tuples(st.just("seed"), BAD_SEED),
    )
)
def test_mlp_rejects_bad_construction(reject, bad):
    arguments = {"layer_sizes": [3, 4, 1]}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: training.MLP(**arguments), parameter)


MODEL_X = np.arange(12.0).reshape(4, 3) / 10
MODEL_Y = np.array([0, 1, 1, 0])


@sweep
@given(
    X=st.one_of(
        bad_array(st.just((4, 3))),
        hnp.arrays(np.float64, st.sampled_from([(4, 2), (4,), (3,), (2, 3, 1)]), elements=FINITE),
        EMPTY,
    )
)
def test_mlp_rejects_bad_X(reject, X):
    model = training.MLP([3, 2, 1])
    reject(lambda: model.forward(X), "X")
    reject(lambda: model.evaluate(X, MODEL_Y), "X")
    reject(lambda: training.train(model, X, MODEL_Y, epochs=1), "X")


@sweep
@given(
    y=st.one_of(
        bad_labels(st.just(4)),
        with_non_finite(st.just((4,))),
        hnp.arrays(np.float64, st.sampled_from([(3,), (5,), (4, 2)]), elements=st.sampled_from([0.0, 1.0])),
        WORDS,
        st.none(),
    )
)
def test_mlp_rejects_bad_y(reject, y):
    model = training.MLP([3, 2, 1])
    if isinstance(y, np.ndarray) and y.shape == (4,) and np.isin(y, (0, 1)).all():
        y = np.append(y, 1.0)  # one class only is a valid target for training; a length mismatch is not
    reject(lambda: model.evaluate(MODEL_X, y), "y")
    reject(lambda: model.gradients(MODEL_X, y), "y")
    reject(lambda: training.train(model, MODEL_X, y, epochs=1), "y")


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("epochs"), BAD_POSITIVE_INT),
        st.tuples(st.just("batch_size"), BAD_POSITIVE_INT),
        st.tuples(st.just("patience"), BAD_POSITIVE_INT.filter(lambda v: v is not None)),
        st.tuples(st.just("learning_rate"), BAD_POSITIVE_NUMBER),
        st.tuples(st.just("optimizer"), unknown_name(training.OPTIMIZERS)),
        st.tuples(st.just("loss"), unknown_name(training.LOSSES)),
        st.tuples(st.just("seed"), BAD_SEED),
        st.tuples(st.just("X_val"), bad_array(st.just((2, 3)))),
    )
)
def test_train_rejects_bad_settings(reject, bad):
    parameter, value = bad
    arguments = {"epochs": 1, "X_val": MODEL_X[:2], "y_val": MODEL_Y[:2], parameter: value}
    reject(lambda: training.train(training.MLP([3, 2, 1]), MODEL_X, MODEL_Y, **arguments), parameter)


@sweep
@given(
    params=st.one_of(
        st.just([(np.full((3, 1), math.nan), np.zeros(1))]),
        st.just([(np.ones((3, 1)), np.array([math.inf]))]),
        st.just([(np.ones((2, 1)), np.zeros(1))]),
        st.just([(np.ones((3, 1)),)]),
        st.lists(st.integers(), max_size=2),
        NOT_NUMBERS,
        st.just([(np.full((3, 1), "w"), np.zeros(1))]),
    )
)
def test_set_params_rejects_bad_params(reject, params):
    reject(lambda: training.MLP([3, 1]).set_params(params), "params")


@sweep
@given(eps=BAD_POSITIVE_NUMBER)
def test_numerical_gradients_rejects_bad_eps(reject, eps):
    model = training.MLP([3, 1])
    reject(lambda: training.numerical_gradients(model, MODEL_X, MODEL_Y, eps=eps), "eps")
    reject(lambda: training.gradient_check(model, MODEL_X, MODEL_Y, eps=eps), "eps")


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("a"), bad_array(st.just((3,)))),
        st.tuples(st.just("b"), bad_array(st.just((3,)))),
        st.tuples(st.just("b"), hnp.arrays(np.float64, st.sampled_from([(2,), (2, 3), (1,)]), elements=FINITE)),
    )
)
def test_relative_error_rejects_bad_arrays(reject, bad):
    arguments = {"a": np.ones(3), "b": np.ones(3)}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: training.relative_error(**arguments), parameter)


# ---------------------------------------------------------------------------
# companion.evaluation

Y_TRUE = np.array([0, 0, 1, 1, 0, 1])
Y_SCORE = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
LABEL_FUNCTIONS = {
    "binary_labels": lambda y_true, y_score: validation.binary_labels("y_true", y_true),
    "clinical_metrics": lambda y_true, y_score: evaluation.clinical_metrics(y_true, y_score),
    "threshold_for_target": lambda y_true, y_score: evaluation.threshold_for_target(y_true, y_score, sensitivity=0.5),
    "brier_score": lambda y_true, y_score: evaluation.brier_score(y_true, y_score),
    "calibration": lambda y_true, y_score: evaluation.calibration(y_true, y_score, n_bins=2),
    "bootstrap_ci": lambda y_true, y_score: intervals.bootstrap_ci(
        lambda t, s: float(np.mean(s)), y_true, y_score, n_resamples=10
    ),
}
SCORE_NAMES = {"brier_score": "y_prob", "calibration": "y_prob", "binary_labels": None}


@pytest.mark.parametrize("name", LABEL_FUNCTIONS)
@sweep
@given(
    y_true=st.one_of(
        bad_labels(st.just(6)), with_non_finite(st.just((6,))), WRONG_NDIM, EMPTY, NOT_NUMBERS.filter(lambda v: v)
    )
)
def test_metrics_reject_bad_labels(reject, name, y_true):
    reject(lambda: LABEL_FUNCTIONS[name](y_true, Y_SCORE), "y_true")


@pytest.mark.parametrize("name", [name for name in LABEL_FUNCTIONS if name != "binary_labels"])
@sweep
@given(
    y_score=st.one_of(
        probabilities_out_of_range(st.just(6)),
        with_non_finite(st.just((6,)), elements=st.floats(0, 1)),
        complex_array(st.just((6,))),
        WRONG_NDIM,
        EMPTY,
        hnp.arrays(np.float64, st.sampled_from([5, 7]), elements=st.floats(0, 1)),
        WORDS,
    )
)
def test_metrics_reject_bad_scores(reject, name, y_score):
    reject(lambda: LABEL_FUNCTIONS[name](Y_TRUE, y_score), SCORE_NAMES.get(name, "y_score"))


@sweep
@given(threshold=bad_fraction())
def test_clinical_metrics_rejects_bad_threshold(reject, threshold):
    reject(lambda: evaluation.clinical_metrics(Y_TRUE, Y_SCORE, threshold=threshold), "threshold")


@sweep
@given(target=st.one_of(bad_fraction(low_open=True)), which=st.sampled_from(["sensitivity", "specificity"]))
def test_threshold_for_target_rejects_bad_targets(reject, target, which):
    reject(lambda: evaluation.threshold_for_target(Y_TRUE, Y_SCORE, **{which: target}), which)


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("sensitivity"), bad_fraction()),
        st.tuples(st.just("specificity"), bad_fraction()),
        st.tuples(
            st.just("prevalence"),
            st.one_of(bad_fraction(low_open=True, high_open=True), with_non_finite(elements=st.floats(0.01, 0.99))),
        ),
    )
)
def test_predictive_values_rejects_bad_rates(reject, bad):
    arguments = {"sensitivity": 0.9, "specificity": 0.8, "prevalence": 0.1}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: evaluation.predictive_values(**arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("metric"), st.one_of(st.none(), WORDS, FINITE)),
        st.tuples(st.just("n_resamples"), st.one_of(st.integers(max_value=9), st.floats(10.5, 50), WORDS)),
        st.tuples(st.just("confidence"), bad_fraction(low_open=True, high_open=True)),
        st.tuples(st.just("seed"), BAD_SEED),
    )
)
def test_bootstrap_ci_rejects_bad_settings(reject, bad):
    arguments = {"metric": lambda t, s: 0.5, "n_resamples": 10}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: intervals.bootstrap_ci(y_true=Y_TRUE, y_score=Y_SCORE, **arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("n_bins"), st.one_of(st.integers(max_value=1), st.floats(2.5, 9), WORDS, st.booleans())),
        st.tuples(st.just("strategy"), unknown_name(["quantile", "uniform"])),
    )
)
def test_calibration_rejects_bad_settings(reject, bad):
    parameter, value = bad
    reject(lambda: evaluation.calibration(Y_TRUE, Y_SCORE, **{parameter: value}), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(
            st.just("groups"),
            st.one_of(
                WRONG_NDIM,
                EMPTY,
                st.just([1, 1, 1]),
                st.just([1.0, math.nan, 2.0]),
                st.none(),
            ),
        ),
        st.tuples(st.just("test_size"), bad_fraction(low_open=True, high_open=True)),
        st.tuples(st.just("random_state"), BAD_SEED),
    )
)
def test_group_split_rejects_bad_input(reject, bad):
    arguments = {"groups": [1, 1, 2, 2, 3, 3, 4]}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: evaluation.group_train_test_split(**arguments), parameter)


@sweep
@given(groups=st.one_of(st.just([{"a": 1}]), st.just([{1, 2}]), st.just([[1], {2: 3}])))
def test_check_no_group_overlap_rejects_unhashable_groups(reject, groups):
    reject(lambda: evaluation.check_no_group_overlap(train=groups, test=[3]), "train")


# ---------------------------------------------------------------------------
# companion.data


@sweep
@given(name=unknown_name(data.available()))
def test_unknown_dataset_names_are_rejected(reject, name):
    reject(lambda: data.info(name), "name")
    reject(lambda: data.verified_path(name), "name")


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("zeros_as_missing"), st.one_of(st.integers(0, 1), WORDS, st.none())),
        st.tuples(st.just("directory"), st.one_of(st.integers(), st.none(), st.floats(), st.just(["/tmp"]))),
    )
)
def test_load_pima_rejects_bad_arguments(reject, bad):
    parameter, value = bad
    reject(lambda: data.load_pima(**{parameter: value}), parameter)


# ---------------------------------------------------------------------------
# companion.clinical


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("n_features"), BAD_POSITIVE_INT),
        st.tuples(st.just("hidden"), st.one_of(st.integers(), WORDS, st.none())),
        st.tuples(st.just("hidden[0]"), st.builds(lambda v: (v,), BAD_POSITIVE_INT)),
        st.tuples(st.just("activation"), unknown_name(clinical.HIDDEN_ACTIVATIONS)),
        st.tuples(st.just("learning_rate"), BAD_POSITIVE_NUMBER.filter(lambda v: v is not None)),
        st.tuples(st.just("name"), st.one_of(st.integers(), st.just(""), st.just([]))),
    )
)
def test_build_diagnosis_mlp_rejects_bad_settings(reject, bad):
    parameter, value = bad
    keyword = "hidden" if parameter == "hidden[0]" else parameter
    reject(lambda: clinical.build_diagnosis_mlp(**{keyword: value}), parameter)


# ---------------------------------------------------------------------------
# companion.ct, companion.phantom, companion.imaging, companion.data.medmnist, companion.explain


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("stored"), st.one_of(bad_array(), EMPTY)),
        st.tuples(st.just("slope"), st.one_of(NON_FINITE, st.just(0.0), st.booleans())),
        st.tuples(st.just("intercept"), st.one_of(NON_FINITE, st.booleans())),
    )
)
def test_to_hounsfield_rejects_bad_input(reject, bad):
    arguments = {"stored": [[0.0, 1000.0]], "slope": 1.0, "intercept": -1000.0}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: ct.to_hounsfield(**arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("hu"), st.one_of(bad_array(), EMPTY)),
        st.tuples(st.just("width"), st.one_of(st.floats(max_value=0.0), st.just(math.nan), st.booleans())),
    )
)
def test_window_rejects_bad_input(reject, bad):
    arguments = {"hu": [-600.0, 0.0], "level": -600.0, "width": 1500.0}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: ct.window(**arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(
            st.just("hu"),
            st.one_of(bad_array(st.just((32, 32))), WRONG_NDIM, st.just(np.zeros((32, 16)))),
        ),
        st.tuples(st.just("dose"), st.one_of(st.floats(max_value=0.0), st.floats(100, 1e9, exclude_min=True), WORDS)),
        st.tuples(st.just("n_angles"), st.one_of(st.integers(max_value=7), st.floats(8.5, 20), WORDS)),
        st.tuples(st.just("rng"), st.one_of(WORDS, st.integers(), st.builds(object))),
    )
)
def test_acquire_rejects_bad_input(reject, bad):
    arguments = {"hu": np.zeros((32, 32)), "rng": np.random.default_rng(0)}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: imaging.acquire(**arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("n"), BAD_POSITIVE_INT),
        st.tuples(st.just("size"), st.one_of(st.integers(max_value=31), st.integers(513), WORDS)),
        st.tuples(st.just("nodule_fraction"), bad_fraction()),
        st.tuples(st.just("dose"), st.one_of(st.floats(max_value=0.0), NON_FINITE, WORDS)),
        st.tuples(st.just("seed"), BAD_SEED),
    )
)
def test_simulate_chest_ct_rejects_bad_settings(reject, bad):
    parameter, value = bad
    reject(lambda: imaging.simulate_chest_ct(**{"n": 2, "cache": False, parameter: value}), parameter)


@sweep
@given(
    diameter_mm=st.one_of(
        hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(max_value=0.0, allow_nan=False)),
        st.sampled_from([[math.inf], [-math.inf], [1j], ["big"], [[1.0], [2.0, 3.0]]]),
    )
)
def test_size_band_rejects_bad_diameters(reject, diameter_mm):
    reject(lambda: phantom.size_band(diameter_mm), "diameter_mm")


@sweep
@given(
    images=st.one_of(
        bad_array(st.just((2, 8, 8))),
        hnp.arrays(np.float64, st.sampled_from([(), (8,), (8, 8), (3, 8, 8), (2, 8, 8, 1)]), elements=FINITE),
    )
)
def test_noise_std_rejects_bad_images(reject, images):
    reject(lambda: imaging.noise_std(images), "images")


@sweep
@given(name=unknown_name(["pneumoniamnist", "breastmnist", "nodulemnist3d"]).filter(lambda v: not isinstance(v, list)))
def test_load_medmnist_rejects_unknown_names(reject, name, tmp_path_factory):
    folder = tmp_path_factory.mktemp("medmnist")
    reject(lambda: medmnist.load_medmnist(name, folder, download=False), "name")


@sweep
@given(source=st.one_of(st.none(), st.integers(), st.just(b"not a file"), st.just("/nonexistent/slice.dcm")))
def test_read_ct_slice_rejects_bad_sources(reject, source):
    # A path that is not a readable file is a bad value; anything but a path or a Dataset, the wrong kind.
    reject(lambda: ct.read_ct_slice(source), "source", ValueError if isinstance(source, str) else TypeError)


@cache
def tiny_image_model():
    """A 8 x 8 one-channel convolutional classifier: enough to exercise the explanation functions."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(2, 3, padding="same", activation="relu", name="conv"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


@sweep
@given(
    bad=st.one_of(
        st.tuples(
            st.just("images"),
            st.one_of(
                with_non_finite(st.just((2, 8, 8, 1))),
                NOT_NUMBERS.filter(lambda v: not isinstance(v, complex)),
                st.just(np.zeros((2, 9, 8, 1))),
                st.just(np.zeros((0, 8, 8, 1))),
            ),
        ),
        st.tuples(st.just("layer_name"), unknown_name(["conv"]).filter(lambda v: v is not None)),
        st.tuples(st.just("output_index"), st.one_of(st.integers(1, 5), st.integers(max_value=-1), WORDS)),
        st.tuples(st.just("batch_size"), BAD_POSITIVE_INT),
        st.tuples(st.just("model"), st.one_of(WORDS, st.none(), st.builds(object))),
    )
)
def test_grad_cam_rejects_bad_input(reject, bad):
    arguments = {"model": tiny_image_model(), "images": np.zeros((2, 8, 8, 1))}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: explain.grad_cam(**arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(
            st.just("maps"),
            st.one_of(
                with_non_finite(st.just((2, 4, 4))),
                hnp.arrays(np.float64, st.sampled_from([(), (4,), (2, 4, 4, 1)]), elements=FINITE),
                st.sampled_from([[], np.zeros(0), np.zeros((0, 4, 4))]),
            ),
        ),
        st.tuples(st.just("centres"), st.one_of(with_non_finite(st.just((2, 2))), st.just(np.zeros((3, 2))))),
        st.tuples(st.just("radii"),
                  st.sampled_from([[1.0], [1.0, -1.0], [1.0, 0.0], [math.nan, 1.0], [math.inf, 1.0]])),
        st.tuples(st.just("margin"), st.one_of(st.floats(max_value=-1e-9), st.just(math.nan), WORDS, st.booleans())),
    )
)
@pytest.mark.parametrize("function", ["pointing_game", "pointing_hits"])
def test_pointing_scores_reject_bad_input(reject, function, bad):
    arguments = {"maps": np.ones((2, 4, 4)), "centres": [(1, 1), (2, 2)], "radii": [1.0, 1.0]}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: getattr(explain, function)(**arguments), parameter)


# ---------------------------------------------------------------------------
# companion.chem: invalid, empty and non-string SMILES, bad settings

BAD_SMILES = st.one_of(
    st.sampled_from(["", "   ", "C1CC", "C(C", "[Xx]", "not a molecule", "c1cc", "C==C"]),
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.binary(min_size=1, max_size=4),
    st.builds(object),
)


@sweep
@given(smiles=BAD_SMILES)
def test_chem_rejects_bad_smiles(reject, smiles):
    for one in (chem.to_mol, chem.standardize, chem.murcko_scaffold, chem.morgan_environments):
        reject(lambda one=one: one(smiles), "smiles")
    for many in (chem.morgan_fingerprints, chem.descriptors, chem.structural_alerts, chem.scaffold_split):
        reject(lambda many=many: many(["CCO", smiles]), "smiles")


@sweep
@given(smiles=st.one_of(st.just("CCO"), EMPTY, st.integers(), st.none()))
def test_chem_wants_a_sequence_of_smiles(reject, smiles):
    reject(lambda: chem.morgan_fingerprints(smiles), "smiles")


@sweep
@given(bad=st.one_of(st.tuples(st.just("radius"), BAD_POSITIVE_INT), st.tuples(st.just("n_bits"), BAD_POSITIVE_INT)))
def test_fingerprint_settings_are_checked(reject, bad):
    parameter, value = bad
    reject(lambda: chem.morgan_fingerprints(["CCO"], **{parameter: value}), parameter)


@sweep
@given(
    fractions=st.one_of(
        st.sampled_from([(0.8, 0.3), (1.0,), (0.5, 0.5, 0.0), "0.8", (0.5, math.nan), (0.5, True), (), None, 0.8])
    )
)
def test_scaffold_split_rejects_bad_fractions(reject, fractions):
    reject(lambda: chem.scaffold_split(["CCO", "c1ccccc1O", "C1CCCCC1"], fractions), "fractions")


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("query"), st.one_of(bad_array(st.just((2, 4))), EMPTY, st.just(np.full((2, 4), 2)))),
        st.tuples(st.just("reference"), st.one_of(bad_array(st.just((3, 4))), st.just(np.ones(4)))),
    )
)
def test_nearest_similarity_rejects_bad_fingerprints(reject, bad):
    arguments = {"query": np.ones((2, 4)), "reference": np.eye(4)[:3]}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: chem.nearest_similarity(**arguments), parameter)


@sweep
@given(table=st.one_of(st.none(), WORDS, st.just({"logp": [1.0]}), st.just(pd.DataFrame({"logp": [1.0]}))))
def test_lipinski_wants_the_descriptor_table(reject, table):
    error = ValueError if isinstance(table, pd.DataFrame) else TypeError  # a table without the columns is a bad value
    reject(lambda: chem.lipinski_violations(table), "table", error)


# ---------------------------------------------------------------------------
# companion.privacy


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("noise_multiplier"), BAD_POSITIVE_NUMBER),
        st.tuples(st.just("sample_rate"), bad_fraction(low_open=True)),
        st.tuples(st.just("steps"), BAD_POSITIVE_INT),
        st.tuples(st.just("delta"), bad_fraction(low_open=True, high_open=True)),
        st.tuples(st.just("accountant"), unknown_name(["rdp", "pld"])),
    )
)
def test_dp_epsilon_rejects_bad_settings(reject, bad):
    arguments = {"noise_multiplier": 1.0, "sample_rate": 0.1, "steps": 10, "delta": 1e-5, "accountant": "rdp"}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: privacy.dp_epsilon(**arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("member_losses"), st.one_of(bad_array(), EMPTY)),
        st.tuples(st.just("nonmember_losses"), st.one_of(bad_array(), EMPTY)),
    )
)
def test_membership_attack_rejects_bad_losses(reject, bad):
    arguments = {"member_losses": [0.1, 0.2], "nonmember_losses": [0.3, 0.9]}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: privacy.membership_inference_auc(**arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("per_example"), st.one_of(bad_array(st.just((2, 3))), st.just(np.ones(3)))),
        st.tuples(st.just("l2_norm_clip"), BAD_POSITIVE_NUMBER),
    )
)
def test_clip_gradients_rejects_bad_input(reject, bad):
    arguments = {"per_example": np.ones((2, 3)), "l2_norm_clip": 1.0}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: privacy.clip_gradients(**arguments), parameter)


@cache
def tiny_tabular_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("X"), st.one_of(bad_array(st.just((4, 3))), EMPTY, st.just(np.ones(4)))),
        st.tuples(st.just("y"), st.one_of(bad_array(st.just(4)), st.just([1.0, 0.0]))),
        st.tuples(st.just("noise_multiplier"), st.one_of(st.floats(max_value=-1e-9), NON_FINITE, WORDS)),
        st.tuples(st.just("l2_norm_clip"), BAD_POSITIVE_NUMBER),
        st.tuples(st.just("batch_size"), st.one_of(BAD_POSITIVE_INT, st.just(5))),
        st.tuples(st.just("epochs"), BAD_POSITIVE_INT),
        st.tuples(st.just("learning_rate"), BAD_POSITIVE_NUMBER),
        st.tuples(st.just("seed"), BAD_SEED),
    )
)
def test_train_dp_sgd_rejects_bad_input(reject, bad):
    arguments = {"X": np.ones((4, 3)), "y": [1.0, 0.0, 1.0, 0.0], "noise_multiplier": 1.0, "batch_size": 2}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: privacy.train_dp_sgd(tiny_tabular_model(), **arguments), parameter)


@sweep
@given(
    bad=st.one_of(
        st.tuples(st.just("clients"), st.one_of(st.just([]), st.none(), WORDS, st.just([np.ones((2, 3))]))),
        st.tuples(st.just("rounds"), BAD_POSITIVE_INT),
        st.tuples(st.just("local_epochs"), BAD_POSITIVE_INT),
        st.tuples(st.just("batch_size"), BAD_POSITIVE_INT),
        st.tuples(st.just("learning_rate"), BAD_POSITIVE_NUMBER),
    )
)
def test_federated_averaging_rejects_bad_input(reject, bad):
    arguments = {"clients": [(np.ones((4, 3)), [1.0, 0.0, 1.0, 0.0])]}
    parameter, value = bad
    arguments[parameter] = value
    reject(lambda: privacy.federated_averaging(tiny_tabular_model(), **arguments), parameter)


# ---------------------------------------------------------------------------
# companion.compute


@sweep
@given(model=st.one_of(st.none(), WORDS, st.integers(), st.builds(object)))
def test_compute_functions_want_a_keras_model(reject, model):
    for function in (compute.count_parameters, compute.count_flops, compute.model_size_bytes,
                     compute.layer_costs, compute.quantize_int8):
        reject(lambda function=function: function(model), "model")


@sweep
@given(batch_sizes=st.one_of(st.just([]), st.just([0]), st.just([1, -4]), st.just([2.5]), WORDS, st.none()))
def test_measure_latency_rejects_bad_batch_sizes(reject, batch_sizes):
    reject(lambda: compute.measure_latency(tiny_tabular_model(), batch_sizes), "batch_sizes")


def _exercise_checks():
    from companion.exercises.feedback import available_checks

    return list(available_checks().values())


@pytest.mark.parametrize("check", _exercise_checks(), ids=lambda f: f.__name__)
@sweep
@given(
    answer=st.one_of(
        NOT_NUMBERS,
        NON_FINITE,
        EMPTY,
        st.just([[1, 2], [3]]),
        st.lists(WORDS, min_size=1, max_size=3),
        st.booleans(),
        with_non_finite(),
    )
)
def test_exercise_checks_answer_garbage_with_a_hint(check, answer, bad_input_counter):
    """The self-checks' contract is different: garbage gets "Not yet: <hint>" and False, never a traceback."""
    output = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(output):
        warnings.simplefilter("error")
        verdict = check(answer)
    printed = output.getvalue()
    assert verdict is False, printed
    assert printed.startswith("Not yet: "), printed
    bad_input_counter.append("answer")


def _case(module: str, call: Callable[[object], object], parameter: str, why: str):
    return pytest.param(module, call, parameter, id=why)


# Gaps the sweep found while the modules were being written, now closed: each stays as a regression test.
CLOSED_GAPS = [
    _case("ct", lambda m: m.to_hounsfield(np.array([1j]), 1.0, 0.0), "stored", "to_hounsfield: complex pixels"),
    _case("ct", lambda m: m.to_hounsfield([1.0], "abc", 0.0), "slope", "to_hounsfield: text slope"),
    _case("ct", lambda m: m.to_hounsfield([1.0], None, 0.0), "slope", "to_hounsfield: None slope"),
    _case("ct", lambda m: m.window([1.0], "x", 10.0), "level", "window: text level"),
    _case("ct", lambda m: m.window([1.0], math.nan, 10.0), "level", "window: NaN level"),
    _case("ct", lambda m: m.window([1.0], 0.0, math.inf), "width", "window: infinite width"),
    _case("ct", lambda m: m.window([1.0], 0.0, "x"), "width", "window: text width"),
    _case("imaging", lambda m: m.noise_std(np.zeros((2, 8, 8)), region="x"), "region", "noise_std: bad region"),
    _case("imaging", lambda m: m.noise_std(np.zeros((2, 8, 8)), region=(slice(0, 0), slice(0, 0))), "region",
          "noise_std: empty region"),
    _case("imaging", lambda m: m.noise_std(np.zeros((2, 1, 1))), "images", "noise_std: image too small"),
    _case("phantom", lambda m: m.chest_phantom(np.random.default_rng(0), nodule="no"), "nodule", "phantom: nodule"),
    _case("imaging", lambda m: m.simulate_chest_ct(2, cache="no"), "cache", "simulate_chest_ct: text cache"),
    _case("data.medmnist", lambda m: m.load_medmnist(["x"], download=False), "name", "load_medmnist: list name"),
    _case("data.medmnist", lambda m: m.load_medmnist("pneumoniamnist", "/nonexistent", download="no"), "download",
          "load_medmnist: text download"),
    _case("data.medmnist", lambda m: m.load_medmnist("pneumoniamnist", 3, download=False), "cache_dir",
          "load_medmnist: number cache_dir"),
    _case("data", lambda m: m.load_hepatic_injury(None), "directory", "load_hepatic_injury: None directory"),
    _case("data", lambda m: m.load_solubility(3), "directory", "load_solubility: number directory"),
    _case("data", lambda m: m.load_tox21(3, download=False), "cache_dir", "load_tox21: number cache_dir"),
    _case("data", lambda m: m.load_tox21("/nonexistent", download="no"), "download", "load_tox21: text download"),
    _case("explain", lambda m: m.grad_cam(tiny_image_model(), np.full((1, 8, 8, 1), 1j)), "images", "complex image"),
    _case("explain", lambda m: m.pointing_game(np.ones((1, 4, 4)), "ab", [1.0]), "centres", "pointing_game: text"),
    _case("explain", lambda m: m.pointing_game(np.zeros((0, 3)), [(1, 1)], [1.0]), "maps",
          "pointing_game: a map without pixels"),
]


@pytest.mark.parametrize(("module", "call", "parameter"), CLOSED_GAPS)
def test_closed_gaps(reject, module, call, parameter):
    reject(lambda: call(importlib.import_module(f"companion.{module}")), parameter)


# The same mistake raises the same exception in every module: these once raised the other kind.
SAME_MISTAKE_SAME_ERROR = [
    _case("data", lambda m: m.load_pima(zeros_as_missing="yes"), "zeros_as_missing", "load_pima: text flag"),
    _case("data", lambda m: m.load_pima(directory=3), "directory", "load_pima: number directory"),
    _case("chem", lambda m: m.to_mol(3), "smiles", "to_mol: a number for a SMILES"),
    _case("chem", lambda m: m.morgan_fingerprints("CCO"), "smiles", "morgan_fingerprints: one string for many"),
    _case("intervals", lambda m: m.bootstrap_ci("auc", Y_TRUE, Y_SCORE), "metric", "bootstrap_ci: text metric"),
    _case("evaluation", lambda m: m.check_no_group_overlap(a=[{1}], b=[2]), "a", "group overlap: sets as groups"),
    _case("privacy", lambda m: m.per_example_losses("model", [[1.0]], [1]), "model", "per_example_losses: text"),
]


@pytest.mark.parametrize(("module", "call", "parameter"), SAME_MISTAKE_SAME_ERROR)
def test_same_mistake_same_error(reject, module, call, parameter):
    reject(lambda: call(importlib.import_module(f"companion.{module}")), parameter)
