"""Checks of array arguments, shared by every module: real numbers only, and finite where it matters.

Casting a complex array to float silently drops its imaginary part, and
casting text or objects fails deep inside NumPy; these functions refuse both
with a message that starts with the parameter's name.

Examples
--------
>>> finite_array("x", [1, 2]).dtype
dtype('float64')
>>> finite_array("x", [1.0, float("nan")])
Traceback (most recent call last):
...
ValueError: x must contain only finite numbers, got 1 NaN or infinite value(s) among 2
"""

from __future__ import annotations

import numpy as np


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
    """:func:`real_array`, with NaN and infinity refused too (the message counts them)."""
    array = real_array(name, values, dtype, what=what)
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(
            f"{name} must contain only finite numbers, got {int(bad.sum())} NaN or infinite value(s) among {array.size}"
        )
    return array


def positive_int(name: str, value: object) -> int:
    """``value`` as a positive ``int``; booleans, floats and text are refused.

    Examples
    --------
    >>> positive_int("epochs", 8.0)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be a positive integer, got 8.0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def positive_number(name: str, value: object) -> float:
    """``value`` as a positive finite ``float``; booleans, text, NaN and infinity are refused.

    Examples
    --------
    >>> positive_number("delta", 1e-5)
    1e-05
    """
    numbers = (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def check_seed(name: str, value: object) -> int:
    """A random seed: a non-negative ``int``.

    Examples
    --------
    >>> check_seed("seed", -1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be a non-negative integer, got -1
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)
