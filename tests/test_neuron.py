"""companion.neuron: activations against finite differences and NumPy, stability at the
extremes, the neuron against a hand computation and scikit-learn, and bad inputs."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from companion import neuron as nrn

# From -30 to 30 (deep in both saturated tails) plus points close to 0 on both sides.
# Exactly 0 is left out: ReLU and leaky ReLU have a kink there, with no derivative.
GRID = np.concatenate([np.linspace(-30, 30, 120), [-1e-3, -1e-6, 1e-6, 1e-3]])
EXTREMES = np.array([-1e4, -1e3, -710.0, -50.0, 0.0, 50.0, 710.0, 1e3, 1e4])
STEP = 1e-6


def central_difference(f, x, h=STEP):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name", sorted(nrn.ACTIVATIONS))
def test_derivative_matches_central_finite_differences(name):
    f, df = nrn.activation(name)
    np.testing.assert_allclose(df(GRID), central_difference(f, GRID), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.3])
def test_leaky_relu_derivative_matches_finite_differences_for_each_alpha(alpha):
    def f(x):
        return nrn.leaky_relu(x, alpha=alpha)

    np.testing.assert_allclose(
        nrn.leaky_relu_derivative(GRID, alpha=alpha), central_difference(f, GRID), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("name", sorted(nrn.ACTIVATIONS))
def test_no_floating_point_warning_or_error_up_to_1e4(name):
    f, df = nrn.activation(name)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        values, slopes = f(EXTREMES), df(EXTREMES)
    assert np.isfinite(values).all()
    assert np.isfinite(slopes).all()


def test_sigmoid_reaches_its_limits_at_the_extremes():
    assert nrn.sigmoid(-1e4) == pytest.approx(0.0, abs=1e-300)
    assert nrn.sigmoid(1e4) == 1.0
    assert nrn.sigmoid_derivative(-1e4) == pytest.approx(0.0, abs=1e-300)


def test_sigmoid_keeps_relative_precision_in_both_tails():
    # Tiny values keep full relative precision: at x = 40 the naive s * (1 - s) gives 0,
    # because s rounds to exactly 1.
    assert nrn.sigmoid(-700.0) == pytest.approx(np.exp(-700.0), rel=1e-12, abs=0)
    assert nrn.sigmoid_derivative(40.0) == pytest.approx(np.exp(-40.0), rel=1e-12, abs=0)


def test_sigmoid_is_symmetric_and_its_derivative_peaks_at_a_quarter():
    np.testing.assert_allclose(nrn.sigmoid(GRID) + nrn.sigmoid(-GRID), 1.0, atol=1e-15)
    assert nrn.sigmoid_derivative(0.0) == 0.25
    assert nrn.sigmoid_derivative(GRID).max() <= 0.25


def test_tanh_agrees_with_numpy_and_with_the_sigmoid_identity():
    np.testing.assert_allclose(nrn.tanh(GRID), np.tanh(GRID), rtol=0, atol=0)
    np.testing.assert_allclose(nrn.tanh(GRID), 2 * nrn.sigmoid(2 * GRID) - 1, atol=1e-15)


def test_relu_family_values():
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(nrn.relu(x), [0.0, 0.0, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(nrn.relu_derivative(x), [0.0, 0.0, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(nrn.leaky_relu(x, alpha=0.1), [-0.3, -0.05, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(nrn.leaky_relu_derivative(x, alpha=0.1), [0.1, 0.1, 0.1, 1.0, 1.0])


def test_activations_keep_the_input_shape():
    x = np.zeros((3, 4, 2))
    for f, df in nrn.ACTIVATIONS.values():
        assert f(x).shape == x.shape
        assert df(x).shape == x.shape


def test_neuron_matches_a_hand_computation():
    x, w, b = np.array([2.0, -1.0, 0.5]), np.array([0.3, 0.8, -2.0]), 0.1
    z = 2.0 * 0.3 + (-1.0) * 0.8 + 0.5 * (-2.0) + 0.1  # = -1.1
    assert float(nrn.neuron(x, w, b)) == pytest.approx(1 / (1 + np.exp(1.1)), rel=1e-14)
    assert float(nrn.neuron(x, w, b, activation="tanh")) == pytest.approx(np.tanh(z), rel=1e-14)
    assert float(nrn.neuron(x, w, b, activation="relu")) == 0.0
    assert float(nrn.neuron(x, w, b, activation="leaky_relu")) == pytest.approx(0.01 * z, rel=1e-12, abs=0)
    assert float(nrn.neuron(x, w, b, activation="linear")) == pytest.approx(z, rel=1e-14)


def test_neuron_on_a_batch_equals_the_neuron_on_each_row():
    rng = np.random.default_rng(0)
    batch, w = rng.normal(size=(5, 3)), rng.normal(size=3)
    outputs = nrn.neuron(batch, w, -0.2, activation="tanh")
    assert outputs.shape == (5,)
    np.testing.assert_allclose(outputs, [nrn.neuron(row, w, -0.2, activation="tanh") for row in batch])


def test_sigmoid_neuron_is_logistic_regression():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = (X @ [1.5, -2.0, 0.5] + rng.normal(size=200) > 0).astype(int)
    model = LogisticRegression(C=1.0).fit(X, y)
    probabilities = nrn.neuron(X, model.coef_[0], model.intercept_[0])
    np.testing.assert_allclose(probabilities, model.predict_proba(X)[:, 1], rtol=1e-12, atol=1e-14)


GOOD_X, GOOD_W = np.ones((4, 3)), np.ones(3)


@pytest.mark.parametrize(
    ("x", "w", "b", "activation", "message"),
    [
        (GOOD_X, np.ones((3, 1)), 0.0, "sigmoid", r"w must be a 1-D array .* got shape \(3, 1\)"),
        (GOOD_X, np.ones(0), 0.0, "sigmoid", r"w must be a 1-D array .* got shape \(0,\)"),
        (np.ones((4, 2)), GOOD_W, 0.0, "sigmoid", r"x must have shape .* d = len\(w\) = 3; got shape \(4, 2\)"),
        (np.ones((2, 4, 3)), GOOD_W, 0.0, "sigmoid", r"x must have shape \(d,\) .* got shape \(2, 4, 3\)"),
        (np.float64(1.0), GOOD_W, 0.0, "sigmoid", r"x must have shape .* got shape \(\)"),
        (np.ones(2), GOOD_W, 0.0, "sigmoid", r"x must have shape .* got shape \(2,\)"),
        ([1.0, np.nan, 1.0], GOOD_W, 0.0, "sigmoid", r"x must contain only finite numbers, got 1 NaN"),
        (GOOD_X, [1.0, np.inf, -np.inf], 0.0, "sigmoid", r"w must contain only finite numbers, got 2 NaN"),
        (GOOD_X, GOOD_W, np.nan, "sigmoid", r"b must contain only finite numbers"),
        (GOOD_X, GOOD_W, [0.0, 1.0], "sigmoid", r"b must be a single number .* shape \(2,\)"),
        (GOOD_X, ["a", "b", "c"], 0.0, "sigmoid", r"w must be numbers, got \['a', 'b', 'c'\]"),
        (GOOD_X, GOOD_W, 0.0, "softmax", r"activation must be one of \[.*'sigmoid'.*\], got 'softmax'"),
        (GOOD_X, GOOD_W, 0.0, None, r"activation must be one of .* got None"),
    ],
)
def test_neuron_rejects_bad_inputs_with_a_helpful_message(x, w, b, activation, message):
    with pytest.raises(ValueError, match=message):
        nrn.neuron(x, w, b, activation=activation)


@pytest.mark.parametrize("name", ["Sigmoid", "swish", "", 3])
def test_unknown_activation_name_is_refused(name):
    with pytest.raises(ValueError, match=r"activation must be one of \['leaky_relu', 'linear', 'relu'"):
        nrn.activation(name)


@pytest.mark.parametrize("name", sorted(nrn.ACTIVATIONS))
@pytest.mark.parametrize("bad", [np.nan, np.inf, [0.0, -np.inf]])
def test_activations_refuse_non_finite_inputs(name, bad):
    f, df = nrn.activation(name)
    for function in (f, df):
        with pytest.raises(ValueError, match=r"x must contain only finite numbers"):
            function(bad)


@pytest.mark.parametrize("alpha", [-0.1, 1.0, np.nan, "0.1", True])
def test_leaky_relu_refuses_a_bad_slope(alpha):
    for function in (nrn.leaky_relu, nrn.leaky_relu_derivative):
        with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\), got"):
            function([1.0], alpha=alpha)
