"""What every self-check shares: reading an answer, judging it, printing the one-line verdict.

The checks compare against values computed in their chapter's module, or against tolerances, and
their messages say *why* an answer is right or *where to look*, never what the expected value is.

Examples
--------
>>> verdict(1 + 1 == 2, praise="addition works.", hint="count again.")
Correct: addition works.
True
>>> verdict(False, praise="-", hint="look at the units.")
Not yet: look at the units.
False
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

#: A test of a number: the answer is right, or it shows a known mistake.
Predicate = Callable[[float], bool]

#: The hint for a fraction given as a percentage; checks of fractions list it among their mistakes.
PERCENTAGE_HINT = "give a fraction between 0 and 1 (for example 0.25 rather than 25 %)."


def verdict(ok: bool, *, praise: str, hint: str) -> bool:
    """Print the one-line verdict of a self-check and return it.

    Parameters
    ----------
    ok : bool
        Whether the learner's answer is right.
    praise : str
        Why the answer is right, printed after ``"Correct: "``.
    hint : str
        Where to look next, printed after ``"Not yet: "``. It must not give the answer away.

    Returns
    -------
    bool
        ``ok``, as a Python ``bool``.

    Examples
    --------
    >>> verdict(True, praise="the shapes match.", hint="check the shapes.")
    Correct: the shapes match.
    True
    """
    ok = bool(ok)
    print(f"Correct: {praise}" if ok else f"Not yet: {hint}")
    return ok


def as_number(answer: Any) -> float | None:
    """``answer`` as a finite float, or ``None`` when it is not one number.

    Text is not a number here, even text that Python could convert: ``"0.5"`` is a
    learner's typo for ``0.5``, and the hint says so.

    Examples
    --------
    >>> as_number(np.array([2])), as_number("2"), as_number(True), as_number(float("inf"))
    (2.0, None, None, None)
    """
    if answer is None or isinstance(answer, (bool, np.bool_, str, bytes)):
        return None
    try:
        value = float(np.asarray(answer, dtype=float).item())
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def as_array(answer: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """``answer`` as a finite float array of ``shape``, or ``None``.

    Examples
    --------
    >>> as_array([1, 2], (2,)), as_array([1, 2], (3,))
    (array([1., 2.]), None)
    """
    if answer is None or isinstance(answer, (str, bytes, dict)):
        return None
    try:
        array = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None
    if array.shape != shape:
        return None
    return array if np.isfinite(array).all() else None


def near(target: float, tolerance: float = 0.0) -> Predicate:
    """A test that a number is within ``tolerance`` of ``target`` (``0``: exactly ``target``).

    Examples
    --------
    >>> near(0.5, 0.01)(0.505), near(3)(3.0), near(3)(3.5)
    (True, True, False)
    """
    return lambda value: abs(value - target) <= tolerance


def looks_like_percentage(value: float) -> bool:
    """Whether a fraction was probably given as a percentage (25 for 0.25)."""
    return 1 < value <= 100


def judge_number(
    answer: Any,
    *,
    right: Predicate,
    praise: str,
    not_a_number: str,
    mistakes: Iterable[tuple[Predicate, str]] = (),
    otherwise: str,
) -> bool:
    """Judge an answer that should be one number, and print the verdict.

    Parameters
    ----------
    answer : Any
        What the learner passed.
    right : callable
        Whether a number is the right answer.
    praise : str
        Why the right answer is right.
    not_a_number : str
        The hint when ``answer`` is not one finite number.
    mistakes : iterable of (callable, str)
        Known mistakes, in order: the hint of the first test that holds for a wrong answer.
    otherwise : str
        The hint for a wrong answer that is none of the known mistakes.

    Returns
    -------
    bool
        Whether the answer is right.

    Examples
    --------
    >>> judge_number(20, right=near(2), praise="two.", not_a_number="a number.",
    ...              mistakes=[(near(20), "a factor 10 too many.")], otherwise="count again.")
    Not yet: a factor 10 too many.
    False
    """
    value = as_number(answer)
    if value is None:
        return verdict(False, praise=praise, hint=not_a_number)
    ok = right(value)
    hint = "" if ok else next((hint for shows, hint in mistakes if shows(value)), otherwise)
    return verdict(ok, praise=praise, hint=hint)


def available_checks() -> dict[str, Callable[[Any], bool]]:
    """Every self-check of every chapter, by name, sorted by name.

    Examples
    --------
    >>> checks = available_checks()
    >>> "check_cli_ppv" in checks and all(name.startswith("check_") for name in checks)
    True
    """
    package = importlib.import_module("companion.exercises")
    found = {}
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for name, value in vars(module).items():
            if name.startswith("check_") and callable(value) and value.__module__ == module.__name__:
                found[name] = value
    return dict(sorted(found.items()))
