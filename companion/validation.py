"""The argument checks of every public function, in one place.

Each check returns the value in the form the caller computes with (a float,
an int, a NumPy array, a Path) or raises with a message that starts with the
parameter's name, says what was expected and shows what was given. The rule
(CONTRIBUTING.md, "Argument checks"): a bad value, or a scalar of the wrong
type (a float where an integer is needed, ``"yes"`` for a flag, a number where
text is needed) raises ``ValueError``; an object of the wrong kind where an
object is required (a Keras model, a random generator, a function) raises
``TypeError``.

Arrays: casting a complex array to float silently drops its imaginary part,
and casting text or objects fails deep inside NumPy; :func:`real_array`
refuses both.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def real_array(name: str, values: object, dtype: object = None, *, what: str = "an array of numbers") -> np.ndarray:
    """``values`` as a real NumPy array, or a ValueError naming ``name``.

    Parameters
    ----------
    name : str
        The parameter's name, which opens the error message.
    values : array-like
    dtype : NumPy dtype, optional
        The dtype to cast to. ``None`` keeps a floating dtype (a float32
        input stays float32, as networks trained in single precision need) and
        casts anything else to float64.
    what : str
        What was expected, for the message ("a 1-D array of numbers", ...).

    Examples
    --------
    >>> real_array("w", [1j])
    Traceback (most recent call last):
    ...
    ValueError: w must be real numbers, got complex values
    >>> real_array("w", ["a"], what="numbers")
    Traceback (most recent call last):
    ...
    ValueError: w must be numbers, got ['a']
    """
    if np.iscomplexobj(values):  # casting would silently drop the imaginary part
        raise ValueError(f"{name} must be real numbers, got complex values")
    try:
        array = np.asarray(values, dtype=dtype)
        if dtype is None and not np.issubdtype(array.dtype, np.floating):
            array = array.astype(float)
    except (TypeError, ValueError):
        shown = repr(values)
        shown = shown if len(shown) <= 80 else f"{type(values).__name__} {shown[:60]}..."
        raise ValueError(f"{name} must be {what}, got {shown}") from None
    if np.iscomplexobj(array):  # an object array of complex numbers becomes complex only here
        raise ValueError(f"{name} must be real numbers, got complex values")
    return array


def finite_array(name: str, values: object, dtype: object = None, *, what: str = "an array of numbers") -> np.ndarray:
    """:func:`real_array`, with NaN and infinity refused too (the message counts them).

    Examples
    --------
    >>> finite_array("x", [1.0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: x must contain only finite numbers, got 1 NaN or infinite value(s) among 2
    """
    array = real_array(name, values, dtype, what=what)
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(
            f"{name} must contain only finite numbers, got {int(bad.sum())} NaN or infinite value(s) among {array.size}"
        )
    return array


def finite_values(name: str, values: object) -> np.ndarray:
    """``values`` as a non-empty float64 array of finite numbers, of any shape (pixel values, HU).

    Examples
    --------
    >>> finite_values("hu", [])
    Traceback (most recent call last):
    ...
    ValueError: hu must be a non-empty array of finite numbers, got shape (0,)
    """
    array = finite_array(name, values, float)
    if array.size == 0:
        raise ValueError(f"{name} must be a non-empty array of finite numbers, got shape {array.shape}")
    return array


_NUMBERS = (int, float, np.integer, np.floating)


def _is_number(value: object) -> bool:
    """A finite real scalar; ``True`` and ``False`` are flags, not numbers."""
    if not isinstance(value, _NUMBERS) or isinstance(value, (bool, np.bool_)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _is_integer(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _checked(name: str, value: T, kind: Callable[[object], bool], inside: Callable, expected: str) -> T:
    """``value`` if it is of the ``kind`` and ``inside`` holds; else a ValueError saying what was ``expected``."""
    if not kind(value) or not inside(value):
        number = isinstance(value, _NUMBERS) and not isinstance(value, bool)
        shown = repr(value) if number else f"{type(value).__name__} {value!r}"
        raise ValueError(f"{name} must be {expected}, got {shown}")
    return value


# ---------------------------------------------------------------------------
# Scalars


def finite_number(name: str, value: object) -> float:
    """``value`` as a finite ``float``; booleans, text, NaN and infinity are refused.

    Examples
    --------
    >>> finite_number("level", "lung")
    Traceback (most recent call last):
    ...
    ValueError: level must be a finite number, got str 'lung'
    """
    return float(_checked(name, value, _is_number, lambda x: True, "a finite number"))


def positive_number(name: str, value: object) -> float:
    """``value`` as a positive finite ``float``.

    Examples
    --------
    >>> positive_number("width", 0)
    Traceback (most recent call last):
    ...
    ValueError: width must be a positive finite number, got 0
    """
    return float(_checked(name, value, _is_number, lambda x: x > 0, "a positive finite number"))


def non_negative_number(name: str, value: object) -> float:
    """``value`` as a finite ``float`` of at least 0.

    Examples
    --------
    >>> non_negative_number("noise_multiplier", -0.5)
    Traceback (most recent call last):
    ...
    ValueError: noise_multiplier must be a non-negative finite number, got -0.5
    """
    return float(_checked(name, value, _is_number, lambda x: x >= 0, "a non-negative finite number"))


_INTERVAL = re.compile(r"^([\[(])([^,]+), ([^,]+)([\])])$")


def number_in(name: str, value: object, interval: str) -> float:
    """``value`` as a ``float`` in ``interval``, written as in mathematics: ``"(0, 100]"``.

    A bracket includes its end, a parenthesis excludes it (a dropout rate of 1
    drops everything; a sampling rate of 0 samples nothing).

    Examples
    --------
    >>> number_in("dose", 0, "(0, 100]")
    Traceback (most recent call last):
    ...
    ValueError: dose must be a number in (0, 100], got 0
    """
    match = _INTERVAL.match(interval)
    if match is None:
        raise ValueError(f"interval must be written like '[0, 1)', got {interval!r}")
    opening, low, high, closing = match.group(1), float(match.group(2)), float(match.group(3)), match.group(4)

    def inside(x: float) -> bool:
        return (low <= x if opening == "[" else low < x) and (x <= high if closing == "]" else x < high)

    return float(_checked(name, value, _is_number, inside, f"a number in {interval}"))


def fraction(name: str, value: object, interval: str = "[0, 1]") -> float:
    """``value`` as a ``float`` in the unit interval, closed (the default) or open at either end.

    Examples
    --------
    >>> fraction("dropout", 1, "[0, 1)")
    Traceback (most recent call last):
    ...
    ValueError: dropout must be a number in [0, 1), got 1
    """
    return number_in(name, value, one_of("interval", interval, ("[0, 1]", "(0, 1)", "(0, 1]", "[0, 1)")))


def integer(name: str, value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int`` within ``[minimum, maximum]``; booleans, floats and text are refused.

    Examples
    --------
    >>> integer("size", 16, minimum=32, maximum=512)
    Traceback (most recent call last):
    ...
    ValueError: size must be an integer from 32 to 512, got 16
    >>> integer("steps", 2.0, minimum=2)
    Traceback (most recent call last):
    ...
    ValueError: steps must be an integer of at least 2, got 2.0
    """
    low = -np.inf if minimum is None else minimum
    high = np.inf if maximum is None else maximum
    expected = {
        (True, True): "an integer",
        (False, True): f"an integer of at least {minimum}",
        (True, False): f"an integer of at most {maximum}",
        (False, False): f"an integer from {minimum} to {maximum}",
    }[minimum is None, maximum is None]
    return int(_checked(name, value, _is_integer, lambda n: low <= n <= high, expected))


def positive_int(name: str, value: object) -> int:
    """``value`` as a positive ``int``; booleans, floats and text are refused.

    Examples
    --------
    >>> positive_int("epochs", 8.0)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a positive integer, got 8.0
    """
    return int(_checked(name, value, _is_integer, lambda n: n >= 1, "a positive integer"))


def non_negative_int(name: str, value: object) -> int:
    """``value`` as an ``int`` of at least 0, such as a random seed.

    Examples
    --------
    >>> non_negative_int("seed", -1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a non-negative integer, got -1
    """
    return int(_checked(name, value, _is_integer, lambda n: n >= 0, "a non-negative integer"))


def positive_ints(name: str, values: object, *, min_length: int = 1) -> list[int]:
    """``values`` as a list of at least ``min_length`` positive ``int`` (layer widths, batch sizes).

    Examples
    --------
    >>> positive_ints("layer_sizes", [4], min_length=2)
    Traceback (most recent call last):
    ...
    ValueError: layer_sizes must be a sequence of 2 or more positive integers, got [4]
    >>> positive_ints("hidden", [12, 0])
    Traceback (most recent call last):
    ...
    ValueError: hidden[1] must be a positive integer, got 0
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) < min_length:
        if min_length == 0:
            expected = "a sequence of positive integers"
        elif min_length == 1:
            expected = "a non-empty sequence of positive integers"
        else:
            expected = f"a sequence of {min_length} or more positive integers"
        raise ValueError(f"{name} must be {expected}, got {values!r}")
    return [positive_int(f"{name}[{i}]", value) for i, value in enumerate(values)]


def split_fractions(name: str, values: object) -> list[float]:
    """``values`` as two or more fractions in (0, 1) that sum to 1: the sizes of the parts of a split.

    Examples
    --------
    >>> split_fractions("fractions", (0.8, 0.1, 0.1))
    [0.8, 0.1, 0.1]
    >>> split_fractions("fractions", (0.8, 0.3))
    Traceback (most recent call last):
    ...
    ValueError: fractions must sum to 1, got (0.8, 0.3) (sum 1.1)
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) < 2:
        raise ValueError(f"{name} must be a sequence of two or more numbers such as (0.8, 0.2), got {values!r}")
    sizes = [fraction(f"{name}[{i}]", value, "(0, 1)") for i, value in enumerate(values)]
    if abs(sum(sizes) - 1) > 1e-9:
        raise ValueError(f"{name} must sum to 1, got {values!r} (sum {sum(sizes):g})")
    return sizes


def flag(name: str, value: object) -> bool:
    """``value`` as a ``bool``: only ``True`` and ``False`` (and NumPy's), not 0, 1 or ``"yes"``.

    Examples
    --------
    >>> flag("zeros_as_missing", "yes")
    Traceback (most recent call last):
    ...
    ValueError: zeros_as_missing must be True or False, got str 'yes'
    """
    return bool(_checked(name, value, lambda x: isinstance(x, (bool, np.bool_)), lambda x: True, "True or False"))


def one_of(name: str, value: T, allowed: Iterable[object]) -> T:
    """``value`` itself, if it is one of ``allowed`` (names of losses, windows, datasets...).

    Examples
    --------
    >>> one_of("strategy", "equal", ("quantile", "uniform"))
    Traceback (most recent call last):
    ...
    ValueError: strategy must be one of ['quantile', 'uniform'], got 'equal'
    """
    choices = list(allowed)
    try:
        known = value in choices
    except (TypeError, ValueError):  # an array compared with a name has no single truth value
        known = False
    if not known:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def text(name: str, value: object) -> str:
    """``value`` as a non-empty ``str`` (a model's name, a column).

    Examples
    --------
    >>> text("name", "")
    Traceback (most recent call last):
    ...
    ValueError: name must be a non-empty string, got str ''
    """
    return _checked(name, value, lambda x: isinstance(x, str), len, "a non-empty string")


def folder(name: str, value: object) -> Path:
    """``value`` as a :class:`~pathlib.Path` (``~`` expanded); only text and path-like objects are accepted.

    Examples
    --------
    >>> folder("cache_dir", 3)
    Traceback (most recent call last):
    ...
    ValueError: cache_dir must be a folder path (str or pathlib.Path), got int 3
    """
    if isinstance(value, (str, os.PathLike)) and str(value):
        return Path(value).expanduser()
    raise ValueError(f"{name} must be a folder path (str or pathlib.Path), got {type(value).__name__} {value!r}")


# ---------------------------------------------------------------------------
# Labels and predictions


def vector(name: str, values: object) -> np.ndarray:
    """``values`` as a non-empty 1-D float array without NaN.

    Examples
    --------
    >>> vector("y_score", [[0.1, 0.9]])
    Traceback (most recent call last):
    ...
    ValueError: y_score must be a non-empty 1-D array, got shape (1, 2)
    """
    array = real_array(name, values, float, what="a 1-D array of numbers")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    if np.isnan(array).any():
        raise ValueError(f"{name} must not contain NaN, got {int(np.isnan(array).sum())} NaN values")
    return array


def binary_labels(name: str, values: object) -> np.ndarray:
    """``values`` as a 1-D int array of 0s and 1s with both classes (a sensitivity or an AUC needs both).

    Examples
    --------
    >>> binary_labels("y_true", [0, 1, 1.0])
    array([0, 1, 1])
    >>> binary_labels("y_true", [1, 1, 1])
    Traceback (most recent call last):
    ...
    ValueError: y_true must contain both classes 0 and 1, got only class 1 (3 samples)
    """
    array = vector(name, values)
    unexpected = np.setdiff1d(array, [0.0, 1.0])
    if unexpected.size:
        raise ValueError(f"{name} must contain only the labels 0 and 1, got also {unexpected[:5].tolist()}")
    labels = array.astype(int)
    if np.unique(labels).size < 2:
        raise ValueError(
            f"{name} must contain both classes 0 and 1, got only class {labels[0]} ({labels.size} samples)"
        )
    return labels


def probabilities(name: str, values: object) -> np.ndarray:
    """``values`` as a 1-D float array of probabilities in [0, 1].

    Examples
    --------
    >>> probabilities("y_prob", [0.2, 1.3])
    Traceback (most recent call last):
    ...
    ValueError: y_prob must be probabilities in [0, 1], got values from 0.2 to 1.3
    """
    array = vector(name, values)
    if array.min() < 0 or array.max() > 1:
        raise ValueError(
            f"{name} must be probabilities in [0, 1], got values from {array.min():.3g} to {array.max():.3g}"
        )
    return array


# ---------------------------------------------------------------------------
# Objects (TypeError)


def keras_model(name: str, value: object, *, built: bool = False) -> object:
    """``value``, if it is a Keras model; a TypeError otherwise.

    Imports nothing: without ``keras`` in :data:`sys.modules`, nothing is a model. With ``built=True``,
    a model without weights yet (no ``keras.Input``, never called) is a ValueError: a wrong state.

    Examples
    --------
    >>> keras_model("model", [1, 2])
    Traceback (most recent call last):
    ...
    TypeError: model must be a keras.Model, got list
    """
    keras = sys.modules.get("keras")
    if keras is None or not isinstance(value, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(value).__name__}")
    if built and not value.built:
        raise ValueError(f"{name} {value.name!r} must be built: give it a keras.Input or call it once on data")
    return value


def generator(name: str, value: object) -> np.random.Generator:
    """``value``, if it is a :class:`numpy.random.Generator` (``np.random.default_rng(seed)``).

    Examples
    --------
    >>> generator("rng", 0)
    Traceback (most recent call last):
    ...
    TypeError: rng must be a numpy.random.Generator, got int
    """
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator, got {type(value).__name__}")
    return value


def function(name: str, value: object, signature: str = "") -> Callable:
    """``value``, if it can be called; ``signature`` shows the expected call in the message.

    Examples
    --------
    >>> function("metric", 0.5, "metric(y_true, y_score)")
    Traceback (most recent call last):
    ...
    TypeError: metric must be a callable metric(y_true, y_score), got float
    """
    if not callable(value):
        raise TypeError(f"{name} must be a callable {signature or 'function'}, got {type(value).__name__}")
    return value
