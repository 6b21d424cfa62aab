"""One artificial neuron in NumPy: activation functions, their derivatives, y = f(x·w + b).

Every function is vectorised over NumPy arrays and numerically stable for
inputs as large as ``1e4`` in absolute value: no overflow, no underflow and no
``RuntimeWarning``. Bad inputs (wrong shapes, NaN or infinite values, unknown
activation names) raise a ``ValueError`` that says what was expected and what
was given. This module does not import TensorFlow.

Examples
--------
>>> from companion.neuron import activation, neuron
>>> f, df = activation("sigmoid")
>>> float(f(0.0)), float(df(0.0))
(0.5, 0.25)
>>> float(neuron([1.0, 2.0], w=[0.5, -0.25], b=0.0))
0.5
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from companion.validation import finite_array, fraction, one_of

Activation = Callable[[ArrayLike], np.ndarray]

#: Slope of the leaky ReLU for negative inputs (Keras's ``LeakyReLU`` uses 0.3; 0.01 is the common choice).
DEFAULT_ALPHA = 0.01

# Beyond |x| of about 708, exp(-|x|) underflows and sets NumPy's underflow flag (an
# error under np.errstate(all="raise")). exp(-700) is about 1e-304, so past 700 we
# write the exact limit 0 instead of computing it: an error below 1e-304.
_MAX_EXP_ARGUMENT = 700.0


def _exp_minus_abs(x: np.ndarray) -> np.ndarray:
    """``exp(-|x|)``, which is at most 1 (no overflow), with 0 where it would underflow."""
    magnitude = np.abs(x)
    return np.exp(-magnitude, out=np.zeros_like(magnitude), where=magnitude <= _MAX_EXP_ARGUMENT)


def sigmoid(x: ArrayLike) -> np.ndarray:
    """Logistic sigmoid, ``1 / (1 + exp(-x))``, computed without overflow.

    Parameters
    ----------
    x : array_like
        Pre-activations; any shape, finite values.

    Returns
    -------
    numpy.ndarray
        Values in [0, 1], same shape as ``x``.

    Examples
    --------
    >>> sigmoid([-1e4, 0.0, 1e4]).tolist()
    [0.0, 0.5, 1.0]
    """
    x = finite_array("x", x, what="numbers")
    # The textbook 1 / (1 + e^-x) overflows in e^-x for large negative x. Work with
    # z = e^-|x| <= 1 instead: 1 / (1 + z) for x >= 0, the equal z / (1 + z) for x < 0.
    z = _exp_minus_abs(x)
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_derivative(x: ArrayLike) -> np.ndarray:
    """Derivative of :func:`sigmoid`, ``sigmoid(x) * (1 - sigmoid(x))``; at most 0.25, at ``x = 0``.

    Examples
    --------
    >>> sigmoid_derivative([0.0, 1e4]).tolist()
    [0.25, 0.0]
    """
    x = finite_array("x", x, what="numbers")
    # The symmetric form e^-|x| / (1 + e^-|x|)^2 keeps full relative precision in both
    # tails, where s * (1 - s) would round 1 - s to 0 for large positive x.
    z = _exp_minus_abs(x)
    return z / (1.0 + z) ** 2


def tanh(x: ArrayLike) -> np.ndarray:
    """Hyperbolic tangent, values in [-1, 1]; ``tanh(x) = 2 * sigmoid(2x) - 1``.

    Examples
    --------
    >>> tanh([-1e4, 0.0, 1e4]).tolist()
    [-1.0, 0.0, 1.0]
    """
    return np.tanh(finite_array("x", x, what="numbers"))


def tanh_derivative(x: ArrayLike) -> np.ndarray:
    """Derivative of :func:`tanh`, ``1 - tanh(x)**2``; at most 1, at ``x = 0``.

    Examples
    --------
    >>> tanh_derivative([0.0, 1e4]).tolist()
    [1.0, 0.0]
    """
    return 1.0 - np.tanh(finite_array("x", x, what="numbers")) ** 2


def relu(x: ArrayLike) -> np.ndarray:
    """Rectified linear unit, ``max(0, x)``.

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0]).tolist()
    [0.0, 0.0, 3.0]
    """
    return np.maximum(finite_array("x", x, what="numbers"), 0.0)


def relu_derivative(x: ArrayLike) -> np.ndarray:
    """Derivative of :func:`relu`: 1 for ``x > 0``, else 0 (0 at the kink, as in TensorFlow).

    Examples
    --------
    >>> relu_derivative([-2.0, 0.0, 3.0]).tolist()
    [0.0, 0.0, 1.0]
    """
    return (finite_array("x", x, what="numbers") > 0).astype(float)


def leaky_relu(x: ArrayLike, alpha: float = DEFAULT_ALPHA) -> np.ndarray:
    """Leaky ReLU: ``x`` for ``x > 0``, else ``alpha * x``, so negative inputs keep a gradient.

    Parameters
    ----------
    x : array_like
        Pre-activations; any shape, finite values.
    alpha : float, default 0.01
        Slope for negative inputs, in [0, 1); 0 gives the plain ReLU.

    Examples
    --------
    >>> leaky_relu([-2.0, 3.0], alpha=0.1).tolist()
    [-0.2, 3.0]
    """
    x = finite_array("x", x, what="numbers")
    return np.where(x > 0, x, fraction("alpha", alpha, "[0, 1)") * x)


def leaky_relu_derivative(x: ArrayLike, alpha: float = DEFAULT_ALPHA) -> np.ndarray:
    """Derivative of :func:`leaky_relu`: 1 for ``x > 0``, else ``alpha``.

    Examples
    --------
    >>> leaky_relu_derivative([-2.0, 3.0], alpha=0.1).tolist()
    [0.1, 1.0]
    """
    x = finite_array("x", x, what="numbers")
    return np.where(x > 0, 1.0, fraction("alpha", alpha, "[0, 1)"))


def linear(x: ArrayLike) -> np.ndarray:
    """Identity, for a neuron that outputs its weighted sum (Keras's ``"linear"``).

    Examples
    --------
    >>> linear([-2.0, 3.0]).tolist()
    [-2.0, 3.0]
    """
    return finite_array("x", x, what="numbers").copy()


def linear_derivative(x: ArrayLike) -> np.ndarray:
    """Derivative of :func:`linear`: 1 everywhere.

    Examples
    --------
    >>> linear_derivative([-2.0, 3.0]).tolist()
    [1.0, 1.0]
    """
    return np.ones_like(finite_array("x", x, what="numbers"))


#: Activation name -> (function, derivative); the names are Keras's.
ACTIVATIONS: dict[str, tuple[Activation, Activation]] = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "linear": (linear, linear_derivative),
}


def activation(name: str) -> tuple[Activation, Activation]:
    """The activation function called ``name`` and its derivative.

    Parameters
    ----------
    name : str
        One of the keys of :data:`ACTIVATIONS`: ``"sigmoid"``, ``"tanh"``,
        ``"relu"``, ``"leaky_relu"`` (with ``alpha = 0.01``) or ``"linear"``.

    Returns
    -------
    (f, df) : tuple of callables
        The function and its derivative, both taking the pre-activation.

    Raises
    ------
    ValueError
        If ``name`` is not a known activation; the message lists the known ones.

    Examples
    --------
    >>> f, df = activation("tanh")
    >>> float(f(0.0)), float(df(0.0))
    (0.0, 1.0)
    """
    return _lookup(name)


def _lookup(name: str) -> tuple[Activation, Activation]:
    """Registry look-up shared by :func:`activation` and :func:`neuron` (whose parameter hides the former)."""
    return ACTIVATIONS[one_of("activation", name, sorted(ACTIVATIONS))]


def _check_neuron_inputs(x: ArrayLike, w: ArrayLike, b: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Validate and convert the inputs of :func:`neuron`."""
    w = finite_array("w", w, what="numbers")
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"w must be a 1-D array with one weight per feature, got shape {w.shape}")
    x = finite_array("x", x, what="numbers")
    if x.ndim not in (1, 2) or x.shape[-1] != w.size:
        raise ValueError(
            f"x must have shape (d,) for one example or (n, d) for a batch, with d = len(w) = {w.size}; "
            f"got shape {x.shape}"
        )
    b_array = finite_array("b", b, what="numbers")
    if b_array.ndim != 0:
        raise ValueError(f"b must be a single number (the bias), got an array of shape {b_array.shape}")
    return x, w, float(b_array)


def neuron(x: ArrayLike, w: ArrayLike, b: float, activation: str = "sigmoid") -> np.ndarray:
    """Output of one artificial neuron, ``y = f(x · w + b)``.

    Parameters
    ----------
    x : array_like, shape (d,) or (n, d)
        One example with ``d`` features, or a batch of ``n`` examples.
    w : array_like, shape (d,)
        One weight per feature.
    b : float
        The bias.
    activation : str, default "sigmoid"
        Name of the activation ``f``, a key of :data:`ACTIVATIONS`.

    Returns
    -------
    numpy.ndarray
        Shape () for one example, shape (n,) for a batch.

    Raises
    ------
    ValueError
        If a shape does not match, a value is NaN or infinite, or the
        activation is unknown.

    Examples
    --------
    A sigmoid neuron with two inputs, for one example and for a batch of two:

    >>> float(neuron([1.0, 2.0], w=[2.0, -1.0], b=0.0))
    0.5
    >>> neuron([[0.0, 0.0], [1.0, 0.0]], w=[1.0, 1.0], b=-1.0, activation="relu").tolist()
    [0.0, 0.0]
    """
    f, _ = _lookup(activation)
    x, w, b = _check_neuron_inputs(x, w, b)
    return f(x @ w + b)
