"""Self-checks of the chapter "Medicine and AI" (book/foundations/medicine_and_ai.ipynb)."""

from __future__ import annotations

from typing import Any

from companion.exercises.feedback import PERCENTAGE_HINT, judge_number, looks_like_percentage, near


def check_mai_baseline_accuracy(answer: Any) -> bool:
    """Accuracy on the Pima data of a "model" that always predicts *no diabetes*.

    The answer is a fraction between 0 and 1, right within 0.005 of the value from the shipped data.

    Examples
    --------
    >>> check_mai_baseline_accuracy(0.5)
    Not yet: ...
    False
    """
    from companion import data

    expected = float((data.load_pima()["diabetes"] == 0).mean())
    return judge_number(
        answer,
        right=near(expected, 0.005),
        praise="a constant 'no diabetes' is right for every woman without diabetes, so any model must beat "
        "this number, and accuracy alone says little on imbalanced data.",
        not_a_number="give one number, the accuracy as a fraction between 0 and 1.",
        mistakes=[(looks_like_percentage, PERCENTAGE_HINT)],
        otherwise="count the women whose label is 0 and divide by all the women: a constant 'no' is right "
        "exactly for them.",
    )
